"""E-mails to staff: one function per message, each in the recipient's language.

Every message has three templates under templates/emails/<name>/: subject.txt, body.txt and
body.html. They are rendered with the recipient's language active (UserPreference, Japanese
unless they chose English with the language switch) and sent through Django's e-mail
backend, configured from the environment. Messages name the case by its reference number and
link to it; the requester's personal data stays in the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from requests_app.business_calendar import BusinessCalendar
from requests_app.models import Case, UserPreference


@dataclass(frozen=True)
class CaseFacts:
    """What a message says about a case, in no language in particular."""

    reference: str
    state: str
    kinds: tuple[str, ...]
    arrival_date: date
    due_date: date
    art39_date: date
    business_days_left: int
    waiting_since: date | None
    waited_days: int
    assignee: str
    url: str

    @property
    def overdue(self) -> bool:
        return self.business_days_left < 0

    @property
    def business_days_late(self) -> int:
        return -self.business_days_left

    @classmethod
    def of(cls, case: Case, *, calendar: BusinessCalendar, today: date) -> CaseFacts:
        return cls(
            reference=case.reference,
            state=case.state,
            kinds=tuple(item.kind for item in case.items.all()),
            arrival_date=case.arrival_date,
            due_date=case.due_date,
            art39_date=case.art39_date,
            business_days_left=calendar.business_days_between(today, case.due_date),
            waiting_since=case.waiting_since,
            waited_days=(today - case.waiting_since).days if case.waiting_since else 0,
            assignee=person_name(case.assignee) if case.assignee else "",
            url=case_url(case.reference),
        )


def case_url(reference: str) -> str:
    path = reverse("requests_app:case_detail", args=[reference])
    return f"{settings.APPI_BASE_URL.rstrip('/')}{path}"


def person_name(user: Any) -> str:
    """Family name first, as the office writes names (山田 花子)."""
    name = f"{user.last_name} {user.first_name}".strip()
    return name or user.get_username()


def language_of(user: Any) -> str:
    try:
        preference = user.preference
    except UserPreference.DoesNotExist:
        return str(settings.LANGUAGE_CODE)
    return str(preference.language)


def send_message(name: str, recipient: Any, context: dict[str, Any]) -> None:
    """Render templates/emails/<name>/ in the recipient's language and send it (for the
    messages of other areas, e.g. the data map's search tasks)."""
    _send(name, recipient, context)


def _send(name: str, recipient: Any, context: dict[str, Any]) -> None:
    with translation.override(language_of(recipient)):
        context = {"recipient_name": person_name(recipient), **context}
        subject = " ".join(render_to_string(f"emails/{name}/subject.txt", context).split())
        text = render_to_string(f"emails/{name}/body.txt", context)
        html = render_to_string(f"emails/{name}/body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[recipient.email])
    message.attach_alternative(html, "text/html")
    message.send()


def send_due_soon(*, case: Case, recipient: Any, facts: CaseFacts) -> None:
    """To the assignee: the case is due within its warning threshold."""
    _send("due_soon", recipient, {"case": facts})


def send_overdue(*, case: Case, recipient: Any, facts: CaseFacts) -> None:
    """To the assignee: the due date has passed."""
    _send("overdue", recipient, {"case": facts})


def send_escalation(*, case: Case, recipient: Any, facts: CaseFacts) -> None:
    """To a manager: the case is overdue, or due soon with nobody to remind."""
    _send("escalation", recipient, {"case": facts})


def send_long_wait(*, case: Case, recipient: Any, facts: CaseFacts) -> None:
    """To a manager: the case has waited on the requester too long and is marked for
    abandonment; the manager decides whether to close it."""
    _send(
        "long_wait",
        recipient,
        {"case": facts, "abandon_after_days": settings.APPI_ABANDON_AFTER_DAYS},
    )


def send_audit_failure(*, problem: str, recipient: Any) -> None:
    """To an administrator: the nightly check found the audit trail broken."""
    _send("audit_failure", recipient, {"problem": problem})

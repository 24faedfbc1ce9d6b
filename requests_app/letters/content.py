"""The snapshot a letter is written from, taken from the case when the letter is asked for.

Everything the letter prints is copied here (names, addresses, items, what is missing, the
data found, the changes made), so the stored row alone decides the letter: rendering stays
pure, a retry prints the same letter, and later edits to the case never change a letter that
was already generated (they call for a new version instead).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone, translation

from identity.gate import what_is_missing as identity_missing
from requests_app.business_calendar import BusinessCalendar, load_calendar
from requests_app.choices import CaseState
from requests_app.datamap.selectors import purposes_where_found
from requests_app.letters import kinds
from requests_app.letters.kinds import LetterKind

# 2: items carry the alternative measure and the recipient a title; the acknowledgement
# lists what is still to happen; the reply-by date is an open office day.
CONTENT_VERSION = 2

# What still has to happen before the reply, as the acknowledgement lists it, by case state.
_IDENTITY_PENDING = frozenset(
    {CaseState.RECEIVED, CaseState.AWAITING_IDENTITY, CaseState.AWAITING_DOCUMENTS}
)


@dataclass(frozen=True)
class ExtensionInputs:
    """What an extension notice says: the new due date and why (given by staff)."""

    new_due_date: date
    reason: str


@dataclass(frozen=True)
class EarlierLetter:
    number: str
    sent_on: date


def build_content(
    *,
    case: Any,
    kind: str,
    language: str,
    letter_date: date,
    number: str,
    extension: ExtensionInputs | None = None,
    earlier: EarlierLetter | None = None,
    completion: str = "",
    calendar: BusinessCalendar | None = None,
) -> dict[str, Any]:
    """The letter's content as plain JSON. Reads the case; writes nothing."""
    items = list(case.items.all())
    content: dict[str, Any] = {
        "v": CONTENT_VERSION,
        "reference": case.reference,
        "number": number,
        "letter_date": letter_date.isoformat(),
        "recipient": {
            "name": case.reply_name,
            "postal_code": case.reply_postal_code,
            "address": case.reply_address,
            "agent_kind": case.agent_kind,
            "person_name": case.requester.name,
            # An agent is addressed with 様; the person by the title they gave, if any.
            "title": "" if case.has_agent else case.requester.title,
        },
        "relationships": list(case.requester.relationships),
        "arrival_date": case.arrival_date.isoformat(),
        "due_date": case.due_date.isoformat(),
        "disclosure_method": case.disclosure_method,
        "fee": _fee(case),
        "items": [_item(item) for item in kinds.items_for(kind, items)],
    }
    if kind == LetterKind.PURPOSE_NOTICE:
        # The purposes of the data map's systems where the person was found (their accepted
        # searches); without searches the letter lists those of the person's relationships.
        found = purposes_where_found(case)
        if found:
            content["purposes"] = found
    if kind in kinds.CHASING_KINDS:
        asking_completion = case.state == CaseState.IN_PROGRESS
        content["missing"] = [] if asking_completion else what_is_missing(case, language)
        content["completion_reason"] = completion or completion_reason(case)
        content["reply_by"] = reply_by(letter_date, calendar or load_calendar()).isoformat()
    if kind == LetterKind.ACKNOWLEDGEMENT:
        content["still_to_do"] = still_to_do(case)
    if kind == LetterKind.PROCEDURE_GUIDE:
        # What the written request must enclose: the identity rules' sentences for a case
        # with no documents yet (an agent's or a guardian's needs included), and the fee.
        content["missing"] = what_is_missing(case, language)
        content["contact"] = {
            "channel": case.channel,
            "on": timezone.localdate(case.contact_at).isoformat()
            if case.contact_at
            else case.arrival_date.isoformat(),
        }
    if earlier is not None:
        content["earlier_letter"] = {
            "number": earlier.number,
            "sent_on": earlier.sent_on.isoformat(),
        }
    if kind == LetterKind.EXTENSION and extension is not None:
        content["extension"] = {
            "new_due_date": extension.new_due_date.isoformat(),
            "reason": extension.reason,
        }
    return content


def reply_by(letter_date: date, calendar: BusinessCalendar) -> date:
    """The day a requested item should reach us: LETTER_REPLY_WITHIN_DAYS after the letter,
    moved on to the next day the office is open (a reply cannot be received on a closed day,
    such as the New Year closure)."""
    return calendar.next_working_day(
        letter_date + timedelta(days=settings.LETTER_REPLY_WITHIN_DAYS)
    )


def still_to_do(case: Any) -> list[str]:
    """What still has to happen before the reply, as of the letter: the acknowledgement says
    that, not what is already done."""
    steps = []
    if case.state in _IDENTITY_PENDING:
        steps.append("identity")
    if case.fee_shortfall > 0:
        steps.append("fee")
    if case.state == CaseState.AWAITING_COMPLETION:
        steps.append("completion")
    steps.append("investigation")
    return steps


def what_is_missing(case: Any, language: str) -> list[str]:
    """The identity rules' sentences for the person, in the letter's language."""
    with translation.override(language):
        return [str(sentence) for sentence in identity_missing(case)]


def completion_reason(case: Any) -> str:
    """Why staff asked the person to complete the request (補正), while the case waits on it."""
    if case.state != CaseState.AWAITING_COMPLETION:
        return ""
    event = case.events.filter(action="case.completion.requested").order_by("-seq").first()
    return event.reason if event else ""


def _fee(case: Any) -> dict[str, Any]:
    payments = list(case.fee_payments.all())
    paid = sum(payment.amount_yen for payment in payments)
    return {
        "due": case.fee_due,
        "paid": paid,
        "shortfall": max(0, case.fee_due - paid),
        "payments": [
            {
                "form": payment.form,
                "amount": payment.amount_yen,
                "received_on": payment.received_on.isoformat(),
            }
            for payment in payments
        ],
    }


def _item(item: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": item.kind,
        "details": item.details,
        "outcome": item.outcome,
        "ground": item.refusal_ground,
        "reasons": item.reasons,
        "measure": item.measure,
    }
    if item.kind in kinds.DISCLOSURE_REQUEST_KINDS:
        # Records the Cabinet Order excludes are left out without mention: saying that they
        # were left out would reveal them (Enforcement Order Art. 11).
        data["records"] = [
            {
                "category": record.category,
                "field": record.field,
                "value": record.value,
                "source": record.source,
            }
            for record in item.disclosed_records.all()
            if not record.excluded_by_order
        ]
    if item.kind in kinds.CHANGE_REQUEST_KINDS:
        data["changes"] = [
            {
                "subject": change.subject,
                "before": change.before,
                "after": change.after,
                "done_on": change.done_on.isoformat() if change.done_on else "",
                "source": change.source,
            }
            for change in item.changes.all()
        ]
    return data


def has_something_missing(content: dict[str, Any]) -> bool:
    return bool(
        content.get("missing")
        or content.get("completion_reason")
        or content.get("fee", {}).get("shortfall")
    )


def texts(value: Any) -> Iterator[str]:
    """Every string in the content, for the font check."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from texts(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from texts(inner)

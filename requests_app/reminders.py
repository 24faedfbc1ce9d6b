"""Reminders, escalations and alerts: who is told what, and telling them exactly once.

Each message is one SentMessage row keyed by (case, day, kind, recipient). A worker claims the
row with a conditional INSERT before it sends and stamps `sent_at` once the mail server has
accepted it; the unique key makes a second worker's INSERT fail, so a task that runs twice,
or a sweep that overlaps a task queued after a staff action, never sends twice. A claim whose
worker died before sending is taken over after CLAIM_TIMEOUT.

The sweep selects the cases that still need a message today with one set-based query
(`cases_to_remind`): open cases whose clock runs, from their reminder date on, minus those
whose messages of the day were all sent. Only those cases are looked at one by one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models import Case as Choose
from django.db.models.functions import Coalesce
from django.utils import timezone

from requests_app import emails
from requests_app.business_calendar import BusinessCalendar, load_calendar
from requests_app.choices import AWAITING_REPLY_STATES, WAITING_ON_REQUESTER_STATES, MessageKind
from requests_app.models import Case, SentMessage
from requests_app.permissions import Role
from requests_app.services import case_flag_for_abandonment

logger = logging.getLogger(__name__)

# A claim not stamped as sent after this long belongs to a worker that died.
CLAIM_TIMEOUT = timedelta(minutes=10)


# --- recipients ------------------------------------------------------------------------------


def _reachable() -> Q:
    return Q(is_active=True) & ~Q(email="")


def members_of(role: Role) -> list[Any]:
    """Active users of a role who have an e-mail address, in a stable order."""
    return list(
        get_user_model()
        .objects.filter(_reachable(), groups__name=role.value)
        .select_related("preference")
        .distinct()
        .order_by("pk")
    )


def member_ids(role: Role) -> list[int]:
    return list(
        get_user_model()
        .objects.filter(_reachable(), groups__name=role.value)
        .values_list("pk", flat=True)
        .distinct()
    )


def reachable(user: Any) -> bool:
    return user is not None and user.is_active and bool(user.email)


# --- what a case needs today ---------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    kind: str
    recipient: Any


def notices_for(case: Case, *, day: date, managers: Sequence[Any]) -> list[Notice]:
    """The messages a case calls for on `day` (a working day).

    The assignee is reminded from the reminder date on (due soon) and after the due date
    (overdue); an overdue case is escalated to the managers, and so is a case due soon that
    nobody (reachable) is assigned to. A manager who is the assignee is not also escalated to.
    While the clock is paused there is nothing to do: the long-wait check handles those cases.
    """
    if not case.awaiting_reply or case.clock_paused or case.warning_date is None:
        return []
    overdue = case.due_date < day
    if not overdue and case.warning_date > day:
        return []
    assignee = case.assignee if reachable(case.assignee) else None
    notices = []
    if assignee is not None:
        notices.append(Notice(MessageKind.OVERDUE if overdue else MessageKind.DUE_SOON, assignee))
    if overdue or assignee is None:
        notices.extend(
            Notice(MessageKind.ESCALATION, manager)
            for manager in managers
            if assignee is None or manager.pk != assignee.pk
        )
    return notices


def cases_to_remind(day: date, *, manager_ids: Sequence[int] | None = None) -> QuerySet[Case]:
    """The open cases that still need a reminder or an escalation on `day`, in one query.

    Set-based mirror of `notices_for` over all cases: a case is left out once its assignee's
    message of the day and all its managers' escalations are stamped as sent.
    """
    if manager_ids is None:
        manager_ids = member_ids(Role.MANAGER)
    sent_today = SentMessage.objects.filter(case=OuterRef("pk"), day=day, sent_at__isnull=False)
    escalated: Any = Value(0)
    if manager_ids:
        escalated = Coalesce(
            Subquery(
                sent_today.filter(kind=MessageKind.ESCALATION, recipient_id__in=manager_ids)
                .values("case")
                .annotate(count=Count("pk"))
                .values("count")
            ),
            0,
        )
    assignee_reachable = Q(assignee__is_active=True) & ~Q(assignee__email="")
    return (
        Case.objects.filter(state__in=AWAITING_REPLY_STATES, clock_paused=False)
        .filter(Q(warning_date__lte=day) | Q(due_date__lt=day))
        .annotate(
            assignee_ok=ExpressionWrapper(assignee_reachable, output_field=BooleanField()),
            reminder_kind=Choose(
                When(due_date__lt=day, then=Value(MessageKind.OVERDUE.value)),
                default=Value(MessageKind.DUE_SOON.value),
            ),
            reminded=Exists(
                sent_today.filter(recipient=OuterRef("assignee_id"), kind=OuterRef("reminder_kind"))
            ),
            escalations_wanted=Choose(
                When(Q(due_date__gte=day) & assignee_reachable, then=Value(0)),
                When(
                    assignee_reachable & Q(assignee_id__in=manager_ids),
                    then=Value(len(manager_ids) - 1),
                ),
                default=Value(len(manager_ids)),
                output_field=IntegerField(),
            ),
            escalated=escalated,
        )
        .filter(Q(assignee_ok=True, reminded=False) | Q(escalated__lt=F("escalations_wanted")))
        .order_by("pk")
    )


def cases_waiting_too_long(day: date, *, manager_ids: Sequence[int] | None = None) -> list[int]:
    """Open cases waiting on the requester longer than APPI_ABANDON_AFTER_DAYS that are not
    yet marked for abandonment, or whose managers have not all been told."""
    if manager_ids is None:
        manager_ids = member_ids(Role.MANAGER)
    cutoff = day - timedelta(days=settings.APPI_ABANDON_AFTER_DAYS)
    told: Any = Value(0)
    if manager_ids:
        told = Coalesce(
            Subquery(
                SentMessage.objects.filter(
                    case=OuterRef("pk"),
                    kind=MessageKind.LONG_WAIT,
                    day=OuterRef("flagged_for_abandonment_on"),
                    sent_at__isnull=False,
                    recipient_id__in=manager_ids,
                )
                .values("case")
                .annotate(count=Count("pk"))
                .values("count")
            ),
            0,
        )
    waiting = Case.objects.filter(
        state__in=WAITING_ON_REQUESTER_STATES, waiting_since__lte=cutoff
    ).annotate(told=told)
    return list(
        waiting.filter(Q(flagged_for_abandonment_on__isnull=True) | Q(told__lt=len(manager_ids)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# --- claiming and sending -------------------------------------------------------------------


def claim(*, kind: str, day: date, recipient: Any, case: Case | None = None) -> SentMessage | None:
    """Claim the right to send one message; None if it is sent or being sent elsewhere."""
    now = timezone.now()
    key = {"kind": kind, "day": day, "recipient": recipient, "case": case}
    try:
        with transaction.atomic():
            return SentMessage.objects.create(claimed_at=now, **key)
    except IntegrityError:
        pass
    taken_over = SentMessage.objects.filter(
        sent_at__isnull=True, claimed_at__lt=now - CLAIM_TIMEOUT, **key
    ).update(claimed_at=now)
    return SentMessage.objects.get(**key) if taken_over else None


def deliver(message: SentMessage, send: Callable[[], None]) -> bool:
    """Send a claimed message and stamp it; on failure release the claim and re-raise."""
    try:
        send()
    except Exception:
        SentMessage.objects.filter(pk=message.pk, sent_at__isnull=True).delete()
        raise
    SentMessage.objects.filter(pk=message.pk).update(sent_at=timezone.now())
    return True


def office_day(day: date, calendar: BusinessCalendar | None = None) -> bool:
    """Reminders go out on working days only: nobody reads them on a closed day."""
    return (calendar or load_calendar()).is_working_day(day)


_SENDERS: dict[str, Callable[..., None]] = {
    MessageKind.DUE_SOON: emails.send_due_soon,
    MessageKind.OVERDUE: emails.send_overdue,
    MessageKind.ESCALATION: emails.send_escalation,
}


def send_case_reminders(*, case_id: int, day: date) -> int:
    """Send what the case calls for on `day` that was not sent yet; the number sent.

    Reads the case as it is now: a case closed, paused or extended since it was queued
    gets only what it calls for now. A day already over is left to that day's history.
    """
    if day < timezone.localdate():
        return 0
    calendar = load_calendar()
    if not office_day(day, calendar):
        return 0
    case = (
        Case.objects.select_related("assignee__preference")
        .prefetch_related("items")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        return 0
    sent = 0
    for notice in notices_for(case, day=day, managers=members_of(Role.MANAGER)):
        message = claim(kind=notice.kind, day=day, recipient=notice.recipient, case=case)
        if message is None:
            continue
        facts = emails.CaseFacts.of(case, calendar=calendar, today=day)
        deliver(
            message,
            partial(_SENDERS[notice.kind], case=case, recipient=notice.recipient, facts=facts),
        )
        sent += 1
    return sent


def handle_long_wait(*, case_id: int, day: date) -> int:
    """Mark a case that waited too long for abandonment (once) and tell every manager."""
    case = case_flag_for_abandonment(case_id=case_id, today=day)
    if case is None or case.flagged_for_abandonment_on is None:
        return 0
    flagged_on = case.flagged_for_abandonment_on
    calendar = load_calendar()
    facts = emails.CaseFacts.of(case, calendar=calendar, today=day)
    sent = 0
    for manager in members_of(Role.MANAGER):
        message = claim(kind=MessageKind.LONG_WAIT, day=flagged_on, recipient=manager, case=case)
        if message is None:
            continue
        deliver(message, partial(emails.send_long_wait, case=case, recipient=manager, facts=facts))
        sent += 1
    return sent


def alert_audit_failure(*, problem: str, day: date) -> int:
    """Tell every administrator that the audit trail failed its check (once a day each)."""
    sent = 0
    for administrator in members_of(Role.ADMINISTRATOR):
        message = claim(kind=MessageKind.AUDIT_FAILURE, day=day, recipient=administrator)
        if message is None:
            continue
        deliver(
            message, partial(emails.send_audit_failure, problem=problem, recipient=administrator)
        )
        sent += 1
    return sent

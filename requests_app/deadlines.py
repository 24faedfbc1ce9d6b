"""Due dates (回答期限), derived from the case's history, never typed in.

`due_date_for` is one pure function: from the arrival date, the kinds asked for, the case's
audit events (state changes and extensions) and the SLA policy of each kind, it computes each
item's due date; the earliest is the case's. How the clock runs:

- It starts the day after arrival (Civil Code Art. 140) and counts business or calendar days,
  as the kind's policy says. A target in calendar days that ends on a closed day is brought
  forward to the last working day before it: the office cannot mail a reply on a closed day,
  and the 14-day targets exist to answer before the person may sue (APPI Art. 39).
- While the case waits on the requester (documents, fee, completion 補正) the clock pauses, if
  the kind's policy says so: from the day the request to the person was mailed up to and
  including the day staff record that what was asked arrived (the arrival date they enter
  counts, not the day they enter it); the clock resumes the day after. Checking what came in
  the envelope is the company's own work and never pauses it. While a case waits, its due
  date is the earliest it can now be: as if the answer arrived today.
- An extension (期限の延長) sets a new date; later pauses move it on like any other.
- A request that came by telephone, e-mail or in person and must be made in writing waits
  for the letter (HELD_STATES): no deadline has begun, whatever the kind's policy says. While
  it waits its due date is the earliest it can be (as if the letter arrived today); once the
  letter arrives the arrival date is the letter's, and the wait leaves no trace in the count.

`refresh_due_date` stores the result on the case (due date, the day reminders start, whether
and since when the clock is paused), in the transaction of the change that may move it; every
service that changes a case calls it. `refresh_open_cases` recomputes many cases at once: the
nightly repair, and the follow-up to an administrator editing a policy or a closure day.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from django.db.models import F, Q
from django.utils import timezone

from requests_app.audit import AuditEvent
from requests_app.business_calendar import BusinessCalendar, load_calendar
from requests_app.choices import (
    ART39_DAYS,
    AWAITING_REPLY_STATES,
    HELD_STATES,
    OPEN_STATES,
    WAITING_ON_REQUESTER_STATES,
    DayCount,
)
from requests_app.models import Case, RequestItem, SLAPolicy

if TYPE_CHECKING:
    from requests_app.models import Case, SLAPolicy

logger = logging.getLogger(__name__)

EXTENSION_ACTION = "case.deadline.extended"
# The stored copy of the derivation, as Case fields.
STORED_FIELDS = (
    "due_date",
    "warning_date",
    "waiting_since",
    "clock_paused",
    "flagged_for_abandonment_on",
)


@dataclass(frozen=True)
class Policy:
    """An SLA policy's rule as plain values (SLAPolicy is the editable row)."""

    target_days: int
    day_count: str = DayCount.BUSINESS
    warning_days: int = 3
    pauses_while_waiting: bool = True

    @classmethod
    def of(cls, row: SLAPolicy) -> Policy:
        return cls(
            target_days=row.target_days,
            day_count=row.day_count,
            warning_days=row.warning_days,
            pauses_while_waiting=row.pauses_while_waiting,
        )

    @property
    def in_business_days(self) -> bool:
        return self.day_count == DayCount.BUSINESS


# For a kind whose policy an administrator removed: the Art. 39 date, warned 3 days ahead.
DEFAULT_POLICY = Policy(target_days=ART39_DAYS, day_count=DayCount.CALENDAR)


class HistoryEvent(Protocol):
    """What the derivation reads from an audit event (AuditEvent has these attributes)."""

    @property
    def at(self) -> datetime: ...
    @property
    def action(self) -> str: ...
    @property
    def to_state(self) -> str: ...
    @property
    def payload(self) -> Any: ...


class Change(NamedTuple):
    """An audit event reduced to what the derivation reads (for bulk recomputation)."""

    at: datetime
    action: str
    to_state: str
    payload: Any


@dataclass(frozen=True)
class Deadline:
    """Everything the derivation found for one case."""

    due_date: date
    warning_date: date
    waiting_since: date | None
    clock_paused: bool
    item_due: dict[str, date] = field(default_factory=dict)
    extended_to: date | None = None


class _Tick(NamedTuple):
    day: date
    what: str  # "pause", "resume", "hold" or "extend"
    until: date | None = None


def _payload_date(event: HistoryEvent, key: str) -> date | None:
    raw = (event.payload or {}).get(key) if isinstance(event.payload, dict) else None
    try:
        return date.fromisoformat(raw) if raw else None
    except (TypeError, ValueError):
        return None


def _ticks(events: Iterable[HistoryEvent]) -> tuple[list[_Tick], date | None]:
    """The clock's events in order, and the day the current wait began (if waiting).

    A wait begins on the day the request to the person was mailed (`asked_on` in the event
    that entered the waiting state) and ends on the day staff record that what was asked
    arrived (`received_on`); neither day counts. Events written before those dates were
    recorded use the day of the event itself.

    A hold for the written request (HELD_STATES) begins on the day of the first contact
    (`asked_on`: the day the person was told to write) and leaves no tick once it ends: the
    arrival date is then the letter's, and the count starts from it.
    """
    ticks: list[_Tick] = []
    waiting_since: date | None = None
    held = False
    for event in events:
        day = timezone.localdate(event.at)
        if event.action == EXTENSION_ACTION:
            until = (event.payload or {}).get("new_due_date")
            if until:
                ticks.append(_Tick(day, "extend", date.fromisoformat(until)))
        elif event.to_state:
            waiting = event.to_state in WAITING_ON_REQUESTER_STATES
            if event.to_state in HELD_STATES:
                held = True
                waiting_since = _payload_date(event, "asked_on") or day
            elif held:
                held, waiting_since = False, None
            elif waiting and waiting_since is None:
                asked = _payload_date(event, "asked_on") or day
                # The clock counts up to the day before the request was mailed.
                ticks.append(_Tick(asked - timedelta(days=1), "pause"))
                waiting_since = asked
            elif not waiting and waiting_since is not None:
                arrived = _payload_date(event, "received_on") or day
                # ... and again from the day after what was asked arrived.
                ticks.append(_Tick(max(arrived, waiting_since), "resume"))
                waiting_since = None
    if held and waiting_since is not None:
        ticks.append(_Tick(waiting_since - timedelta(days=1), "hold"))
    return ticks, waiting_since


def _item_due_date(
    *,
    arrival_date: date,
    ticks: Sequence[_Tick],
    policy: Policy,
    calendar: BusinessCalendar,
    today: date,
) -> date:
    if policy.in_business_days:
        count = calendar.business_days_between
        advance = calendar.add_business_days
    else:

        def count(start: date, end: date) -> int:
            return (end - start).days

        def advance(start: date, days: int) -> date:
            return start + timedelta(days=days)

    # `cursor` is the last day already accounted for; `remaining` the days still to count.
    cursor, remaining = arrival_date, policy.target_days
    due: date | None = None
    paused = False
    for tick in ticks:
        day = max(tick.day, cursor)
        if not paused and due is None:
            elapsed = count(cursor, day)
            if elapsed >= remaining:
                due = advance(cursor, remaining)
            else:
                remaining -= elapsed
        cursor = day
        if tick.what == "pause":
            paused = policy.pauses_while_waiting
        elif tick.what == "hold":
            paused = True
        elif tick.what == "resume":
            paused = False
        elif tick.until is not None:
            due, remaining = None, max(1, count(day, tick.until))
    if due is None:
        due = advance(max(cursor, today) if paused else cursor, remaining)
    return due if policy.in_business_days else calendar.previous_working_day(due)


def due_date_for(
    *,
    arrival_date: date,
    kinds: Iterable[str],
    events: Iterable[HistoryEvent],
    policies: Mapping[str, Policy],
    calendar: BusinessCalendar,
    today: date,
) -> Deadline:
    """The case's deadline from its history: pure, so pages, tasks and tests share it.

    `events` are the case's audit events in order (others than state changes and
    extensions are ignored); `today` only matters while the case waits on the requester.
    """
    ticks, waiting_since = _ticks(events)
    chosen = {kind: policies.get(kind, DEFAULT_POLICY) for kind in kinds} or {"": DEFAULT_POLICY}
    item_due = {
        kind: _item_due_date(
            arrival_date=arrival_date, ticks=ticks, policy=policy, calendar=calendar, today=today
        )
        for kind, policy in chosen.items()
    }
    warning = min(
        calendar.add_business_days(item_due[kind], -policy.warning_days)
        for kind, policy in chosen.items()
    )
    extensions = [tick.until for tick in ticks if tick.what == "extend"]
    held = any(tick.what == "hold" for tick in ticks)
    return Deadline(
        due_date=min(item_due.values()),
        warning_date=warning,
        waiting_since=waiting_since,
        clock_paused=held
        or (
            waiting_since is not None
            and all(policy.pauses_while_waiting for policy in chosen.values())
        ),
        item_due=item_due,
        extended_to=extensions[-1] if extensions else None,
    )


# --- reading the inputs -------------------------------------------------------------------


def load_policies() -> dict[str, Policy]:
    return {row.kind: Policy.of(row) for row in SLAPolicy.objects.all()}


def _history_filter() -> Q:
    return Q(to_state__gt="") | Q(action=EXTENSION_ACTION)


def case_history(case: Case) -> list[Change]:
    return [
        Change(*row)
        for row in AuditEvent.objects.filter(case=case)
        .filter(_history_filter())
        .order_by("seq")
        .values_list("at", "action", "to_state", "payload")
    ]


def deadline_of(
    case: Case,
    *,
    events: Iterable[HistoryEvent] | None = None,
    policies: Mapping[str, Policy] | None = None,
    calendar: BusinessCalendar | None = None,
    today: date | None = None,
) -> Deadline:
    """The case's deadline, reading from the database whatever the caller did not pass."""
    return due_date_for(
        arrival_date=case.arrival_date,
        kinds=[item.kind for item in case.items.all()],
        events=case_history(case) if events is None else events,
        policies=load_policies() if policies is None else policies,
        calendar=calendar or load_calendar(),
        today=today or timezone.localdate(),
    )


def _stored_values(case: Case, deadline: Deadline) -> dict[str, Any]:
    flagged = case.flagged_for_abandonment_on
    # A mark for abandonment belongs to one wait: it goes when the wait ends.
    if flagged is not None and (deadline.waiting_since is None or flagged < deadline.waiting_since):
        flagged = None
    return {
        "due_date": deadline.due_date,
        "warning_date": deadline.warning_date,
        "waiting_since": deadline.waiting_since,
        "clock_paused": deadline.clock_paused,
        "flagged_for_abandonment_on": flagged,
    }


def refresh_due_date(case: Case, *, today: date | None = None) -> Deadline:
    """Recompute the case's deadline and store what changed (inside the caller's transaction)."""
    deadline = deadline_of(case, today=today)
    changes = {
        name: value
        for name, value in _stored_values(case, deadline).items()
        if getattr(case, name) != value
    }
    if changes:
        for name, value in changes.items():
            setattr(case, name, value)
        type(case).objects.filter(pk=case.pk).update(**changes)
    return deadline


def refresh_open_cases(
    *, today: date | None = None, only_missing: bool = False, chunk_size: int = 2000
) -> int:
    """Recompute every open case's stored deadline in a few queries per chunk; the number
    of cases whose stored copy changed.

    The nightly repair (a waiting case's due date moves every day; an edited policy or
    closure day moves many) and the sweep's first step (`only_missing`: cases made without
    the services, such as bulk demo data, have no reminder date yet).
    """
    today = today or timezone.localdate()
    policies, calendar = load_policies(), load_calendar()
    cases = Case.objects.filter(state__in=OPEN_STATES).only("arrival_date", *STORED_FIELDS)
    if only_missing:
        cases = cases.filter(warning_date__isnull=True)
    changed = 0
    for chunk in _chunks(cases.order_by("pk"), chunk_size):
        ids = [case.pk for case in chunk]
        kinds: dict[int, list[str]] = {}
        for case_id, kind in RequestItem.objects.filter(case_id__in=ids).values_list(
            "case_id", "kind"
        ):
            kinds.setdefault(case_id, []).append(kind)
        history: dict[int, list[Change]] = {}
        for case_id, *row in (
            AuditEvent.objects.filter(case_id__in=ids)
            .filter(_history_filter())
            .order_by("case_id", "seq")
            .values_list("case_id", "at", "action", "to_state", "payload")
        ):
            history.setdefault(case_id, []).append(Change(*row))
        # Cases that arrived on the same day mostly end up with the same values: one UPDATE
        # per distinct set of values is far cheaper than a per-row CASE (bulk_update).
        updates: dict[tuple[Any, ...], list[int]] = {}
        for case in chunk:
            deadline = due_date_for(
                arrival_date=case.arrival_date,
                kinds=kinds.get(case.pk, []),
                events=history.get(case.pk, []),
                policies=policies,
                calendar=calendar,
                today=today,
            )
            values = _stored_values(case, deadline)
            if any(getattr(case, name) != value for name, value in values.items()):
                updates.setdefault(tuple(values[name] for name in STORED_FIELDS), []).append(
                    case.pk
                )
        for stored, case_ids in updates.items():
            Case.objects.filter(pk__in=case_ids).update(
                **dict(zip(STORED_FIELDS, stored, strict=True))
            )
            changed += len(case_ids)
    return changed


def _chunks(cases: Any, size: int) -> Iterator[list[Case]]:
    chunk: list[Case] = []
    for case in cases.iterator(chunk_size=size):
        chunk.append(case)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- what lists and pages ask -------------------------------------------------------------


def is_overdue(case: Case, today: date | None = None) -> bool:
    """Open and past its due date. A waiting case is overdue only if it already was when
    the wait began: while the clock is paused, time does not make a case late."""
    today = today or timezone.localdate()
    if not case.awaiting_reply or case.due_date >= today:
        return False
    return not case.clock_paused or (
        case.waiting_since is not None and case.due_date < case.waiting_since
    )


def overdue_q(today: date) -> Q:
    """`is_overdue` as a database filter (the list's "overdue", the sweep, dashboards)."""
    return Q(state__in=AWAITING_REPLY_STATES, due_date__lt=today) & (
        Q(clock_paused=False) | Q(due_date__lt=F("waiting_since"))
    )


def week_end(today: date, calendar: BusinessCalendar) -> date:
    """The Sunday ending the working week staff mean by "this week": the week of today,
    or on a closed day (a weekend, a holiday run) the week of the next working day."""
    working = calendar.next_working_day(today)
    return working + timedelta(days=6 - working.weekday())


def due_this_week_q(today: date, calendar: BusinessCalendar) -> Q:
    """Open, the clock running, and due from today to the end of this working week."""
    return Q(
        state__in=AWAITING_REPLY_STATES,
        clock_paused=False,
        due_date__range=(today, week_end(today, calendar)),
    )


def extension_problems(
    new_date: date, *, current_due: date, today: date, calendar: BusinessCalendar
) -> list[str]:
    """Why `new_date` cannot be the extended due date (empty when it can)."""
    from django.utils.translation import gettext as _

    problems = []
    if new_date <= current_due:
        problems.append(
            _("The new due date must be later than the current one (%(due)s).")
            % {"due": current_due.isoformat()}
        )
    elif new_date < today:
        problems.append(_("The new due date cannot be in the past."))
    elif new_date > current_due + timedelta(days=365):
        problems.append(_("An extension cannot be longer than a year."))
    if not calendar.is_working_day(new_date):
        problems.append(
            _(
                "%(date)s is not a working day (a weekend, a national holiday or a company "
                "closure); choose a working day."
            )
            % {"date": new_date.isoformat()}
        )
    return problems

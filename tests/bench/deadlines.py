"""`deadline_sweep`: how long the sweep takes to select the cases that need a message today.

Measured with every one of the 100,000 cases open and awaiting its reply (reopened inside a
transaction that is rolled back afterwards). The sweep (requests_app.tasks.deadline_sweep)
asks `reminders.cases_to_remind`: the reachable managers (one query) and the cases (one
set-based query over all cases). The baseline is one hand-written SQL statement selecting the
same cases, checked to return exactly the same ids.
"""

from __future__ import annotations

import time
from typing import Any

from tests.bench import medians_ms, report

_HANDWRITTEN = """
SELECT c.id
FROM requests_app_case c
LEFT JOIN auth_user u ON u.id = c.assignee_id
WHERE c.state IN ({open_states})
  AND NOT c.clock_paused
  AND (c.warning_date <= %s OR c.due_date < %s)
  AND (
    (u.is_active AND u.email <> '' AND NOT EXISTS (
       SELECT 1 FROM requests_app_sentmessage m
       WHERE m.case_id = c.id AND m.day = %s AND m.sent_at IS NOT NULL
         AND m.recipient_id = c.assignee_id
         AND m.kind = CASE WHEN c.due_date < %s THEN 'overdue' ELSE 'due_soon' END))
    OR (SELECT count(*) FROM requests_app_sentmessage m
        WHERE m.case_id = c.id AND m.day = %s AND m.sent_at IS NOT NULL
          AND m.kind = 'escalation' AND m.recipient_id IN ({managers}))
       < CASE WHEN c.due_date >= %s AND u.is_active AND u.email <> '' THEN 0
              WHEN u.is_active AND u.email <> '' AND c.assignee_id IN ({managers}) THEN %s
              ELSE %s END
  )
ORDER BY c.id
"""


def _people(staff: Any) -> list[int]:
    """Reachable recipients, as in the office: staff with an address and one manager."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    if not staff.email:
        staff.email = "bench-staff@cmc.example.jp"
        staff.save(update_fields=["email"])
    manager, _created = get_user_model().objects.get_or_create(
        username="bench-manager", defaults={"email": "bench-manager@cmc.example.jp"}
    )
    manager.groups.set([Group.objects.get(name="manager")])
    return [manager.pk]


def run(staff: Any) -> None:
    from django.db import connection, transaction

    from requests_app import deadlines
    from requests_app.choices import AWAITING_REPLY_STATES, CaseState
    from requests_app.models import Case

    manager_ids = _people(staff)
    # Cases made by bulk inserts have no reminder date yet; the sweep's repair step fills
    # them in once (the nightly refresh does the same for all open cases).
    _repair(deadlines)
    # The figure is for 100,000 open cases: every case is reopened for the measurement in a
    # transaction that is rolled back, so the other figures keep their mix of states.
    with transaction.atomic():
        reopened = Case.objects.exclude(state__in=AWAITING_REPLY_STATES).update(
            state=CaseState.IN_PROGRESS, closed_at=None, reply_sent_on=None, warning_date=None
        )
        _repair(deadlines)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE requests_app_case")
        print(f"deadline_sweep: {reopened} cases reopened for the measurement", flush=True)
        _measure(staff, manager_ids)
        transaction.set_rollback(True)
    # The rolled-back update left a dead copy of every reopened row: clear them (and the
    # statistics) so that the figures measured after this one read the table as it was.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE requests_app_case")


def _repair(deadlines: Any) -> None:
    started = time.perf_counter()
    repaired = deadlines.refresh_open_cases(only_missing=True)
    if repaired:
        print(
            f"deadlines: stored the deadlines of {repaired} open cases in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )


def _measure(staff: Any, manager_ids: list[int]) -> None:
    from django.db import connection

    from requests_app import reminders
    from requests_app.business_calendar import load_calendar
    from requests_app.choices import AWAITING_REPLY_STATES
    from requests_app.models import Case

    assert not Case.objects.exclude(state__in=AWAITING_REPLY_STATES).exists()
    day = load_calendar().next_working_day(_today())
    states = sorted(AWAITING_REPLY_STATES)  # the clock stops once the reply is mailed
    managers = ", ".join(["%s"] * len(manager_ids)) or "NULL"
    sql = _HANDWRITTEN.format(open_states=", ".join(["%s"] * len(states)), managers=managers)
    count = len(manager_ids)
    params: list[Any] = [
        *states,
        day,
        day,
        day,
        day,
        day,
        *manager_ids,
        day,
        *manager_ids,
        count - 1,
        count,
    ]

    def sweep_selection() -> list[int]:
        return list(reminders.cases_to_remind(day).values_list("pk", flat=True))

    def handwritten() -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]

    selected = sweep_selection()
    assert selected == handwritten(), "the sweep and the SQL baseline disagree"
    print(f"deadline_sweep: {len(selected)} cases need a message on {day}", flush=True)
    report("deadline_sweep", *medians_ms(sweep_selection, handwritten))


def _today() -> Any:
    from django.utils import timezone

    return timezone.localdate()

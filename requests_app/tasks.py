"""Celery tasks: thin, idempotent, taking ids and reading the current state from the database.

The periodic ones are scheduled in config/celery.py (BEAT_SCHEDULE). The database is the
source of truth: a message lost on the way (the broker was down when a staff action tried to
queue it, a worker died) is found again by the next sweep, and SentMessage claims make sure
nobody is told twice.
"""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from django.core.management import call_command
from django.utils import timezone

from requests_app import audit, deadlines, queue, reminders
from requests_app.datamap import reminders as task_reminders
from requests_app.datamap import services as search_services

logger = logging.getLogger(__name__)

# Sending mail: retried with exponential backoff, then left to the next sweep (queue.py).
MAIL_RETRY = queue.MAIL_RETRY


def _day(value: str | None) -> date:
    return date.fromisoformat(value) if value else timezone.localdate()


# --- reminders and escalations ------------------------------------------------------------------


@shared_task(name=queue.SEND_CASE_REMINDERS, **MAIL_RETRY)
def send_case_reminders(case_id: int, day: str) -> int:
    """Remind the assignee and escalate to managers as the case calls for on `day`."""
    return reminders.send_case_reminders(case_id=case_id, day=_day(day))


@shared_task(name=queue.DEADLINE_SWEEP, soft_time_limit=240, time_limit=300)
def deadline_sweep(day: str | None = None) -> int:
    """Find the cases due soon or overdue that still need a message today, and the cases
    whose search tasks do (the data map's departments); queue each.

    Runs every quarter of an hour in office hours and does nothing on closed days. It also
    repairs: open cases without a stored reminder date (made outside the services) get one
    first, and whatever a lost task missed is still unsent and so selected again.
    """
    today = _day(day)
    if not reminders.office_day(today):
        return 0
    deadlines.refresh_open_cases(today=today, only_missing=True)
    case_ids = list(reminders.cases_to_remind(today).values_list("pk", flat=True))
    for case_id in case_ids:
        queue.publish(queue.SEND_CASE_REMINDERS, case_id, today.isoformat())
    # The departments' search tasks (data map): new, returned, due soon, overdue, answered.
    task_case_ids = task_reminders.cases_with_notices(today)
    for case_id in task_case_ids:
        queue.publish(queue.SEND_TASK_NOTICES, case_id, today.isoformat())
    # Connector searches whose message or worker was lost are queued again.
    search_services.connectors_requeue_lost()
    return len(case_ids) + len(task_case_ids)


# --- requests waiting on the requester for too long --------------------------------------


@shared_task(name=queue.HANDLE_LONG_WAIT, **MAIL_RETRY)
def handle_long_wait(case_id: int, day: str) -> int:
    """Mark one case for abandonment (once) and tell the managers."""
    return reminders.handle_long_wait(case_id=case_id, day=_day(day))


@shared_task(name=queue.LONG_WAIT_SWEEP, soft_time_limit=240, time_limit=300)
def long_wait_sweep(day: str | None = None) -> int:
    """Find the cases that waited on the requester longer than APPI_ABANDON_AFTER_DAYS."""
    today = _day(day)
    if not reminders.office_day(today):
        return 0
    case_ids = reminders.cases_waiting_too_long(today)
    for case_id in case_ids:
        queue.publish(queue.HANDLE_LONG_WAIT, case_id, today.isoformat())
    return len(case_ids)


# --- repair and integrity --------------------------------------------------------------------


@shared_task(name=queue.REFRESH_DUE_DATES, soft_time_limit=540, time_limit=600)
def refresh_due_dates(day: str | None = None) -> int:
    """Recompute every open case's stored deadline: nightly (a waiting case's earliest due
    date moves each day) and after an administrator edits a policy or a closure day."""
    return deadlines.refresh_open_cases(today=_day(day))


@shared_task(name=queue.VERIFY_AUDIT, soft_time_limit=3000, time_limit=3600, **MAIL_RETRY)
def verify_audit(day: str | None = None) -> bool:
    """Recompute the audit trail's hash chain; alert the administrators if it is broken."""
    problem = audit.verify_chain()
    if problem is None:
        logger.info("The audit trail is intact.")
        return True
    logger.error("The audit trail is broken at %s.", problem)
    reminders.alert_audit_failure(problem=str(problem), day=_day(day))
    return False


@shared_task(name=queue.CLEAR_SESSIONS, soft_time_limit=540, time_limit=600)
def clear_expired_sessions() -> None:
    """Remove expired sign-ins from the database (Django's `clearsessions`, nightly)."""
    call_command("clearsessions")

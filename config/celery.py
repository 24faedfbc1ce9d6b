"""The Celery app. Tasks are defined in each app's tasks.py; the schedule lives in code here."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_process_init

from requests_app import queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("appi_requests")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_time_limit=300,
    task_soft_time_limit=240,
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
)
app.autodiscover_tasks()


@worker_process_init.connect
def _own_process_group(**kwargs: Any) -> None:
    """Each pool process leaves the worker's process group.

    honcho (`make run`) stops a program by signalling its whole process group. Pool processes
    killed that way die mid-task, and one may die holding the pool's queue lock; the worker
    then hangs on exit until honcho kills it too, and the message it held is lost. Outside
    the group, only the worker hears the signal: it stops taking messages, lets its pool
    processes finish what they hold, and stops them itself (they also stop on their own if
    the worker dies: their pipe to it closes)."""
    os.setpgid(0, 0)


# Exports keep their tasks beside their code (requests_app/exports/tasks.py).
app.autodiscover_tasks(["requests_app.exports"])

# The periodic work, in office time (Asia/Tokyo). One entry per job: adding a job is adding
# a line. Beat only queues; each task decides for itself whether today is a working day.
BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    # Reminders to assignees and escalations to managers, at most once per case, kind and day;
    # and the departments' search tasks (data map), the same way.
    "deadline-sweep": {
        "task": queue.DEADLINE_SWEEP,
        "schedule": crontab(minute="*/15", hour="7-19"),
    },
    # Requests waiting on the requester too long: marked for abandonment, managers told.
    "long-wait-sweep": {
        "task": queue.LONG_WAIT_SWEEP,
        "schedule": crontab(minute=30, hour="7-19"),
    },
    # Repair: recompute every open case's stored deadline (waiting cases move daily).
    "refresh-due-dates": {
        "task": queue.REFRESH_DUE_DATES,
        "schedule": crontab(minute=10, hour=0),
    },
    # The audit trail's hash chain, checked nightly; administrators alerted when broken.
    "verify-audit": {
        "task": queue.VERIFY_AUDIT,
        "schedule": crontab(minute=30, hour=2),
    },
    # Sign-ins are kept in the database: expired ones are removed nightly.
    "clear-sessions": {
        "task": queue.CLEAR_SESSIONS,
        "schedule": crontab(minute=45, hour=2),
    },
    # Copies of identity documents whose retention period is over (写しの廃棄), daily.
    "destroy-identity-copies": {
        "task": queue.DESTROY_IDENTITY_COPIES,
        "schedule": crontab(minute=15, hour=1),
    },
    # Repair: letters and batches a lost message left pending, and batches whose worker
    # stopped beating, are queued again. Every minute: with a heartbeat presumed dead after
    # two minutes, a killed worker's batch is taken over within about three.
    "requeue-pending-letters": {
        "task": queue.REQUEUE_PENDING_LETTERS,
        "schedule": crontab(minute="*"),
    },
    # Records of provision to third parties whose retention period is over (第三者提供記録).
    "purge-provision-records": {
        "task": queue.PURGE_PROVISION_RECORDS,
        "schedule": crontab(minute=20, hour=1),
    },
    # Repair: exports whose message was lost or whose worker stopped beating, likewise.
    "export-sweep": {
        "task": queue.SWEEP_EXPORTS,
        "schedule": crontab(minute="*"),
    },
    # Files under media/letters/ and media/exports/ that no row points to, and temporary
    # files dead tasks left, removed (logged and audited), daily after the audit check.
    "check-letter-files": {
        "task": queue.CHECK_LETTER_FILES,
        "schedule": crontab(minute=45, hour=2),
    },
    "check-export-files": {
        "task": queue.CHECK_EXPORT_FILES,
        "schedule": crontab(minute=50, hour=2),
    },
}
app.conf.beat_schedule = BEAT_SCHEDULE
# Tasks that live deeper than an app's tasks.py.
app.autodiscover_tasks(["requests_app.letters"])

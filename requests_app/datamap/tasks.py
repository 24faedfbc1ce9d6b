"""Celery tasks of the data map: thin, taking ids, safe to run twice.

- send_task_notices: the e-mails a case's search tasks call for today (claimed per
  recipient, so nothing goes twice); queued after a task is sent, answered or returned, and
  by the deadline sweep for reminders.
- run_connector: a system's connector searches its database for the person; the time limit
  here is a backstop above the query's own (DATAMAP_CONNECTOR_TIMEOUT_SECONDS).
- purge_provision_records: daily, deletes the provision records whose period is over.
"""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from requests_app import queue
from requests_app.datamap import reminders, services


def _day(value: str | None) -> date:
    return date.fromisoformat(value) if value else timezone.localdate()


@shared_task(name=queue.SEND_TASK_NOTICES, **queue.MAIL_RETRY)
def send_task_notices(case_id: int, day: str) -> int:
    return reminders.send_task_notices(case_id=case_id, day=_day(day))


# The query stops itself at DATAMAP_CONNECTOR_TIMEOUT_SECONDS; Celery's limits only catch a
# connection that hangs before the query starts.
_BACKSTOP = settings.DATAMAP_CONNECTOR_TIMEOUT_SECONDS


@shared_task(name=queue.RUN_CONNECTOR, soft_time_limit=_BACKSTOP + 30, time_limit=_BACKSTOP + 60)
def run_connector(task_id: int) -> str:
    task = services.task_run_connector(task_id=task_id)
    return task.connector_state if task is not None else ""


@shared_task(name=queue.PURGE_PROVISION_RECORDS, soft_time_limit=540, time_limit=600)
def purge_provision_records(day: str | None = None) -> int:
    return services.provision_purge_expired(today=_day(day))

"""Queueing Celery tasks: one way for the whole app, by task name.

Services queue work through `publish_on_commit` (or `publish`, outside a transaction) and never
import a tasks module; the tasks modules import the services. So the services never depend on
Celery's task objects, and a task can call any service without an import cycle.

Every task's name is defined here, once; the tasks modules register under these names and
the beat schedule (config/celery.py) uses them too. A leaf module: it imports nothing of the
project.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from smtplib import SMTPException
from typing import Any

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)

# requests_app/tasks.py
SEND_CASE_REMINDERS = "requests_app.tasks.send_case_reminders"
DEADLINE_SWEEP = "requests_app.tasks.deadline_sweep"
HANDLE_LONG_WAIT = "requests_app.tasks.handle_long_wait"
LONG_WAIT_SWEEP = "requests_app.tasks.long_wait_sweep"
REFRESH_DUE_DATES = "requests_app.tasks.refresh_due_dates"
VERIFY_AUDIT = "requests_app.tasks.verify_audit"
CLEAR_SESSIONS = "requests_app.tasks.clear_expired_sessions"
# requests_app/letters/tasks.py
GENERATE_LETTER = "requests_app.letters.tasks.generate_letter"
GENERATE_BATCH = "requests_app.letters.tasks.generate_batch"
REQUEUE_PENDING_LETTERS = "requests_app.letters.tasks.requeue_pending_letters"
CHECK_LETTER_FILES = "requests_app.letters.tasks.check_letter_files"
# requests_app/exports/tasks.py
BUILD_EXPORT = "requests_app.exports.build_export"
SWEEP_EXPORTS = "requests_app.exports.sweep_exports"
CHECK_EXPORT_FILES = "requests_app.exports.check_export_files"
# requests_app/datamap/tasks.py
SEND_TASK_NOTICES = "requests_app.datamap.tasks.send_task_notices"
RUN_CONNECTOR = "requests_app.datamap.tasks.run_connector"
PURGE_PROVISION_RECORDS = "requests_app.datamap.tasks.purge_provision_records"
# identity/tasks.py
DESTROY_IDENTITY_COPIES = "identity.tasks.destroy_identity_copies"


# How every task that sends mail retries: a mail server that is down or refuses for a while
# is retried with exponential backoff (with jitter, up to ten minutes apart), then left to
# the next sweep.
MAIL_RETRY: dict[str, Any] = {
    "autoretry_for": (SMTPException, OSError),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 6,
}


_held = threading.local()


@contextmanager
def messages_held() -> Iterator[None]:
    """Queue nothing in this thread while inside: for demo seeding, which does the work of
    its letters in line and whose past cases must not remind anyone today. What a held
    message would have done is found by the periodic sweeps, as for a broker that is down."""
    _held.on = True
    try:
        yield
    finally:
        _held.on = False


def publish(name: str, *args: Any) -> bool:
    """Queue the task called `name` now; False (and a log line) if the broker cannot be
    reached, or if messages are held.

    One connection attempt, no retries: a staff action must not wait on a broker that is
    down. Whatever was not queued is found again by the next sweep, because every task's
    work is also recorded in the database.
    """
    if getattr(_held, "on", False):
        return False
    if current_app.conf.task_always_eager:
        return _run_in_line(name, args)
    try:
        with current_app.connection_for_write() as connection:
            connection.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, interval_max=0
            )
            # By name: the web process need not have imported (registered) the task.
            current_app.send_task(name, args=args, producer=connection.Producer(), retry=False)
    except Exception:
        logger.warning(
            "Could not queue %s%r; the next sweep will pick it up.", name, args, exc_info=True
        )
        return False
    return True


def _run_in_line(name: str, args: tuple[Any, ...]) -> bool:
    """Eager mode (tests, CELERY_TASK_ALWAYS_EAGER): run the task here and now. The task's
    module may not be imported yet in this process; Celery's autodiscovery imports it."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    # An unknown name is a programming error: raise (KeyError) rather than log and go on.
    task = current_app.tasks[name]
    try:
        task.apply_async(args=args)
    except Exception:
        logger.warning("Task %s%r failed in line.", name, args, exc_info=True)
        return False
    return True


def publish_on_commit(name: str, *args: Any) -> None:
    """Queue the task once the current transaction has committed (at once outside one)."""
    transaction.on_commit(lambda: publish(name, *args))

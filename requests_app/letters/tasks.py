"""Celery tasks for letters. They take ids, trust the database, and can run twice safely:
the services only render pending letters and only store a letter once."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from requests_app import queue
from requests_app.letters import services


@shared_task(
    name=queue.GENERATE_LETTER,
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=5,
)
def generate_letter(letter_id: int) -> None:
    services.letter_generate(letter_id=letter_id)


@shared_task(
    name=queue.GENERATE_BATCH,
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=5,
    # A cap for a task that hangs; a worker that dies is noticed by its silent heartbeat
    # within minutes (requests_app/heartbeat.py), not after this.
    time_limit=1800,
    soft_time_limit=1700,
)
def generate_batch(batch_id: int) -> None:
    services.batch_generate(batch_id=batch_id)


@shared_task(name=queue.REQUEUE_PENDING_LETTERS)
def requeue_pending_letters() -> int:
    """For the periodic schedule: queue letters and batches a lost message left pending."""
    return services.letters_requeue_pending()


@shared_task(name=queue.CHECK_LETTER_FILES, time_limit=1800, soft_time_limit=1700)
def check_letter_files() -> int:
    """Daily: remove files under the letters folder that no register row points to, and
    temporary files a dead task left; returns how many files were removed."""
    check = services.letter_files_check()
    return len(check.orphans_removed) + len(check.temporary_removed)

"""Celery task of the identity app: the daily destruction of copies whose time is up."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from identity.services import copies_destroy_due
from requests_app import queue


@shared_task(
    name=queue.DESTROY_IDENTITY_COPIES,
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=5,
)
def destroy_identity_copies() -> dict[str, int]:
    """Destroy the scans and mark the paper copies due for shredding (idempotent: a second
    run on the same day finds nothing left to do)."""
    return asdict(copies_destroy_due(today=timezone.localdate()))

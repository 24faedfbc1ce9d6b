"""Celery tasks for exports: thin, keyed by primary key, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from requests_app import queue
from requests_app.exports import services

# A bundle of a million events takes about a minute; leave room for far larger ones. This is
# a cap for a build that hangs: one whose worker died is noticed by its silent heartbeat
# within minutes (requests_app/heartbeat.py).
BUILD_TIME_LIMIT = 30 * 60


@shared_task(
    name=queue.BUILD_EXPORT,
    time_limit=BUILD_TIME_LIMIT,
    soft_time_limit=BUILD_TIME_LIMIT - 60,
)
def build_export(export_id: int) -> None:
    """Build one export's bundle. The row says whether there is still anything to do."""
    services.export_build(export_id=export_id)


@shared_task(name=queue.SWEEP_EXPORTS)
def sweep_exports() -> int:
    """Queue again the exports whose message or worker was lost."""
    return services.export_sweep()


@shared_task(name=queue.CHECK_EXPORT_FILES, time_limit=1800, soft_time_limit=1700)
def check_export_files() -> int:
    """Daily: remove bundles no export points to, and temporary ones a dead task left."""
    check = services.export_files_check()
    return len(check.orphans_removed) + len(check.temporary_removed)

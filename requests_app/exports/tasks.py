"""Celery tasks for exports: thin, keyed by primary key, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from requests_app import queue
from requests_app.exports import services

# A bundle of a million events takes about a minute; leave room for far larger ones. The
# sweep presumes a run lost only after services.STALE_AFTER, which is longer than this.
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

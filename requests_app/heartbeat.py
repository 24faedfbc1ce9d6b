"""Long tasks show that they are alive: a heartbeat on their row that the sweeps read.

A task that claims a row (a letter batch, an export being built) writes a claim token and
`heartbeat_at` when it claims it, then stamps `heartbeat_at` again every
`TASK_HEARTBEAT_SECONDS` from a small thread with its own database connection, for as long as
the task's body runs. A worker that is killed (SIGKILL, the OOM killer, a lost machine) stops
beating with it, and a row silent for `TASK_PRESUMED_DEAD_AFTER_SECONDS` is taken over by the
next run (the sweeps queue one every minute) instead of after the task's time limit.

The beat proves that the process lives, not that it makes progress; a process that hangs is
ended by the task's hard time limit, and then it stops beating too. A beat that finds its
claim gone (another worker took the row over, or it left the running state) marks the
heartbeat lost, and the task stops without writing anything more.

A shared leaf: it knows the two columns, nothing of the models that carry them.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, connections
from django.db.models import Q, QuerySet
from django.utils import timezone

logger = logging.getLogger(__name__)


def beat_every() -> float:
    return float(settings.TASK_HEARTBEAT_SECONDS)


def presumed_dead_after() -> timedelta:
    return timedelta(seconds=settings.TASK_PRESUMED_DEAD_AFTER_SECONDS)


def new_claim() -> str:
    """A token naming one run of a task: its writes are conditional on it."""
    return secrets.token_hex(8)


def silent_q(now: datetime | None = None) -> Q:
    """Rows whose task has not beaten for too long (rows claimed before heartbeats existed
    count from when they were started)."""
    cutoff = (now or timezone.now()) - presumed_dead_after()
    return Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)


def is_silent(
    heartbeat_at: datetime | None, started_at: datetime | None, now: datetime | None = None
) -> bool:
    last = heartbeat_at or started_at
    return last is not None and last < (now or timezone.now()) - presumed_dead_after()


class Heartbeat:
    """Stamps `heartbeat_at` on `rows` (the claimed row, filtered by its claim token)."""

    def __init__(self, rows: QuerySet[Any]) -> None:
        self._rows = rows
        self._stop = threading.Event()
        self._lost = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def lost(self) -> bool:
        """Another run holds the row now: stop, and write nothing more."""
        return self._lost.is_set()

    def beat(self) -> bool:
        """Stamp the row now (on the calling thread's connection); False if the claim is gone."""
        if self._rows.update(heartbeat_at=timezone.now()):
            return True
        self._lost.set()
        return False

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        try:
            while not self._stop.wait(beat_every()):
                try:
                    if not self.beat():
                        if not self._stop.is_set():
                            logger.warning("Heartbeat: the claim was taken over; stopping.")
                        return
                except DatabaseError:
                    # The sweep waits for several missed beats; try again at the next one.
                    logger.warning("Heartbeat could not be written", exc_info=True)
        finally:
            connections.close_all()  # this thread's connections only


@contextmanager
def beating(rows: QuerySet[Any]) -> Iterator[Heartbeat]:
    """Beat for `rows` while the body runs.

    Inside a transaction (a test, or a caller's atomic block) the claim is not committed, so
    no other connection could see the row: nothing beats from a thread then, and the task's
    own progress writes (which stamp `heartbeat_at` too) are all there is.
    """
    heartbeat = Heartbeat(rows)
    if connection.in_atomic_block:
        yield heartbeat
        return
    heartbeat.start()
    try:
        yield heartbeat
    finally:
        heartbeat.stop()

"""The Celery broker `make run` uses when no Redis is configured: a SQLite file under VAR_DIR.

kombu's SQLAlchemy transport keeps each message as one row, written in one transaction, so a
reader never sees half a message (kombu's file transport once killed the demo's worker with a
JSONDecodeError on a file still being written). This subclass makes it safe for one worker,
one beat and one web server sharing the file:

- every process opens its own SQLite connections (no pool, so nothing crosses the worker's
  fork) and waits up to 30 s for a lock instead of failing; the file is in WAL mode, so
  reading never waits for writing, and the writes (a publish, the worker taking a message)
  each hold the lock for a moment only;
- a message is deleted in the transaction that takes it (kombu's own transport hides it and
  keeps the row for ever; nothing ever shows a hidden row again, so deleting it loses nothing
  and the file stays small);
- a row that is not a message (not JSON, or not kombu's envelope) is logged and dropped,
  never raised into the worker, which would stop it (and honcho would stop web and beat);
- two processes that start at once and both create the tables or the same queue row do not
  fail: the loser reads what the winner wrote.

What a lost message would have done (a worker killed holding it) is found again by the
periodic sweeps, as with any broker: the database is the source of truth.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from json import JSONDecodeError, loads
from queue import Empty
from time import monotonic
from typing import Any

from celery.worker import state as worker_state
from kombu.transport import sqlalchemy as kombu_sqlalchemy
from kombu.utils.encoding import bytes_to_str
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import NullPool

logger = logging.getLogger(__name__)

# Guards creating an engine or a queue row within one process (kombu's own lock is private).
_MUTEX = threading.RLock()
# Seconds a process waits for another's write lock before the broker reports an error.
LOCK_TIMEOUT = 30


def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {LOCK_TIMEOUT * 1000}")
        # WAL: a writer (web or beat publishing) never waits for a reader, and the reverse.
        # Persistent in the file; asking again when it is already set is free.
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


class Channel(kombu_sqlalchemy.Channel):
    def _url(self) -> str:
        client = self.connection.client if self.connection else None
        url = client.hostname if client else None
        if not isinstance(url, str) or not url.startswith("sqlite:"):
            raise ValueError(f"config.broker serves SQLite files only, not {url!r}.")
        return url

    def _engine_from_config(self) -> Engine:
        url = self._url()
        engine = create_engine(
            url,
            poolclass=NullPool,
            connect_args={"timeout": LOCK_TIMEOUT, "check_same_thread": False},
        )
        event.listen(engine, "connect", _on_connect)
        return engine

    def _open(self) -> tuple[Engine, sessionmaker[Any]]:
        hostname = self._url()
        engines: dict[str, tuple[Engine, sessionmaker[Any]]] = self._engines
        if hostname not in engines:
            with _MUTEX:
                if hostname not in engines:
                    engine = self._engine_from_config()
                    try:
                        self.queue_cls.metadata.create_all(engine)
                    except OperationalError as exc:
                        # Another process created the tables between the check and the
                        # CREATE: what it made is what we wanted.
                        if "already exists" not in str(exc):
                            raise
                    engines[hostname] = (engine, sessionmaker(bind=engine))
        return engines[hostname]

    def _get_or_create(self, queue: str) -> Any:
        session = self.session
        found = session.query(self.queue_cls).filter(self.queue_cls.name == queue).first()
        if found is not None:
            return found
        with _MUTEX:
            session.add(self.queue_cls(queue))
            try:
                session.commit()
            except IntegrityError:
                # Another process declared the same queue a moment before.
                session.rollback()
        return session.query(self.queue_cls).filter(self.queue_cls.name == queue).one()

    def _get(self, queue: str, timeout: float | None = None) -> dict[str, Any]:
        queue_id = self._get_or_create(queue).id
        session = self.session
        message = self.message_cls
        # Take the write lock first, so two consumers never take the same row.
        session.execute(text("BEGIN IMMEDIATE TRANSACTION"))
        try:
            row = (
                session.query(message)
                .filter(message.queue_id == queue_id, message.visible.is_not(False))
                .order_by(message.sent_at, message.id)
                .first()
            )
            if row is None:
                raise Empty()
            row_id, raw = row.id, row.payload
            session.query(message).filter(message.id == row_id).delete(synchronize_session=False)
        finally:
            session.commit()
        return self._decoded(raw, queue=queue, row_id=row_id)

    def _decoded(self, raw: Any, *, queue: str, row_id: int) -> dict[str, Any]:
        """The message in row `row_id`, or Empty (and an error in the log) if it is none."""
        try:
            payload: dict[str, Any] = loads(bytes_to_str(raw))
            # What the worker will do with it next: fails here, not in the worker's loop.
            self.Message(payload, channel=self)
        except (JSONDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
            logger.error(
                "Dropped a malformed broker message (queue %r, row %s): %s: %.200r",
                queue,
                row_id,
                type(exc).__name__,
                raw,
            )
            raise Empty() from exc
        return payload


class Transport(kombu_sqlalchemy.Transport):
    Channel = Channel

    def drain_events(self, connection: Any, timeout: float | None = None, **kwargs: Any) -> None:
        # Celery's worker waits here up to 2 s at a time and looks for a stop request only in
        # between; honcho kills a program that has not stopped 5 s after Ctrl-C. Waiting in
        # half seconds and giving up early once the worker is told to stop lets it finish its
        # shutdown (and hand back what it holds) in time. Other callers wait as long as asked.
        if timeout is None:
            return super().drain_events(connection, **kwargs)
        deadline = monotonic() + timeout
        while True:
            remaining = deadline - monotonic()
            try:
                return super().drain_events(
                    connection, timeout=max(min(remaining, 0.5), 0), **kwargs
                )
            except TimeoutError:
                stopping = worker_state.should_stop is not None or (
                    worker_state.should_terminate is not None
                )
                if stopping or monotonic() >= deadline:
                    raise

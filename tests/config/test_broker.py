"""The embedded broker (config/broker.py): whole messages only, bad rows dropped, no growth."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from kombu import Connection

from config import broker


def connection(path: Path) -> Connection:
    return Connection(f"sqlite:///{path}", transport="config.broker:Transport")


def rows(path: Path) -> int:
    with sqlite3.connect(path) as db:
        count: int = db.execute("SELECT count(*) FROM kombu_message").fetchone()[0]
    return count


def test_messages_arrive_whole_in_order_and_leave_nothing_behind(tmp_path: Path) -> None:
    path = tmp_path / "broker.sqlite3"
    with connection(path) as conn:
        queue = conn.SimpleQueue("work")
        for number in range(50):
            queue.put({"number": number, "text": "案件" * 200})
        assert rows(path) == 50
        got = []
        for _ in range(50):
            message = queue.get(timeout=5)
            got.append(message.payload["number"])
            message.ack()
        queue.close()
    assert got == list(range(50))
    assert rows(path) == 0  # kombu's own transport would keep 50 hidden rows for ever
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_malformed_row_is_logged_and_dropped_and_the_next_message_still_comes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "broker.sqlite3"
    with connection(path) as conn:
        queue = conn.SimpleQueue("work")
        queue.put({"before": True})
        with sqlite3.connect(path) as db:
            queue_id = db.execute("SELECT id FROM kombu_queue WHERE name = 'work'").fetchone()[0]
            db.executemany(
                "INSERT INTO kombu_message (visible, payload, version, queue_id) "
                "VALUES (1, ?, 1, ?)",
                [("{half a mess", queue_id), ('{"properties": 7}', queue_id), ("[]", queue_id)],
            )
        queue.put({"after": True})
        first = queue.get(timeout=5)
        assert first.payload == {"before": True}
        first.ack()
        # The three bad rows are skipped (each costs one poll), never raised to the consumer.
        second = queue.get(timeout=10)
        assert second.payload == {"after": True}
        second.ack()
        queue.close()
    assert rows(path) == 0
    dropped = [r for r in caplog.records if r.name == "config.broker"]
    assert len(dropped) == 3 and all(r.levelname == "ERROR" for r in dropped)
    assert "half a mess" in dropped[0].getMessage()


def test_processes_starting_at_once_share_the_file_without_errors(tmp_path: Path) -> None:
    # Web, worker and beat start together: each creates the tables and declares the queue.
    path = tmp_path / "broker.sqlite3"
    broker.Channel._engines.clear()  # as in separate processes: no engine shared
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def publish(number: int) -> None:
        try:
            with connection(path) as conn:
                start.wait()
                queue = conn.SimpleQueue("celery")
                for step in range(20):
                    queue.put({"from": number, "step": step})
                queue.close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=publish, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert rows(path) == 120

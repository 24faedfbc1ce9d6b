"""A real worker process killed (SIGKILL) in the middle of a batch of letters: its batch falls
silent, staff see that it stopped, another worker takes it over within seconds of the
heartbeat settings, each letter is generated once, and no file is left outside the register.

The workers are separate `celery -A config worker` processes on the test database, as in
production; the broker is Redis when REDIS_URL is set (CI), else the embedded SQLite broker
of `make run` in a folder of the test's own. Heartbeats are shortened for the test (1 s,
presumed dead after 4 s) through the same settings production reads
(TASK_HEARTBEAT_SECONDS, TASK_PRESUMED_DEAD_AFTER_SECONDS).
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from requests_app import files, queue
from requests_app.audit import AuditEvent
from requests_app.choices import CaseState
from requests_app.letters import services
from requests_app.models import Letter, LetterBatch
from tests.conftest import client_for
from tests.factories import RequesterDataFactory, make_case
from tests.requests_app.letters.conftest import stored_bytes
from tests.requests_app.test_celery import REDIS_URL, _reset_connections, broker_at

ROOT = Path(__file__).resolve().parents[3]
LETTERS = 30  # enough that storing them takes a while: the kill lands in the middle
HEARTBEAT_SECONDS, DEAD_AFTER_SECONDS = 1, 4

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the worker processes must see the test database: PostgreSQL (CI runs it there)",
)


def wait_until(condition: Callable[[], bool], timeout: float, what: str, poll: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(poll)
    raise AssertionError(f"timed out waiting for {what}")


def database_url() -> str:
    db = connection.settings_dict
    user = quote(db["USER"] or "")
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return (
        f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


def _forget_unacknowledged() -> None:
    # The killed worker's message stays unacknowledged in Redis (hidden for an hour); it
    # must not reach a worker of a later run.
    with app.connection_for_write() as broker:
        broker.default_channel.client.delete("unacked", "unacked_index", "unacked_mutex")


@contextmanager
def shared_broker(var_dir: Path) -> Iterator[dict[str, str]]:
    """The broker this test and its worker processes share; yields the workers' settings."""
    if REDIS_URL:
        with broker_at(REDIS_URL):
            app.control.purge()
            _forget_unacknowledged()
            try:
                yield {"REDIS_URL": REDIS_URL}
            finally:
                app.control.purge()
                _forget_unacknowledged()
        return
    # The embedded broker `make run` uses (config/broker.py), in the test's own VAR_DIR: the
    # workers find it there through the same settings.
    with broker_at(f"sqlite:///{var_dir / 'celery-broker.sqlite3'}"):
        app.conf.broker_transport = "config.broker:Transport"
        _reset_connections()
        yield {}


class Worker:
    """`celery -A config worker` in a process of its own (solo pool: one process, so a
    SIGKILL takes the task, its heartbeat thread and its database connection with it)."""

    def __init__(self, name: str, env: dict[str, str], log: Path) -> None:
        self.log = log
        self._output = log.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                f"--hostname={name}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=self._output,
            stderr=subprocess.STDOUT,
        )
        wait_until(lambda: b" ready." in self.log.read_bytes() or self.gone(), 60, f"{name}")
        assert not self.gone(), self.log.read_text(errors="replace")

    def gone(self) -> bool:
        return self.process.poll() is not None

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self._output.close()

    def stop(self) -> None:
        if not self.gone():
            self.process.terminate()  # warm shutdown: finishes the task in hand
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._output.close()


def worker_env(var_dir: Path, broker: dict[str, str]) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE", "DEBUG", "PYTEST_CURRENT_TEST"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url(),
        VAR_DIR=str(var_dir),  # media (letters) under var_dir/media, as in the test
        SECURE_SSL_REDIRECT="false",
        TASK_HEARTBEAT_SECONDS=str(HEARTBEAT_SECONDS),
        TASK_PRESUMED_DEAD_AFTER_SECONDS=str(DEAD_AFTER_SECONDS),
        LOG_LEVEL="INFO",
        **broker,
    )
    return env


def ready_letters(batch: LetterBatch) -> int:
    return batch.letters.filter(status="ready").count()


@pytest.mark.django_db(transaction=True)  # the workers read what the test commits
def test_a_worker_killed_mid_batch_is_taken_over_and_leaves_no_file_outside_the_register(
    reference_data: None, staff: Any, settings: Any, tmp_path: Path
) -> None:
    app.loader.import_default_modules()  # every task known by name, as in a web process
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    settings.MEDIA_ROOT = str(var_dir / "media")
    settings.TASK_HEARTBEAT_SECONDS = HEARTBEAT_SECONDS
    settings.TASK_PRESUMED_DEAD_AFTER_SECONDS = DEAD_AFTER_SECONDS
    cases = [
        make_case(
            actor=staff,
            state=CaseState.AWAITING_IDENTITY,
            requester=RequesterDataFactory.random(),
        )
        for _ in range(LETTERS)
    ]
    workers: list[Worker] = []
    with shared_broker(var_dir) as broker:
        env = worker_env(var_dir, broker)
        try:
            first = Worker("first", env, tmp_path / "first.log")
            workers.append(first)
            batch = services.batch_request(actor=staff, kind="deficiency").batch
            assert batch.total == LETTERS

            # In the middle: laid out, some letters stored, others not yet.
            wait_until(
                lambda: ready_letters(batch) >= 1 or first.gone(),
                120,
                "the first letters to be stored",
                poll=0.01,
            )
            first.kill()
            batch.refresh_from_db()
            stored_before = ready_letters(batch)
            assert batch.status == "running", "the batch finished before the kill"
            assert 0 < stored_before < LETTERS, stored_before
            shown_stored = batch.stored_count

            # Its heartbeat has stopped: within DEAD_AFTER_SECONDS it is seen as stopped.
            wait_until(
                lambda: LetterBatch.objects.get(pk=batch.pk).is_stopped,
                DEAD_AFTER_SECONDS + 5,
                "the batch to fall silent",
            )
            silent_since = LetterBatch.objects.get(pk=batch.pk).heartbeat_at
            time.sleep(HEARTBEAT_SECONDS * 2)
            assert LetterBatch.objects.get(pk=batch.pk).heartbeat_at == silent_since
            page = client_for(staff).get(reverse("requests_app:letter_batch", args=[batch.pk]))
            text = page.content.decode()
            assert 'data-testid="batch-stopped"' in text and "Resume the batch" in text
            assert f"with {shown_stored} of {LETTERS} letters stored" in text

            # What the killed worker left on disk: nothing that looks finished without a row.
            registered = {name for name in Letter.objects.values_list("file", flat=True) if name}
            outside = set(files.walk("letters")) - registered
            assert all(files.is_temporary(name) for name in outside), outside

            # The sweep (beat queues it every minute) hands the batch to another worker.
            second = Worker("second", env, tmp_path / "second.log")
            workers.append(second)
            taken_at = time.monotonic()
            app.send_task(queue.REQUEUE_PENDING_LETTERS)
            wait_until(
                lambda: LetterBatch.objects.get(pk=batch.pk).status != "running",
                180,
                "the batch to be finished by the second worker",
            )
            took = time.monotonic() - taken_at
        finally:
            for worker in workers:
                if not worker.gone():
                    worker.stop()

    batch.refresh_from_db()
    logs = "\n".join(worker.log.read_text(errors="replace") for worker in workers)
    assert batch.status == "done", (batch.error, logs[-3000:])
    assert (batch.attempts, batch.stored_count) == (2, LETTERS)
    assert took < 120
    taken = AuditEvent.objects.get(action="letter.batch.taken_over")
    assert taken.payload["batch"] == batch.pk and taken.payload["stored_before"] == stored_before
    # Each letter once: one generated event, one file matching the register's SHA-256.
    for case in cases:
        letter = Letter.objects.get(case=case)
        assert letter.status == "ready" and letter.batch_id == batch.pk
        actions = list(
            AuditEvent.objects.filter(case=case, action__startswith="case.letter.").values_list(
                "action", flat=True
            )
        )
        assert actions == ["case.letter.requested", "case.letter.generated"]
        assert hashlib.sha256(stored_bytes(letter)).hexdigest() == letter.sha256
    registered = set(Letter.objects.values_list("file", flat=True)) | {batch.file.name}
    # The daily check removes what the killed worker had not committed (temporary files),
    # once they are old enough to belong to no live task; then the disk is the register.
    check = services.letter_files_check(now=timezone.now() + timedelta(hours=3))
    assert check.orphans_removed == [] and check.missing == []
    assert all(files.is_temporary(found.name) for found in check.temporary_removed)
    assert set(files.walk("letters")) == registered

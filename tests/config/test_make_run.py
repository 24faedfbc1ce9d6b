"""`make run` stays up: web, worker and beat from Procfile.dev on the embedded broker.

The test does what `make run` does on a fresh clone with nothing configured (SQLite for the
app, the SQLite broker of config/broker.py, both under a VAR_DIR of its own), then sends 200
intakes through the intake form in bursts, with malformed broker rows among them, and finds
every process still up and every intake's message handled exactly once.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[2]
BURSTS, PER_BURST = 10, 20
REMINDER_TASK = "requests_app.tasks.send_case_reminders"
# What a person or a broken program might leave in the broker: not JSON, JSON but not a
# message, a message whose body is not base64, and a message for a task nobody knows.
MALFORMED = [
    "{half a message",
    '{"properties": 7}',
    '{"body": "%%%", "properties": {"body_encoding": "base64", "delivery_tag": "x"}}',
    json.dumps(
        {
            "body": "W1tdLCB7fSwge31d",  # [[], {}, {}]
            "content-type": "application/json",
            "content-encoding": "utf-8",
            "headers": {"id": "bogus-1", "task": "no.such.task", "lang": "py"},
            "properties": {
                "body_encoding": "base64",
                "delivery_tag": "bogus-tag",
                "delivery_info": {"exchange": "", "routing_key": "celery"},
            },
        }
    ),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def fresh_clone_environment(var_dir: Path, port: int) -> dict[str, str]:
    """The environment of `make run` with nothing configured (no database or Redis URL)."""
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER"}
    environ = {name: value for name, value in os.environ.items() if name in keep}
    return {
        **environ,
        "DEBUG": "true",
        "VAR_DIR": str(var_dir),
        "PORT": str(port),
        "PYTHONUNBUFFERED": "1",
        # Four hundred reminders would fill the log; they are counted in the database instead.
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }


def manage(environ: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture
def make_run(tmp_path: Path) -> Iterator[tuple[dict[str, str], subprocess.Popen[bytes], Path]]:
    """`make run` in the background: migrate, seed, then honcho with Procfile.dev."""
    var_dir, port = tmp_path / "var", free_port()
    environ = fresh_clone_environment(var_dir, port)
    manage(environ, "migrate", "--noinput", "-v0")
    manage(environ, "seed_demo", "--history-months", "0")
    log = tmp_path / "honcho.log"
    with log.open("wb") as out:
        honcho = subprocess.Popen(
            [str(Path(sys.executable).parent / "honcho"), "-f", "Procfile.dev", "start"],
            cwd=ROOT,
            env=environ,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(lambda: "celery@" in log.read_text() and " ready." in log.read_text(), 90)
        wait_for(lambda: answers(f"http://127.0.0.1:{port}/accounts/login/"), 60)
        yield environ, honcho, log
    finally:
        if honcho.poll() is None:
            honcho.send_signal(signal.SIGINT)  # Ctrl-C, as a person stops `make run`
            try:
                honcho.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(honcho.pid, signal.SIGKILL)
                honcho.wait()


def wait_for(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"not within {timeout} s")


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
            return bool(response.status == 200)
    except OSError:
        return False


class Browser:
    """A signed-in member of staff, speaking plain HTTP to the dev server."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def csrf(self) -> str:
        return next(c.value for c in self.cookies if c.name == "csrftoken") or ""

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, str]:
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": self.csrf()}).encode()
        request = urllib.request.Request(  # noqa: S310 (loopback)
            f"{self.base}{path}", data=data, method="POST"
        )
        with self.opener.open(request, timeout=60) as response:
            return response.status, response.url

    def sign_in(self, username: str, password: str) -> None:
        self.opener.open(f"{self.base}/accounts/login/", timeout=30).read()
        status, url = self.post("/accounts/login/", {"username": username, "password": password})
        assert status == 200 and "/accounts/login/" not in url, url  # signed in


def intake(number: int) -> dict[str, str]:
    # Arrived a month ago: overdue, so on a working day its reminder check sends mail.
    arrived = timezone.localdate() - timedelta(days=30)
    return {
        "name": "髙橋 美咲",
        "name_kana": "たかはし みさき",
        # A different person each time (the form would stop at a possible duplicate).
        "date_of_birth": (date(1950, 1, 1) + timedelta(days=number * 40)).isoformat(),
        "postal_code": "460-0021",
        "address": f"愛知県名古屋市中区平和{number}丁目1番1号",
        "relationships": "customer",
        "arrival_date": arrived.isoformat(),
        "mail_type": "ordinary",
        "agent_kind": "",
        "kind_complaint": "on",
        "details_complaint": f"案内メールが止まりません（{number}）",
    }


def put_malformed_rows(var_dir: Path, payloads: list[str]) -> None:
    with sqlite3.connect(var_dir / "celery-broker.sqlite3", timeout=30) as broker:
        queue_id = broker.execute("SELECT id FROM kombu_queue WHERE name = 'celery'").fetchone()[0]
        broker.executemany(
            "INSERT INTO kombu_message (visible, payload, version, queue_id) VALUES (1, ?, 1, ?)",
            [(payload, queue_id) for payload in payloads],
        )


def waiting_in_broker(var_dir: Path) -> int:
    with sqlite3.connect(var_dir / "celery-broker.sqlite3", timeout=30) as broker:
        count: int = broker.execute("SELECT count(*) FROM kombu_message").fetchone()[0]
    return count


def tasks_in_log(log: Path, name: str, what: str) -> Counter[str]:
    pattern = re.compile(rf"Task {re.escape(name)}\[([0-9a-f-]+)\] {what}")
    return Counter(pattern.findall(log.read_text(errors="replace")))


EFFECTS = """
import json
from django.utils import timezone
from requests_app.models import Case, SentMessage
from requests_app.reminders import notices_for, office_day, members_of
from requests_app.permissions import Role
today = timezone.localdate()
cases = Case.objects.filter(items__details__startswith="案内メールが止まりません（")
managers = members_of(Role.MANAGER)
rows = []
for case in cases.distinct():
    sent = SentMessage.objects.filter(case=case, day=today)
    rows.append([case.pk, sent.filter(sent_at__isnull=False).count(), sent.count()])
print(json.dumps({"office_day": office_day(today), "managers": len(managers), "cases": rows}))
"""


def test_200_intakes_in_bursts_leave_web_worker_and_beat_up_and_every_message_handled(
    make_run: tuple[dict[str, str], subprocess.Popen[bytes], Path],
) -> None:
    environ, honcho, log = make_run
    var_dir = Path(environ["VAR_DIR"])
    base = f"http://127.0.0.1:{environ['PORT']}"
    staff = Browser(base)
    staff.sign_in("staff", "staff-demo-2026")

    answered: list[tuple[int, str]] = []
    with ThreadPoolExecutor(max_workers=PER_BURST) as pool:
        for burst in range(BURSTS):
            numbers = range(burst * PER_BURST + 1, (burst + 1) * PER_BURST + 1)
            answered += pool.map(lambda n: staff.post("/cases/new/", intake(n)), numbers)
            if burst in (2, 6):
                put_malformed_rows(var_dir, MALFORMED)
            time.sleep(0.3)
    assert [status for status, _ in answered] == [200] * BURSTS * PER_BURST
    assert all(re.search(r"/cases/\d{4}-\d{6}/$", url) for _, url in answered)

    def drained() -> bool:
        received = tasks_in_log(log, REMINDER_TASK, "received")
        done = tasks_in_log(log, REMINDER_TASK, "succeeded")
        return len(received) >= BURSTS * PER_BURST and set(received) <= set(done)

    wait_for(drained, 240)
    wait_for(lambda: waiting_in_broker(var_dir) == 0, 30)

    # Every process is still up: honcho stops them all when one dies.
    assert honcho.poll() is None, log.read_text()[-5000:]
    assert answers(f"{base}/accounts/login/")
    text = log.read_text(errors="replace")
    assert "stopped (rc=" not in text and "Unrecoverable error" not in text, text[-5000:]
    assert "Could not queue" not in text
    assert text.count("Dropped a malformed broker message") == 2 * 2  # two bursts, two each
    assert "Received unregistered task of type 'no.such.task'" in text
    # Each intake queued its reminder check once and the worker ran each message once.
    received = tasks_in_log(log, REMINDER_TASK, "received")
    succeeded = tasks_in_log(log, REMINDER_TASK, "succeeded")
    assert set(received) == set(succeeded)
    assert max(succeeded.values()) == 1 and max(received.values()) == 1
    assert len(succeeded) >= BURSTS * PER_BURST  # the deadline sweep may add its own

    effects = json.loads(manage(environ, "shell", "-v0", "-c", EFFECTS))
    assert len(effects["cases"]) == BURSTS * PER_BURST
    # On a working day each overdue case told its assignee and each manager, once each; on a
    # closed day reminders wait for the next working day (the case was still handled).
    expected = 1 + effects["managers"] if effects["office_day"] else 0
    assert {(sent, claimed) for _, sent, claimed in effects["cases"]} == {(expected, expected)}

    # Beat keeps its schedule under this VAR_DIR, never in the checkout's var/.
    assert (var_dir / "celerybeat-schedule").exists() or list(var_dir.glob("celerybeat-schedule*"))

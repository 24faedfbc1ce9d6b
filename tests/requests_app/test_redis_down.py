"""Staff keep working with Redis down: sessions, sign-in, pages and queued work.

The test runs a Redis of its own (a subprocess on a free port), points the cache and the
Celery broker at it, signs in, stops it, and goes on working; once Redis is back the letter
sweep queues what the outage held up and a real worker does it exactly once.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from requests_app.audit import AuditEvent
from requests_app.choices import CaseState
from requests_app.letters import services as letters
from requests_app.models import Letter
from tests.conftest import PASSWORD
from tests.factories import make_case
from tests.requests_app.test_celery import broker_at, wait_until, worker_on_broker

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(
    REDIS_SERVER is None, reason="needs redis-server (Debian's redis-server package)"
)


class OwnRedis:
    """A throwaway redis-server on loopback, nothing saved to disk."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                str(REDIS_SERVER),
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.folder)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self.answers():
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=10)
        self.process = None
        assert not self.answers()

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    redis = OwnRedis(tmp_path)
    redis.start()
    try:
        yield redis
    finally:
        if redis.process is not None:
            redis.stop()


def sign_in(client: Client, username: str, password: str = PASSWORD) -> Any:
    return client.post(reverse("login"), {"username": username, "password": password})


@pytest.mark.django_db(transaction=True)
def test_with_redis_stopped_staff_sign_in_work_and_a_letter_is_made_once_when_it_is_back(
    reference_data: None,
    staff: Any,
    manager: Any,
    own_redis: OwnRedis,
) -> None:
    cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": own_redis.url,
        "OPTIONS": settings.CACHES["default"].get("OPTIONS", {}),
    }
    with override_settings(CACHES={"default": cache}), broker_at(own_redis.url):
        case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        assert sign_in(client, "hanako").status_code == 302

        own_redis.stop()

        # The session signed in before goes on; every page answers.
        pages = [
            reverse("requests_app:case_list"),
            reverse("requests_app:case_detail", args=[case.reference]),
            reverse("requests_app:letter_batches"),
            reverse("requests_app:case_create"),
        ]
        for url in pages:
            assert client.get(url).status_code == 200, url
        # Signing out and in again works.
        assert client.post(reverse("logout")).status_code == 302
        assert client.get(pages[0]).status_code == 302  # to the sign-in page
        assert sign_in(client, "hanako").status_code == 302
        assert client.get(pages[0]).status_code == 200
        # Failed sign-ins are still counted and lock the pair out (django-axes keeps its
        # count in the database).
        other = Client()
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            assert sign_in(other, "kenichi", "wrong password").status_code == 200
        assert sign_in(other, "kenichi", "wrong password").status_code == 429
        assert sign_in(other, "kenichi").status_code == 429  # even with the right password

        # Asking for a letter saves it as pending; queueing it fails quietly.
        response = client.post(
            reverse("requests_app:letter_request", args=[case.reference]),
            {"kind": "acknowledgement", "language": "ja"},
        )
        assert response.status_code == 302
        letter = Letter.objects.get(case=case)
        assert letter.status == "pending"
        assert letter.enqueued_at is None  # set only once a message reached the broker
        assert AuditEvent.objects.filter(action="case.letter.requested").count() == 1
        page = client.get(response["Location"])
        assert page.status_code == 200 and letter.number in page.content.decode()

        own_redis.start()

        # The sweep queues what waited; a real worker on Redis generates it, once.
        with worker_on_broker(own_redis.url):
            assert letters.letters_requeue_pending(older_than=timedelta(0)) == 1
            wait_until(lambda: Letter.objects.get(pk=letter.pk).status == "ready", timeout=60)
            # A second sweep finds nothing to do.
            assert letters.letters_requeue_pending(older_than=timedelta(0)) == 0
        letter.refresh_from_db()
        assert letter.attempts == 1 and letter.sha256
        assert AuditEvent.objects.filter(action="case.letter.generated").count() == 1
        assert (
            client.get(
                reverse("requests_app:letter_detail", args=[case.reference, letter.pk])
            ).status_code
            == 200
        )

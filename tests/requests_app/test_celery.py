"""Celery for real: the broker down during staff actions, a worker on Redis, SMTP on loopback."""

from __future__ import annotations

import email
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from email.policy import default as default_policy
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from celery.worker import state as worker_state
from django.core import mail
from django.db import connections

from config.celery import BEAT_SCHEDULE, app
from requests_app import services, tasks
from requests_app.audit import AuditEvent
from requests_app.choices import CaseState
from requests_app.models import Case, SentMessage
from tests.clock import office_time
from tests.factories import make_case

REDIS_URL = os.environ.get("REDIS_URL")
MONDAY = date(2026, 11, 30)
# Nothing listens on port 1: connecting is refused at once, as when Redis is down.
UNREACHABLE = "redis://127.0.0.1:1/0"

needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="needs a Redis server: set REDIS_URL (CI does)"
)


def _reset_connections() -> None:
    # The next publish builds its connection pool from the current broker_url. (Closing the
    # old pool would break kombu's registry, which hands it out again for the same URL.)
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def broker_at(url: str) -> Iterator[None]:
    """Queue for real (not in the test process) on the broker at `url`."""
    eager, broker_url, transport = (
        app.conf.task_always_eager,
        app.conf.broker_url,
        app.conf.broker_transport,
    )
    app.conf.task_always_eager = False
    app.conf.broker_url = url
    app.conf.broker_transport = None  # the URL's own (the embedded broker names its class)
    _reset_connections()
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.broker_url = eager, broker_url
        app.conf.broker_transport = transport
        _reset_connections()


def _close_worker_connections(**kwargs: Any) -> None:
    # The worker thread's own database connection must not outlive the test database.
    connections.close_all()


@contextmanager
def worker_on_redis() -> Iterator[None]:
    """A real Celery worker (solo pool, in a thread) consuming from Redis."""
    assert REDIS_URL
    with worker_on_broker(REDIS_URL):
        yield


@contextmanager
def worker_on_broker(url: str) -> Iterator[None]:
    """A real Celery worker (solo pool, in a thread) consuming from the broker at `url`."""
    with broker_at(url):
        app.control.purge()  # nothing left over from an earlier run
        task_postrun.connect(_close_worker_connections)
        try:
            with start_worker(
                app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30
            ):
                yield
        finally:
            task_postrun.disconnect(_close_worker_connections)


def wait_until(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting for the worker")


def queue_drained() -> bool:
    with app.connection_for_write() as connection:
        waiting = connection.default_channel.client.llen("celery")
    return waiting == 0 and not worker_state.active_requests


def overdue(actor: Any) -> Case:
    # Arrived on 2 Nov, due on the 17th: overdue on Monday the 30th.
    return make_case(
        actor=actor, kinds=("complaint",), arrival_date=date(2026, 11, 2), state="in_progress"
    )


def due_soon(actor: Any) -> Case:
    # Arrived on 17 Nov, due on Wednesday 2 Dec: 2 business days left on Monday.
    return make_case(
        actor=actor, kinds=("complaint",), arrival_date=date(2026, 11, 17), state="in_progress"
    )


def sent_to(user: Any) -> list[str]:
    return sorted(message.subject for message in mail.outbox if message.to == [user.email])


@needs_redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_runs_the_sweep_end_to_end(
    reference_data: None, staff: Any, manager: Any
) -> None:
    with office_time(MONDAY):
        case = overdue(staff)
        with worker_on_redis():
            tasks.deadline_sweep.delay(day=MONDAY.isoformat())  # through Redis
            wait_until(lambda: SentMessage.objects.filter(sent_at__isnull=False).count() == 2)
            wait_until(queue_drained)
    assert len(sent_to(staff)) == 1 and len(sent_to(manager)) == 1
    assert case.reference in sent_to(staff)[0]


@pytest.mark.django_db(transaction=True)
def test_nothing_is_lost_while_the_broker_is_down(
    reference_data: None, staff: Any, manager: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with office_time(MONDAY):
        with broker_at(UNREACHABLE):
            started = time.monotonic()
            # Staff work as usual. Each of these would queue a reminder check.
            late = overdue(staff)  # logged late: overdue already
            soon = due_soon(staff)
            handed_over = due_soon(staff)
            services.case_assign(case=handed_over, actor=staff, assignee=manager)
            elapsed = time.monotonic() - started
            # Every action committed, quickly, with nothing sent.
            assert Case.objects.filter(state=CaseState.IN_PROGRESS).count() == 3
            assert Case.objects.get(pk=handed_over.pk).assignee == manager
            assert AuditEvent.objects.filter(action="case.assigned").count() == 1
            assert mail.outbox == [] and not SentMessage.objects.exists()
            assert "Could not queue requests_app.tasks.send_case_reminders" in caplog.text
            assert elapsed < 30  # about forty refused connections, no retries

        # The broker is back: the sweep finds everything in the database, and runs again
        # and again without telling anyone twice.
        if REDIS_URL:
            with worker_on_redis():
                tasks.deadline_sweep.delay(day=MONDAY.isoformat())
                wait_until(lambda: SentMessage.objects.filter(sent_at__isnull=False).count() == 4)
                tasks.deadline_sweep.delay(day=MONDAY.isoformat())
                tasks.deadline_sweep.delay(day=MONDAY.isoformat())
                wait_until(queue_drained)
        else:
            for _ in range(3):
                tasks.deadline_sweep.delay(day=MONDAY.isoformat())

    assert sent_to(staff) == sorted(
        [
            f"【期限超過】案件 {late.reference}：回答期限（2026-11-17）を8営業日過ぎています",
            f"【回答期限まで2営業日】案件 {soon.reference}（期限 2026-12-02）",
        ]
    )
    assert sent_to(manager) == sorted(
        [
            f"【エスカレーション】案件 {late.reference}：回答期限を8営業日超過",
            f"【回答期限まで2営業日】案件 {handed_over.reference}（期限 2026-12-02）",
        ]
    )
    assert SentMessage.objects.filter(sent_at__isnull=False).count() == 4 == len(mail.outbox)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Inbox:
    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.mark.django_db
def test_a_reminder_arrives_over_real_smtp(staff: Any, settings: Any) -> None:
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
    try:
        with office_time(MONDAY):
            case = due_soon(staff)
            tasks.deadline_sweep.delay(day=MONDAY.isoformat())
            tasks.deadline_sweep.delay(day=MONDAY.isoformat())
    finally:
        controller.stop()
    assert len(inbox.envelopes) == 1
    envelope = inbox.envelopes[0]
    assert envelope.rcpt_tos == [staff.email]
    assert envelope.mail_from == "privacy-requests@cmc.example.jp"
    message = email.message_from_bytes(envelope.original_content, policy=default_policy)
    assert (
        str(message["Subject"]).strip()
        == f"【回答期限まで2営業日】案件 {case.reference}（期限 2026-12-02）"
    )
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert "ご担当の案件" in text.get_content() and case.reference in text.get_content()
    assert f"/cases/{case.reference}/" in html.get_content()
    assert SentMessage.objects.get().sent_at is not None


def test_the_schedule_names_real_tasks_and_the_app_is_safe_by_default() -> None:
    # What a worker does on start: import every app's tasks module (autodiscovery).
    app.loader.import_default_modules()
    for name, entry in BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name
    assert app.conf.beat_schedule is BEAT_SCHEDULE
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.task_time_limit and app.conf.task_soft_time_limit
    retrying = app.tasks["requests_app.tasks.send_case_reminders"]
    assert retrying.retry_backoff and retrying.max_retries


@pytest.mark.django_db
def test_expired_sign_ins_are_removed_nightly() -> None:
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    from config.celery import BEAT_SCHEDULE
    from requests_app import queue

    expired, current = SessionStore(), SessionStore()
    expired.set_expiry(-60)
    expired.save()
    current.save()
    assert BEAT_SCHEDULE["clear-sessions"]["task"] == queue.CLEAR_SESSIONS
    tasks.clear_expired_sessions.delay()
    assert list(Session.objects.values_list("session_key", flat=True)) == [current.session_key]

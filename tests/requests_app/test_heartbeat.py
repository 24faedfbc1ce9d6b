"""Long tasks beat on their row while they run; a silent row is one whose worker died."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from requests_app import heartbeat
from requests_app.models import LetterBatch


def wait_until(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def last_beat(batch: LetterBatch) -> Any:
    return LetterBatch.objects.values_list("heartbeat_at", flat=True).get(pk=batch.pk)


@pytest.mark.django_db(transaction=True)  # the beat comes from another connection
def test_a_running_task_beats_and_stops_beating_with_its_body(
    reference_data: None, staff: Any, settings: Any
) -> None:
    settings.TASK_HEARTBEAT_SECONDS = 1
    settings.TASK_PRESUMED_DEAD_AFTER_SECONDS = 3
    claimed_at = timezone.now() - timedelta(seconds=2)
    batch = LetterBatch.objects.create(
        kind="deficiency",
        requested_by=staff,
        status="running",
        claim="mine",
        started_at=claimed_at,
        heartbeat_at=claimed_at,
    )
    mine = LetterBatch.objects.filter(pk=batch.pk, status="running", claim="mine")
    with heartbeat.beating(mine) as beat:
        wait_until(lambda: last_beat(batch) > claimed_at, timeout=3)
        first = last_beat(batch)
        wait_until(lambda: last_beat(batch) > first, timeout=3)  # and again
        assert not beat.lost
        batch.refresh_from_db()
        assert not batch.is_stopped
    ended = last_beat(batch)
    time.sleep(2.5)
    assert last_beat(batch) == ended  # the body is over: no more beats
    batch.refresh_from_db()
    wait_until(lambda: LetterBatch.objects.filter(heartbeat.silent_q(), pk=batch.pk).exists())
    batch.refresh_from_db()
    assert batch.is_stopped and batch.can_resume


@pytest.mark.django_db(transaction=True)
def test_a_beat_that_finds_its_claim_taken_over_says_so(
    reference_data: None, staff: Any, settings: Any
) -> None:
    settings.TASK_HEARTBEAT_SECONDS = 1
    settings.TASK_PRESUMED_DEAD_AFTER_SECONDS = 3
    batch = LetterBatch.objects.create(
        kind="deficiency", requested_by=staff, status="running", claim="mine"
    )
    mine = LetterBatch.objects.filter(pk=batch.pk, status="running", claim="mine")
    with heartbeat.beating(mine) as beat:
        LetterBatch.objects.filter(pk=batch.pk).update(claim="the-run-that-took-over")
        wait_until(lambda: beat.lost, timeout=3)
    assert last_beat(batch) is None  # it wrote nothing on a row it no longer holds


@pytest.mark.django_db
def test_silence_is_counted_from_the_last_beat_or_the_start(staff: Any) -> None:
    now = timezone.now()
    dead_after = heartbeat.presumed_dead_after()
    assert timedelta(minutes=1) <= dead_after <= timedelta(minutes=3)  # "minutes, not an hour"
    assert dead_after >= 3 * timedelta(seconds=heartbeat.beat_every())
    assert not heartbeat.is_silent(now - dead_after + timedelta(seconds=1), None, now)
    assert heartbeat.is_silent(now - dead_after - timedelta(seconds=1), None, now)
    assert heartbeat.is_silent(None, now - dead_after - timedelta(seconds=1), now)
    assert not heartbeat.is_silent(None, None, now)
    # A batch claimed before heartbeats existed counts from when it started.
    old = LetterBatch.objects.create(
        kind="deficiency",
        requested_by=staff,
        status="running",
        started_at=now - timedelta(hours=1),
    )
    beating = LetterBatch.objects.create(
        kind="deficiency",
        requested_by=staff,
        status="running",
        started_at=now - timedelta(hours=1),
        heartbeat_at=now - timedelta(seconds=20),
    )
    silent = set(LetterBatch.objects.filter(heartbeat.silent_q(now)).values_list("pk", flat=True))
    assert old.pk in silent and beating.pk not in silent

"""Batches: every due deficiency letter (or reminder) at once, one PDF for the post room and
one stored PDF/A per letter."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from requests_app import heartbeat
from requests_app.audit import AuditEvent
from requests_app.choices import CaseState
from requests_app.errors import InvalidInput, NotPermitted
from requests_app.letters import selectors, services, tasks
from requests_app.letters.render import render_letter
from requests_app.models import Letter, LetterBatch
from tests.factories import RequesterDataFactory, make_case
from tests.requests_app.letters.conftest import (
    embedded_fonts,
    generate,
    pdftotext,
    reader,
    run_batch,
    stored_bytes,
)

pytestmark = pytest.mark.django_db

NAMES = ["佐藤 花子", "鈴木 一郎", "髙橋 健太"]


def waiting_cases(staff: Any) -> list[Any]:
    return [
        make_case(
            actor=staff,
            state=CaseState.AWAITING_IDENTITY,
            requester=RequesterDataFactory(name=name),
        )
        for name in NAMES
    ]


def test_due_deficiency_letters_are_the_waiting_cases_without_one(staff: Any) -> None:
    cases = waiting_cases(staff)
    make_case(actor=staff, kinds=("correction",), state=CaseState.IN_PROGRESS)  # not waiting
    assert [case.pk for case in selectors.cases_due("deficiency")] == [c.pk for c in cases]
    generate(services.letter_request(case=cases[0], actor=staff, kind="deficiency"))
    assert [case.pk for case in selectors.cases_due("deficiency")] == [c.pk for c in cases[1:]]
    assert selectors.cases_due("reminder") == []


def test_a_batch_is_one_post_room_pdf_and_one_stored_pdfa_per_letter(
    staff: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    cases = waiting_cases(staff)
    queued: list[Any] = []
    monkeypatch.setattr(
        tasks.generate_batch, "apply_async", lambda args, **kwargs: queued.append(args)
    )
    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.batch_request(actor=staff, kind="deficiency")
    batch = outcome.batch
    assert queued == [(batch.pk,)] and outcome.skipped == []
    assert batch.total == 3 and batch.status == "pending"
    run_batch(batch)
    assert batch.status == "done" and batch.error == ""
    assert (batch.rendered_count, batch.stored_count, batch.progress_percent) == (3, 3, 100)
    with default_storage.open(batch.file.name, "rb") as handle:
        combined = handle.read()
    letters = list(batch.letters.order_by("id"))
    assert (
        len(reader(combined).pages)
        == batch.page_count
        == sum(letter.page_count for letter in letters)
    )
    combined_text = pdftotext(combined)
    for name in NAMES:
        assert f"{name} 様" in combined_text
    for case, letter in zip(cases, letters, strict=True):
        assert letter.case_id == case.pk and letter.status == "ready" and letter.batch == batch
        data = stored_bytes(letter)
        text = pdftotext(data)
        assert case.reference in text and f"{case.requester.name} 様" in text
        assert [name for name in NAMES if f"{name} 様" in text] == [case.requester.name]
        assert f"1 / {letter.page_count} ページ" in text
        document = reader(data)
        assert document.metadata is not None
        assert document.metadata.title == "ご提出書類等のお願い"
        assert case.reference in str(document.metadata["/Keywords"])
        xmp = document.xmp_metadata
        assert xmp is not None and 'pdfaid:part="3"' in xmp.stream.get_data().decode()
        assert "/OutputIntents" in document.root_object and document.pdf_header == "%PDF-1.7"
        fonts = embedded_fonts(data)
        assert fonts and all(fonts.values()) and set(fonts) <= {"IPAexMincho", "IPAexGothic"}
        # Split from the batch, the letter reads exactly like one rendered on its own.
        assert text == pdftotext(render_letter(letter))
    assert selectors.cases_due("deficiency") == []
    for case in cases:
        assert list(
            AuditEvent.objects.filter(case=case, action__startswith="case.letter.").values_list(
                "action", flat=True
            )
        ) == ["case.letter.requested", "case.letter.generated"]


def test_a_batch_runs_once_even_if_the_task_arrives_twice(staff: Any) -> None:
    waiting_cases(staff)
    batch = services.batch_request(actor=staff, kind="deficiency").batch
    run_batch(batch)
    first_file = batch.file.name
    run_batch(batch)
    assert batch.file.name == first_file
    assert AuditEvent.objects.filter(action="case.letter.generated").count() == 3


def test_a_letter_that_fails_in_a_batch_does_not_stop_the_others(
    staff: Any, monkeypatch: Any
) -> None:
    cases = waiting_cases(staff)
    batch = services.batch_request(actor=staff, kind="deficiency").batch
    from requests_app.letters import render

    real_html = render.letter_html

    def broken_for_the_second(letter: Any) -> str:
        if letter.case_id == cases[1].pk:
            raise RuntimeError("template exploded")
        return real_html(letter)

    monkeypatch.setattr(render, "letter_html", broken_for_the_second)
    run_batch(batch)
    statuses = dict(batch.letters.values_list("case_id", "status"))
    assert statuses == {cases[0].pk: "ready", cases[1].pk: "failed", cases[2].pk: "ready"}
    failed = Letter.objects.get(case=cases[1])
    assert failed.error == "RuntimeError: template exploded" and not failed.file
    ready_pages = sum(batch.letters.filter(status="ready").values_list("page_count", flat=True))
    assert batch.status == "done" and len(reader(stored_bytes_of(batch)).pages) == ready_pages
    assert ready_pages == 2 * Letter.objects.get(case=cases[0]).page_count


def stored_bytes_of(batch: LetterBatch) -> bytes:
    with default_storage.open(batch.file.name, "rb") as handle:
        data: bytes = handle.read()
    return data


def test_reminders_are_due_after_the_deficiency_letter_was_mailed_long_enough_ago(
    staff: Any, settings: Any
) -> None:
    settings.LETTER_REMINDER_AFTER_DAYS = 14
    cases = waiting_cases(staff)
    batch = services.batch_request(actor=staff, kind="deficiency").batch
    run_batch(batch)
    services.batch_record_mailing(batch=batch, actor=staff, sent_on=timezone.localdate())
    assert selectors.cases_due("reminder") == []
    long_ago = timezone.localdate() - timedelta(days=14)
    Letter.objects.filter(case=cases[0]).update(sent_on=long_ago)
    assert [case.pk for case in selectors.cases_due("reminder")] == [cases[0].pk]
    reminders = services.batch_request(actor=staff, kind="reminder").batch
    run_batch(reminders)
    reminder = reminders.letters.get()
    text = "".join(pdftotext(stored_bytes(reminder)).split())
    assert "再度のお願い" in text and Letter.objects.filter(case=cases[0]).first().number in text
    assert selectors.cases_due("reminder") == []
    with pytest.raises(InvalidInput, match="No letters of this kind are due"):
        services.batch_request(actor=staff, kind="reminder")


def test_recording_a_batch_as_mailed(staff: Any, auditor: Any) -> None:
    waiting_cases(staff)
    batch = services.batch_request(actor=staff, kind="deficiency").batch
    run_batch(batch)
    with pytest.raises(NotPermitted):
        services.batch_record_mailing(batch=batch, actor=auditor, sent_on=timezone.localdate())
    assert (
        services.batch_record_mailing(batch=batch, actor=staff, sent_on=timezone.localdate()) == 3
    )
    assert set(batch.letters.values_list("mail_method", flat=True)) == {"ordinary"}
    with pytest.raises(InvalidInput):
        services.batch_record_mailing(batch=batch, actor=staff, sent_on=timezone.localdate())


def test_a_stuck_batch_is_queued_again_by_the_sweep(staff: Any, monkeypatch: Any) -> None:
    waiting_cases(staff)
    batch = services.batch_request(actor=staff, kind="deficiency").batch  # never queued
    queued: list[Any] = []
    monkeypatch.setattr(
        tasks.generate_batch, "apply_async", lambda args, **kwargs: queued.append(args)
    )
    LetterBatch.objects.filter(pk=batch.pk).update(
        requested_at=timezone.now() - timedelta(minutes=30)
    )
    assert services.letters_requeue_pending() == 1 and queued == [(batch.pk,)]


def a_dead_run(batch: LetterBatch, *, silent_for: timedelta) -> None:
    """What a worker killed in the middle of the batch leaves: the batch running under its
    claim, its last beat `silent_for` ago, and the first letter stored."""
    LetterBatch.objects.filter(pk=batch.pk).update(
        status="running",
        claim="the-killed-worker",
        attempts=1,
        started_at=timezone.now() - timedelta(minutes=20),
        heartbeat_at=timezone.now() - silent_for,
        enqueued_at=timezone.now() - timedelta(minutes=20),
    )
    generate(batch.letters.order_by("id").first())


def test_a_batch_whose_worker_stopped_beating_is_taken_over_within_minutes(
    staff: Any, monkeypatch: Any
) -> None:
    cases = waiting_cases(staff)
    batch = services.batch_request(actor=staff, kind="deficiency").batch
    queued: list[Any] = []
    monkeypatch.setattr(
        tasks.generate_batch, "apply_async", lambda args, **kwargs: queued.append(args)
    )
    # Alive: it beat 30 seconds ago, although it started 20 minutes ago. Nobody takes it.
    a_dead_run(batch, silent_for=timedelta(seconds=30))
    assert services.letters_requeue_pending() == 0 and queued == []
    run_batch(batch)
    assert (batch.status, batch.claim, batch.attempts) == ("running", "the-killed-worker", 1)
    assert not batch.is_stopped

    # Silent for longer than a worker ever is while alive: it died. The sweep (every minute)
    # queues it once, and the next run takes it over.
    silent = heartbeat.presumed_dead_after() + timedelta(seconds=1)
    assert silent <= timedelta(minutes=3)
    LetterBatch.objects.filter(pk=batch.pk).update(heartbeat_at=timezone.now() - silent)
    batch.refresh_from_db()
    assert batch.is_stopped and batch.can_resume
    assert services.letters_requeue_pending() == 1 and queued == [(batch.pk,)]
    assert services.letters_requeue_pending() == 0  # queued just now: not again
    run_batch(batch)
    assert (batch.status, batch.attempts, batch.stored_count) == ("done", 2, 3)
    assert batch.claim != "the-killed-worker" and not batch.is_stopped
    for case in cases:  # each letter generated once: the one stored before is not redone
        assert AuditEvent.objects.filter(case=case, action="case.letter.generated").count() == 1
    taken = AuditEvent.objects.get(action="letter.batch.taken_over")
    assert taken.case is None and taken.actor is None
    assert taken.payload["batch"] == batch.pk and taken.payload["attempt"] == 2
    assert taken.payload["stored_before"] == 1
    # Every file is one the register points to.
    registered = {letter.file.name for letter in batch.letters.all()} | {batch.file.name}
    assert all_stored_names() == registered


def all_stored_names() -> set[str]:
    from requests_app import files

    return set(files.walk("letters"))


def test_a_run_that_lost_its_claim_stops_and_writes_nothing_more(
    staff: Any, monkeypatch: Any
) -> None:
    cases = waiting_cases(staff)
    batch = services.batch_request(actor=staff, kind="deficiency").batch
    from requests_app.letters import render

    real_html = render.letter_html

    def taken_over_during_the_second(letter: Any) -> str:
        if letter.case_id == cases[1].pk:  # another run claims the batch meanwhile
            LetterBatch.objects.filter(pk=batch.pk).update(claim="the-other-run")
        return real_html(letter)

    monkeypatch.setattr(render, "letter_html", taken_over_during_the_second)
    run_batch(batch)
    assert (batch.status, batch.claim, batch.rendered_count) == ("running", "the-other-run", 1)
    assert not batch.file and batch.stored_count == 0
    assert set(batch.letters.values_list("status", flat=True)) == {"pending"}
    assert all_stored_names() == set()
    assert not AuditEvent.objects.filter(action="case.letter.generated").exists()


def test_staff_resume_a_batch_that_stopped(
    staff: Any, auditor: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    waiting_cases(staff)
    batch = services.batch_request(actor=staff, kind="deficiency").batch
    a_dead_run(batch, silent_for=timedelta(seconds=10))
    with pytest.raises(InvalidInput, match="running or finished"):
        services.batch_resume(batch=batch, actor=staff)  # still beating: leave it alone
    LetterBatch.objects.filter(pk=batch.pk).update(
        heartbeat_at=timezone.now() - heartbeat.presumed_dead_after() - timedelta(seconds=1)
    )
    with pytest.raises(NotPermitted):
        services.batch_resume(batch=batch, actor=auditor)
    queued: list[Any] = []
    monkeypatch.setattr(
        tasks.generate_batch, "apply_async", lambda args, **kwargs: queued.append(args)
    )
    with django_capture_on_commit_callbacks(execute=True):
        resumed = services.batch_resume(batch=batch, actor=staff)
        assert queued == []  # only after commit
    assert queued == [(batch.pk,)]
    assert (resumed.status, resumed.claim) == ("pending", "")
    event = AuditEvent.objects.get(action="letter.batch.resumed")
    assert event.actor == staff and event.payload == {
        "batch": batch.pk,
        "stopped": True,
        "stored_before": 1,
        "total": 3,
    }
    run_batch(batch)
    assert (batch.status, batch.stored_count, batch.attempts) == ("done", 3, 2)
    assert AuditEvent.objects.filter(action="case.letter.generated").count() == 3
    with pytest.raises(InvalidInput):
        services.batch_resume(batch=batch, actor=staff)  # finished: nothing to resume

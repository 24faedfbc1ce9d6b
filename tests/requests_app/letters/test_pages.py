"""The letter pages: generate, preview, download, approve, record mailing; who may do what."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from requests_app import services as case_services
from requests_app.audit import AuditEvent
from requests_app.choices import CaseState
from requests_app.letters import services, tasks
from requests_app.models import Case, Letter
from tests.conftest import client_for
from tests.factories import make_case
from tests.requests_app.letters.conftest import generate

pytestmark = pytest.mark.django_db

ALL = ("staff", "manager", "auditor", "administrator", "outsider")
READERS = {"staff", "manager", "auditor", "administrator"}
WORKERS = {"staff", "manager"}


@pytest.fixture
def decided(staff: Any, manager: Any) -> Case:
    return make_case(actor=staff, manager=manager, kinds=("correction",), state=CaseState.APPROVED)


@pytest.fixture
def letter(decided: Case, staff: Any) -> Letter:
    return generate(services.letter_request(case=decided, actor=staff, kind="correction_done"))


def letter_url(name: str, letter: Letter) -> str:
    return reverse(f"requests_app:{name}", args=[letter.case.reference, letter.pk])


def test_staff_generate_a_letter_from_the_case_page(
    staff: Any, eager_celery: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    client = client_for(staff)
    page = client.get(reverse("requests_app:case_detail", args=[case.reference])).content.decode()
    assert 'id="letter-request"' in page and 'value="deficiency"' in page
    assert 'value="disclosure"' not in page  # nothing is decided yet
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("requests_app:letter_request", args=[case.reference]),
            {"kind": "acknowledgement", "language": "ja"},
        )
    assert response.status_code == 302
    letter = Letter.objects.get(case=case)
    assert letter.status == "ready"
    page = client.get(response["Location"]).content.decode()
    assert f"Letter {letter.number} is being generated." in page
    assert letter.number in page and "Acknowledgement of receipt" in page
    assert "Letter asked for" in page and "Letter generated" in page  # the timeline


def test_bad_letter_input_shows_field_errors_and_saves_nothing(staff: Any) -> None:
    case = make_case(actor=staff, kinds=("correction",), state=CaseState.IN_PROGRESS)
    response = client_for(staff).post(
        reverse("requests_app:letter_request", args=[case.reference]),
        {"kind": "extension", "language": "ja", "new_due_date": "2026-02-30"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a valid date." in html and "Say why more time is needed." in html
    assert not Letter.objects.exists()
    japanese = client_for(staff, "ja").post(
        reverse("requests_app:letter_request", args=[case.reference]),
        {"kind": "extension", "language": "ja"},
    )
    assert "延長の理由を入力してください。" in japanese.content.decode()


def test_preview_is_inline_and_framable_by_the_app_only(letter: Letter, staff: Any) -> None:
    response = client_for(staff).get(letter_url("letter_preview", letter))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{letter.number}.pdf"'
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response.content.startswith(b"%PDF-")
    page = client_for(staff).get(letter_url("letter_detail", letter))
    assert page["X-Frame-Options"] == "DENY"  # every other page keeps the global DENY
    assert f'src="{letter_url("letter_preview", letter)}"' in page.content.decode()


def test_download_is_an_attachment_and_is_logged(letter: Letter, auditor: Any) -> None:
    response = client_for(auditor).get(letter_url("letter_download", letter))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{letter.number}.pdf"'
    event = AuditEvent.objects.filter(action="case.letter.viewed").last()
    assert event is not None and event.actor == auditor and event.payload["how"] == "download"
    # Opening a letter is an access, not part of the case's story.
    page = client_for(auditor).get(
        reverse("requests_app:case_detail", args=[letter.case.reference])
    )
    assert 'data-action="case.letter.viewed"' not in page.content.decode()


def test_a_tampered_file_is_not_served(letter: Letter, staff: Any) -> None:
    default_storage.delete(letter.file.name)
    default_storage.save(letter.file.name, ContentFile(b"%PDF-1.7 forged"))
    response = client_for(staff).get(letter_url("letter_download", letter))
    assert response.status_code == 409
    assert "does not match its SHA-256" in response.content.decode()


def test_manager_approves_and_staff_record_mailing_on_the_letter_page(
    letter: Letter, staff: Any, manager: Any
) -> None:
    assert client_for(staff).post(letter_url("letter_approve", letter)).status_code == 403
    page = client_for(manager).get(letter_url("letter_detail", letter)).content.decode()
    assert 'data-letter-action="approve"' in page
    client_for(manager).post(letter_url("letter_approve", letter))
    letter.refresh_from_db()
    assert letter.approved_by is not None
    bad = client_for(staff).post(
        letter_url("letter_mailing", letter),
        {"mailing-method": "simple_registered", "mailing-sent_on": "2026-13-01"},
    )
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "Registered and restricted-delivery mail have a tracking number." in html
    assert "Enter a valid date." in html
    letter.refresh_from_db()
    assert letter.sent_on is None
    good = client_for(staff).post(
        letter_url("letter_mailing", letter),
        {
            "mailing-method": "simple_registered",
            "mailing-tracking_number": "1234-5678-9012",
            "mailing-sent_on": timezone.localdate().isoformat(),
        },
        follow=True,
    )
    assert "The case is “Reply sent”." in good.content.decode()
    assert Case.objects.get(pk=letter.case_id).state == CaseState.REPLY_SENT


def test_staff_record_a_returned_letter_on_the_letter_page(
    letter: Letter, staff: Any, manager: Any
) -> None:
    services.letter_approve(letter=letter, actor=manager)
    services.letter_record_mailing(
        letter=letter,
        actor=staff,
        method="ordinary",
        tracking_number="",
        sent_on=timezone.localdate(),
    )
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    bad = client_for(staff).post(
        letter_url("letter_returned", letter), {"returned-returned_on": future}
    )
    assert bad.status_code == 400
    assert "The date it came back cannot be in the future." in bad.content.decode()
    letter.refresh_from_db()
    assert letter.returned_on is None
    good = client_for(staff).post(
        letter_url("letter_returned", letter),
        {
            "returned-returned_on": timezone.localdate().isoformat(),
            "returned-note": "あて所に尋ねあたりません",
        },
        follow=True,
    )
    assert f"Letter {letter.number} is recorded as returned undeliverable." in (
        good.content.decode()
    )
    letter.refresh_from_db()
    assert letter.returned_on == timezone.localdate()
    assert letter.returned_note == "あて所に尋ねあたりません"


def test_the_case_page_says_what_the_reply_still_needs(decided: Case, staff: Any) -> None:
    page = client_for(staff).get(reverse("requests_app:case_detail", args=[decided.reference]))
    html = page.content.decode()
    assert "Before the reply counts as sent:" in html
    # Drafted and approved with the decision (one step): what is left is the post.
    text = (
        "The letter “Correction, addition or deletion completed” has not been recorded as mailed."
    )
    assert html.count(text) == 2  # in the letters section and under the disabled button
    button = html[html.index('data-action="record_reply_sent"') - 200 :]
    assert "disabled" in button[:250]


def test_the_case_page_says_which_draft_the_submission_needs(staff: Any) -> None:
    case = make_case(actor=staff, kinds=("correction",), state=CaseState.IN_PROGRESS)
    item = case.items.get()
    case_services.item_record_outcome(item=item, actor=staff, outcome="done")
    html = client_for(staff).get(reverse("requests_app:case_detail", args=[case.reference]))
    html = html.content.decode()
    text = "The reply letter “Correction, addition or deletion completed” has not been drafted yet."
    button = html[html.index('data-action="submit_for_approval"') - 200 :]
    assert "disabled" in button[:250] and text in html
    # The letter the case needs next is the one preselected, drafted while in progress.
    assert '<option value="correction_done" selected>' in html


def test_a_failed_letter_shows_its_error_on_the_case_page(staff: Any, monkeypatch: Any) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    letter = services.letter_request(case=case, actor=staff, kind="deficiency")

    def broken(letter: Any, **kwargs: Any) -> bytes:
        raise OSError("font cache unreadable")

    monkeypatch.setattr(services, "render_letter", broken)
    generate(letter)
    html = (
        client_for(staff)
        .get(reverse("requests_app:case_detail", args=[case.reference]))
        .content.decode()
    )
    assert "Could not be generated" in html and "OSError: font cache unreadable" in html
    assert 'data-letter-action="retry"' in html
    assert "Letter could not be generated" in html  # the timeline


def test_records_can_be_pasted_from_a_spreadsheet(staff: Any) -> None:
    case = make_case(actor=staff, state=CaseState.IN_PROGRESS)
    item = case.items.get()
    url = reverse("requests_app:item_records_add", args=[case.reference, item.pk])
    pasted = (
        "連絡先\t住所\t愛知県名古屋市中区平和1丁目1番19号\t顧客管理システム\n"
        "連絡先 | 電話 | 052-322-3355\n"
    )
    response = client_for(staff).post(url, {f"records{item.pk}-rows": pasted})
    assert response.status_code == 302
    assert list(item.disclosed_records.values_list("field", "source")) == [
        ("住所", "顧客管理システム"),
        ("電話", ""),
    ]
    bad = client_for(staff).post(url, {f"records{item.pk}-rows": "only\ttwo"})
    assert bad.status_code == 400
    assert "Line 1: give category, item and content" in bad.content.decode()
    assert item.disclosed_records.count() == 2


def test_changes_are_entered_with_a_form(staff: Any) -> None:
    case = make_case(actor=staff, kinds=("correction",), state=CaseState.IN_PROGRESS)
    item = case.items.get()
    url = reverse("requests_app:item_change_add", args=[case.reference, item.pk])
    same = client_for(staff).post(
        url,
        {
            f"change{item.pk}-subject": "住所",
            f"change{item.pk}-before": "a",
            f"change{item.pk}-after": "a",
        },
    )
    assert same.status_code == 400 and "Before and after are the same" in same.content.decode()
    client_for(staff).post(
        url,
        {
            f"change{item.pk}-subject": "住所",
            f"change{item.pk}-before": "旧住所",
            f"change{item.pk}-after": "新住所",
        },
    )
    assert list(item.changes.values_list("subject", "before", "after")) == [
        ("住所", "旧住所", "新住所")
    ]


def test_every_letter_page_refuses_every_role_that_may_not_use_it(
    personas: dict[str, Any], letter: Letter
) -> None:
    case = letter.case
    item = case.items.get()
    pages = [
        ("get", letter_url("letter_detail", letter), READERS, {}),
        ("get", letter_url("letter_preview", letter), READERS, {}),
        ("get", letter_url("letter_download", letter), READERS, {}),
        ("get", reverse("requests_app:letter_status", args=[case.reference]), READERS, {}),
        ("get", reverse("requests_app:letter_batches"), READERS, {}),
        ("post", letter_url("letter_approve", letter), {"manager"}, {}),
        ("post", letter_url("letter_retry", letter), WORKERS, {}),
        ("post", letter_url("letter_returned", letter), WORKERS, {}),
        ("post", letter_url("letter_mailing", letter), WORKERS, {}),
        ("post", reverse("requests_app:letter_request", args=[case.reference]), WORKERS, {}),
        (
            "post",
            reverse("requests_app:item_change_add", args=[case.reference, item.pk]),
            WORKERS,
            {},
        ),
        ("post", reverse("requests_app:letter_batch_create"), WORKERS, {"kind": "deficiency"}),
    ]
    for who in ALL:
        client = client_for(personas[who])
        for method, url, allowed, data in pages:
            status = getattr(client, method)(url, data).status_code
            if who in allowed:
                assert status in (200, 302, 400), (who, url, status)
            else:
                assert status == 403, (who, url, status)


def test_auditors_read_letters_but_change_nothing(letter: Letter, auditor: Any) -> None:
    client = client_for(auditor)
    before = AuditEvent.objects.exclude(action__in=("case.viewed", "case.letter.viewed")).count()
    assert client.get(letter_url("letter_detail", letter)).status_code == 200
    assert client.get(letter_url("letter_preview", letter)).status_code == 200
    page = client.get(reverse("requests_app:case_detail", args=[letter.case.reference]))
    html = page.content.decode()
    assert letter.number in html and 'id="letter-request"' not in html
    assert 'data-letter-action="approve"' not in html
    for url in (letter_url("letter_approve", letter), letter_url("letter_mailing", letter)):
        assert client.post(url, {}).status_code == 403
    assert (
        AuditEvent.objects.exclude(action__in=("case.viewed", "case.letter.viewed")).count()
        == before
    )


def test_case_page_with_letters_runs_a_fixed_number_of_queries(staff: Any, manager: Any) -> None:
    few = make_case(actor=staff, manager=manager, kinds=("correction",), state=CaseState.CLOSED)
    many = make_case(
        actor=staff,
        manager=manager,
        kinds=("disclosure", "correction", "complaint"),
        state=CaseState.CLOSED,
    )
    assert (few.letters.count(), many.letters.count()) == (1, 3)
    client = client_for(staff)
    client.get(reverse("requests_app:case_list"))
    counts = []
    for case in (few, many):
        with CaptureQueriesContext(connection) as queries:
            assert (
                client.get(reverse("requests_app:case_detail", args=[case.reference])).status_code
                == 200
            )
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_batch_pages_show_what_is_due_and_the_progress(
    staff: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    for _ in range(2):
        make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    monkeypatch.setattr(tasks.generate_batch, "apply_async", lambda *args, **kwargs: None)
    client = client_for(staff)
    page = client.get(reverse("requests_app:letter_batches")).content.decode()
    assert 'data-due="deficiency">2<' in page and 'data-due="reminder">0<' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("requests_app:letter_batch_create"), {"kind": "deficiency", "language": "en"}
        )
    assert response.status_code == 302
    waiting = client.get(response["Location"]).content.decode()
    assert "Laid out 0 of 2 letters; stored 0 of 2." in waiting
    assert 'http-equiv="refresh"' in waiting
    from requests_app.models import LetterBatch

    batch = LetterBatch.objects.get()
    with django_capture_on_commit_callbacks(execute=True):  # the worker's commits
        tasks.generate_batch.run(batch.pk)
    done = client.get(response["Location"]).content.decode()
    assert "Laid out 2 of 2 letters; stored 2 of 2." in done
    assert 'http-equiv="refresh"' not in done
    download = client.get(reverse("requests_app:letter_batch_pdf", args=[batch.pk]))
    assert download.status_code == 200 and download.content.startswith(b"%PDF-")
    assert AuditEvent.objects.filter(action="case.letter.viewed").count() == 2


def test_a_batch_whose_worker_stopped_says_so_and_staff_resume_it(
    staff: Any, auditor: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from requests_app import heartbeat
    from requests_app.models import LetterBatch

    for _ in range(2):
        make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    queued: list[Any] = []
    monkeypatch.setattr(
        tasks.generate_batch, "apply_async", lambda args, **kwargs: queued.append(args)
    )
    batch = services.batch_request(actor=staff, kind="deficiency", language="en").batch
    last_beat = timezone.now() - heartbeat.presumed_dead_after() - timedelta(seconds=5)
    LetterBatch.objects.filter(pk=batch.pk).update(
        status="running", claim="killed", attempts=1, started_at=last_beat, heartbeat_at=last_beat
    )
    url = reverse("requests_app:letter_batch", args=[batch.pk])
    resume = reverse("requests_app:letter_batch_requeue", args=[batch.pk])
    page = client_for(staff).get(url).content.decode()
    assert '<span class="state" data-testid="batch-status">Stopped</span>' in page
    assert "The background process generating this batch stopped" in page
    assert timezone.localtime(last_beat).strftime("%Y-%m-%d %H:%M:%S") in page
    assert "with 0 of 2 letters stored" in page
    assert f'action="{resume}"' in page and "Resume the batch" in page
    listing = client_for(staff).get(reverse("requests_app:letter_batches")).content.decode()
    assert "Stopped (0%)" in listing
    # An auditor sees that it stopped, but resuming is work.
    seen_by_auditor = client_for(auditor).get(url).content.decode()
    assert "The background process generating this batch stopped" in seen_by_auditor
    assert "Resume the batch" not in seen_by_auditor
    assert client_for(auditor).post(resume).status_code == 403

    client = client_for(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(resume)
    assert response.status_code == 302 and response["Location"] == url
    assert queued == [(batch.pk,)]
    after = client.get(url).content.decode()
    assert "The batch will go on shortly." in after and "Waiting to start" in after
    assert "The background process generating this batch stopped" not in after
    assert "Resume the batch" not in after and "Queue again" in after
    assert AuditEvent.objects.filter(action="letter.batch.resumed", actor=staff).count() == 1


def test_a_letter_stuck_waiting_for_the_queue_offers_a_retry(
    staff: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from datetime import timedelta

    from kombu.exceptions import OperationalError

    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Connection refused")

    monkeypatch.setattr(tasks.generate_letter, "apply_async", broker_down)
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    client = client_for(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("requests_app:letter_request", args=[case.reference]),
            {"kind": "acknowledgement", "language": "en"},
        )
    assert response.status_code == 302  # the staff action succeeded although the queue is down
    letter = Letter.objects.get(case=case)
    assert letter.status == "pending"
    page = client.get(reverse("requests_app:case_detail", args=[case.reference])).content.decode()
    assert "Being generated…" in page and 'data-letter-action="retry"' not in page
    Letter.objects.filter(pk=letter.pk).update(requested_at=timezone.now() - timedelta(minutes=5))
    page = client.get(reverse("requests_app:case_detail", args=[case.reference])).content.decode()
    assert 'data-letter-action="retry"' in page
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(letter_url("letter_retry", letter))
    letter.refresh_from_db()
    assert letter.status == "ready"

"""The letter register: versions, generation by Celery, failures, approval, mailing, returns."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from kombu.exceptions import OperationalError

from requests_app import services as case_services
from requests_app.audit import AuditEvent
from requests_app.choices import CaseState, Outcome
from requests_app.errors import InvalidInput, NotPermitted, TransitionBlocked
from requests_app.letters import services, tasks
from requests_app.letters.content import ExtensionInputs
from requests_app.models import Case, Letter
from tests.factories import make_case
from tests.requests_app.letters.conftest import (
    committed,
    generate,
    media_files,
    pdftotext,
    stored_bytes,
)

pytestmark = pytest.mark.django_db


def letter_actions(case: Case) -> list[str]:
    return list(
        AuditEvent.objects.filter(case=case, action__startswith="case.letter.").values_list(
            "action", flat=True
        )
    )


def mail(letter: Letter, actor: Any, **overrides: Any) -> Letter:
    values = {
        "method": "simple_registered",
        "tracking_number": "1234-5678-9012",
        "sent_on": timezone.localdate(),
        **overrides,
    }
    return services.letter_record_mailing(letter=letter, actor=actor, **values)


def approved_case(staff: Any, manager: Any, kinds: tuple[str, ...] = ("correction",)) -> Case:
    return make_case(actor=staff, manager=manager, kinds=kinds, state=CaseState.APPROVED)


# --- asking and generating -----------------------------------------------------------------


def test_asking_stores_a_pending_letter_and_the_task_generates_it(
    staff: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    queued: list[tuple[Any, ...]] = []
    monkeypatch.setattr(
        tasks.generate_letter, "apply_async", lambda args, **kwargs: queued.append(args)
    )
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    with django_capture_on_commit_callbacks(execute=True):
        letter = services.letter_request(case=case, actor=staff, kind="acknowledgement")
        assert queued == []  # only after commit
    assert queued == [(letter.pk,)]
    assert letter.status == "pending" and not letter.file
    assert (letter.number, letter.version, letter.requested_by) == (
        f"{case.reference}-01",
        1,
        staff,
    )
    with django_capture_on_commit_callbacks(execute=True):
        tasks.generate_letter(letter.pk)  # what the worker runs, and its commit
    letter.refresh_from_db()
    assert letter.status == "ready" and letter.generated_at is not None
    assert hashlib.sha256(stored_bytes(letter)).hexdigest() == letter.sha256
    assert letter_actions(case) == ["case.letter.requested", "case.letter.generated"]
    event = AuditEvent.objects.get(case=case, action="case.letter.generated")
    assert event.payload["sha256"] == letter.sha256 and event.payload["requested_by"] == "hanako"


def test_a_real_celery_task_generates_the_letter_after_commit(
    staff: Any, eager_celery: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    with django_capture_on_commit_callbacks(execute=True):
        letter = services.letter_request(case=case, actor=staff, kind="deficiency")
    letter.refresh_from_db()
    assert letter.status == "ready"
    assert case.reference in pdftotext(stored_bytes(letter))


def test_generating_again_makes_a_new_version_and_never_overwrites(staff: Any) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    first = generate(services.letter_request(case=case, actor=staff, kind="acknowledgement"))
    first_bytes = stored_bytes(first)
    second = generate(services.letter_request(case=case, actor=staff, kind="acknowledgement"))
    assert (first.version, second.version) == (1, 2)
    assert second.number == f"{case.reference}-02" and second.file.name != first.file.name
    first.refresh_from_db()
    assert stored_bytes(first) == first_bytes
    assert hashlib.sha256(first_bytes).hexdigest() == first.sha256


def test_the_task_can_run_twice(staff: Any) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    letter = services.letter_request(case=case, actor=staff, kind="acknowledgement")
    with committed():
        tasks.generate_letter(letter.pk)
    letter.refresh_from_db()
    files = media_files()
    assert [path.name for path in files] == [letter.file.name.rsplit("/", 1)[1]]
    with committed():
        tasks.generate_letter(letter.pk)
        tasks.generate_letter(999_999)  # a letter that does not exist (any more) is ignored
    assert media_files() == files
    assert letter_actions(case).count("case.letter.generated") == 1
    assert Letter.objects.get(pk=letter.pk).sha256 == letter.sha256


def test_when_two_workers_race_only_one_file_is_kept(staff: Any, monkeypatch: Any) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    letter = services.letter_request(case=case, actor=staff, kind="acknowledgement")
    stale_copy = Letter.objects.get(pk=letter.pk)  # what the slower worker loaded
    generate(letter)
    files = media_files()
    services._store_letter(stale_copy, b"%PDF-1.7 the slower worker's copy", 1)
    assert media_files() == files
    letter.refresh_from_db()
    assert letter.status == "ready" and stored_bytes(letter).startswith(b"%PDF")
    assert letter_actions(case).count("case.letter.generated") == 1


def test_a_failed_render_leaves_a_clear_error_and_no_file(staff: Any, monkeypatch: Any) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    letter = services.letter_request(case=case, actor=staff, kind="deficiency")

    def broken(letter: Any, **kwargs: Any) -> bytes:
        raise ValueError("the layout engine ran out of memory")

    monkeypatch.setattr(services, "render_letter", broken)
    files = media_files()
    letter = generate(letter)
    assert letter.status == "failed" and not letter.file
    assert letter.error == "ValueError: the layout engine ran out of memory"
    assert media_files() == files
    failed = AuditEvent.objects.get(case=case, action="case.letter.failed")
    assert failed.payload["error"] == letter.error
    monkeypatch.undo()
    letter = services.letter_retry(letter=letter, actor=staff)
    assert letter.status == "pending" and letter.error == ""
    letter = generate(letter)
    assert letter.status == "ready"
    assert letter_actions(case) == [
        "case.letter.requested",
        "case.letter.failed",
        "case.letter.retried",
        "case.letter.generated",
    ]


def test_a_storage_failure_half_way_leaves_no_partial_file(staff: Any, monkeypatch: Any) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    letter = services.letter_request(case=case, actor=staff, kind="acknowledgement")
    real_save = default_storage.save

    def disk_full(name: str, content: Any, **kwargs: Any) -> str:
        from django.core.files.base import ContentFile

        saved = real_save(name, ContentFile(content.read()[:100]))  # half a file, then…
        raise OSError(f"No space left on device while writing {saved}")

    monkeypatch.setattr(default_storage, "save", disk_full)
    files = media_files()
    letter = generate(letter)
    assert media_files() == files
    assert letter.status == "failed" and "No space left on device" in letter.error
    assert not letter.file and letter.sha256 == ""


def test_a_broker_that_is_down_leaves_the_letter_pending_for_the_sweep(
    staff: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.generate_letter, "apply_async", broker_down)
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    with django_capture_on_commit_callbacks(execute=True):
        letter = services.letter_request(case=case, actor=staff, kind="acknowledgement")
    letter.refresh_from_db()
    assert letter.status == "pending" and letter.enqueued_at is None
    assert services.letters_requeue_pending() == 0  # not yet: it may still be on its way
    queued: list[Any] = []
    monkeypatch.setattr(
        tasks.generate_letter, "apply_async", lambda args, **kwargs: queued.append(args)
    )
    Letter.objects.filter(pk=letter.pk).update(requested_at=timezone.now() - timedelta(minutes=10))
    assert services.letters_requeue_pending() == 1
    assert queued == [(letter.pk,)]
    assert Letter.objects.get(pk=letter.pk).enqueued_at is not None
    assert services.letters_requeue_pending() == 0  # queued just now: not again


# --- what each letter needs ----------------------------------------------------------------


def test_deciding_letters_need_their_outcomes_and_content(staff: Any, manager: Any) -> None:
    case = make_case(actor=staff, manager=manager, state=CaseState.IN_PROGRESS)
    item = case.items.get()
    with pytest.raises(TransitionBlocked):
        services.letter_request(case=case, actor=staff, kind="disclosure")  # not decided yet
    case_services.item_record_outcome(item=item, actor=staff, outcome=Outcome.DONE)
    # Drafted while the decision is made (issue 15), but only once it has its content.
    with pytest.raises(TransitionBlocked) as blocked:
        services.letter_request(case=case, actor=staff, kind="disclosure")
    assert blocked.value.details == [
        "“Disclosure (Art. 33)”: enter the data found, or record “No personal data held”."
    ]
    with pytest.raises(TransitionBlocked) as blocked:
        services.letter_request(case=case, actor=staff, kind="refusal")
    assert blocked.value.details == ["No outcome on this case calls for this letter."]


def test_nothing_held_is_an_answer_that_gets_its_letter(staff: Any, manager: Any) -> None:
    case = make_case(actor=staff, manager=manager, state=CaseState.IN_PROGRESS)
    case_services.item_record_outcome(
        item=case.items.get(), actor=staff, outcome=Outcome.NOTHING_HELD
    )
    letter = generate(services.letter_request(case=case, actor=staff, kind="disclosure"))
    assert "保有しておりません" in pdftotext(stored_bytes(letter))
    # The draft goes for approval with the decision.
    case = case_services.case_submit_for_approval(case=case, actor=staff)
    assert case.state == CaseState.AWAITING_APPROVAL


def test_correction_letter_says_what_changed_before_and_after(staff: Any, manager: Any) -> None:
    case = make_case(actor=staff, manager=manager, kinds=("correction",), state=CaseState.APPROVED)
    letter = generate(services.letter_request(case=case, actor=staff, kind="correction_done"))
    text = "".join(pdftotext(stored_bytes(letter)).split())
    assert "訂正等の前" in text and "訂正等の後" in text
    assert "愛知県名古屋市中区栄三丁目4番5号" in text  # before (demo change)
    assert "愛知県名古屋市中区平和1丁目1番19号" in text  # after


def test_item_records_are_only_for_their_kinds_and_while_deciding(
    staff: Any, manager: Any, auditor: Any
) -> None:
    case = make_case(
        actor=staff, manager=manager, kinds=("correction", "complaint"), state=CaseState.IN_PROGRESS
    )
    correction, complaint = case.items.order_by("id")
    with pytest.raises(InvalidInput):
        services.item_add_change(item=complaint, actor=staff, subject="x", before="a", after="b")
    with pytest.raises(InvalidInput):
        services.item_add_change(
            item=correction, actor=staff, subject="住所", before="同じ", after="同じ"
        )
    with pytest.raises(NotPermitted):
        services.item_add_change(item=correction, actor=auditor, subject="x", before="a", after="b")
    change = services.item_add_change(
        item=correction,
        actor=staff,
        subject="電話番号",
        before="052-111-2222",
        after="052-333-4444",
    )
    services.item_remove_change(change=change, actor=staff)
    assert not correction.changes.exists()
    assert list(
        AuditEvent.objects.filter(case=case, action__startswith="case.item.change").values_list(
            "action", flat=True
        )
    ) == ["case.item.change_added", "case.item.change_removed"]
    case_services.case_withdraw(case=case, actor=staff, reason="取下げ")
    with pytest.raises(InvalidInput):
        services.item_add_change(item=correction, actor=staff, subject="x", before="a", after="b")


def test_extension_notice_prints_the_new_date_and_the_reason(staff: Any) -> None:
    case = make_case(actor=staff, kinds=("correction",), state=CaseState.IN_PROGRESS)
    with pytest.raises(TransitionBlocked):
        services.letter_request(case=case, actor=staff, kind="extension")
    new_date = timezone.localdate() + timedelta(days=30)
    letter = generate(
        services.letter_request(
            case=case,
            actor=staff,
            kind="extension",
            language="en",
            extension=ExtensionInputs(
                new_due_date=new_date, reason="The records are kept in three systems."
            ),
        )
    )
    from requests_app.letters.dates import english_date

    text = " ".join(pdftotext(stored_bytes(letter)).split())
    assert english_date(new_date) in text and "The records are kept in three systems." in text
    with pytest.raises(TransitionBlocked):
        services.letter_request(
            case=case,
            actor=staff,
            kind="extension",
            extension=ExtensionInputs(
                new_due_date=timezone.localdate() - timedelta(days=1), reason="理由"
            ),
        )


def test_reminder_follows_a_mailed_deficiency_letter_and_refers_to_it(staff: Any) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    with pytest.raises(TransitionBlocked):
        services.letter_request(case=case, actor=staff, kind="reminder")
    first = generate(services.letter_request(case=case, actor=staff, kind="deficiency"))
    mail(first, staff, method="ordinary", tracking_number="")
    reminder = generate(services.letter_request(case=case, actor=staff, kind="reminder"))
    text = "".join(pdftotext(stored_bytes(reminder)).split())
    assert first.number in text and "再度のお願い" in text


def test_chasing_letters_need_something_missing(staff: Any) -> None:
    case = make_case(actor=staff, kinds=("correction",), state=CaseState.IDENTITY_VERIFIED)
    with pytest.raises(TransitionBlocked) as blocked:
        services.letter_request(case=case, actor=staff, kind="deficiency")
    assert "Nothing is missing" in blocked.value.details[0]


def test_abandonment_letter_only_for_abandoned_cases(staff: Any, manager: Any) -> None:
    case = make_case(actor=staff, manager=manager, state=CaseState.ABANDONED)
    letter = generate(services.letter_request(case=case, actor=staff, kind="abandonment"))
    assert "ご請求の手続の終了について" in pdftotext(stored_bytes(letter))
    other = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    with pytest.raises(TransitionBlocked):
        services.letter_request(case=other, actor=staff, kind="abandonment")


def test_only_workers_ask_for_letters(staff: Any, auditor: Any, outsider: Any) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    for person in (auditor, outsider):
        with pytest.raises(NotPermitted):
            services.letter_request(case=case, actor=person, kind="acknowledgement")
    assert not Letter.objects.exists()


# --- approval, mailing and the reply ---------------------------------------------------------


def test_deciding_letters_need_a_managers_approval_before_mailing(staff: Any, manager: Any) -> None:
    case = approved_case(staff, manager)
    letter = generate(services.letter_request(case=case, actor=staff, kind="correction_done"))
    with pytest.raises(InvalidInput, match="manager must approve"):
        mail(letter, staff)
    with pytest.raises(NotPermitted):
        services.letter_approve(letter=letter, actor=staff)
    letter = services.letter_approve(letter=letter, actor=manager)
    assert letter.approved_by == manager
    with pytest.raises(InvalidInput):
        services.letter_approve(letter=letter, actor=manager)


def test_a_draft_waits_for_the_decision_before_approval(staff: Any, manager: Any) -> None:
    case = make_case(
        actor=staff, manager=manager, kinds=("correction",), state=CaseState.AWAITING_APPROVAL
    )
    draft = generate(services.letter_request(case=case, actor=staff, kind="correction_done"))
    with pytest.raises(InvalidInput, match="Approve the decision"):
        services.letter_approve(letter=draft, actor=manager)
    case_services.case_approve(case=case, actor=manager)
    assert services.letter_approve(letter=draft, actor=manager).approved_at is not None


def test_only_the_latest_version_is_approved_and_mailed(staff: Any, manager: Any) -> None:
    case = approved_case(staff, manager)
    old = generate(services.letter_request(case=case, actor=staff, kind="correction_done"))
    new = generate(services.letter_request(case=case, actor=staff, kind="correction_done"))
    with pytest.raises(InvalidInput, match="newer version"):
        services.letter_approve(letter=old, actor=manager)
    services.letter_approve(letter=new, actor=manager)
    with pytest.raises(InvalidInput, match="newer version"):
        mail(old, staff)


def test_mailing_input_is_checked_and_nothing_saved_on_bad_input(staff: Any, manager: Any) -> None:
    case = approved_case(staff, manager)
    letter = generate(services.letter_request(case=case, actor=staff, kind="correction_done"))
    letter = services.letter_approve(letter=letter, actor=manager)
    for bad in (
        {"tracking_number": ""},
        {"method": "ordinary"},  # with a tracking number
        {"method": "carrier pigeon"},
        {"sent_on": timezone.localdate() + timedelta(days=1)},
        {"sent_on": timezone.localdate() - timedelta(days=30)},  # before the letter's date
    ):
        with pytest.raises(InvalidInput):
            mail(letter, staff, **bad)
    letter.refresh_from_db()
    assert letter.sent_on is None and letter.mail_method == ""
    assert Case.objects.get(pk=case.pk).state == CaseState.APPROVED


def test_mailing_the_last_reply_letter_is_reply_sent(staff: Any, manager: Any) -> None:
    case = approved_case(staff, manager, kinds=("disclosure", "correction"))
    disclosure = generate(services.letter_request(case=case, actor=staff, kind="disclosure"))
    correction = generate(
        services.letter_request(case=case, actor=staff, kind="correction_done", language="en")
    )
    for letter in (disclosure, correction):
        services.letter_approve(letter=letter, actor=manager)
    with pytest.raises(TransitionBlocked) as blocked:
        case_services.case_record_reply_sent(case=case, actor=staff)
    assert blocked.value.details == [
        "The letter “Disclosure” has not been recorded as mailed.",
        "The letter “Correction, addition or deletion completed” has not been recorded as mailed.",
    ]
    yesterday = timezone.localdate() - timedelta(days=1)
    Letter.objects.filter(pk=disclosure.pk).update(letter_date=yesterday)
    disclosure.refresh_from_db()
    mail(disclosure, staff, sent_on=yesterday)
    assert Case.objects.get(pk=case.pk).state == CaseState.APPROVED
    mail(correction, staff, method="restricted_delivery", tracking_number="9876-5432-1098")
    case.refresh_from_db()
    assert case.state == CaseState.REPLY_SENT
    assert case.reply_sent_on == timezone.localdate()  # the day the last letter went out
    reply = AuditEvent.objects.get(case=case, action="case.reply.sent")
    mailed = AuditEvent.objects.filter(case=case, action="case.letter.mailed").last()
    assert mailed is not None and mailed.seq < reply.seq
    assert mailed.payload["tracking_number"] == "9876-5432-1098"


def test_a_returned_letter_must_go_out_again(staff: Any, manager: Any) -> None:
    case = approved_case(staff, manager, kinds=("disclosure", "correction"))
    letters = {
        kind: services.letter_approve(
            letter=generate(services.letter_request(case=case, actor=staff, kind=kind)),
            actor=manager,
        )
        for kind in ("disclosure", "correction_done")
    }
    mail(letters["disclosure"], staff)
    with pytest.raises(InvalidInput):
        services.letter_record_returned(
            letter=letters["correction_done"], actor=staff, returned_on=timezone.localdate()
        )
    services.letter_record_returned(
        letter=letters["disclosure"],
        actor=staff,
        returned_on=timezone.localdate(),
        note="あて所に尋ねあたりません",
    )
    mail(letters["correction_done"], staff)
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED  # the disclosure did not reach the person
    from requests_app.letters.rules import reply_letter_blockers

    assert reply_letter_blockers(case) == [
        "The letter “Disclosure” came back undeliverable; send it again."
    ]
    again = generate(services.letter_request(case=case, actor=staff, kind="disclosure"))
    services.letter_approve(letter=again, actor=manager)
    mail(again, staff)
    case.refresh_from_db()
    assert case.state == CaseState.REPLY_SENT
    returned = AuditEvent.objects.get(case=case, action="case.letter.returned")
    assert returned.reason == "あて所に尋ねあたりません"


def test_refusal_letter_gives_ground_and_reasons(staff: Any, manager: Any) -> None:
    case = make_case(actor=staff, manager=manager, kinds=("disclosure",), state=CaseState.REFUSED)
    letter = generate(services.letter_request(case=case, actor=staff, kind="refusal"))
    text = "".join(pdftotext(stored_bytes(letter)).split())
    assert "業務の適正な実施に著しい支障を及ぼすおそれ" in text  # the ground
    assert "業務の適正な実施に著しい支障を及ぼすおそれがあるため。" in text  # the reasons
    assert "第36条" in text


def test_rows_are_removed_from_the_case_page_and_a_stale_row_is_a_404(
    staff: Any, manager: Any
) -> None:
    from django.urls import reverse

    from requests_app.letters.services import RecordRow
    from tests.conftest import client_for

    case = make_case(
        actor=staff, manager=manager, kinds=("disclosure", "correction"), state="in_progress"
    )
    disclosure, correction = case.items.order_by("id")
    services.item_add_disclosed_records(
        item=disclosure, actor=staff, rows=[RecordRow("連絡先", "電話番号", "052-1", "顧客台帳")]
    )
    record = disclosure.disclosed_records.get()
    change = services.item_add_change(
        item=correction, actor=staff, subject="住所", before="旧住所", after="新住所"
    )
    client = client_for(staff)
    for name, item, row in (
        ("item_record_remove", disclosure, record),
        ("item_change_remove", correction, change),
    ):
        url = reverse(f"requests_app:{name}", args=[case.reference, item.pk, row.pk])
        response = client.post(url)
        assert response.status_code == 302
        assert response["Location"].endswith(f"#item-records-{item.pk}")
        assert client.post(url).status_code == 404  # already gone
    assert not disclosure.disclosed_records.exists() and not correction.changes.exists()
    assert (
        AuditEvent.objects.filter(
            case=case, action__in=["case.item.record_removed", "case.item.change_removed"]
        ).count()
        == 2
    )
    assert (
        client_for(manager, language="en")
        .get(reverse("requests_app:case_detail", args=[case.reference]))
        .status_code
        == 200
    )

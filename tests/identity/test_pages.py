"""The identity section of the case page and its forms, as people use them over HTTP."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.views.debug import ExceptionReporter

from identity import scans
from identity.models import DocumentScan, ReceivedDocument
from requests_app.audit import AuditEvent
from requests_app.choices import CaseState
from requests_app.models import Case
from tests.conftest import client_for
from tests.factories import make_case
from tests.identity.factories import log_document
from tests.identity.files import executable, hostile_pdf, small_image, small_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(staff: Any) -> Case:
    return make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)


def page_of(case: Case) -> str:
    return reverse("requests_app:case_detail", args=[case.reference])


def licence_post(case: Case, staff: Any, **changes: Any) -> dict[str, Any]:
    """What staff type for a good driver's licence copy."""
    from identity.models import DocumentType

    data: dict[str, Any] = {
        "holder": "requester",
        "document_type": DocumentType.objects.get(code="drivers_licence").pk,
        "received_on": case.arrival_date.isoformat(),
        "name_shown": "髙橋 美咲",
        "name_kana_shown": "",
        "date_of_birth_shown": "1988-04-12",
        "address_shown": "愛知県名古屋市中区平和１－１－１９",
        "issued_on": "2024-05-01",
        "expires_on": "2029-05-12",
        # An IC licence does not print the permanent domicile: nothing to mask.
        "masking_method": "masked_by_staff",
        "masked_by": staff.pk,
        "paper_location": "書庫A-3",
    }
    data.update(changes)
    return data


def post_document(client: Any, case: Case, data: dict[str, Any]) -> Any:
    return client.post(reverse("identity:document_create", args=[case.reference]), data)


def test_the_case_page_shows_each_rule_with_a_tick_or_its_message(staff: Any, case: Case) -> None:
    log_document(case, staff, "passport")
    log_document(case, staff, "pension_book")
    html = client_for(staff).get(page_of(case)).content.decode()
    assert 'data-rule="two_documents" data-passed="true"' in html
    assert 'data-rule="address_matches" data-passed="false"' in html
    assert "Passport cannot prove an address." in html
    assert "Pension book cannot prove an address." in html
    assert 'id="document-form"' in html


def test_staff_log_a_document_with_the_form(staff: Any, case: Case) -> None:
    response = post_document(client_for(staff), case, licence_post(case, staff))
    assert response.status_code == 302
    assert response["Location"].endswith("#identity")
    document = ReceivedDocument.objects.get(case=case)
    assert document.name_shown == "髙橋 美咲"
    assert not document.maskings.exists()  # an IC licence prints no domicile to mask
    html = client_for(staff).get(page_of(case)).content.decode()
    assert 'data-rule="name_matches" data-passed="true"' in html
    assert 'data-rule="address_matches" data-passed="true"' in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"received_on": "2026-02-30"}, "Enter a valid date."),
        ({"expires_on": "2026-02-30"}, "Enter a valid date."),
        (
            {"issued_on": "2024-05-01", "expires_on": "2024-04-30"},
            "The expiry date is before the issue date.",
        ),
        (
            {"holder": "agent"},
            "This case has no agent, so a document of an agent cannot be logged.",
        ),
        ({"holder": "guardian"}, "No parent or guardian is recorded on this case."),
        ({"holder": "neighbour"}, "Select a valid choice."),
        ({"name_shown": "<script>alert(1)</script>"}, "A name may contain only letters"),
        ({"maskings": ["insurer_number"]}, "Not required for this document"),
        ({"paper_location": ""}, "Say where the paper copy is kept"),
    ],
)
def test_bad_input_gets_a_clear_message_and_nothing_is_saved(
    staff: Any, case: Case, changes: dict[str, Any], message: str
) -> None:
    events_before = AuditEvent.objects.exclude(action="case.viewed").count()
    response = post_document(client_for(staff), case, licence_post(case, staff, **changes))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was saved" in html
    assert message in html
    assert "<script>alert(1)</script>" not in html
    assert not ReceivedDocument.objects.exists()
    assert AuditEvent.objects.exclude(action="case.viewed").count() == events_before


def test_bad_input_is_explained_in_japanese(staff: Any, case: Case) -> None:
    response = post_document(
        client_for(staff, "ja"),
        case,
        licence_post(case, staff, holder="agent", expires_on="2026-02-30"),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "日付を正しく入力してください。" in html
    assert "保存されていません" in html


def test_a_document_for_a_person_not_on_the_case_is_refused(staff: Any, case: Case) -> None:
    response = post_document(client_for(staff), case, licence_post(case, staff, holder="agent"))
    assert response.status_code == 400
    assert "This case has no agent" in response.content.decode()
    assert not ReceivedDocument.objects.exists()


# --- scans ------------------------------------------------------------------------------------


def upload(name: str, content: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_a_real_small_pdf_is_stored_encrypted_and_shown_to_staff(staff: Any, case: Case) -> None:
    pdf = small_pdf()
    response = post_document(
        client_for(staff),
        case,
        licence_post(case, staff, scan=upload("免許証.pdf", pdf, "application/pdf")),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    clean = scans.check(pdf).content  # what is stored: the pages, written afresh
    document = ReceivedDocument.objects.get()
    stored = DocumentScan.objects.get(document=document)
    assert document.scan_content_type == "application/pdf" and document.scan_size == len(clean)
    assert b"%PDF" not in bytes(stored.ciphertext)  # encrypted at rest
    assert pdf not in bytes(stored.ciphertext)
    url = reverse("identity:document_scan", args=[case.reference, document.pk])
    assert url in client_for(staff).get(page_of(case)).content.decode()
    shown = client_for(staff).get(url)
    assert shown.status_code == 200
    assert shown.content == clean
    assert shown["Content-Type"] == "application/pdf"
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert shown["Content-Disposition"] == (
        f'inline; filename="identity-document-{document.pk}.pdf"'
    )  # the uploaded name is not kept
    assert "no-store" in shown["Cache-Control"]
    viewed = AuditEvent.objects.get(case=case, action="case.identity.scan_viewed")
    assert viewed.actor == staff

    download = reverse("identity:document_scan_download", args=[case.reference, document.pk])
    assert download in client_for(staff).get(page_of(case)).content.decode()
    saved = client_for(staff).get(download)
    assert saved.status_code == 200 and saved.content == clean
    assert saved["Content-Disposition"] == (
        f'attachment; filename="identity-document-{document.pk}.pdf"'
    )
    assert saved["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in saved["Cache-Control"]
    assert AuditEvent.objects.get(case=case, action="case.identity.scan_downloaded").actor == staff


def test_a_pdf_with_a_script_is_stored_without_it_and_staff_are_told(
    staff: Any, case: Case
) -> None:
    hostile = hostile_pdf("open_action")
    client = client_for(staff)
    response = post_document(
        client,
        case,
        licence_post(case, staff, scan=upload("scan.pdf", hostile, "application/pdf")),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response["Location"]).content.decode()
    assert "The PDF carried active content, which was removed: only its pages were stored." in page
    assert "Removed: JavaScript, an action run on opening (/OpenAction)." in page
    document = ReceivedDocument.objects.get()
    served = client_for(staff).get(
        reverse("identity:document_scan", args=[case.reference, document.pk])
    )
    assert b"/JavaScript" not in served.content and b"hostile" not in served.content
    received = AuditEvent.objects.get(case=case, action="case.identity.document_received")
    assert received.payload["active_content_removed"] == ["javascript", "open_action"]


@pytest.mark.parametrize(("kind", "mime"), [("PNG", "image/png"), ("JPEG", "image/jpeg")])
def test_an_image_scan_is_served_as_what_it_is_and_never_sniffed(
    staff: Any, case: Case, kind: str, mime: str
) -> None:
    from identity.scans import Scan

    image = scans.check(small_image(kind) + b"<html><script>alert(1)</script></html>")
    assert image.content_type == mime
    document = log_document(case, staff, "drivers_licence", scan=Scan(image.content, mime))
    served = client_for(staff).get(
        reverse("identity:document_scan", args=[case.reference, document.pk])
    )
    assert served["Content-Type"] == mime
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"].startswith("inline;")
    assert b"<script>" not in served.content


@pytest.mark.parametrize(("kind", "mime"), [("PNG", "image/png"), ("JPEG", "image/jpeg")])
def test_real_small_images_are_accepted(staff: Any, case: Case, kind: str, mime: str) -> None:
    image = small_image(kind)
    response = post_document(
        client_for(staff),
        case,
        licence_post(case, staff, scan=upload("scan.bin", image, "application/octet-stream")),
    )
    assert response.status_code == 302
    assert ReceivedDocument.objects.get().scan_content_type == mime


def test_a_renamed_executable_is_refused(staff: Any, case: Case) -> None:
    response = post_document(
        client_for(staff),
        case,
        licence_post(case, staff, scan=upload("licence.pdf", executable(), "application/pdf")),
    )
    assert response.status_code == 400
    assert "Only a PDF, JPEG or PNG scan can be stored" in response.content.decode()
    assert not ReceivedDocument.objects.exists()
    assert not DocumentScan.objects.exists()


def test_a_file_that_only_starts_like_a_pdf_is_refused(staff: Any, case: Case) -> None:
    fake = b"%PDF-1.7\n" + b"\x00" * 2000
    response = post_document(
        client_for(staff),
        case,
        licence_post(case, staff, scan=upload("scan.pdf", fake, "application/pdf")),
    )
    assert response.status_code == 400
    assert "The PDF is damaged or incomplete" in response.content.decode()
    assert not ReceivedDocument.objects.exists()


@override_settings(IDENTITY_SCAN_MAX_BYTES=64 * 1024)
def test_an_oversize_file_is_refused(staff: Any, case: Case) -> None:
    big = small_pdf() + b"\n%" + b"x" * (64 * 1024)
    response = post_document(
        client_for(staff),
        case,
        licence_post(case, staff, scan=upload("scan.pdf", big, "application/pdf")),
    )
    assert response.status_code == 400
    assert "larger than" in response.content.decode()
    assert not ReceivedDocument.objects.exists()


def test_auditors_read_the_case_page_but_never_see_a_scan(
    staff: Any, auditor: Any, case: Case
) -> None:
    from identity.scans import Scan

    document = log_document(
        case, staff, "drivers_licence", scan=Scan(small_pdf(), "application/pdf")
    )
    url = reverse("identity:document_scan", args=[case.reference, document.pk])
    page = client_for(auditor).get(page_of(case))
    assert page.status_code == 200
    html = page.content.decode()
    assert url not in html
    assert "not shown to your role" in html
    assert 'id="document-form"' not in html
    assert client_for(auditor).get(url).status_code == 403
    assert not AuditEvent.objects.filter(action="case.identity.scan_viewed").exists()


# --- every view, every persona ------------------------------------------------------------

READERS = {"staff", "manager", "auditor", "administrator"}
WORKERS = {"staff", "manager"}


def identity_pages(case: Case, staff: Any) -> list[tuple[str, str, set[str], dict[str, Any]]]:
    from identity.scans import Scan

    document = log_document(
        case, staff, "eligibility_certificate", maskings=[]
    )  # leaves a masking open
    scanned = log_document(case, staff, "passport", scan=Scan(small_image("PNG"), "image/png"))
    ref = case.reference
    return [
        ("get", reverse("identity:shredding"), READERS, {}),
        ("get", reverse("identity:document_scan", args=[ref, scanned.pk]), WORKERS, {}),
        (
            "post",
            reverse("identity:masking_confirm", args=[ref, document.pk]),
            WORKERS,
            {
                f"masking{document.pk}-masking": "insurer_number",
                f"masking{document.pk}-method": "masked_by_staff",
                f"masking{document.pk}-confirmed_by": staff.pk,
            },
        ),
        ("post", reverse("identity:document_create", args=[ref]), WORKERS, {}),
        ("post", reverse("identity:guardian", args=[ref]), WORKERS, {}),
        (
            "post",
            reverse("identity:document_withdraw", args=[ref, document.pk]),
            WORKERS,
            {f"withdraw{document.pk}-reason": ""},
        ),
        ("post", reverse("identity:document_destroy", args=[ref, document.pk]), WORKERS, {}),
        ("post", reverse("identity:shredding_confirm", args=[document.pk]), WORKERS, {}),
    ]


@pytest.mark.parametrize("who", ["staff", "manager", "auditor", "administrator", "outsider"])
def test_every_identity_page_refuses_every_role_that_may_not_use_it(
    who: str, personas: dict[str, Any], case: Case
) -> None:
    for method, url, allowed, data in identity_pages(case, personas["staff"]):
        response = getattr(client_for(personas[who]), method)(url, data)
        if who in allowed:
            assert response.status_code in (200, 302, 400), (who, url, response.status_code)
        else:
            assert response.status_code == 403, (who, url, response.status_code)
    anonymous = client_for(None).get(reverse("identity:shredding"))
    assert anonymous.status_code == 302


def test_unknown_documents_are_404(staff: Any, case: Case) -> None:
    other = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    document = log_document(other, staff, "passport")
    url = reverse("identity:document_scan", args=[case.reference, document.pk])
    assert client_for(staff).get(url).status_code == 404


# --- masking, withdrawal and the guardian through the page ----------------------------------


def test_staff_confirm_a_masking_on_the_page(staff: Any, manager: Any, case: Case) -> None:
    document = log_document(case, staff, "eligibility_certificate", maskings=[])
    html = client_for(staff).get(page_of(case)).content.decode()
    assert "not yet confirmed" in html
    response = client_for(staff).post(
        reverse("identity:masking_confirm", args=[case.reference, document.pk]),
        {
            f"masking{document.pk}-masking": "insurer_number",
            f"masking{document.pk}-method": "arrived_masked",
            f"masking{document.pk}-confirmed_by": manager.pk,
        },
    )
    assert response.status_code == 302
    confirmation = document.maskings.get()
    assert confirmation.confirmed_by == manager and confirmation.recorded_by == staff
    assert "confirmed by 佐藤 健一" in client_for(staff).get(page_of(case)).content.decode()


def test_a_withdrawal_needs_a_reason_and_shows_on_the_page(staff: Any, case: Case) -> None:
    document = log_document(case, staff, "passport")
    url = reverse("identity:document_withdraw", args=[case.reference, document.pk])
    refused = client_for(staff).post(url, {f"withdraw{document.pk}-reason": "   "})
    assert refused.status_code == 400
    assert not ReceivedDocument.objects.get().is_withdrawn
    done = client_for(staff).post(url, {f"withdraw{document.pk}-reason": "別人の書類"})
    assert done.status_code == 302
    html = client_for(staff).get(page_of(case)).content.decode()
    assert "Withdrawn by" in html and "別人の書類" in html


def test_a_verified_case_warns_when_a_withdrawal_breaks_the_rules(staff: Any) -> None:
    case = make_case(actor=staff, kinds=("correction",), state=CaseState.IN_PROGRESS)
    document = case.identity_documents.first()
    assert document is not None
    client_for(staff).post(
        reverse("identity:document_withdraw", args=[case.reference, document.pk]),
        {f"withdraw{document.pk}-reason": "別の案件の書類"},
    )
    html = client_for(staff).get(page_of(case)).content.decode()
    assert 'data-testid="identity-result-changed"' in html
    timeline = html[html.index('id="timeline"') :]
    assert "Identity check result changed" in timeline


def test_the_guardian_form_appears_for_a_minor_and_records_consent(staff: Any) -> None:
    from tests.identity.test_services import minor

    case = minor(staff)
    html = client_for(staff).get(page_of(case)).content.decode()
    assert 'data-testid="identity-minor"' in html
    assert 'data-rule="guardian_consent" data-passed="false"' in html
    url = reverse("identity:guardian", args=[case.reference])
    data = {
        "relationship": "parent",
        "name": "高橋 恵子",
        "name_kana": "たかはし けいこ",
        "date_of_birth": "1979-02-03",
        "postal_code": "4600021",
        "address": "愛知県名古屋市中区平和1丁目1番19号",
        "consent_received_on": (timezone.localdate() + timedelta(days=1)).isoformat(),
    }
    refused = client_for(staff).post(url, data)
    assert refused.status_code == 400
    assert "The date received cannot be in the future." in refused.content.decode()
    data["consent_received_on"] = case.arrival_date.isoformat()
    assert client_for(staff).post(url, data).status_code == 302
    guardian = case.identity_guardian if hasattr(case, "identity_guardian") else None
    assert guardian is not None and guardian.name_kana == "タカハシ ケイコ"
    html = client_for(staff).get(page_of(case)).content.decode()
    assert 'data-rule="guardian_consent" data-passed="true"' in html


def test_no_guardian_form_for_an_adult(staff: Any, case: Case) -> None:
    html = client_for(staff).get(page_of(case)).content.decode()
    assert 'data-testid="identity-minor"' not in html
    assert reverse("identity:guardian", args=[case.reference]) not in html


def test_the_japanese_page_speaks_japanese(staff: Any, case: Case) -> None:
    log_document(case, staff, "passport")
    html = client_for(staff, "ja").get(page_of(case)).content.decode()
    assert "封筒の書類を登録する" in html
    assert "パスポート" in html
    assert "Requester:" not in html


# --- what never leaks ----------------------------------------------------------------------


def test_nothing_typed_off_a_document_reaches_an_error_report_or_the_log(
    staff: Any, case: Case, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from identity import services

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "document_record", broken)
    client = client_for(staff)
    client.raise_request_exception = False
    data = licence_post(case, staff, name_shown="高橋 美咲", address_shown="平和1-1-19 秘密荘")
    with caplog.at_level(logging.DEBUG):
        response = post_document(client, case, data)
    assert response.status_code == 500
    assert "秘密荘" not in response.content.decode()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "秘密荘" not in logged
    request = response.wsgi_request
    report = ExceptionReporter(request, RuntimeError, RuntimeError("x"), None).get_traceback_text()
    assert "秘密荘" not in report
    assert "高橋 美咲" not in report


def test_the_case_page_stays_at_a_fixed_number_of_queries(staff: Any, manager: Any) -> None:
    few = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    log_document(few, staff, "passport")
    many = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    for code in ("passport", "drivers_licence", "eligibility_certificate", "pension_book"):
        log_document(many, staff, code)
    log_document(many, staff, "residence_certificate", maskings=[])
    client = client_for(staff)
    counts = []
    for case in (few, many):
        client.get(page_of(case))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page_of(case)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_gate_runs_a_fixed_number_of_queries_for_any_number_of_documents(staff: Any) -> None:
    from identity.gate import evaluate_case

    few = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    log_document(few, staff, "passport")
    many = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    for code in ("passport", "drivers_licence", "eligibility_certificate", "residence_card"):
        log_document(many, staff, code)
    counts = []
    for case in (few, many):
        fresh = Case.objects.select_related("requester").get(pk=case.pk)
        with CaptureQueriesContext(connection) as queries:
            evaluate_case(fresh)
        counts.append(len(queries))
    assert counts == [3, 3]

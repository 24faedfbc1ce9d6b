"""The export pages, the dossier and masking, tried by every persona."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from requests_app import services
from requests_app.audit import AuditEvent
from requests_app.exports.dossier import BASE_URL, StaticFilesFetcher, static_file_for
from requests_app.exports.models import Export, ExportStatus
from requests_app.models import Case
from tests.conftest import client_for
from tests.factories import RequesterDataFactory, make_case
from tests.requests_app.exports.conftest import build

pytestmark = pytest.mark.django_db

EXPORTERS = {"manager", "auditor"}
ALL = ("staff", "manager", "auditor", "administrator", "outsider")


@pytest.fixture
def case(staff: Any) -> Case:
    return make_case(actor=staff, state="in_progress", kinds=("disclosure",))


def post_export(client: Any, **data: str) -> Any:
    return client.post(reverse("requests_app:export_list"), data)


@pytest.mark.parametrize("who", ALL)
def test_only_auditors_and_managers_may_export(
    who: str, personas: dict[str, Any], case: Case
) -> None:
    user = personas[who]
    client = client_for(user)
    expected = 200 if who in EXPORTERS else 403
    assert client.get(reverse("requests_app:export_list")).status_code == expected
    response = post_export(client, arrival_from="2020-01-01")
    assert response.status_code == (302 if who in EXPORTERS else 403)
    assert Export.objects.filter(requested_by=user).exists() == (who in EXPORTERS)
    dossier = client.get(reverse("requests_app:case_dossier", args=[case.reference]))
    assert dossier.status_code == expected
    page = client.get(reverse("requests_app:case_list"))
    if page.status_code == 200:
        assert (b'data-testid="export-these"' in page.content) == (who in EXPORTERS)


def test_staff_cannot_reach_an_export_by_its_address(staff: Any, manager: Any, case: Case) -> None:
    export = build(manager)
    client = client_for(staff)
    for name in ("export_detail", "export_status", "export_download"):
        assert client.get(reverse(f"requests_app:{name}", args=[export.pk])).status_code == 403


def test_auditors_can_export_but_change_nothing(auditor: Any, case: Case) -> None:
    client = client_for(auditor)
    response = post_export(client, arrival_from="2020-01-01")
    assert response.status_code == 302
    export = Export.objects.get(requested_by=auditor)
    assert response["Location"] == reverse("requests_app:export_detail", args=[export.pk])
    assert export.masked is True
    # Still read-only everywhere else.
    note = client.post(reverse("requests_app:note_create", args=[case.reference]), {"body": "x"})
    assert note.status_code == 403
    transition = client.post(
        reverse("requests_app:case_transition", args=[case.reference, "request_completion"]),
        {"expected_state": "in_progress", "reason": "x"},
    )
    assert transition.status_code == 403
    case.refresh_from_db()
    assert case.state == "in_progress" and not case.notes.exists()


def test_bad_period_is_refused_with_the_field_named_and_nothing_saved(manager: Any) -> None:
    client = client_for(manager)
    response = post_export(client, arrival_from="2026-05-01", arrival_to="2026-04-01")
    assert response.status_code == 400
    assert b"The period must not end before it starts." in response.content
    assert b'id="id_arrival_to-error"' in response.content
    future = (timezone.localdate().replace(year=timezone.localdate().year + 1)).isoformat()
    response = post_export(client, arrival_to=future)
    assert b"The period cannot end in the future." in response.content
    response = post_export(client, arrival_from="not a date")
    assert response.status_code == 400 and b'id="id_arrival_from-error"' in response.content
    assert not Export.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="export.").exists()


def test_japanese_error_message(manager: Any) -> None:
    response = post_export(
        client_for(manager, "ja"), arrival_from="2026-05-01", arrival_to="2026-04-01"
    )
    assert "期間の終わりが始まりより前になっています。" in response.content.decode()


def test_the_export_page_is_prefilled_from_the_case_list(manager: Any) -> None:
    page = client_for(manager).get(
        reverse("requests_app:export_list") + "?state=open&kind=complaint&q=%E9%88%B4%E6%9C%A8"
    )
    form = page.context["form"]
    assert (form["state"].value(), form["kind"].value(), form["q"].value()) == (
        "open",
        "complaint",
        "鈴木",
    )
    assert form["arrival_to"].value() == timezone.localdate()


def test_progress_status_and_download(manager: Any, case: Case) -> None:
    client = client_for(manager)
    post_export(client, arrival_from="2020-01-01")
    export = Export.objects.get()
    status_url = reverse("requests_app:export_status", args=[export.pk])
    queued = client.get(status_url).json()
    assert queued["status"] == "queued" and "download_url" not in queued
    page = client.get(reverse("requests_app:export_detail", args=[export.pk]))
    assert b'id="export-bar"' in page.content and b"export-progress.js" in page.content
    assert client.get(reverse("requests_app:export_download", args=[export.pk])).status_code == 404

    Export.objects.filter(pk=export.pk).update(
        status=ExportStatus.RUNNING, progress_done=30, progress_total=120
    )
    assert client.get(status_url).json()["percent"] == 25

    Export.objects.filter(pk=export.pk).update(status=ExportStatus.QUEUED)
    services_build(export.pk)
    done = client.get(status_url).json()
    assert done["status"] == "done" and done["percent"] == 100
    assert done["cases"] == 1
    download = client.get(done["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content)[:2] == b"PK"
    logged = AuditEvent.objects.get(action="export.downloaded")
    assert logged.actor == manager and logged.payload["export_id"] == export.pk
    listing = client.get(reverse("requests_app:export_list"))
    assert done["download_url"].encode() in listing.content


def services_build(export_id: int) -> None:
    from requests_app.exports import services as export_services

    export_services.export_build(export_id=export_id)


def test_someone_elses_export_is_not_found(manager: Any, auditor: Any, case: Case) -> None:
    export = build(manager)
    client = client_for(auditor)
    for name in ("export_detail", "export_status", "export_download"):
        assert client.get(reverse(f"requests_app:{name}", args=[export.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="export.downloaded").exists()


def test_case_page_masks_contact_details_for_auditors_only(
    staff: Any, manager: Any, auditor: Any
) -> None:
    case = make_case(
        actor=staff,
        state="in_progress",
        requester=RequesterDataFactory(phone="052-322-3355", email="misaki@example.jp"),
    )
    services.case_update_details(
        case=case,
        actor=staff,
        requester=RequesterDataFactory(phone="090-1111-2222", email="misaki@example.jp"),
        case_data=services.CaseData(
            arrival_date=case.arrival_date,
            postmark_date=case.postmark_date,
            mail_type=case.mail_type,
            registered_mail_number=case.registered_mail_number,
            disclosure_method=case.disclosure_method,
        ),
    )
    url = reverse("requests_app:case_detail", args=[case.reference])
    seen_by_auditor = client_for(auditor).get(url).content.decode()
    assert "090-1111-2222" not in seen_by_auditor and "052-322-3355" not in seen_by_auditor
    assert "09*-****-**22" in seen_by_auditor and "05*-***-**55" in seen_by_auditor
    assert "m***@example.jp" in seen_by_auditor and "misaki@example.jp" not in seen_by_auditor
    assert 'data-testid="dossier"' in seen_by_auditor
    for worker in (staff, manager):
        page = client_for(worker).get(url).content.decode()
        assert "090-1111-2222" in page and "misaki@example.jp" in page


def pdf_text(content: bytes) -> str:
    """The PDF's text with every run of white space (line breaks in cells) as one space."""
    pages = PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def test_dossier_pdf_has_the_story_and_masks_for_auditors(
    staff: Any, manager: Any, auditor: Any
) -> None:
    case = make_case(actor=staff, manager=manager, state="closed", kinds=("disclosure",))
    url = reverse("requests_app:case_dossier", args=[case.reference])
    response = client_for(auditor).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert case.reference in text
    assert "Case dossier" in text and "高橋 美咲" in text
    assert "Disclosure (Art. 33)" in text and "Disclosed in full" in text  # its kind's words
    assert "two identity documents of different types" in text
    assert "Reply mailed" in text and "Decision approved" in text
    letter = case.letters.get()
    assert letter.number in text and letter.sha256[:12] in text
    assert "052-322-3355" not in text and "05*-***-**55" in text
    events = AuditEvent.objects.filter(case=case).exclude(action="case.dossier.exported")
    for event in events:
        assert f"{event.hash[:12]}" in text.replace(" ", "")
    logged = AuditEvent.objects.get(action="case.dossier.exported")
    assert logged.actor == auditor and logged.case == case
    assert logged.payload["masked"] is True and len(logged.payload["sha256"]) == 64

    managers_copy = pdf_text(client_for(manager).get(url).content)
    assert "052-322-3355" in managers_copy


def test_dossier_in_japanese_uses_the_ipaex_fonts(staff: Any, manager: Any) -> None:
    case = make_case(actor=staff, state="in_progress")
    content = (
        client_for(manager, "ja")
        .get(reverse("requests_app:case_dossier", args=[case.reference]))
        .content
    )
    reader = PdfReader(io.BytesIO(content))
    text = pdf_text(content)
    assert "案件記録" in text and case.reference in text
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("IPAexMincho" in name for name in fonts)
    assert any("IPAexGothic" in name for name in fonts)


def test_the_dossier_renderer_fetches_only_the_apps_static_files() -> None:
    assert static_file_for(f"{BASE_URL}static/css/dossier.css") is not None
    for refused in (
        "https://example.com/tracker.png",
        "file:///etc/passwd",
        f"{BASE_URL}static/../config/settings.py",
        f"{BASE_URL}media/exports/1/x.zip",
        f"{BASE_URL}static/css/missing.css",
    ):
        assert static_file_for(refused) is None, refused
        with pytest.raises(ValueError, match="only the app's own static files"):
            StaticFilesFetcher().fetch(refused)
    fetched = StaticFilesFetcher().fetch(f"{BASE_URL}static/css/dossier.css")
    assert b"IPAexMincho" in fetched.read() and fetched.content_type == "text/css"


def test_status_json_for_a_failed_export(manager: Any) -> None:
    export = Export.objects.create(
        requested_by=manager, status=ExportStatus.FAILED, filters={}, error="boom"
    )
    data = client_for(manager).get(reverse("requests_app:export_status", args=[export.pk])).json()
    assert data["status"] == "failed" and data["label"] == "Failed"
    assert "boom" not in json.dumps(data)  # internal errors stay in the log and the row

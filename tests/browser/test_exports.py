"""In a real browser: an auditor starts an export, watches its progress, downloads the bundle,
and `verify_export` passes on the file the browser saved."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from requests_app.exports import services
from requests_app.exports.models import Export, ExportStatus
from tests.browser.test_case_flow import sign_in
from tests.factories import make_case

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The queue: the test plays the Celery worker, so it can show the page mid-way."""
    ids: list[int] = []
    monkeypatch.setattr(services, "enqueue_build", ids.append)
    return ids


def test_auditor_exports_watches_progress_downloads_and_verifies(
    page: Page,
    live_server: Any,
    staff: Any,
    manager: Any,
    auditor: Any,
    queued: list[int],
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    for state in ("closed", "in_progress", "awaiting_identity"):
        make_case(actor=staff, manager=manager, state=state)
    base = live_server.url
    sign_in(page, base, "ichiro")
    page.click("text=English")
    page.click("nav >> text=Exports")
    expect(page.locator("h1")).to_have_text("Export case histories")
    page.select_option("#id_state", "open")
    page.click("[data-testid=start-export]")

    status = page.locator("[data-testid=export-status]")
    expect(status).to_have_text("Waiting to start")
    assert len(queued) == 1
    export_id = queued[0]
    assert Export.objects.get(pk=export_id).masked is True

    # The worker picks it up and reports progress; the page follows without a reload.
    Export.objects.filter(pk=export_id).update(
        status=ExportStatus.RUNNING, progress_done=2, progress_total=5
    )
    expect(status).to_have_text("Being built")
    expect(page.locator("#export-percent")).to_have_text("40")
    expect(page.locator("#export-bar")).to_have_attribute("value", "40")
    expect(page.locator("[data-testid=download]")).to_be_hidden()

    Export.objects.filter(pk=export_id).update(status=ExportStatus.QUEUED)
    services.export_build(export_id=export_id)
    expect(status).to_have_text("Ready to download")
    expect(page.locator("#export-percent")).to_have_text("100")
    download_link = page.locator("[data-testid=download]")
    expect(download_link).to_be_visible()
    export = Export.objects.get(pk=export_id)
    expect(page.locator("#export-manifest-hash")).to_have_text(export.manifest_sha256)

    with page.expect_download() as info:
        download_link.click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.name.endswith(".zip")

    out = StringIO()
    call_command("verify_export", str(saved), "--against-trail", stdout=out)
    assert "The bundle is intact: 2 cases" in out.getvalue()
    assert export.manifest_sha256 in out.getvalue()


def test_manager_downloads_a_dossier_from_the_case_page(
    page: Page, live_server: Any, staff: Any, manager: Any
) -> None:
    case = make_case(actor=staff, manager=manager, state="closed")
    sign_in(page, live_server.url, "kenichi")
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    with page.expect_download() as info:
        page.click("[data-testid=dossier]")
    assert info.value.suggested_filename == f"dossier-{case.reference}.pdf"
    path = info.value.path()
    assert path is not None and Path(path).read_bytes().startswith(b"%PDF")

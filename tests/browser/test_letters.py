"""In a real browser: staff generate a letter, preview it inline and download it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from requests_app.choices import CaseState
from requests_app.models import Letter
from tests.browser.test_case_flow import sign_in
from tests.factories import make_case
from tests.requests_app.letters.conftest import pdftotext

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def eager_celery() -> Any:
    """The live server runs the generation task itself, as a worker would."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = before


def test_staff_generate_preview_and_download_a_letter(
    page: Page, live_server: Any, staff: Any, eager_celery: Any, tmp_path: Path
) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    base = live_server.url
    sign_in(page, base, "hanako")
    page.click("text=English")
    page.goto(f"{base}/cases/{case.reference}/")

    page.select_option("#id_kind", "deficiency")
    page.select_option("#id_language", "ja")
    page.click("#letter-request button[type=submit]")
    expect(page.locator(".message.success")).to_contain_text("is being generated")
    row = page.locator("table.letters tr[data-status=ready]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Request for missing documents, fee or completion")
    letter = Letter.objects.get(case=case)

    # The preview: the PDF inline, in a frame of the letter's page.
    row.locator("text=Preview").click()
    expect(page.locator("h1")).to_contain_text(letter.number)
    frame = page.locator("iframe.letter-preview")
    expect(frame).to_be_visible()
    with page.expect_response(lambda response: "/preview/" in response.url) as preview:
        page.reload()
    response = preview.value
    assert response.status == 200
    # Chromium hands the frame's response to its PDF viewer, which may leave Playwright
    # without its headers; the same URL fetched again shows what the server sends.
    direct = page.request.get(response.url)
    assert direct.ok and direct.body().startswith(b"%PDF-")
    assert direct.headers["content-type"] == "application/pdf"
    assert direct.headers["x-frame-options"] == "SAMEORIGIN"
    assert "no-store" in direct.headers["cache-control"]
    assert page.frame_locator("iframe.letter-preview").locator("body").count() == 1

    # The download: the same letter as a file.
    with page.expect_download() as download_info:
        page.click("[data-testid=download]")
    download = download_info.value
    assert download.suggested_filename == f"{letter.number}.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    text = pdftotext(saved.read_bytes())
    assert case.reference in text and "高橋 美咲 様" in text
    assert "ご提出書類等のお願い" in text

    # The timeline on the case page tells the story.
    page.goto(f"{base}/cases/{case.reference}/")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("Letter asked for")
    expect(timeline).to_contain_text("Letter generated")
    expect(timeline.locator(f"text={letter.number}").first).to_be_visible()

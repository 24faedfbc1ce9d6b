"""In a real browser: staff log the two documents from an envelope and watch the gate open."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from requests_app.choices import CaseState
from tests.browser.documents import log_document
from tests.browser.test_case_flow import sign_in
from tests.factories import make_case
from tests.identity.files import hostile_pdf

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def rule(page: Page, code: str) -> Any:
    return page.locator(f"li.rule[data-rule={code}]")


def test_staff_add_two_documents_and_watch_the_gate_open(
    page: Page, live_server: Any, staff: Any
) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    sign_in(page, live_server.url, "hanako")
    page.click("text=English")
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    verify = page.locator("button[data-action=verify_identity]")
    expect(verify).to_be_disabled()
    expect(rule(page, "two_documents")).to_have_attribute("data-passed", "false")
    expect(rule(page, "two_documents")).to_contain_text("none has arrived yet")

    # The form shows what the chosen type needs: a passport has no address to type; an
    # eligibility certificate needs its numbers and its QR code masked; an IC driver's
    # licence prints no permanent domicile, so nothing to mask.
    form = page.locator("#document-form")
    expect(form).to_be_visible()
    form.locator("#id_document_type").select_option(label="Passport")
    expect(form.locator("#id_address_shown")).to_be_hidden()
    expect(form.locator("input[name=maskings][value=domicile]")).to_be_hidden()
    form.locator("#id_document_type").select_option(label="Eligibility certificate")
    expect(form.locator("input[name=maskings][value=insurer_number]")).to_be_visible()
    expect(form.locator("input[name=maskings][value=qr_code]")).to_be_visible()
    form.locator("#id_document_type").select_option(label="Driver's licence")
    expect(form.locator("#id_address_shown")).to_be_visible()
    expect(form.locator("input[name=maskings][value=domicile]")).to_be_hidden()
    expect(form.locator("input[name=maskings][value=insurer_number]")).to_be_hidden()

    # A licence with 髙 where the form says 高, the address in full-width digits.
    log_document(
        page,
        type_label="Driver's licence",
        name="髙橋 美咲",
        born="1988-04-12",
        expires="2030-05-12",
        address="愛知県名古屋市中区平和１－１－１９",
    )
    expect(rule(page, "name_matches")).to_have_attribute("data-passed", "true")
    expect(rule(page, "address_matches")).to_have_attribute("data-passed", "true")
    expect(rule(page, "two_documents")).to_contain_text("only one has arrived (Driver's licence)")
    expect(verify).to_be_disabled()

    log_document(
        page,
        type_label="Passport",
        name="TAKAHASHI MISAKI",
        born="1988-04-12",
        expires="2031-06-01",
    )
    for result in page.locator("li.rule").all():
        expect(result).to_have_attribute("data-passed", "true")
    expect(verify).to_be_enabled()
    verify.click()
    expect(page.locator("[data-testid=case-state]")).to_have_text("Identity verified")
    expect(page.locator("ol.timeline")).to_contain_text("Identity document logged")


def test_an_expiry_before_the_issue_date_is_explained_and_nothing_is_saved(
    page: Page, live_server: Any, staff: Any
) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    sign_in(page, live_server.url, "hanako")
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    form = page.locator("#document-form")
    form.locator("#id_document_type").select_option(label="運転免許証")
    form.locator("#id_name_shown").fill("高橋 美咲")
    form.locator("#id_date_of_birth_shown").fill("1988-04-12")
    form.locator("#id_address_shown").fill("愛知県名古屋市中区平和1-1-19")
    form.locator("#id_issued_on").fill("2026-01-10")
    form.locator("#id_expires_on").fill("2025-12-31")  # before the issue date: a typing slip
    form.locator("#id_paper_location").fill("書庫A-3")
    form.locator("[data-testid=log-document]").click()
    expect(page.locator(".message.error")).to_contain_text("保存されていません")
    expect(page.locator("#id_expires_on-error")).to_contain_text("有効期限")
    expect(page.locator("article.document")).to_have_count(0)


def test_staff_confirm_a_masking_and_the_rule_turns(
    page: Page, live_server: Any, staff: Any
) -> None:
    from tests.identity.factories import log_document as log_directly

    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    log_directly(case, staff, "eligibility_certificate", maskings=[])
    log_directly(case, staff, "passport")
    sign_in(page, live_server.url, "hanako")
    page.click("text=English")
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    expect(rule(page, "masking_confirmed")).to_have_attribute("data-passed", "false")
    page.click("text=Confirm masking")  # the insurer number and symbol
    # The QR code carries the same numbers: it must be masked too.
    expect(rule(page, "masking_confirmed")).to_have_attribute("data-passed", "false")
    expect(rule(page, "masking_confirmed")).to_contain_text("QR code")
    page.click("text=Confirm masking")
    expect(rule(page, "masking_confirmed")).to_have_attribute("data-passed", "true")
    expect(page.locator("button[data-action=verify_identity]")).to_be_enabled()


def test_a_my_number_card_back_is_logged_as_such_and_counts_for_nothing(
    page: Page, live_server: Any, staff: Any
) -> None:
    from tests.identity.factories import log_document as log_directly

    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    log_directly(case, staff, "drivers_licence")
    sign_in(page, live_server.url, "hanako")
    page.click("text=English")
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    form = page.locator("#document-form")
    if not form.is_visible():
        page.click("text=Log a document from the envelope")
    form.locator("#id_document_type").select_option(label="My Number card (back)")
    # Nothing to copy from it and nothing to mask: only whose it is and when it came.
    expect(form.locator("[data-show=card-back-note]")).to_be_visible()
    expect(form.locator("#id_name_shown")).to_be_hidden()
    expect(form.locator("#id_paper_location")).to_be_hidden()
    expect(form.locator("#id_scan")).to_be_hidden()
    form.locator("[data-testid=log-document]").click()
    expect(page.locator(".message.success")).to_contain_text("logged")
    back = page.locator("article.document[data-type=my_number_card_back]")
    expect(back).to_contain_text("Never: the back of a My Number card is not an identity document")
    expect(back).to_contain_text("Destroyed at once by")
    # The gate stays closed: one valid document is still one.
    expect(rule(page, "two_documents")).to_have_attribute("data-passed", "false")
    expect(rule(page, "two_documents")).to_contain_text("only one has arrived (Driver's licence)")
    expect(page.locator("button[data-action=verify_identity]")).to_be_disabled()


PDF_VIEWER = "chrome-extension://"


def opened_in_the_pdf_viewer(page: Page, url: str) -> list[str]:
    """Open `url` as staff do (「スキャンを開く」), wait until Chromium's PDF viewer shows it
    and give any script time to run; return the dialogs it raised."""
    dialogs: list[str] = []

    def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.goto(url)
    for _ in range(50):
        if any(frame.url.startswith(PDF_VIEWER) for frame in page.frames):
            break
        page.wait_for_timeout(100)
    assert any(frame.url.startswith(PDF_VIEWER) for frame in page.frames), "no PDF viewer"
    page.wait_for_timeout(2500)
    page.remove_listener("dialog", dismiss)
    return dialogs


def test_a_scan_whose_pdf_carried_a_script_runs_nothing_when_opened(
    page: Page, live_server: Any, staff: Any, tmp_path: Path
) -> None:
    hostile = hostile_pdf("open_action")
    # The control: this browser does run a PDF's script, so silence below means something.
    page.route(
        f"{live_server.url}/control.pdf",
        lambda route: route.fulfill(body=hostile, content_type="application/pdf"),
    )
    assert opened_in_the_pdf_viewer(page, f"{live_server.url}/control.pdf") == ["hostile"]

    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    sign_in(page, live_server.url, "hanako")
    page.click("text=English")
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    upload = tmp_path / "licence.pdf"
    upload.write_bytes(hostile)
    page.click("text=Log a document from the envelope")
    page.locator("#document-form #id_scan").set_input_files(str(upload))
    log_document(
        page,
        type_label="Driver's licence",
        name="高橋 美咲",
        born="1988-04-12",
        expires="2030-05-12",
        address="愛知県名古屋市中区平和1丁目1番19号",
    )
    expect(page.locator(".message.warning")).to_contain_text(
        "Removed: JavaScript, an action run on opening (/OpenAction)."
    )
    scan_url = page.locator("[data-testid=scan-link]").get_attribute("href")
    assert scan_url is not None
    title = page.title()
    assert opened_in_the_pdf_viewer(page, f"{live_server.url}{scan_url}") == []
    assert page.title() != "hostile" and title != "hostile"

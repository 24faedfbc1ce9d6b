"""In a real browser (Debian's chromium): sign in, open a case, move it, read the timeline."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.documents import log_document
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def test_staff_open_a_case_move_it_two_steps_and_see_the_timeline(
    page: Page, live_server: Any, staff: Any
) -> None:
    base = live_server.url
    sign_in(page, base, "hanako")
    # The home page, in Japanese whatever the browser's language.
    expect(page.locator("h1")).to_have_text("今日の仕事")

    page.click("text=English")
    expect(page.locator("h1")).to_have_text("Today's work")

    page.click("text=Open a new case")
    page.check("#id_kind_correction")
    page.fill("#id_details_correction", "住所を現住所に訂正してください")
    page.fill("#id_name", "髙橋 美咲")
    page.fill("#id_name_kana", "たかはし みさき")
    page.fill("#id_date_of_birth", "1988-04-12")
    page.fill("#id_postal_code", "4600021")
    page.fill("#id_address", "愛知県名古屋市中区平和1丁目1番19号")
    page.click("text=Open the case")

    expect(page.locator(".message.success")).to_contain_text("was opened")
    expect(page.locator("[data-testid=case-state]")).to_have_text("Received")

    page.click("button[data-action=begin_identity_check]")
    expect(page.locator("[data-testid=case-state]")).to_have_text("Checking identity documents")
    verify = page.locator("button[data-action=verify_identity]")
    expect(verify).to_be_disabled()

    log_document(
        page,
        type_label="Driver's licence",
        name="高橋 美咲",
        born="1988-04-12",
        expires="2030-05-12",
        address="愛知県名古屋市中区平和1丁目1番19号",
    )
    log_document(
        page,
        type_label="Passport",
        name="TAKAHASHI MISAKI",
        born="1988-04-12",
        expires="2031-01-20",
    )
    expect(verify).to_be_enabled()
    verify.click()
    expect(page.locator("[data-testid=case-state]")).to_have_text("Identity verified")

    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("Case opened")
    expect(timeline).to_contain_text("Checking of identity documents started")
    expect(timeline).to_contain_text("Identity verified")
    expect(timeline.locator("li")).to_have_count(5)


def test_intake_errors_are_shown_in_the_browser(page: Page, live_server: Any, staff: Any) -> None:
    sign_in(page, live_server.url, "hanako")
    page.goto(f"{live_server.url}/cases/new/")
    page.fill("#id_name", "<script>alert(1)</script>")
    page.click("main button[type=submit]")
    expect(page.locator(".alert.error")).to_be_visible()
    expect(page.locator("#id_name-error")).to_be_visible()

"""In a real browser: a request that came by telephone or e-mail (issue 15, part 7)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from requests_app.choices import CaseState
from requests_app.models import Case
from tests.browser.test_case_flow import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def fill_person(page: Page) -> None:
    page.fill("#id_name", "高橋　美咲")
    page.fill("#id_name_kana", "たかはし みさき")
    page.fill("#id_date_of_birth", "1988-04-12")
    page.fill("#id_postal_code", "4600021")
    page.fill("#id_address", "愛知県名古屋市中区平和1丁目1番19号")


def test_a_disclosure_asked_for_by_telephone_waits_for_the_letter(
    page: Page, live_server: Any, staff: Any
) -> None:
    sign_in(page, live_server.url, "hanako")
    page.click("text=English")
    page.click("nav >> text=New case")
    # By post, the envelope's fields; by telephone, the call's.
    expect(page.locator("#id_postmark_date")).to_be_visible()
    expect(page.locator("#id_contact_taken_by")).to_be_hidden()
    page.get_by_role("radio", name="Telephone (電話)").check()
    expect(page.locator("#id_postmark_date")).to_be_hidden()
    expect(page.locator("#id_contact_taken_by")).to_be_visible()
    expect(page.locator("#id_email_sender")).to_be_hidden()
    page.check("#id_kind_disclosure")
    page.fill("#id_details_disclosure", "登録されている情報を知りたい")
    fill_person(page)
    page.click("text=Open the case")
    expect(page.locator(".message.success")).to_contain_text("was opened")
    expect(page.locator("[data-testid=case-state]")).to_have_text(
        "Waiting for the written request by post"
    )
    expect(page.locator("[data-testid=channel]")).to_contain_text("Telephone")
    expect(page.locator("[data-testid=deadline-held]")).to_contain_text("Not started")
    # The guide letter is the one offered.
    expect(page.locator("#id_kind")).to_have_value("procedure_guide")
    # Ten days later the letter arrives: logged on the case page, the deadline starts.
    today = timezone.localdate().isoformat()
    form = page.locator("#written-request")
    form.locator("#written_arrival_date").fill(today)
    form.locator("#written_registered_mail_number").fill("1234-5678-9012")
    form.get_by_role("button", name="The written request arrived by post").click()
    expect(page.locator(".message.success")).to_contain_text("The written request is logged")
    expect(page.locator("[data-testid=case-state]")).to_have_text("Received")
    case = Case.objects.get()
    assert case.state == CaseState.RECEIVED and case.registered_mail_number == "1234-5678-9012"


def test_an_email_is_answered_with_the_text_to_send(
    page: Page, live_server: Any, staff: Any
) -> None:
    sign_in(page, live_server.url, "hanako")
    page.click("text=English")
    page.click("nav >> text=New case")
    page.get_by_role("radio", name="E-mail (電子メール)").check()
    expect(page.locator("#id_email_sender")).to_be_visible()
    expect(page.locator("#id_contact_taken_by")).to_be_hidden()
    page.fill("#id_email_sender", "misaki@example.jp")
    page.check("#id_kind_correction")
    fill_person(page)
    page.click("text=Open the case")
    assert "書面での郵送" in page.locator("[data-testid=guide-email-ja]").input_value()
    page.locator("#guide-email").get_by_text("EN —").click()
    english = page.locator("[data-testid=guide-email-en]")
    expect(english).to_be_visible()
    assert "in writing, by post" in english.input_value()
    page.get_by_role("button", name="Record the e-mail as sent").click()
    expect(page.locator(".message.success")).to_contain_text("recorded as sent")

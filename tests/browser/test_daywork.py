"""In a real browser: the home page, the header's search and duplicates at intake (issue 15)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_case_flow import sign_in
from tests.clock import office_time
from tests.factories import RequesterDataFactory, make_case

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_staff_find_todays_work_and_open_an_overdue_case_in_one_click(
    page: Page, live_server: Any, staff: Any
) -> None:
    with office_time(date.today() - timedelta(days=40)):
        late = make_case(actor=staff, kinds=("complaint",), state="in_progress")
    make_case(actor=staff, state="awaiting_documents")  # the request for documents is out
    sign_in(page, live_server.url, "hanako")
    page.click("text=English")
    expect(page.locator("h1")).to_have_text("Today's work")
    expect(page.locator("[data-testid=count-overdue] .home-count-number")).to_have_text("1")
    expect(page.locator("[data-testid=count-waiting] .home-count-number")).to_have_text("1")
    page.locator("#home-overdue").get_by_role("link", name=late.reference).click()
    expect(page).to_have_url(f"{live_server.url}/cases/{late.reference}/")


@pytest.mark.parametrize(
    "typed", ["山田　太郎", "やまだ たろう", "ﾔﾏﾀﾞﾀﾛｳ", "052-987-6543", "9876-5432-1098"]
)
def test_the_header_search_finds_the_person_however_it_is_typed(
    page: Page, live_server: Any, staff: Any, typed: str
) -> None:
    case = make_case(
        actor=staff,
        requester=RequesterDataFactory(
            name="山田 太郎", name_kana="ヤマダ タロウ", phone="052-987-6543"
        ),
        registered_mail_number="9876-5432-1098",
    )
    sign_in(page, live_server.url, "hanako")
    page.click("text=English")
    page.fill("[data-testid=topsearch]", typed)
    page.keyboard.press("Enter")
    rows = page.locator("table.cases tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(case.reference)
    expect(rows.first.locator("[data-testid=matched]")).to_contain_text("Matched on")
    # A bare number finds the reference by its number.
    page.fill("[data-testid=topsearch]", str(int(case.reference.split("-")[1])))
    page.keyboard.press("Enter")
    expect(page.locator("table.cases tbody tr").first).to_contain_text("Reference number")


def test_a_duplicate_is_shown_at_intake_and_linked(
    page: Page, live_server: Any, staff: Any
) -> None:
    earlier = make_case(actor=staff, requester=RequesterDataFactory())
    sign_in(page, live_server.url, "hanako")
    page.click("text=English")
    page.click("nav >> text=New case")
    page.check("#id_kind_correction")
    page.fill("#id_details_correction", "住所を訂正してください")
    page.fill("#id_name", "高橋　美咲")
    page.fill("#id_name_kana", "たかはし みさき")
    page.fill("#id_date_of_birth", "1988-04-12")
    page.fill("#id_postal_code", "4600021")
    page.fill("#id_address", "愛知県名古屋市中区平和1丁目1番19号")
    page.click("text=Open the case")
    duplicates = page.locator("[data-testid=duplicates]")
    expect(duplicates).to_contain_text(earlier.reference)
    duplicates.get_by_label(f"A repeat of {earlier.reference}").check()
    page.click("text=Open the case")
    expect(page.locator(".message.success")).to_contain_text("was opened")
    expect(page.locator("[data-testid=repeat-of]")).to_have_text(earlier.reference)
    page.locator("[data-testid=repeat-of] a").click()
    expect(page.locator("[data-testid=repeats]")).to_contain_text("-")

"""In a real browser (issue 15): one approval step from the queue, and the case page's
folding sections and masking hint."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from requests_app import services
from requests_app.choices import CaseState, Outcome
from requests_app.demo import cases as demo
from requests_app.letters.models import Letter
from requests_app.models import Case
from requests_app.permissions import Role
from tests.browser.test_case_flow import sign_in
from tests.conftest import make_user
from tests.factories import make_case, submit_with_letters

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def decided_and_submitted(actor: Any) -> Case:
    case = make_case(actor=actor, kinds=("correction",), state=CaseState.IN_PROGRESS)
    item = case.items.get()
    services.item_record_outcome(item=item, actor=actor, outcome=Outcome.DONE)
    demo.record_letter_content(item, staff=actor)
    return submit_with_letters(case, actor)


def test_a_manager_approves_a_decision_and_its_letters_in_one_step(
    page: Page, live_server: Any, staff: Any, manager: Any
) -> None:
    make_user("makoto", Role.MANAGER, family="高橋", given="誠")
    theirs = decided_and_submitted(staff)
    own = decided_and_submitted(manager)
    sign_in(page, live_server.url, "kenichi")
    page.click("text=English")
    page.click("nav >> text=Approvals")
    expect(page.locator("h1")).to_have_text("Decisions waiting for approval")
    mine = page.locator(f"[data-case='{own.reference}']")
    expect(mine.locator("button[data-action=approve]")).to_be_disabled()
    expect(mine).to_contain_text("You submitted this decision: another manager approves it.")
    entry = page.locator(f"[data-case='{theirs.reference}']")
    expect(entry.locator("[data-testid=draft]")).to_contain_text("Correction")
    entry.locator("button[data-action=approve]").click()
    expect(page.locator(".message.success")).to_contain_text(f"{theirs.reference} is now")
    expect(page.locator(f"[data-case='{theirs.reference}']")).to_have_count(0)
    letter = Letter.objects.get(case=theirs)
    assert letter.approved_by == manager
    assert Case.objects.get(pk=theirs.pk).state == CaseState.APPROVED


def test_the_case_page_folds_and_says_what_a_document_type_needs_masked(
    page: Page, live_server: Any, staff: Any
) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    sign_in(page, live_server.url, "hanako")
    page.click("text=English")
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    # The timeline is folded, with its count; its heading opens it.
    timeline = page.locator("#timeline details")
    expect(timeline).not_to_have_attribute("open", "")
    count = page.locator("[data-testid=count-timeline]").inner_text()
    assert int(count) >= 2
    page.locator("#timeline summary").click()
    expect(page.locator("ol.timeline li").first).to_be_visible()
    expect(page.locator("ol.timeline li")).to_have_count(int(count))
    # The identity section is open while documents are checked; the masking is said first.
    page.select_option("#id_document_type", label="Health insurance card")
    hint = page.locator("[data-testid=maskings-needed]")
    expect(hint).to_be_visible()
    expect(hint).to_contain_text("QR")
    page.select_option("#id_document_type", label="Passport")
    expect(hint).to_be_hidden()

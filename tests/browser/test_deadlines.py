"""In a real browser: the deadline on the case page, and extending it with its own form."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from requests_app.business_calendar import load_calendar
from tests.browser.test_case_flow import sign_in
from tests.factories import make_case

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_staff_see_the_deadline_and_extend_it(page: Page, live_server: Any, staff: Any) -> None:
    case = make_case(actor=staff, kinds=("complaint",), state="in_progress")
    calendar = load_calendar()
    due = calendar.add_business_days(case.arrival_date, 10)
    assert case.due_date == due
    closed_day = due + timedelta(days=5 - due.weekday())  # the Saturday after
    new_due = calendar.add_business_days(due, 3)

    base = live_server.url
    sign_in(page, base, "hanako")
    page.click("text=English")
    page.goto(f"{base}/cases/{case.reference}/")
    expect(page.locator("[data-testid=deadline-due]")).to_contain_text(due.isoformat())
    expect(page.locator("[data-testid=deadline-art39]")).to_contain_text(
        case.art39_date.isoformat()
    )
    expect(page.locator("#deadline")).to_contain_text("10 business days")

    page.fill("#extension_new_due_date", closed_day.isoformat())
    page.fill("#extension_reason", "調査対象の記録が多いため")
    page.click("button[data-action=extend_deadline]")
    expect(page.locator("#deadline .error")).to_contain_text(
        f"{closed_day.isoformat()} is not a working day"
    )
    expect(page.locator("[data-testid=due-date]")).to_contain_text(due.isoformat())

    page.fill("#extension_new_due_date", new_due.isoformat())
    page.fill("#extension_reason", "調査対象の記録が多いため")
    page.click("button[data-action=extend_deadline]")
    expect(page.locator(".message.success")).to_contain_text(
        f"The due date is now {new_due.isoformat()}."
    )
    expect(page.locator("[data-testid=due-date]")).to_contain_text(new_due.isoformat())
    expect(page.locator("[data-testid=extension]")).to_contain_text(
        f"{due.isoformat()} → {new_due.isoformat()}"
    )
    expect(page.locator("#timeline")).to_contain_text("Due date extended")

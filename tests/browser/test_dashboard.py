"""In a real browser: a manager opens the SLA dashboard, sees its charts, and a number
opens the list of exactly the cases it counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.test_case_flow import sign_in
from tests.factories import make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_sees_the_charts_and_follows_a_number_to_its_cases(
    page: Page, live_server: Any, staff: Any, manager: Any
) -> None:
    today = timezone.localdate()
    # Two cases long overdue, one waiting on the requester, one replied and closed.
    for _ in range(2):
        make_case(
            actor=staff,
            kinds=("complaint",),
            arrival_date=today - timedelta(days=40),
            state="in_progress",
        )
    make_case(actor=staff, state="awaiting_identity")
    make_case(actor=staff, manager=manager, kinds=("complaint",), state="closed")

    sign_in(page, live_server.url, "kenichi")
    page.click("nav >> text=SLAダッシュボード")
    expect(page.locator("h1")).to_have_text("SLAダッシュボード")
    page.click("text=English")
    expect(page.locator("h1")).to_have_text("SLA dashboard")

    charts = page.locator("svg.chart")
    expect(charts).to_have_count(2)
    expect(charts.first).to_be_visible()
    expect(page.locator("svg.chart >> nth=1")).to_have_attribute(
        "aria-label", "Open cases by days since arrival"
    )
    # The chart's bars are drawn (one per age bucket) and carry their counts as titles.
    expect(page.locator("svg.chart >> nth=1").locator("a")).to_have_count(5)

    overdue = page.locator("a.tile", has_text="Overdue")
    expect(overdue.locator(".tile-n")).to_have_text("2")
    overdue.click()
    expect(page.locator("p.count")).to_have_text("2 cases")
    expect(page.locator("tbody tr.is-overdue")).to_have_count(2)

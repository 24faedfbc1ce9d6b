"""In a real browser: an item's outcome form offers its own kind's outcomes and grounds, and
a wait on the requester starts when the request is mailed and ends on the day it arrived."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from requests_app.choices import CaseState
from requests_app.models import Case
from tests.browser.test_case_flow import sign_in
from tests.factories import make_case

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


def options(page: Page, selector: str) -> list[str]:
    return page.eval_on_selector_all(
        f"{selector} option", "els => els.filter(e => !e.hidden).map(e => e.value)"
    )


def test_a_correction_is_decided_on_its_own_grounds(
    page: Page, live_server: Any, staff: Any
) -> None:
    case = make_case(actor=staff, kinds=("correction",), state=CaseState.IN_PROGRESS)
    item = case.items.get()
    sign_in(page, live_server.url, "hanako")
    page.click("text=English")
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    outcome = f"#id_item{item.pk}-outcome"
    ground = f"#id_item{item.pk}-refusal_ground"
    assert options(page, outcome) == ["done", "partly_done", "refused", "nothing_held"]
    page.select_option(outcome, "done")
    expect(page.locator(ground)).to_be_hidden()  # nothing to ground when done as asked
    page.select_option(outcome, "refused")
    expect(page.locator(ground)).to_be_visible()
    # Art. 34's grounds, never disclosure's "business impediment".
    assert options(page, ground) == ["", "accurate", "not_needed", "other_procedure"]
    page.select_option(ground, "accurate")
    page.fill(f"#id_item{item.pk}-reasons", "登録内容を届出と照合し、事実であると確認しました。")
    page.click(f"form[action$='/items/{item.pk}/outcome/'] button[type=submit]")
    expect(page.locator(".message.success")).to_contain_text("The outcome was recorded")
    article = page.locator("article.item[data-item=correction]")
    expect(article.locator(".outcome")).to_have_text("Not corrected, added or deleted")
    expect(article).to_contain_text("Art. 34(1), (2)")
    expect(article).to_contain_text("content of the retained personal data is true")


def test_a_request_for_documents_mailed_starts_the_wait_and_their_arrival_ends_it(
    page: Page, live_server: Any, staff: Any, eager_celery: Any
) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    base = live_server.url
    sign_in(page, base, "hanako")
    page.click("text=English")
    page.goto(f"{base}/cases/{case.reference}/")
    expect(page.locator("[data-testid=case-state]")).to_have_text("Checking identity documents")
    expect(page.locator("[data-automatic=request_documents]")).to_be_visible()
    expect(page.locator("[data-testid=deadline-clock]")).to_have_text("Running.")

    page.select_option("#id_kind", "deficiency")
    page.click("#letter-request button[type=submit]")
    row = page.locator("table.letters tr[data-status=ready]")
    expect(row).to_have_count(1)
    row.locator("text=Record mailing").click()
    page.select_option("#id_mailing-method", "ordinary")
    page.click("#mailing button[type=submit]")
    page.goto(f"{base}/cases/{case.reference}/")
    expect(page.locator("[data-testid=case-state]")).to_have_text(
        "Waiting for documents from the requester"
    )
    today = timezone.localdate()
    expect(page.locator("[data-testid=deadline-clock]")).to_contain_text(
        f"Paused since {today.isoformat()}"
    )

    # What was asked arrived: the day it arrived is the one that counts.
    arrival = page.locator("form[data-arrival=receive_documents]")
    arrival.locator("input[name=received_on]").fill((today + timedelta(days=1)).isoformat())
    arrival.locator("button[type=submit]").click()
    expect(page.locator("#arrival_received_on-error")).to_contain_text("cannot be in the future")
    assert Case.objects.get(pk=case.pk).state == CaseState.AWAITING_DOCUMENTS
    arrival = page.locator("form[data-arrival=receive_documents]")
    arrival.locator("input[name=received_on]").fill(today.isoformat())
    arrival.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=case-state]")).to_have_text("Checking identity documents")
    expect(page.locator("ol.timeline")).to_contain_text("What was asked for arrived")
    stored = Case.objects.get(pk=case.pk)
    assert not stored.clock_paused and stored.waiting_since is None

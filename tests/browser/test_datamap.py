"""In a real browser: staff send a case's searches, a department contact answers on a narrow
laptop screen (the connector's row confirmed, an item added by hand), staff accept it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from playwright.sync_api import Page, expect

from requests_app.datamap.models import DataSystem, SearchTask
from requests_app.demo import customers
from tests.browser.test_case_flow import sign_in
from tests.factories import make_case

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

NARROW = {"width": 1024, "height": 700}


@pytest.fixture
def linked(tmp_path: Path, reference_data: None) -> Iterator[DataSystem]:
    import random

    path = tmp_path / "demo-customers.sqlite3"
    customers.create(path, count=200, rng=random.Random(3))
    with override_settings(DATAMAP_CONNECTORS={"demo_customers": f"sqlite:///{path}"}):
        DataSystem.objects.filter(name="顧客管理データベース").update(
            search_method="connector", connector="demo_customers", connector_query=customers.QUERY
        )
        yield DataSystem.objects.get(name="顧客管理データベース")


def fits(page: Page) -> bool:
    """Nothing sticks out sideways: no horizontal scrolling on the page."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_a_department_contact_answers_a_search_on_a_narrow_screen(
    page: Page, live_server: Any, staff: Any, manager: Any, contact: Any, linked: DataSystem
) -> None:
    base = live_server.url
    case = make_case(actor=staff, manager=manager, kinds=("disclosure",), state="in_progress")

    # Staff: the case page proposes the customer's systems; send only the customer database.
    sign_in(page, base, "hanako")
    page.goto(f"{base}/cases/{case.reference}/")
    form = page.locator("form[data-form=send-searches]")
    expect(form).to_contain_text("顧客管理データベース")
    for box in form.locator("input[name=systems]").all():
        if box.get_attribute("value") != str(linked.pk):
            box.uncheck()
    page.click("[data-testid=send-searches]")
    expect(page.locator(".message.success")).to_contain_text("1")
    expect(page.locator("table[data-testid=searches]")).to_contain_text("部門の回答待ち")
    page.click("header form[action='/accounts/logout/'] button")

    # The contact, on a narrow laptop screen: home is the list of open tasks.
    page.set_viewport_size(NARROW)
    sign_in(page, base, "jiro")
    expect(page.locator("h1")).to_have_text("検索依頼")
    expect(page.locator("[data-testid=open-tasks] li")).to_have_count(1)
    assert fits(page)
    nav = page.locator("nav.mainnav")
    expect(nav.locator("a")).to_have_count(1)  # nothing but their home: these tasks
    expect(nav.locator("a")).to_have_text("ホーム")
    page.click("[data-testid=open-tasks] a.task-link")

    # The task: the case reference and the details the system is searched by; the
    # connector's row waiting to be confirmed.
    expect(page.locator("[data-testid=task-case]")).to_have_text(case.reference)
    expect(page.locator("[data-testid=person]")).to_contain_text("高橋 美咲")
    expect(page.locator("[data-testid=connector-message]")).to_contain_text("1行")
    assert fits(page)
    page.click("[data-testid=confirm-row]")
    expect(page.locator(".message.success")).to_contain_text("確認しました")
    expect(page.locator("table[data-testid=findings]")).to_contain_text(
        "misaki.takahashi@example.jp"
    )

    # One more item, found by hand.
    form = page.locator("form[data-form=finding]")
    form.locator("#id_category").fill("取引情報")
    form.locator("#id_item").fill("問い合わせ履歴")
    form.locator("#id_content").fill("2026年9月14日 製品の保守契約について電話で問い合わせ")
    form.locator("button[type=submit]").click()
    expect(page.locator("table[data-testid=findings]")).to_contain_text("問い合わせ履歴")

    answer = page.locator("form[data-form=answer]")
    answer.locator("input[name=result][value=found]").check()
    answer.locator("#id_searched_how").fill("コネクタの結果を確認し、問い合わせ記録も手作業で検索")
    answer.locator("[data-testid=send-answer]").click()
    expect(page.locator("[data-testid=task-status]")).to_have_text("回答済み・確認待ち")
    expect(page.locator("[data-testid=task-result]")).to_have_text("該当あり")
    assert fits(page)
    page.click("header form[action='/accounts/logout/'] button")

    # Staff review the answer and accept it: its rows go to the disclosure letter.
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, base, "hanako")
    task = SearchTask.objects.get(case=case)
    page.goto(f"{base}/cases/{case.reference}/searches/{task.pk}/")
    expect(page.locator("table[data-testid=review-findings]")).to_contain_text("問い合わせ履歴")
    page.click("[data-testid=accept]")
    expect(page.locator("table[data-testid=searches]")).to_contain_text("受理済み")
    expect(page.locator("#letter-content")).to_contain_text("問い合わせ履歴")

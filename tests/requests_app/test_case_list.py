"""The case list: open cases by default, "all" on request, sortable columns, "me" (issue 15)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from requests_app import dashboard, services
from requests_app.business_calendar import load_calendar
from requests_app.choices import CaseState
from requests_app.selectors import CaseFilters
from tests.conftest import client_for
from tests.factories import make_case

pytestmark = pytest.mark.django_db
URL = "/cases/"


def listed(user: Any, **params: str) -> list[str]:
    response = client_for(user).get(URL, params)
    assert response.status_code == 200
    return [case.reference for case in response.context["rows"]]


@pytest.fixture
def cases(staff: Any, manager: Any) -> dict[str, Any]:
    today = timezone.localdate()
    old = make_case(actor=staff, arrival_date=today - timedelta(days=20), state="in_progress")
    new = make_case(actor=staff, arrival_date=today - timedelta(days=1))
    theirs = make_case(actor=manager, arrival_date=today - timedelta(days=5))
    nobody = make_case(actor=staff, arrival_date=today - timedelta(days=3))
    services.case_assign(case=nobody, actor=staff, assignee=None)
    closed = make_case(
        actor=staff,
        manager=manager,
        kinds=("complaint",),
        arrival_date=today - timedelta(days=30),
        state=CaseState.CLOSED,
    )
    return {"old": old, "new": new, "theirs": theirs, "nobody": nobody, "closed": closed}


def test_the_list_opens_on_open_cases_most_urgent_first(staff: Any, cases: dict[str, Any]) -> None:
    shown = listed(staff)
    assert cases["closed"].reference not in shown
    assert set(shown) == {cases[k].reference for k in ("old", "new", "theirs", "nobody")}
    due = [client_for(staff).get(URL).context["rows"][i].due_date for i in range(len(shown))]
    assert due == sorted(due)
    assert cases["closed"].reference in listed(staff, state="all")


def test_each_column_sorts_both_ways(staff: Any, cases: dict[str, Any]) -> None:
    by_reference = listed(staff, sort="reference")
    assert by_reference == sorted(by_reference)
    assert listed(staff, sort="-reference") == sorted(by_reference, reverse=True)
    by_arrival = listed(staff, sort="arrival")
    assert by_arrival[0] == cases["old"].reference and by_arrival[-1] == cases["new"].reference
    assert listed(staff, sort="-arrival")[0] == cases["new"].reference
    states = listed(staff, sort="state")
    assert states[-1] == cases["old"].reference  # in progress comes after received
    assert listed(staff, sort="-state")[0] == cases["old"].reference
    assert listed(staff, sort="assignee")[-1] == cases["nobody"].reference
    assert listed(staff, sort="nonsense") == listed(staff)  # an unknown sort: the default


def test_the_column_links_keep_the_filters_and_reverse_the_current_sort(
    staff: Any, cases: dict[str, Any]
) -> None:
    html = client_for(staff).get(URL, {"kind": "disclosure", "sort": "arrival"}).content.decode()
    links = dict(re.findall(r'aria-sort="(\w+)"><a href="\?([^"]+)"', html))
    assert "ascending" in links
    query = parse_qs(links["ascending"].replace("&amp;", "&"))
    assert query["sort"] == ["-arrival"] and query["kind"] == ["disclosure"]


def test_mine_and_mine_or_nobody(staff: Any, manager: Any, cases: dict[str, Any]) -> None:
    mine = {cases[k].reference for k in ("old", "new")}
    assert set(listed(staff, assignee="mine")) == mine
    assert set(listed(staff, assignee="mine_or_none")) == mine | {cases["nobody"].reference}
    assert set(listed(manager, assignee="mine")) == {cases["theirs"].reference}


def test_the_export_link_carries_exactly_the_listed_cases(
    manager: Any, cases: dict[str, Any]
) -> None:
    html = client_for(manager).get(URL, {"assignee": "mine"}).content.decode()
    href = re.search(r'href="([^"]+)" data-testid="export-these"', html)
    assert href is not None
    query = parse_qs(urlsplit(href.group(1).replace("&amp;", "&")).query)
    assert query["state"] == ["open"] and query["assignee"] == [str(manager.pk)]


def test_dashboard_numbers_still_equal_their_lists(manager: Any, cases: dict[str, Any]) -> None:
    """The dashboard counts every state; its links say "all", so the list that opens by
    default on the open cases still shows exactly the counted ones."""
    today = timezone.localdate()
    board = dashboard.build(dashboard.default_filters(today), today=today, calendar=load_calendar())
    client = client_for(manager)
    counted = 0
    for row in board.months:
        for figure in (row.received, row.replied):
            assert "state=all" in figure.url
            response = client.get(figure.url)
            assert response.context["page"].paginator.count == figure.value, figure.url
            counted += figure.value
    assert counted >= len(cases)  # the closed case is counted and listed too
    assert CaseFilters().list_params() == {"state": "all"}

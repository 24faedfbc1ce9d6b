"""The SLA dashboard: hand-counted figures, links that open exactly the counted cases,
a fixed number of queries, who may see it, and bad input."""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import date as D
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from requests_app import dashboard, services
from requests_app.business_calendar import load_calendar
from requests_app.dashboard import Figure
from requests_app.demo import cases as demo
from requests_app.models import Case
from requests_app.selectors import case_list
from tests.clock import office_time
from tests.conftest import client_for
from tests.factories import make_case

pytestmark = pytest.mark.django_db

TODAY = D(2026, 11, 25)  # a Wednesday; the 23rd was a holiday (勤労感謝の日), the 3rd too


def _walk(staff: Any, manager: Any, *, kind: str, arrival: D, steps: list[tuple[D, str]]) -> Case:
    """Open a case that arrived on `arrival`, then walk it to each state on each day."""
    with office_time(arrival) as move:
        case = make_case(actor=staff, kinds=(kind,), arrival_date=arrival)
        for day, state in steps:
            move(day)
            case = demo.walk_to(case, state, staff=staff, manager=manager)
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def cases(staff: Any, manager: Any) -> dict[str, Case]:
    """Eight cases whose every figure is counted by hand in the tests below."""
    walk = lambda kind, arrival, *steps: _walk(  # noqa: E731
        staff, manager, kind=kind, arrival=arrival, steps=list(steps)
    )
    made = {
        # Replied in a week and closed.
        "A": walk("complaint", D(2026, 10, 1), (D(2026, 10, 8), "closed")),
        # Arrived in October, replied in November; asked for identity documents the day it
        # arrived, it waited on the requester until they came (26-30 October), which moved
        # its due date; the reply is mailed but the case is not closed yet.
        "B": walk(
            "complaint",
            D(2026, 10, 26),
            (D(2026, 10, 26), "awaiting_documents"),
            (D(2026, 10, 30), "in_progress"),
            (D(2026, 11, 11), "reply_sent"),
        ),
        # Replied late and closed.
        "C": walk(
            "disclosure",
            D(2026, 11, 2),
            (D(2026, 11, 2), "in_progress"),
            (D(2026, 11, 24), "closed"),
        ),
        # Open and overdue.
        "D": walk("complaint", D(2026, 11, 2), (D(2026, 11, 2), "in_progress")),
        # Waiting on the requester's documents since the 20th.
        "E": walk("correction", D(2026, 11, 19), (D(2026, 11, 20), "awaiting_documents")),
        # Due this Friday, nobody assigned.
        "F": walk("complaint", D(2026, 11, 12), (D(2026, 11, 12), "in_progress")),
        # Withdrawn: received, never replied.
        "G": walk("disclosure", D(2026, 10, 15), (D(2026, 10, 20), "withdrawn")),
        # Replied a year ago: before the twelve months shown.
        "H": walk("complaint", D(2025, 11, 10), (D(2025, 11, 20), "closed")),
    }
    with office_time(TODAY):
        for name, who in (("B", staff), ("D", staff), ("E", manager), ("F", None)):
            services.case_assign(case=made[name], actor=manager, assignee=who)
    return {name: Case.objects.get(pk=case.pk) for name, case in made.items()}


def board(**changes: Any) -> dashboard.Dashboard:
    filters = dashboard.default_filters(TODAY)
    if changes:
        filters = dashboard.DashboardFilters(**{**filters.__dict__, **changes})
    return dashboard.build(filters, today=TODAY, calendar=load_calendar())


def figures(value: Any) -> list[Figure]:
    """Every Figure anywhere in a dashboard."""
    if isinstance(value, Figure):
        return [value]
    if isinstance(value, list | tuple):
        return [figure for item in value for figure in figures(item)]
    if hasattr(value, "__dataclass_fields__"):
        return [figure for f in fields(value) for figure in figures(getattr(value, f.name))]
    return []


def counted(figure: Figure) -> int:
    return case_list(figure.filters, today=TODAY, calendar=load_calendar()).count()


def test_the_snapshot_is_the_hand_counted_one(cases: dict[str, Case]) -> None:
    b = board()
    # B's reply is mailed (open until closed), D is overdue, E waits, F is due on Friday.
    assert b.open_cases is not None and b.open_cases.value == 4
    assert {row.label: row.figure.value for row in b.by_state if row.figure.value} == {
        "Waiting for documents from the requester": 1,
        "In progress": 2,
        "Reply sent": 1,
    }
    assert {row.label: row.figure.value for row in b.by_kind if row.figure.value} == {
        "Inquiry, opinion or complaint (Art. 40)": 3,
        "Correction, addition or deletion (Art. 34)": 1,
    }
    assert b.due_this_week is not None and b.due_this_week.value == 1  # F, due Friday 27th
    assert b.due_soon is not None and b.due_soon.value == 1  # F, reminders from the 24th
    # B's due date (16th) has passed, but its reply went out on the 11th: not overdue.
    assert cases["B"].due_date == D(2026, 11, 16)
    assert b.overdue is not None and b.overdue.value == 1
    assert [(row.case.reference, row.days) for row in b.overdue_cases] == [
        (cases["D"].reference, 5)  # due the 17th: 18, 19, 20, 24, 25 (the 23rd a holiday)
    ]
    assert b.waiting is not None and b.waiting.value == 1
    assert [(row.case.reference, row.days) for row in b.waiting_cases] == [
        (cases["E"].reference, 5)  # waiting since the 20th
    ]
    # Calendar days since arrival: E 6, F 13, D 23, B 30.
    assert [row.figure.value for row in b.ages] == [1, 1, 2, 0, 0]
    assert [
        (row.name, row.open.value, row.due_soon.value, row.overdue.value) for row in b.workload
    ] == [
        ("山田 花子", 2, 0, 1),
        ("佐藤 健一", 1, 0, 0),
        ("Nobody (unassigned)", 1, 1, 0),
    ]


def test_the_months_are_the_hand_counted_ones(cases: dict[str, Case]) -> None:
    b = board()
    assert b.months[0].month == D(2025, 12, 1)  # H (November 2025) is out
    assert len(b.months) == 12
    quiet = b.months[:-2]
    assert all(row.received.value == 0 and row.replied.value == 0 for row in quiet)
    october, november = b.months[-2:]
    # October: A, B and G arrived; only A was replied to (in 5 business days, on time).
    assert (october.received.value, october.replied.value) == (3, 1)
    assert (october.on_time.value, october.late.value) == (1, 0)
    assert (october.art39_on_time.value, october.art39_late.value) == (1, 0)
    assert (october.durations.median, october.durations.p90) == (5, 5)
    # November: C, D, E and F arrived; B (which arrived in October) and C were replied to.
    assert (november.received.value, november.replied.value) == (4, 2)
    # B waited four working days on the requester, which moved its due date from the 10th
    # to the 16th: its reply on the 11th was on time. Against Art. 39's two weeks (the 9th)
    # it was late, and so was C.
    assert (november.on_time.value, november.late.value) == (1, 1)
    assert (november.art39_on_time.value, november.art39_late.value) == (0, 2)
    assert november.on_time_rate == 50
    # B took 11 business days, C 14: median (nearest rank) 11, 90th percentile 14.
    assert (november.durations.median, november.durations.p90) == (11, 14)
    assert (b.period_durations.count, b.period_durations.median, b.period_durations.p90) == (
        3,
        11,
        14,
    )
    by_kind = {row.label: row for row in b.kinds if row.replied.value}
    complaint = by_kind.pop("Inquiry, opinion or complaint (Art. 40)")
    disclosure = by_kind.pop("Disclosure (Art. 33)")
    assert not by_kind
    assert (complaint.replied.value, complaint.durations.median, complaint.durations.p90) == (
        2,
        5,
        11,
    )
    assert (disclosure.replied.value, disclosure.durations.median) == (1, 14)


def test_every_number_counts_exactly_the_cases_its_link_opens(
    cases: dict[str, Case], staff: Any
) -> None:
    for b in (
        board(),
        board(kind="complaint"),
        board(assignee=str(staff.pk)),
        board(assignee="none"),
        board(first_month=D(2026, 11, 1)),
    ):
        found = figures(b)
        assert len(found) > 40  # tiles, states, kinds, ages, months, workload
        for figure in found:
            assert figure.value == counted(figure), figure.filters


def test_the_filters_narrow_every_figure(cases: dict[str, Case], staff: Any) -> None:
    complaints = board(kind="complaint")
    assert complaints.open_cases is not None and complaints.open_cases.value == 3  # B, D, F
    assert [row.received.value for row in complaints.months[-2:]] == [2, 2]  # A B; D F
    assert [row.label for row in complaints.kinds] == ["Inquiry, opinion or complaint (Art. 40)"]
    hanako = board(assignee=str(staff.pk))
    assert hanako.open_cases is not None and hanako.open_cases.value == 2  # B, D
    assert [row.name for row in hanako.workload] == ["山田 花子"]
    november = board(first_month=D(2026, 11, 1))
    assert [row.month for row in november.months] == [D(2026, 11, 1)]
    assert november.period_durations.count == 2


def test_the_page_links_each_number_to_a_list_of_that_many_cases(
    cases: dict[str, Case], manager: Any
) -> None:
    with office_time(TODAY):
        page = client_for(manager).get(reverse("requests_app:dashboard"))
        assert page.status_code == 200
        html = page.content.decode()
        b = board()
        assert b.overdue is not None
        for figure in (b.overdue, b.months[-1].late, b.months[-1].received, b.workload[0].open):
            assert f'href="{escape(figure.url)}"' in html
            listed = client_for(manager).get(figure.url).content.decode()
            assert f"{figure.value} case" in listed, figure.url
            assert listed.count('<td><a href="/cases/') == figure.value


def test_the_page_runs_a_fixed_number_of_queries(
    cases: dict[str, Case], staff: Any, manager: Any
) -> None:
    client = client_for(manager)
    url = reverse("requests_app:dashboard")

    def queries() -> int:
        with office_time(TODAY), CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    queries()  # the first request also fills per-process caches (the calendar)
    before = queries()
    with office_time(D(2026, 11, 4)):
        for kind in ("disclosure", "complaint", "purpose_notice"):
            make_case(actor=staff, kinds=(kind,), arrival_date=D(2026, 11, 4), state="in_progress")
    assert queries() == before


def test_managers_and_auditors_see_it_in_either_language(
    cases: dict[str, Case], manager: Any, auditor: Any
) -> None:
    url = reverse("requests_app:dashboard")
    with office_time(TODAY):
        japanese = client_for(auditor, language="ja").get(url).content.decode()
        english = client_for(manager, language="en").get(url).content.decode()
    assert "<h1>SLA ダッシュボード</h1>" in japanese or "ダッシュボード" in japanese
    assert "月別" in japanese and "Month by month" not in japanese
    assert "<h1>SLA dashboard</h1>" in english and "Month by month" in english
    for html in (japanese, english):
        assert html.count('<svg class="chart"') == 2


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"first_month": "2026-13"}, "Enter a month as year and month"),
        ({"last_month": "2027-01"}, "The period cannot end after this month."),
        ({"first_month": "2026-10", "last_month": "2026-09"}, "must not end before it starts"),
        ({"first_month": "2020-01", "last_month": "2026-11"}, "Choose at most 36 months."),
        ({"kind": "nonsense"}, "Select a valid choice"),
    ],
)
def test_bad_filters_are_refused_with_a_message(
    cases: dict[str, Case], manager: Any, query: dict[str, str], message: str
) -> None:
    with office_time(TODAY):
        page = client_for(manager).get(reverse("requests_app:dashboard"), query)
    assert page.status_code == 400
    html = page.content.decode()
    assert message in html
    assert "The filters have errors; the default period is shown." in html


def test_full_width_months_are_understood(cases: dict[str, Case], manager: Any) -> None:
    with office_time(TODAY):
        page = client_for(manager).get(
            reverse("requests_app:dashboard"), {"first_month": "２０２６－１１"}
        )
    assert page.status_code == 200
    assert page.context["board"].filters.first_month == D(2026, 11, 1)


def test_a_count_chart_has_whole_number_steps_and_escapes_its_text() -> None:
    from requests_app.charts import Bar, bar_chart

    svg = str(
        bar_chart(
            [
                Bar("0–7", 5, href="/cases/?state=open&x=1", title="<b>5</b>"),
                Bar("8–14", 0),
                Bar("15+", None),
            ],
            title="Open cases",
        )
    )
    axis = re.findall(r'<text class="axis"[^>]*text-anchor="end">([^<]*)</text>', svg)
    assert axis == ["0", "2", "4", "6", "8"]
    assert '<a href="/cases/?state=open&amp;x=1">' in svg
    assert "&lt;b&gt;5&lt;/b&gt;" in svg and "<b>" not in svg
    # The zero is a hairline bar; "no value" draws none.
    assert svg.count('<rect class="bar"') == 2


def test_the_month_fields_show_the_default_period(manager: Any) -> None:
    with office_time(TODAY):
        html = client_for(manager).get(reverse("requests_app:dashboard")).content.decode()
    assert 'name="first_month" value="2025-12"' in html
    assert 'name="last_month" value="2026-11"' in html


def test_replies_by_kind_month_by_month(cases: dict[str, Case]) -> None:
    rows = {row.label: row for row in board().kinds}
    complaint = rows["Inquiry, opinion or complaint (Art. 40)"]
    october, november = complaint.months[-2:]
    assert (october.replied.value, october.durations.median) == (1, 5)  # A
    assert (november.replied.value, november.durations.median) == (1, 11)  # B
    disclosure = rows["Disclosure (Art. 33)"].months[-1]
    assert (disclosure.replied.value, disclosure.durations.p90) == (1, 14)  # C
    assert all(cell.replied.value == 0 for cell in complaint.months[:-2])

"""The case list and the case page: what people see, and a fixed number of queries."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from requests_app import services
from requests_app.audit import AuditEvent
from requests_app.choices import CaseState
from requests_app.demo import bulk
from requests_app.demo.cases import ask_by_letter
from requests_app.models import Case
from tests.conftest import client_for
from tests.factories import RequesterDataFactory, make_case

pytestmark = pytest.mark.django_db


def signed_in(user: Any, language: str = "en") -> Client:
    client: Client = client_for(user, language)
    return client


def test_case_page_shows_buttons_for_the_role_and_the_timeline(staff: Any, manager: Any) -> None:
    case = make_case(
        actor=staff, manager=manager, kinds=("correction",), state=CaseState.AWAITING_APPROVAL
    )
    url = reverse("requests_app:case_detail", args=[case.reference])
    staff_page = signed_in(staff).get(url).content.decode()
    assert 'data-action="approve"' not in staff_page
    assert 'data-action="withdraw"' in staff_page
    manager_page = signed_in(manager).get(url).content.decode()
    for name in ("approve", "return_for_rework", "refuse", "withdraw"):
        assert f'data-action="{name}"' in manager_page
    # The timeline tells the story in order, without the page views.
    assert manager_page.index("Case opened") < manager_page.index("Submitted for approval")
    assert 'data-action="case.viewed"' not in manager_page
    assert AuditEvent.objects.filter(case=case, action="case.viewed").count() == 2


def test_blocked_step_is_shown_disabled_with_what_is_missing(staff: Any) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    page = signed_in(staff).get(reverse("requests_app:case_detail", args=[case.reference]))
    html = page.content.decode()
    assert 'data-action="verify_identity"' in html
    button = html[
        html.index('data-action="verify_identity"') - 200 : html.index(
            'data-action="verify_identity"'
        )
    ]
    assert "disabled" in button
    assert "two identity documents" in html


def test_pressing_a_button_moves_the_case(staff: Any) -> None:
    case = make_case(actor=staff)
    client = signed_in(staff)
    response = client.post(
        reverse("requests_app:case_transition", args=[case.reference, "begin_identity_check"]),
        {"expected_state": "received"},
        follow=True,
    )
    assert "The case is now “Checking identity documents”." in response.content.decode()
    assert Case.objects.get(pk=case.pk).state == CaseState.AWAITING_IDENTITY
    again = client.post(
        reverse("requests_app:case_transition", args=[case.reference, "begin_identity_check"]),
        {"expected_state": "received"},
        follow=True,
    )
    assert "changed by someone else" in again.content.decode()


def test_required_reason_is_asked_for(staff: Any, manager: Any) -> None:
    case = make_case(
        actor=staff, manager=manager, kinds=("correction",), state=CaseState.AWAITING_APPROVAL
    )
    response = signed_in(manager).post(
        reverse("requests_app:case_transition", args=[case.reference, "return_for_rework"]),
        {"expected_state": "awaiting_approval", "reason": ""},
        follow=True,
    )
    assert "Please give a reason for this step." in response.content.decode()
    assert Case.objects.get(pk=case.pk).state == CaseState.AWAITING_APPROVAL


def test_a_wait_is_started_by_mailing_the_request_never_by_a_button(staff: Any) -> None:
    case = make_case(actor=staff, kinds=("correction",), state=CaseState.IN_PROGRESS)
    response = signed_in(staff).post(
        reverse("requests_app:case_transition", args=[case.reference, "request_completion"]),
        {"expected_state": "in_progress", "reason": "対象期間の特定"},
        follow=True,
    )
    assert "That step is not available." in response.content.decode()
    assert Case.objects.get(pk=case.pk).state == CaseState.IN_PROGRESS
    html = response.content.decode()
    assert 'data-automatic="request_completion"' in html
    assert 'data-action="request_completion"' not in html


def test_outcome_form_errors_are_shown_and_nothing_saved(staff: Any) -> None:
    case = make_case(actor=staff, kinds=("correction",), state=CaseState.IN_PROGRESS)
    item = case.items.get()
    response = signed_in(staff).post(
        reverse("requests_app:item_outcome", args=[case.reference, item.pk]),
        {f"item{item.pk}-outcome": "refused", f"item{item.pk}-refusal_ground": ""},
    )
    assert response.status_code == 400
    assert (
        "“Not corrected, added or deleted” needs its ground under the Act."
        in response.content.decode()
    )
    item.refresh_from_db()
    assert item.outcome == ""


def test_japanese_page(staff: Any) -> None:
    case = make_case(actor=staff)
    html = (
        signed_in(staff, "ja")
        .get(reverse("requests_app:case_detail", args=[case.reference]))
        .content.decode()
    )
    assert "本人確認書類の確認を開始" in html and "経過" in html and "案件を受付" in html


def test_list_filters_and_search(staff: Any, manager: Any) -> None:
    today = timezone.localdate()
    late = make_case(
        actor=staff,
        arrival_date=today - timedelta(days=30),
        requester=RequesterDataFactory(name="近藤 由美", name_kana="コンドウ ユミ"),
    )
    soon = make_case(actor=manager, kinds=("complaint",), arrival_date=today - timedelta(days=1))
    done = make_case(
        actor=staff,
        manager=manager,
        kinds=("correction",),
        state=CaseState.CLOSED,
        arrival_date=today - timedelta(days=40),
    )
    client = signed_in(staff)

    def listed(**params: str) -> set[str]:
        response = client.get(reverse("requests_app:case_list"), params)
        return {case.reference for case in response.context["page"].object_list}

    # The list opens on the open cases; "all" shows the closed ones too (issue 15).
    assert listed() == {late.reference, soon.reference}
    assert listed(state="all") == {late.reference, soon.reference, done.reference}
    assert listed(due="overdue") == {late.reference}
    assert listed(state="open") == {late.reference, soon.reference}
    assert listed(state="closed") == {done.reference}
    assert listed(kind="complaint") == {soon.reference}
    assert listed(assignee=str(manager.pk)) == {soon.reference}
    assert listed(q="こんどう") == {late.reference}  # hiragana finds katakana
    assert listed(q="近藤") == {late.reference}
    assert listed(q=late.reference) == {late.reference}
    page = client.get(reverse("requests_app:case_list"), {"due": "overdue"}).content.decode()
    assert "Overdue" in page


def _bulk(staff: Any, count: int) -> None:
    bulk.create_cases(count=count, events_per_case=12, workers=[staff], rng=random.Random(1))


def test_case_list_runs_a_fixed_number_of_queries(staff: Any) -> None:
    client = signed_in(staff)
    url = reverse("requests_app:case_list")
    client.get(url)  # the first page of a session stores the role labels in it
    _bulk(staff, 5)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _bulk(staff, 60)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(few) == len(many), [q["sql"] for q in many]


def test_case_page_runs_a_fixed_number_of_queries(staff: Any, manager: Any) -> None:
    short = make_case(actor=staff, kinds=("correction",), state=CaseState.IN_PROGRESS)
    long = make_case(
        actor=staff,
        manager=manager,
        kinds=("disclosure", "correction", "complaint"),
        state=CaseState.IN_PROGRESS,
    )
    for index in range(5):
        services.note_add(case=long, actor=staff, body=f"メモ{index}")
        long = ask_by_letter(long, staff=staff, completion=f"補正{index}")
        long = services.case_receive_completion(
            case=long, actor=staff, received_on=timezone.localdate()
        )
    client = signed_in(staff)
    client.get(reverse("requests_app:case_list"))  # the session's first page stores its roles
    counts = []
    for case in (short, long):
        with CaptureQueriesContext(connection) as queries:
            assert (
                client.get(reverse("requests_app:case_detail", args=[case.reference])).status_code
                == 200
            )
        counts.append(len(queries))
    assert counts[0] == counts[1]

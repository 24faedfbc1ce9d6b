"""The home page per role (issue 15): the day's work, every number a link to its list."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from requests_app import services
from requests_app.letters import services as letter_services
from tests.clock import office_time
from tests.conftest import PASSWORD, client_for
from tests.factories import make_case
from tests.requests_app.letters.conftest import generate

pytestmark = pytest.mark.django_db
HOME = "/"
MONDAY = date(2026, 11, 30)


def counts(html: str) -> dict[str, tuple[int, str]]:
    """Each count on the page: its number and the list it links to."""
    found = re.findall(
        r'<a class="home-count[^"]*" href="([^"]+)" data-testid="count-(\w+)" data-count="(\d+)"',
        html,
    )
    return {key: (int(number), unescape(url)) for url, key, number in found}


def assert_counts_equal_their_lists(client: Client, html: str) -> dict[str, int]:
    numbers = {}
    for key, (number, url) in counts(html).items():
        listed = client.get(url).context["page"].paginator.count
        assert listed == number, (key, url)
        numbers[key] = number
    return numbers


def test_signing_in_lands_on_the_home_page(staff: Any) -> None:
    response = Client().post(reverse("login"), {"username": staff.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("requests_app:home")


def test_staff_see_their_day_and_every_number_is_its_list(staff: Any, manager: Any) -> None:
    with office_time(MONDAY - timedelta(days=30)) as move:
        late = make_case(actor=staff, kinds=("complaint",), state="in_progress")
        # Waiting on the requester: the request for documents went out (checking what came in
        # the envelope is the office's own work, not a wait).
        mine_waiting = make_case(actor=staff, state="awaiting_documents")
        unassigned = make_case(actor=staff, kinds=("complaint",), state="in_progress")
        services.case_assign(case=unassigned, actor=staff, assignee=None)
        someone_elses = make_case(actor=manager, kinds=("complaint",), state="in_progress")
        move(MONDAY - timedelta(days=2))
        fresh = make_case(actor=staff, kinds=("correction",))
        letter = generate(
            letter_services.letter_request(case=fresh, actor=staff, kind="acknowledgement")
        )
        move(MONDAY)
        client = client_for(staff)
        html = client.get(HOME).content.decode()
        numbers = assert_counts_equal_their_lists(client, html)
    assert set(numbers) == {"overdue", "soon", "week", "waiting", "to_mail", "returned"}
    assert numbers["overdue"] == 2  # mine and the unassigned one; not the manager's
    assert numbers["waiting"] == 1 and numbers["to_mail"] == 1 and numbers["returned"] == 0
    assert late.reference in html and unassigned.reference in html
    assert mine_waiting.reference in html and letter.case.reference in html
    assert someone_elses.reference not in html


def test_a_returned_letter_is_on_the_home_page_until_it_is_sent_again(staff: Any) -> None:
    with office_time(MONDAY):
        case = make_case(actor=staff, kinds=("complaint",), state="awaiting_identity")
        letter = generate(
            letter_services.letter_request(case=case, actor=staff, kind="acknowledgement")
        )
        letter_services.letter_record_mailing(
            letter=letter, actor=staff, method="ordinary", tracking_number="", sent_on=MONDAY
        )
        letter_services.letter_record_returned(
            letter=letter, actor=staff, returned_on=MONDAY, note="宛所に尋ねあたりません"
        )
        client = client_for(staff)
        numbers = assert_counts_equal_their_lists(client, client.get(HOME).content.decode())
    assert numbers["returned"] == 1 and numbers["to_mail"] == 0


def test_managers_see_what_waits_for_their_approval(staff: Any, manager: Any) -> None:
    with office_time(MONDAY - timedelta(days=20)) as move:
        waiting = make_case(
            actor=staff, manager=manager, kinds=("complaint",), state="awaiting_approval"
        )
        make_case(actor=staff, kinds=("complaint",), state="in_progress")
        move(MONDAY)
        client = client_for(manager)
        html = client.get(HOME).content.decode()
        numbers = assert_counts_equal_their_lists(client, html)
    assert numbers["approval"] == 1 and waiting.reference in html
    assert numbers["overdue"] >= 1
    assert 'data-testid="dashboard-link"' in html


def test_auditors_see_recent_exports_and_how_to_verify(auditor: Any) -> None:
    html = client_for(auditor).get(HOME).content.decode()
    assert "Recent exports" in html and "verify_export" in html
    assert 'data-testid="count-' not in html


def test_administrators_see_reference_data_and_what_changed(administrator: Any) -> None:
    html = client_for(administrator).get(HOME).content.decode()
    assert reverse("admin:identity_documenttype_changelist") in html
    assert "Changed lately" in html


def test_a_user_without_a_role_is_told_so(outsider: Any) -> None:
    response = client_for(outsider).get(HOME)
    assert response.status_code == 200
    assert "no role yet" in response.content.decode()


def test_the_home_page_is_in_japanese_by_default(staff: Any) -> None:
    html = client_for(staff, "ja").get(HOME).content.decode()
    assert "今日の仕事" in html and "期限超過" in html

"""Every page, tried by every persona: each role gets exactly what it may use."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from requests_app.audit import AuditEvent
from requests_app.models import Case
from tests.factories import make_case

pytestmark = pytest.mark.django_db

READERS = {"staff", "manager", "auditor", "administrator"}
WORKERS = {"staff", "manager"}
OVERSEERS = {"manager", "auditor"}
ALL = ("staff", "manager", "auditor", "administrator", "outsider")


@pytest.fixture
def case(staff: Any) -> Case:
    return make_case(actor=staff, kinds=("correction",), state="in_progress")


def pages(case: Case) -> list[tuple[str, str, set[str], dict[str, Any]]]:
    ref = case.reference
    item = case.items.get()
    return [
        ("get", reverse("requests_app:case_list"), READERS, {}),
        ("get", reverse("requests_app:dashboard"), OVERSEERS, {}),
        ("get", reverse("requests_app:case_detail", args=[ref]), READERS, {}),
        ("get", reverse("requests_app:case_create"), WORKERS, {}),
        ("get", reverse("requests_app:case_edit", args=[ref]), WORKERS, {}),
        ("post", reverse("requests_app:note_create", args=[ref]), WORKERS, {"body": "確認済み"}),
        ("post", reverse("requests_app:assign", args=[ref]), WORKERS, {"assignee": ""}),
        (
            "post",
            reverse("requests_app:item_outcome", args=[ref, item.pk]),
            WORKERS,
            {f"item{item.pk}-outcome": "done"},
        ),
        (
            "post",
            reverse("requests_app:case_transition", args=[ref, "request_completion"]),
            WORKERS,
            {"expected_state": "in_progress", "reason": "補正のお願い"},
        ),
    ]


@pytest.mark.parametrize("who", ALL)
def test_every_page_refuses_every_role_that_may_not_use_it(
    who: str, personas: dict[str, Any], case: Case
) -> None:
    for method, url, allowed, data in pages(case):
        client = Client()
        client.force_login(personas[who])
        response = getattr(client, method)(url, data)
        if who in allowed:
            assert response.status_code in (200, 302), (who, method, url, response.status_code)
        else:
            assert response.status_code == 403, (who, method, url, response.status_code)


def test_anonymous_visitors_are_sent_to_sign_in(case: Case) -> None:
    for method, url, _allowed, data in pages(case):
        response = getattr(Client(), method)(url, data)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_auditor_reads_everything_but_every_post_is_refused(auditor: Any, case: Case) -> None:
    client = Client()
    client.force_login(auditor)
    page = client.get(reverse("requests_app:case_detail", args=[case.reference]))
    assert page.status_code == 200
    assert b'data-action="submit_for_approval"' not in page.content
    events_before = AuditEvent.objects.exclude(action="case.viewed").count()
    for url in (
        reverse("requests_app:case_create"),
        reverse("requests_app:letter_request", args=[case.reference]),
        reverse("requests_app:letter_batch_create"),
        reverse("requests_app:fee_payment", args=[case.reference]),
        reverse("identity:document_create", args=[case.reference]),
        reverse("requests_app:case_edit", args=[case.reference]),
        "/admin/login/",
    ):
        assert client.post(url, {}).status_code == 403, url
    assert AuditEvent.objects.exclude(action="case.viewed").count() == events_before
    # Changing the language and signing out stay possible.
    assert client.post(reverse("set_language"), {"language": "en", "next": "/"}).status_code == 302
    assert client.post(reverse("logout")).status_code == 302


def test_unknown_case_is_404_for_readers(staff: Any) -> None:
    client = Client()
    client.force_login(staff)
    assert client.get(reverse("requests_app:case_detail", args=["2026-999999"])).status_code == 404


def test_admin_site_is_for_administrators_only(personas: dict[str, Any]) -> None:
    for who, user in personas.items():
        client = Client()
        client.force_login(user)
        response = client.get("/admin/")
        assert response.status_code == (200 if who == "administrator" else 302), who
    client = Client()
    client.force_login(personas["administrator"])
    assert client.get("/admin/identity/documenttype/").status_code == 200

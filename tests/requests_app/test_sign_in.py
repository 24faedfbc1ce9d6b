"""Signing in, and the rate limit on failed attempts."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db


def test_sign_in_lands_on_the_case_list(staff: Any) -> None:
    client = client_for(language="ja")
    page = client.get(reverse("login"))
    assert "ログイン" in page.content.decode()
    response = client.post(reverse("login"), {"username": "hanako", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200


def test_a_department_contact_lands_on_their_open_tasks(contact: Any) -> None:
    client = client_for(language="ja")
    response = client.post(reverse("login"), {"username": "jiro", "password": PASSWORD})
    assert response["Location"] == reverse("requests_app:home")
    landed = client.get(response["Location"])
    assert landed.status_code == 200
    assert "<h1>検索依頼</h1>" in landed.content.decode()


def test_repeated_failures_lock_the_account_out(staff: Any) -> None:
    client = client_for()
    for _attempt in range(5):
        response = client.post(reverse("login"), {"username": "hanako", "password": "wrong"})
    assert "Too many failed sign-ins" in response.content.decode()
    locked = client.post(reverse("login"), {"username": "hanako", "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_says_so(staff: Any) -> None:
    client = client_for()
    response = client.post(reverse("login"), {"username": "hanako", "password": "wrong"})
    assert response.status_code == 200
    assert "did not match" in response.content.decode()

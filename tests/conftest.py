"""Personas (one per role, shared by every test), factories and browser settings."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from requests_app.permissions import Role

# Playwright's sync API runs an event loop in the test thread; Django must allow ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def reference_data(db: None) -> None:
    """What the data migrations create. A transactional test's flush removes it, so every
    test that needs it asks for it here (idempotent) instead of relying on the migrations."""
    from identity.reference import seed_document_types
    from requests_app.audit import ensure_chain_head
    from requests_app.datamap.reference import seed_data_map
    from requests_app.permissions import sync_roles
    from requests_app.reference import seed_deadline_reference_data

    ensure_chain_head()
    sync_roles()
    seed_document_types()
    seed_deadline_reference_data()
    seed_data_map()


def make_user(username: str, role: Role | None, *, family: str, given: str) -> Any:
    user = get_user_model().objects.create_user(
        username=username,
        password=PASSWORD,
        last_name=family,
        first_name=given,
        email=f"{username}@cmc.example.jp",
        is_staff=role is Role.ADMINISTRATOR,
    )
    if role is not None:
        user.groups.add(Group.objects.get(name=role.value))
    return user


@pytest.fixture
def staff(reference_data: None) -> Any:
    return make_user("hanako", Role.STAFF, family="山田", given="花子")


@pytest.fixture
def manager(reference_data: None) -> Any:
    return make_user("kenichi", Role.MANAGER, family="佐藤", given="健一")


@pytest.fixture
def auditor(reference_data: None) -> Any:
    return make_user("ichiro", Role.AUDITOR, family="鈴木", given="一郎")


@pytest.fixture
def administrator(reference_data: None) -> Any:
    return make_user("taro", Role.ADMINISTRATOR, family="管理", given="太郎")


@pytest.fixture
def outsider(reference_data: None) -> Any:
    """Signed in, but with no role at all."""
    return make_user("outsider", None, family="部外", given="者")


@pytest.fixture
def contact(reference_data: None) -> Any:
    """A department contact (部門担当者) of the Sales Division (営業本部) on the data map."""
    from requests_app.datamap.models import Department

    user = make_user("jiro", Role.DEPARTMENT_CONTACT, family="中村", given="次郎")
    Department.objects.get(name="営業本部").contacts.add(user)
    return user


@pytest.fixture
def personas(
    staff: Any, manager: Any, auditor: Any, administrator: Any, outsider: Any, contact: Any
) -> dict[str, Any]:
    return {
        "staff": staff,
        "manager": manager,
        "auditor": auditor,
        "administrator": administrator,
        "outsider": outsider,
        "contact": contact,
    }


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    # No browser can be downloaded here: drive Debian's chromium.
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(autouse=True)
def media_root(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Stored files (letters) go to a fresh temporary folder per test, never to var/media."""
    from django.test import override_settings

    with override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media"))):
        yield


@pytest.fixture(autouse=True)
def english_messages() -> Any:
    """Messages raised outside a request read in English in assertions (pages pick per request)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def client_for(user: Any = None, language: str = "en") -> Any:
    """A test client signed in as `user`, with the language switch set (Japanese is default)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture(autouse=True, scope="session")
def celery_tasks_registered() -> None:
    """Services queue tasks by name after commit; register them all, as a worker does at
    start, so a transactional test passes alone as it does in the whole suite."""
    from config.celery import app

    app.loader.import_default_modules()

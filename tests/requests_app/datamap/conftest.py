"""Fixtures of the data map's tests: the demo customer database, a linked PostgreSQL table,
departments with their contacts, and cases whose work has started."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings

from requests_app.datamap.models import DataSystem, Department
from requests_app.demo import customers
from requests_app.permissions import Role
from tests.conftest import make_user
from tests.factories import RequesterDataFactory, make_case


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    """A demo customer database with 高橋 美咲 among 300 other customers."""
    path = tmp_path / "demo-customers.sqlite3"
    customers.create(path, count=300, rng=random.Random(5))
    return path


@pytest.fixture
def demo_url(demo_db: Path) -> str:
    return f"sqlite:///{demo_db}"


@pytest.fixture
def linked_demo(demo_url: str, reference_data: None) -> Iterator[DataSystem]:
    """The customer database linked to the demo database, as `make run` does."""
    with override_settings(DATAMAP_CONNECTORS={"demo_customers": demo_url}):
        system = DataSystem.objects.get(name="顧客管理データベース")
        system.search_method = "connector"
        system.connector = "demo_customers"
        system.connector_query = customers.QUERY
        system.save()
        yield system


@pytest.fixture
def pg_linked_url(db: None) -> Iterator[str]:
    """A table in a PostgreSQL database that a connector may read (committed, so the
    connector's own connection sees it); dropped afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    import psycopg

    connect = psycopg.connect  # the real one, even if a test replaces it
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{host}:{port}/{db['NAME']}"
    with connect(url.replace("postgres://", "postgresql://"), autocommit=True) as admin:
        admin.execute("DROP TABLE IF EXISTS linked_customers")
        admin.execute(
            "CREATE TABLE linked_customers (customer_id int PRIMARY KEY, name text, "
            "name_key text, date_of_birth text, phone_digits text, email_key text)"
        )
        admin.execute(
            "INSERT INTO linked_customers VALUES "
            "(1, '高橋 美咲', '高橋美咲', '1988-04-12', '0523223355',"
            " 'misaki.takahashi@example.jp'),"
            "(2, 'O''Brien 花子', 'O''Brien花子', '1970-01-01', '', ''),"
            "(3, '佐藤 健太', '佐藤健太', '1990-02-02', '0521111111', 'kenta@example.jp')"
        )
    try:
        yield url
    finally:
        with connect(url.replace("postgres://", "postgresql://"), autocommit=True) as admin:
            admin.execute("DROP TABLE IF EXISTS linked_customers")


def department(name: str) -> Department:
    return Department.objects.get(name=name)


@pytest.fixture
def contacts(contact: Any) -> dict[str, Any]:
    """One contact per department that customers' systems belong to: 営業本部 (the
    `contact` persona), マーケティング部, 経理部, 総務部, 情報システム部."""
    found = {"営業本部": contact}
    for name, username, family, given in (
        ("マーケティング部", "hanae", "小林", "花江"),
        ("経理部", "mamoru", "加藤", "守"),
        ("総務部", "sachiko", "吉田", "幸子"),
        ("情報システム部", "takeshi", "木村", "武"),
        ("人事部", "naomi", "清水", "直美"),
    ):
        user = make_user(username, Role.DEPARTMENT_CONTACT, family=family, given=given)
        department(name).contacts.add(user)
        found[name] = user
    return found


@pytest.fixture
def working_case(staff: Any, manager: Any) -> Any:
    """A customer's disclosure, identity verified and the fee paid: work has started."""
    return make_case(actor=staff, manager=manager, kinds=("disclosure",), state="in_progress")


def case_for(
    staff: Any, manager: Any, *kinds: str, relationships: tuple[str, ...] = ("customer",)
) -> Any:
    return make_case(
        actor=staff,
        manager=manager,
        kinds=kinds,
        state="in_progress",
        requester=RequesterDataFactory(relationships=relationships),
    )

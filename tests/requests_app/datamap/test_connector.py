"""The connector: a read-only, time-limited search of a system's own database, with the
person's details bound as parameters, never written into the SQL."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from requests_app.datamap import connector
from requests_app.datamap.connector import ConnectorError, SearchParams
from requests_app.demo import customers

MISAKI = SearchParams(
    name="高橋美咲",
    name_kana="タカハシミサキ",
    date_of_birth="1988-04-12",
    postal_code="4600021",
    phone="0523223355",
    email="misaki.takahashi@example.jp",
)


def run(url: str, query: str, params: SearchParams = MISAKI, **kwargs: Any) -> Any:
    return connector.search(url, query, params, **{"timeout": 5, "row_cap": 50, **kwargs})


# --- the query's text ------------------------------------------------------------------


def test_placeholders_ignore_strings_comments_and_casts() -> None:
    query = (
        "SELECT name AS \"氏名:x\", ':not_one', $$ :nor_this $$ -- :comment\n"
        ", created::text /* :block */ FROM t WHERE a = :name AND b LIKE '%' || :email"
    )
    assert connector.placeholders(query) == ["name", "email"]
    assert connector.postgres_form(query).endswith("a = %(name)s AND b LIKE '%%' || %(email)s")
    assert ":not_one" in connector.postgres_form(query)


@pytest.mark.parametrize(
    ("query", "problems"),
    [
        ("SELECT * FROM customers WHERE name_key = :name", []),
        ("WITH x AS (SELECT 1) SELECT * FROM x", []),
        ("  ", ["empty"]),
        ("UPDATE customers SET name = 'x'", ["not_select"]),
        ("SELECT 1; DELETE FROM customers", ["several"]),
        ("SELECT * FROM customers WHERE x = :password", ["unknown:password"]),
        ("SELECT ';' AS semicolon_in_a_string", []),
    ],
)
def test_query_problems(query: str, problems: list[str]) -> None:
    assert connector.query_problems(query) == problems


# --- SQLite: the demo database ----------------------------------------------------------


def test_the_demo_database_finds_the_demo_customer(demo_url: str) -> None:
    outcome = run(demo_url, customers.QUERY)
    assert not outcome.truncated
    assert len(outcome.rows) == 1
    row = dict(zip(outcome.columns, outcome.rows[0], strict=True))
    assert row["基本情報:氏名"] == "高橋 美咲"
    assert row["連絡先:住所"] == "〒460-0021 愛知県名古屋市中区平和1丁目1番19号"
    assert row["取引情報:メールマガジン"] == "配信中"
    assert row["location"].startswith("顧客管理データベース（顧客番号 ")


def test_the_demo_query_uses_an_index_for_every_branch(demo_db: Path) -> None:
    plan = (
        sqlite3.connect(demo_db)
        .execute("EXPLAIN QUERY PLAN " + customers.QUERY, MISAKI.as_dict())
        .fetchall()
    )
    details = " ".join(row[-1] for row in plan)
    assert "SCAN customers" not in details.replace("USING INDEX", "")
    for index in ("customers_name_birth", "customers_kana_birth", "customers_phone"):
        assert index in details


def test_someone_else_is_not_found(demo_url: str) -> None:
    nobody = SearchParams(name="存在しない人", date_of_birth="1900-01-01")
    assert run(demo_url, customers.QUERY, nobody).rows == []


def test_an_update_cannot_change_the_sqlite_database(demo_db: Path, demo_url: str) -> None:
    before = (
        sqlite3.connect(demo_db)
        .execute("SELECT name FROM customers WHERE customer_id = 1")
        .fetchone()
    )
    for query in (
        "UPDATE customers SET name = 'changed' WHERE customer_id = 1 RETURNING name",
        "DELETE FROM customers",
        "SELECT 1; UPDATE customers SET name = 'changed'",
        "CREATE TABLE stolen AS SELECT * FROM customers",
    ):
        with pytest.raises(ConnectorError) as raised:
            run(demo_url, query)
        assert raised.value.reason == ConnectorError.REJECTED, query
    after = (
        sqlite3.connect(demo_db)
        .execute("SELECT name FROM customers WHERE customer_id = 1")
        .fetchone()
    )
    assert after == before
    assert sqlite3.connect(demo_db).execute(
        "SELECT count(*) FROM customers WHERE name = 'changed'"
    ).fetchone() == (0,)


def test_a_slow_sqlite_query_is_stopped_at_its_time_limit(demo_url: str) -> None:
    endless = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000000) "
        "SELECT count(*) FROM n"
    )
    started = time.monotonic()
    with pytest.raises(ConnectorError) as raised:
        run(demo_url, endless, timeout=0.5)
    assert raised.value.reason == ConnectorError.TIMED_OUT
    assert time.monotonic() - started < 3


def test_rows_beyond_the_cap_are_not_read(demo_url: str) -> None:
    outcome = run(demo_url, "SELECT customer_id FROM customers ORDER BY customer_id", row_cap=3)
    assert [row[0] for row in outcome.rows] == ["1", "2", "3"]
    assert outcome.truncated


class Spy:
    """A connection that records the SQL text it is given, then passes everything on."""

    def __init__(self, real: Any, seen: list[str]) -> None:
        self._real, self._seen = real, seen

    def execute(self, sql: str, *args: Any) -> Any:
        self._seen.append(sql)
        return self._real.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def test_the_persons_details_never_reach_sqlite_as_sql_text(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    real = connector.read_only_sqlite
    monkeypatch.setattr(connector, "read_only_sqlite", lambda path: Spy(real(path), seen))
    hostile = SearchParams(
        name="高橋美咲' OR '1'='1",
        name_kana='x"); DROP TABLE customers; --',
        date_of_birth="1988-04-12",
        email="' OR 1=1 --",
    )
    assert run(demo_url, customers.QUERY, hostile).rows == []
    assert seen == [customers.QUERY]
    for value in hostile.as_dict().values():
        if value:
            assert all(value not in sql for sql in seen)
    # The same query with the real details finds her: the values were bound, not mangled.
    assert len(run(demo_url, customers.QUERY).rows) == 1


def test_a_missing_file_or_database_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(ConnectorError) as raised:
        run(f"sqlite:///{tmp_path / 'absent.sqlite3'}", "SELECT 1")
    assert raised.value.reason == ConnectorError.FAILED
    with pytest.raises(ConnectorError) as raised:
        run("", "SELECT 1")
    assert raised.value.reason == ConnectorError.NOT_CONFIGURED


# --- PostgreSQL ------------------------------------------------------------------------


def test_postgres_finds_by_bound_parameters(pg_linked_url: str) -> None:
    query = (
        "SELECT customer_id, name FROM linked_customers "
        "WHERE (name_key = :name AND date_of_birth = :date_of_birth) OR email_key = :email"
    )
    outcome = run(pg_linked_url, query)
    assert outcome.rows == [["1", "高橋 美咲"]]
    quoted = SearchParams(name="O'Brien花子", date_of_birth="1970-01-01")
    assert run(pg_linked_url, query, quoted).rows == [["2", "O'Brien 花子"]]


def test_an_update_cannot_change_the_postgres_database(pg_linked_url: str) -> None:
    for query in (
        "UPDATE linked_customers SET name = 'changed' WHERE customer_id = 1 RETURNING name",
        "WITH changed AS (UPDATE linked_customers SET name = 'changed' RETURNING customer_id) "
        "SELECT * FROM changed",
        "DELETE FROM linked_customers RETURNING customer_id",
        "SELECT nextval('no_such_sequence')",
    ):
        with pytest.raises(ConnectorError) as raised:
            run(pg_linked_url, query)
        assert raised.value.reason in (ConnectorError.REJECTED, ConnectorError.FAILED), query
        if "UPDATE" in query or "DELETE" in query:
            assert raised.value.reason == ConnectorError.REJECTED, query
            assert "read-only transaction" in raised.value.detail
    with psycopg.connect(pg_linked_url.replace("postgres://", "postgresql://")) as check:
        names = [row[0] for row in check.execute("SELECT name FROM linked_customers ORDER BY 1")]
    assert names == ["O'Brien 花子", "佐藤 健太", "高橋 美咲"]


def test_a_slow_postgres_query_is_stopped_at_its_time_limit(pg_linked_url: str) -> None:
    started = time.monotonic()
    with pytest.raises(ConnectorError) as raised:
        run(pg_linked_url, "SELECT pg_sleep(10)", timeout=0.5)
    assert raised.value.reason == ConnectorError.TIMED_OUT
    assert time.monotonic() - started < 4


def test_the_persons_details_never_reach_postgres_as_sql_text(
    pg_linked_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    real_connect = psycopg.connect

    class SpyCursor:
        def __init__(self, real: Any) -> None:
            self._real = real

        def __enter__(self) -> SpyCursor:
            self._real.__enter__()
            return self

        def __exit__(self, *args: Any) -> Any:
            return self._real.__exit__(*args)

        def execute(self, sql: Any, *args: Any) -> Any:
            seen.append(str(sql))
            return self._real.execute(sql, *args)

        def stream(self, sql: Any, *args: Any) -> Any:
            seen.append(str(sql))
            return self._real.stream(sql, *args)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._real, name)

    class SpyConnection:
        def __init__(self, real: Any) -> None:
            self._real = real

        def cursor(self) -> SpyCursor:
            return SpyCursor(self._real.cursor())

        def __getattr__(self, name: str) -> Any:
            return getattr(self._real, name)

    monkeypatch.setattr(
        connector.psycopg, "connect", lambda *a, **k: SpyConnection(real_connect(*a, **k))
    )
    hostile = SearchParams(name="高橋美咲' OR '1'='1", email="x'; DROP TABLE linked_customers; --")
    query = "SELECT customer_id FROM linked_customers WHERE name_key = :name OR email_key = :email"
    assert run(pg_linked_url, query, hostile).rows == []
    assert "SET TRANSACTION READ ONLY" in seen
    assert connector.postgres_form(query) in seen
    for value in hostile.as_dict().values():
        if value:
            assert all(value not in sql for sql in seen)

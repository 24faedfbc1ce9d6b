"""The demo customer database: a SQLite file the demo's customer system is linked to, so the
demo shows a connector search that runs by itself (and the benchmark has a table to search).

The table keeps each customer's details as printed and, beside them, the comparable forms
the connector's parameters arrive in (datamap.selectors.search_params), indexed as the
demo query needs.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from identity.names import kana_key, name_key
from requests_app.demo import cases as demo

SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (
    customer_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    name_kana TEXT NOT NULL,
    date_of_birth TEXT NOT NULL,
    postal_code TEXT NOT NULL,
    address TEXT NOT NULL,
    phone TEXT NOT NULL,
    email TEXT NOT NULL,
    registered_on TEXT NOT NULL,
    last_order_on TEXT,
    newsletter INTEGER NOT NULL DEFAULT 0,
    name_key TEXT NOT NULL,
    kana_key TEXT NOT NULL,
    phone_digits TEXT NOT NULL,
    email_key TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS customers_name_birth ON customers (name_key, date_of_birth);
CREATE INDEX IF NOT EXISTS customers_kana_birth ON customers (kana_key, date_of_birth);
CREATE INDEX IF NOT EXISTS customers_phone ON customers (phone_digits);
CREATE INDEX IF NOT EXISTS customers_email ON customers (email_key);
"""

# The query the demo's customer system runs: the person's details arrive as bound
# parameters; each OR branch is answered by one of the indexes above.
QUERY = """SELECT
    customer_id AS "基本情報:顧客番号",
    name AS "基本情報:氏名",
    name_kana AS "基本情報:フリガナ",
    date_of_birth AS "基本情報:生年月日",
    '〒' || postal_code || ' ' || address AS "連絡先:住所",
    phone AS "連絡先:電話番号",
    email AS "連絡先:電子メールアドレス",
    registered_on AS "取引情報:会員登録日",
    last_order_on AS "取引情報:最終購入日",
    CASE newsletter WHEN 1 THEN '配信中' ELSE '配信停止' END AS "取引情報:メールマガジン",
    '顧客管理データベース（顧客番号 ' || customer_id || '）' AS location
FROM customers
WHERE (name_key = :name AND date_of_birth = :date_of_birth)
   OR (kana_key = :name_kana AND date_of_birth = :date_of_birth)
   OR (phone_digits = :phone AND :phone <> '')
   OR (email_key = :email AND :email <> '')
ORDER BY customer_id"""


@dataclass(frozen=True)
class Customer:
    name: str
    name_kana: str
    date_of_birth: date
    postal_code: str
    address: str
    phone: str
    email: str
    registered_on: date
    last_order_on: date | None
    newsletter: bool


# Customers every demo database holds: the requesters of the demo cases and of the tests'
# factories (高橋 美咲), so a search finds them.
KNOWN_CUSTOMERS = [
    Customer(
        name="高橋 美咲",
        name_kana="タカハシ ミサキ",
        date_of_birth=date(1988, 4, 12),
        postal_code="460-0021",
        address="愛知県名古屋市中区平和1丁目1番19号",
        phone="052-322-3355",
        email="misaki.takahashi@example.jp",
        registered_on=date(2019, 6, 3),
        last_order_on=date(2026, 9, 14),
        newsletter=True,
    ),
]


def random_customer(rng: random.Random) -> Customer:
    person = demo.person(rng)
    registered = date(2012, 1, 1) + timedelta(days=rng.randint(0, 365 * 14))
    return Customer(
        name=person.name,
        name_kana=person.name_kana,
        date_of_birth=person.date_of_birth,
        postal_code=person.postal_code,
        address=person.address,
        phone=person.phone,
        email=person.email,
        registered_on=registered,
        last_order_on=registered + timedelta(days=rng.randint(0, 900))
        if rng.random() < 0.8
        else None,
        newsletter=rng.random() < 0.4,
    )


def _row(customer: Customer) -> tuple[object, ...]:
    return (
        customer.name,
        customer.name_kana,
        customer.date_of_birth.isoformat(),
        customer.postal_code,
        customer.address,
        customer.phone,
        customer.email,
        customer.registered_on.isoformat(),
        customer.last_order_on.isoformat() if customer.last_order_on else None,
        int(customer.newsletter),
        name_key(customer.name),
        kana_key(customer.name_kana),
        "".join(ch for ch in customer.phone if ch.isdigit()),
        customer.email.strip().lower(),
    )


def create(path: Path, *, count: int, rng: random.Random, extra: Iterable[Customer] = ()) -> int:
    """Create (or add to) the demo database at `path`: the known customers, `extra` ones and
    `count` random ones. Returns how many rows the table holds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path)
    try:
        connection.executescript(SCHEMA)
        customers = [*KNOWN_CUSTOMERS, *extra]
        present = set(connection.execute("SELECT name, date_of_birth FROM customers").fetchall())
        rows = [_row(c) for c in customers if (c.name, c.date_of_birth.isoformat()) not in present]
        rows += [_row(random_customer(rng)) for _ in range(count)]
        connection.executemany(
            "INSERT INTO customers (name, name_kana, date_of_birth, postal_code, address, phone, "
            "email, registered_on, last_order_on, newsletter, name_key, kana_key, phone_digits, "
            "email_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        connection.commit()
        connection.execute("ANALYZE")
        (total,) = connection.execute("SELECT count(*) FROM customers").fetchone()
    finally:
        connection.close()
    return int(total)

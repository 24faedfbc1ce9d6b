"""`make bench` (`python -m tests.bench`): speed figures, each beside its own baseline.

Runs against its own database (the configured one with `_bench` appended, created and
seeded on first use with BENCH_CASES cases, 100,000 by default, and ten events per case),
so the figures never disturb real or test data. Prints one line per figure:

    BENCH <name> value=<number><unit> baseline=<number><unit> ratio=<number>
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent.parent
REPEAT = int(os.environ.get("BENCH_REPEAT", "25"))


# Databases every PostgreSQL server has, to connect to while creating the bench's own: the
# database DATABASE_URL names may not exist yet (a fresh server, a new checkout).
MAINTENANCE_DATABASES = ("postgres", "template1")
CONNECT_TIMEOUT_SECONDS = 5


class BenchSetupError(Exception):
    """What stops `make bench` before it starts, said plainly (no traceback)."""


def _bench_database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        (ROOT / "var").mkdir(exist_ok=True)
        return f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise BenchSetupError(
            f"DATABASE_URL must be postgres://… (or unset for SQLite), not {parts.scheme}://…"
        )
    base = parts.path.lstrip("/")
    if not base:
        raise BenchSetupError("DATABASE_URL names no database (postgres://host:5432/NAME).")
    name = f"{base}_bench"
    _create_postgres_database(url, name)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _create_postgres_database(url: str, name: str) -> None:
    """Create `name` on the server of `url` unless it exists, connected to a maintenance
    database rather than to the one `url` names."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    server = f"{parts.hostname or 'localhost'}:{parts.port or 5432}"
    connection = None
    failures = []
    for maintenance in MAINTENANCE_DATABASES:
        try:
            connection = psycopg.connect(
                urlunsplit(parts._replace(path=f"/{maintenance}")),
                autocommit=True,
                connect_timeout=CONNECT_TIMEOUT_SECONDS,
            )
            break
        except psycopg.OperationalError as exc:
            failures.append(" ".join(str(exc).split()) or repr(exc))
    if connection is None:
        raise BenchSetupError(
            f"Cannot reach the PostgreSQL server of DATABASE_URL ({server}) to create the "
            f"bench database {name!r}: {failures[0]}. Start the server or correct DATABASE_URL."
        )
    with connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists:
            return
        try:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.errors.DuplicateDatabase:
            pass  # created meanwhile by another run
        except psycopg.Error as exc:
            raise BenchSetupError(
                f"The server {server} refused to create the bench database {name!r}: "
                f"{' '.join(str(exc).split())}"
            ) from exc


def setup() -> None:
    os.environ["DATABASE_URL"] = _bench_database_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.bench.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(count: int) -> Any:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from requests_app.demo import bulk
    from requests_app.models import Case

    user_model = get_user_model()
    staff, _ = user_model.objects.get_or_create(username="bench-staff")
    staff.groups.set([Group.objects.get(name="staff")])
    existing = Case.objects.count()
    if existing < count:
        print(f"seeding {count - existing} cases with 10 events each…", flush=True)
        started = time.perf_counter()
        bulk.create_cases(
            count=count - existing,
            events_per_case=10,
            workers=[staff],
            rng=random.Random(existing),
            batch_size=5000,
        )
        print(f"seeded in {time.perf_counter() - started:.1f} s", flush=True)
    from django.db import connection

    # Fresh planner statistics, as autovacuum keeps them in production: a freshly bulk-loaded
    # table has none, and the plans (and figures) would be those of an unanalysed database.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return staff


def medians_ms(*actions: Callable[[], Any], repeat: int = REPEAT) -> list[float]:
    """The median time of each action, the actions taking turns round by round.

    Taking turns, rather than timing one action and then the next, puts a figure and its
    baseline under the same load: on a shared machine the speed drifts within seconds.
    """
    for action in actions:
        action()  # warm caches and connections
    timings: list[list[float]] = [[] for _ in actions]
    for _ in range(repeat):
        for action, times in zip(actions, timings, strict=True):
            started = time.perf_counter()
            action()
            times.append((time.perf_counter() - started) * 1000)
    return [statistics.median(times) for times in timings]


def read_queries(capture: Any) -> list[str]:
    """Every SELECT the request ran (session, user, permissions and the page's own).

    Writes are left out: the case page appends an access-log event, and replaying that
    INSERT would collide with the event it already wrote.
    """
    return [q["sql"] for q in capture.captured_queries if q["sql"].startswith("SELECT")]


def replay(statements: list[str]) -> Callable[[], None]:
    from django.db import connection

    def run() -> None:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()

    return run


def report(name: str, value: float, baseline: float, unit: str = "ms") -> None:
    print(
        f"BENCH {name} value={value:.1f}{unit} baseline={baseline:.1f}{unit} "
        f"ratio={value / baseline:.2f}",
        flush=True,
    )

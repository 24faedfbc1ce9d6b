"""`make bench` makes its own database from a server URL, or says plainly why it cannot."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests import bench


def free_port() -> int:
    """A port on this machine that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("needs a PostgreSQL server: run with DATABASE_URL=postgres://…")
    return url


@pytest.fixture
def unborn_database(server_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """DATABASE_URL naming a database the server does not have; its _bench one dropped after."""
    import psycopg

    name = f"bench_probe_{uuid.uuid4().hex[:10]}"
    parts = urlsplit(server_url)
    monkeypatch.setenv("DATABASE_URL", urlunsplit(parts._replace(path=f"/{name}")))
    yield name
    with psycopg.connect(
        urlunsplit(parts._replace(path="/postgres")), autocommit=True
    ) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}_bench"')
        assert not connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone(), "the named database itself is never created"


def test_the_bench_database_is_made_when_the_named_one_does_not_exist(
    unborn_database: str,
) -> None:
    import psycopg

    url = bench._bench_database_url()
    assert urlsplit(url).path == f"/{unborn_database}_bench"
    with psycopg.connect(url) as connection:
        assert connection.execute("SELECT current_database()").fetchone() == (
            f"{unborn_database}_bench",
        )
    assert bench._bench_database_url() == url  # found the second time, not made again


def test_an_unreachable_server_is_named_without_its_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = free_port()
    monkeypatch.setenv("DATABASE_URL", f"postgres://app:s3cret-pw@127.0.0.1:{port}/appi")
    with pytest.raises(bench.BenchSetupError) as caught:
        bench._bench_database_url()
    message = str(caught.value)
    assert message.startswith(
        f"Cannot reach the PostgreSQL server of DATABASE_URL (127.0.0.1:{port}) "
        "to create the bench database 'appi_bench'"
    )
    assert "s3cret-pw" not in message


def test_make_bench_stops_with_a_message_not_a_traceback() -> None:
    port = free_port()
    environ = {**os.environ, "DATABASE_URL": f"postgres://app@127.0.0.1:{port}/appi"}
    result = subprocess.run(
        [sys.executable, "-m", "tests.bench"],
        cwd=bench.ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("make bench: Cannot reach the PostgreSQL server")
    assert "Traceback" not in result.stderr
    assert "Start the server or correct DATABASE_URL." in result.stderr


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://app@127.0.0.1/appi", "DATABASE_URL must be postgres://"),
        ("postgres://app@127.0.0.1:5432/", "DATABASE_URL names no database"),
    ],
)
def test_a_url_it_cannot_use_is_said_so(
    monkeypatch: pytest.MonkeyPatch, url: str, message: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(bench.BenchSetupError, match=message):
        bench._bench_database_url()

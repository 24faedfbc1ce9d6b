"""A connector: search a system's own database for the person, read-only.

A system on the data map may be linked to a database the server names in its environment
(settings.DATAMAP_CONNECTORS: name -> URL; the URL is never stored in the app's database),
with a query that takes the person's details as bound parameters:

    :name  :name_kana  :date_of_birth  :postal_code  :phone  :email

The details are never put into the SQL text: the query is sent as written (with its
placeholders) and the values travel separately (PostgreSQL's extended protocol, SQLite's
bindings). Every value is passed in a comparable form (see `SearchParams.of`).

Whatever the query says, it cannot change anything: on PostgreSQL it runs in a transaction
opened with SET TRANSACTION READ ONLY and rolled back; on SQLite the file is opened read-only
(a `mode=ro` URI) with `query_only` on. It cannot run past its time limit (PostgreSQL's
statement_timeout; on SQLite a progress handler that interrupts it), and at most `row_cap`
rows are read. A leaf module: it imports nothing of the project.
"""

from __future__ import annotations

import contextlib
import functools
import re
import sqlite3
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast
from urllib.parse import quote, unquote, urlsplit

import psycopg
from psycopg import errors

PARAMETERS = ("name", "name_kana", "date_of_birth", "postal_code", "phone", "email")


class ConnectorError(Exception):
    """A search that did not run to the end. `reason` is one of the codes below; the task
    shows a sentence for it and the department can answer by hand."""

    NOT_CONFIGURED = "not_configured"
    REJECTED = "rejected"  # the query tried to change the database, or is not allowed
    TIMED_OUT = "timed_out"
    FAILED = "failed"  # any other database error (bad SQL, unreachable server)

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class SearchParams:
    """The person's details as the query receives them (every one a string, "" if unknown),
    each in a comparable form (datamap.selectors.search_params makes them):

    name and name_kana: as identity.names compares names (NFKC, no spaces, variant kanji in
    their common form, kana in katakana); date_of_birth: YYYY-MM-DD; postal_code: seven
    digits; phone: digits only; email: lower case.
    """

    name: str = ""
    name_kana: str = ""
    date_of_birth: str = ""
    postal_code: str = ""
    phone: str = ""
    email: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class SearchOutcome:
    columns: list[str]
    rows: list[list[str]]  # every value as text ("" for NULL)
    truncated: bool  # more rows than the cap matched; only the first `cap` are here


# --- the query's text: placeholders, checks, and the PostgreSQL form --------------------------

_PLACEHOLDER = re.compile(r":([A-Za-z_][A-Za-z0-9_]*)")
_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$")


def _tokens(query: str) -> Iterator[tuple[str, str]]:
    """The query as ("code" | "text" | "comment" | "param", source) tokens.

    Quoted strings, quoted identifiers and dollar-quoted bodies are "text" and comments are
    "comment": a colon inside them is not a placeholder, and neither is PostgreSQL's `::`.
    """
    i, n, start = 0, len(query), 0

    def code_until(position: int) -> Iterator[tuple[str, str]]:
        if position > start:
            yield "code", query[start:position]

    while i < n:
        char = query[i]
        if char in "'\"":
            end = i + 1
            while end < n:
                if query[end] == char:
                    if query[end + 1 : end + 2] == char:
                        end += 2  # a doubled quote inside the string
                        continue
                    break
                end += 1
            stop = min(end + 1, n)
            yield from code_until(i)
            yield "text", query[i:stop]
            i = start = stop
        elif query.startswith("--", i) or query.startswith("/*", i):
            if query[i + 1] == "-":
                close = query.find("\n", i)
                end = n if close < 0 else close
            else:
                close = query.find("*/", i + 2)
                end = n if close < 0 else close + 2
            yield from code_until(i)
            yield "comment", query[i:end]
            i = start = end
        elif char == "$" and (tag := _DOLLAR_TAG.match(query, i)):
            close = query.find(tag.group(0), tag.end())
            end = n if close < 0 else close + len(tag.group(0))
            yield from code_until(i)
            yield "text", query[i:end]
            i = start = end
        elif query.startswith("::", i):
            i += 2
        elif char == ":" and (found := _PLACEHOLDER.match(query, i)):
            yield from code_until(i)
            yield "param", found.group(1)
            i = start = found.end()
        else:
            i += 1
    yield from code_until(n)


def placeholders(query: str) -> list[str]:
    """The names of the query's placeholders, each once, in order of appearance."""
    return list(_placeholders(query))


@functools.lru_cache(maxsize=128)
def _placeholders(query: str) -> tuple[str, ...]:
    # Read once per query text: a search runs the same query for every person.
    names: list[str] = []
    for kind, value in _tokens(query):
        if kind == "param" and value not in names:
            names.append(value)
    return tuple(names)


def _code(query: str) -> str:
    """The query's code alone: strings become '' and comments a space (for the checks)."""
    blanks = {"text": "''", "comment": " ", "param": ":p"}
    return "".join(blanks.get(kind, value) for kind, value in _tokens(query))


def query_problems(query: str) -> list[str]:
    """What is wrong with a query before it is ever run (as codes; forms show sentences):
    "empty", "not_select" (it must be one SELECT, possibly with WITH), "several" (more than
    one statement), "unknown:<name>" for a placeholder that is not one of PARAMETERS.

    This is a courtesy for the person writing the query; what guarantees that a query
    cannot write is the read-only transaction or connection it runs in."""
    code = _code(query).strip().rstrip(";").strip()
    if not code:
        return ["empty"]
    problems = []
    if ";" in code:
        problems.append("several")
    if not re.match(r"(?is)^\(*\s*(select|with)\b", code):
        problems.append("not_select")
    problems += [f"unknown:{name}" for name in placeholders(query) if name not in PARAMETERS]
    return problems


@functools.lru_cache(maxsize=128)
def postgres_form(query: str) -> str:
    """The query for psycopg: `:name` becomes `%(name)s`, and a literal % is doubled."""
    return "".join(
        f"%({value})s" if kind == "param" else value.replace("%", "%%")
        for kind, value in _tokens(query)
    )


# --- running it -------------------------------------------------------------------------


def search(
    url: str | None,
    query: str,
    params: SearchParams,
    *,
    timeout: float,
    row_cap: int,
) -> SearchOutcome:
    """Run the query once against the database at `url`, read-only, and return its rows.

    Raises ConnectorError (not_configured, rejected, timed_out or failed)."""
    if not url:
        raise ConnectorError(ConnectorError.NOT_CONFIGURED)
    unknown = [name for name in placeholders(query) if name not in PARAMETERS]
    if unknown:
        raise ConnectorError(ConnectorError.REJECTED, ", ".join(unknown))
    scheme = urlsplit(url).scheme
    values = params.as_dict()
    if scheme == "sqlite":
        return _search_sqlite(url, query, values, timeout=timeout, row_cap=row_cap)
    if scheme in ("postgres", "postgresql"):
        return _search_postgres(url, query, values, timeout=timeout, row_cap=row_cap)
    raise ConnectorError(ConnectorError.NOT_CONFIGURED, scheme)


def sqlite_path(url: str) -> str:
    """The file of a sqlite:///path URL (sqlite:////abs/path or sqlite:///relative)."""
    return unquote(urlsplit(url).path[1:])


def read_only_sqlite(path: str) -> sqlite3.Connection:
    """A connection to an existing SQLite file that cannot write to it."""
    uri = f"file:{quote(path)}?mode=ro"
    connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
    connection.execute("PRAGMA query_only = ON")
    return connection


def _search_sqlite(
    url: str, query: str, values: dict[str, str], *, timeout: float, row_cap: int
) -> SearchOutcome:
    path = sqlite_path(url)
    try:
        connection = read_only_sqlite(path)
    except sqlite3.Error as error:
        raise ConnectorError(ConnectorError.FAILED, str(error)) from error
    deadline = time.monotonic() + timeout
    # Asked every 10,000 virtual-machine steps (well under a millisecond) whether to stop.
    connection.set_progress_handler(_past(deadline), 10_000)
    try:
        cursor = connection.execute(query, values)
        columns = [column[0] for column in cursor.description or ()]
        rows = cursor.fetchmany(row_cap + 1)
    except sqlite3.OperationalError as error:
        message = str(error)
        if "interrupted" in message:
            raise ConnectorError(ConnectorError.TIMED_OUT, message) from error
        if "readonly" in message or "read-only" in message or "query_only" in message:
            raise ConnectorError(ConnectorError.REJECTED, message) from error
        raise ConnectorError(ConnectorError.FAILED, message) from error
    except sqlite3.ProgrammingError as error:
        # "You can only execute one statement at a time": a second statement was smuggled in.
        raise ConnectorError(ConnectorError.REJECTED, str(error)) from error
    except sqlite3.Error as error:
        raise ConnectorError(ConnectorError.FAILED, str(error)) from error
    finally:
        connection.close()
    return _outcome(columns, rows, row_cap)


def _past(deadline: float) -> Callable[[], int]:
    def interrupt() -> int:
        return 1 if time.monotonic() > deadline else 0

    return interrupt


def _search_postgres(
    url: str, query: str, values: dict[str, str], *, timeout: float, row_cap: int
) -> SearchOutcome:
    milliseconds = str(max(1, int(timeout * 1000)))
    try:
        connection = psycopg.connect(
            _postgres_dsn(url), connect_timeout=max(1, int(timeout)), autocommit=False
        )
    except psycopg.Error as error:
        raise ConnectorError(ConnectorError.FAILED, _first_line(error)) from error
    try:
        with connection.cursor() as cursor:
            # The first statement of the transaction: nothing after it may write.
            cursor.execute("SET TRANSACTION READ ONLY")
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [milliseconds])
            rows: list[Sequence[Any]] = []
            columns: list[str] = []
            # A generator: closing it cancels the rest of the query and frees the connection.
            stream = cast(Generator[Any, None, None], cursor.stream(postgres_form(query), values))
            for row in stream:
                if not columns:
                    columns = [column.name for column in cursor.description or ()]
                rows.append(row)
                if len(rows) > row_cap:
                    break
            if not columns and cursor.description:
                columns = [column.name for column in cursor.description]
            stream.close()
    except errors.QueryCanceled as error:
        raise ConnectorError(ConnectorError.TIMED_OUT, _first_line(error)) from error
    except (errors.ReadOnlySqlTransaction, errors.InsufficientPrivilege) as error:
        raise ConnectorError(ConnectorError.REJECTED, _first_line(error)) from error
    except psycopg.Error as error:
        raise ConnectorError(ConnectorError.FAILED, _first_line(error)) from error
    finally:
        _close(connection)
    return _outcome(columns, rows, row_cap)


def _close(connection: psycopg.Connection[Any]) -> None:
    """Roll back (nothing was written, nothing is kept) and hang up, whatever happened."""
    with contextlib.suppress(psycopg.Error):
        connection.rollback()
    connection.close()


def _postgres_dsn(url: str) -> str:
    parts = urlsplit(url)
    return parts._replace(scheme="postgresql").geturl()


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _outcome(columns: list[str], rows: Sequence[Sequence[Any]], row_cap: int) -> SearchOutcome:
    return SearchOutcome(
        columns=columns,
        rows=[[_text(value) for value in row] for row in rows[:row_cap]],
        truncated=len(rows) > row_cap,
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | int | float):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return "(binary)"
    return str(value)

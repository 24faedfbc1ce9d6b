"""`load_case_page`: the case page under load, served as in production, with nothing lost.

gunicorn (4 sync workers, `config.wsgi`) serves the app on the bench database. For 30 seconds
16 members of staff, each signed in through the login page (CSRF and all), open a random
case page, wait 0.2 s and repeat; every view appends its access event (`case.viewed`) to the
hash-chained audit trail. Meanwhile 2 managers each approve a waiting case every 2 seconds
the way a person does: open its page, press "Approve the decision" (the real POST with the
form's CSRF token and the state seen), and read the page it leads back to.

The line reads `BENCH load_case_page value=<p95 of the case pages> baseline=<p95 of the
sign-in page> ratio=… p95=… rps=… errors=…`. The baseline is the sign-in page fetched by
an anonymous visitor every 0.2 s during the same run: a page rendered by Django through the
same middleware and template machinery that needs no database (the bench checks that it
runs no query), so the ratio is what the case page's database work and its audit write add
under this load. (A static file would measure WhiteNoise, not Django.)

Then the figure checks its own conditions, and `make bench` fails when one does not hold:
no request failed (errors=0); the audit chain written during the run verifies, linked to
the head before it; every case page served left exactly one access event by its viewer for
its case, and every approval that succeeded left its `case.decision.approved` event (and
nothing else appeared); the p95 of the case pages is under 500 ms.

It runs only on PostgreSQL: four processes writing to one SQLite file measure the file lock.
Everything it needs is prepared in the bench database: the users (`bench-load-*`, with
passwords) and 40 cases waiting for approval with every item decided, opened by
`bench-load-clerk` so no other figure reads them. The run adds access events and approved
cases to the bench database, as a day in the office would.
"""

from __future__ import annotations

import http.client
import math
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

from tests.bench import ROOT, report

DURATION = float(os.environ.get("BENCH_LOAD_SECONDS", "30"))
STAFF = 16
MANAGERS = 2
THINK_SECONDS = 0.2
APPROVE_EVERY_SECONDS = 2.0
WORKERS = 4
TARGET_P95_MS = 500.0
PASSWORD = "bench-load-2026"  # bench database only
WAITING_CASES = 40  # 2 managers x 15 approvals in 30 s, and a margin
BASELINE_PATH = "/accounts/login/"


# --- a browser, one per person -----------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: str
    elapsed_ms: float


class Browser:
    """One person's browser: cookies, and one request at a time. gunicorn's sync workers close
    every connection after its response, so each request opens its own, as browsers then do."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Response:
        headers = {"Host": f"127.0.0.1:{self.port}", "User-Agent": "bench-load"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://127.0.0.1:{self.port}"
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        elapsed = (time.perf_counter() - started) * 1000
        for header in response.msg.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return Response(response.status, response.msg, data.decode("utf-8", "replace"), elapsed)

    def sign_in(self, username: str, password: str) -> None:
        page = self.request("GET", "/accounts/login/")
        token = _csrf_token(page.body)
        answer = self.request(
            "POST",
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": username, "password": password},
        )
        if answer.status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"{username} could not sign in ({answer.status})")


_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _csrf_token(html: str) -> str:
    found = _CSRF.search(html)
    if found is None:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1)


def _approve_form(html: str, reference: str) -> dict[str, str] | None:
    """The "Approve the decision" form of the case page, as the browser would send it."""
    action = f'action="/cases/{reference}/transition/approve/"'
    start = html.find(action)
    if start < 0:
        return None
    form = html[start : html.find("</form>", start)]
    state = re.search(r'name="expected_state" value="([^"]+)"', form)
    if state is None:
        return None
    return {"csrfmiddlewaretoken": _csrf_token(form), "expected_state": state.group(1)}


# --- what the run records ----------------------------------------------------------------


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    case_pages: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)
    approvals: list[float] = field(default_factory=list)
    views: Counter[tuple[str, str]] = field(default_factory=Counter)  # (user, reference)
    approved: Counter[tuple[str, str]] = field(default_factory=Counter)
    requests: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, kind: str, elapsed_ms: float) -> None:
        with self.lock:
            getattr(self, kind).append(elapsed_ms)
            self.requests += 1

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)
            self.requests += 1


def _staff_loop(
    browser: Browser, username: str, references: list[str], deadline: float, tally: Tally
) -> None:
    rng = random.Random(username)
    while time.monotonic() < deadline:
        reference = rng.choice(references)
        try:
            page = browser.request("GET", f"/cases/{reference}/")
        except (OSError, http.client.HTTPException) as error:
            tally.error(f"{username} GET {reference}: {error!r}")
        else:
            if page.status == 200 and reference in page.body:
                tally.add("case_pages", page.elapsed_ms)
                with tally.lock:
                    tally.views[(username, reference)] += 1
            else:
                tally.error(f"{username} GET {reference}: {page.status}")
        time.sleep(THINK_SECONDS)


def _manager_loop(
    browser: Browser, username: str, waiting: list[str], deadline: float, tally: Tally
) -> None:
    due = time.monotonic()
    for reference in waiting:
        if due >= deadline:
            return
        time.sleep(max(0.0, due - time.monotonic()))
        due += APPROVE_EVERY_SECONDS
        path = f"/cases/{reference}/"
        try:
            page = browser.request("GET", path)
            if page.status != 200:
                tally.error(f"{username} GET {reference}: {page.status}")
                continue
            tally.add("case_pages", page.elapsed_ms)
            with tally.lock:
                tally.views[(username, reference)] += 1
            form = _approve_form(page.body, reference)
            if form is None:
                tally.error(f"{username}: no approve button on {reference}")
                continue
            answer = browser.request("POST", f"/cases/{reference}/transition/approve/", form)
            if answer.status != 302 or answer.headers.get("Location") != path:
                tally.error(f"{username} POST approve {reference}: {answer.status}")
                continue
            tally.add("approvals", answer.elapsed_ms)
            after = browser.request("GET", path)
            if after.status != 200:
                tally.error(f"{username} GET {reference} after approving: {after.status}")
                continue
            tally.add("case_pages", after.elapsed_ms)
            with tally.lock:
                tally.views[(username, reference)] += 1
            if 'class="message success"' not in after.body:
                tally.error(f"{username}: approving {reference} did not succeed")
                continue
            with tally.lock:
                tally.approved[(username, reference)] += 1
        except (OSError, http.client.HTTPException) as error:
            tally.error(f"{username} {reference}: {error!r}")


def _baseline_loop(browser: Browser, deadline: float, tally: Tally) -> None:
    while time.monotonic() < deadline:
        try:
            page = browser.request("GET", BASELINE_PATH)
        except (OSError, http.client.HTTPException) as error:
            tally.error(f"GET {BASELINE_PATH}: {error!r}")
        else:
            if page.status == 200:
                tally.add("baseline", page.elapsed_ms)
            else:
                tally.error(f"GET {BASELINE_PATH}: {page.status}")
        time.sleep(THINK_SECONDS)


# --- preparing the bench database ---------------------------------------------------------


def _user(username: str, group: str, family: str, given: str) -> Any:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user, _ = get_user_model().objects.get_or_create(
        username=username, defaults={"last_name": family, "first_name": given}
    )
    user.set_password(PASSWORD)
    user.is_active = True
    user.save()
    user.groups.set([Group.objects.get(name=group)])
    return user


def _prepare_users() -> tuple[list[Any], list[Any], Any]:
    staff = [
        _user(f"bench-load-staff-{n:02d}", "staff", "事務", f"担当{n:02d}")
        for n in range(1, STAFF + 1)
    ]
    managers = [
        _user(f"bench-load-manager-{n}", "manager", "管理", f"者{n}")
        for n in range(1, MANAGERS + 1)
    ]
    clerk = _user("bench-load-clerk", "staff", "受付", "担当")
    return staff, managers, clerk


def _prepare_waiting_cases(clerk: Any, manager: Any) -> list[str]:
    """Cases waiting for approval with every item decided, opened and walked there through
    the services by `clerk` (so no other figure picks them); made up to WAITING_CASES."""
    from django.utils import timezone

    from requests_app import queue, services
    from requests_app.choices import CaseState
    from requests_app.demo import cases as demo
    from requests_app.models import Case

    def waiting() -> list[str]:
        return list(
            Case.objects.filter(state=CaseState.AWAITING_APPROVAL, created_by=clerk)
            .order_by("id")
            .values_list("reference", flat=True)
        )

    missing = WAITING_CASES - len(waiting())
    if missing > 0:
        print(f"load_case_page: preparing {missing} cases waiting for approval…", flush=True)
        rng = random.Random(len(waiting()))
        today = timezone.localdate()
        with queue.messages_held():  # their reminders are none of this figure's business
            for _ in range(missing):
                person = demo.person(rng)
                kinds = demo.kinds(rng)
                arrival = today - timedelta(days=rng.randint(2, 6))
                case = services.case_open(
                    actor=clerk,
                    requester=services.RequesterData(**person.__dict__),
                    case_data=services.CaseData(
                        arrival_date=arrival,
                        postmark_date=arrival - timedelta(days=1),
                        mail_type="simple_registered",
                        disclosure_method="paper" if "disclosure" in kinds else "",
                    ),
                    items=[services.ItemData(kind=k, details=demo.DETAILS[k]) for k in kinds],
                )
                demo.walk_to(case, CaseState.AWAITING_APPROVAL, staff=clerk, manager=manager)
    return waiting()


def _baseline_needs_no_database() -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = Client().get(BASELINE_PATH)
    assert response.status_code == 200, response.status_code
    assert len(queries) == 0, [query["sql"] for query in queries.captured_queries]


# --- the server ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def workers_cpu_seconds(master: int) -> float:
    """CPU time used so far by the children of process `master` (Linux /proc; 0 elsewhere):
    on a shared machine it says how much of the machine the server actually got."""
    ticks = 0
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:  # ppid
            ticks += int(fields[11]) + int(fields[12])  # utime + stime
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    port: int
    pid: int


@contextmanager
def gunicorn() -> Iterator[Server]:
    """The app as production serves it (README, "Running in production"), on the bench
    database."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"],
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "false",
    }
    (ROOT / "var").mkdir(exist_ok=True)
    log = open(ROOT / "var" / "bench-gunicorn.log", "wb")  # noqa: SIM115
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            f"--workers={WORKERS}",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        probe = Browser(port)
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "gunicorn did not start; see var/bench-gunicorn.log:\n"
                    + (ROOT / "var" / "bench-gunicorn.log").read_text(errors="replace")[-2000:]
                )
            try:
                if probe.request("GET", BASELINE_PATH).status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        # Every worker has loaded the app before the clock starts (a cold worker's first
        # request imports half of Django).
        for _ in range(WORKERS * 4):
            probe.request("GET", BASELINE_PATH)
        yield Server(port=port, pid=server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


# --- the figure ----------------------------------------------------------------------------


def p95(values: list[float]) -> float:
    """The 95th percentile, nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def run(_staff: Any) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        print(
            "load_case_page: skipped: the bench database is SQLite (set DATABASE_URL to a "
            "PostgreSQL server; four gunicorn workers writing to one SQLite file would "
            "measure its lock)",
            flush=True,
        )
        return
    from requests_app import audit

    staff, managers, clerk = _prepare_users()
    waiting = _prepare_waiting_cases(clerk, managers[0])
    if len(waiting) < WAITING_CASES:
        raise SystemExit(f"load_case_page: only {len(waiting)} cases wait for approval")
    from requests_app.models import Case

    references = list(Case.objects.values_list("reference", flat=True))
    _baseline_needs_no_database()
    head_seq, head_hash = audit.current_head()
    connection.close()  # the bench process stays out of the way while the server works

    tally = Tally()
    with gunicorn() as server:
        port = server.port
        browsers: dict[str, Browser] = {}
        for user in [*staff, *managers]:
            browsers[user.username] = Browser(port)
            browsers[user.username].sign_in(user.username, PASSWORD)
        cpu_before = workers_cpu_seconds(server.pid)
        deadline = time.monotonic() + DURATION
        started = time.monotonic()
        threads = [
            threading.Thread(
                target=_staff_loop,
                args=(browsers[u.username], u.username, references, deadline, tally),
            )
            for u in staff
        ]
        threads += [
            threading.Thread(
                target=_manager_loop,
                args=(browsers[m.username], m.username, waiting[n::MANAGERS], deadline, tally),
            )
            for n, m in enumerate(managers)
        ]
        threads.append(
            threading.Thread(target=_baseline_loop, args=(Browser(port), deadline, tally))
        )
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        cpu = workers_cpu_seconds(server.pid) - cpu_before

    problems = _check(tally, head_seq, head_hash)
    value, baseline = p95(tally.case_pages), p95(tally.baseline)
    rps = tally.requests / elapsed
    report(
        "load_case_page",
        value,
        baseline,
        extra={"p95": f"{value:.1f}ms", "rps": f"{rps:.1f}", "errors": str(len(tally.errors))},
    )
    approvals = sum(tally.approved.values())
    print(
        f"load_case_page: {len(tally.case_pages)} case pages in {elapsed:.1f} s "
        f"(median {statistics.median(tally.case_pages):.1f} ms, max "
        f"{max(tally.case_pages):.1f} ms), {len(tally.baseline)} sign-in pages "
        f"(median {statistics.median(tally.baseline):.1f} ms), {approvals} approvals "
        f"(p95 {p95(tally.approvals) if tally.approvals else 0:.1f} ms), "
        f"{STAFF} staff and {MANAGERS} managers, gunicorn with {WORKERS} workers",
        flush=True,
    )
    if cpu:
        print(
            f"load_case_page: the gunicorn workers used {cpu:.1f} CPU-seconds, "
            f"{1000 * cpu / tally.requests:.0f} ms a request, {cpu / elapsed:.2f} of the "
            f"machine's {os.cpu_count()} cores (the rest went to PostgreSQL, the load "
            f"generator and whatever else runs here); load average "
            f"{os.getloadavg()[0]:.1f}",
            flush=True,
        )
    if value >= TARGET_P95_MS:
        problems.append(f"p95 of the case pages {value:.1f} ms is not under {TARGET_P95_MS} ms")
    for error in tally.errors[:20]:
        print(f"load_case_page: error: {error}", flush=True)
    if problems:
        for problem in problems:
            print(f"load_case_page: FAILED: {problem}", flush=True)
        raise SystemExit(1)
    print("load_case_page: errors=0, nothing lost, the audit chain verifies", flush=True)


def _check(tally: Tally, head_seq: int, head_hash: str) -> list[str]:
    """What must hold after the run; the problems found (none when all is well)."""
    from requests_app import audit
    from requests_app.audit import AuditEvent
    from requests_app.choices import CaseState
    from requests_app.models import Case

    problems: list[str] = []
    if tally.errors:
        problems.append(f"{len(tally.errors)} requests failed")
    if not tally.approved:
        problems.append("no approval succeeded")

    # The chain written during the run: unbroken, linked to the head before it, ending at
    # the head now. (The whole trail is `manage.py verify_audit`; this part is what the run
    # wrote.)
    before = AuditEvent.objects.filter(seq=head_seq).values_list("hash", flat=True).first()
    if head_seq and before != head_hash:
        problems.append(f"the event #{head_seq} no longer matches the head taken before the run")
    written = AuditEvent.objects.filter(seq__gt=head_seq).order_by("seq").iterator(chunk_size=2000)
    problem, last_seq, last_hash = audit.verify_events(
        written, start_seq=head_seq + 1, start_hash=head_hash
    )
    if problem is not None:
        problems.append(f"the audit chain is broken: {problem}")
    elif (last_seq, last_hash) != audit.current_head():
        problems.append("the audit chain does not end at its head")
    else:
        print(
            f"load_case_page: audit chain verified from #{head_seq + 1} to #{last_seq}, "
            f"linked to the head before the run",
            flush=True,
        )

    names = [*{user for user, _ in tally.views}, *{user for user, _ in tally.approved}]
    events = AuditEvent.objects.filter(seq__gt=head_seq, actor_username__in=names)
    reference_of = dict(
        Case.objects.filter(
            pk__in=events.exclude(case_id=None).values("case_id").distinct()
        ).values_list("pk", "reference")
    )

    def recorded(action: str) -> Counter[tuple[str, str]]:
        return Counter(
            (username, reference_of[case_id])
            for username, case_id in events.filter(action=action).values_list(
                "actor_username", "case_id"
            )
        )

    viewed = recorded("case.viewed")
    lost = tally.views - viewed
    extra = viewed - tally.views
    if lost:
        problems.append(f"{sum(lost.values())} case pages served left no access event: {lost}")
    if extra:
        problems.append(f"{sum(extra.values())} access events without a page served: {extra}")
    approved = recorded("case.decision.approved")
    if approved != tally.approved:
        problems.append(f"approvals seen {sorted(tally.approved)} but recorded {sorted(approved)}")
    not_approved = Case.objects.filter(
        reference__in=[reference for _, reference in tally.approved]
    ).exclude(state=CaseState.APPROVED)
    if not_approved.exists():
        problems.append(f"approved cases not in the approved state: {list(not_approved)}")
    print(
        f"load_case_page: {sum(viewed.values())} access events for "
        f"{sum(tally.views.values())} case pages served; {sum(approved.values())} approval "
        f"events for {sum(tally.approved.values())} approvals",
        flush=True,
    )
    return problems

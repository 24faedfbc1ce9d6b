"""`make bench` figures of the data map (BENCH_ONLY=datamap runs only these).

- `task_list`: a department contact's list of open tasks (`/tasks/`, first page of 25), with
  three search tasks for every case of the bench database and 50 of them open for the
  contact's department, beside replaying the page's own SELECTs through a raw cursor.
- `connector_search`: the connector's search (`requests_app.datamap.connector.search`, in
  this process, not through Celery) of the demo customer database with 100,000 customers
  (BENCH_CUSTOMERS), beside the same query with the same bound values through a bare SQLite
  connection. Both open and close their connection each time, as a search does.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from datetime import timedelta
from typing import Any

from tests.bench import ROOT, medians_ms, read_queries, replay, report

TASKS_PER_CASE = 3
CONTACT_OPEN = 50
CONTACT_DONE = 2000  # the contact's department's answered tasks of the past


def _bench_department(staff: Any) -> tuple[Any, Any]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from requests_app.datamap.models import DataSystem, Department

    department, _ = Department.objects.get_or_create(
        name="ベンチ計測部", defaults={"name_en": "Bench department"}
    )
    system, _ = DataSystem.objects.get_or_create(
        name="ベンチ計測用システム",
        defaults={
            "name_en": "Bench system",
            "department": department,
            "relationships": ["customer"],
            "search_keys": ["name", "date_of_birth"],
            "items": ["name"],
            "retention": "5年",
        },
    )
    contact, _ = get_user_model().objects.get_or_create(
        username="bench-contact", defaults={"email": "bench-contact@cmc.example.jp"}
    )
    contact.groups.set([Group.objects.get(name="department_contact")])
    department.contacts.set([contact])
    return system, contact


def _seed_tasks(staff: Any, bench_system: Any) -> None:
    """Three tasks per case (three different systems), as answered in the past for closed
    cases and open for those being worked on; 50 open and 2,000 accepted ones belong to the
    bench department."""
    from django.db import connection

    from requests_app.datamap.choices import WAITING_FOR_DEPARTMENT, TaskStatus
    from requests_app.datamap.models import DataSystem, SearchTask
    from requests_app.datamap.selectors import SEARCHING_STATES
    from requests_app.models import Case

    cases = list(Case.objects.order_by("pk").values_list("pk", "state", "arrival_date"))
    wanted = len(cases) * TASKS_PER_CASE
    if SearchTask.objects.count() >= wanted:
        return
    SearchTask.objects.all().delete()
    print(f"seeding {wanted} search tasks…", flush=True)
    started = time.perf_counter()
    systems = list(
        DataSystem.objects.filter(active=True, requests_apply=True)
        .exclude(pk=bench_system.pk)
        .values_list("pk", "department_id")
    )
    rng = random.Random(13)
    searching = [pk for pk, state, _ in cases if state in SEARCHING_STATES]
    others = [pk for pk, state, _ in cases if state not in SEARCHING_STATES]
    ours = set(rng.sample(searching, CONTACT_OPEN)) | set(rng.sample(others, CONTACT_DONE))
    batch: list[SearchTask] = []
    for index, (case_id, state, arrival) in enumerate(cases):
        sent = arrival + timedelta(days=3)
        due = sent + timedelta(days=5)
        picks = [systems[(index + step) % len(systems)] for step in range(TASKS_PER_CASE)]
        if case_id in ours:
            picks[-1] = (bench_system.pk, bench_system.department_id)
        for system_id, department_id in picks:
            if state in SEARCHING_STATES:
                status = rng.choice([TaskStatus.OPEN, TaskStatus.OPEN, TaskStatus.ANSWERED])
                if system_id == bench_system.pk:
                    status = TaskStatus.OPEN
            else:
                status = TaskStatus.ACCEPTED
            batch.append(
                SearchTask(
                    case_id=case_id,
                    system_id=system_id,
                    department_id=department_id,
                    kinds=["disclosure"],
                    status=status,
                    sent_on=sent,
                    due_date=due,
                    warning_date=due - timedelta(days=1),
                    created_by=staff,
                )
            )
        if len(batch) >= 6000:
            SearchTask.objects.bulk_create(batch)
            batch = []
    SearchTask.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    open_ours = SearchTask.objects.filter(
        system=bench_system, status__in=WAITING_FOR_DEPARTMENT
    ).count()
    assert open_ours == CONTACT_OPEN, open_ours
    print(f"seeded in {time.perf_counter() - started:.1f} s", flush=True)


def task_list(staff: Any) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    system, contact = _bench_department(staff)
    _seed_tasks(staff, system)
    client = Client()
    client.force_login(contact)

    def page() -> None:
        response = client.get("/tasks/")
        assert response.status_code == 200, response.status_code
        assert response.content.count(b'data-task="') == 25

    with CaptureQueriesContext(connection) as captured:
        page()
    report("task_list", *medians_ms(page, replay(read_queries(captured))))


def connector_search() -> None:
    from requests_app.datamap import connector
    from requests_app.datamap.connector import SearchParams
    from requests_app.demo import customers

    count = int(os.environ.get("BENCH_CUSTOMERS", "100000"))
    path = ROOT / "var" / "bench-customers.sqlite3"
    existing = 0
    if path.exists():
        with sqlite3.connect(path) as check:
            existing = check.execute("SELECT count(*) FROM customers").fetchone()[0]
    if existing < count:
        print(f"seeding {count - existing} demo customers…", flush=True)
        customers.create(path, count=count - existing, rng=random.Random(existing))
    url = f"sqlite:///{path}"
    params = SearchParams(
        name="高橋美咲",
        name_kana="タカハシミサキ",
        date_of_birth="1988-04-12",
        postal_code="4600021",
        phone="0523223355",
        email="misaki.takahashi@example.jp",
    )
    values = params.as_dict()

    def search() -> None:
        outcome = connector.search(url, customers.QUERY, params, timeout=10, row_cap=50)
        assert len(outcome.rows) >= 1

    def bare() -> None:
        database = sqlite3.connect(path)
        try:
            rows = database.execute(customers.QUERY, values).fetchall()
        finally:
            database.close()
        assert len(rows) >= 1

    report("connector_search", *medians_ms(search, bare, repeat=200))


def run(staff: Any) -> None:
    task_list(staff)
    connector_search()

"""`dashboard`: the SLA dashboard's median server time, beside replaying the SQL it runs.

The baseline is the bare cost of the aggregates the page needs (its SELECTs, replayed on
the same connection), so the ratio is what Django, the Python arithmetic and the
template add on top of the database's own work.
"""

from __future__ import annotations

from typing import Any

from tests.bench import medians_ms, read_queries, replay, report


def run(staff: Any) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    manager, _ = get_user_model().objects.get_or_create(username="bench-manager")
    manager.groups.set([Group.objects.get(name="manager")])
    client = Client()
    client.force_login(manager)

    def page() -> None:
        response = client.get("/dashboard/")
        assert response.status_code == 200, response.status_code

    page()  # fill the per-process caches (the calendar) first
    with CaptureQueriesContext(connection) as captured:
        page()
    statements = read_queries(captured)
    print(f"dashboard: {len(captured)} queries", flush=True)
    report("dashboard", *medians_ms(page, replay(statements), repeat=11))

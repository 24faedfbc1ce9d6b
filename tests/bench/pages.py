"""`make bench` figures for the case list and the case page."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from tests.bench import medians_ms, read_queries, replay, report


def run(staff: Any) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from requests_app.case_page import case_page_context
    from requests_app.models import Case
    from requests_app.selectors import case_detail

    client = Client()
    client.force_login(staff)

    def get(url: str) -> Callable[[], None]:
        def run() -> None:
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        return run

    list_url = os.environ.get("BENCH_LIST_URL", "/cases/")
    with CaptureQueriesContext(connection) as captured:
        get(list_url)()
    # Copy the SQL now: every request clears the connection's query log.
    list_sql = read_queries(captured)
    report("case_list", *medians_ms(get(list_url), replay(list_sql)))

    busiest = Case.objects.filter(state="closed").order_by("-id").first()
    assert busiest is not None
    page_url = f"/cases/{busiest.reference}/"
    with CaptureQueriesContext(connection) as captured:
        get(page_url)()
    page_sql = read_queries(captured)
    report("case_page", *medians_ms(get(page_url), replay(page_sql)))

    # Why case_page stays above 3x (README): the page's reads alone, through the ORM, with
    # no template, request or session, beside replaying the SQL they send. This ratio is the
    # floor of any page built with the ORM; the rest of case_page's is drawing the page.
    def reads() -> None:
        case_page_context(case_detail(busiest.reference), staff)

    with CaptureQueriesContext(connection) as captured:
        reads()
    report("case_page_reads", *medians_ms(reads, replay(read_queries(captured))))

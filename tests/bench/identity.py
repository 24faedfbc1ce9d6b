"""`make bench` figures for identity: the gate, a case page full of documents, the nightly sweep.

Each is measured beside a baseline from the same run: the SELECT statements the code ran,
replayed through a raw cursor. Everything made here is rolled back at the end.
"""

from __future__ import annotations

from typing import Any

from tests.bench import medians_ms, read_queries, replay, report


def _case_with_documents(staff: Any) -> Any:
    """An appointed agent's case: eight documents, a scan and an open masking."""
    from django.utils import timezone

    from identity.scans import Scan
    from requests_app import services
    from requests_app.demo.identity import log_passing_documents
    from tests.identity.factories import log_document
    from tests.identity.files import small_pdf

    arrival = timezone.localdate()
    case = services.case_open(
        actor=staff,
        requester=services.RequesterData(
            name="高橋 美咲",
            name_kana="タカハシ ミサキ",
            date_of_birth=arrival.replace(year=arrival.year - 38),
            postal_code="460-0021",
            address="愛知県名古屋市中区平和1丁目1番19号",
        ),
        case_data=services.CaseData(
            arrival_date=arrival,
            agent_kind="appointed_agent",
            agent_name="伊藤 健太",
            agent_name_kana="イトウ ケンタ",
            agent_postal_code="444-0052",
            agent_address="愛知県岡崎市康生通西2丁目5番地",
        ),
        items=[services.ItemData(kind="correction")],
    )
    case = services.case_begin_identity_check(case=case, actor=staff)
    log_passing_documents(case, actor=staff)
    log_document(case, staff, "eligibility_certificate", maskings=[])
    log_document(case, staff, "residence_card", scan=Scan(small_pdf(), "application/pdf"))
    return case


def run(staff: Any) -> None:
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from identity.gate import evaluate_case
    from identity.services import copies_destroy_due
    from requests_app.models import Case

    with transaction.atomic():
        case = _case_with_documents(staff)

        def gate() -> None:
            evaluate_case(Case.objects.select_related("requester").get(pk=case.pk))

        with CaptureQueriesContext(connection) as captured:
            gate()
        gate_sql = read_queries(captured)
        report("identity_gate", *medians_ms(gate, replay(gate_sql)))

        client = Client()
        client.force_login(staff)
        url = f"/cases/{case.reference}/"

        def page() -> None:
            assert client.get(url).status_code == 200

        page()
        with CaptureQueriesContext(connection) as captured:
            page()
        # Copy the SQL now: every request clears the connection's query log.
        page_sql = read_queries(captured)
        report("identity_case_page", *medians_ms(page, replay(page_sql)))

        today = timezone.localdate()

        def sweep() -> None:
            copies_destroy_due(today=today)

        with CaptureQueriesContext(connection) as captured:
            sweep()
        sweep_sql = read_queries(captured)
        report("identity_retention_sweep", *medians_ms(sweep, replay(sweep_sql)))
        transaction.set_rollback(True)

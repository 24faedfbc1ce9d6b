"""Two staff press the same button at the same moment: exactly one wins."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django.utils import translation

from requests_app import services
from requests_app.audit import AuditEvent, verify_chain
from requests_app.choices import CaseState
from requests_app.errors import ServiceError
from requests_app.models import Case
from tests.factories import make_case

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it there)"
    ),
]


def race(count: int, action: Any) -> tuple[list[Any], list[Exception]]:
    barrier = threading.Barrier(count)
    results: list[Any] = []
    errors: list[Exception] = []

    def run() -> None:
        try:
            barrier.wait()
            with translation.override("en"):  # the active language is per thread
                results.append(action())
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_same_transition_twice_at_once(staff: Any, manager: Any) -> None:
    case = make_case(
        actor=staff, manager=manager, kinds=("correction",), state=CaseState.AWAITING_APPROVAL
    )
    results, errors = race(
        2,
        lambda: services.case_approve(
            case=Case.objects.get(pk=case.pk),
            actor=manager,
            expected_state=CaseState.AWAITING_APPROVAL,
        ),
    )
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], ServiceError)
    assert "changed by someone else" in errors[0].message
    assert Case.objects.get(pk=case.pk).state == CaseState.APPROVED
    assert AuditEvent.objects.filter(case=case, action="case.decision.approved").count() == 1
    assert verify_chain() is None


def test_concurrent_intakes_get_distinct_references_and_an_intact_chain(staff: Any) -> None:
    results, errors = race(6, lambda: make_case(actor=staff).reference)
    assert errors == []
    assert len(set(results)) == 6
    assert verify_chain() is None

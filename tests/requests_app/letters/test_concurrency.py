"""Two people act on the same letter at the same moment: exactly one wins (PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from requests_app.audit import AuditEvent, verify_chain
from requests_app.choices import CaseState
from requests_app.errors import ServiceError
from requests_app.letters import services
from requests_app.models import Case, Letter
from tests.factories import make_case
from tests.requests_app.letters.conftest import generate
from tests.requests_app.test_concurrency import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it there)"
    ),
]


def test_the_same_mailing_recorded_twice_at_once(staff: Any, manager: Any) -> None:
    case = make_case(actor=staff, manager=manager, kinds=("correction",), state=CaseState.APPROVED)
    letter = generate(services.letter_request(case=case, actor=staff, kind="correction_done"))
    services.letter_approve(letter=letter, actor=manager)
    results, errors = race(
        2,
        lambda: services.letter_record_mailing(
            letter=Letter.objects.get(pk=letter.pk),
            actor=staff,
            method="simple_registered",
            tracking_number="1234-5678-9012",
            sent_on=timezone.localdate(),
        ),
    )
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], ServiceError)
    assert errors[0].message == "This letter is already recorded as mailed."
    assert Case.objects.get(pk=case.pk).state == CaseState.REPLY_SENT
    assert AuditEvent.objects.filter(case=case, action="case.letter.mailed").count() == 1
    assert AuditEvent.objects.filter(case=case, action="case.reply.sent").count() == 1
    assert verify_chain() is None


def test_letters_asked_for_at_once_get_distinct_numbers_and_versions(staff: Any) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    results, errors = race(
        4,
        lambda: services.letter_request(
            case=Case.objects.get(pk=case.pk), actor=staff, kind="acknowledgement"
        ),
    )
    assert errors == []
    assert sorted(letter.version for letter in results) == [1, 2, 3, 4]
    assert len({letter.number for letter in results}) == 4
    assert verify_chain() is None

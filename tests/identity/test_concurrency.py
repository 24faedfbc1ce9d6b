"""Identity writes and the case's transitions take the same lock: they never cross."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from identity import services
from identity.models import MaskingConfirmation, ReceivedDocument
from requests_app import services as case_services
from requests_app.audit import AuditEvent, verify_chain
from requests_app.choices import CaseState
from requests_app.errors import ServiceError
from requests_app.models import Case
from tests.factories import make_case
from tests.identity.factories import log_document
from tests.requests_app.test_concurrency import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it there)"
    ),
]


def test_the_same_masking_confirmed_twice_at_once_is_recorded_once(staff: Any) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    document = log_document(case, staff, "eligibility_certificate", maskings=[])
    results, errors = race(
        2,
        lambda: services.masking_confirm(
            document=ReceivedDocument.objects.get(pk=document.pk),
            actor=staff,
            masking="insurer_number",
            method="masked_by_staff",
            confirmed_by=staff,
        ),
    )
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], ServiceError) and "already confirmed" in errors[0].message
    assert MaskingConfirmation.objects.count() == 1
    assert AuditEvent.objects.filter(action="case.identity.masking_confirmed").count() == 1
    assert verify_chain() is None


def test_a_withdrawal_racing_the_verification_is_never_lost(staff: Any) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    passport = log_document(case, staff, "passport")
    log_document(case, staff, "drivers_licence")

    def verify() -> Any:
        return case_services.case_verify_identity(case=Case.objects.get(pk=case.pk), actor=staff)

    def withdraw() -> Any:
        return services.document_withdraw(
            document=ReceivedDocument.objects.get(pk=passport.pk), actor=staff, reason="誤登録"
        )

    actions = iter([verify, withdraw])
    _results, errors = race(2, lambda: next(actions)())
    state = Case.objects.get(pk=case.pk).state
    withdrawn = ReceivedDocument.objects.get(pk=passport.pk).is_withdrawn
    assert withdrawn
    if state == CaseState.IDENTITY_VERIFIED:
        # Verified first: the withdrawal that followed is recorded as a changed result.
        assert errors == []
        assert AuditEvent.objects.filter(action="case.identity.result_changed").count() == 1
    else:
        # Withdrawn first: the verification was refused on the rules as they then stood.
        assert state == CaseState.AWAITING_IDENTITY
        assert len(errors) == 1 and "two identity documents" in str(errors[0].details)
    assert verify_chain() is None

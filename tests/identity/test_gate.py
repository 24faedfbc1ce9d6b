"""What is missing, as data and as sentences for the deficiency letter."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import translation

from identity.choices import Holder
from identity.gate import missing_needs, what_is_missing
from requests_app.choices import CaseState
from requests_app.models import Case
from tests.factories import make_case
from tests.identity.factories import log_document
from tests.identity.test_services import AgentPerson, agent_case, minor

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(staff: Any) -> Case:
    return make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)


def test_nothing_missing_once_every_rule_passes(staff: Any, case: Case) -> None:
    log_document(case, staff, "passport")
    log_document(case, staff, "drivers_licence")
    assert what_is_missing(case) == []
    assert missing_needs(case) == []


def test_passport_and_pension_book_ask_for_a_document_showing_the_address(
    staff: Any, case: Case
) -> None:
    log_document(case, staff, "passport")
    log_document(case, staff, "pension_book")
    assert what_is_missing(case) == [
        "A copy of a document showing your current address (愛知県名古屋市中区平和1丁目1番19号), "
        "such as Driver's licence, Eligibility certificate, My Number card (front). These "
        "cannot prove the address: Passport, Pension book."
    ]
    with translation.override("ja"):
        (sentence,) = what_is_missing(case)
    assert "パスポート" in sentence and "年金手帳" in sentence and "運転免許証" in sentence
    assert "住所" in sentence


def test_one_document_asks_for_one_more_of_another_type(staff: Any, case: Case) -> None:
    log_document(case, staff, "drivers_licence")
    assert what_is_missing(case) == [
        "A copy of one more of your identity documents, of a different type from the "
        "Driver's licence already sent (for example Passport, Pension book, Eligibility "
        "certificate)."
    ]
    (need,) = missing_needs(case)
    assert need.kind == "identity_documents" and need.detail["have"] == ["Driver's licence"]


def test_a_health_insurance_card_in_2026_asks_for_another_document(staff: Any) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    log_document(case, staff, "health_insurance_card")
    log_document(case, staff, "passport")
    assert case.arrival_date > date(2025, 12, 1)  # every card had expired by then
    assert what_is_missing(case) == [
        "A copy of another of your identity documents in place of the Health insurance card, "
        "which can no longer be accepted."
    ]


def test_an_old_seal_certificate_asks_for_a_recent_one(staff: Any) -> None:
    case = agent_case(staff)
    log_document(case, staff, "drivers_licence")
    log_document(case, staff, "passport")
    for code in ("drivers_licence", "passport"):
        log_document(case, staff, code, holder=Holder.AGENT, person=AgentPerson)
    log_document(case, staff, "power_of_attorney", holder=Holder.AGENT)
    log_document(case, staff, "seal_certificate", issued_on=case.arrival_date - timedelta(days=122))
    assert what_is_missing(case) == [
        "Your seal registration certificate (印鑑登録証明書), issued within the last 3 months."
    ]


def test_an_agent_without_documents_is_asked_for_theirs(staff: Any) -> None:
    case = agent_case(staff, kind="legal_representative")
    log_document(case, staff, "drivers_licence")
    log_document(case, staff, "passport")
    sentences = what_is_missing(case)
    assert sentences[0].startswith("A document proving your legal representative's authority")
    assert sentences[1].startswith(
        "Copies of two of your agent's identity documents of different types, at least one of "
        "them showing your agent's current address (愛知県岡崎市康生通西2丁目5番地)"
    )


def test_a_minor_is_asked_for_consent_and_the_parents_documents(staff: Any) -> None:
    case = minor(staff)
    log_document(case, staff, "my_number_card")
    log_document(case, staff, "passport")
    sentences = what_is_missing(case)
    assert sentences[0] == (
        "Written consent to this request from your parent or guardian (you were under 16 when "
        "it arrived)."
    )
    assert sentences[1].startswith("A certified copy of the family register (戸籍謄本)")
    assert sentences[2].startswith("Copies of two of your parent's or guardian's identity")

"""Document types are data: seeded by migrations, edited by the administrator."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from identity.gate import evaluate_case
from identity.models import DocumentType
from identity.reference import seed_document_types
from requests_app.choices import CaseState
from tests.conftest import client_for
from tests.factories import make_case
from tests.identity.factories import log_document

pytestmark = pytest.mark.django_db


def test_the_policys_four_their_successors_and_the_agents_proofs_are_seeded(
    reference_data: None,
) -> None:
    codes = set(DocumentType.objects.values_list("code", flat=True))
    assert {
        "drivers_licence",
        "health_insurance_card",
        "passport",
        "pension_book",
        "eligibility_certificate",
        "my_number_card",
        "residence_card",
        "residence_certificate",
        "power_of_attorney",
        "seal_certificate",
        "family_register",
        "registered_matters",
    } <= codes
    card = DocumentType.objects.get(code="health_insurance_card")
    assert card.accepted_until == date(2025, 12, 1)
    # The numbers may not be collected, nor the QR code that carries them.
    assert card.required_maskings == ["insurer_number", "qr_code"]
    assert DocumentType.objects.get(code="eligibility_certificate").required_maskings == [
        "insurer_number",
        "qr_code",
    ]
    passport = DocumentType.objects.get(code="passport")
    assert not passport.shows_address and passport.expires and passport.has_photo
    assert DocumentType.objects.get(code="pension_book").required_maskings == ["pension_number"]
    # IC licences do not print the permanent domicile: nothing to mask.
    assert DocumentType.objects.get(code="drivers_licence").required_maskings == []
    assert DocumentType.objects.get(code="my_number_card").back_shows_my_number
    assert DocumentType.objects.get(code="seal_certificate").max_age_months == 3
    assert DocumentType.objects.get(code="residence_certificate").required_maskings == [
        "my_number",
        "domicile",
    ]


def test_seeding_again_never_overwrites_an_administrators_edit(reference_data: None) -> None:
    DocumentType.objects.filter(code="passport").update(name_en="Passport (Japan)", active=False)
    seed_document_types()
    passport = DocumentType.objects.get(code="passport")
    assert passport.name_en == "Passport (Japan)" and not passport.active


def test_the_administrator_edits_types_in_the_admin(administrator: Any, staff: Any) -> None:
    card = DocumentType.objects.get(code="health_insurance_card")
    client = client_for(administrator)
    change = f"/admin/identity/documenttype/{card.pk}/change/"
    assert client.get(change).status_code == 200
    assert client_for(staff).get(change).status_code == 302  # not for staff
    page = client.get("/admin/identity/documenttype/").content.decode()
    assert "Seal registration certificate" in page


def test_an_edited_rule_takes_effect_at_once(staff: Any) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    log_document(case, staff, "passport")
    log_document(case, staff, "drivers_licence")
    assert evaluate_case(case).passed
    DocumentType.objects.filter(code="drivers_licence").update(mask_pension_number=True)
    failures = evaluate_case(case).failures
    assert [f.code for f in failures] == ["masking_confirmed"]
    assert "Basic pension number" in failures[0].message


def test_an_accepted_window_must_be_in_order(reference_data: None) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentType.objects.create(
            code="student_id",
            name_ja="学生証",
            name_en="Student ID",
            accepted_from=date(2026, 1, 1),
            accepted_until=date(2025, 1, 1),
        )


def test_the_admin_explains_an_accepted_window_out_of_order(administrator: Any) -> None:
    card = DocumentType.objects.get(code="eligibility_certificate")
    data = {
        field: getattr(card, field)
        for field in ("code", "name_ja", "name_en", "proves", "max_age_months")
    }
    data.update(
        {
            "max_age_months": "",
            "active": "on",
            "shows_address": "on",
            "expires": "on",
            "mask_insurer_number": "on",
            "accepted_from": "2026-01-01",
            "accepted_until": "2025-01-01",
        }
    )
    response = client_for(administrator).post(
        f"/admin/identity/documenttype/{card.pk}/change/", data
    )
    assert response.status_code == 200
    assert "“Accepted from” cannot be later than “accepted until”." in response.content.decode()
    card.refresh_from_db()
    assert card.accepted_until is None

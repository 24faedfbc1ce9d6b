"""Document types are data: seeded by migrations, edited by the administrator."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from identity import services
from identity.gate import evaluate_case
from identity.models import DocumentType
from identity.reference import seed_document_types
from requests_app.audit import AuditEvent, verify_chain
from requests_app.choices import CaseState
from requests_app.errors import InvalidInput, NotPermitted
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


# --- edits through the admin are services, audited with before and after -----------------


def _form_data(document_type: DocumentType, **changes: Any) -> dict[str, str]:
    """What the admin's change form posts for `document_type`, with `changes` applied."""
    data: dict[str, str] = {}
    for field in document_type._meta.concrete_fields:
        if field.name == "id":
            continue
        value = changes.get(field.name, getattr(document_type, field.attname))
        if value is True:
            data[field.name] = "on"
        elif value not in (False, None):
            data[field.name] = str(value)
        elif value is None:
            data[field.name] = ""
    return data


def test_an_edit_in_the_admin_is_one_audit_entry_with_before_and_after(
    administrator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    card = DocumentType.objects.get(code="health_insurance_card")
    url = f"/admin/identity/documenttype/{card.pk}/change/"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for(administrator).post(
            url, _form_data(card, accepted_until=date(2025, 12, 31), mask_my_number=True)
        )
    assert response.status_code == 302
    assert callbacks == []  # verdicts are read live: no stored date to recompute
    card.refresh_from_db()
    assert card.accepted_until == date(2025, 12, 31) and card.mask_my_number
    [event] = AuditEvent.objects.filter(action__startswith="reference.")
    assert event.action == "reference.changed"
    assert event.actor == administrator
    # The masking rule's name looks like an identity number to the audit mask; it is a
    # field name here, so the trail shows the rule in clear.
    assert event.payload == {
        "model": "identity.documenttype",
        "id": card.pk,
        "changes": [
            {"field": "mask_my_number", "before": False, "after": True},
            {"field": "accepted_until", "before": "2025-12-01", "after": "2025-12-31"},
        ],
    }
    assert verify_chain() is None


def test_adding_and_deleting_an_unused_type_in_the_admin_are_audited(administrator: Any) -> None:
    client = client_for(administrator)
    student = DocumentType(code="student_id", name_ja="学生証", name_en="Student ID")
    response = client.post(
        "/admin/identity/documenttype/add/", _form_data(student, has_photo=True, expires=True)
    )
    assert response.status_code == 302
    created = DocumentType.objects.get(code="student_id")
    [event] = AuditEvent.objects.filter(action="reference.created")
    assert event.payload["id"] == created.pk
    assert {"field": "has_photo", "value": True} in event.payload["values"]
    assert {"field": "mask_my_number", "value": False} in event.payload["values"]
    response = client.post(f"/admin/identity/documenttype/{created.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not DocumentType.objects.filter(code="student_id").exists()
    [deleted] = AuditEvent.objects.filter(action="reference.deleted")
    assert deleted.actor == administrator
    assert deleted.payload["id"] == created.pk
    assert {"field": "code", "value": "student_id"} in deleted.payload["values"]


def test_a_type_in_use_cannot_be_deleted(staff: Any, administrator: Any) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    log_document(case, staff, "passport")
    passport = DocumentType.objects.get(code="passport")
    client = client_for(administrator)
    assert client.get(f"/admin/identity/documenttype/{passport.pk}/delete/").status_code == 403
    with pytest.raises(InvalidInput) as refused:
        services.document_types_delete(actor=administrator, document_types=[passport])
    assert refused.value.details == [str(passport)]
    assert DocumentType.objects.filter(pk=passport.pk).exists()
    assert not AuditEvent.objects.filter(action="reference.deleted").exists()


def test_the_document_type_services_refuse_whoever_lacks_the_capability(
    personas: dict[str, Any],
) -> None:
    card = DocumentType.objects.get(code="eligibility_certificate")
    unused = DocumentType.objects.create(code="student_id", name_ja="学生証", name_en="Student ID")
    for who in ("staff", "manager", "auditor", "outsider"):
        card.accepted_until = date(2026, 1, 1)
        with pytest.raises(NotPermitted):
            services.document_type_save(actor=personas[who], document_type=card)
        with pytest.raises(NotPermitted):
            services.document_types_delete(actor=personas[who], document_types=[unused])
        # The admin itself is closed to them.
        page = client_for(personas[who]).get(f"/admin/identity/documenttype/{card.pk}/change/")
        assert page.status_code == 302
    assert DocumentType.objects.get(pk=card.pk).accepted_until is None
    assert DocumentType.objects.filter(pk=unused.pk).exists()
    assert not AuditEvent.objects.filter(action__startswith="reference.").exists()


def test_the_service_refuses_an_accepted_window_out_of_order(administrator: Any) -> None:
    card = DocumentType.objects.get(code="eligibility_certificate")
    card.accepted_from, card.accepted_until = date(2026, 1, 1), date(2025, 1, 1)
    with pytest.raises(InvalidInput) as refused:
        services.document_type_save(actor=administrator, document_type=card)
    assert "“Accepted from” cannot be later than “accepted until”." in refused.value.details
    assert DocumentType.objects.get(pk=card.pk).accepted_from == date(2024, 12, 2)

"""The old "includes the back of the card" checkbox, replaced by a document type of its own
(identity migrations 0005-0007): every copy that ticked it keeps its destruction record, and
its back is logged as what it was. The seeded types follow the law as read in late 2026."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from identity.gate import evaluate_case
from identity.models import DocumentType, ReceivedDocument
from requests_app.models import Case

BEFORE = [("identity", "0004_seed_document_rules")]


@pytest.fixture
def ticked(reference_data: None, staff: Any) -> dict[str, Any]:
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    try:
        # Identity as it was, the cases as they are (their app does not depend on this one).
        cases_now = [node for node in leaves if node[0] == "requests_app"]
        apps = executor.loader.project_state(BEFORE + cases_now).apps
        rows = _old_rows(apps, staff.pk)
        MigrationExecutor(connection).migrate(leaves)
    except BaseException:
        MigrationExecutor(connection).migrate(leaves)
        raise
    return rows


def _old_rows(apps: Any, staff_id: int) -> dict[str, Any]:
    requester_model = apps.get_model("requests_app", "Requester")
    case_model = apps.get_model("requests_app", "Case")
    type_model = apps.get_model("identity", "DocumentType")
    document_model = apps.get_model("identity", "ReceivedDocument")
    # What was seeded before: the licence with its domicile masked, no QR code masking.
    type_model.objects.filter(code="drivers_licence").update(mask_domicile=True)
    type_model.objects.filter(code="my_number_card_back").delete()
    today = timezone.localdate()
    person = requester_model.objects.create(
        name="高橋 美咲",
        name_kana="タカハシ ミサキ",
        date_of_birth=date(1988, 4, 12),
        postal_code="460-0021",
        address="愛知県名古屋市中区平和1丁目1番19号",
    )
    case = case_model.objects.create(
        reference="2026-900100",
        requester=person,
        state="awaiting_identity",
        arrival_date=today - timedelta(days=3),
        due_date=today + timedelta(days=11),
        created_by_id=staff_id,
    )
    card = type_model.objects.get(code="my_number_card")
    destroyed_at = timezone.now() - timedelta(days=2)
    front = document_model.objects.create(
        case=case,
        document_type=card,
        received_on=case.arrival_date,
        name_shown="高橋 美咲",
        date_of_birth_shown=date(1988, 4, 12),
        address_shown="愛知県名古屋市中区平和1丁目1番19号",
        expires_on=today + timedelta(days=900),
        includes_card_back=True,
        destroyed_at_once=True,
        copy_destroyed_at=destroyed_at,
        copy_destroyed_by_id=staff_id,
        recorded_by_id=staff_id,
    )
    return {"case": case.pk, "front": front.pk, "destroyed_at": destroyed_at}


@pytest.mark.django_db(transaction=True)
def test_a_ticked_copy_keeps_its_destruction_record_and_its_back_is_logged(
    ticked: dict[str, Any], staff: Any
) -> None:
    front = ReceivedDocument.objects.get(pk=ticked["front"])
    assert front.destroyed_at_once and front.copy_destroyed_at == ticked["destroyed_at"]
    assert front.copy_destroyed_by == staff
    (back,) = ReceivedDocument.objects.filter(
        case_id=ticked["case"], document_type__code="my_number_card_back"
    )
    assert back.destroyed_at_once
    assert (back.copy_destroyed_at, back.copy_destroyed_by) == (ticked["destroyed_at"], staff)
    assert back.received_on == front.received_on and back.name_shown == ""
    # The back counts for nothing; the front, though destroyed, was read and counts as one.
    verdict = {r.code: r for r in evaluate_case(Case.objects.get(pk=ticked["case"])).results}
    assert "only one has arrived (My Number card (front))" in verdict["two_documents"].message
    # The seeded types were brought up to date.
    assert DocumentType.objects.get(code="drivers_licence").required_maskings == []
    assert "qr_code" in DocumentType.objects.get(code="health_insurance_card").required_maskings
    assert DocumentType.objects.get(code="my_number_card_back").proves == "nothing"

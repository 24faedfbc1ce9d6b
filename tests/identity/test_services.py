"""Logging, masking, withdrawing and destroying documents: each a service, each audited."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from identity import entries, services
from identity.choices import Holder, Masking
from identity.gate import evaluate_case
from identity.models import DocumentScan, DocumentType, MaskingConfirmation, ReceivedDocument
from identity.scans import Scan
from requests_app import services as case_services
from requests_app.audit import AuditEvent
from requests_app.choices import CaseState
from requests_app.errors import InvalidInput, NotPermitted, TransitionBlocked
from requests_app.models import Case
from tests.factories import RequesterDataFactory, make_case
from tests.identity.factories import log_document
from tests.identity.files import small_pdf

pytestmark = pytest.mark.django_db


def events(case: Case, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(case=case, action=action).order_by("seq"))


def rule(case: Case, code: str) -> bool:
    return {r.code: r.passed for r in evaluate_case(case).results}[code]


@pytest.fixture
def case(staff: Any) -> Case:
    return make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)


def test_a_logged_document_is_audited_with_types_and_outcomes_but_nothing_it_shows(
    staff: Any, case: Case
) -> None:
    log_document(case, staff, "drivers_licence", scan=Scan(small_pdf(), "application/pdf"))
    log_document(case, staff, "passport")
    first, second = events(case, "case.identity.document_received")
    assert first.payload["document_type"] == "drivers_licence"
    assert first.payload["holder"] == "requester"
    assert first.payload["maskings_confirmed"] == []  # an IC licence prints no domicile
    assert first.payload["image_stored"] is True
    assert first.payload["passed"] is False
    assert second.payload["passed"] is True
    assert all(second.payload["rules"].values())
    everything = json.dumps([e.payload for e in AuditEvent.objects.all()], ensure_ascii=False)
    for shown in ("高橋", "美咲", "TAKAHASHI", "平和", "1988-04-12", "%PDF"):
        assert shown not in everything


def test_the_verification_records_every_rule_outcome(staff: Any, case: Case) -> None:
    log_document(case, staff, "drivers_licence")
    log_document(case, staff, "passport")
    case = case_services.case_verify_identity(case=case, actor=staff)
    (verified,) = events(case, "case.identity.verified")
    assert verified.payload["rules"] == {
        "two_documents": True,
        "name_matches": True,
        "date_of_birth_matches": True,
        "address_matches": True,
        "documents_valid": True,
        "masking_confirmed": True,
    }


def test_the_refusal_to_move_says_which_rules_fail(staff: Any, case: Case) -> None:
    log_document(case, staff, "passport")
    log_document(case, staff, "pension_book")
    with pytest.raises(TransitionBlocked) as blocked:
        case_services.case_verify_identity(case=case, actor=staff)
    (message,) = blocked.value.details
    assert "no document shows the address the reply will go to" in message
    assert "Passport cannot prove an address." in message
    assert Case.objects.get(pk=case.pk).state == CaseState.AWAITING_IDENTITY


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"holder": Holder.AGENT},
            "holder",
            "This case has no agent",
        ),
        (
            {"holder": Holder.GUARDIAN},
            "holder",
            "No parent or guardian is recorded on this case",
        ),
        (
            {"issued_on": date(2025, 5, 1), "expires_on": date(2025, 4, 30)},
            "expires_on",
            "The expiry date is before the issue date.",
        ),
        (
            {"received_on_offset": 1},
            "received_on",
            "The date received cannot be in the future.",
        ),
        (
            {"received_on_offset": -30},
            "received_on",
            "A document cannot arrive before the request itself",
        ),
        ({"name_shown": ""}, "name_shown", "Enter the name exactly as the copy shows it."),
        ({"expires_on": None}, "expires_on", "Enter the expiry date the copy shows."),
        ({"paper_location": ""}, "paper_location", "Say where the paper copy is kept"),
        (
            {"maskings": [Masking.PENSION_NUMBER]},
            "maskings",
            "Not required for this document",
        ),
        (
            {"maskings": [Masking.DOMICILE]},
            "maskings",
            "Not required for this document: Permanent domicile",
        ),
    ],
)
def test_bad_entries_are_refused_and_nothing_is_saved(
    staff: Any, case: Case, changes: dict[str, Any], field: str, message: str
) -> None:
    events_before = AuditEvent.objects.count()
    offset = changes.pop("received_on_offset", None)
    if offset is not None:
        changes["received_on"] = (
            timezone.localdate() + timedelta(days=1)
            if offset > 0
            else case.arrival_date - timedelta(days=1)
        )
    with pytest.raises(InvalidInput) as refused:
        log_document(case, staff, "drivers_licence", **changes)
    assert any(message in detail for detail in refused.value.details), refused.value.details
    assert ReceivedDocument.objects.count() == 0
    assert MaskingConfirmation.objects.count() == 0
    assert AuditEvent.objects.count() == events_before


def test_documents_are_logged_only_by_people_who_work_on_cases(
    staff: Any, auditor: Any, case: Case
) -> None:
    with pytest.raises(NotPermitted):
        log_document(case, auditor, "passport")
    assert ReceivedDocument.objects.count() == 0


def test_documents_are_logged_before_identity_is_verified(staff: Any) -> None:
    case = make_case(actor=staff, kinds=("correction",), state=CaseState.IN_PROGRESS)
    with pytest.raises(InvalidInput, match="before identity is verified"):
        log_document(case, staff, "passport")


def test_an_unmasked_insurer_number_fails_until_a_named_person_confirms_the_masking(
    staff: Any, manager: Any, case: Case
) -> None:
    certificate = log_document(case, staff, "eligibility_certificate", maskings=[])
    log_document(case, staff, "passport")
    assert not rule(case, "masking_confirmed")
    with pytest.raises(TransitionBlocked) as blocked:
        case_services.case_verify_identity(case=case, actor=staff)
    assert "Insurer number" in blocked.value.details[0]
    services.masking_confirm(
        document=certificate,
        actor=staff,
        masking=Masking.INSURER_NUMBER,
        method=MaskingConfirmation.Method.MASKED_BY_STAFF,
        confirmed_by=manager,
    )
    # The numbers alone are not enough: the QR code carries them too.
    assert not rule(case, "masking_confirmed")
    with pytest.raises(TransitionBlocked) as blocked:
        case_services.case_verify_identity(case=case, actor=staff)
    assert "QR code" in blocked.value.details[0]
    assert "Insurer number" not in blocked.value.details[0]
    services.masking_confirm(
        document=certificate,
        actor=staff,
        masking=Masking.QR_CODE,
        method=MaskingConfirmation.Method.ARRIVED_MASKED,
        confirmed_by=manager,
    )
    assert rule(case, "masking_confirmed")
    (confirmed, qr_code) = events(case, "case.identity.masking_confirmed")
    assert qr_code.payload["masking"] == "qr_code"
    assert confirmed.payload["masking"] == "insurer_number"
    assert confirmed.payload["confirmed_by"] == "kenichi"
    assert confirmed.payload["passed"] is False
    assert qr_code.payload["passed"] is True
    assert case_services.case_verify_identity(case=case, actor=staff).state == (
        CaseState.IDENTITY_VERIFIED
    )


def test_a_masking_is_confirmed_once_by_staff_and_only_where_required(
    staff: Any, auditor: Any, case: Case
) -> None:
    passport = log_document(case, staff, "passport")
    card = log_document(case, staff, "health_insurance_card", received_on=case.arrival_date)
    licence = log_document(case, staff, "drivers_licence")
    method = MaskingConfirmation.Method.MASKED_BY_STAFF
    with pytest.raises(InvalidInput, match="not required"):
        services.masking_confirm(
            document=passport, actor=staff, masking="domicile", method=method, confirmed_by=staff
        )
    # The driver's licence no longer asks for its domicile masked (IC licences omit it).
    with pytest.raises(InvalidInput, match="not required"):
        services.masking_confirm(
            document=licence, actor=staff, masking="domicile", method=method, confirmed_by=staff
        )
    with pytest.raises(InvalidInput, match="already confirmed"):
        services.masking_confirm(
            document=card, actor=staff, masking="qr_code", method=method, confirmed_by=staff
        )
    certificate = log_document(case, staff, "eligibility_certificate", maskings=[])
    with pytest.raises(InvalidInput, match="staff or managers"):
        services.masking_confirm(
            document=certificate,
            actor=staff,
            masking="insurer_number",
            method=method,
            confirmed_by=auditor,
        )


def test_a_my_number_card_back_is_logged_destroyed_at_once_and_counts_for_nothing(
    staff: Any, case: Case
) -> None:
    # Logged as exactly that: no fields to copy, recorded as destroyed at once.
    back = log_document(case, staff, "my_number_card_back")
    assert back.destroyed_at_once and back.copy_destroyed_by == staff
    assert back.copy_destroyed_at is not None and back.paper_location == ""
    assert (back.name_shown, back.date_of_birth_shown, back.address_shown) == ("", None, "")
    assert not DocumentScan.objects.exists()
    (logged,) = events(case, "case.identity.document_received")
    assert logged.payload["document_type"] == "my_number_card_back"
    assert logged.payload["card_back"] is True
    assert logged.payload["destroyed_at_once"] is True
    assert logged.payload["image_stored"] is False
    # With one other valid document the gate stays closed: the back is not the second.
    log_document(case, staff, "drivers_licence")
    verdict = {r.code: r for r in evaluate_case(case).results}
    assert not verdict["two_documents"].passed
    assert "only one has arrived (Driver's licence)" in verdict["two_documents"].message
    with pytest.raises(TransitionBlocked):
        case_services.case_verify_identity(case=case, actor=staff)
    log_document(case, staff, "passport")
    assert case_services.case_verify_identity(case=case, actor=staff).state == (
        CaseState.IDENTITY_VERIFIED
    )


def test_nothing_is_copied_from_a_my_number_card_back_nor_stored(staff: Any, case: Case) -> None:
    for changes, field in (
        ({"name_shown": "高橋 美咲"}, "name"),
        ({"date_of_birth_shown": date(1988, 4, 12)}, "name"),
        ({"address_shown": "愛知県名古屋市中区平和1丁目1番19号"}, "name"),
        ({"maskings": [Masking.MY_NUMBER], "masked_by": staff}, "masked"),
        ({"scan": Scan(small_pdf(), "application/pdf")}, "scanned"),
    ):
        with pytest.raises(InvalidInput) as refused:
            log_document(case, staff, "my_number_card_back", **changes)
        text = " ".join(refused.value.details)
        assert "back of a My Number card" in text, (field, text)
    assert ReceivedDocument.objects.count() == 0
    assert not DocumentScan.objects.exists()


def test_a_card_back_is_never_evidence_whatever_its_row_says(staff: Any, case: Case) -> None:
    """Fixed in code: an administrator's edit of the row cannot make the back count."""
    DocumentType.objects.filter(code="my_number_card_back").update(
        proves="identity", shows_address=True
    )
    log_document(case, staff, "my_number_card_back")
    log_document(case, staff, "my_number_card_back")
    log_document(case, staff, "passport")
    results = {r.code: r.passed for r in evaluate_case(case).results}
    assert results["two_documents"] is False
    assert results["address_matches"] is False


def test_a_kept_copy_must_be_masked_or_destroyed(staff: Any, case: Case) -> None:
    certificate = log_document(case, staff, "eligibility_certificate", maskings=[])
    log_document(case, staff, "passport")
    assert not rule(case, "masking_confirmed")
    services.document_destroy_copy(document=certificate, actor=staff)
    assert rule(case, "masking_confirmed")
    certificate.refresh_from_db()
    assert certificate.destroyed_at_once and certificate.copy_destroyed_at is not None
    (destroyed,) = events(case, "case.identity.copy_destroyed")
    assert destroyed.payload["document_type"] == "eligibility_certificate"
    with pytest.raises(InvalidInput):
        services.document_destroy_copy(document=certificate, actor=staff)


def test_a_scan_waits_for_its_maskings(staff: Any, case: Case) -> None:
    with pytest.raises(InvalidInput) as refused:
        log_document(
            case,
            staff,
            "eligibility_certificate",
            maskings=[],
            scan=Scan(small_pdf(), "application/pdf"),
        )
    assert any("only once every masking is confirmed" in d for d in refused.value.details)
    assert not ReceivedDocument.objects.exists()


def test_withdrawing_a_document_after_verification_is_audited_as_a_changed_result(
    staff: Any, case: Case
) -> None:
    licence = log_document(
        case, staff, "drivers_licence", scan=Scan(small_pdf(), "application/pdf")
    )
    log_document(case, staff, "passport")
    case = case_services.case_verify_identity(case=case, actor=staff)
    with pytest.raises(InvalidInput, match="Say why"):
        services.document_withdraw(document=licence, actor=staff, reason="  ")
    services.document_withdraw(document=licence, actor=staff, reason="別の案件の書類でした")
    licence.refresh_from_db()
    assert licence.is_withdrawn and licence.withdrawn_by == staff
    assert not licence.has_scan and licence.scan_destroyed_at is not None
    assert not DocumentScan.objects.exists()
    (withdrawn,) = events(case, "case.identity.document_withdrawn")
    assert withdrawn.reason == "別の案件の書類でした"
    assert withdrawn.payload["image_destroyed"] is True
    assert withdrawn.payload["passed"] is False
    (changed,) = events(case, "case.identity.result_changed")
    assert changed.payload["because"] == "document_withdrawn"
    assert changed.payload["state"] == CaseState.IDENTITY_VERIFIED
    assert changed.payload["rules"]["two_documents"] is False
    with pytest.raises(InvalidInput, match="already withdrawn"):
        services.document_withdraw(document=licence, actor=staff, reason="二重")


def test_a_withdrawn_document_no_longer_counts(staff: Any, case: Case) -> None:
    passport = log_document(case, staff, "passport")
    log_document(case, staff, "drivers_licence")
    assert evaluate_case(case).passed
    services.document_withdraw(document=passport, actor=staff, reason="誤って登録")
    assert not rule(case, "two_documents")
    assert not events(case, "case.identity.result_changed")  # still awaiting identity


# --- agents and minors --------------------------------------------------------------------


def agent_case(staff: Any, kind: str = "appointed_agent") -> Case:
    return make_case(
        actor=staff,
        state=CaseState.AWAITING_IDENTITY,
        agent_kind=kind,
        agent_name="伊藤 健太",
        agent_name_kana="イトウ ケンタ",
        agent_postal_code="444-0052",
        agent_address="愛知県岡崎市康生通西2丁目5番地",
    )


class AgentPerson:
    name = "伊藤 健太"
    name_kana = "イトウ ケンタ"
    date_of_birth = date(1975, 6, 1)
    address = "愛知県岡崎市康生通西2丁目5番地"


def test_an_appointed_agent_with_an_old_seal_certificate_fails(staff: Any) -> None:
    case = agent_case(staff)
    log_document(case, staff, "drivers_licence")
    log_document(case, staff, "passport")
    for code in ("drivers_licence", "passport"):
        log_document(case, staff, code, holder=Holder.AGENT, person=AgentPerson)
    log_document(case, staff, "power_of_attorney", holder=Holder.AGENT)
    four_months_ago = case.arrival_date - timedelta(days=122)
    log_document(case, staff, "seal_certificate", issued_on=four_months_ago)
    failures = evaluate_case(case).failures
    assert [f.code for f in failures] == ["agent_authority"]
    assert "more than 3 months before it arrived" in failures[0].message
    log_document(case, staff, "seal_certificate")
    assert evaluate_case(case).passed
    case = case_services.case_verify_identity(case=case, actor=staff)
    assert case.state == CaseState.IDENTITY_VERIFIED


def minor(staff: Any) -> Case:
    arrival = timezone.localdate() - timedelta(days=2)
    # Sixteen the day after the request arrived: fifteen on the arrival date.
    born = date(arrival.year - 16, arrival.month, arrival.day) + timedelta(days=1)
    return make_case(
        actor=staff,
        state=CaseState.AWAITING_IDENTITY,
        arrival_date=arrival,
        requester=RequesterDataFactory(
            name="高橋 空", name_kana="タカハシ ソラ", date_of_birth=born
        ),
    )


def guardian_data(case: Case, **changes: Any) -> entries.GuardianData:
    values: dict[str, Any] = {
        "relationship": "parent",
        "name": "高橋 恵子",
        "name_kana": "タカハシ ケイコ",
        "date_of_birth": date(1979, 2, 3),
        "postal_code": "460-0021",
        "address": "愛知県名古屋市中区平和1丁目1番19号",
        "consent_received_on": case.arrival_date,
    }
    values.update(changes)
    return entries.GuardianData(**values)


def test_a_requester_under_16_needs_a_parent_with_consent_and_documents(staff: Any) -> None:
    case = minor(staff)
    log_document(case, staff, "my_number_card")
    log_document(case, staff, "passport")
    verdict = evaluate_case(case)
    assert {"guardian_consent", "guardian_relationship", "guardian_two_documents"} <= {
        f.code for f in verdict.failures
    }
    with pytest.raises(InvalidInput):  # not recorded yet: nobody to hold the document
        log_document(case, staff, "drivers_licence", holder=Holder.GUARDIAN)
    guardian = services.guardian_record(case=case, actor=staff, data=guardian_data(case))
    (recorded,) = events(case, "case.identity.guardian_recorded")
    assert recorded.payload["consent_received_on"] == case.arrival_date.isoformat()
    assert "高橋" not in json.dumps(recorded.payload, ensure_ascii=False)
    log_document(case, staff, "family_register", holder=Holder.GUARDIAN)
    for code in ("drivers_licence", "passport"):
        log_document(case, staff, code, holder=Holder.GUARDIAN, person=guardian)
    assert evaluate_case(case).passed, [f.message for f in evaluate_case(case).failures]


def test_a_guardian_is_refused_for_an_adult_and_must_be_an_adult(staff: Any, case: Case) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.guardian_record(case=case, actor=staff, data=guardian_data(case))
    assert "no parent's or guardian's consent is needed" in refused.value.details[0]
    child = minor(staff)
    with pytest.raises(InvalidInput) as refused:
        services.guardian_record(
            case=child, actor=staff, data=guardian_data(child, date_of_birth=date(2012, 1, 1))
        )
    assert "must be 18 or over" in refused.value.details[0]
    assert not events(child, "case.identity.guardian_recorded")


def test_seeded_types_can_be_retired_by_the_administrator(staff: Any, case: Case) -> None:
    DocumentType.objects.filter(code="pension_book").update(active=False)
    with pytest.raises(InvalidInput, match="no longer accepted"):
        log_document(case, staff, "pension_book")

"""The state machine: every transition, its guards, its permission and its audit entry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from requests_app import services
from requests_app.audit import AuditEvent
from requests_app.choices import CaseState, Outcome
from requests_app.demo.cases import ask_by_letter, send_reply_letters
from requests_app.errors import InvalidInput, NotPermitted, StaleState, TransitionBlocked
from requests_app.letters import services as letters
from requests_app.models import Case
from tests.factories import make_case
from tests.identity.factories import log_document

pytestmark = pytest.mark.django_db


def actions(case: Case) -> list[str]:
    return list(AuditEvent.objects.filter(case=case).values_list("action", flat=True))


def log_documents(case: Case, actor: Any, *codes: str) -> None:
    for code in codes:
        log_document(case, actor, code)


def test_full_road_from_intake_to_closure(staff: Any, manager: Any) -> None:
    case = make_case(
        actor=staff, manager=manager, kinds=("disclosure", "correction"), state=CaseState.CLOSED
    )
    assert case.state == CaseState.CLOSED
    assert case.closed_at is not None
    assert actions(case) == [
        "case.opened",
        "case.identity.requested",
        "case.identity.document_received",
        "case.identity.document_received",
        "case.identity.verified",
        # The fee came with the request: recorded, and no wait on the requester.
        "case.fee.received",
        "case.work.started",
        "case.item.records_added",  # the data found, for the disclosure letter
        "case.item.decided",
        "case.item.change_added",  # before and after, for the correction letter
        "case.item.decided",
        "case.approval.requested",
        "case.decision.approved",
        "case.letter.requested",
        "case.letter.generated",
        "case.letter.requested",
        "case.letter.generated",
        "case.letter.approved",
        "case.letter.approved",
        "case.letter.mailed",
        "case.letter.mailed",  # the last reply letter in the post: the reply is sent
        "case.reply.sent",
        "case.closed",
    ]
    states = list(
        AuditEvent.objects.filter(case=case)
        .exclude(to_state="")
        .values_list("from_state", "to_state")
    )
    assert states[-1] == (CaseState.REPLY_SENT, CaseState.CLOSED)


def test_identity_gate_is_a_real_predicate(staff: Any) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    with pytest.raises(TransitionBlocked) as blocked:
        services.case_verify_identity(case=case, actor=staff)
    assert "two identity documents" in blocked.value.details[0]
    log_documents(case, staff, "passport")
    with pytest.raises(TransitionBlocked):
        services.case_verify_identity(case=case, actor=staff)
    log_documents(case, staff, "passport")  # a second copy of the same type is not enough
    with pytest.raises(TransitionBlocked):
        services.case_verify_identity(case=case, actor=staff)
    log_documents(case, staff, "drivers_licence")
    case = services.case_verify_identity(case=case, actor=staff)
    assert case.state == CaseState.IDENTITY_VERIFIED
    event = AuditEvent.objects.get(case=case, action="case.identity.verified")
    assert event.payload["rules"]["two_documents"] is True
    assert all(event.payload["rules"].values())


def test_fee_kinds_wait_for_the_fee(staff: Any) -> None:
    case = make_case(actor=staff, kinds=("disclosure",), state=CaseState.IDENTITY_VERIFIED)
    assert case.fee_due == 1000
    with pytest.raises(TransitionBlocked) as blocked:
        services.case_start_work(case=case, actor=staff)
    assert "¥1,000" in blocked.value.details[0]
    # The case waits on the person once the request for the fee is in the post.
    case = ask_by_letter(case, staff=staff)
    assert case.state == CaseState.AWAITING_FEE
    services.fee_record_payment(
        case=case,
        actor=staff,
        form="stamps",
        amount_yen=600,
        serial_number="",
        received_on=timezone.localdate(),
    )
    with pytest.raises(TransitionBlocked) as blocked:
        services.case_start_work(case=case, actor=staff)
    assert "¥400" in blocked.value.details[0]
    services.fee_record_payment(
        case=case,
        actor=staff,
        form="postal_money_order",
        amount_yen=400,
        serial_number="XY-0001",
        received_on=timezone.localdate(),
    )
    case = services.case_start_work(case=case, actor=staff)
    assert case.state == CaseState.IN_PROGRESS


def test_kinds_without_fee_skip_the_fee(staff: Any) -> None:
    case = make_case(
        actor=staff, kinds=("correction", "complaint"), state=CaseState.IDENTITY_VERIFIED
    )
    assert case.fee_due == 0
    with pytest.raises(TransitionBlocked):
        letters.letter_request(case=case, actor=staff, kind="deficiency")
    case = services.case_record_request_mailed(
        case=case, actor=staff, asked_on=timezone.localdate(), letter_number="x"
    )
    assert case.state == CaseState.IDENTITY_VERIFIED  # nothing to wait for
    assert services.case_start_work(case=case, actor=staff).state == CaseState.IN_PROGRESS


def test_cannot_submit_or_close_while_an_item_has_no_outcome(staff: Any, manager: Any) -> None:
    case = make_case(actor=staff, kinds=("correction", "complaint"), state=CaseState.IN_PROGRESS)
    first, _second = case.items.all()
    services.item_record_outcome(item=first, actor=staff, outcome=Outcome.DONE)
    with pytest.raises(TransitionBlocked) as blocked:
        services.case_submit_for_approval(case=case, actor=staff)
    assert blocked.value.details == [
        "“Inquiry, opinion or complaint (Art. 40)” has no outcome yet."
    ]
    assert Case.objects.get(pk=case.pk).state == CaseState.IN_PROGRESS


def test_close_guard_refuses_undecided_items_even_after_reply(staff: Any, manager: Any) -> None:
    case = make_case(
        actor=staff, manager=manager, kinds=("correction",), state=CaseState.REPLY_SENT
    )
    # Simulate data that slipped past the earlier guards: the close guard still holds.
    case.items.update(outcome="")
    with pytest.raises(TransitionBlocked):
        services.case_close(case=case, actor=staff)
    assert Case.objects.get(pk=case.pk).state == CaseState.REPLY_SENT


def test_only_managers_approve_refuse_and_return(staff: Any, manager: Any) -> None:
    case = make_case(
        actor=staff, manager=manager, kinds=("correction",), state=CaseState.AWAITING_APPROVAL
    )
    for service in (services.case_approve, services.case_refuse, services.case_return_for_rework):
        with pytest.raises(NotPermitted):
            service(case=case, actor=staff, reason="理由")
    case = services.case_return_for_rework(
        case=case, actor=manager, reason="根拠の記載を補ってください。"
    )
    assert case.state == CaseState.IN_PROGRESS
    event = AuditEvent.objects.filter(case=case).last()
    assert event is not None and event.reason == "根拠の記載を補ってください。"


def test_return_and_refuse_need_a_reason(staff: Any, manager: Any) -> None:
    case = make_case(
        actor=staff, manager=manager, kinds=("correction",), state=CaseState.AWAITING_APPROVAL
    )
    with pytest.raises(InvalidInput):
        services.case_return_for_rework(case=case, actor=manager, reason="   ")
    assert Case.objects.get(pk=case.pk).state == CaseState.AWAITING_APPROVAL


def test_refusal_needs_every_item_refused(staff: Any, manager: Any) -> None:
    case = make_case(
        actor=staff, manager=manager, kinds=("correction",), state=CaseState.AWAITING_APPROVAL
    )
    with pytest.raises(TransitionBlocked):
        services.case_refuse(case=case, actor=manager, reason="理由")
    refused = make_case(
        actor=staff, manager=manager, kinds=("correction",), state=CaseState.REFUSED
    )
    assert refused.state == CaseState.REFUSED
    # The reply is sent when the refusal letter, approved by a manager, is in the post.
    with pytest.raises(TransitionBlocked) as blocked:
        services.case_record_reply_sent(case=refused, actor=staff, sent_on=timezone.localdate())
    assert blocked.value.details == [
        "The letter “Decision not to act, with grounds and reasons” has not been generated yet."
    ]
    mailed = send_reply_letters(refused, staff=staff, manager=manager)
    assert mailed.state == CaseState.REPLY_SENT
    assert mailed.reply_sent_on == timezone.localdate()
    letter = mailed.letters.get()
    assert (letter.kind, letter.approved_by, letter.mail_method) == (
        "refusal",
        manager,
        "simple_registered",
    )


def test_withdraw_and_abandon(staff: Any, manager: Any) -> None:
    case = make_case(actor=staff, state=CaseState.IN_PROGRESS, kinds=("correction",))
    with pytest.raises(InvalidInput):
        services.case_withdraw(case=case, actor=staff)
    case = services.case_withdraw(case=case, actor=staff, reason="書面で取下げ")
    assert case.state == CaseState.WITHDRAWN and case.closed_at
    checking = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    # Checking the envelope is the company's work: nothing to close for want of an answer.
    with pytest.raises(TransitionBlocked):
        services.case_abandon(case=checking, actor=manager, reason="30日経過")
    waiting = make_case(actor=staff, state=CaseState.AWAITING_DOCUMENTS)
    with pytest.raises(NotPermitted):
        services.case_abandon(case=waiting, actor=staff, reason="30日経過")
    assert (
        services.case_abandon(case=waiting, actor=manager, reason="30日経過").state
        == CaseState.ABANDONED
    )


def test_completion_round_trip(staff: Any) -> None:
    case = make_case(actor=staff, kinds=("correction",), state=CaseState.AWAITING_COMPLETION)
    case = services.case_receive_completion(
        case=case, actor=staff, received_on=timezone.localdate()
    )
    assert case.state == CaseState.IN_PROGRESS


def test_stale_state_is_refused_with_a_clear_message(staff: Any) -> None:
    case = make_case(actor=staff)
    services.case_begin_identity_check(case=case, actor=staff)
    with pytest.raises(StaleState) as stale:
        services.case_begin_identity_check(
            case=case, actor=staff, expected_state=CaseState.RECEIVED
        )
    assert "changed by someone else" in stale.value.message
    assert actions(case).count("case.identity.requested") == 1


def test_auditor_and_outsider_can_take_no_transition(
    staff: Any, auditor: Any, outsider: Any
) -> None:
    case = make_case(actor=staff)
    for person in (auditor, outsider):
        with pytest.raises(NotPermitted):
            services.case_begin_identity_check(case=case, actor=person)
        with pytest.raises(NotPermitted):
            services.note_add(case=case, actor=person, body="x")
    assert actions(case) == ["case.opened"]


def test_a_transition_that_fails_half_way_leaves_nothing(staff: Any, monkeypatch: Any) -> None:
    case = make_case(actor=staff)
    before = AuditEvent.objects.count()

    def broken_refresh(case: Case) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(services.deadlines, "refresh_due_date", broken_refresh)
    with pytest.raises(RuntimeError):
        services.case_begin_identity_check(case=case, actor=staff)
    assert Case.objects.get(pk=case.pk).state == CaseState.RECEIVED
    assert AuditEvent.objects.count() == before


def test_reply_date_cannot_be_in_the_future(staff: Any, manager: Any) -> None:
    case = make_case(actor=staff, manager=manager, kinds=("correction",), state=CaseState.APPROVED)
    with pytest.raises(InvalidInput):
        services.case_record_reply_sent(
            case=case, actor=staff, sent_on=timezone.localdate() + timedelta(days=1)
        )


def test_state_cannot_be_assigned_directly(staff: Any) -> None:
    case = make_case(actor=staff)
    with pytest.raises(AttributeError):
        case.state = CaseState.CLOSED
    case.refresh_from_db()  # FSMModelMixin lets a protected field reload
    assert case.state == CaseState.RECEIVED


def test_what_is_missing_speaks_to_the_person(staff: Any) -> None:
    from identity.gate import what_is_missing

    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    assert what_is_missing(case) == [
        "Copies of two of your identity documents of different types, at least one of them "
        "showing your current address (愛知県名古屋市中区平和1丁目1番19号), for example "
        "Driver's licence, Eligibility certificate, My Number card (front)."
    ]
    log_documents(case, staff, "passport", "drivers_licence")
    assert what_is_missing(case) == []

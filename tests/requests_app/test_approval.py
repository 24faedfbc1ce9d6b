"""One approval step (issue 15): reply letters drafted while the case is in progress go for
approval with the decision, and the manager approves or returns both at once."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from requests_app import services
from requests_app.audit import AuditEvent
from requests_app.choices import CaseState, Outcome
from requests_app.demo import cases as demo
from requests_app.errors import TransitionBlocked
from requests_app.letters import services as letter_services
from requests_app.letters.models import Letter
from requests_app.models import Case
from requests_app.permissions import Role
from tests.conftest import client_for, make_user
from tests.factories import make_case, submit_with_letters
from tests.requests_app.letters.conftest import generate

pytestmark = pytest.mark.django_db


def decided(staff: Any, kinds: tuple[str, ...] = ("correction",)) -> Case:
    case = make_case(actor=staff, kinds=kinds, state=CaseState.IN_PROGRESS)
    for item in case.items.all():
        services.item_record_outcome(item=item, actor=staff, outcome=Outcome.DONE)
        demo.record_letter_content(item, staff=staff)
    return case


def draft(case: Case, staff: Any, kind: str) -> Letter:
    return generate(letter_services.letter_request(case=case, actor=staff, kind=kind))


def test_letters_are_drafted_while_the_case_is_in_progress(staff: Any) -> None:
    case = decided(staff)
    with pytest.raises(TransitionBlocked) as blocked:
        services.case_submit_for_approval(case=case, actor=staff)
    assert blocked.value.details == [
        "The reply letter “Correction, addition or deletion completed” has not been drafted yet."
    ]
    letter = draft(case, staff, "correction_done")
    assert letter.status == "ready" and letter.approved_at is None
    case = services.case_submit_for_approval(case=case, actor=staff)
    assert case.state == CaseState.AWAITING_APPROVAL


def test_a_change_to_the_decision_makes_the_draft_out_of_date(staff: Any) -> None:
    case = decided(staff)
    first = draft(case, staff, "correction_done")
    item = case.items.get()
    services.item_record_outcome(
        item=item, actor=staff, outcome=Outcome.DONE, reasons="登録住所を訂正しました。"
    )
    with pytest.raises(TransitionBlocked) as blocked:
        services.case_submit_for_approval(case=case, actor=staff)
    assert "is out of date: the decision changed after it was drafted" in blocked.value.details[0]
    html = client_for(staff).get(reverse("requests_app:case_detail", args=[case.reference]))
    assert 'data-testid="out-of-date"' in html.content.decode()
    # The change reported in the letter counts too.
    second = draft(case, staff, "correction_done")
    assert second.version == first.version + 1
    letter_services.item_add_change(
        item=item, actor=staff, subject="電話番号", before="052-000-0000", after="052-111-1111"
    )
    with pytest.raises(TransitionBlocked):
        services.case_submit_for_approval(case=case, actor=staff)
    draft(case, staff, "correction_done")
    assert services.case_submit_for_approval(case=case, actor=staff).state == (
        CaseState.AWAITING_APPROVAL
    )


def test_the_manager_approves_the_decision_and_its_letters_in_one_step(
    staff: Any, manager: Any
) -> None:
    case = decided(staff, kinds=("correction", "disclosure"))
    case = submit_with_letters(case, staff)
    drafts = list(Letter.objects.filter(case=case).order_by("id"))
    assert {letter.kind for letter in drafts} == {"correction_done", "disclosure"}
    assert all(letter.approved_at is None for letter in drafts)
    case = letter_services.decision_approve(case=case, actor=manager)
    assert case.state == CaseState.APPROVED
    for letter in Letter.objects.filter(case=case):
        assert letter.approved_by == manager and letter.approved_at is not None
    actions = list(
        AuditEvent.objects.filter(case=case).order_by("seq").values_list("action", flat=True)
    )
    assert actions[-3:] == [
        "case.decision.approved",
        "case.letter.approved",
        "case.letter.approved",
    ]
    # Ready to print and mail at once: nothing more to approve.
    html = client_for(staff).get(reverse("requests_app:case_detail", args=[case.reference]))
    assert 'data-letter-action="approve"' not in html.content.decode()
    assert "Record mailing" in html.content.decode()


def test_the_decision_not_to_act_goes_out_with_its_letter(staff: Any, manager: Any) -> None:
    case = make_case(actor=staff, kinds=("correction",), state=CaseState.IN_PROGRESS)
    services.item_record_outcome(
        item=case.items.get(),
        actor=staff,
        outcome="refused",
        refusal_ground="accurate",
        reasons="登録内容は事実であることを確認しました。",
    )
    case = submit_with_letters(case, staff)
    case = letter_services.decision_refuse(case=case, actor=manager, reason="応じない")
    refusal = Letter.objects.get(case=case, kind="refusal")
    assert case.state == CaseState.REFUSED and refusal.approved_by == manager


def test_whoever_submitted_does_not_approve(staff: Any, manager: Any, settings: Any) -> None:
    other = make_user("makoto", Role.MANAGER, family="高橋", given="誠")
    case = decided(manager)
    case = submit_with_letters(case, manager)
    with pytest.raises(TransitionBlocked) as blocked:
        letter_services.decision_approve(case=case, actor=manager)
    assert blocked.value.details[0] == "You submitted this decision: another manager approves it."
    assert Case.objects.get(pk=case.pk).state == CaseState.AWAITING_APPROVAL
    assert letter_services.decision_approve(case=case, actor=other).state == CaseState.APPROVED
    # The rule is a setting, on by default.
    settings.APPI_FOUR_EYES = False
    second = submit_with_letters(decided(manager), manager)
    assert letter_services.decision_approve(case=second, actor=manager).state == (
        CaseState.APPROVED
    )


def test_returned_for_rework_the_drafts_stay_as_earlier_versions(staff: Any, manager: Any) -> None:
    case = submit_with_letters(decided(staff), staff)
    case = services.case_return_for_rework(case=case, actor=manager, reason="根拠を補足")
    first = Letter.objects.get(case=case)
    services.item_record_outcome(
        item=case.items.get(), actor=staff, outcome=Outcome.DONE, reasons="補足しました。"
    )
    second = draft(case, staff, "correction_done")
    case = services.case_submit_for_approval(case=case, actor=staff)
    case = letter_services.decision_approve(case=case, actor=manager)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.version, second.version) == (1, 2)
    assert first.approved_at is None and second.approved_at is not None


def test_the_approval_queue_shows_each_decision_with_its_letters(staff: Any, manager: Any) -> None:
    other = make_user("makoto", Role.MANAGER, family="高橋", given="誠")
    theirs = submit_with_letters(decided(staff), staff)
    own = submit_with_letters(decided(manager), manager)
    client = client_for(manager)
    html = client.get(reverse("requests_app:approvals")).content.decode()
    letter = Letter.objects.get(case=theirs)
    assert theirs.reference in html and own.reference in html
    assert reverse("requests_app:letter_detail", args=[theirs.reference, letter.pk]) in html
    assert "You submitted this decision: another manager approves it." in html
    response = client.post(
        reverse("requests_app:case_transition", args=[theirs.reference, "approve"]),
        {"expected_state": "awaiting_approval", "next": reverse("requests_app:approvals")},
    )
    assert response.status_code == 302 and response["Location"] == reverse("requests_app:approvals")
    letter.refresh_from_db()
    assert letter.approved_by == manager
    assert Case.objects.get(pk=theirs.pk).state == CaseState.APPROVED
    # A link elsewhere is not followed.
    response = client_for(other).post(
        reverse("requests_app:case_transition", args=[own.reference, "approve"]),
        {"expected_state": "awaiting_approval", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("requests_app:case_detail", args=[own.reference])
    assert Case.objects.get(pk=own.pk).state == CaseState.APPROVED

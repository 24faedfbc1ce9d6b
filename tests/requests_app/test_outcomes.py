"""Outcomes and grounds per kind of request (requests_app/outcomes.py): the form offers only
the kind's own, the service, the model and the database refuse any other combination, and
the decision-not-to-act guard reads the one definition of "not granted"."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from requests_app import outcomes, services
from requests_app.choices import CaseState, Outcome, RequestKind
from requests_app.errors import InvalidInput, TransitionBlocked
from requests_app.forms import OutcomeForm
from requests_app.models import Case, RequestItem
from tests.factories import make_case

pytestmark = pytest.mark.django_db

K = RequestKind

# What DOMAIN.md ("Outcomes and grounds per kind") says, written out again by hand: the
# outcomes each kind may have, and for those that need one, the grounds.
EXPECTED: dict[str, dict[str, set[str]]] = {
    K.PURPOSE_NOTICE: {
        "done": set(),
        "refused": {"already_clear", "harm_person", "harm_company", "state_affairs"},
        "nothing_held": set(),
    },
    K.DISCLOSURE: {
        "done": set(),
        "partly_done": {"harm", "business", "other_law", "other_procedure"},
        "other_method": {"method_difficult"},
        "refused": {"harm", "business", "other_law", "other_procedure"},
        "nothing_held": set(),
    },
    # As disclosure, without Art. 33(4); never the Cabinet Order's excluded records.
    K.THIRD_PARTY_RECORDS: {
        "done": set(),
        "partly_done": {"harm", "business", "other_law"},
        "other_method": {"method_difficult"},
        "refused": {"harm", "business", "other_law"},
        "nothing_held": set(),
    },
    K.CORRECTION: {
        "done": set(),
        "partly_done": {"accurate", "not_needed", "other_procedure"},
        "refused": {"accurate", "not_needed", "other_procedure"},
        "nothing_held": set(),
    },
    K.DISCONTINUATION: {
        "done": set(),
        "partly_done": {"no_ground", "extent_needed"},
        "different_measure": {"measure_difficult"},
        "refused": {"no_ground"},
        "nothing_held": set(),
    },
    K.THIRD_PARTY_CESSATION: {
        "done": set(),
        "partly_done": {"no_ground", "extent_needed"},
        "different_measure": {"measure_difficult"},
        "refused": {"no_ground"},
        "nothing_held": set(),
    },
    K.COMPLAINT: {"done": set()},
}
# A ground of another kind, offered for each kind that has grounds: the mistake the issue
# found (a correction refused for "significant impediment to the business").
FOREIGN_GROUND = {
    K.PURPOSE_NOTICE: "business",
    K.DISCLOSURE: "accurate",
    K.THIRD_PARTY_RECORDS: "other_procedure",  # Art. 33(4) does not carry over to 33(5)
    K.CORRECTION: "business",
    K.DISCONTINUATION: "harm",
    K.THIRD_PARTY_CESSATION: "accurate",
}


def test_the_definition_is_the_law_as_domain_md_states_it() -> None:
    for kind, expected in EXPECTED.items():
        defined = outcomes.grounds_by_outcome(kind)
        assert {outcome: set(grounds) for outcome, grounds in defined.items()} == expected, kind
    assert {Outcome.REFUSED} == outcomes.NOT_GRANTED_OUTCOMES
    # Every ground has its article and a label; the Cabinet Order's exclusions are none.
    for rules in outcomes.KINDS.values():
        for ground in rules.grounds:
            assert str(ground.article).startswith("Art. ") and str(ground.label)
            assert "Enforcement Order" not in str(ground.article)


@pytest.mark.parametrize("kind", list(RequestKind))
def test_the_outcome_form_offers_only_the_kinds_outcomes_and_grounds(staff: Any, kind: str) -> None:
    case = make_case(actor=staff, kinds=(kind,), state=CaseState.IN_PROGRESS)
    item = case.items.get()
    form = OutcomeForm(item=item, prefix="x")
    offered = {value for value, _label in form.fields["outcome"].choices}  # type: ignore[attr-defined]
    assert offered == set(EXPECTED[kind])
    grounds = set().union(*EXPECTED[kind].values())
    if grounds:
        ground_values = {v for v, _l in form.fields["refusal_ground"].choices if v}  # type: ignore[attr-defined]
        assert ground_values == grounds
        # Each ground is offered with its article.
        labels = dict(form.fields["refusal_ground"].choices)  # type: ignore[attr-defined]
        assert all(str(label).startswith("Art. ") for value, label in labels.items() if value)
    else:
        assert "refusal_ground" not in form.fields  # an inquiry has nothing to refuse
    assert ("measure" in form.fields) == (kind in (K.DISCONTINUATION, K.THIRD_PARTY_CESSATION))


@pytest.mark.parametrize("kind", list(FOREIGN_GROUND))
def test_a_ground_of_another_kind_is_refused_everywhere(staff: Any, kind: str) -> None:
    case = make_case(actor=staff, kinds=(kind,), state=CaseState.IN_PROGRESS)
    item = case.items.get()
    foreign = FOREIGN_GROUND[kind]
    # The form says so at the ground.
    form = OutcomeForm(
        {"x-outcome": "refused", "x-refusal_ground": foreign, "x-reasons": "理由"},
        item=item,
        prefix="x",
    )
    assert not form.is_valid() and "refusal_ground" in form.errors
    # The service refuses it, and nothing is saved or audited.
    with pytest.raises(InvalidInput):
        services.item_record_outcome(
            item=item, actor=staff, outcome="refused", refusal_ground=foreign, reasons="理由"
        )
    item.refresh_from_db()
    assert (item.outcome, item.refusal_ground) == ("", "")
    assert not case.events.filter(action="case.item.decided").exists()
    # The model's validation refuses it.
    item.outcome, item.refusal_ground, item.reasons = "refused", foreign, "理由"
    with pytest.raises(ValidationError):
        item.full_clean()
    # And the database itself: a write that went round every check still fails.
    with pytest.raises(IntegrityError), transaction.atomic():
        RequestItem.objects.filter(pk=item.pk).update(
            outcome="refused", refusal_ground=foreign, reasons="理由"
        )
    # The kind's own ground is recorded.
    own = sorted(EXPECTED[kind]["refused"])[0]
    decided = services.item_record_outcome(
        item=item, actor=staff, outcome="refused", refusal_ground=own, reasons="理由"
    )
    assert (decided.outcome, decided.refusal_ground) == ("refused", own)


def test_the_database_refuses_what_no_kind_allows(staff: Any) -> None:
    case = make_case(actor=staff, kinds=("complaint", "discontinuation"), state="in_progress")
    complaint = case.items.get(kind="complaint")
    discontinuation = case.items.get(kind="discontinuation")
    for item, values in (
        (complaint, {"outcome": "refused", "refusal_ground": "business"}),  # Art. 40
        (complaint, {"outcome": "nothing_held"}),
        (discontinuation, {"outcome": "different_measure", "refusal_ground": "measure_difficult"}),
        (discontinuation, {"outcome": "done", "refusal_ground": "no_ground"}),
        (discontinuation, {"outcome": "done", "measure": "別の措置"}),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            RequestItem.objects.filter(pk=item.pk).update(**values)


def test_an_outcome_with_one_ground_gets_it_and_a_measure_is_required(staff: Any) -> None:
    case = make_case(actor=staff, kinds=("discontinuation",), state=CaseState.IN_PROGRESS)
    item = case.items.get()
    with pytest.raises(InvalidInput, match="Describe the alternative measure"):
        services.item_record_outcome(
            item=item, actor=staff, outcome="different_measure", reasons="全件消去は困難"
        )
    decided = services.item_record_outcome(
        item=item,
        actor=staff,
        outcome="different_measure",
        reasons="配信システムの仕様上、過去の配信記録の個別消去は困難なため。",
        measure="配信リストから除外し、今後の配信に利用しない措置を講じました。",
    )
    assert decided.refusal_ground == "measure_difficult"
    assert decided.ground_article == "Art. 35(2) proviso, Art. 35(6) proviso"
    assert decided.outcome_label == "An alternative measure instead"
    with pytest.raises(InvalidInput, match="Only an alternative measure"):
        services.item_record_outcome(item=item, actor=staff, outcome="done", measure="x")


def test_an_inquiry_is_answered_never_refused(staff: Any) -> None:
    case = make_case(actor=staff, kinds=("complaint",), state=CaseState.IN_PROGRESS)
    item = case.items.get()
    for outcome in ("refused", "nothing_held", "partly_done"):
        with pytest.raises(InvalidInput, match="Choose one of the outcomes"):
            services.item_record_outcome(item=item, actor=staff, outcome=outcome, reasons="x")
    with pytest.raises(InvalidInput, match="Write the answer"):
        services.item_record_outcome(item=item, actor=staff, outcome="done")
    answered = services.item_record_outcome(item=item, actor=staff, outcome="done", reasons="回答")
    assert answered.outcome_label == "Answered"


def decide(case: Case, staff: Any, **by_kind: tuple[str, str, str]) -> None:
    for item in case.items.all():
        outcome, ground, extra = by_kind[item.kind]
        services.item_record_outcome(
            item=item,
            actor=staff,
            outcome=outcome,
            refusal_ground=ground,
            reasons="理由を記載します。",
            measure=extra,
        )


def test_nothing_granted_leads_to_the_decision_not_to_act(staff: Any, manager: Any) -> None:
    case = make_case(
        actor=staff, kinds=("correction", "discontinuation"), state=CaseState.IN_PROGRESS
    )
    decide(
        case,
        staff,
        correction=("refused", "accurate", ""),
        discontinuation=("refused", "no_ground", ""),
    )
    case = services.case_submit_for_approval(case=case, actor=staff)
    # Nothing granted: approving is not the way, and the hint says what to do instead.
    with pytest.raises(TransitionBlocked) as blocked:
        services.case_approve(case=case, actor=manager)
    assert "record the decision not to act" in blocked.value.details[0]
    assert "Not corrected, added or deleted" in blocked.value.details[0]
    case = services.case_refuse(case=case, actor=manager, reason="いずれにも応じない")
    assert case.state == CaseState.REFUSED
    assert str(case.get_state_display()) == "Decision not to act"


@pytest.mark.parametrize(
    ("kind", "decision"),
    [
        ("discontinuation", ("different_measure", "", "配信対象から除外しました。")),
        ("disclosure", ("nothing_held", "", "")),
        ("correction", ("partly_done", "not_needed", "")),
    ],
)
def test_a_measure_nothing_held_or_a_part_take_the_approved_path(
    staff: Any, manager: Any, kind: str, decision: tuple[str, str, str]
) -> None:
    case = make_case(actor=staff, kinds=(kind,), state=CaseState.IN_PROGRESS)
    decide(case, staff, **{kind: decision})
    case = services.case_submit_for_approval(case=case, actor=staff)
    with pytest.raises(TransitionBlocked) as blocked:
        services.case_refuse(case=case, actor=manager, reason="x")
    # The hint names the outcome in the kind's own terms.
    label = outcomes.outcome_label(kind, decision[0])
    assert f"is decided as “{label}”" in blocked.value.details[0]
    assert services.case_approve(case=case, actor=manager).state == CaseState.APPROVED


def test_state_values_in_the_audit_trail_are_never_renamed() -> None:
    """State values are hashed into the chain: labels change, values stay (new ones may come)."""
    before = {
        "received",
        "awaiting_identity",
        "identity_verified",
        "awaiting_fee",
        "in_progress",
        "awaiting_completion",
        "awaiting_approval",
        "approved",
        "refused",
        "reply_sent",
        "closed",
        "withdrawn",
        "abandoned",
    }
    assert before <= set(CaseState.values)
    labels = {state.value: str(state.label) for state in CaseState}
    assert labels["refused"] == "Decision not to act"
    assert labels["abandoned"] == "Closed: no response from the requester"
    assert labels["awaiting_identity"] == "Checking identity documents"


def test_japanese_labels_say_what_they_mean() -> None:
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override("ja"):
        labels = {state.value: str(state.label) for state in CaseState}
        open_cases = gettext("Open cases")
    assert labels["refused"] == "請求に応じない決定"  # not only disclosures: every kind
    # 対応中 no longer means both "open" and the in-progress state.
    assert labels["in_progress"] == "調査・検討中" and open_cases == "未完了の案件"
    assert not any("対応中" in label for label in [*labels.values(), open_cases])
    # A request closed for want of an answer, in the ordinary words (not 放置).
    assert labels["abandoned"] == "応答なしのため終了"
    assert not any("放置" in label for label in labels.values())
    assert labels["awaiting_identity"] == "本人確認書類の確認中"
    assert labels["awaiting_documents"] == "ご本人からの書類待ち"

"""Which systems a request sends departments to search, and the register's rules."""

from __future__ import annotations

from datetime import date

import pytest

from requests_app.choices import Relationship, RequestKind
from requests_app.datamap import rules
from requests_app.datamap.choices import ProvisionBasis
from requests_app.datamap.models import DataSystem
from requests_app.datamap.reference import SYSTEMS

pytestmark = pytest.mark.django_db

K = RequestKind


def proposed(relationships: tuple[str, ...], *kinds: str) -> dict[str, tuple[str, ...]]:
    systems = DataSystem.objects.select_related("department").order_by("pk")
    return {
        p.system.name: p.kinds
        for p in rules.propose(systems, relationships=relationships, kinds=kinds)
    }


def holding(relationship: str) -> set[str]:
    """The seeded systems that hold data of this relationship and that requests apply to."""
    return {
        row["name"]
        for row in SYSTEMS
        if relationship in row["relationships"] and row.get("requests_apply", True)
    }


def test_a_complaint_needs_no_search(reference_data: None) -> None:
    assert proposed(("customer",), K.COMPLAINT) == {}


def test_records_of_provision_are_searched_in_the_register_not_by_departments(
    reference_data: None,
) -> None:
    assert proposed(("customer",), K.THIRD_PARTY_RECORDS) == {}
    assert set(proposed(("customer",), K.THIRD_PARTY_RECORDS, K.DISCLOSURE)) == holding("customer")


@pytest.mark.parametrize(
    "relationship",
    [r for r in Relationship.values if r != Relationship.OTHER],
)
def test_a_disclosure_searches_every_system_holding_that_relationship(
    reference_data: None, relationship: str
) -> None:
    found = proposed((relationship,), K.DISCLOSURE)
    assert set(found) == holding(relationship)
    assert found, relationship  # every relationship of the policy has somewhere it is held
    assert all(kinds == (K.DISCLOSURE,) for kinds in found.values())


def test_the_seeded_map_proposes_what_the_policy_describes(reference_data: None) -> None:
    assert set(proposed(("investor",), K.DISCLOSURE)) == {"株主名簿"}
    assert set(proposed(("job_applicant",), K.DISCLOSURE)) == {"採用応募者ファイル"}
    assert set(proposed(("contractor",), K.DISCLOSURE)) == {
        "業務委託・派遣スタッフ台帳",
        "入退館記録",
    }
    # Camera recordings cannot be searched by person: requests do not apply to them.
    assert "防犯カメラ映像" not in proposed(("employee",), K.DISCLOSURE)


def test_several_relationships_propose_the_union(reference_data: None) -> None:
    both = proposed(("customer", "investor"), K.DISCLOSURE)
    assert set(both) == holding("customer") | holding("investor")


@pytest.mark.parametrize("relationships", [("other",), ("customer", "other"), ()])
def test_other_or_unknown_proposes_every_system_requests_apply_to(
    reference_data: None, relationships: tuple[str, ...]
) -> None:
    everything = {row["name"] for row in SYSTEMS if row.get("requests_apply", True)}
    assert set(proposed(relationships, K.DISCLOSURE)) == everything


def test_cessation_of_provision_concerns_only_systems_that_provide_to_third_parties(
    reference_data: None,
) -> None:
    found = proposed(("customer",), K.THIRD_PARTY_CESSATION)
    sharing = {
        row["name"]
        for row in SYSTEMS
        if "customer" in row["relationships"] and (row.get("third_parties") or row.get("abroad"))
    }
    assert (
        set(found) == sharing == {"メールマガジン・展示会来場者リスト", "Webアクセスログ・Cookie"}
    )
    both = proposed(("customer",), K.THIRD_PARTY_CESSATION, K.CORRECTION)
    assert both["顧客管理データベース"] == (K.CORRECTION,)
    assert both["Webアクセスログ・Cookie"] == (K.CORRECTION, K.THIRD_PARTY_CESSATION)


@pytest.mark.parametrize("kind", [K.PURPOSE_NOTICE, K.CORRECTION, K.DISCONTINUATION, K.DISCLOSURE])
def test_each_searching_kind_proposes_the_persons_systems(reference_data: None, kind: str) -> None:
    assert set(proposed(("customer",), kind)) == holding("customer")


def test_archived_systems_are_not_proposed(reference_data: None) -> None:
    DataSystem.objects.filter(name="顧客管理データベース").update(active=False)
    assert "顧客管理データベース" not in proposed(("customer",), K.DISCLOSURE)


def test_a_proposal_says_why(reference_data: None) -> None:
    systems = DataSystem.objects.filter(name="株主名簿")
    (proposal,) = rules.propose(systems, relationships=("investor",), kinds=(K.DISCLOSURE,))
    assert proposal.reasons == ("Holds data of: Shareholder or investor.",)
    (proposal,) = rules.propose(systems, relationships=("other",), kinds=(K.DISCLOSURE,))
    assert "every system" in proposal.reasons[0]


@pytest.mark.parametrize(
    ("basis", "abroad", "recorded"),
    [
        (ProvisionBasis.CONSENT, False, True),
        (ProvisionBasis.OPT_OUT, False, True),
        (ProvisionBasis.LAW, False, False),
        (ProvisionBasis.LAW, True, False),
        (ProvisionBasis.LIFE, False, False),
        (ProvisionBasis.PUBLIC_HEALTH, False, False),
        (ProvisionBasis.STATE_AFFAIRS, False, False),
        (ProvisionBasis.ACADEMIC, False, False),
        (ProvisionBasis.PUBLIC_BODY, True, False),
        (ProvisionBasis.ENTRUSTMENT, False, False),
        (ProvisionBasis.SUCCESSION, False, False),
        (ProvisionBasis.JOINT_USE, False, False),
        # Abroad (Art. 28), entrustment, succession and joint use are recorded.
        (ProvisionBasis.ENTRUSTMENT, True, True),
        (ProvisionBasis.JOINT_USE, True, True),
    ],
)
def test_which_provisions_need_a_record(basis: str, abroad: bool, recorded: bool) -> None:
    why_not = rules.record_needed(basis, abroad=abroad)
    assert (why_not == "") is recorded


@pytest.mark.parametrize(
    ("last", "contract", "until"),
    [
        (date(2026, 3, 31), True, date(2027, 3, 31)),
        (date(2026, 3, 31), False, date(2029, 3, 31)),
        (date(2028, 2, 29), True, date(2029, 2, 28)),
        (date(2028, 2, 29), False, date(2031, 2, 28)),
    ],
)
def test_how_long_a_record_is_kept(last: date, contract: bool, until: date) -> None:
    assert rules.retain_until(last, contract_record=contract) == until

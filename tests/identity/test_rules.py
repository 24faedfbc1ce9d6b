"""The identity rules, table-driven, on realistic Japanese cases (pure: no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from identity.choices import Holder, Masking
from identity.reference import SEED_TYPES
from identity.rules import (
    CaseFacts,
    DocumentFacts,
    PersonFacts,
    RuleResult,
    TypeFacts,
    add_months,
    evaluate,
)

ARRIVAL = date(2026, 11, 20)
MISAKI = PersonFacts(
    name="高橋 美咲",
    kana="タカハシ ミサキ",
    address="愛知県名古屋市中区平和1丁目1番19号",
    date_of_birth=date(1988, 4, 12),
)
AGENT = PersonFacts(
    name="伊藤 健太",
    kana="イトウ ケンタ",
    address="愛知県岡崎市康生通西2丁目5番地",
)
PARENT = PersonFacts(
    name="高橋 恵子",
    kana="タカハシ ケイコ",
    address="愛知県名古屋市中区平和1丁目1番19号",
    date_of_birth=date(1979, 2, 3),
)


def kind(code: str, **changes: Any) -> TypeFacts:
    seed = next(seed for seed in SEED_TYPES if seed.code == code)
    rules = seed.rules()
    maskings = tuple(
        masking
        for flag, masking in (
            ("mask_insurer_number", Masking.INSURER_NUMBER),
            ("mask_my_number", Masking.MY_NUMBER),
            ("mask_domicile", Masking.DOMICILE),
            ("mask_pension_number", Masking.PENSION_NUMBER),
        )
        if rules[flag]
    )
    facts = TypeFacts(
        code=seed.code,
        name_ja=seed.name_ja,
        name_en=seed.name_en,
        proves=rules["proves"],
        shows_address=rules["shows_address"],
        expires=rules["expires"],
        has_photo=rules["has_photo"],
        maskings=tuple(str(m) for m in maskings),
        accepted_from=rules["accepted_from"],
        accepted_until=rules["accepted_until"],
        max_age_months=rules["max_age_months"],
    )
    return replace(facts, **changes)


def doc(code: str, person: PersonFacts = MISAKI, **changes: Any) -> DocumentFacts:
    """A good copy of `code` for `person`, masked as its type requires, unless changed."""
    type_facts = changes.pop("type", None) or kind(code)
    values: dict[str, Any] = {
        "type": type_facts,
        "holder": Holder.REQUESTER,
        "received_on": ARRIVAL,
        "name": person.name,
        "kana": "",
        "date_of_birth": person.date_of_birth or date(1970, 1, 1),
        "address": person.address if type_facts.shows_address else "",
        "expires_on": date(2029, 5, 12) if type_facts.expires else None,
        "issued_on": date(2026, 11, 2) if type_facts.max_age_months else None,
        "required_maskings": type_facts.maskings,
        "confirmed_maskings": frozenset(type_facts.maskings),
    }
    values.update(changes)
    return DocumentFacts(**values)


def passport(person: PersonFacts = MISAKI, **changes: Any) -> DocumentFacts:
    # Issued 2021, valid ten years; the name in Roman letters as printed.
    return doc(
        "passport",
        person,
        name=changes.pop("name", "TAKAHASHI MISAKI"),
        issued_on=date(2021, 6, 1),
        expires_on=date(2031, 6, 1),
        **changes,
    )


def case(*documents: DocumentFacts, **changes: Any) -> CaseFacts:
    values: dict[str, Any] = {
        "arrival_date": ARRIVAL,
        "requester": MISAKI,
        "documents": documents,
    }
    values.update(changes)
    return CaseFacts(**values)


def by_code(results: list[RuleResult]) -> dict[str, RuleResult]:
    return {result.code: result for result in results}


def failing(results: list[RuleResult]) -> set[str]:
    return {result.code for result in results if not result.passed}


SCENARIOS = [
    pytest.param(
        case(passport(), doc("drivers_licence")),
        set(),
        {},
        id="2021 passport and a driver's licence with the address: pass",
    ),
    pytest.param(
        case(passport(), doc("pension_book")),
        {"address_matches"},
        {
            "address_matches": [
                "no document shows the address the reply will go to",
                "Passport cannot prove an address.",
                "Pension book cannot prove an address.",
            ]
        },
        id="passport and pension book: neither proves the address",
    ),
    pytest.param(
        case(
            passport(),
            doc("health_insurance_card", received_on=date(2026, 11, 20)),
        ),
        {"documents_valid"},
        {
            "documents_valid": [
                "Health insurance card was accepted only until 2025-12-01; this copy arrived "
                "on 2026-11-20."
            ]
        },
        id="health insurance card received in 2026: no longer accepted",
    ),
    pytest.param(
        case(doc("drivers_licence"), doc("drivers_licence")),
        {"two_documents"},
        {"two_documents": ["the 2 copies received are all of one type (Driver's licence)"]},
        id="two driver's licences: one type only",
    ),
    pytest.param(
        case(passport(), doc("drivers_licence", name="髙橋　美咲")),
        set(),
        {},
        id="髙 on the licence, 高 on the form: the same name",
    ),
    pytest.param(
        case(
            passport(),
            doc(
                "eligibility_certificate",
                confirmed_maskings=frozenset(),
                expires_on=date(2027, 3, 31),
            ),
        ),
        {"masking_confirmed"},
        {
            "masking_confirmed": [
                "Eligibility certificate (Requester): Insurer number and insured person's "
                "symbol and number (保険者番号・記号・番号) not confirmed as masked."
            ]
        },
        id="unmasked insurer number: fails until masked",
    ),
    pytest.param(
        case(
            passport(),
            doc("eligibility_certificate", expires_on=date(2027, 3, 31)),
        ),
        set(),
        {},
        id="the same insurer number, masked: pass",
    ),
    pytest.param(
        case(
            passport(),
            doc(
                "my_number_card",
                required_maskings=(Masking.MY_NUMBER,),
                confirmed_maskings=frozenset(),
                destroyed_at_once=True,
            ),
        ),
        set(),
        {},
        id="My Number card back destroyed at once: nothing left to mask",
    ),
    pytest.param(
        case(
            passport(),
            doc(
                "my_number_card",
                required_maskings=(Masking.MY_NUMBER,),
                confirmed_maskings=frozenset(),
            ),
        ),
        {"masking_confirmed"},
        {"masking_confirmed": ["My Number (個人番号) not confirmed as masked"]},
        id="My Number card back kept unmasked: fails",
    ),
    pytest.param(
        case(passport(), doc("drivers_licence", name="高橋 美香")),
        {"name_matches"},
        {"name_matches": ["Driver's licence shows the name “高橋 美香”, not “高橋 美咲”."]},
        id="a different given name is a real mismatch",
    ),
    pytest.param(
        case(passport(name="TAKAHASHI MISA"), doc("drivers_licence")),
        {"name_matches"},
        {"name_matches": ["Passport shows the name “TAKAHASHI MISA”"]},
        id="a passport in another name",
    ),
    pytest.param(
        case(passport(), doc("drivers_licence", kana="たかはし みさき")),
        set(),
        {},
        id="kana shown in hiragana equals the katakana on the form",
    ),
    pytest.param(
        case(passport(), doc("drivers_licence", date_of_birth=date(1988, 4, 21))),
        {"date_of_birth_matches"},
        {"date_of_birth_matches": ["Driver's licence shows 1988-04-21, not 1988-04-12."]},
        id="a different date of birth",
    ),
    pytest.param(
        case(passport(), doc("drivers_licence", address="名古屋市中区平和１－１－１９")),
        set(),
        {},
        id="the address in full-width digits and hyphens, without the prefecture",
    ),
    pytest.param(
        case(passport(), doc("drivers_licence", address="愛知県名古屋市中区平和1丁目2番19号")),
        {"address_matches"},
        {"address_matches": ["Driver's licence shows “愛知県名古屋市中区平和1丁目2番19号”."]},
        id="another block number is another address",
    ),
    pytest.param(
        case(passport(), doc("drivers_licence", expires_on=date(2026, 11, 19))),
        {"documents_valid"},
        {
            "documents_valid": [
                "Driver's licence expired on 2026-11-19, before it arrived on 2026-11-20."
            ]
        },
        id="a licence that expired the day before it arrived",
    ),
    pytest.param(
        case(passport(), doc("drivers_licence", expires_on=date(2026, 11, 20))),
        set(),
        {},
        id="a licence valid until the very day it arrived",
    ),
    pytest.param(
        case(passport(), doc("residence_certificate", issued_on=date(2026, 8, 19))),
        {"documents_valid"},
        {"documents_valid": ["more than 3 months before it arrived on 2026-11-20"]},
        id="a certificate of residence issued over three months earlier",
    ),
    pytest.param(
        case(passport(), doc("residence_certificate", issued_on=date(2026, 8, 20))),
        set(),
        {},
        id="a certificate of residence issued exactly three months earlier",
    ),
    pytest.param(
        case(
            passport(),
            doc("drivers_licence", type=kind("drivers_licence", active=False)),
        ),
        {"documents_valid"},
        {"documents_valid": ["Driver's licence is no longer accepted."]},
        id="a type the administrator stopped accepting",
    ),
    pytest.param(
        case(),
        {
            "two_documents",
            "name_matches",
            "date_of_birth_matches",
            "address_matches",
            "documents_valid",
        },
        {"two_documents": ["copies of two identity documents", "none has arrived yet"]},
        id="nothing has arrived yet",
    ),
]


@pytest.mark.parametrize(("facts", "fails", "says"), SCENARIOS)
def test_rules(facts: CaseFacts, fails: set[str], says: dict[str, list[str]]) -> None:
    results = evaluate(facts)
    assert failing(results) == fails, [r.message for r in results if not r.passed]
    found = by_code(results)
    for code, fragments in says.items():
        for fragment in fragments:
            assert fragment in found[code].message, found[code].message


# --- agents -------------------------------------------------------------------------------


def agent_doc(code: str, **changes: Any) -> DocumentFacts:
    return doc(code, AGENT, holder=Holder.AGENT, **changes)


def agent_case(*documents: DocumentFacts, kind_of_agent: str = "appointed_agent") -> CaseFacts:
    return case(
        passport(),
        doc("drivers_licence"),
        *documents,
        agent_kind=kind_of_agent,
        agent=AGENT,
    )


AGENT_PROOFS = (
    agent_doc("power_of_attorney", name="", date_of_birth=None, issued_on=date(2026, 11, 10)),
    doc("seal_certificate", name="", date_of_birth=None, issued_on=date(2026, 11, 5)),
)
AGENT_DOCUMENTS = (
    agent_doc("drivers_licence", date_of_birth=date(1975, 6, 1)),
    agent_doc("passport", name="ITO KENTA", date_of_birth=date(1975, 6, 1)),
)

AGENT_SCENARIOS = [
    pytest.param(
        agent_case(*AGENT_PROOFS, *AGENT_DOCUMENTS),
        set(),
        {},
        id="appointed agent with power of attorney, fresh seal certificate and two documents",
    ),
    pytest.param(
        agent_case(
            AGENT_PROOFS[0],
            doc("seal_certificate", name="", date_of_birth=None, issued_on=date(2026, 7, 15)),
            *AGENT_DOCUMENTS,
        ),
        {"agent_authority"},
        {
            "agent_authority": [
                "Seal registration certificate was issued on 2026-07-15, more than 3 months "
                "before it arrived on 2026-11-20."
            ]
        },
        id="seal certificate issued four months ago",
    ),
    pytest.param(
        agent_case(AGENT_PROOFS[0], *AGENT_DOCUMENTS),
        {"agent_authority"},
        {"agent_authority": ["no seal registration certificate"]},
        id="no seal certificate at all",
    ),
    pytest.param(
        agent_case(*AGENT_PROOFS, AGENT_DOCUMENTS[1]),
        {"agent_two_documents", "agent_address_matches"},
        {"agent_address_matches": ["愛知県岡崎市康生通西2丁目5番地", "Passport cannot prove"]},
        id="the agent sent only a passport: one type, and no address",
    ),
    pytest.param(
        agent_case(*AGENT_PROOFS, AGENT_DOCUMENTS[0], agent_doc("drivers_licence")),
        {"agent_two_documents"},
        {},
        id="two licences of the agent",
    ),
    pytest.param(
        agent_case(
            agent_doc("family_register", name="", date_of_birth=None, issued_on=date(2026, 11, 1)),
            *AGENT_DOCUMENTS,
            kind_of_agent="legal_representative",
        ),
        set(),
        {},
        id="legal representative with a recent family register",
    ),
    pytest.param(
        agent_case(*AGENT_DOCUMENTS, kind_of_agent="legal_representative"),
        {"agent_authority"},
        {"agent_authority": ["legal representative's authority is not proved"]},
        id="legal representative without proof",
    ),
]


@pytest.mark.parametrize(("facts", "fails", "says"), AGENT_SCENARIOS)
def test_agent_rules(facts: CaseFacts, fails: set[str], says: dict[str, list[str]]) -> None:
    results = evaluate(facts)
    assert failing(results) == fails, [r.message for r in results if not r.passed]
    found = by_code(results)
    for code, fragments in says.items():
        for fragment in fragments:
            assert fragment in found[code].message, found[code].message


def test_with_an_agent_the_agents_address_is_the_one_to_prove() -> None:
    results = by_code(evaluate(agent_case(*AGENT_PROOFS, *AGENT_DOCUMENTS)))
    assert "address_matches" not in results  # the requester's address is not where it goes
    assert results["agent_address_matches"].passed


# --- minors -------------------------------------------------------------------------------

# Turned 16 on 2026-11-21, the day after the request arrived: 15 on the arrival date.
SORA = PersonFacts(
    name="高橋 空",
    kana="タカハシ ソラ",
    address="愛知県名古屋市中区平和1丁目1番19号",
    date_of_birth=date(2010, 11, 21),
)


def minor_case(*documents: DocumentFacts, **changes: Any) -> CaseFacts:
    person = changes.pop("requester", SORA)
    return case(
        doc("my_number_card", person, expires_on=date(2030, 11, 21)),
        passport(person, name="TAKAHASHI SORA"),
        *documents,
        requester=person,
        **changes,
    )


GUARDIAN_DOCUMENTS = (
    doc("family_register", PARENT, holder=Holder.GUARDIAN, name="", issued_on=date(2026, 11, 1)),
    doc("drivers_licence", PARENT, holder=Holder.GUARDIAN),
    doc("passport", PARENT, holder=Holder.GUARDIAN, name="TAKAHASHI KEIKO"),
)


def test_requester_who_turned_16_the_day_after_arrival_needs_a_guardian() -> None:
    facts = minor_case()
    assert facts.requester_age == 15
    results = by_code(evaluate(facts))
    assert not results["guardian_consent"].passed
    assert "was 15 on the arrival date" in results["guardian_consent"].message
    assert not results["guardian_relationship"].passed
    assert not results["guardian_two_documents"].passed


def test_requester_who_turned_16_on_the_arrival_day_needs_none() -> None:
    facts = minor_case(requester=replace(SORA, date_of_birth=date(2010, 11, 20)))
    assert facts.requester_age == 16
    results = by_code(evaluate(facts))
    assert not any(code.startswith("guardian") for code in results)
    assert all(result.passed for result in results.values())


def test_a_minor_with_consent_relationship_and_a_verified_parent_passes() -> None:
    facts = minor_case(*GUARDIAN_DOCUMENTS, guardian=PARENT, consent_received_on=date(2026, 11, 20))
    results = evaluate(facts)
    assert failing(results) == set(), [r.message for r in results if not r.passed]


def test_a_minor_whose_parents_consent_has_not_arrived_fails() -> None:
    facts = minor_case(*GUARDIAN_DOCUMENTS, guardian=PARENT)
    results = by_code(evaluate(facts))
    assert failing(list(results.values())) == {"guardian_consent"}
    assert "the written consent of 高橋 恵子 has not arrived" in results["guardian_consent"].message


def test_the_parents_own_documents_must_pass_the_same_rules() -> None:
    facts = minor_case(
        GUARDIAN_DOCUMENTS[0],
        doc("drivers_licence", PARENT, holder=Holder.GUARDIAN, name="高橋 恵美"),
        GUARDIAN_DOCUMENTS[2],
        guardian=PARENT,
        consent_received_on=date(2026, 11, 20),
    )
    assert failing(evaluate(facts)) == {"guardian_name_matches"}


def test_a_minors_legal_representative_is_checked_by_the_agent_rules() -> None:
    facts = minor_case(
        doc("family_register", AGENT, holder=Holder.AGENT, name="", issued_on=date(2026, 11, 1)),
        *AGENT_DOCUMENTS,
        agent_kind="legal_representative",
        agent=AGENT,
    )
    results = by_code(evaluate(facts))
    assert results["minor_consent"].passed
    assert "guardian_consent" not in results
    assert all(result.passed for result in results.values())


# --- what is missing, as data -------------------------------------------------------------


def test_failed_rules_say_what_the_person_must_send() -> None:
    results = by_code(evaluate(case(passport(), doc("pension_book"))))
    (need,) = results["address_matches"].needs
    assert need.kind == "address_document"
    assert need.detail["address"] == MISAKI.address
    assert need.detail["cannot_prove"] == ["Passport", "Pension book"]


def test_months_are_added_as_calendar_months() -> None:
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 8, 20), 3) == date(2026, 11, 20)


def test_messages_follow_the_language() -> None:
    from django.utils import translation

    with translation.override("ja"):
        results = by_code(evaluate(case(passport(), doc("pension_book"))))
    message = results["address_matches"].message
    assert "パスポート" in message and "年金手帳" in message
    assert "Passport" not in message

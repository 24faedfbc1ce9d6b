"""The identity rules (本人確認の基準): facts in, named results out. No database here.

`identity.gate` gathers the facts of a case (its people, the documents received by post and
their types) into plain dataclasses and calls `evaluate`. Every rule returns a RuleResult
with a code, whether it passed, a message for staff that names what is missing or wrong,
and, when it fails, the `needs`: what the person would have to send, as data, which
`gate.what_is_missing` turns into sentences for the deficiency letter.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from identity.choices import MY_NUMBER_CARD_BACK, Holder, Masking, Proves
from identity.names import addresses_match, kana_key, names_match

# Policy Section 13: a person under 16 needs a parent's or guardian's permission; the age is
# the age on the day the request arrived (到達日).
MINOR_AGE = 16


# --- facts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TypeFacts:
    """A document type's rules (DocumentType), as the rules need them."""

    code: str
    name_ja: str
    name_en: str
    proves: str = Proves.IDENTITY
    active: bool = True
    shows_address: bool = False
    expires: bool = False
    has_photo: bool = False
    maskings: tuple[str, ...] = ()
    accepted_from: date | None = None
    accepted_until: date | None = None
    max_age_months: int | None = None

    @property
    def name(self) -> str:
        return self.name_ja if (get_language() or "ja").startswith("ja") else self.name_en


@dataclass(frozen=True)
class DocumentFacts:
    """What one copy shows, as staff typed it (withdrawn copies are never passed in)."""

    type: TypeFacts
    holder: str
    received_on: date
    name: str = ""
    kana: str = ""
    date_of_birth: date | None = None
    address: str = ""
    issued_on: date | None = None
    expires_on: date | None = None
    required_maskings: tuple[str, ...] = ()
    confirmed_maskings: frozenset[str] = frozenset()
    destroyed_at_once: bool = False
    id: int | None = None

    @property
    def proves_identity(self) -> bool:
        return self.type.proves == Proves.IDENTITY and self.counts

    @property
    def counts(self) -> bool:
        """The back of a My Number card never counts toward any rule, whatever its row in
        the reference data says: the law forbids collecting the number, so a copy of it is
        never evidence of anything (it is logged only to record its destruction)."""
        return self.type.code != MY_NUMBER_CARD_BACK


@dataclass(frozen=True)
class PersonFacts:
    """A person the case names: the requester, the agent or the parent or guardian."""

    name: str
    kana: str
    address: str
    date_of_birth: date | None = None


@dataclass(frozen=True)
class CaseFacts:
    arrival_date: date
    requester: PersonFacts
    agent_kind: str = ""  # "", "legal_representative" or "appointed_agent"
    agent: PersonFacts | None = None
    guardian: PersonFacts | None = None
    consent_received_on: date | None = None
    documents: tuple[DocumentFacts, ...] = ()

    @property
    def requester_age(self) -> int | None:
        born = self.requester.date_of_birth
        if born is None:
            return None
        day = self.arrival_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def is_minor(self) -> bool:
        age = self.requester_age
        return age is not None and age < MINOR_AGE


# --- results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Need:
    """Something the person must send, as data (see gate.what_is_missing for the sentences).

    kind: identity_documents, address_document, matching_name, matching_birth_date,
    valid_document, authority, guardian_consent or relationship_proof; party: whose
    (Holder value); detail: the facts a sentence needs (type names, dates, reasons).
    """

    kind: str
    party: str
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleResult:
    code: str
    passed: bool
    message: str
    needs: tuple[Need, ...] = ()


def _pass(code: str, message: str) -> RuleResult:
    return RuleResult(code=code, passed=True, message=message)


def _fail(code: str, message: str, *needs: Need) -> RuleResult:
    return RuleResult(code=code, passed=False, message=message, needs=tuple(needs))


# --- helpers -----------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day (2026-11-30 + 3 -> 2027-02-28)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _iso(day: date | None) -> str:
    return day.isoformat() if day else "—"


def _party_label(party: str) -> str:
    labels: dict[str, str] = {
        Holder.REQUESTER: _("Requester"),
        Holder.AGENT: _("Agent"),
        Holder.GUARDIAN: _("Parent or guardian"),
    }
    return str(labels.get(party, party))


def _joined(parts: Iterable[str]) -> str:
    return " ".join(parts)


def join_names(names: Iterable[str]) -> str:
    """Names in running text: 「運転免許証、パスポート」 or "driver's licence, passport"."""
    separator = "、" if (get_language() or "ja").startswith("ja") else ", "
    return separator.join(names)


def _type_list(documents: Sequence[DocumentFacts]) -> str:
    names: list[str] = []
    for document in documents:
        if document.type.name not in names:
            names.append(document.type.name)
    return join_names(names)


@dataclass(frozen=True)
class Problem:
    """Why one copy cannot be relied on (code for the letter, message for staff)."""

    code: str
    message: str
    detail: Mapping[str, Any] = field(default_factory=dict)


def document_problems(document: DocumentFacts) -> list[Problem]:
    """Was the copy acceptable on the day it arrived? Every reason it was not."""
    kind = document.type
    received = document.received_on
    facts = {"document": kind.name, "received": _iso(received)}
    problems: list[Problem] = []
    if not kind.active:
        problems.append(Problem("not_accepted", _("%(document)s is no longer accepted.") % facts))
    if kind.accepted_from and received < kind.accepted_from:
        problems.append(
            Problem(
                "not_yet_accepted",
                _("%(document)s is accepted only from %(date)s; this copy arrived on %(received)s.")
                % {**facts, "date": _iso(kind.accepted_from)},
                {"date": _iso(kind.accepted_from)},
            )
        )
    if kind.accepted_until and received > kind.accepted_until:
        problems.append(
            Problem(
                "no_longer_accepted",
                _(
                    "%(document)s was accepted only until %(date)s; this copy arrived on "
                    "%(received)s."
                )
                % {**facts, "date": _iso(kind.accepted_until)},
                {"date": _iso(kind.accepted_until)},
            )
        )
    if kind.expires:
        if document.expires_on is None:
            problems.append(
                Problem(
                    "expiry_unknown", _("%(document)s: the expiry date is not recorded.") % facts
                )
            )
        elif document.expires_on < received:
            problems.append(
                Problem(
                    "expired",
                    _("%(document)s expired on %(date)s, before it arrived on %(received)s.")
                    % {**facts, "date": _iso(document.expires_on)},
                    {"date": _iso(document.expires_on)},
                )
            )
    if kind.max_age_months:
        if document.issued_on is None:
            problems.append(
                Problem("issue_unknown", _("%(document)s: the issue date is not recorded.") % facts)
            )
        elif add_months(document.issued_on, kind.max_age_months) < received:
            problems.append(
                Problem(
                    "too_old",
                    _(
                        "%(document)s was issued on %(date)s, more than %(months)s months "
                        "before it arrived on %(received)s."
                    )
                    % {**facts, "date": _iso(document.issued_on), "months": kind.max_age_months},
                    {"date": _iso(document.issued_on), "months": kind.max_age_months},
                )
            )
    return problems


# --- the rules for one person's own documents --------------------------------------------


@dataclass(frozen=True)
class Party:
    """One person whose identity the documents must prove, and what to compare them with."""

    holder: str
    prefix: str  # "" for the requester, "agent_", "guardian_"
    person: PersonFacts | None
    # Whose address the documents must prove: the reply's (requester or agent) or their own.
    address_is_reply: bool
    check_address: bool
    check_birth_date: bool


def _identity_documents(facts: CaseFacts, holder: str) -> list[DocumentFacts]:
    return [d for d in facts.documents if d.holder == holder and d.proves_identity]


def two_documents(party: Party, documents: Sequence[DocumentFacts]) -> RuleResult:
    code = f"{party.prefix}two_documents"
    label = _party_label(party.holder)
    distinct = {d.type.code for d in documents}
    need = Need(
        "identity_documents", party.holder, {"have": sorted({d.type.name for d in documents})}
    )
    if len(distinct) >= 2:
        return _pass(
            code,
            _("%(party)s: two identity documents of different types (%(types)s).")
            % {"party": label, "types": _type_list(documents)},
        )
    if not documents:
        return _fail(
            code,
            _(
                "%(party)s: copies of two identity documents of two different types are needed; "
                "none has arrived yet."
            )
            % {"party": label},
            need,
        )
    if len(documents) > 1:
        return _fail(
            code,
            _(
                "%(party)s: copies of two identity documents of two different types are needed; "
                "the %(count)s copies received are all of one type (%(type)s)."
            )
            % {"party": label, "count": len(documents), "type": documents[0].type.name},
            need,
        )
    return _fail(
        code,
        _(
            "%(party)s: copies of two identity documents of two different types are needed; "
            "only one has arrived (%(type)s)."
        )
        % {"party": label, "type": documents[0].type.name},
        need,
    )


def _nothing_to_check(code: str, party: Party) -> RuleResult:
    return _fail(
        code,
        _("%(party)s: no identity document to check yet.") % {"party": _party_label(party.holder)},
    )


def name_matches(party: Party, documents: Sequence[DocumentFacts]) -> RuleResult:
    """The name on each copy is the person's (variant kanji, kana and spacing allowed)."""
    code = f"{party.prefix}name_matches"
    person = party.person
    if person is None or not documents:
        return _nothing_to_check(code, party)
    label = _party_label(party.holder)
    problems: list[str] = []
    wrong: list[str] = []
    for document in documents:
        if not names_match(document.name, person.name, person.kana):
            problems.append(
                _("%(document)s shows the name “%(shown)s”, not “%(expected)s”.")
                % {"document": document.type.name, "shown": document.name, "expected": person.name}
            )
            wrong.append(document.type.name)
        elif document.kana and person.kana and kana_key(document.kana) != kana_key(person.kana):
            problems.append(
                _("%(document)s shows the kana “%(shown)s”, not “%(expected)s”.")
                % {"document": document.type.name, "shown": document.kana, "expected": person.kana}
            )
            wrong.append(document.type.name)
    if problems:
        return _fail(
            code,
            _joined([_("%(party)s: the name does not match.") % {"party": label}, *problems]),
            Need("matching_name", party.holder, {"types": wrong}),
        )
    return _pass(
        code,
        _("%(party)s: the name on every document matches “%(name)s”.")
        % {"party": label, "name": person.name},
    )


def date_of_birth_matches(party: Party, documents: Sequence[DocumentFacts]) -> RuleResult:
    code = f"{party.prefix}date_of_birth_matches"
    person = party.person
    if person is None or person.date_of_birth is None or not documents:
        return _nothing_to_check(code, party)
    label = _party_label(party.holder)
    problems: list[str] = []
    wrong: list[str] = []
    for document in documents:
        if document.date_of_birth is None:
            problems.append(
                _("%(document)s: the date of birth is not recorded.")
                % {"document": document.type.name}
            )
            wrong.append(document.type.name)
        elif document.date_of_birth != person.date_of_birth:
            problems.append(
                _("%(document)s shows %(shown)s, not %(expected)s.")
                % {
                    "document": document.type.name,
                    "shown": _iso(document.date_of_birth),
                    "expected": _iso(person.date_of_birth),
                }
            )
            wrong.append(document.type.name)
    if problems:
        return _fail(
            code,
            _joined(
                [_("%(party)s: the date of birth does not match.") % {"party": label}, *problems]
            ),
            Need("matching_birth_date", party.holder, {"types": wrong}),
        )
    return _pass(
        code,
        _("%(party)s: the date of birth on every document is %(date)s.")
        % {"party": label, "date": _iso(person.date_of_birth)},
    )


def address_matches(party: Party, documents: Sequence[DocumentFacts]) -> RuleResult:
    """At least one copy shows the address to prove (where the reply goes, for its addressee)."""
    code = f"{party.prefix}address_matches"
    person = party.person
    label = _party_label(party.holder)
    if person is None:
        return _nothing_to_check(code, party)
    matching = [
        d for d in documents if d.type.shows_address and addresses_match(d.address, person.address)
    ]
    if matching:
        template = (
            _("%(party)s: %(document)s shows the address the reply will go to.")
            if party.address_is_reply
            else _("%(party)s: %(document)s shows the address recorded for them.")
        )
        return _pass(code, template % {"party": label, "document": matching[0].type.name})
    reasons: list[str] = []
    cannot_prove: list[str] = []
    for document in documents:
        if not document.type.shows_address:
            reasons.append(
                _("%(document)s cannot prove an address.") % {"document": document.type.name}
            )
            cannot_prove.append(document.type.name)
        elif not document.address.strip():
            reasons.append(
                _("%(document)s: the address is not recorded.") % {"document": document.type.name}
            )
        else:
            reasons.append(
                _("%(document)s shows “%(shown)s”.")
                % {"document": document.type.name, "shown": document.address}
            )
    template = (
        _("%(party)s: no document shows the address the reply will go to (%(address)s).")
        if party.address_is_reply
        else _("%(party)s: no document shows the address recorded for them (%(address)s).")
    )
    return _fail(
        code,
        _joined([template % {"party": label, "address": person.address}, *reasons]),
        Need(
            "address_document",
            party.holder,
            {"address": person.address, "cannot_prove": sorted(set(cannot_prove))},
        ),
    )


def documents_valid(party: Party, documents: Sequence[DocumentFacts]) -> RuleResult:
    """Neither copy had expired, was outside its type's accepted dates, or was too old."""
    code = f"{party.prefix}documents_valid"
    if not documents:
        return _nothing_to_check(code, party)
    label = _party_label(party.holder)
    messages: list[str] = []
    needs: list[Need] = []
    for document in documents:
        for problem in document_problems(document):
            messages.append(problem.message)
            needs.append(
                Need(
                    "valid_document",
                    party.holder,
                    {"type": document.type.name, "reason": problem.code, **problem.detail},
                )
            )
    if messages:
        return _fail(
            code,
            _joined(
                [
                    _("%(party)s: a document was not valid on the day it arrived.")
                    % {"party": label},
                    *messages,
                ]
            ),
            *needs,
        )
    return _pass(
        code,
        _("%(party)s: every document was valid on the day it arrived.") % {"party": label},
    )


def party_rules(facts: CaseFacts, party: Party) -> list[RuleResult]:
    documents = _identity_documents(facts, party.holder)
    results = [two_documents(party, documents)]
    if party.person is None:
        return results
    results.append(name_matches(party, documents))
    if party.check_birth_date:
        results.append(date_of_birth_matches(party, documents))
    if party.check_address:
        results.append(address_matches(party, documents))
    results.append(documents_valid(party, documents))
    return results


# --- agents and minors -------------------------------------------------------------------

LEGAL_REPRESENTATIVE = "legal_representative"
APPOINTED_AGENT = "appointed_agent"


def _proof(facts: CaseFacts, proves: Iterable[str]) -> tuple[list[DocumentFacts], list[Problem]]:
    """The valid copies proving one of `proves`, and the problems of the invalid ones."""
    wanted = set(proves)
    valid: list[DocumentFacts] = []
    problems: list[Problem] = []
    for document in facts.documents:
        if document.type.proves not in wanted:
            continue
        found = document_problems(document)
        if found:
            problems.extend(found)
        else:
            valid.append(document)
    return valid, problems


def agent_authority(facts: CaseFacts) -> RuleResult:
    """The proof of authority for the kind of agent (代理権の確認)."""
    code = "agent_authority"
    label = _party_label(Holder.AGENT)
    if facts.agent_kind == LEGAL_REPRESENTATIVE:
        valid, problems = _proof(facts, (Proves.RELATIONSHIP, Proves.GUARDIANSHIP))
        if valid:
            return _pass(
                code,
                _("%(party)s: %(document)s proves the authority of the legal representative.")
                % {"party": label, "document": valid[0].type.name},
            )
        return _fail(
            code,
            _joined(
                [
                    _(
                        "%(party)s: the legal representative's authority is not proved: a "
                        "family register (for a minor) or a certificate of registered matters "
                        "(for an adult ward) is needed."
                    )
                    % {"party": label},
                    *[problem.message for problem in problems],
                ]
            ),
            Need(
                "authority",
                Holder.AGENT,
                {
                    "agent_kind": LEGAL_REPRESENTATIVE,
                    "missing": ["relationship_or_guardianship"],
                    "problems": [p.code for p in problems],
                },
            ),
        )
    # An appointed agent: a power of attorney and the person's seal certificate.
    messages: list[str] = []
    missing: list[str] = []
    details: list[dict[str, Any]] = []
    for proves, absent in (
        (
            Proves.APPOINTMENT,
            _("no power of attorney (委任状) has arrived."),
        ),
        (
            Proves.REGISTERED_SEAL,
            _("no seal registration certificate (印鑑登録証明書) of the requester has arrived."),
        ),
    ):
        valid, problems = _proof(facts, (proves,))
        if valid:
            continue
        missing.append(str(proves))
        if problems:
            messages.extend(problem.message for problem in problems)
            details.extend({"proves": str(proves), "reason": p.code, **p.detail} for p in problems)
        else:
            messages.append(str(absent))
    if not missing:
        return _pass(
            code,
            _("%(party)s: the power of attorney and the seal certificate prove the appointment.")
            % {"party": label},
        )
    return _fail(
        code,
        _joined(
            [
                _("%(party)s: the appointment of the agent is not proved:") % {"party": label},
                *messages,
            ]
        ),
        Need(
            "authority",
            Holder.AGENT,
            {"agent_kind": APPOINTED_AGENT, "missing": missing, "problems": details},
        ),
    )


def guardian_consent(facts: CaseFacts) -> RuleResult:
    code = "guardian_consent"
    age = facts.requester_age
    base = {"age": age, "arrival": _iso(facts.arrival_date)}
    need = Need("guardian_consent", Holder.GUARDIAN, {"age": age})
    if facts.guardian is None:
        return _fail(
            code,
            _(
                "The requester was %(age)s on the arrival date (%(arrival)s): a parent's or "
                "guardian's consent is needed (policy Section 13), and no parent or guardian "
                "is recorded yet."
            )
            % base,
            need,
        )
    if facts.consent_received_on is None:
        return _fail(
            code,
            _(
                "The requester was %(age)s on the arrival date (%(arrival)s): the written "
                "consent of %(name)s has not arrived."
            )
            % {**base, "name": facts.guardian.name},
            need,
        )
    return _pass(
        code,
        _(
            "The requester was %(age)s on the arrival date; the written consent of %(name)s "
            "arrived on %(date)s."
        )
        % {**base, "name": facts.guardian.name, "date": _iso(facts.consent_received_on)},
    )


def guardian_relationship(facts: CaseFacts) -> RuleResult:
    code = "guardian_relationship"
    valid, problems = _proof(facts, (Proves.RELATIONSHIP,))
    guardian = facts.guardian
    if valid:
        return _pass(
            code,
            _("%(document)s proves that %(name)s is the requester's parent or guardian.")
            % {"document": valid[0].type.name, "name": guardian.name if guardian else "—"},
        )
    missing = (
        _(
            "No proof that %(name)s is the requester's parent or guardian (such as a family "
            "register) has arrived."
        )
        % {"name": guardian.name}
        if guardian
        else _(
            "No proof of the relationship between the requester and a parent or guardian "
            "(such as a family register) has arrived."
        )
    )
    return _fail(
        code,
        _joined([missing, *[problem.message for problem in problems]]),
        Need("relationship_proof", Holder.GUARDIAN, {"problems": [p.code for p in problems]}),
    )


def masking_confirmed(facts: CaseFacts) -> RuleResult:
    """Every masking each copy's type requires is confirmed, or the copy was destroyed."""
    code = "masking_confirmed"
    labels = dict(Masking.choices)
    problems: list[str] = []
    required_any = False
    for document in facts.documents:
        if document.destroyed_at_once or not document.required_maskings:
            continue
        required_any = True
        pending = [m for m in document.required_maskings if m not in document.confirmed_maskings]
        if pending:
            problems.append(
                _("%(document)s (%(party)s): %(maskings)s not confirmed as masked.")
                % {
                    "document": document.type.name,
                    "party": _party_label(document.holder),
                    "maskings": join_names(str(labels[m]) for m in pending),
                }
            )
    if problems:
        return _fail(
            code,
            _joined([_("A masking is not confirmed by a named member of staff."), *problems]),
        )
    if required_any:
        return _pass(code, _("Every required masking is confirmed."))
    return _pass(code, _("No copy needs masking."))


# --- all rules ---------------------------------------------------------------------------


# What the back of a My Number card is, fixed here whatever the reference data says.
CARD_BACK_FACTS = TypeFacts(
    code=MY_NUMBER_CARD_BACK,
    name_ja="マイナンバーカード（裏面）",
    name_en="My Number card (back)",
    proves=Proves.NOTHING,
)


def evaluate(facts: CaseFacts) -> list[RuleResult]:
    """Every rule that applies to the case, in the order the case page shows them.

    Copies that count toward no rule (the back of a My Number card) are left out first, so
    no rule, present or future, can count them."""
    facts = replace(facts, documents=tuple(d for d in facts.documents if d.counts))
    agent_acts = bool(facts.agent_kind) and facts.agent is not None
    results = party_rules(
        facts,
        Party(
            holder=Holder.REQUESTER,
            prefix="",
            person=facts.requester,
            address_is_reply=True,
            # With an agent the reply goes to the agent: their documents prove that address.
            check_address=not agent_acts,
            check_birth_date=True,
        ),
    )
    if agent_acts:
        results.append(agent_authority(facts))
        results.extend(
            party_rules(
                facts,
                Party(
                    holder=Holder.AGENT,
                    prefix="agent_",
                    person=facts.agent,
                    address_is_reply=True,
                    check_address=True,
                    check_birth_date=False,  # the case does not record an agent's birth date
                ),
            )
        )
    if facts.is_minor:
        if facts.agent_kind == LEGAL_REPRESENTATIVE and agent_acts:
            results.append(
                _pass(
                    "minor_consent",
                    _(
                        "The requester was %(age)s on the arrival date; their legal "
                        "representative makes the request, so the agent rules apply."
                    )
                    % {"age": facts.requester_age},
                )
            )
        else:
            results.append(guardian_consent(facts))
            results.append(guardian_relationship(facts))
            results.extend(
                party_rules(
                    facts,
                    Party(
                        holder=Holder.GUARDIAN,
                        prefix="guardian_",
                        person=facts.guardian,
                        address_is_reply=False,
                        check_address=True,
                        check_birth_date=True,
                    ),
                )
            )
    results.append(masking_confirmed(facts))
    return results

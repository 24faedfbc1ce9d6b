"""The identity gate: the verdict the case workflow asks for before leaving "awaiting identity".

`evaluate_case` gathers the facts of a case (its people and the documents received by post)
and runs the pure rules of `identity.rules`; the case moves on only when all pass.
`what_is_missing` turns the failed rules into what the person must still send.

Query count: a case loaded by `requests_app.selectors.case_detail` has its documents (with
types and maskings) and its guardian loaded, so the gate runs no query at all; any other case
costs three (documents, maskings, guardian), however many documents it has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from identity.choices import Holder, Proves
from identity.models import DocumentType, Guardian, ReceivedDocument
from identity.rules import (
    APPOINTED_AGENT,
    CARD_BACK_FACTS,
    MINOR_AGE,
    CaseFacts,
    DocumentFacts,
    Need,
    PersonFacts,
    RuleResult,
    TypeFacts,
    evaluate,
    join_names,
)

if TYPE_CHECKING:
    from requests_app.models import Case

__all__ = [
    "RuleResult",
    "Verdict",
    "documents_prefetch",
    "evaluate_case",
    "missing_needs",
    "what_is_missing",
]


@dataclass(frozen=True)
class Verdict:
    results: list[RuleResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(result.passed for result in self.results)

    @property
    def failures(self) -> list[RuleResult]:
        return [result for result in self.results if not result.passed]

    def outcomes(self) -> dict[str, bool]:
        """Rule code -> passed: what the audit trail records (never a document's content)."""
        return {result.code: result.passed for result in self.results}


# --- gathering the facts -----------------------------------------------------------------


def documents_of(case: Case) -> list[ReceivedDocument]:
    """Every document of the case, withdrawn ones included, with types and maskings."""
    prefetched = getattr(case, "_prefetched_objects_cache", {})
    if "identity_documents" in prefetched:
        return list(case.identity_documents.all())
    return list(ReceivedDocument.objects.with_details().filter(case=case))


def documents_prefetch() -> Prefetch[str, QuerySet[ReceivedDocument], str]:
    """For a query of cases: load what `documents_of` reads, so the gate then runs none."""
    return Prefetch("identity_documents", queryset=ReceivedDocument.objects.with_details())


def guardian_of(case: Case) -> Guardian | None:
    """The parent or guardian recorded on the case: loaded with the case page
    (select_related), otherwise asked for afresh, so a long-lived instance is never stale."""
    if type(case).identity_guardian.is_cached(case):
        try:
            return case.identity_guardian
        except Guardian.DoesNotExist:
            return None
    return Guardian.objects.filter(case_id=case.pk).first()


def type_facts(kind: DocumentType) -> TypeFacts:
    if kind.is_card_back:
        return CARD_BACK_FACTS  # fixed in code: its row in the reference data is not read
    return TypeFacts(
        code=kind.code,
        name_ja=kind.name_ja,
        name_en=kind.name_en,
        proves=kind.proves,
        active=kind.active,
        shows_address=kind.shows_address,
        expires=kind.expires,
        has_photo=kind.has_photo,
        maskings=tuple(kind.required_maskings),
        accepted_from=kind.accepted_from,
        accepted_until=kind.accepted_until,
        max_age_months=kind.max_age_months,
    )


def document_facts(document: ReceivedDocument) -> DocumentFacts:
    return DocumentFacts(
        id=document.pk,
        type=type_facts(document.document_type),
        holder=document.holder,
        received_on=document.received_on,
        name=document.name_shown,
        kana=document.name_kana_shown,
        date_of_birth=document.date_of_birth_shown,
        address=document.address_shown,
        issued_on=document.issued_on,
        expires_on=document.expires_on,
        required_maskings=tuple(document.required_maskings),
        confirmed_maskings=frozenset(m.masking for m in document.maskings.all()),
        destroyed_at_once=document.destroyed_at_once,
    )


def case_facts(case: Case, documents: list[ReceivedDocument] | None = None) -> CaseFacts:
    requester = case.requester
    guardian = guardian_of(case)
    agent = (
        PersonFacts(name=case.agent_name, kana=case.agent_name_kana, address=case.agent_address)
        if case.has_agent
        else None
    )
    return CaseFacts(
        arrival_date=case.arrival_date,
        requester=PersonFacts(
            name=requester.name,
            kana=requester.name_kana,
            address=requester.address,
            date_of_birth=requester.date_of_birth,
        ),
        agent_kind=case.agent_kind,
        agent=agent,
        guardian=PersonFacts(
            name=guardian.name,
            kana=guardian.name_kana,
            address=guardian.address,
            date_of_birth=guardian.date_of_birth,
        )
        if guardian
        else None,
        consent_received_on=guardian.consent_received_on if guardian else None,
        documents=tuple(
            document_facts(document)
            for document in (documents if documents is not None else documents_of(case))
            if not document.is_withdrawn
        ),
    )


def evaluate_case(case: Case) -> Verdict:
    return Verdict(results=evaluate(case_facts(case)))


def needs_guardian(case: Case) -> bool:
    """The requester was under 16 on the arrival date (policy Section 13)."""
    return case.requester.age_on(case.arrival_date) < MINOR_AGE


# --- what the person must send -----------------------------------------------------------


def what_is_missing(case: Case) -> list[str]:
    """What the person must still send, one sentence per item, for the deficiency letter.

    Sentences are in the active language and addressed to the person (not to staff); the
    same need is said once even if several rules raise it.
    """
    needs = [need for result in evaluate_case(case).failures for need in result.needs]
    if not needs:
        return []
    examples = _examples()
    sentences: list[str] = []
    for need in _merged(needs):
        for sentence in _sentences(need, examples):
            if sentence not in sentences:
                sentences.append(sentence)
    return sentences


def _merged(needs: list[Need]) -> list[Need]:
    """Nothing has arrived from someone yet: one sentence asks for both documents and says
    that one must show the address, instead of two sentences the person must combine."""
    merged: list[Need] = []
    for need in needs:
        if need.kind == "address_document":
            first = next(
                (
                    index
                    for index, other in enumerate(merged)
                    if other.kind == "identity_documents"
                    and other.party == need.party
                    and not other.detail.get("have")
                ),
                None,
            )
            if first is not None:
                merged[first] = Need(
                    "identity_documents",
                    need.party,
                    {"have": [], "address": need.detail.get("address", "")},
                )
                continue
        merged.append(need)
    return merged


def missing_needs(case: Case) -> list[Need]:
    """The same as data: each failed rule's needs (kind, whose, details)."""
    return [need for result in evaluate_case(case).failures for need in result.needs]


@dataclass(frozen=True)
class _Examples:
    """The accepted types, to suggest what to send and how recent a certificate must be."""

    identity: list[str]
    address: list[str]
    max_age_months: dict[str, int]

    def months(self, proves: str) -> int:
        return self.max_age_months.get(proves, 3)


def _examples() -> _Examples:
    today = timezone.localdate()
    kinds = list(DocumentType.objects.filter(active=True))
    # Suggest only what would be accepted if it were sent today.
    identity = [
        kind
        for kind in kinds
        if kind.is_identity_document
        and (kind.accepted_from is None or kind.accepted_from <= today)
        and (kind.accepted_until is None or kind.accepted_until >= today)
    ]
    max_ages: dict[str, int] = {}
    for kind in kinds:
        if kind.proves != Proves.IDENTITY and kind.max_age_months:
            max_ages[kind.proves] = kind.max_age_months
    return _Examples(
        identity=[kind.name for kind in identity],
        address=[kind.name for kind in identity if kind.shows_address],
        max_age_months=max_ages,
    )


def _whose(party: str) -> str:
    """The owner's words in a sentence to the person."""
    words: dict[str, str] = {
        Holder.REQUESTER: _("your"),
        Holder.AGENT: _("your agent's"),
        Holder.GUARDIAN: _("your parent's or guardian's"),
    }
    return words.get(party, words[Holder.REQUESTER])


def _sentences(need: Need, examples: _Examples) -> list[str]:
    detail: dict[str, Any] = dict(need.detail)
    whose = _whose(need.party)
    if need.kind == "identity_documents":
        have = list(detail.get("have", []))
        if not have and detail.get("address"):
            return [
                _(
                    "Copies of two of %(whose)s identity documents of different types, at least "
                    "one of them showing %(whose)s current address (%(address)s), for example "
                    "%(examples)s."
                )
                % {
                    "whose": whose,
                    "address": detail["address"],
                    "examples": join_names(examples.address[:3]),
                }
            ]
        if not have:
            return [
                _(
                    "Copies of two of %(whose)s identity documents of different types (for "
                    "example %(examples)s)."
                )
                % {"whose": whose, "examples": join_names(examples.identity[:3])}
            ]
        others = [name for name in examples.identity if name not in have]
        return [
            _(
                "A copy of one more of %(whose)s identity documents, of a different type from the "
                "%(have)s already sent (for example %(examples)s)."
            )
            % {"whose": whose, "have": join_names(have), "examples": join_names(others[:3])}
        ]
    if need.kind == "address_document":
        sentence = _(
            "A copy of a document showing %(whose)s current address (%(address)s), such as "
            "%(examples)s."
        ) % {
            "whose": whose,
            "address": detail.get("address", ""),
            "examples": join_names(examples.address[:3]),
        }
        cannot = list(detail.get("cannot_prove", []))
        if len(cannot) == 1:
            sentence += " " + _("A %(type)s cannot prove the address.") % {"type": cannot[0]}
        elif cannot:
            sentence += " " + _("These cannot prove the address: %(types)s.") % {
                "types": join_names(cannot)
            }
        return [sentence]
    if need.kind == "matching_name":
        return [
            _(
                "A copy of a document in %(whose)s name as written in the request: the name on "
                "the %(types)s sent does not match it. If the name has changed, please also send "
                "a certificate of residence showing the change."
            )
            % {"whose": whose, "types": join_names(detail.get("types", []))}
        ]
    if need.kind == "matching_birth_date":
        return [
            _(
                "A copy of a document showing %(whose)s date of birth as written in the request: "
                "the date on the %(types)s sent does not match it."
            )
            % {"whose": whose, "types": join_names(detail.get("types", []))}
        ]
    if need.kind == "valid_document":
        return [_valid_document_sentence(detail, whose)]
    if need.kind == "authority":
        return _authority_sentences(detail, examples)
    if need.kind == "guardian_consent":
        return [
            _(
                "Written consent to this request from your parent or guardian (you were under 16 "
                "when it arrived)."
            )
        ]
    if need.kind == "relationship_proof":
        return [
            _(
                "A certified copy of the family register (戸籍謄本), issued within the last "
                "%(months)s months, showing that the person consenting is your parent or "
                "guardian."
            )
            % {"months": examples.months(Proves.RELATIONSHIP)}
        ]
    return []


def _valid_document_sentence(detail: dict[str, Any], whose: str) -> str:
    reason = detail.get("reason")
    facts = {"whose": whose, "type": detail.get("type", ""), "date": detail.get("date", "")}
    if reason == "expired":
        return (
            _(
                "A copy of another of %(whose)s identity documents in place of the %(type)s, "
                "which had expired (%(date)s) when it arrived."
            )
            % facts
        )
    if reason in ("no_longer_accepted", "not_accepted", "not_yet_accepted"):
        return (
            _(
                "A copy of another of %(whose)s identity documents in place of the %(type)s, "
                "which can no longer be accepted."
            )
            % facts
        )
    if reason == "too_old":
        return _(
            "A %(type)s issued within the last %(months)s months (the one sent was issued on "
            "%(date)s)."
        ) % {**facts, "months": detail.get("months", "")}
    return (
        _("A clear copy of the %(type)s on which every date can be read, or another document.")
        % facts
    )


def _authority_sentences(detail: dict[str, Any], examples: _Examples) -> list[str]:
    if detail.get("agent_kind") == APPOINTED_AGENT:
        missing = list(detail.get("missing", []))
        sentences: list[str] = []
        if Proves.APPOINTMENT in missing:
            sentences.append(
                _(
                    "A power of attorney (委任状) appointing your agent, sealed with your "
                    "registered seal."
                )
            )
        if Proves.REGISTERED_SEAL in missing:
            sentences.append(
                _(
                    "Your seal registration certificate (印鑑登録証明書), issued within the last "
                    "%(months)s months."
                )
                % {"months": examples.months(Proves.REGISTERED_SEAL)}
            )
        return sentences
    return [
        _(
            "A document proving your legal representative's authority, issued within the last "
            "%(months)s months: a certified copy of the family register (戸籍謄本) for a "
            "minor, or a certificate of registered matters (登記事項証明書) for an adult ward."
        )
        % {"months": examples.months(Proves.RELATIONSHIP)}
    ]

"""What each kind of request may be answered, and on which grounds: defined once, as data.

APPI gives every kind of request its own outcomes and its own grounds for not doing all that
was asked (../shared/DOMAIN.md, "Outcomes and grounds per kind"); one kind's grounds are never
offered for another. The outcome form, the service that records an outcome, the database
constraint on `RequestItem`, the workflow's "nothing granted" guard, the letters, the case
page, the exports and the dossier all read this module, so the law is written down once.

Each ground carries its article and a label in the law's own terms (both through gettext, so
a Japanese letter cites 「法第33条第2項第2号」 and quotes the statute's words). A leaf: it
imports nothing of the project but `requests_app.choices`.

Records of provision to third parties that the Cabinet Order excludes (Enforcement Order
Art. 11) are deliberately *not* a ground here: telling the person that such records exist
would reveal them. They are left out of a disclosure without mention; `SILENT_EXCLUSION`
names the article for the register that marks them (shown to the approver only).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from requests_app.choices import Outcome, RequestKind

K = RequestKind
O = Outcome  # noqa: E741  (the enum, read as a letter)


@dataclass(frozen=True)
class Ground:
    """A reason the law allows for not doing (all of) what was asked, or for doing it
    differently, with the article it rests on."""

    code: str
    article: Promise
    label: Promise
    # What a letter says besides the ground: e.g. that the data was investigated and found
    # accurate, so the person reads a result and not only a refusal.
    explanation: Promise | None = None


@dataclass(frozen=True)
class OutcomeRule:
    """One outcome a kind of request may have."""

    outcome: str
    label: Promise
    # False: the outcome grants nothing (the "decision not to act" when every item has it).
    granted: bool = True
    # The grounds one of which must be given; none for outcomes that need no ground.
    grounds: tuple[Ground, ...] = ()
    needs_reasons: bool = False
    # A different measure must be described: the law then requires it (Art. 35(2),(4),(6)).
    needs_measure: bool = False

    @property
    def needs_ground(self) -> bool:
        return bool(self.grounds)

    def ground(self, code: str) -> Ground | None:
        return next((ground for ground in self.grounds if ground.code == code), None)


@dataclass(frozen=True)
class KindRules:
    kind: str
    article: Promise
    outcomes: tuple[OutcomeRule, ...]

    def rule(self, outcome: str) -> OutcomeRule | None:
        return next((rule for rule in self.outcomes if rule.outcome == outcome), None)

    @property
    def grounds(self) -> tuple[Ground, ...]:
        """Every ground of this kind, once each, in the order the outcomes list them."""
        seen: dict[str, Ground] = {}
        for rule in self.outcomes:
            for ground in rule.grounds:
                seen.setdefault(ground.code, ground)
        return tuple(seen.values())


def _nothing_held() -> OutcomeRule:
    # Every kind but an inquiry: a person asking about, or to change, what the company does
    # not hold is told so in writing (a disclosure must be answered even when nothing is held).
    return OutcomeRule(O.NOTHING_HELD, _("No personal data held"))


# --- Art. 32: notice of the purpose of use ----------------------------------------------------

PURPOSE_GROUNDS = (
    Ground(
        "already_clear",
        _("Art. 32(2)(i)"),
        _(
            "The purpose of use of the retained personal data by which the person is "
            "identified is already clear from what the company has made known (Art. 32(1))"
        ),
    ),
    Ground(
        "harm_person",
        _("Art. 32(2)(ii), Art. 21(4)(i)"),
        _(
            "Notifying the purpose of use could harm the life, body, property or other rights "
            "or interests of the person or a third party"
        ),
    ),
    Ground(
        "harm_company",
        _("Art. 32(2)(ii), Art. 21(4)(ii)"),
        _(
            "Notifying the purpose of use could harm the rights or legitimate interests of "
            "the company"
        ),
    ),
    Ground(
        "state_affairs",
        _("Art. 32(2)(ii), Art. 21(4)(iii)"),
        _(
            "The company must cooperate with a national organ or a local government in "
            "carrying out affairs prescribed by law, and notifying the purpose of use could "
            "impede those affairs"
        ),
    ),
)

# --- Art. 33: disclosure, and records of provision to third parties (33(5)) -------------------

DISCLOSURE_GROUNDS = (
    Ground(
        "harm",
        _("Art. 33(2)(i)"),
        _(
            "Disclosure could harm the life, body, property or other rights or interests of "
            "the person or a third party"
        ),
    ),
    Ground(
        "business",
        _("Art. 33(2)(ii)"),
        _("Disclosure could seriously interfere with the proper conduct of the company's business"),
    ),
    Ground("other_law", _("Art. 33(2)(iii)"), _("Disclosure would violate another law")),
)
OTHER_PROCEDURE_33 = Ground(
    "other_procedure",
    _("Art. 33(4)"),
    _(
        "Another law provides for the disclosure of this retained personal data to the person "
        "by a method equivalent to that of this Act, so that law applies instead"
    ),
)
OTHER_METHOD_GROUND = Ground(
    "method_difficult",
    _("Art. 33(2)"),
    _(
        "Disclosure by the method the person chose would cost a large amount or is otherwise "
        "difficult, so the data is disclosed by delivering a document"
    ),
)
RECORDS_GROUNDS = (
    Ground(
        "harm",
        _("Art. 33(5), Art. 33(2)(i)"),
        _(
            "Disclosure could harm the life, body, property or other rights or interests of "
            "the person or a third party"
        ),
    ),
    Ground(
        "business",
        _("Art. 33(5), Art. 33(2)(ii)"),
        _("Disclosure could seriously interfere with the proper conduct of the company's business"),
    ),
    Ground(
        "other_law", _("Art. 33(5), Art. 33(2)(iii)"), _("Disclosure would violate another law")
    ),
)
RECORDS_OTHER_METHOD_GROUND = Ground(
    "method_difficult",
    _("Art. 33(5), Art. 33(2)"),
    OTHER_METHOD_GROUND.label,
)
# Records whose existence becoming known would endanger life, body or property, invite
# unlawful acts, harm national security or foreign relations, or hinder crime prevention or
# investigation are not "records of provision" at all: never a ground stated to the person.
SILENT_EXCLUSION = _("Enforcement Order Art. 11")

# --- Art. 34: correction, addition, deletion ------------------------------------------------

CORRECTION_GROUNDS = (
    Ground(
        "accurate",
        _("Art. 34(1), (2)"),
        _(
            "The investigation found that the content of the retained personal data is true; "
            "correction, addition or deletion can be requested only where it is not true"
        ),
        explanation=_(
            "We investigated the personal data concerned as the Act requires and confirmed "
            "that its content is accurate. We have therefore not corrected, added to or "
            "deleted it."
        ),
    ),
    Ground(
        "not_needed",
        _("Art. 34(2)"),
        _(
            "The correction, addition or deletion asked for goes beyond what is needed to "
            "achieve the purpose of use"
        ),
    ),
    Ground(
        "other_procedure",
        _("Art. 34(2)"),
        _("Another law provides a special procedure for correcting this retained personal data"),
    ),
)

# --- Art. 35: discontinuation of use or erasure; cessation of provision to third parties ------

DISCONTINUATION_NO_GROUND = Ground(
    "no_ground",
    _("Art. 35(1), (5)"),
    _(
        "The request has no ground under the Act: the retained personal data is not handled "
        "beyond the purpose of use (Art. 18) or by improper means (Art. 19), was not acquired "
        "improperly (Art. 20), and none of the cases of Art. 35(5) applies (the company no "
        "longer needs to use it, a situation to be reported under Art. 26(1) occurred, or the "
        "person's rights or legitimate interests are likely to be harmed)"
    ),
)
DISCONTINUATION_EXTENT = Ground(
    "extent_needed",
    _("Art. 35(2), (6)"),
    _(
        "The rest goes beyond what is needed to correct the violation or to prevent harm to "
        "the person's rights and interests"
    ),
)
DISCONTINUATION_MEASURE = Ground(
    "measure_difficult",
    _("Art. 35(2) proviso, Art. 35(6) proviso"),
    _(
        "Discontinuing the use or erasing the data would cost a large amount or is otherwise "
        "difficult, and the company takes the alternative measure needed to protect the "
        "person's rights and interests"
    ),
)
CESSATION_NO_GROUND = Ground(
    "no_ground",
    _("Art. 35(3), (5)"),
    _(
        "The request has no ground under the Act: the retained personal data is not provided "
        "to third parties in violation of Art. 27(1) or Art. 28, and none of the cases of "
        "Art. 35(5) applies"
    ),
)
CESSATION_EXTENT = Ground(
    "extent_needed",
    _("Art. 35(6)"),
    _("The rest goes beyond what is needed to prevent harm to the person's rights and interests"),
)
CESSATION_MEASURE = Ground(
    "measure_difficult",
    _("Art. 35(4) proviso, Art. 35(6) proviso"),
    _(
        "Ceasing the provision to third parties would cost a large amount or is otherwise "
        "difficult, and the company takes the alternative measure needed to protect the "
        "person's rights and interests"
    ),
)


KINDS: dict[str, KindRules] = {
    K.PURPOSE_NOTICE: KindRules(
        K.PURPOSE_NOTICE,
        _("Art. 32(2), (3)"),
        (
            OutcomeRule(O.DONE, _("Notified")),
            OutcomeRule(
                O.REFUSED,
                _("Not notified"),
                granted=False,
                grounds=PURPOSE_GROUNDS,
                needs_reasons=True,
            ),
            _nothing_held(),
        ),
    ),
    K.DISCLOSURE: KindRules(
        K.DISCLOSURE,
        _("Art. 33"),
        (
            OutcomeRule(O.DONE, _("Disclosed in full")),
            OutcomeRule(
                O.PARTLY_DONE,
                _("Partly disclosed"),
                grounds=(*DISCLOSURE_GROUNDS, OTHER_PROCEDURE_33),
                needs_reasons=True,
            ),
            OutcomeRule(
                O.OTHER_METHOD,
                _("Disclosed in writing instead of the method chosen"),
                grounds=(OTHER_METHOD_GROUND,),
                needs_reasons=True,
            ),
            OutcomeRule(
                O.REFUSED,
                _("Not disclosed"),
                granted=False,
                grounds=(*DISCLOSURE_GROUNDS, OTHER_PROCEDURE_33),
                needs_reasons=True,
            ),
            _nothing_held(),
        ),
    ),
    # As disclosure, except that Art. 33(4) (another law's procedure) does not carry over.
    K.THIRD_PARTY_RECORDS: KindRules(
        K.THIRD_PARTY_RECORDS,
        _("Art. 33(5)"),
        (
            OutcomeRule(O.DONE, _("Disclosed in full")),
            OutcomeRule(
                O.PARTLY_DONE,
                _("Partly disclosed"),
                grounds=RECORDS_GROUNDS,
                needs_reasons=True,
            ),
            OutcomeRule(
                O.OTHER_METHOD,
                _("Disclosed in writing instead of the method chosen"),
                grounds=(RECORDS_OTHER_METHOD_GROUND,),
                needs_reasons=True,
            ),
            OutcomeRule(
                O.REFUSED,
                _("Not disclosed"),
                granted=False,
                grounds=RECORDS_GROUNDS,
                needs_reasons=True,
            ),
            _nothing_held(),
        ),
    ),
    K.CORRECTION: KindRules(
        K.CORRECTION,
        _("Art. 34"),
        (
            OutcomeRule(O.DONE, _("Corrected, added or deleted as asked")),
            OutcomeRule(
                O.PARTLY_DONE,
                _("Partly corrected, added or deleted"),
                grounds=CORRECTION_GROUNDS,
                needs_reasons=True,
            ),
            OutcomeRule(
                O.REFUSED,
                _("Not corrected, added or deleted"),
                granted=False,
                grounds=CORRECTION_GROUNDS,
                needs_reasons=True,
            ),
            _nothing_held(),
        ),
    ),
    K.DISCONTINUATION: KindRules(
        K.DISCONTINUATION,
        _("Art. 35(1), (2), (5), (6)"),
        (
            OutcomeRule(O.DONE, _("Use discontinued or data erased as asked")),
            OutcomeRule(
                O.PARTLY_DONE,
                _("Partly discontinued or erased"),
                grounds=(DISCONTINUATION_NO_GROUND, DISCONTINUATION_EXTENT),
                needs_reasons=True,
            ),
            OutcomeRule(
                O.DIFFERENT_MEASURE,
                _("An alternative measure instead"),
                grounds=(DISCONTINUATION_MEASURE,),
                needs_reasons=True,
                needs_measure=True,
            ),
            OutcomeRule(
                O.REFUSED,
                _("Not discontinued or erased"),
                granted=False,
                grounds=(DISCONTINUATION_NO_GROUND,),
                needs_reasons=True,
            ),
            _nothing_held(),
        ),
    ),
    K.THIRD_PARTY_CESSATION: KindRules(
        K.THIRD_PARTY_CESSATION,
        _("Art. 35(3), (4), (5), (6)"),
        (
            OutcomeRule(O.DONE, _("Provision to third parties ceased as asked")),
            OutcomeRule(
                O.PARTLY_DONE,
                _("Provision to third parties partly ceased"),
                grounds=(CESSATION_NO_GROUND, CESSATION_EXTENT),
                needs_reasons=True,
            ),
            OutcomeRule(
                O.DIFFERENT_MEASURE,
                _("An alternative measure instead"),
                grounds=(CESSATION_MEASURE,),
                needs_reasons=True,
                needs_measure=True,
            ),
            OutcomeRule(
                O.REFUSED,
                _("Provision to third parties not ceased"),
                granted=False,
                grounds=(CESSATION_NO_GROUND,),
                needs_reasons=True,
            ),
            _nothing_held(),
        ),
    ),
    # Art. 40: there is nothing to refuse; the answer (what was done) is the reasons.
    K.COMPLAINT: KindRules(
        K.COMPLAINT,
        _("Art. 40"),
        (OutcomeRule(O.DONE, _("Answered"), needs_reasons=True),),
    ),
}

# The outcomes that grant nothing: when every item of a case has one, the case reaches the
# decision not to act (CaseState.REFUSED). A different measure, "nothing held", another
# method and anything done in full or in part take the approved path.
NOT_GRANTED_OUTCOMES = frozenset(
    rule.outcome for kind in KINDS.values() for rule in kind.outcomes if not rule.granted
)

# Legacy: the single list of grounds (Art. 33(2)) every kind was once offered. Items decided
# with it are history (closed cases) or flagged for staff to decide again (open cases).
LEGACY_GROUND_LABELS = {
    "harm": _("Harm to the life, body, property or other rights of a person"),
    "business": _("Significant impediment to the proper operation of the business"),
    "other_law": _("Violation of another law"),
}


class Review:
    """Whether a recorded decision fits its kind's outcomes and grounds (RequestItem.review)."""

    FITS = ""
    # An open case's item decided under the old single list of grounds that does not fit
    # its kind: kept as it was, shown to staff, and blocking submission until decided again.
    REDECIDE = "redecide"
    # A closed case's item decided under the old list: its recorded decision is history.
    HISTORY = "history"

    choices = (
        (FITS, _("Fits the outcomes and grounds of its kind")),
        (REDECIDE, _("To be decided again: the ground recorded is not one of its kind")),
        (HISTORY, _("Recorded under the earlier list of grounds (history)")),
    )


# --- questions the code asks ----------------------------------------------------------------


def rules_for(kind: str) -> KindRules:
    return KINDS[kind]


def outcome_rule(kind: str, outcome: str) -> OutcomeRule | None:
    rules = KINDS.get(kind)
    return rules.rule(outcome) if rules else None


def outcome_choices(kind: str) -> list[tuple[str, str]]:
    """The outcomes the form offers for an item of this kind, labelled for the kind."""
    return [(rule.outcome, str(rule.label)) for rule in KINDS[kind].outcomes]


def ground_choices(kind: str) -> list[tuple[str, str]]:
    """Every ground of the kind as "article: ground", for the form's one ground field."""
    return [(ground.code, f"{ground.article}: {ground.label}") for ground in KINDS[kind].grounds]


def grounds_by_outcome(kind: str) -> dict[str, list[str]]:
    """Which grounds go with which outcome (for the form, which shows only those that fit)."""
    return {rule.outcome: [g.code for g in rule.grounds] for rule in KINDS[kind].outcomes}


def find_ground(kind: str, code: str) -> Ground | None:
    rules = KINDS.get(kind)
    if rules is None or not code:
        return None
    return next((ground for ground in rules.grounds if ground.code == code), None)


def outcome_label(kind: str, outcome: str) -> str:
    """The outcome in the terms of its kind ("Not disclosed", "Not corrected, …")."""
    if not outcome:
        return str(O.PENDING.label)
    rule = outcome_rule(kind, outcome)
    if rule is not None:
        return str(rule.label)
    try:
        return str(O(outcome).label)
    except ValueError:
        return outcome


def ground_label(kind: str, code: str) -> str:
    """The ground in the law's words; a legacy ground (history) in the words it had."""
    ground = find_ground(kind, code)
    if ground is not None:
        return str(ground.label)
    legacy = LEGACY_GROUND_LABELS.get(code)
    return str(legacy) if legacy is not None else code


def ground_article(kind: str, code: str) -> str:
    ground = find_ground(kind, code)
    return str(ground.article) if ground is not None else ""


def is_granted(kind: str, outcome: str) -> bool:
    return bool(outcome) and outcome not in NOT_GRANTED_OUTCOMES


def decision_problems(
    *, kind: str, outcome: str, ground: str, reasons: str, measure: str
) -> dict[str, str]:
    """What is wrong with a decision for an item of this kind, by field (empty: it fits).

    The form, the service and the model's validation all ask this one function.
    """
    problems: dict[str, str] = {}
    kind_rules = KINDS.get(kind)
    if kind_rules is None:
        return {"outcome": str(_("This kind of request is unknown."))}
    rule = kind_rules.rule(outcome) if outcome else None
    if rule is None:
        problems["outcome"] = str(
            _("Choose one of the outcomes of “%(kind)s”.") % {"kind": RequestKind(kind).label}
        )
        return problems
    if rule.needs_ground:
        if not ground:
            problems["refusal_ground"] = str(
                _("“%(outcome)s” needs its ground under the Act.") % {"outcome": rule.label}
            )
        elif rule.ground(ground) is None:
            problems["refusal_ground"] = str(
                _("This ground is not one of “%(outcome)s” for “%(kind)s”.")
                % {"outcome": rule.label, "kind": RequestKind(kind).label}
            )
    elif ground:
        problems["refusal_ground"] = str(
            _("“%(outcome)s” takes no ground.") % {"outcome": rule.label}
        )
    if rule.needs_reasons and not reasons.strip():
        problems["reasons"] = str(
            _("Give the reasons in your own words (Art. 36).")
            if rule.needs_ground
            else _("Write the answer to the person.")
        )
    if rule.needs_measure and not measure.strip():
        problems["measure"] = str(
            _("Describe the alternative measure taken: the Act then requires it.")
        )
    elif measure.strip() and not rule.needs_measure:
        problems["measure"] = str(_("Only an alternative measure is described here."))
    return problems


def single_ground(kind: str, outcome: str) -> str:
    """The ground an outcome always rests on when it has only one (filled in for staff)."""
    rule = outcome_rule(kind, outcome)
    if rule is not None and len(rule.grounds) == 1:
        return rule.grounds[0].code
    return ""


def fitting_decisions_q(*, review_field: str = "review") -> Q:
    """The database's own check that a saved decision fits its kind (RequestItem's
    CheckConstraint), generated from KINDS. Undecided items and items flagged for review
    (decided under the old list of grounds) are let through: their text is kept as it was."""
    fits = Q(outcome="", refusal_ground="", measure="")
    for kind in KINDS.values():
        for rule in kind.outcomes:
            condition = Q(kind=kind.kind, outcome=rule.outcome)
            if rule.grounds:
                condition &= Q(refusal_ground__in=[g.code for g in rule.grounds])
            else:
                condition &= Q(refusal_ground="")
            if rule.needs_measure:
                condition &= ~Q(measure="")
            else:
                condition &= Q(measure="")
            fits |= condition
    return fits | Q(**{f"{review_field}__in": [Review.REDECIDE, Review.HISTORY]})


def fits(kind: str, outcome: str, ground: str) -> bool:
    """Whether (outcome, ground) is a combination the kind allows (pending counts as fitting)."""
    if not outcome:
        return not ground
    rule = outcome_rule(kind, outcome)
    if rule is None:
        return False
    return rule.ground(ground) is not None if rule.grounds else not ground


def kinds_with(outcome: str) -> Iterable[str]:
    return [kind.kind for kind in KINDS.values() if kind.rule(outcome) is not None]

"""The data map's rules: which systems to search for a request, what holds a case back while
departments search, and how long a record of provision is kept.

Pure where it can be (the proposal and the retention period take plain values); the case
machine's guard (`search_blockers`) reads the case's tasks. Sits beside the models: the
case's guards (workflow.py) import it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from requests_app.choices import Outcome, Relationship, RequestKind
from requests_app.datamap.choices import (
    ALWAYS_EXEMPT_BASES,
    DOMESTIC_EXEMPT_BASES,
    RECORDED_BASES,
    ChangeAction,
    TaskStatus,
)
from requests_app.datamap.models import ChangeReport, SearchTask

if TYPE_CHECKING:
    from requests_app.models import Case

K = RequestKind

# Kinds answered without asking any department: a complaint is answered by staff, and the
# records of provision (Art. 33(5)) are searched in the app's own register.
NO_SEARCH_KINDS = frozenset({K.COMPLAINT, K.THIRD_PARTY_RECORDS})
# The kinds that look for the person in every system that may hold them.
EVERYWHERE_KINDS = frozenset({K.PURPOSE_NOTICE, K.DISCLOSURE, K.CORRECTION, K.DISCONTINUATION})
UNKNOWN = frozenset({Relationship.OTHER})


@dataclass(frozen=True)
class SystemFacts:
    """What the proposal reads of a system (DataSystem has these attributes)."""

    pk: int
    relationships: Sequence[str]
    requests_apply: bool
    active: bool
    shares_with_third_parties: bool


@dataclass(frozen=True)
class Proposal:
    """A system proposed for searching, for which of the kinds asked, and why."""

    system: Any
    kinds: tuple[str, ...]
    reasons: tuple[str, ...] = field(default=())


def searched_kinds(kinds: Iterable[str]) -> list[str]:
    """The kinds of a case that send departments searching, in the order of RequestKind."""
    asked = set(kinds)
    return [kind.value for kind in RequestKind if kind in asked and kind not in NO_SEARCH_KINDS]


def kinds_for_system(system: Any, kinds: Iterable[str]) -> tuple[str, ...]:
    """Of the kinds asked, those this system is searched for: all of them, except that a
    cessation of third-party provision concerns only the systems that provide data to third
    parties (Section 10) or abroad (Section 11)."""
    return tuple(
        kind
        for kind in searched_kinds(kinds)
        if kind in EVERYWHERE_KINDS or system.shares_with_third_parties
    )


def propose(
    systems: Iterable[Any], *, relationships: Iterable[str], kinds: Iterable[str]
) -> list[Proposal]:
    """The systems to search for a request, in the order given.

    A system is proposed when requests apply to it (retained personal data, 保有個人データ),
    it is in use, it holds data of people in one of the requester's relationships (a
    relationship recorded as other or unknown matches every system), and at least one of
    the kinds asked concerns it. A complaint alone, or a request for the records of
    provision alone, proposes nothing.
    """
    held = set(relationships) or set(UNKNOWN)
    unknown = bool(held & UNKNOWN)
    proposals = []
    for system in systems:
        if not (system.active and system.requests_apply):
            continue
        for_kinds = kinds_for_system(system, kinds)
        if not for_kinds:
            continue
        shared = [r for r in Relationship if r in held and r in set(system.relationships)]
        if not (unknown or shared):
            continue
        reasons = []
        if shared:
            reasons.append(
                _("Holds data of: %(who)s.") % {"who": "、".join(str(r.label) for r in shared)}
            )
        if unknown:
            reasons.append(
                _("The relationship is other or unknown: every system that may hold the person.")
            )
        if K.THIRD_PARTY_CESSATION in for_kinds:
            reasons.append(_("Provides data to third parties (cessation asked)."))
        proposals.append(Proposal(system=system, kinds=for_kinds, reasons=tuple(reasons)))
    return proposals


# --- the case's guard: no approval while a department is still searching --------------------


def _tasks_of(case: Case) -> list[SearchTask]:
    cache = getattr(case, "_prefetched_objects_cache", {})
    if "search_tasks" in cache:
        return list(cache["search_tasks"])
    return list(
        SearchTask.objects.filter(case=case)
        .exclude(status=TaskStatus.CANCELLED)
        .select_related("system")
        .order_by("id")
    )


def search_blockers(case: Case) -> list[str]:
    """What stops "submit for approval": every search task must be answered and accepted
    (or cancelled), so the decision rests on a complete search."""
    blockers = []
    for task in _tasks_of(case):
        if task.status in (TaskStatus.OPEN, TaskStatus.RETURNED):
            blockers.append(
                _("The search of “%(system)s” is waiting for its department.")
                % {"system": task.system.label}
            )
        elif task.status == TaskStatus.ANSWERED:
            blockers.append(
                _("The answer on “%(system)s” is waiting for review.")
                % {"system": task.system.label}
            )
    return blockers


def outcome_conflicts(item: Any, outcome: str) -> list[str]:
    """Why an outcome cannot be recorded given what the departments reported: an item one of
    them could not carry out (an accepted "could not be done") is not done in full. Staff
    record it as partly done, not done or done by another measure, on its kind's grounds."""
    if outcome != Outcome.DONE:
        return []
    return [
        _(
            "“%(system)s” (%(department)s) could not do this: %(reason)s Record the outcome "
            "as not done in full, with its ground."
        )
        % {
            "system": report.task.system.label,
            "department": report.task.department.label,
            "reason": report.reason,
        }
        for report in ChangeReport.objects.filter(
            task__case_id=item.case_id,
            task__status=TaskStatus.ACCEPTED,
            kind=item.kind,
            action=ChangeAction.CANNOT,
        ).select_related("task__system", "task__department")
    ]


# --- records of provision to third parties ----------------------------------------------


def record_needed(basis: str, *, abroad: bool) -> str:
    """Why no record is kept for a provision on this basis ("" when one is needed).

    The Art. 27(1) exceptions and provisions to national organs, local governments and the
    like (Art. 16(2)) need none; nor do entrustment, business succession and joint use
    (Art. 27(5)), except for a third party abroad (Art. 28).
    """
    if basis in RECORDED_BASES:
        return ""
    if basis in ALWAYS_EXEMPT_BASES:
        return _(
            "No record is kept of a provision under the exceptions of Art. 27(1) or to a "
            "national organ, local government or the like (Arts. 29(1) and 30(1), provisos): "
            "the register holds only the records the Act requires."
        )
    if basis in DOMESTIC_EXEMPT_BASES and not abroad:
        return _(
            "No record is kept of an entrustment, a business succession or joint use within "
            "Japan (Art. 27(5)): such a recipient is not a third party. A transfer to a third "
            "party abroad (Art. 28) is recorded."
        )
    if basis in DOMESTIC_EXEMPT_BASES:
        return ""
    return _("Choose the basis of the provision.")


def retain_until(last_provision_on: date, *, contract_record: bool) -> date:
    """The last day a record is kept: one year from the last provision it covers where it is
    the contract or a similar document for goods or services provided to the person, three
    years otherwise (Rules Arts. 21, 25)."""
    years = 1 if contract_record else 3
    try:
        return last_provision_on.replace(year=last_provision_on.year + years)
    except ValueError:  # 29 February
        return last_provision_on.replace(year=last_provision_on.year + years, day=28)

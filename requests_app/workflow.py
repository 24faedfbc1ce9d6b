"""Guards of the case state machine: side-effect-free predicates that also say *why not*.

django-fsm calls a guard as a condition (truthy = the transition may run); the case page and
the services ask the same guard for its blockers, so the message a user sees and the rule
that stops the transition are one piece of code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext as _
from django_fsm import Transition

from identity.gate import evaluate_case
from requests_app.audit import AuditEvent
from requests_app.choices import WRITTEN_REQUEST_KINDS, Channel
from requests_app.datamap.rules import search_blockers
from requests_app.letters.rules import (
    draft_blockers,
    mailed_deciding_letters,
    reply_letter_blockers,
)
from requests_app.outcomes import NOT_GRANTED_OUTCOMES, Review, ground_label, outcome_label

if TYPE_CHECKING:
    from requests_app.models import Case


class Guard:
    def __init__(self, name: str, blockers: Callable[[Case], list[str]]) -> None:
        self.__name__ = name
        self.blockers = blockers

    def __call__(self, case: Any) -> bool:
        return not self.blockers(case)

    def __repr__(self) -> str:
        return f"Guard({self.__name__})"


def _identity_blockers(case: Case) -> list[str]:
    # The identity app owns the rules; the case only asks for its verdict.
    return [result.message for result in evaluate_case(case).failures]


def _fee_outstanding_blockers(case: Case) -> list[str]:
    if case.fee_shortfall > 0:
        return [
            _("The fee is not settled: ¥%(amount)s is still outstanding.")
            % {"amount": f"{case.fee_shortfall:,}"}
        ]
    return []


def _fee_needed_blockers(case: Case) -> list[str]:
    if case.fee_due == 0:
        return [_("None of the requested kinds carries a fee.")]
    if case.fee_shortfall == 0:
        return [_("The fee has already been received in full.")]
    return []


def _undecided_items_blockers(case: Case) -> list[str]:
    blockers = []
    for item in case.items.all():
        if not item.outcome:
            blockers.append(_("“%(kind)s” has no outcome yet.") % {"kind": item.get_kind_display()})
        elif item.review == Review.REDECIDE:
            # Decided under the earlier single list of grounds, whose ground is not one of
            # this kind's: the text is kept as it was, and staff decide it again.
            blockers.append(
                _(
                    "“%(kind)s” must be decided again: its recorded ground (“%(ground)s”) is "
                    "not a ground the Act gives for this kind of request."
                )
                % {
                    "kind": item.get_kind_display(),
                    "ground": ground_label(item.kind, item.refusal_ground),
                }
            )
    return blockers


def _something_granted_blockers(case: Case) -> list[str]:
    """The decision not to act needs every item to grant nothing (outcomes.NOT_GRANTED)."""
    blockers = _undecided_items_blockers(case)
    if blockers:
        return blockers
    return [
        _(
            "“%(kind)s” is decided as “%(outcome)s”, which grants the request in full or in "
            "part: approve the decision instead; the letter gives the grounds for any part "
            "not granted."
        )
        % {"kind": item.get_kind_display(), "outcome": outcome_label(item.kind, item.outcome)}
        for item in case.items.all()
        if item.outcome not in NOT_GRANTED_OUTCOMES
    ]


def _nothing_granted_blockers(case: Case) -> list[str]:
    """Approving needs something granted; a case where nothing is granted is decided not to
    act on instead, so the person gets the letter that says so."""
    blockers = _undecided_items_blockers(case)
    if blockers:
        return blockers
    items = list(case.items.all())
    if items and all(item.outcome in NOT_GRANTED_OUTCOMES for item in items):
        return [
            _(
                "No item grants anything (%(outcomes)s): record the decision not to act on "
                "the request instead."
            )
            % {
                "outcomes": ", ".join(
                    f"{item.get_kind_display()}: {outcome_label(item.kind, item.outcome)}"
                    for item in items
                )
            }
        ]
    return []


def _inquiry_without_documents_blockers(case: Case) -> list[str]:
    """Only an inquiry, opinion or complaint (Art. 40) that did not come by post goes on
    without identity documents; everything by post, and every request under Arts. 32-35,
    goes through the identity check."""
    if case.channel == Channel.POST:
        return [_("It came by post: check the identity documents in the envelope.")]
    if any(item.kind in WRITTEN_REQUEST_KINDS for item in case.items.all()):
        return [_("It includes a request that needs the identity check.")]
    return []


def _clock_paused_blockers(case: Case) -> list[str]:
    if case.clock_paused:
        return [
            _(
                "The deadline clock is paused while the case waits on the requester; "
                "it can be extended once work resumes."
            )
        ]
    return []


def _deciding_letter_mailed_blockers(case: Case) -> list[str]:
    mailed = mailed_deciding_letters(case)
    if mailed:
        return [
            _(
                "The letter %(number)s telling the person the decision has been mailed: the "
                "decision can no longer be reworked."
            )
            % {"number": mailed[0].number}
        ]
    return []


def _reply_letters_blockers(case: Case) -> list[str]:
    # The letter register owns the rule: every deciding letter approved and mailed.
    return reply_letter_blockers(case)


def _searches_blockers(case: Case) -> list[str]:
    # The data map owns the rule: every department's search answered and reviewed.
    return search_blockers(case)


IDENTITY_VERIFIED = Guard("identity_verified", _identity_blockers)
FEE_SETTLED = Guard("fee_settled", _fee_outstanding_blockers)
FEE_NEEDED = Guard("fee_needed", _fee_needed_blockers)
ALL_ITEMS_DECIDED = Guard("all_items_decided", _undecided_items_blockers)
# The decision not to act (CaseState.REFUSED): every item grants nothing.
NOTHING_GRANTED = Guard("nothing_granted", _something_granted_blockers)
SOMETHING_GRANTED = Guard("something_granted", _nothing_granted_blockers)
INQUIRY_WITHOUT_DOCUMENTS = Guard("inquiry_without_documents", _inquiry_without_documents_blockers)
CLOCK_RUNNING = Guard("clock_running", _clock_paused_blockers)
REPLY_LETTERS_SENT = Guard("reply_letters_sent", _reply_letters_blockers)
SEARCHES_FINISHED = Guard("searches_finished", _searches_blockers)
NO_DECIDING_LETTER_MAILED = Guard("no_deciding_letter_mailed", _deciding_letter_mailed_blockers)
# The letter register owns the rule: the reply's letters drafted and stating the decision.
DRAFTS_READY = Guard("drafts_ready", draft_blockers)


def actor_blockers(case: Case, transition: Transition, user: Any) -> list[str]:
    """What stops this user (not their role) from taking a step: the person who submitted
    a decision does not approve it themselves (a second pair of eyes, APPI_FOUR_EYES)."""
    if not (transition.custom.get("four_eyes") and settings.APPI_FOUR_EYES):
        return []
    submitted_by = (
        AuditEvent.objects.filter(case=case, action="case.approval.requested")
        .order_by("-seq")
        .values_list("actor_id", flat=True)
        .first()
    )
    if submitted_by is not None and submitted_by == getattr(user, "pk", None):
        return [_("You submitted this decision: another manager approves it.")]
    return []


def blockers_for(case: Case, conditions: Sequence[Callable[[Any], bool]]) -> list[str]:
    messages: list[str] = []
    for condition in conditions:
        if isinstance(condition, Guard):
            messages.extend(condition.blockers(case))
        elif not condition(case):
            messages.append(_("A condition is not met: %(name)s") % {"name": condition})
    return messages

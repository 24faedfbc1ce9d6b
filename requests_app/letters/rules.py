"""The letter register's rules for the case workflow: are the reply's drafts ready, and is
the reply in the post?

Read by the case state machine's guards (`workflow.DRAFTS_READY`,
`workflow.REPLY_LETTERS_SENT`), so it sits beside the models and imports nothing above them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from requests_app.letters import kinds
from requests_app.letters.kinds import LetterKind
from requests_app.letters.models import Letter, LetterStatus

if TYPE_CHECKING:
    from requests_app.models import Case, RequestItem


def _sent(letter: Letter) -> bool:
    return bool(letter.approved_at and letter.sent_on and not letter.returned_on)


def _letters_of(case: Case) -> list[Letter]:
    cache = getattr(case, "_prefetched_objects_cache", {})
    if "letters" in cache:
        return list(cache["letters"])
    return list(Letter.objects.filter(case=case).defer("content").order_by("id"))


def reply_letter_blockers(case: Case) -> list[str]:
    """What stops "reply sent": every deciding letter the outcomes call for must have been
    approved by a manager and recorded as mailed (and not have come back)."""
    letters = _letters_of(case)
    blockers = []
    for kind in kinds.reply_kinds_for(case.items.all()):
        of_kind = [letter for letter in letters if letter.kind == kind]
        if any(_sent(letter) for letter in of_kind):
            continue
        label = LetterKind(kind).label
        latest = of_kind[-1] if of_kind else None
        if latest is None:
            message = _("The letter “%(kind)s” has not been generated yet.")
        elif latest.status == LetterStatus.FAILED:
            message = _("The letter “%(kind)s” could not be generated; retry it.")
        elif latest.status == LetterStatus.PENDING:
            message = _("The letter “%(kind)s” is still being generated.")
        elif latest.approved_at is None:
            message = _("The letter “%(kind)s” is waiting for a manager's approval.")
        elif latest.returned_on is not None:
            message = _("The letter “%(kind)s” came back undeliverable; send it again.")
        else:
            message = _("The letter “%(kind)s” has not been recorded as mailed.")
        blockers.append(message % {"kind": label})
    return blockers


def mailed_deciding_letters(case: Case) -> list[Letter]:
    """The letters that told the person a decision and went out (and did not come back)."""
    return [letter for letter in _letters_of(case) if letter.is_deciding and _sent(letter)]


def reply_sent_on(case: Case) -> date | None:
    """When the reply went out: the day the last of its deciding letters was mailed."""
    needed = set(kinds.reply_kinds_for(case.items.all()))
    dates = [
        letter.sent_on
        for letter in _letters_of(case)
        if letter.kind in needed and _sent(letter) and letter.sent_on
    ]
    return max(dates) if dates else None


# --- drafts of the reply: written before the decision goes for approval ---------------------


def decision_digest(kind: str, case: Case, items: Iterable[RequestItem]) -> str:
    """A fingerprint of everything a deciding letter of `kind` states: the items it speaks
    about (their request, outcome, ground, reasons and measure, the data found and the
    changes made) and where it goes. A draft whose fingerprint no longer matches is out of
    date."""
    to = (case.reply_name, case.reply_postal_code, case.reply_address)
    return digest_of(kind, to, items)


def digest_of(kind: str, to: tuple[str, str, str], items: Iterable[Any]) -> str:
    """`decision_digest` from plain values (a migration's models have no properties)."""
    covered = kinds.items_for(kind, list(items))
    stated = {
        "to": list(to),
        "items": [
            {
                "kind": item.kind,
                "details": item.details,
                "outcome": item.outcome,
                "ground": item.refusal_ground,
                "reasons": item.reasons,
                "measure": item.measure,
                "records": [
                    [r.position, r.category, r.field, r.value, r.source, r.excluded_by_order]
                    for r in item.disclosed_records.all()
                ],
                "changes": [[c.subject, c.before, c.after] for c in item.changes.all()],
            }
            for item in covered
        ],
    }
    text = json.dumps(stated, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def latest_drafts(case: Case, items: list[RequestItem]) -> dict[str, Letter | None]:
    """The latest letter of each deciding kind the outcomes call for (None: not drafted)."""
    letters = _letters_of(case)
    return {
        kind: next((letter for letter in reversed(letters) if letter.kind == kind), None)
        for kind in kinds.reply_kinds_for(items)
    }


def is_out_of_date(letter: Letter, case: Case, items: list[RequestItem]) -> bool:
    return letter.is_deciding and letter.decision_digest != decision_digest(
        letter.kind, case, items
    )


def draft_blockers(case: Case) -> list[str]:
    """What stops submitting (or approving) a decision: every deciding letter its outcomes
    call for drafted, generated, and stating the decision as it stands now."""
    items = list(case.items.all())
    blockers = []
    for kind, latest in latest_drafts(case, items).items():
        label = LetterKind(kind).label
        if latest is None:
            message = _("The reply letter “%(kind)s” has not been drafted yet.")
        elif latest.status == LetterStatus.FAILED:
            message = _("The letter “%(kind)s” could not be generated; retry it.")
        elif latest.status == LetterStatus.PENDING:
            message = _("The letter “%(kind)s” is still being generated.")
        elif is_out_of_date(latest, case, items):
            message = _(
                "The letter “%(kind)s” is out of date: the decision changed after it was "
                "drafted. Draft it again."
            )
        else:
            continue
        blockers.append(message % {"kind": label})
    return blockers

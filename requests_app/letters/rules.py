"""The letter register's rule for the case workflow: when is the reply in the post?

Read by the case state machine's guard (`workflow.REPLY_LETTERS_SENT`), so it sits beside
the models and imports nothing above them.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from requests_app.letters import kinds
from requests_app.letters.kinds import LetterKind
from requests_app.letters.models import Letter, LetterStatus

if TYPE_CHECKING:
    from requests_app.models import Case


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

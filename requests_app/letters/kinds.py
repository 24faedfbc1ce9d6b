"""The kinds of letter, what each is for, and which ones a decided case needs.

A *deciding* letter tells the person what was decided (disclosure, purpose notice, completion,
reply to a complaint, refusal). It needs a manager's approval before it can be mailed, and the
case's "reply sent" step waits until every deciding letter its items call for was mailed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from requests_app.choices import WAITING_ON_REQUESTER_STATES, CaseState, RequestKind
from requests_app.outcomes import NOT_GRANTED_OUTCOMES


class LetterKind(models.TextChoices):
    # To a person who telephoned, e-mailed or called in with a request that must be made in
    # writing: how to make it by post, and what to enclose (Art. 37(1), policy Section 15).
    PROCEDURE_GUIDE = "procedure_guide", _("How to make the request in writing (guide)")
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement of receipt")
    DEFICIENCY = "deficiency", _("Request for missing documents, fee or completion")
    REMINDER = "reminder", _("Reminder: documents or fee still missing")
    EXTENSION = "extension", _("Extension notice")
    DISCLOSURE = "disclosure", _("Disclosure")
    PURPOSE_NOTICE = "purpose_notice", _("Notice of purpose of use")
    CORRECTION_DONE = "correction_done", _("Correction, addition or deletion completed")
    CESSATION_DONE = (
        "cessation_done",
        _("Discontinuation, erasure or cessation of third-party provision completed"),
    )
    COMPLAINT_REPLY = "complaint_reply", _("Reply to an inquiry or complaint")
    REFUSAL = "refusal", _("Decision not to act, with grounds and reasons")
    ABANDONMENT = "abandonment", _("Closure: no response from the requester")


class LetterLanguage(models.TextChoices):
    JAPANESE = "ja", _("Japanese")
    ENGLISH = "en", _("English")


K = LetterKind
DECIDING_KINDS = frozenset(
    {
        K.DISCLOSURE,
        K.PURPOSE_NOTICE,
        K.CORRECTION_DONE,
        K.CESSATION_DONE,
        K.COMPLAINT_REPLY,
        K.REFUSAL,
    }
)
# Letters that ask the person for what is missing; a batch generates these for every case due.
CHASING_KINDS = frozenset({K.DEFICIENCY, K.REMINDER})
BATCH_KINDS = (K.DEFICIENCY, K.REMINDER)

S = CaseState
# The waits that a request for documents, fee or completion began: the hold for a written
# request is not one (nothing was asked for that a reminder could chase).
WAITING_STATES = WAITING_ON_REQUESTER_STATES - {CaseState.AWAITING_WRITTEN_REQUEST}
# Where a request to the person starts a wait when it is mailed: missing documents while
# they are checked, the fee once identity is verified, the completion of the request (補正)
# while it is worked on. The states that already wait may send another.
ASKING_STATES = frozenset({S.AWAITING_IDENTITY, S.IDENTITY_VERIFIED, S.IN_PROGRESS})
CHASING_STATES = WAITING_STATES | ASKING_STATES
# A deciding letter is drafted while the decision is made (it goes for approval with the
# decision, in one step) and sent once the decision stands; after a letter came back
# undeliverable it can be sent again while the reply is "sent".
DECIDING_DRAFT_STATES = frozenset(
    {S.IN_PROGRESS, S.AWAITING_APPROVAL, S.APPROVED, S.REFUSED, S.REPLY_SENT}
)
DECIDED_STATES = frozenset({S.APPROVED, S.REFUSED, S.REPLY_SENT})
BEFORE_REPLY_STATES = frozenset(
    {
        S.RECEIVED,
        S.AWAITING_IDENTITY,
        S.AWAITING_DOCUMENTS,
        S.IDENTITY_VERIFIED,
        S.AWAITING_FEE,
        S.IN_PROGRESS,
        S.AWAITING_COMPLETION,
        S.AWAITING_APPROVAL,
    }
)

ALLOWED_STATES: dict[str, frozenset[str]] = {
    K.PROCEDURE_GUIDE: frozenset({S.AWAITING_WRITTEN_REQUEST}),
    K.ACKNOWLEDGEMENT: BEFORE_REPLY_STATES,
    K.DEFICIENCY: CHASING_STATES,
    # A reminder follows a request that was mailed: the case waits on the person.
    K.REMINDER: WAITING_STATES,
    K.EXTENSION: BEFORE_REPLY_STATES | {S.APPROVED, S.REFUSED},
    K.ABANDONMENT: frozenset({S.ABANDONED}),
    **dict.fromkeys(DECIDING_KINDS, DECIDING_DRAFT_STATES),
}

# The letter's own title, in its own language (the wording of a letter is not a UI string).
TITLES: dict[str, dict[str, str]] = {
    K.PROCEDURE_GUIDE: {
        "ja": "開示等のご請求の手続のご案内",
        "en": "How to make your request in writing",
    },
    K.ACKNOWLEDGEMENT: {
        "ja": "開示等のご請求の受付について",
        "en": "We have received your request",
    },
    K.DEFICIENCY: {
        "ja": "ご提出書類等のお願い",
        "en": "What we still need from you",
    },
    K.REMINDER: {
        "ja": "ご提出書類等の再度のお願い",
        "en": "Reminder: documents or fee we still need",
    },
    K.EXTENSION: {
        "ja": "ご回答期限の延長について",
        "en": "We need more time to reply",
    },
    K.DISCLOSURE: {
        "ja": "保有個人データの開示について（通知）",
        "en": "Disclosure of the personal data we hold about you",
    },
    K.PURPOSE_NOTICE: {
        "ja": "保有個人データの利用目的について（通知）",
        "en": "The purposes for which we use your personal data",
    },
    K.CORRECTION_DONE: {
        "ja": "保有個人データの訂正等の完了について（通知）",
        "en": "We have corrected your personal data",
    },
    K.CESSATION_DONE: {
        "ja": "保有個人データの利用停止等について（通知）",
        "en": "Stopping the use or provision of your personal data",
    },
    K.COMPLAINT_REPLY: {
        "ja": "お問い合わせ等へのご回答",
        "en": "Our reply to your inquiry",
    },
    K.REFUSAL: {
        "ja": "ご請求に応じない旨の決定について（通知）",
        "en": "Our decision not to act on your request",
    },
    K.ABANDONMENT: {
        "ja": "ご請求の手続の終了について",
        "en": "We have closed your request",
    },
}

DISCLOSURE_REQUEST_KINDS = frozenset({RequestKind.DISCLOSURE, RequestKind.THIRD_PARTY_RECORDS})
CESSATION_REQUEST_KINDS = frozenset(
    {RequestKind.DISCONTINUATION, RequestKind.THIRD_PARTY_CESSATION}
)
# Request kinds whose "done" outcome is a change the letter reports as before and after.
CHANGE_REQUEST_KINDS = frozenset({RequestKind.CORRECTION}) | CESSATION_REQUEST_KINDS


def title(kind: str, language: str) -> str:
    return TITLES[kind][language]


def is_deciding(kind: str) -> bool:
    return kind in DECIDING_KINDS


def reply_kind_for(item: Any) -> str | None:
    """The deciding letter that tells the person the outcome of one request item: the
    decision not to act for an outcome that grants nothing (outcomes.NOT_GRANTED_OUTCOMES),
    otherwise the kind's own letter (which also states any part not granted, a disclosure
    by another method or an alternative measure, with its ground)."""
    if not item.outcome:
        return None
    if item.outcome in NOT_GRANTED_OUTCOMES:
        return K.REFUSAL
    if item.kind in DISCLOSURE_REQUEST_KINDS:
        return K.DISCLOSURE
    if item.kind == RequestKind.PURPOSE_NOTICE:
        return K.PURPOSE_NOTICE
    if item.kind == RequestKind.CORRECTION:
        return K.CORRECTION_DONE
    if item.kind in CESSATION_REQUEST_KINDS:
        return K.CESSATION_DONE
    return K.COMPLAINT_REPLY


def reply_kinds_for(items: Iterable[Any]) -> list[str]:
    """Every deciding letter the case's decided items call for, in the order of LetterKind."""
    needed = {reply_kind_for(item) for item in items} - {None}
    return [kind.value for kind in LetterKind if kind in needed]


def items_for(kind: str, items: Iterable[Any]) -> list[Any]:
    """The items a letter of this kind speaks about (all of them for non-deciding letters)."""
    if not is_deciding(kind):
        return list(items)
    return [item for item in items if reply_kind_for(item) == kind]

"""Reads for letters: what the case page shows, which letters are due, what blocks a reply."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import (
    Exists,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from identity.gate import evaluate_case, what_is_missing
from requests_app.audit import AuditEvent
from requests_app.choices import CaseState, Outcome, RequestKind
from requests_app.letters import kinds, rules
from requests_app.letters.content import ExtensionInputs, build_content
from requests_app.letters.kinds import LetterKind
from requests_app.letters.letterhead import letterhead
from requests_app.letters.models import (
    DisclosedRecord,
    ItemChange,
    Letter,
    LetterBatch,
    LetterStatus,
)
from requests_app.models import Case, RequestItem
from requests_app.outcomes import Review
from requests_app.permissions import Capability, has_capability


def case_letters(case: Case) -> list[Letter]:
    """Every letter of the case, oldest first, with the people its rows name (one query)."""
    return list(
        Letter.objects.filter(case=case)
        .select_related("requested_by", "approved_by")
        .defer("content")
        .order_by("id")
    )


def case_items_with_records(case: Case) -> list[RequestItem]:
    """The case's items with the data found and the changes made (three queries; two when
    the case was loaded with its items, as the case page loads it)."""
    records = (
        Prefetch("disclosed_records", queryset=DisclosedRecord.objects.order_by("position")),
        Prefetch("changes", queryset=ItemChange.objects.order_by("id")),
    )
    if "items" in getattr(case, "_prefetched_objects_cache", {}):
        items = list(case.items.all())
        prefetch_related_objects(items, *records)
        return items
    return list(RequestItem.objects.filter(case=case).prefetch_related(*records).order_by("id"))


def records_excluded_by_order(case: Case) -> list[DisclosedRecord]:
    """Records of provision the Cabinet Order excludes (Enforcement Order Art. 11): left out
    of the disclosure letter without mention, shown to the approver."""
    return list(
        DisclosedRecord.objects.filter(
            item__case=case,
            item__kind=RequestKind.THIRD_PARTY_RECORDS,
            excluded_by_order=True,
        ).order_by("position", "id")
    )


def something_missing(case: Case, *, completion: str = "") -> bool:
    """Whether there is something to ask the person for in the case's state: the documents
    the identity rules still miss while they are checked, the fee once identity is verified,
    the completion of the request (補正) while it is worked on; and, while the case already
    waits, whatever that wait is for."""
    state = case.state
    if state in (CaseState.AWAITING_IDENTITY, CaseState.AWAITING_DOCUMENTS):
        fee_too = state == CaseState.AWAITING_DOCUMENTS and case.fee_shortfall > 0
        return bool(what_is_missing(case)) or bool(fee_too)
    if state in (CaseState.IDENTITY_VERIFIED, CaseState.AWAITING_FEE):
        return bool(case.fee_shortfall > 0)
    if state == CaseState.IN_PROGRESS:
        return bool(completion.strip())
    return bool(state == CaseState.AWAITING_COMPLETION)


def _mailed_chasing_letter(letters: list[Letter]) -> bool:
    return any(
        letter.kind in kinds.CHASING_KINDS and letter.sent_on is not None for letter in letters
    )


def request_blockers(
    case: Case, kind: str, *, extension: ExtensionInputs | None = None, completion: str = ""
) -> list[str]:
    """Why a letter of this kind cannot be asked for now (nothing: it can)."""
    if case.state not in kinds.ALLOWED_STATES[kind]:
        return [
            _("This letter is not sent while the case is “%(state)s”.")
            % {"state": case.get_state_display()}
        ]
    items = list(case.items.all())
    if kind == LetterKind.DEFICIENCY and case.state == CaseState.IN_PROGRESS:
        if not completion.strip():
            return [_("Say what the person is asked to complete (補正).")]
    elif kind in kinds.CHASING_KINDS and not something_missing(case):
        return [_("Nothing is missing from this request; no letter is needed.")]
    if kind == LetterKind.REMINDER and not _mailed_chasing_letter(list(case.letters.all())):
        return [_("A reminder follows a request for documents that was mailed.")]
    if kind == LetterKind.EXTENSION:
        if extension is None or not extension.reason.strip():
            return [_("An extension notice needs the new due date and the reason.")]
        if extension.new_due_date < timezone.localdate():
            return [_("The new due date cannot be in the past.")]
    if kinds.is_deciding(kind):
        return _deciding_blockers(kind, items)
    return []


def _deciding_blockers(kind: str, items: list[RequestItem]) -> list[str]:
    covered = kinds.items_for(kind, items)
    if not covered:
        return [_("No outcome on this case calls for this letter.")]
    blockers = []
    for item in covered:
        label = item.get_kind_display()
        if item.review == Review.REDECIDE:
            blockers.append(
                _("“%(kind)s” must be decided again before a letter states its outcome.")
                % {"kind": label}
            )
            continue
        carried_out = item.outcome in (Outcome.DONE, Outcome.PARTLY_DONE, Outcome.OTHER_METHOD)
        # Rows the Cabinet Order excludes do not count: a letter of only those would show an
        # empty table, a hint of what it leaves out (Enforcement Order Art. 11).
        if (
            kind == LetterKind.DISCLOSURE
            and carried_out
            and not item.disclosed_records.filter(excluded_by_order=False).exists()
        ):
            blockers.append(
                _("“%(kind)s”: enter the data found, or record “No personal data held”.")
                % {"kind": label}
            )
        if (
            kind in (LetterKind.CORRECTION_DONE, LetterKind.CESSATION_DONE)
            and carried_out
            and not item.changes.exists()
        ):
            blockers.append(
                _("“%(kind)s”: enter what was changed, before and after.") % {"kind": label}
            )
        if kind == LetterKind.COMPLAINT_REPLY and not item.reasons.strip():
            blockers.append(
                _("“%(kind)s”: write the answer to the person in the outcome's reasons.")
                % {"kind": label}
            )
    return blockers


def available_kinds(case: Case) -> list[str]:
    """The letters it makes sense to offer on the case page now (by state and outcomes)."""
    items = list(case.items.all())
    needed = set(kinds.reply_kinds_for(items))
    offered = []
    for kind in LetterKind:
        if case.state not in kinds.ALLOWED_STATES[kind]:
            continue
        if kinds.is_deciding(kind) and kind not in needed:
            continue
        offered.append(kind.value)
    return offered


def suggested_kind(case: Case, offered: list[str], letters: list[Letter]) -> str | None:
    """The letter the case most likely needs next, to preselect on the case page."""
    have = {letter.kind for letter in letters if letter.status != LetterStatus.FAILED}
    for kind in kinds.reply_kinds_for(case.items.all()):
        if kind in offered and kind not in have:
            return kind
    # The gate's verdict costs no query on the case page (documents are prefetched).
    asking = (case.state == CaseState.AWAITING_IDENTITY and not evaluate_case(case).passed) or (
        case.state == CaseState.IDENTITY_VERIFIED and case.fee_shortfall > 0
    )
    if asking and LetterKind.DEFICIENCY in offered:
        return LetterKind.DEFICIENCY
    if LetterKind.ACKNOWLEDGEMENT in offered and not have:
        return LetterKind.ACKNOWLEDGEMENT
    return offered[0] if offered else None


# --- due letters and batches ---------------------------------------------------------------


def cases_due(kind: str, *, today: date | None = None) -> list[Case]:
    """Cases for which a letter of this kind is due.

    Deficiency: the case is being checked (documents missing) or waits for its fee to be
    asked for, and no request has been asked for since it entered that state. Mailing it
    starts the wait.
    Reminder: the case waits on the person, the request that started the wait (the last
    request for documents mailed) went out LETTER_REMINDER_AFTER_DAYS ago or more and did not
    come back, and no reminder has been asked for since.
    """
    today = today or timezone.localdate()
    if kind == LetterKind.DEFICIENCY:
        entered = Subquery(
            AuditEvent.objects.filter(case=OuterRef("pk"), to_state=OuterRef("state"))
            .order_by("-seq")
            .values("at")[:1]
        )
        asked = Letter.objects.filter(
            case=OuterRef("pk"),
            kind__in=kinds.CHASING_KINDS,
            requested_at__gte=OuterRef("entered_at"),
        ).exclude(status=LetterStatus.FAILED)
        cases: QuerySet[Case] = (
            Case.objects.filter(
                state__in=[CaseState.AWAITING_IDENTITY, CaseState.IDENTITY_VERIFIED]
            )
            .annotate(entered_at=entered)
            .filter(~Exists(asked))
        )
    elif kind == LetterKind.REMINDER:
        last_request = Letter.objects.filter(
            case=OuterRef("pk"), kind=LetterKind.DEFICIENCY, sent_on__isnull=False
        ).order_by("-mailed_at", "-id")
        cases = (
            Case.objects.filter(state__in=kinds.WAITING_STATES)
            .annotate(
                request_sent_on=Subquery(last_request.values("sent_on")[:1]),
                request_mailed_at=Subquery(last_request.values("mailed_at")[:1]),
                request_returned_on=Subquery(last_request.values("returned_on")[:1]),
            )
            .filter(
                request_sent_on__lte=today - timedelta(days=settings.LETTER_REMINDER_AFTER_DAYS),
                request_returned_on__isnull=True,
            )
            .filter(
                ~Exists(
                    Letter.objects.filter(
                        case=OuterRef("pk"),
                        kind=LetterKind.REMINDER,
                        requested_at__gte=OuterRef("request_mailed_at"),
                    ).exclude(status=LetterStatus.FAILED)
                )
            )
        )
    else:
        return []
    found = (
        cases.select_related("requester")
        .prefetch_related("identity_documents", "fee_payments")
        .order_by("pk")
    )
    return [case for case in found if something_missing(case)]


def due_counts() -> dict[str, int]:
    return {kind.value: len(cases_due(kind)) for kind in kinds.BATCH_KINDS}


def recent_batches(limit: int = 20) -> list[LetterBatch]:
    return list(LetterBatch.objects.select_related("requested_by").order_by("-id")[:limit])


def batch_letters(batch: LetterBatch) -> list[Letter]:
    return list(
        batch.letters.select_related("case", "case__requester").defer("content").order_by("id")
    )


@dataclass(frozen=True)
class LetterRow:
    """A letter as the case page lists it, with what this user may do with it."""

    letter: Letter
    superseded: bool
    can_approve: bool
    can_mail: bool
    can_return: bool
    can_retry: bool
    out_of_date: bool = False


def letter_rows(
    case: Case, letters: list[Letter], user: Any, items: list[RequestItem] | None = None
) -> list[LetterRow]:
    """The case's letters as its page lists them. `items` (with their records and changes)
    lets a draft that no longer states the decision be marked out of date."""
    may_work = has_capability(user, Capability.WORK_CASES)
    may_approve = has_capability(user, Capability.APPROVE_DECISIONS)
    latest_version: dict[str, int] = {}
    for letter in letters:
        latest_version[letter.kind] = max(latest_version.get(letter.kind, 0), letter.version)
    rows = []
    stale_before = timezone.now() - timedelta(minutes=1)
    for letter in letters:
        superseded = letter.version < latest_version[letter.kind]
        ready = letter.status == LetterStatus.READY
        out_of_date = bool(
            items is not None
            and letter.is_deciding
            and not superseded
            and letter.sent_on is None
            and rules.is_out_of_date(letter, case, items)
        )
        decided = case.state in kinds.DECIDED_STATES
        rows.append(
            LetterRow(
                letter=letter,
                superseded=superseded,
                out_of_date=out_of_date,
                can_approve=may_approve
                and ready
                and letter.is_deciding
                and letter.approved_at is None
                and not superseded
                and decided,
                can_mail=may_work
                and ready
                and letter.sent_on is None
                and not superseded
                and (not letter.is_deciding or (letter.approved_at is not None and decided)),
                can_return=may_work and letter.sent_on is not None and letter.returned_on is None,
                can_retry=may_work
                and (
                    letter.status == LetterStatus.FAILED
                    or (
                        letter.status == LetterStatus.PENDING and letter.requested_at < stale_before
                    )
                ),
            )
        )
    return rows


@dataclass(frozen=True)
class StoredFile:
    """A file the register points to, with the SHA-256 it recorded when the file was stored."""

    label: str
    name: str
    sha256: str


def stored_files() -> Iterator[StoredFile]:
    """Every stored letter and batch PDF (for checking a restored backup)."""
    letters = Letter.objects.exclude(file="").order_by("pk").values_list("number", "file", "sha256")
    for number, name, sha256 in letters.iterator(chunk_size=500):
        yield StoredFile(f"letter {number}", name, sha256)
    batches = (
        LetterBatch.objects.exclude(file="").order_by("pk").values_list("pk", "file", "sha256")
    )
    for pk, name, sha256 in batches.iterator(chunk_size=500):
        yield StoredFile(f"letter batch {pk}", name, sha256)


# --- the guide by e-mail ------------------------------------------------------------------


@dataclass(frozen=True)
class GuideEmail:
    """The message to send to a person who e-mailed a request that must be made by post:
    the procedure guide's text, to copy into the company's mail program."""

    language: str
    to: str
    subject: str
    body: str


def guide_emails(case: Case, *, today: date | None = None) -> list[GuideEmail]:
    """The guide as e-mail text, in Japanese and in English, from the same content a printed
    guide would have (content.build_content)."""
    today = today or timezone.localdate()
    emails = []
    for language in ("ja", "en"):
        with translation.override(language):
            content = build_content(
                case=case,
                kind=LetterKind.PROCEDURE_GUIDE,
                language=language,
                letter_date=today,
                number="",
            )
            body = render_to_string(
                f"letters/email/procedure_guide.{language}.txt",
                {"c": content, "letterhead": letterhead(language)},
            )
        subject = f"{kinds.title(LetterKind.PROCEDURE_GUIDE, language)} ({case.reference})"
        emails.append(GuideEmail(language, case.email_sender, subject, body.strip() + "\n"))
    return emails

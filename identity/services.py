"""Writes for identity documents, one function per business event, each audited on its case.

Every write takes the same steps: check the capability; one transaction; lock the case row
(the same lock the case's transitions take, so a document and a transition never cross);
check; change; and append the audit entry, with the gate's rule outcomes after the change.
When a change turns the gate's verdict (e.g. a document entered in error is withdrawn
after identity was verified), a separate `case.identity.result_changed` entry says so.

Nothing a document shows (names, numbers, images) goes into the audit payload: only types,
dates, codes and counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from identity import retention, scans
from identity.choices import Holder
from identity.entries import (
    GUARDIAN_FIELDS,
    CaseContext,
    DocumentEntry,
    GuardianData,
    entry_problems,
    guardian_problems,
)
from identity.gate import Verdict, evaluate_case
from identity.models import (
    DocumentScan,
    DocumentType,
    Guardian,
    MaskingConfirmation,
    ReceivedDocument,
)
from requests_app import audit, reference_data
from requests_app import services as case_services
from requests_app.choices import OPEN_STATES, CaseState
from requests_app.errors import InvalidInput
from requests_app.models import Case
from requests_app.permissions import Capability, has_capability, require

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Documents are logged while the case is being checked, or when what was asked for arrives
# while the case waits for it; afterwards the verdict is settled.
DOCUMENT_STATES = frozenset(
    {CaseState.RECEIVED, CaseState.AWAITING_IDENTITY, CaseState.AWAITING_DOCUMENTS}
)
# Before these the identity check has not been settled: a changed verdict is no news.
CHECKING_STATES = frozenset(
    {CaseState.RECEIVED, CaseState.AWAITING_IDENTITY, CaseState.AWAITING_DOCUMENTS}
)


def _lock(case_id: int) -> Case:
    return Case.objects.select_for_update().select_related("requester").get(pk=case_id)


def _lock_document(document: ReceivedDocument) -> tuple[Case, ReceivedDocument]:
    case = _lock(document.case_id)
    locked = (
        ReceivedDocument.objects.select_for_update(of=("self",))
        .select_related("document_type")
        .get(pk=document.pk)
    )
    return case, locked


def _gate_payload(verdict: Verdict) -> dict[str, Any]:
    return {"rules": verdict.outcomes(), "passed": verdict.passed}


def _record_result_change(
    *, case: Case, actor: User, before: Verdict, after: Verdict, because: str
) -> None:
    """A change that turns the verdict after the case left "awaiting identity" (e.g. a
    document entered in error and withdrawn) is its own audit entry: the verification
    relied on what is now different. Before then, each document's own entry carries the
    rule outcomes."""
    if before.passed == after.passed or case.state in CHECKING_STATES:
        return
    audit.record(
        action="case.identity.result_changed",
        actor=actor,
        case=case,
        payload={"because": because, "state": case.state, **_gate_payload(after)},
    )


# --- logging a document ------------------------------------------------------------------


def _check_problems_before_arrival(entry: DocumentEntry, case: Case, *, has_scan: bool) -> None:
    """A wrong entry must not end the wait: check it before the arrival is recorded."""
    _raise_problems(entry_problems(entry, CaseContext.of(case), has_scan=has_scan))


def _raise_problems(problems: dict[str, list[str]]) -> None:
    if problems:
        messages = [message for found in problems.values() for message in found]
        raise InvalidInput(
            _("The document was not logged: please correct the entry."), details=messages
        )


def document_record(
    *,
    case: Case,
    actor: User,
    document_type: DocumentType,
    received_on: date,
    holder: str = Holder.REQUESTER,
    name_shown: str = "",
    name_kana_shown: str = "",
    date_of_birth_shown: date | None = None,
    address_shown: str = "",
    issued_on: date | None = None,
    expires_on: date | None = None,
    maskings: Sequence[str] = (),
    masking_method: str = MaskingConfirmation.Method.MASKED_BY_STAFF,
    masked_by: Any = None,
    destroyed_at_once: bool = False,
    paper_location: str = "",
    scan: scans.Scan | None = None,
) -> ReceivedDocument:
    """Log a copy of an identity document (or proof of authority) that arrived by post.

    A copy of the back of a My Number card is logged as exactly that: nothing is copied from
    it and it is recorded as destroyed at once (it counts toward no rule).

    While the case waits on the person for documents, logging one that arrived is the
    arrival of what was asked: the wait ends on the day the copy was received.
    """
    require(actor, Capability.WORK_CASES)
    if document_type.is_card_back:
        destroyed_at_once = True
    entry = DocumentEntry(
        document_type=document_type,
        received_on=received_on,
        holder=holder,
        name_shown=name_shown.strip(),
        name_kana_shown=name_kana_shown.strip(),
        date_of_birth_shown=date_of_birth_shown,
        address_shown=address_shown.strip(),
        issued_on=issued_on,
        expires_on=expires_on,
        maskings=tuple(dict.fromkeys(maskings)),
        masking_method=masking_method,
        masked_by=masked_by,
        destroyed_at_once=destroyed_at_once,
        paper_location="" if destroyed_at_once else paper_location.strip(),
    )
    if scan is not None:
        try:
            # Again at the boundary, whoever called; what an earlier check removed is kept.
            scan = scans.check(scan.content, removed_before=scan.removed)
        except scans.ScanRejected as error:
            raise InvalidInput(str(error)) from error
    with transaction.atomic():
        locked = _lock(case.pk)
        if locked.state not in DOCUMENT_STATES:
            raise InvalidInput(_("Identity documents are logged before identity is verified."))
        waited_since = locked.waiting_since
        if locked.state == CaseState.AWAITING_DOCUMENTS and (
            waited_since is None or entry.received_on >= waited_since
        ):
            _check_problems_before_arrival(entry, locked, has_scan=scan is not None)
            locked = case_services.case_receive_documents(
                case=locked, actor=actor, received_on=entry.received_on
            )
        if not document_type.active:
            raise InvalidInput(_("This document type is no longer accepted."))
        _raise_problems(entry_problems(entry, CaseContext.of(locked), has_scan=scan is not None))
        before = evaluate_case(locked)
        now = timezone.now()
        document = ReceivedDocument.objects.create(
            case=locked,
            document_type=document_type,
            holder=entry.holder,
            received_on=entry.received_on,
            name_shown=entry.name_shown,
            name_kana_shown=entry.name_kana_shown,
            date_of_birth_shown=entry.date_of_birth_shown,
            address_shown=entry.address_shown,
            issued_on=entry.issued_on,
            expires_on=entry.expires_on,
            destroyed_at_once=entry.destroyed_at_once,
            copy_destroyed_at=now if entry.destroyed_at_once else None,
            copy_destroyed_by=actor if entry.destroyed_at_once else None,
            paper_location=entry.paper_location,
            scan_content_type=scan.content_type if scan else "",
            scan_size=scan.size if scan else None,
            recorded_by=actor,
        )
        MaskingConfirmation.objects.bulk_create(
            [
                MaskingConfirmation(
                    document=document,
                    masking=masking,
                    method=entry.masking_method,
                    confirmed_by=entry.masked_by,
                    recorded_by=actor,
                )
                for masking in entry.maskings
            ]
        )
        if scan is not None:
            wrapped_key, ciphertext = scans.seal(scan.content)
            DocumentScan.objects.create(
                document=document, wrapped_key=wrapped_key, ciphertext=ciphertext, uploaded_by=actor
            )
        after = evaluate_case(locked)
        audit.record(
            action="case.identity.document_received",
            actor=actor,
            case=locked,
            payload={
                "document_id": document.pk,
                "document_type": document_type.code,
                "holder": entry.holder,
                "received_on": entry.received_on.isoformat(),
                "maskings_confirmed": list(entry.maskings),
                "maskings_open": entry.open_maskings,
                "destroyed_at_once": entry.destroyed_at_once,
                "card_back": entry.is_card_back,
                "image_stored": scan is not None,
                # What the uploaded PDF carried that the stored copy left out (scans.py).
                "active_content_removed": list(scan.removed) if scan else [],
                **_gate_payload(after),
            },
        )
        _record_result_change(
            case=locked, actor=actor, before=before, after=after, because="document_received"
        )
    return document


# --- corrections -------------------------------------------------------------------------


def _destroy_scan(document: ReceivedDocument, now: Any) -> bool:
    """Delete the encrypted scan and its key; True if there was one."""
    deleted, _by_model = DocumentScan.objects.filter(document=document).delete()
    if document.has_scan or deleted:
        document.scan_content_type = ""
        document.scan_size = None
        document.scan_destroyed_at = now
        return True
    return False


def document_withdraw(*, document: ReceivedDocument, actor: User, reason: str) -> ReceivedDocument:
    """Take back a document entered in error: kept for the record, left out of the verdict.

    Its scan, if any, is destroyed at once; the paper follows the case's destruction date.
    """
    require(actor, Capability.WORK_CASES)
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Say why the document is withdrawn."))
    with transaction.atomic():
        case, locked = _lock_document(document)
        if locked.is_withdrawn:
            raise InvalidInput(_("This document was already withdrawn."))
        if case.state not in OPEN_STATES:
            raise InvalidInput(_("A closed case cannot be changed."))
        before = evaluate_case(case)
        now = timezone.now()
        locked.withdrawn_at = now
        locked.withdrawn_by = actor
        locked.withdrawal_reason = reason
        image_destroyed = _destroy_scan(locked, now)
        locked.save(
            update_fields=[
                "withdrawn_at",
                "withdrawn_by",
                "withdrawal_reason",
                "scan_content_type",
                "scan_size",
                "scan_destroyed_at",
            ]
        )
        after = evaluate_case(case)
        audit.record(
            action="case.identity.document_withdrawn",
            actor=actor,
            case=case,
            reason=reason,
            payload={
                "document_id": locked.pk,
                "document_type": locked.document_type.code,
                "holder": locked.holder,
                "image_destroyed": image_destroyed,
                **_gate_payload(after),
            },
        )
        _record_result_change(
            case=case, actor=actor, before=before, after=after, because="document_withdrawn"
        )
    return locked


def masking_confirm(
    *,
    document: ReceivedDocument,
    actor: User,
    masking: str,
    method: str,
    confirmed_by: Any,
) -> MaskingConfirmation:
    """Record that a required masking was done (or the copy arrived masked), and by whom."""
    require(actor, Capability.WORK_CASES)
    if method not in MaskingConfirmation.Method.values:
        raise InvalidInput(_("Choose how the masking was done."))
    if confirmed_by is None or not has_capability(confirmed_by, Capability.WORK_CASES):
        raise InvalidInput(_("Maskings are confirmed by staff or managers."))
    with transaction.atomic():
        case, locked = _lock_document(document)
        if locked.is_withdrawn:
            raise InvalidInput(_("This document was withdrawn."))
        if locked.destroyed_at_once or locked.copies_destroyed_on:
            raise InvalidInput(_("The copy was destroyed: there is nothing left to mask."))
        if masking not in locked.required_maskings:
            raise InvalidInput(_("This masking is not required for this document."))
        if locked.maskings.filter(masking=masking).exists():
            raise InvalidInput(_("This masking is already confirmed."))
        before = evaluate_case(case)
        confirmation = MaskingConfirmation.objects.create(
            document=locked,
            masking=masking,
            method=method,
            confirmed_by=confirmed_by,
            recorded_by=actor,
        )
        after = evaluate_case(case)
        audit.record(
            action="case.identity.masking_confirmed",
            actor=actor,
            case=case,
            payload={
                "document_id": locked.pk,
                "document_type": locked.document_type.code,
                "masking": masking,
                "method": method,
                "confirmed_by": confirmed_by.get_username(),
                **_gate_payload(after),
            },
        )
        _record_result_change(
            case=case, actor=actor, before=before, after=after, because="masking_confirmed"
        )
    return confirmation


def document_destroy_copy(*, document: ReceivedDocument, actor: User) -> ReceivedDocument:
    """Destroy a copy at once (e.g. the back of a My Number card): the facts stay recorded."""
    require(actor, Capability.WORK_CASES)
    with transaction.atomic():
        case, locked = _lock_document(document)
        if locked.destroyed_at_once or locked.shredded_at or locked.copies_destroyed_on:
            raise InvalidInput(_("This copy is already destroyed or handed over for shredding."))
        before = evaluate_case(case)
        now = timezone.now()
        locked.destroyed_at_once = True
        locked.copy_destroyed_at = now
        locked.copy_destroyed_by = actor
        image_destroyed = _destroy_scan(locked, now)
        locked.save(
            update_fields=[
                "destroyed_at_once",
                "copy_destroyed_at",
                "copy_destroyed_by",
                "scan_content_type",
                "scan_size",
                "scan_destroyed_at",
            ]
        )
        after = evaluate_case(case)
        audit.record(
            action="case.identity.copy_destroyed",
            actor=actor,
            case=case,
            payload={
                "document_id": locked.pk,
                "document_type": locked.document_type.code,
                "image_destroyed": image_destroyed,
                **_gate_payload(after),
            },
        )
        _record_result_change(
            case=case, actor=actor, before=before, after=after, because="copy_destroyed"
        )
    return locked


# --- the scan ------------------------------------------------------------------------------


def scan_read(*, document: ReceivedDocument, actor: User, download: bool = False) -> scans.Scan:
    """Decrypt a scan for a member of staff to view or download; each one is in the audit
    trail.

    Auditors never see scans: they hold no capability to work on cases.
    """
    require(actor, Capability.WORK_CASES)
    with transaction.atomic():
        stored = DocumentScan.objects.select_related("document__document_type").get(
            document=document
        )
        audit.record(
            action="case.identity.scan_downloaded" if download else "case.identity.scan_viewed",
            actor=actor,
            case=document.case,
            payload={
                "document_id": document.pk,
                "document_type": stored.document.document_type.code,
            },
        )
    content = scans.unseal(bytes(stored.wrapped_key), bytes(stored.ciphertext))
    return scans.Scan(content=content, content_type=stored.document.scan_content_type)


# --- parent or guardian of a requester under 16 ------------------------------------------


def guardian_record(*, case: Case, actor: User, data: GuardianData) -> Guardian:
    """Record (or correct) the parent or guardian of a requester under 16, and their consent."""
    require(actor, Capability.WORK_CASES)
    with transaction.atomic():
        locked = _lock(case.pk)
        if locked.state not in DOCUMENT_STATES:
            raise InvalidInput(_("A parent or guardian is recorded before identity is verified."))
        _raise_problems(guardian_problems(data, locked))
        before = evaluate_case(locked)
        guardian = Guardian.objects.filter(case=locked).first()
        changed: list[str] = []
        if guardian is None:
            guardian = Guardian(case=locked, recorded_by=actor)
            changed = list(GUARDIAN_FIELDS)
        for name in GUARDIAN_FIELDS:
            value = getattr(data, name)
            if getattr(guardian, name) != value:
                setattr(guardian, name, value)
                if name not in changed:
                    changed.append(name)
        if not changed:
            return guardian
        guardian.recorded_by = actor
        guardian.full_clean(exclude=["case", "recorded_by"])
        guardian.save()
        locked.identity_guardian = guardian  # the verdict below must see the new record
        after = evaluate_case(locked)
        audit.record(
            action="case.identity.guardian_recorded",
            actor=actor,
            case=locked,
            payload={
                "changed": changed,
                "relationship": guardian.relationship,
                "consent_received_on": _iso(guardian.consent_received_on),
                **_gate_payload(after),
            },
        )
        _record_result_change(
            case=locked, actor=actor, before=before, after=after, because="guardian_recorded"
        )
    return guardian


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


# --- shredding paper copies ----------------------------------------------------------------


def paper_confirm_shredded(*, document: ReceivedDocument, actor: User) -> ReceivedDocument:
    """Staff confirm they shredded a paper copy that the retention run marked due."""
    require(actor, Capability.WORK_CASES)
    with transaction.atomic():
        case, locked = _lock_document(document)
        if locked.shredded_at is not None:
            raise InvalidInput(_("This paper copy's shredding is already confirmed."))
        if locked.shredding_due_on is None:
            raise InvalidInput(_("This paper copy is not due for shredding yet."))
        locked.shredded_at = timezone.now()
        locked.shredded_by = actor
        locked.save(update_fields=["shredded_at", "shredded_by"])
        audit.record(
            action="case.identity.paper_shredded",
            actor=actor,
            case=case,
            payload={
                "document_id": locked.pk,
                "document_type": locked.document_type.code,
                "due_since": locked.shredding_due_on.isoformat(),
            },
        )
    return locked


# --- destroying the copies (写しの廃棄) ---------------------------------------------------


@dataclass(frozen=True)
class DestructionReport:
    cases: int = 0
    documents: int = 0
    scans_destroyed: int = 0
    paper_to_shred: int = 0


def copies_destroy_due(*, today: date, actor: User | None = None) -> DestructionReport:
    """Destroy the scans and mark the paper copies of every document whose date has passed
    (写しの廃棄). Safe to run any number of times: a document is handled once
    (`copies_destroyed_on`), and each case's documents under the case's row lock."""
    totals = DestructionReport()
    for case_id, document_ids in retention.documents_due(today).items():
        report = _destroy_for_case(case_id, document_ids, today=today, actor=actor)
        totals = DestructionReport(
            cases=totals.cases + (1 if report.documents else 0),
            documents=totals.documents + report.documents,
            scans_destroyed=totals.scans_destroyed + report.scans_destroyed,
            paper_to_shred=totals.paper_to_shred + report.paper_to_shred,
        )
    return totals


def _destroy_for_case(
    case_id: int, document_ids: list[int], *, today: date, actor: User | None
) -> DestructionReport:
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        due_on = retention.destruction_date(case)
        if due_on is None or due_on > today:
            return DestructionReport()
        documents = list(
            ReceivedDocument.objects.select_for_update()
            .filter(pk__in=document_ids, copies_destroyed_on__isnull=True)
            .order_by("pk")
        )
        if not documents:
            return DestructionReport()
        now = timezone.now()
        scans_destroyed = paper_to_shred = 0
        for document in documents:
            if _destroy_scan(document, now):
                scans_destroyed += 1
            if document.paper_kept and document.shredding_due_on is None:
                document.shredding_due_on = today
                paper_to_shred += 1
            document.copies_destroyed_on = today
            document.save(
                update_fields=[
                    "scan_content_type",
                    "scan_size",
                    "scan_destroyed_at",
                    "shredding_due_on",
                    "copies_destroyed_on",
                ]
            )
        audit.record(
            action="case.identity.copies_destroyed",
            actor=actor,
            case=case,
            payload={
                "destruction_date": due_on.isoformat(),
                "documents": [document.pk for document in documents],
                "images_destroyed": scans_destroyed,
                "paper_to_shred": paper_to_shred,
            },
        )
    return DestructionReport(
        cases=1,
        documents=len(documents),
        scans_destroyed=scans_destroyed,
        paper_to_shred=paper_to_shred,
    )


# --- document types (reference data, edited by the administrator in the admin) -------------


def document_type_save(*, actor: User, document_type: DocumentType) -> DocumentType:
    """Add a document type, or change one to its edited values (masking rules, accepted
    dates ...); audited with the fields that changed, before and after. The gate reads the
    types whenever it is asked, so every case still being checked follows the new rules.

    The back of a My Number card is fixed in code (identity.rules.CARD_BACK_FACTS): it is not
    reference data, and no edit of it, nor a new type under its code, is accepted."""
    if document_type.is_card_back:
        raise InvalidInput(
            _(
                "The back of a My Number card is fixed by law and in the code: it is never an "
                "identity document and cannot be edited."
            )
        )
    reference_data.save_reference(actor=actor, obj=document_type)
    return document_type


def document_types_delete(*, actor: User, document_types: Iterable[DocumentType]) -> int:
    """Delete document types that no logged document uses; one in use is retired instead
    (untick "accepted"), because its documents and their verdicts refer to it."""
    require(actor, Capability.MANAGE_REFERENCE_DATA)
    wanted = list(document_types)
    if any(document_type.is_card_back for document_type in wanted):
        raise InvalidInput(_("The back of a My Number card is fixed in the code: it stays."))
    with transaction.atomic():
        # Locked first: a document logged meanwhile would wait for this transaction.
        locked = list(
            DocumentType.objects.select_for_update()
            .filter(pk__in=[t.pk for t in wanted])
            .order_by("pk")
        )
        used = set(
            ReceivedDocument.objects.filter(document_type__in=locked).values_list(
                "document_type_id", flat=True
            )
        )
        names = [str(document_type) for document_type in locked if document_type.pk in used]
        if names:
            raise InvalidInput(
                _(
                    "A document type that documents were logged with cannot be deleted; "
                    "untick “accepted” to retire it."
                ),
                details=names,
            )
        return reference_data.delete_reference(actor=actor, objs=locked)

"""Destroying the copies (写しの廃棄): a set time after the reply, nothing of the images remains.

Each document's destruction date is IDENTITY_COPY_RETENTION_MONTHS (default 3) after the
reply was mailed, or after the case was withdrawn or abandoned without one. On that date
`destroy_due_copies` deletes the encrypted scans with their keys and marks the paper copies
as due for shredding; staff confirm each shredding (services.paper_confirm_shredded). The
record of what was checked (type, dates, the rule outcomes in the audit trail) stays.

Safe to run any number of times: a document is handled once (`copies_destroyed_on`), and
each case's documents are handled under the case's row lock.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from identity.models import ReceivedDocument
from identity.rules import add_months
from requests_app import audit
from requests_app.models import Case


def retention_months() -> int:
    return int(settings.IDENTITY_COPY_RETENTION_MONTHS)


def retention_starts(case: Case) -> date | None:
    """The day the retention period starts: the reply, or the end of a case without one."""
    if case.reply_sent_on:
        return case.reply_sent_on
    if case.closed_at:
        return timezone.localdate(case.closed_at)
    return None


def destruction_date(case: Case) -> date | None:
    """When the case's copies are destroyed; None while no reply has been mailed."""
    start = retention_starts(case)
    return add_months(start, retention_months()) if start else None


@dataclass(frozen=True)
class DestructionReport:
    cases: int = 0
    documents: int = 0
    scans_destroyed: int = 0
    paper_to_shred: int = 0


def latest_due_start(today: date) -> date:
    """No retention period that started after this day can have ended by `today`.

    Periods are whole months (a start on the 30th or 31st ends on a shorter month's last
    day), so every start in the month N months back may be due; rows are checked exactly.
    """
    month_index = today.month - 1 - retention_months()
    year, month = today.year + month_index // 12, month_index % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def _candidates(today: date) -> dict[int, list[int]]:
    """Documents whose copies may be due, by case; each is checked exactly under the lock."""
    latest = latest_due_start(today)
    rows = (
        ReceivedDocument.objects.filter(copies_destroyed_on__isnull=True)
        .filter(
            Q(case__reply_sent_on__lte=latest)
            | Q(case__reply_sent_on__isnull=True, case__closed_at__isnull=False)
        )
        .values_list("case_id", "pk")
        .order_by("case_id", "pk")
    )
    found: dict[int, list[int]] = defaultdict(list)
    for case_id, document_id in rows:
        found[case_id].append(document_id)
    return found


def destroy_due_copies(*, today: date, actor: Any = None) -> DestructionReport:
    """Destroy the scans and mark the paper copies of every document whose date has passed."""
    totals = DestructionReport()
    for case_id, document_ids in _candidates(today).items():
        report = _destroy_for_case(case_id, document_ids, today=today, actor=actor)
        totals = DestructionReport(
            cases=totals.cases + (1 if report.documents else 0),
            documents=totals.documents + report.documents,
            scans_destroyed=totals.scans_destroyed + report.scans_destroyed,
            paper_to_shred=totals.paper_to_shred + report.paper_to_shred,
        )
    return totals


def _destroy_for_case(
    case_id: int, document_ids: list[int], *, today: date, actor: Any
) -> DestructionReport:
    from identity.services import _destroy_scan

    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        due_on = destruction_date(case)
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

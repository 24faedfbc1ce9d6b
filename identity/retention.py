"""When the copies are destroyed (写しの廃棄): the dates, and which documents are due.

Each document's destruction date is IDENTITY_COPY_RETENTION_MONTHS (default 3) after the
reply was mailed, or after the case was withdrawn or abandoned without one. On that date
`services.copies_destroy_due` deletes the encrypted scans with their keys and marks the
paper copies as due for shredding; staff confirm each shredding
(services.paper_confirm_shredded). The record of what was checked stays.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from identity.models import ReceivedDocument
from identity.rules import add_months
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


def latest_due_start(today: date) -> date:
    """No retention period that started after this day can have ended by `today`.

    Periods are whole months (a start on the 30th or 31st ends on a shorter month's last
    day), so every start in the month N months back may be due; rows are checked exactly.
    """
    month_index = today.month - 1 - retention_months()
    year, month = today.year + month_index // 12, month_index % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def documents_due(today: date) -> dict[int, list[int]]:
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

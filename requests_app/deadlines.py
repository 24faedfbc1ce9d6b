"""Due dates (回答期限).

A case's due date is derived, never typed in: `due_date_for` computes it and
`refresh_due_date` stores an indexed copy, called by every service that can change it, so
lists can filter on it cheaply. Until SLA policies per kind exist, the target is the Art. 39
date: two weeks after the request arrived.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from requests_app.models import Case


def due_date_for(case: Case) -> date:
    return case.art39_date


def refresh_due_date(case: Case) -> None:
    due = due_date_for(case)
    if case.due_date != due:
        case.due_date = due
        type(case).objects.filter(pk=case.pk).update(due_date=due)

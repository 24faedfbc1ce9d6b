"""The home page: the day's work for each role, every number a link to the list it counts.

Each group of cases is a `CaseFilters` (the case list's own filters), so a group's count is
the length of the list its link opens, exactly as on the SLA dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from requests_app.audit import AuditEvent
from requests_app.business_calendar import BusinessCalendar
from requests_app.choices import CaseState
from requests_app.exports.models import Export
from requests_app.letters.models import Letter
from requests_app.models import Case
from requests_app.permissions import Capability, has_capability
from requests_app.selectors import CaseFilters, case_list

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.utils.functional import _StrPromise

# How many cases a group shows on the home page; its count links to all of them.
ROWS_PER_GROUP = 10


@dataclass(frozen=True)
class Group:
    """One group of cases on the home page: its count, its first rows, and its list."""

    key: str
    label: _StrPromise
    filters: CaseFilters
    # The list URL's own parameters where they differ from the filters ("me or nobody").
    url_params: dict[str, str]
    count: int
    rows: list[Case]

    @property
    def url(self) -> str:
        params = {**self.filters.list_params(), **self.url_params, "sort": "due"}
        return reverse("requests_app:case_list") + "?" + urlencode(params)


def _group(
    key: str,
    label: _StrPromise,
    filters: CaseFilters,
    *,
    today: date,
    calendar: BusinessCalendar,
    url_params: dict[str, str] | None = None,
    letters: bool = False,
) -> Group:
    cases = case_list(filters, today=today, calendar=calendar, sort="due")
    if letters:
        cases = cases.prefetch_related(
            Prefetch(
                "letters",
                queryset=Letter.objects.defer("content").order_by("id"),
                to_attr="home_letters",
            )
        )
    return Group(
        key=key,
        label=label,
        filters=filters,
        url_params=url_params or {},
        count=cases.count(),
        rows=list(cases[:ROWS_PER_GROUP]),
    )


def staff_groups(user: User, *, today: date, calendar: BusinessCalendar) -> list[Group]:
    """My cases and the unassigned ones: late, due soon, due this week, waiting on the
    person, letters to print or mail, and returned mail."""
    mine = CaseFilters(assignee=f"{user.pk}+none")
    url = {"assignee": "mine_or_none"}
    common: dict[str, Any] = {"today": today, "calendar": calendar, "url_params": url}
    return [
        _group("overdue", _("Overdue"), replace(mine, due="overdue"), **common),
        _group("soon", _("Due soon"), replace(mine, due="soon"), **common),
        _group("week", _("Due this week"), replace(mine, due="week"), **common),
        _group("waiting", _("Waiting on the requester"), replace(mine, state="waiting"), **common),
        _group(
            "to_mail", _("Letters to print or mail"), replace(mine, letters="to_mail"), **common
        ),
        _group("returned", _("Returned mail"), replace(mine, letters="returned"), **common),
    ]


def manager_groups(*, today: date, calendar: BusinessCalendar) -> list[Group]:
    """What waits for the Data Controller's approval, then the team's late and due-soon
    cases."""
    return [
        _group(
            "approval",
            _("Waiting for your approval"),
            CaseFilters(state=CaseState.AWAITING_APPROVAL),
            today=today,
            calendar=calendar,
            letters=True,
        ),
        _group(
            "overdue",
            _("Overdue (whole team)"),
            CaseFilters(due="overdue"),
            today=today,
            calendar=calendar,
        ),
        _group(
            "soon",
            _("Due soon (whole team)"),
            CaseFilters(due="soon"),
            today=today,
            calendar=calendar,
        ),
    ]


def recent_exports(limit: int = 10) -> QuerySet[Export]:
    return Export.objects.select_related("requested_by").order_by("-requested_at", "-id")[:limit]


# Audit actions of the administrator's reference data and users (admin edits go through
# services that record these).
REFERENCE_ACTION_PREFIXES = ("reference.", "identity.document_type.", "user.")


def reference_changes(limit: int = 15) -> list[AuditEvent]:
    """What changed lately in the reference data and the users' roles."""
    events = AuditEvent.objects.filter(case__isnull=True).select_related("actor")
    wanted = [event for event in events.order_by("-seq")[:200] if _is_reference(event.action)]
    return wanted[:limit]


def _is_reference(action: str) -> bool:
    return action.startswith(REFERENCE_ACTION_PREFIXES)


def home_role(user: User) -> str:
    """Which home a user sees: the most responsible of their roles."""
    if has_capability(user, Capability.APPROVE_DECISIONS):
        return "manager"
    if has_capability(user, Capability.WORK_CASES):
        return "staff"
    if has_capability(user, Capability.EXPORT_HISTORIES):
        return "auditor"
    if has_capability(user, Capability.MANAGE_REFERENCE_DATA):
        return "administrator"
    return "none"

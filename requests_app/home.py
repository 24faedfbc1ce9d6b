"""The home page: the day's work for each role, every number a link to the list it counts.

Each group of cases is a `CaseFilters` (the case list's own filters), so a group's count is
the length of the list its link opens, exactly as on the SLA dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.db.models import Count, Prefetch, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from requests_app.audit import AuditEvent
from requests_app.business_calendar import BusinessCalendar
from requests_app.choices import CaseState
from requests_app.exports.models import Export
from requests_app.letters import rules
from requests_app.letters.models import Letter
from requests_app.models import Case
from requests_app.permissions import Capability, has_capability
from requests_app.selectors import Action, CaseFilters, case_actions, case_filter_q, case_list

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


@dataclass(frozen=True)
class Wanted:
    """A group asked for: what it is called and which cases it counts."""

    key: str
    label: _StrPromise
    filters: CaseFilters
    url_params: dict[str, str] = field(default_factory=dict)
    letters: bool = False


def groups(wanted: list[Wanted], *, today: date, calendar: BusinessCalendar) -> list[Group]:
    """The groups with their counts (one query for all of them) and first rows."""
    counts = Case.objects.aggregate(
        **{
            group.key: Count(
                "pk", filter=case_filter_q(group.filters, today=today, calendar=calendar)
            )
            for group in wanted
        }
    )
    found = []
    for group in wanted:
        rows: list[Case] = []
        if counts[group.key]:
            cases = case_list(group.filters, today=today, calendar=calendar, sort="due")
            if group.letters:
                cases = cases.prefetch_related(
                    Prefetch(
                        "letters",
                        queryset=Letter.objects.defer("content").order_by("id"),
                        to_attr="home_letters",
                    )
                )
            rows = list(cases[:ROWS_PER_GROUP])
        found.append(
            Group(
                key=group.key,
                label=group.label,
                filters=group.filters,
                url_params=group.url_params,
                count=counts[group.key],
                rows=rows,
            )
        )
    return found


def staff_groups(user: User, *, today: date, calendar: BusinessCalendar) -> list[Group]:
    """My cases and the unassigned ones: late, due soon, due this week, waiting on the
    person, letters to print or mail, and returned mail."""
    mine = CaseFilters(assignee=f"{user.pk}+none")
    url = {"assignee": "mine_or_none"}
    wanted = [
        Wanted("overdue", _("Overdue"), replace(mine, due="overdue"), url),
        Wanted("soon", _("Due soon"), replace(mine, due="soon"), url),
        Wanted("week", _("Due this week"), replace(mine, due="week"), url),
        Wanted("waiting", _("Waiting on the requester"), replace(mine, state="waiting"), url),
        Wanted("to_mail", _("Letters to print or mail"), replace(mine, letters="to_mail"), url),
        Wanted("returned", _("Returned mail"), replace(mine, letters="returned"), url),
    ]
    return groups(wanted, today=today, calendar=calendar)


def manager_groups(*, today: date, calendar: BusinessCalendar) -> list[Group]:
    """What waits for the Data Controller's approval, then the team's late and due-soon
    cases."""
    wanted = [
        Wanted(
            "approval",
            _("Waiting for your approval"),
            CaseFilters(state=CaseState.AWAITING_APPROVAL),
            letters=True,
        ),
        Wanted("overdue", _("Overdue (whole team)"), CaseFilters(due="overdue")),
        Wanted("soon", _("Due soon (whole team)"), CaseFilters(due="soon")),
    ]
    return groups(wanted, today=today, calendar=calendar)


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
    if has_capability(user, Capability.ANSWER_SEARCHES):
        return "contact"  # 部門担当者: their open search tasks (requests_app/datamap)
    return "none"


@dataclass(frozen=True)
class Submission:
    """A decision waiting for approval, as the approval queue shows it."""

    case: Case
    submitted_by: Any  # the user who submitted it (None if unknown)
    submitted_at: Any
    note: str  # what the submitter wrote with it
    letters: list[Letter]  # the latest draft of each deciding letter the decision calls for
    actions: list[Action]  # approve, return, decide not to act: as this manager may


def approval_queue(user: User, *, limit: int = 50) -> list[Submission]:
    """Every decision waiting for approval, earliest due first, each with its drafted
    letters and the steps this manager may take (a fixed number of queries per case)."""
    cases = list(
        Case.objects.filter(state=CaseState.AWAITING_APPROVAL)
        .select_related("requester", "assignee")
        .prefetch_related(
            "items",
            Prefetch("letters", queryset=Letter.objects.defer("content").order_by("id")),
        )
        .order_by("due_date", "id")[:limit]
    )
    submitted: dict[int, AuditEvent] = {}
    for submission in (
        AuditEvent.objects.filter(case__in=cases, action="case.approval.requested")
        .select_related("actor")
        .order_by("seq")
    ):
        submitted[submission.case_id or 0] = submission  # the latest submission wins
    queue = []
    for case in cases:
        items = list(case.items.all())
        event = submitted.get(case.pk)
        drafts = rules.latest_drafts(case, items)
        queue.append(
            Submission(
                case=case,
                submitted_by=event.actor if event else None,
                submitted_at=event.at if event else None,
                note=event.reason if event else "",
                letters=[letter for letter in drafts.values() if letter is not None],
                actions=[
                    action for action in case_actions(case, user) if action.name in APPROVAL_STEPS
                ],
            )
        )
    return queue


# The steps the queue offers, in the order it shows them.
APPROVAL_STEPS = ("approve", "refuse", "return_for_rework")

"""The managers' SLA dashboard: figures, each a count of one set of case-list filters.

Every number on the dashboard counts the cases of one set of case-list filters f and links
to the case list with exactly f. Most are `Count(filter=case_filter_q(f))`; the months are
sums over one grouped query that applies the same definitions. The tests hold every number
to the count of the list it opens.

The page runs a fixed number of queries whatever the data: one aggregate for the open-case
snapshot, one for the open cases by kind, one for the months (grouped by arrival and reply
dates), one for the replies by kind, two short lists, one for the workload and one for the
names of the staff.

Percentiles use the nearest-rank method: the p-th percentile is the smallest number of
business days within which at least p% of the replies went out.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cache
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, F, Q, QuerySet
from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext as _

from requests_app.business_calendar import BusinessCalendar
from requests_app.choices import ART39_DAYS, OPEN_STATES, CaseState, RequestKind
from requests_app.models import Case
from requests_app.selectors import CaseFilters, case_filter_q, case_list, worker_choices

# Ages of open cases in calendar days since arrival (the Art. 39 line is at 14 days).
AGE_BUCKETS: tuple[tuple[int, int | None], ...] = ((0, 7), (8, 14), (15, 30), (31, 60), (61, None))
LIST_LIMIT = 50


@dataclass(frozen=True)
class DashboardFilters:
    first_month: date  # the first day of the first month shown
    last_month: date  # the first day of the last month shown (inclusive)
    kind: str = ""
    assignee: str = ""

    @property
    def period_end(self) -> date:
        return month_end(self.last_month)

    def cases(self, **changes: Any) -> CaseFilters:
        """Case-list filters for these dashboard filters plus `changes`. Requests that came
        by telephone, e-mail or in person and still wait for the written request are left
        out: no deadline runs for them yet, so they are neither late nor in the SLA figures."""
        return replace(
            CaseFilters(kind=self.kind, assignee=self.assignee, written="yes"), **changes
        )


def month_end(first: date) -> date:
    return add_months(first, 1) - timedelta(days=1)


def add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def default_filters(today: date) -> DashboardFilters:
    last = today.replace(day=1)
    return DashboardFilters(first_month=add_months(last, -11), last_month=last)


@dataclass(frozen=True)
class Figure:
    """One number and the case-list filters it counts."""

    value: int
    filters: CaseFilters

    @property
    def url(self) -> str:
        return _case_list_path(get_script_prefix()) + "?" + urlencode(self.filters.list_params())


@cache
def _case_list_path(prefix: str) -> str:
    # A page links a few hundred figures; reversing the same URL each time was a tenth of
    # the page's own (non-SQL) time. The prefix is part of the key.
    return reverse("requests_app:case_list")


@dataclass(frozen=True)
class Labelled:
    label: str
    figure: Figure


@dataclass(frozen=True)
class Durations:
    """Business days from arrival to reply of a set of replies."""

    count: int
    median: int | None
    p90: int | None


@dataclass(frozen=True)
class MonthRow:
    month: date
    received: Figure
    replied: Figure
    on_time: Figure
    late: Figure
    art39_on_time: Figure
    art39_late: Figure
    durations: Durations

    @property
    def on_time_rate(self) -> float | None:
        decided = self.on_time.value + self.late.value
        return None if decided == 0 else 100 * self.on_time.value / decided

    @property
    def art39_rate(self) -> float | None:
        decided = self.art39_on_time.value + self.art39_late.value
        return None if decided == 0 else 100 * self.art39_on_time.value / decided


@dataclass(frozen=True)
class KindMonth:
    """One kind's replies in one month and how long they took."""

    replied: Figure
    durations: Durations


@dataclass(frozen=True)
class KindRow:
    label: str
    replied: Figure
    durations: Durations
    months: list[KindMonth]  # in the order of `Dashboard.months`


@dataclass(frozen=True)
class ListedCase:
    case: Case
    days: int  # business days overdue, or calendar days waiting


@dataclass(frozen=True)
class WorkloadRow:
    name: str
    open: Figure
    due_soon: Figure
    overdue: Figure


@dataclass
class Dashboard:
    filters: DashboardFilters
    today: date
    by_state: list[Labelled] = field(default_factory=list)
    by_kind: list[Labelled] = field(default_factory=list)
    open_cases: Figure | None = None
    due_this_week: Figure | None = None
    due_soon: Figure | None = None
    overdue: Figure | None = None
    waiting: Figure | None = None
    ages: list[Labelled] = field(default_factory=list)
    months: list[MonthRow] = field(default_factory=list)
    kinds: list[KindRow] = field(default_factory=list)
    period_durations: Durations = Durations(0, None, None)
    overdue_cases: list[ListedCase] = field(default_factory=list)
    waiting_cases: list[ListedCase] = field(default_factory=list)
    workload: list[WorkloadRow] = field(default_factory=list)


def build(filters: DashboardFilters, *, today: date, calendar: BusinessCalendar) -> Dashboard:
    board = Dashboard(filters=filters, today=today)
    _snapshot(board, calendar)
    _months(board, calendar)
    _kinds(board, calendar)
    _lists(board, calendar)
    _workload(board, calendar)
    return board


def _count_all(
    wanted: Sequence[CaseFilters],
    *,
    today: date,
    calendar: BusinessCalendar,
    common: CaseFilters,
    base: Q,
) -> list[Figure]:
    """Count every set of filters in one query.

    Every wanted set includes the dashboard's own kind and assignee (`common`); those go
    into the WHERE clause once instead of into each count, which counts the same cases.
    """
    aggregates = {}
    for index, f in enumerate(wanted):
        assert (f.kind, f.assignee) == (common.kind, common.assignee)
        rest = replace(f, kind="", assignee="")
        aggregates[f"n{index}"] = Count(
            "pk", filter=case_filter_q(rest, today=today, calendar=calendar)
        )
    rows = Case.objects.filter(base & case_filter_q(common, today=today, calendar=calendar))
    counts = rows.aggregate(**aggregates)
    return [Figure(int(counts[f"n{index}"]), f) for index, f in enumerate(wanted)]


def _items_of(
    filters: CaseFilters, kinds: Sequence[RequestKind], *, today: date, calendar: BusinessCalendar
) -> QuerySet[Case]:
    """The cases `filters` means, one row per item of one of `kinds`, to group by kind.

    A case holds at most one item per kind, so counting the rows of a kind counts exactly
    the cases that the list's kind filter finds.
    """
    return Case.objects.filter(
        case_filter_q(replace(filters, kind=""), today=today, calendar=calendar),
        items__kind__in=[kind.value for kind in kinds],
    )


def _count_by_kind(
    filters: CaseFilters, kinds: Sequence[RequestKind], *, today: date, calendar: BusinessCalendar
) -> dict[str, list[tuple[date, date | None, int]]]:
    """(arrival, reply, how many cases) per kind, for the cases `filters` means."""
    rows = (
        _items_of(filters, kinds, today=today, calendar=calendar)
        .values_list("items__kind", "arrival_date", "reply_sent_on")
        .annotate(n=Count("pk"))
        .order_by()
    )
    grouped: dict[str, list[tuple[date, date | None, int]]] = defaultdict(list)
    for kind, arrival, reply, n in rows:
        grouped[kind].append((arrival, reply, n))
    return grouped


def _snapshot(board: Dashboard, calendar: BusinessCalendar) -> None:
    f, today = board.filters, board.today
    open_states = [state for state in CaseState if state in OPEN_STATES]
    kinds = [kind for kind in RequestKind if not f.kind or kind == f.kind]
    wanted = [
        f.cases(state="open"),
        f.cases(due="week"),
        f.cases(due="soon"),
        f.cases(due="overdue"),
        f.cases(state="waiting"),
        *[f.cases(state=state.value) for state in open_states],
        *[
            f.cases(
                state="open",
                arrival_to=today - timedelta(days=low),
                arrival_from=today - timedelta(days=high) if high is not None else None,
            )
            for low, high in AGE_BUCKETS
        ],
    ]
    # Only open cases can match any of these: the aggregate reads just those rows.
    figures = _count_all(
        wanted, today=today, calendar=calendar, common=f.cases(), base=Q(state__in=OPEN_STATES)
    )
    board.open_cases, board.due_this_week, board.due_soon, board.overdue, board.waiting = figures[
        :5
    ]
    rest = figures[5:]
    board.by_state = [
        Labelled(str(state.label), figure)
        for state, figure in zip(open_states, rest[: len(open_states)], strict=True)
    ]
    board.ages = [
        Labelled(_age_label(low, high), figure)
        for (low, high), figure in zip(AGE_BUCKETS, rest[len(open_states) :], strict=True)
    ]
    open_by_kind = dict(
        _items_of(f.cases(state="open"), kinds, today=today, calendar=calendar)
        .values_list("items__kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    board.by_kind = [
        Labelled(
            str(kind.label),
            Figure(open_by_kind.get(kind.value, 0), f.cases(state="open", kind=kind.value)),
        )
        for kind in kinds
    ]


def _age_label(low: int, high: int | None) -> str:
    if high is None:
        return _("%(low)s+ days") % {"low": low}
    return _("%(low)s–%(high)s days") % {"low": low, "high": high}


def _month_starts(f: DashboardFilters) -> list[date]:
    months, month = [], f.first_month
    while month <= f.last_month:
        months.append(month)
        month = add_months(month, 1)
    return months


def _months(board: Dashboard, calendar: BusinessCalendar) -> None:
    """Received, replied, on time and late per month, and the business days to reply.

    One grouped query gives (arrival, reply, how many, how many by the due date) for every
    case that arrived or was replied to in the period; each month's figures are sums of
    those rows, by the same definitions as the list's filters (see `_timeliness_q`):
    on time is a reply on or before the due date, within Art. 39 a reply at most fourteen
    days after arrival. The tests hold every one of them to the list's own count.
    """
    f = board.filters
    first, last = f.first_month, f.period_end
    in_period = Q(arrival_date__range=(first, last)) | Q(reply_sent_on__range=(first, last))
    rows = (
        Case.objects.filter(
            in_period, case_filter_q(f.cases(), today=board.today, calendar=calendar)
        )
        .values_list("arrival_date", "reply_sent_on")
        .annotate(n=Count("pk"), on_time=Count("pk", filter=Q(reply_sent_on__lte=F("due_date"))))
        .order_by()
    )
    received: dict[date, int] = defaultdict(int)
    replied: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])  # n, on time, art39
    by_month: dict[date, list[tuple[int, int]]] = defaultdict(list)
    everything: list[tuple[int, int]] = []
    for arrival, reply, n, on_time in rows:
        if first <= arrival <= last:
            received[arrival.replace(day=1)] += n
        if reply is None or not first <= reply <= last:
            continue
        month = reply.replace(day=1)
        counts = replied[month]
        counts[0] += n
        counts[1] += on_time
        if reply <= arrival + timedelta(days=ART39_DAYS):
            counts[2] += n
        days = calendar.business_days_between(arrival, reply)
        by_month[month].append((days, n))
        everything.append((days, n))
    board.period_durations = durations(everything)
    for start in _month_starts(f):
        end = month_end(start)
        in_month = f.cases(replied_from=start, replied_to=end)
        n, on_time, art39 = replied[start]
        board.months.append(
            MonthRow(
                month=start,
                received=Figure(received[start], f.cases(arrival_from=start, arrival_to=end)),
                replied=Figure(n, in_month),
                on_time=Figure(on_time, replace(in_month, timeliness="on_time")),
                late=Figure(n - on_time, replace(in_month, timeliness="late")),
                art39_on_time=Figure(art39, replace(in_month, timeliness="art39_on_time")),
                art39_late=Figure(n - art39, replace(in_month, timeliness="art39_late")),
                durations=durations(by_month[start]),
            )
        )


def _kinds(board: Dashboard, calendar: BusinessCalendar) -> None:
    """Replies in the period by kind: how many and how long, overall and month by month."""
    f = board.filters
    kinds = [kind for kind in RequestKind if not f.kind or kind == f.kind]
    replied = _count_by_kind(
        f.cases(replied_from=f.first_month, replied_to=f.period_end),
        kinds,
        today=board.today,
        calendar=calendar,
    )
    starts = _month_starts(f)
    for kind in kinds:
        by_month: dict[date, list[tuple[int, int]]] = defaultdict(list)
        for arrival, reply, n in replied[kind.value]:
            if reply is not None:
                days = calendar.business_days_between(arrival, reply)
                by_month[reply.replace(day=1)].append((days, n))
        months = [
            KindMonth(
                Figure(
                    sum(n for _days, n in by_month[start]),
                    f.cases(kind=kind.value, replied_from=start, replied_to=month_end(start)),
                ),
                durations(by_month[start]),
            )
            for start in starts
        ]
        everything = durations(pair for start in starts for pair in by_month[start])
        board.kinds.append(
            KindRow(
                str(kind.label),
                Figure(
                    everything.count,
                    f.cases(kind=kind.value, replied_from=f.first_month, replied_to=f.period_end),
                ),
                everything,
                months,
            )
        )


def _lists(board: Dashboard, calendar: BusinessCalendar) -> None:
    assert board.overdue is not None and board.waiting is not None
    today = board.today
    overdue = case_list(board.overdue.filters, today=today, calendar=calendar).order_by(
        "due_date", "id"
    )[:LIST_LIMIT]
    board.overdue_cases = [
        ListedCase(case, calendar.business_days_between(case.due_date, today)) for case in overdue
    ]
    waiting = case_list(board.waiting.filters, today=today, calendar=calendar).order_by(
        "waiting_since", "id"
    )[:LIST_LIMIT]
    board.waiting_cases = [
        ListedCase(case, (today - (case.waiting_since or case.arrival_date)).days)
        for case in waiting
    ]


def _workload(board: Dashboard, calendar: BusinessCalendar) -> None:
    f, today = board.filters, board.today
    kind_only = CaseFilters(kind=f.kind)
    columns = {
        "open": replace(kind_only, state="open"),
        "due_soon": replace(kind_only, due="soon"),
        "overdue": replace(kind_only, due="overdue"),
    }
    rows = (
        Case.objects.filter(state__in=OPEN_STATES)
        .values("assignee")
        .annotate(
            **{
                name: Count("pk", filter=case_filter_q(filters, today=today, calendar=calendar))
                for name, filters in columns.items()
            }
        )
        .order_by()
    )
    counts = {row["assignee"]: row for row in rows}
    people = worker_choices()
    people.append(("none", _("Nobody (unassigned)")))
    for key, name in people:
        if f.assignee and key != f.assignee:
            continue
        row = counts.get(None if key == "none" else int(key), {})
        board.workload.append(
            WorkloadRow(
                name,
                *[
                    Figure(int(row.get(column, 0)), replace(filters, assignee=key))
                    for column, filters in columns.items()
                ],
            )
        )


def durations(observations: Iterable[tuple[int, int]]) -> Durations:
    """Median and 90th percentile (nearest rank) of (value, how many times) observations."""
    ordered = sorted(observations)
    total = sum(n for _value, n in ordered)
    if total == 0:
        return Durations(0, None, None)
    return Durations(total, _nearest_rank(ordered, total, 50), _nearest_rank(ordered, total, 90))


def _nearest_rank(ordered: list[tuple[int, int]], total: int, percent: int) -> int:
    rank = math.ceil(percent * total / 100)
    seen = 0
    for value, n in ordered:
        seen += n
        if seen >= rank:
            return value
    return ordered[-1][0]

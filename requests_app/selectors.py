"""Reads: the querysets and facts that pages, tasks and exports show.

Each selector runs a fixed number of queries whatever the page size or history length; the
tests count them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Case as Choose
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from identity.gate import documents_prefetch
from identity.names import address_key
from requests_app import deadlines
from requests_app.audit import AuditEvent
from requests_app.business_calendar import BusinessCalendar, load_calendar
from requests_app.choices import (
    ART39_DAYS,
    AWAITING_REPLY_STATES,
    HELD_STATES,
    OPEN_STATES,
    WAITING_ON_REQUESTER_STATES,
    CaseState,
)
from requests_app.letters.kinds import DECIDING_KINDS
from requests_app.letters.models import Letter, LetterStatus
from requests_app.models import Case, Note, RequestItem, case_transitions, transition_for
from requests_app.people import name_from
from requests_app.permissions import Capability
from requests_app.search import Term, text_key
from requests_app.workflow import actor_blockers, blockers_for


@dataclass(frozen=True)
class CaseFilters:
    """Which cases: the case list's filters. The dashboard's numbers are counts of exactly
    these filters (`case_filter_q`), so a number and the list it links to always agree."""

    state: str = ""  # a CaseState value, "open", "waiting" (on the requester), "all" or ""
    kind: str = ""
    assignee: str = ""  # a user id, "none", "<user id>+none" (theirs or nobody's), or ""
    due: str = ""  # "overdue", "week", "soon" or ""
    q: str = ""
    arrival_from: date | None = None
    arrival_to: date | None = None
    replied_from: date | None = None
    replied_to: date | None = None
    timeliness: str = ""  # of the reply: TIMELINESS keys, or ""
    letters: str = ""  # "to_mail" (ready, not yet mailed), "returned" (came back), or ""
    channel: str = ""  # a Channel value, or ""
    # "yes": only requests made by the published method, i.e. not those that came by
    # telephone, e-mail or in person and still wait for the written request. The SLA
    # dashboard counts only these: no deadline runs for the others yet.
    written: str = ""

    def as_params(self) -> dict[str, str]:
        """The filters as URL query parameters (only those that are set)."""
        params = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if value:
                params[name] = value.isoformat() if isinstance(value, date) else str(value)
        return params

    def list_params(self) -> dict[str, str]:
        """The parameters of the case list page that shows exactly these cases. The page
        opens on the open cases when no state is given, so "every state" is said ("all")."""
        return {"state": "all", **self.as_params()}

    @classmethod
    def from_params(cls, params: Any) -> CaseFilters:
        """Back from `as_params` (or stored JSON); unknown keys are ignored."""
        values: dict[str, Any] = {}
        for name, spec in cls.__dataclass_fields__.items():
            raw = params.get(name) or ""
            if spec.default is None:
                values[name] = date.fromisoformat(raw) if raw else None
            else:
                values[name] = str(raw)
        return cls(**values)

    @classmethod
    def from_cleaned(cls, data: Any) -> CaseFilters:
        """From a filter form's cleaned data (missing fields keep their defaults)."""
        return cls(
            **{
                name: data[name] if data.get(name) else _default(spec)
                for name, spec in cls.__dataclass_fields__.items()
            }
        )


def _default(spec: Any) -> Any:
    return spec.default


# How a reply compares with the case's due date (SLA) and with the Art. 39 date.
TIMELINESS = ("on_time", "late", "art39_on_time", "art39_late")


# What the case list shows; loading only these keeps a page of 25 cheap to build.
LIST_FIELDS = (
    "reference",
    "state",
    "arrival_date",
    "due_date",
    "warning_date",
    "waiting_since",
    "clock_paused",
    "requester__name",
    "requester__name_kana",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
)


# What a search result also shows: why it matched (search.Term.reasons reads these).
SEARCH_FIELDS = (
    "requester__address",
    "requester__postal_code",
    "requester__phone",
    "requester__email",
    "registered_mail_number",
    "agent_name",
    "agent_name_kana",
    "agent_address",
)
# The case list's sortable columns: the URL's `sort` (a leading "-" reverses it).
SORTS: dict[str, tuple[Any, ...]] = {
    "reference": ("reference",),
    "arrival": ("arrival_date", "id"),
    "due": ("due_date", "id"),
    "state": (
        Choose(  # in the order of the state machine, not alphabetical
            *[When(state=state, then=Value(index)) for index, state in enumerate(CaseState)],
            default=Value(len(CaseState)),
        ),
        "due_date",
        "id",
    ),
    "assignee": ("assignee__last_name", "assignee__first_name", "assignee__username", "id"),
}
DEFAULT_SORT = "due"


def ordering(sort: str) -> list[Any]:
    """The ORDER BY of a `sort` value; an unknown one falls back to the due date."""
    key = sort.removeprefix("-")
    descending = sort.startswith("-") and key in SORTS
    columns = SORTS.get(key) or SORTS[DEFAULT_SORT]
    expressions = [F(column) if isinstance(column, str) else column for column in columns]
    # Empty values (no assignee) sort last, and first when reversed, on every database.
    if descending:
        return [column.desc(nulls_first=True) for column in expressions]
    return [column.asc(nulls_last=True) for column in expressions]


def case_list(
    filters: CaseFilters,
    *,
    today: date | None = None,
    calendar: BusinessCalendar | None = None,
    sort: str = "-arrival",
) -> QuerySet[Case]:
    today = today or timezone.localdate()
    fields = (*LIST_FIELDS, *SEARCH_FIELDS) if filters.q else LIST_FIELDS
    cases = (
        Case.objects.select_related("requester", "assignee")
        .only(*fields)
        .prefetch_related(
            Prefetch("items", queryset=RequestItem.objects.only("id", "case_id", "kind"))
        )
    )
    return cases.filter(case_filter_q(filters, today=today, calendar=calendar)).order_by(
        *ordering(sort)
    )


def tracking_numbers(cases: list[Case]) -> dict[int, list[str]]:
    """The tracking numbers of these cases' letters (one query), to say why a search
    matched."""
    found: dict[int, list[str]] = {case.pk: [] for case in cases}
    rows = (
        Letter.objects.filter(case__in=cases)
        .exclude(tracking_number="")
        .values_list("case_id", "tracking_number")
    )
    for case_id, number in rows:
        found[case_id].append(number)
    return found


def case_filter_q(
    filters: CaseFilters,
    *,
    today: date,
    calendar: BusinessCalendar | None = None,
) -> Q:
    """The one place that says which cases a set of filters means (list, dashboard, export)."""
    q = Q()
    if filters.state == "open":
        q &= Q(state__in=OPEN_STATES)
    elif filters.state == "waiting":
        q &= Q(state__in=WAITING_ON_REQUESTER_STATES)
    elif filters.state and filters.state != "all":
        q &= Q(state=filters.state)
    if filters.kind:
        q &= Q(Exists(RequestItem.objects.filter(case=OuterRef("pk"), kind=filters.kind)))
    if filters.assignee == "none":
        q &= Q(assignee__isnull=True)
    elif filters.assignee.endswith("+none"):
        q &= Q(assignee_id=int(filters.assignee.removesuffix("+none"))) | Q(assignee__isnull=True)
    elif filters.assignee:
        q &= Q(assignee_id=int(filters.assignee))
    if filters.due == "overdue":
        q &= deadlines.overdue_q(today)
    elif filters.due == "week":
        q &= deadlines.due_this_week_q(today, calendar or load_calendar())
    elif filters.due == "soon":
        q &= due_soon_q(today)
    if filters.q:
        q &= Term.parse(filters.q).q()
    if filters.arrival_from:
        q &= Q(arrival_date__gte=filters.arrival_from)
    if filters.arrival_to:
        q &= Q(arrival_date__lte=filters.arrival_to)
    if filters.replied_from:
        q &= Q(reply_sent_on__gte=filters.replied_from)
    if filters.replied_to:
        q &= Q(reply_sent_on__lte=filters.replied_to)
    if filters.timeliness:
        q &= _timeliness_q(filters.timeliness)
    if filters.letters:
        q &= letters_q(filters.letters)
    if filters.channel:
        q &= Q(channel=filters.channel)
    if filters.written:
        q &= ~Q(state__in=HELD_STATES)
    return q


def letters_q(which: str) -> Q:
    """Cases with a letter to print or mail (the latest version of its kind, generated, not
    yet mailed, and approved if it decides), or one that came back undeliverable and has not
    been sent again since."""
    newer = Letter.objects.filter(
        case=OuterRef("case"), kind=OuterRef("kind"), version__gt=OuterRef("version")
    )
    latest = Letter.objects.filter(case=OuterRef("pk")).filter(~Exists(newer))
    if which == "to_mail":
        waiting = latest.filter(status=LetterStatus.READY, sent_on__isnull=True).filter(
            ~Q(kind__in=DECIDING_KINDS) | Q(approved_at__isnull=False)
        )
        return Q(Exists(waiting))
    if which == "returned":
        return Q(Exists(latest.filter(returned_on__isnull=False)))
    return Q(pk__in=[])


def due_soon_q(today: date) -> Q:
    """Open, the clock running, reminders have started (the policy's warning threshold) and
    not yet overdue."""
    return Q(
        state__in=AWAITING_REPLY_STATES,
        clock_paused=False,
        warning_date__lte=today,
        due_date__gte=today,
    )


def _timeliness_q(timeliness: str) -> Q:
    replied = Q(reply_sent_on__isnull=False)
    art39 = F("arrival_date") + timedelta(days=ART39_DAYS)
    return replied & {
        "on_time": Q(reply_sent_on__lte=F("due_date")),
        "late": Q(reply_sent_on__gt=F("due_date")),
        "art39_on_time": Q(reply_sent_on__lte=art39),
        "art39_late": Q(reply_sent_on__gt=art39),
    }.get(timeliness, Q(pk__in=[]))


def case_detail(reference: str) -> Case:
    """The case with everything its page shows, in a fixed number of queries."""
    return (
        Case.objects.select_related(
            "requester", "assignee", "created_by", "identity_guardian", "repeat_of"
        )
        .prefetch_related(
            "items",
            "fee_payments",
            Prefetch("repeats", queryset=Case.objects.only("id", "reference", "repeat_of_id")),
            Prefetch("notes", queryset=_notes()),
            documents_prefetch(),
        )
        .get(reference=reference)
    )


def _notes() -> QuerySet[Note]:
    return Note.objects.select_related("author")


# Opening a page is logged but is not part of the case's story; the timeline leaves it out.
ACCESS_ACTIONS = frozenset({"case.viewed", "case.letter.viewed"})


def case_timeline(case: Case) -> list[AuditEvent]:
    """The case's story, with who did each step (their names, not their login ids)."""
    return list(
        AuditEvent.objects.filter(case=case)
        .exclude(action__in=ACCESS_ACTIONS)
        .select_related("actor")
        .order_by("seq")
    )


def case_access_log(case: Case, *, limit: int = 20) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(case=case, action__in=ACCESS_ACTIONS)
        .select_related("actor")
        .order_by("-seq")[:limit]
    )


@dataclass(frozen=True)
class Action:
    """A transition as the case page shows it to one user."""

    name: str
    label: str
    target: str
    reason: str  # "none", "optional" or "required"
    tone: str
    blockers: list[str] = field(default_factory=list)
    own_form: bool = False  # drawn by its own form on the page, not as a plain button
    # Happens by itself (the request to the person is recorded as mailed): explained on the
    # page, never a button.
    automatic: bool = False

    @property
    def enabled(self) -> bool:
        return not self.blockers


def case_actions(case: Case, user: Any) -> list[Action]:
    """The transitions out of the case's state that this user's role allows.

    Transitions whose guards fail are returned too, with the reasons, so the page can say
    what is missing instead of hiding the step.
    """
    actions = []
    for name in case_transitions():
        chosen = transition_for(case, name)
        if chosen is None or not chosen.has_perm(case, user):
            continue
        blockers = actor_blockers(case, chosen, user) + blockers_for(case, chosen.conditions)
        # A step for a few cases only (an inquiry taken up without documents) is offered
        # where it applies, not shown disabled on every other case.
        if blockers and chosen.custom.get("only_where_possible"):
            continue
        actions.append(
            Action(
                name=name,
                label=str(chosen.custom["label"]),
                target=str(chosen.target),
                reason=chosen.custom.get("reason", "none"),
                tone=chosen.custom.get("tone", "primary"),
                blockers=blockers,
                own_form=bool(chosen.custom.get("own_form")),
                automatic=bool(chosen.custom.get("automatic")),
            )
        )
    return actions


def state_label(value: str) -> str:
    return str(CaseState(value).label) if value in CaseState.values else value


@dataclass(frozen=True)
class ItemDeadline:
    kind: str
    policy: deadlines.Policy
    due_date: date


@dataclass(frozen=True)
class DeadlinePanel:
    """What the case page says about the deadline, derived from the history shown with it."""

    due_date: date
    business_days_left: int
    overdue: bool
    due_soon: bool
    art39_date: date
    paused: bool
    waiting_since: date | None
    waited_days: int
    items: list[ItemDeadline]
    extensions: list[AuditEvent]
    flagged_on: date | None

    @property
    def business_days_late(self) -> int:
        return -self.business_days_left


def deadline_panel(
    case: Case, timeline: list[AuditEvent], *, calendar: BusinessCalendar, today: date
) -> DeadlinePanel:
    """The case's deadline from the events the page already loaded (one query: policies)."""
    policies = deadlines.load_policies()
    found = deadlines.deadline_of(
        case, events=timeline, policies=policies, calendar=calendar, today=today
    )
    return DeadlinePanel(
        due_date=found.due_date,
        business_days_left=calendar.business_days_between(today, found.due_date),
        overdue=deadlines.is_overdue(case, today),
        due_soon=not found.clock_paused and found.warning_date <= today <= found.due_date,
        art39_date=case.art39_date,
        paused=found.clock_paused,
        waiting_since=found.waiting_since,
        waited_days=(today - found.waiting_since).days if found.waiting_since else 0,
        items=[
            ItemDeadline(kind, policies.get(kind, deadlines.DEFAULT_POLICY), due)
            for kind, due in found.item_due.items()
            if kind
        ],
        extensions=[event for event in timeline if event.action == deadlines.EXTENSION_ACTION],
        flagged_on=case.flagged_for_abandonment_on,
    )


def workers() -> QuerySet[Any]:
    """The users cases can be assigned to: holders of the work capability."""
    user_model = get_user_model()
    codename = Capability.WORK_CASES.value
    return (
        user_model.objects.filter(is_active=True)
        .filter(groups__permissions__codename=codename)
        .distinct()
        .order_by("username")
    )


def worker_choices() -> list[tuple[str, str]]:
    """The workers as (id, name) choices: what filter forms and the dashboard's workload
    list need, read as plain rows (every list page draws them; model instances of the whole
    user row cost more than the page's own rows)."""
    return [
        (str(pk), name_from(username, first_name, last_name))
        for pk, username, first_name, last_name in workers().values_list(
            "pk", "username", "first_name", "last_name"
        )
    ]


# How far back a closed case still counts as a possible earlier request of the same person.
DUPLICATE_LOOKBACK_DAYS = 365


def possible_duplicates(
    *, name: str, date_of_birth: date | None, address: str, today: date | None = None
) -> list[Case]:
    """Cases of the same person: open, or closed in the last year, whose requester has the
    same normalised name and either the same date of birth or the same address (search.py's
    keys: spaces, kana forms and variant kanji do not matter)."""
    today = today or timezone.localdate()
    name_key = text_key(name)
    place_key = text_key(address_key(address))
    if not name_key:
        return []
    recent = Q(state__in=OPEN_STATES) | Q(
        closed_at__date__gte=today - timedelta(days=DUPLICATE_LOOKBACK_DAYS)
    )
    same_birth_or_place = Q(requester__date_of_birth=date_of_birth) if date_of_birth else Q()
    if place_key:
        same_birth_or_place |= Q(search_text__contains=place_key)
    candidates = (
        Case.objects.filter(recent, same_birth_or_place, search_text__contains=name_key)
        .select_related("requester")
        .prefetch_related(
            Prefetch("items", queryset=RequestItem.objects.only("id", "case_id", "kind"))
        )
        .order_by("-arrival_date", "-id")[:20]
    )
    return [
        case
        for case in candidates
        if text_key(case.requester.name) == name_key
        and (
            case.requester.date_of_birth == date_of_birth
            or (place_key and text_key(address_key(case.requester.address)) == place_key)
        )
    ]

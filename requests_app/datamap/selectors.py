"""Reads of the data map: systems and departments, the searches of a case, a department
contact's tasks, and the register of provision records. Each in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet, Window
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from identity.names import kana_key, name_key
from requests_app.choices import OPEN_STATES, CaseState, Relationship, RequestKind
from requests_app.datamap import rules
from requests_app.datamap.choices import (
    UNFINISHED,
    WAITING_FOR_DEPARTMENT,
    ConnectorState,
    DataItem,
    FindingState,
    SearchKey,
    SearchResult,
    TaskStatus,
)
from requests_app.datamap.connector import SearchParams
from requests_app.datamap.models import (
    ChangeReport,
    DataSystem,
    Department,
    Finding,
    ProvisionDisclosure,
    ProvisionRecord,
    SearchTask,
)
from requests_app.letters.purposes import purpose_choices, purpose_codes
from requests_app.models import Requester, RequestItem
from requests_app.permissions import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from requests_app.models import Case

# Cases whose searches are still under way: a department answers only these.
SEARCHING_STATES = frozenset({CaseState.IN_PROGRESS, CaseState.AWAITING_COMPLETION})


# --- the data map ------------------------------------------------------------------------


def systems(*, include_archived: bool = True) -> QuerySet[DataSystem]:
    found = DataSystem.objects.select_related("department").prefetch_related("department__contacts")
    if not include_archived:
        found = found.filter(active=True)
    return found.order_by("-active", "department__name", "name")


def departments() -> QuerySet[Department]:
    return (
        Department.objects.prefetch_related("contacts")
        .annotate(system_count=Count("systems", filter=Q(systems__active=True)))
        .order_by("name")
    )


def contact_candidates() -> QuerySet[Any]:
    """The users who may be named a department's contact: active, with that role."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.DEPARTMENT_CONTACT.value)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def labels(choices: Any, values: Iterable[str]) -> list[str]:
    """The labels of a set of codes, in the order of their choices (unknown codes as is)."""
    held = list(values or ())
    known = [str(label) for value, label in choices.choices if value in held]
    return known + [value for value in held if value not in choices.values]


def purpose_labels(codes: Iterable[str], language: str) -> list[str]:
    wanted = set(codes or ())
    return [label for code, label in purpose_choices(language) if code in wanted]


@dataclass(frozen=True)
class SystemView:
    """A system with its sets spelt out in the active language, for pages and exports."""

    system: DataSystem
    relationships: list[str]
    search_keys: list[str]
    items: list[str]
    purposes: list[str]


def system_view(system: DataSystem, language: str) -> SystemView:
    return SystemView(
        system=system,
        relationships=labels(Relationship, system.relationships),
        search_keys=labels(SearchKey, system.search_keys),
        items=labels(DataItem, system.items),
        purposes=purpose_labels(system.purposes, language),
    )


# --- searches of a case ------------------------------------------------------------------


def case_tasks(case: Case) -> list[SearchTask]:
    """Every search task of the case with its answer, oldest first (four queries)."""
    return list(
        SearchTask.objects.filter(case=case)
        .select_related("system", "department", "answered_by", "reviewed_by", "created_by")
        .prefetch_related(
            Prefetch("findings", queryset=Finding.objects.order_by("id")),
            Prefetch("changes", queryset=ChangeReport.objects.order_by("id")),
            "department__contacts",
        )
        .order_by("id")
    )


def proposals(case: Case, tasks: list[SearchTask]) -> list[rules.Proposal]:
    """The systems to search, minus those already being searched (or searched)."""
    tasked = {task.system_id for task in tasks if task.status != TaskStatus.CANCELLED}
    candidates = [s for s in systems(include_archived=False) if s.pk not in tasked]
    return rules.propose(
        candidates,
        relationships=case.requester.relationships,
        kinds=[item.kind for item in case.items.all()],
    )


def other_systems(
    case: Case, tasks: list[SearchTask], proposed: list[rules.Proposal]
) -> list[DataSystem]:
    """Systems in use that staff may add to the search besides the proposed ones."""
    taken = {task.system_id for task in tasks if task.status != TaskStatus.CANCELLED}
    taken |= {proposal.system.pk for proposal in proposed}
    kinds = [item.kind for item in case.items.all()]
    return [
        system
        for system in systems(include_archived=False)
        if system.pk not in taken and rules.kinds_for_system(system, kinds)
    ]


def search_params(requester: Requester) -> SearchParams:
    """The person's details as a connector's query receives them (bound, never in the SQL)."""
    return SearchParams(
        name=name_key(requester.name),
        name_kana=kana_key(requester.name_kana),
        date_of_birth=requester.date_of_birth.isoformat() if requester.date_of_birth else "",
        postal_code="".join(ch for ch in requester.postal_code if ch.isdigit()),
        phone="".join(ch for ch in requester.phone if ch.isdigit()),
        email=requester.email.strip().lower(),
    )


def person_details(task: SearchTask) -> list[tuple[str, str]]:
    """What a department contact is shown of the person: only the details the data map
    says their system is searched by (label, value)."""
    person = task.case.requester
    keys = set(task.system.search_keys)
    shown = []
    if SearchKey.NAME in keys:
        shown.append((str(SearchKey.NAME.label), person.name))
    if SearchKey.NAME_KANA in keys:
        shown.append((str(SearchKey.NAME_KANA.label), person.name_kana))
    if SearchKey.DATE_OF_BIRTH in keys:
        shown.append((str(SearchKey.DATE_OF_BIRTH.label), person.date_of_birth.isoformat()))
    if SearchKey.ADDRESS in keys:
        shown.append((str(SearchKey.ADDRESS.label), f"〒{person.postal_code} {person.address}"))
    if SearchKey.PHONE in keys and person.phone:
        shown.append((str(SearchKey.PHONE.label), person.phone))
    if SearchKey.EMAIL in keys and person.email:
        shown.append((str(SearchKey.EMAIL.label), person.email))
    return shown


# --- a department contact's tasks ------------------------------------------------------------


def contact_open_tasks(
    user: User, *, departments: Iterable[int] | None = None
) -> QuerySet[SearchTask]:
    """The tasks a contact still has to answer, due first: their departments' open or
    returned tasks on cases still being worked on. `departments`: the contact's department
    ids, when the caller already has them."""
    mine: Any = (
        Department.objects.filter(contacts=user).values("pk")
        if departments is None
        else list(departments)
    )
    return SearchTask.objects.filter(
        department__in=mine,
        status__in=WAITING_FOR_DEPARTMENT,
        case__state__in=SEARCHING_STATES,
    ).order_by("due_date", "id")


@dataclass(frozen=True)
class TaskRow:
    """One line of a contact's list, every value ready to print (a list of 25 is read on
    every visit of a contact's home: nothing is left for the template to work out)."""

    pk: int
    url: str
    system: str
    reference: str
    kinds: str
    due: str
    overdue: bool
    notes: tuple[tuple[str, str], ...]  # (css class, text) of the badges it wears


@dataclass(frozen=True)
class TaskPage:
    """A page of a contact's open tasks (the list's own little paginator)."""

    rows: list[TaskRow]
    count: int
    number: int
    num_pages: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def has_other_pages(self) -> bool:
        return self.num_pages > 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def contact_task_page(
    user: User, page: str | None, *, size: int = 25, departments: Iterable[int] | None = None
) -> TaskPage:
    """One page of a contact's open tasks, due first, with how many there are in all: one
    query (the total comes with the rows, counted before the page is cut)."""
    number = int(page) if page and page.isdigit() and int(page) > 0 else 1
    english = (translation.get_language() or "ja").startswith("en")
    fetched = list(
        contact_open_tasks(user, departments=departments)
        .annotate(total=Window(Count("id")))
        .values_list(
            "pk",
            "case__reference",
            "system__name",
            "system__name_en",
            "kinds",
            "due_date",
            "status",
            "connector_state",
            "total",
        )[(number - 1) * size : number * size]
    )
    if not fetched and number > 1:
        return contact_task_page(user, "1", size=size, departments=departments)
    total = fetched[0][-1] if fetched else 0
    today = timezone.localdate()
    prefix = reverse("datamap:task_list")
    kind_label = {value: str(label) for value, label in RequestKind.choices}
    rows = [
        TaskRow(
            pk=pk,
            url=f"{prefix}{pk}/",
            system=name_en if english and name_en else name,
            reference=reference,
            kinds=" / ".join(kind_label.get(kind, kind) for kind in kinds),
            due=due.isoformat(),
            overdue=due < today,
            notes=_task_notes(status, connector_state),
        )
        for pk, reference, name, name_en, kinds, due, status, connector_state, _total in fetched
    ]
    return TaskPage(rows=rows, count=total, number=number, num_pages=max(1, -(-total // size)))


def _task_notes(status: str, connector_state: str) -> tuple[tuple[str, str], ...]:
    notes = []
    if status == TaskStatus.RETURNED:
        notes.append(("badge", gettext("Returned: please answer again")))
    if connector_state == ConnectorState.DONE:
        notes.append(("badge ok-badge", gettext("Connector results to confirm")))
    elif connector_state == ConnectorState.FAILED:
        notes.append(("badge", gettext("Connector failed: search by hand")))
    return tuple(notes)


def contact_home(user: User, page: str | None) -> dict[str, Any]:
    """A department contact's home: their open tasks, due first, a page at a time, and the
    names of their departments. (What they answered has a page of its own.)"""
    english = (translation.get_language() or "ja").startswith("en")
    departments = list(
        Department.objects.filter(contacts=user)
        .order_by("name")
        .values_list("pk", "name", "name_en")
    )
    return {
        "page": contact_task_page(user, page, departments=[pk for pk, _n, _e in departments]),
        "departments": [
            name_en if english and name_en else name for _pk, name, name_en in departments
        ],
    }


def contact_answered_tasks(user: User) -> QuerySet[SearchTask]:
    """What the contact answered, latest first (their own answers, in their departments)."""
    return (
        SearchTask.objects.filter(
            department__in=Department.objects.filter(contacts=user).values("pk"),
            answered_by=user,
        )
        .exclude(status__in=WAITING_FOR_DEPARTMENT)
        .select_related("case", "system")
        .only(
            "id",
            "status",
            "answered_at",
            "result",
            "case__reference",
            "system__name",
            "system__name_en",
        )
        .order_by("-answered_at", "-id")
    )


def contact_task(user: User, task_id: int) -> SearchTask:
    """One task of the contact's departments (SearchTask.DoesNotExist otherwise: a task of
    another department is as unknown to them as one that does not exist)."""
    return (
        SearchTask.objects.filter(
            pk=task_id, department__in=Department.objects.filter(contacts=user).values("pk")
        )
        .select_related("case__requester", "system", "department")
        .prefetch_related(
            Prefetch("findings", queryset=Finding.objects.order_by("id")),
            Prefetch("changes", queryset=ChangeReport.objects.order_by("id")),
        )
        .get()
    )


def proposed_rows(task: SearchTask) -> list[tuple[str, list[Finding]]]:
    """A connector's proposed findings, grouped by the row they came from."""
    rows: dict[str, list[Finding]] = {}
    for finding in task.findings.all():
        if finding.state == FindingState.PROPOSED:
            rows.setdefault(finding.row_key, []).append(finding)
    return list(rows.items())


def confirmed_findings(task: SearchTask) -> list[Finding]:
    return [f for f in task.findings.all() if f.state == FindingState.CONFIRMED]


# --- the reminders' view of tasks ------------------------------------------------------------


def tasks_for_notices(day: date, *, case_id: int | None = None) -> list[SearchTask]:
    """Tasks that may call for a message on `day`: waiting for the department from their
    reminder date on, sent or returned that day, or answered that day (to the assignee)."""
    waiting = Q(case__state__in=SEARCHING_STATES) & (
        Q(status__in=WAITING_FOR_DEPARTMENT, warning_date__lte=day)
        | Q(status=TaskStatus.OPEN, sent_on=day)
        | Q(status=TaskStatus.RETURNED, returned_on=day)
    )
    answered = Q(case__state__in=OPEN_STATES, status=TaskStatus.ANSWERED, answered_at__date=day)
    found = SearchTask.objects.filter(waiting | answered)
    if case_id is not None:
        found = found.filter(case_id=case_id)
    return list(
        found.select_related("case__assignee__preference", "system", "department")
        .prefetch_related("department__contacts__preference")
        .order_by("case_id", "id")
    )


# --- unfinished work, for the case's guard and the home page -------------------------------


def unfinished_count(case: Case) -> int:
    return SearchTask.objects.filter(case=case, status__in=UNFINISHED).count()


# --- records of provision to third parties ---------------------------------------------------


def provision_records(
    *, system_id: int | None = None, query: str = ""
) -> QuerySet[ProvisionRecord]:
    found = ProvisionRecord.objects.select_related("system__department", "entered_by")
    if system_id:
        found = found.filter(system_id=system_id)
    if query.strip():
        key = name_key(query)
        found = found.filter(
            Q(person_key__contains=key)
            | Q(counterpart_name__icontains=query.strip())
            | Q(person_identifier__icontains=query.strip())
        )
    return found.order_by("-last_provision_on", "-id")


def records_matching(requester: Requester) -> list[ProvisionRecord]:
    """The register's records that may be the person's: the same name (as identity.names
    compares names) and, where the record has one, the same date of birth."""
    return list(
        ProvisionRecord.objects.filter(person_key=name_key(requester.name))
        .filter(
            Q(person_date_of_birth__isnull=True) | Q(person_date_of_birth=requester.date_of_birth)
        )
        .select_related("system")
        .order_by("-last_provision_on", "-id")
    )


def item_provisions(item: RequestItem) -> list[ProvisionDisclosure]:
    return list(
        ProvisionDisclosure.objects.filter(item=item)
        .select_related("record__system", "linked_by", "row")
        .order_by("record__last_provision_on", "record_id")
    )


def records_item(case: Case) -> RequestItem | None:
    """The case's request for the records of provision (Art. 33(5)), if it has one."""
    for item in case.items.all():
        if item.kind == RequestKind.THIRD_PARTY_RECORDS:
            return item
    return None


def person_key_of(name: str) -> str:
    return name_key(name)


def kana_key_of(kana: str) -> str:
    return kana_key(kana)


def records_held_for_open_requests(record_ids: Iterable[int]) -> set[int]:
    """Of these records, those of a person with an open request to disclose the records
    (Art. 33(5)): linked to such a request, or bearing the requester's name (and date of
    birth, where the record has one). The retention task keeps them until it is answered."""
    ids = list(record_ids)
    open_items = RequestItem.objects.filter(
        kind=RequestKind.THIRD_PARTY_RECORDS, case__state__in=OPEN_STATES
    )
    held = set(
        ProvisionDisclosure.objects.filter(record_id__in=ids, item__in=open_items).values_list(
            "record_id", flat=True
        )
    )
    people = {
        (name_key(name), born)
        for name, born in Requester.objects.filter(
            cases__items__kind=RequestKind.THIRD_PARTY_RECORDS, cases__state__in=OPEN_STATES
        ).values_list("name", "date_of_birth")
    }
    if not people:
        return held
    keys = {key for key, _born in people}
    for pk, key, born in ProvisionRecord.objects.filter(
        pk__in=ids, person_key__in=keys
    ).values_list("pk", "person_key", "person_date_of_birth"):
        if any(
            key == person and (born is None or born == person_born)
            for person, person_born in people
        ):
            held.add(pk)
    return held


def purposes_where_found(case: Case) -> list[str]:
    """The purpose codes of the systems where the person was found: their departments'
    answers said "found" and staff accepted them (in the order of the policy)."""
    held: set[str] = set()
    for purposes in SearchTask.objects.filter(
        case=case, status=TaskStatus.ACCEPTED, result=SearchResult.FOUND
    ).values_list("system__purposes", flat=True):
        held.update(purposes or ())
    return [code for code in purpose_codes() if code in held]

"""Writes of the data map, the search tasks and the provision register: one function per
business event, each in one transaction with its audit entry, side effects after commit.

Who may do what: managers and administrators edit the data map (MANAGE_DATA_MAP); staff send
search tasks, review the answers and keep the provision register (WORK_CASES); a department
contact answers the tasks of their own departments (ANSWER_SEARCHES, and being one of the
department's contacts).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from requests_app import audit, queue
from requests_app.business_calendar import load_calendar
from requests_app.choices import CaseState, Relationship, RequestKind
from requests_app.datamap import connector, rules, selectors
from requests_app.datamap.choices import (
    WAITING_FOR_DEPARTMENT,
    ChangeAction,
    ConnectorState,
    DataItem,
    FindingOrigin,
    FindingState,
    OrderExclusion,
    ProvisionBasis,
    ProvisionDirection,
    SearchKey,
    SearchMethod,
    SearchResult,
    TaskStatus,
)
from requests_app.datamap.csvimport import CsvFile
from requests_app.datamap.models import (
    ChangeReport,
    DataSystem,
    Department,
    Finding,
    ProvisionDisclosure,
    ProvisionRecord,
    SearchTask,
)
from requests_app.errors import InvalidInput, NotPermitted
from requests_app.letters import services as letter_services
from requests_app.letters.models import DisclosedRecord
from requests_app.letters.purposes import purpose_codes
from requests_app.models import Case, RequestItem, SLAPolicy
from requests_app.permissions import Capability, require

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

DEFAULT_TASK_DAYS = 3
# What a department may report for each kind of change request.
ACTIONS_FOR_KIND: dict[str, frozenset[str]] = {
    RequestKind.CORRECTION: frozenset(
        {ChangeAction.CORRECTED, ChangeAction.ADDED, ChangeAction.DELETED, ChangeAction.CANNOT}
    ),
    RequestKind.DISCONTINUATION: frozenset(
        {ChangeAction.USE_STOPPED, ChangeAction.ERASED, ChangeAction.CANNOT}
    ),
    RequestKind.THIRD_PARTY_CESSATION: frozenset(
        {ChangeAction.PROVISION_STOPPED, ChangeAction.CANNOT}
    ),
}


# --- the data map: departments and systems ---------------------------------------------------


@dataclass(frozen=True)
class DepartmentData:
    name: str
    name_en: str = ""
    contact_ids: tuple[int, ...] = ()


def department_save(
    *, actor: User, data: DepartmentData, department: Department | None = None
) -> Department:
    """Create a department or change it (its names and contacts); audited before and after."""
    require(actor, Capability.MANAGE_DATA_MAP)
    name, name_en = data.name.strip(), data.name_en.strip()
    if not name:
        raise InvalidInput(_("A department needs a name."))
    contacts = list(selectors.contact_candidates().filter(pk__in=data.contact_ids))
    if len(contacts) != len(set(data.contact_ids)):
        raise InvalidInput(_("Department contacts must be active users with that role."))
    with transaction.atomic():
        if department is None:
            locked = Department(name=name, name_en=name_en)
            before: dict[str, Any] = {}
        else:
            locked = Department.objects.select_for_update().get(pk=department.pk)
            before = _department_facts(locked)
        locked.name, locked.name_en = name, name_en
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError as error:
            raise InvalidInput(_("Another department has this name.")) from error
        locked.contacts.set(contacts)
        after = _department_facts(locked)
        changes = _changes(before, after)
        if department is not None and not changes:
            return locked
        audit.record(
            action="datamap.department.created"
            if department is None
            else "datamap.department.changed",
            actor=actor,
            payload={"department": locked.pk, "name": locked.name, "changes": changes},
        )
    return locked


def _department_facts(department: Department) -> dict[str, Any]:
    return {
        "name": department.name,
        "name_en": department.name_en,
        "contacts": sorted(user.get_username() for user in department.contacts.all()),
    }


@dataclass(frozen=True)
class SystemData:
    """One row of the data map as a form hands it over."""

    name: str
    department_id: int
    retention: str
    relationships: tuple[str, ...]
    search_keys: tuple[str, ...]
    items: tuple[str, ...]
    purposes: tuple[str, ...] = ()
    name_en: str = ""
    description: str = ""
    subcontractors: str = ""
    shared_with_group: bool = False
    third_parties: str = ""
    abroad: str = ""
    requests_apply: bool = True
    search_method: str = SearchMethod.MANUAL
    connector: str = ""
    connector_query: str = ""
    active: bool = True


SYSTEM_FIELDS = tuple(f.name for f in fields(SystemData))


def system_problems(data: SystemData) -> dict[str, list[str]]:
    """What is wrong with a row of the data map, by field (empty when it can be saved)."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    if not data.name.strip():
        add("name", _("A system needs a name."))
    if not data.retention.strip():
        add("retention", _("Say how long the data is kept."))
    for field, allowed in (
        ("relationships", Relationship.values),
        ("search_keys", SearchKey.values),
        ("items", DataItem.values),
        ("purposes", purpose_codes()),
    ):
        values = getattr(data, field)
        if not set(values) <= set(allowed) or len(set(values)) != len(values):
            add(field, _("Choose from the list."))
    if not data.relationships:
        add("relationships", _("Whose data does it hold? Choose at least one."))
    if data.requests_apply and not data.search_keys:
        add("search_keys", _("What can the department search it by? Choose at least one."))
    if not data.items:
        add("items", _("Which items does it hold? Choose at least one."))
    if data.search_method not in SearchMethod.values:
        add("search_method", _("Choose how it is searched."))
    if data.search_method == SearchMethod.CONNECTOR:
        if data.connector not in settings.DATAMAP_CONNECTORS:
            add(
                "connector",
                _("No database called “%(name)s” is configured on this server (%(setting)s).")
                % {"name": data.connector, "setting": "DATAMAP_CONNECTORS"},
            )
        for problem in connector.query_problems(data.connector_query):
            add("connector_query", query_problem_text(problem))
    return problems


def query_problem_text(code: str) -> str:
    if code == "empty":
        return _("Write the query.")
    if code == "several":
        return _("Write one statement only.")
    if code == "not_select":
        return _("The query must be a SELECT (it may start with WITH).")
    name = code.split(":", 1)[-1]
    return _("“:%(name)s” is not one of the details a query receives: %(allowed)s.") % {
        "name": name,
        "allowed": ", ".join(f":{p}" for p in connector.PARAMETERS),
    }


def _in_order(values: Iterable[str], order: Sequence[str]) -> list[str]:
    held = set(values)
    return [value for value in order if value in held]


def system_save(*, actor: User, data: SystemData, system: DataSystem | None = None) -> DataSystem:
    """Add a row to the data map or change one; every change audited before and after."""
    require(actor, Capability.MANAGE_DATA_MAP)
    problems = system_problems(data)
    if problems:
        raise InvalidInput(
            _("The system cannot be saved:"),
            details=[message for messages in problems.values() for message in messages],
        )
    department = Department.objects.filter(pk=data.department_id).first()
    if department is None:
        raise InvalidInput(_("Choose the owning department."))
    values: dict[str, Any] = asdict(data)
    values.pop("department_id")
    values["name"], values["name_en"] = data.name.strip(), data.name_en.strip()
    values["relationships"] = _in_order(data.relationships, Relationship.values)
    values["search_keys"] = _in_order(data.search_keys, SearchKey.values)
    values["items"] = _in_order(data.items, DataItem.values)
    values["purposes"] = _in_order(data.purposes, purpose_codes())
    if data.search_method != SearchMethod.CONNECTOR:
        values["connector"], values["connector_query"] = "", ""
    with transaction.atomic():
        if system is None:
            locked = DataSystem(department=department)
            before: dict[str, Any] = {}
        else:
            locked = (
                DataSystem.objects.select_for_update()
                .select_related("department")
                .get(pk=system.pk)
            )
            before = _system_facts(locked)
        locked.department = department
        for name, value in values.items():
            setattr(locked, name, value)
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError as error:
            raise InvalidInput(_("Another system on the data map has this name.")) from error
        changes = _changes(before, _system_facts(locked))
        if system is not None and not changes:
            return locked
        audit.record(
            action="datamap.system.created" if system is None else "datamap.system.changed",
            actor=actor,
            payload={"system": locked.pk, "name": locked.name, "changes": changes},
        )
    return locked


def _system_facts(system: DataSystem) -> dict[str, Any]:
    facts = {name: getattr(system, name) for name in SYSTEM_FIELDS if name != "department_id"}
    facts["department"] = system.department.name
    return facts


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: {"before": before.get(name), "after": value}
        for name, value in after.items()
        if before.get(name) != value
    }


def datamap_record_export(*, actor: User | None, file_format: str, systems: int) -> None:
    """Log that the data map was exported (a page download, or the command: no user)."""
    with transaction.atomic():
        audit.record(
            action="datamap.exported",
            actor=actor,
            payload={"format": file_format, "systems": systems},
        )


# --- search tasks: sending -------------------------------------------------------------------


def _task_days(kinds: Iterable[str]) -> int:
    days = list(
        SLAPolicy.objects.filter(kind__in=list(kinds)).values_list("search_task_days", flat=True)
    )
    return min(days) if days else DEFAULT_TASK_DAYS


def searches_send(*, case: Case, actor: User, system_ids: Sequence[int]) -> list[SearchTask]:
    """Send a search task to the department of each chosen system (the proposal, as staff
    confirmed or adjusted it). Each task is due the SLA policy's number of business days
    after today; the contacts are told by e-mail and connected systems search at once."""
    require(actor, Capability.WORK_CASES)
    chosen = list(dict.fromkeys(system_ids))
    if not chosen:
        raise InvalidInput(_("Choose at least one system to search."))
    calendar, today = load_calendar(), timezone.localdate()
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("requester").get(pk=case.pk)
        if locked.state not in selectors.SEARCHING_STATES:
            raise InvalidInput(_("Searches are sent once work on the case has started."))
        kinds = [item.kind for item in locked.items.all()]
        found = {
            system.pk: system
            for system in DataSystem.objects.select_related("department")
            .prefetch_related("department__contacts")
            .filter(pk__in=chosen, active=True)
        }
        live = set(
            SearchTask.objects.filter(case=locked)
            .exclude(status=TaskStatus.CANCELLED)
            .values_list("system_id", flat=True)
        )
        problems = []
        plan = []
        for system_id in chosen:
            system = found.get(system_id)
            if system is None:
                problems.append(_("A chosen system is not on the data map (or no longer in use)."))
                continue
            for_kinds = rules.kinds_for_system(system, kinds)
            if system.pk in live:
                problems.append(
                    _("“%(system)s” is already being searched.") % {"system": system.label}
                )
            elif not for_kinds:
                problems.append(
                    _("None of the kinds asked concerns “%(system)s”.") % {"system": system.label}
                )
            elif not system.department.contacts.exists():
                problems.append(
                    _("“%(department)s” has no department contact to send the task to.")
                    % {"department": system.department.label}
                )
            else:
                plan.append((system, for_kinds))
        if problems:
            raise InvalidInput(_("The search tasks were not sent:"), details=problems)
        due = calendar.add_business_days(today, _task_days(kinds))
        warning = max(today, calendar.add_business_days(due, -1))
        tasks = []
        for system, for_kinds in plan:
            tasks.append(
                SearchTask.objects.create(
                    case=locked,
                    system=system,
                    department=system.department,
                    kinds=list(for_kinds),
                    sent_on=today,
                    due_date=due,
                    warning_date=warning,
                    created_by=actor,
                    connector_state=ConnectorState.QUEUED if system.uses_connector else "",
                    connector_queued_at=timezone.now() if system.uses_connector else None,
                )
            )
        audit.record(
            action="case.search.sent",
            actor=actor,
            case=locked,
            payload={
                "due_date": due.isoformat(),
                "tasks": [
                    {
                        "task": task.pk,
                        "system": task.system.name,
                        "department": task.department.name,
                        "kinds": task.kinds,
                    }
                    for task in tasks
                ],
            },
        )
        _notify_after_commit(locked.pk)
        for task in tasks:
            if task.connector_state == ConnectorState.QUEUED:
                queue.publish_on_commit(queue.RUN_CONNECTOR, task.pk)
    return tasks


def _notify_after_commit(case_id: int) -> None:
    """Tell whoever a change to the case's searches concerns, today (at most once each);
    a broker that is down costs nothing: the deadline sweep finds it again."""
    queue.publish_on_commit(queue.SEND_TASK_NOTICES, case_id, timezone.localdate().isoformat())


def task_cancel(*, task: SearchTask, actor: User, reason: str) -> SearchTask:
    """Staff withdraw a search task (sent to the wrong system, or no longer needed)."""
    require(actor, Capability.WORK_CASES)
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Please give a reason for this step."))
    with transaction.atomic():
        case, locked = _lock_task(task)
        if locked.status in (TaskStatus.ACCEPTED, TaskStatus.CANCELLED):
            raise InvalidInput(_("An accepted or cancelled task cannot be cancelled."))
        before = locked.status
        locked.status = TaskStatus.CANCELLED
        locked.save(update_fields=["status"])
        audit.record(
            action="case.search.cancelled",
            actor=actor,
            case=case,
            reason=reason,
            payload=_task_payload(locked, before=before),
        )
    return locked


def _lock_task(task: SearchTask) -> tuple[Case, SearchTask]:
    case = Case.objects.select_for_update().get(pk=task.case_id)
    locked = (
        SearchTask.objects.select_for_update()
        .select_related("system", "department")
        .get(pk=task.pk)
    )
    return case, locked


def _task_payload(task: SearchTask, **extra: Any) -> dict[str, Any]:
    return {
        "task": task.pk,
        "system": task.system.name,
        "department": task.department.name,
        "status": task.status,
        **extra,
    }


# --- search tasks: the department's answer -----------------------------------------------------


def _require_contact(actor: User, task: SearchTask) -> None:
    require(actor, Capability.ANSWER_SEARCHES)
    if not task.department.contacts.filter(pk=actor.pk).exists():
        raise NotPermitted()


def _lock_for_answer(task: SearchTask, actor: User) -> tuple[Case, SearchTask]:
    case, locked = _lock_task(task)
    _require_contact(actor, locked)
    if case.state not in selectors.SEARCHING_STATES:
        raise InvalidInput(_("This case is no longer being worked on; nothing can be changed."))
    if locked.status not in WAITING_FOR_DEPARTMENT:
        raise InvalidInput(_("This task has been answered; it can no longer be changed."))
    return case, locked


@dataclass(frozen=True)
class FindingData:
    category: str
    item: str
    content: str
    location: str


def finding_add(*, task: SearchTask, actor: User, data: FindingData) -> Finding:
    """The department records one item of the person's data it found."""
    values = {name: value.strip() for name, value in asdict(data).items()}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise InvalidInput(_("Fill in the category, the item, the content and where it is kept."))
    with transaction.atomic():
        case, locked = _lock_for_answer(task, actor)
        finding = Finding.objects.create(
            task=locked,
            origin=FindingOrigin.MANUAL,
            state=FindingState.CONFIRMED,
            entered_by=actor,
            **values,
        )
        audit.record(
            action="case.search.finding_added",
            actor=actor,
            case=case,
            payload=_task_payload(locked, finding=finding.pk, category=finding.category),
        )
    return finding


def finding_remove(*, finding: Finding, actor: User) -> None:
    with transaction.atomic():
        case, locked = _lock_for_answer(finding.task, actor)
        found = Finding.objects.select_for_update().get(pk=finding.pk, task=locked)
        if found.origin == FindingOrigin.CONNECTOR:
            raise InvalidInput(_("A connector's row is discarded, not removed."))
        audit.record(
            action="case.search.finding_removed",
            actor=actor,
            case=case,
            payload=_task_payload(locked, finding=found.pk, category=found.category),
        )
        found.delete()


def findings_decide_row(*, task: SearchTask, actor: User, row_key: str, confirm: bool) -> int:
    """The department confirms a connector's row as the person's data, or discards it."""
    with transaction.atomic():
        case, locked = _lock_for_answer(task, actor)
        updated = Finding.objects.filter(
            task=locked, row_key=row_key, state=FindingState.PROPOSED
        ).update(state=FindingState.CONFIRMED if confirm else FindingState.DISCARDED)
        if not updated:
            raise InvalidInput(_("This row has already been decided."))
        audit.record(
            action="case.search.row_confirmed" if confirm else "case.search.row_discarded",
            actor=actor,
            case=case,
            payload=_task_payload(locked, row=row_key, findings=updated),
        )
    return updated


@dataclass(frozen=True)
class ChangeData:
    kind: str
    action: str
    subject: str = ""
    before: str = ""
    after: str = ""
    done_on: date | None = None
    reason: str = ""


def change_problems(task: SearchTask, data: ChangeData) -> list[str]:
    problems = []
    if data.kind not in task.change_kinds:
        problems.append(_("This task does not ask for that kind of change."))
        return problems
    if data.action not in ACTIONS_FOR_KIND.get(data.kind, frozenset()):
        problems.append(_("Choose what was done for this kind of request."))
        return problems
    if data.action == ChangeAction.CANNOT:
        if not data.reason.strip():
            problems.append(_("Say why it could not be done."))
        return problems
    if not data.subject.strip():
        problems.append(_("Say what was changed."))
    if not data.after.strip():
        problems.append(_("Say how it is now (after)."))
    if data.done_on is None:
        problems.append(_("Give the day it was done."))
    elif data.done_on > timezone.localdate():
        problems.append(_("The day it was done cannot be in the future."))
    elif data.done_on < task.sent_on:
        problems.append(_("The day it was done is before the task was sent."))
    if data.action == ChangeAction.CORRECTED and data.before.strip() == data.after.strip():
        problems.append(_("Before and after are the same; nothing was changed."))
    return problems


def change_add(*, task: SearchTask, actor: User, data: ChangeData) -> ChangeReport:
    """The department records what it changed, stopped or erased, and when (or why not)."""
    with transaction.atomic():
        case, locked = _lock_for_answer(task, actor)
        problems = change_problems(locked, data)
        if problems:
            raise InvalidInput(problems[0], details=problems[1:])
        cannot = data.action == ChangeAction.CANNOT
        report = ChangeReport.objects.create(
            task=locked,
            kind=data.kind,
            action=data.action,
            subject=data.subject.strip(),
            before="" if cannot else data.before.strip(),
            after="" if cannot else data.after.strip(),
            done_on=None if cannot else data.done_on,
            reason=data.reason.strip() if cannot else "",
            entered_by=actor,
        )
        audit.record(
            action="case.search.change_added",
            actor=actor,
            case=case,
            payload=_task_payload(
                locked,
                change=report.pk,
                kind=report.kind,
                what_was_done=report.action,
                done_on=report.done_on.isoformat() if report.done_on else None,
            ),
        )
    return report


def change_remove(*, change: ChangeReport, actor: User) -> None:
    with transaction.atomic():
        case, locked = _lock_for_answer(change.task, actor)
        found = ChangeReport.objects.select_for_update().get(pk=change.pk, task=locked)
        audit.record(
            action="case.search.change_removed",
            actor=actor,
            case=case,
            payload=_task_payload(locked, change=found.pk, kind=found.kind),
        )
        found.delete()


def answer_problems(task: SearchTask, result: str) -> list[str]:
    """Why the department cannot send its answer yet (read from the task's rows)."""
    findings = list(task.findings.all())
    changes = list(task.changes.all())
    confirmed = [f for f in findings if f.state == FindingState.CONFIRMED]
    problems = []
    if any(f.state == FindingState.PROPOSED for f in findings):
        problems.append(_("Confirm or discard every row the connector proposed."))
    if result == SearchResult.NOTHING_FOUND:
        if confirmed or changes:
            problems.append(
                _("“Nothing found” cannot come with data found or changes made; remove them.")
            )
    elif result == SearchResult.FOUND:
        if not confirmed:
            problems.append(_("Enter what was found, item by item."))
        for kind in task.change_kinds:
            if not any(change.kind == kind for change in changes):
                problems.append(
                    _("“%(kind)s”: say what was done, and when, or why it could not be done.")
                    % {"kind": RequestKind(kind).label}
                )
    else:
        problems.append(_("Say whether the person was found."))
    return problems


def task_answer(
    *, task: SearchTask, actor: User, result: str, searched_on: date, searched_how: str
) -> SearchTask:
    """The department sends its answer: how and when it searched, and what it found (or
    that it found nothing), with what it changed for the kinds that ask for changes."""
    searched_how = searched_how.strip()
    if not searched_how:
        raise InvalidInput(_("Say how the system was searched."))
    with transaction.atomic():
        case, locked = _lock_for_answer(task, actor)
        if searched_on > timezone.localdate():
            raise InvalidInput(_("The day of the search cannot be in the future."))
        if searched_on < locked.sent_on:
            raise InvalidInput(_("The day of the search is before the task was sent."))
        problems = answer_problems(locked, result)
        if problems:
            raise InvalidInput(_("The answer cannot be sent yet:"), details=problems)
        before = locked.status
        locked.status = TaskStatus.ANSWERED
        locked.result = result
        locked.searched_on = searched_on
        locked.searched_how = searched_how
        locked.answered_by = actor
        locked.answered_at = timezone.now()
        locked.round += 1
        locked.save(
            update_fields=[
                "status",
                "result",
                "searched_on",
                "searched_how",
                "answered_by",
                "answered_at",
                "round",
            ]
        )
        audit.record(
            action="case.search.answered",
            actor=actor,
            case=case,
            payload=_task_payload(
                locked,
                before=before,
                result=result,
                searched_on=searched_on.isoformat(),
                round=locked.round,
                findings=len(selectors.confirmed_findings(locked)),
                changes_reported=locked.changes.count(),
            ),
        )
        _notify_after_commit(case.pk)
    return locked


# --- search tasks: staff's review ------------------------------------------------------------


def task_return(*, task: SearchTask, actor: User, comment: str) -> SearchTask:
    """Staff send an answer back to the department with a comment; it answers again."""
    require(actor, Capability.WORK_CASES)
    comment = comment.strip()
    if not comment:
        raise InvalidInput(_("Say what the department should check or add."))
    calendar, today = load_calendar(), timezone.localdate()
    with transaction.atomic():
        case, locked = _lock_task(task)
        if locked.status != TaskStatus.ANSWERED:
            raise InvalidInput(_("Only an answer waiting for review can be returned."))
        locked.status = TaskStatus.RETURNED
        locked.review_comment = comment
        locked.reviewed_by = actor
        locked.reviewed_at = timezone.now()
        locked.returned_on = today
        locked.due_date = max(
            locked.due_date,
            calendar.add_business_days(today, _task_days(locked.kinds)),
        )
        locked.warning_date = max(today, calendar.add_business_days(locked.due_date, -1))
        locked.save(
            update_fields=[
                "status",
                "review_comment",
                "reviewed_by",
                "reviewed_at",
                "returned_on",
                "due_date",
                "warning_date",
            ]
        )
        audit.record(
            action="case.search.returned",
            actor=actor,
            case=case,
            reason=comment,
            payload=_task_payload(locked, due_date=locked.due_date.isoformat()),
        )
        _notify_after_commit(case.pk)
    return locked


def task_accept(*, task: SearchTask, actor: User) -> SearchTask:
    """Staff accept a department's answer. What it found becomes rows of the disclosure
    letter (which staff may still reword), and what it changed becomes rows of the
    completion letters, with the day and the system."""
    require(actor, Capability.WORK_CASES)
    with transaction.atomic():
        case, locked = _lock_task(task)
        if locked.status != TaskStatus.ANSWERED:
            raise InvalidInput(_("Only an answer waiting for review can be accepted."))
        if case.state != CaseState.IN_PROGRESS:
            raise InvalidInput(_("Answers are accepted while the case is in progress."))
        items = {item.kind: item for item in RequestItem.objects.filter(case=case)}
        records = _findings_to_records(locked, items, actor)
        changes = _reports_to_changes(locked, items, actor)
        locked.status = TaskStatus.ACCEPTED
        locked.reviewed_by = actor
        locked.reviewed_at = timezone.now()
        locked.save(update_fields=["status", "reviewed_by", "reviewed_at"])
        audit.record(
            action="case.search.accepted",
            actor=actor,
            case=case,
            payload=_task_payload(
                locked, result=locked.result, disclosed_rows=records, completion_rows=changes
            ),
        )
    return locked


def _findings_to_records(task: SearchTask, items: dict[str, RequestItem], actor: User) -> int:
    item = items.get(RequestKind.DISCLOSURE)
    confirmed = selectors.confirmed_findings(task)
    if item is None or RequestKind.DISCLOSURE not in task.kinds or not confirmed:
        return 0
    rows = [
        letter_services.RecordRow(
            category=f.category, field=f.item, value=f.content, source=f.location[:200]
        )
        for f in confirmed
    ]
    created: list[DisclosedRecord] = letter_services.item_add_disclosed_records(
        item=item, actor=actor, rows=rows
    )
    for finding, record in zip(confirmed, created, strict=True):
        Finding.objects.filter(pk=finding.pk).update(record=record)
    return len(created)


def _reports_to_changes(task: SearchTask, items: dict[str, RequestItem], actor: User) -> int:
    made = 0
    for report in task.changes.all():
        item = items.get(report.kind)
        if item is None or report.cannot:
            continue
        change = letter_services.item_add_change(
            item=item,
            actor=actor,
            subject=report.subject,
            before=report.before,
            after=report.after,
            done_on=report.done_on,
            source=f"{task.department.name}・{task.system.name}"[:200],
        )
        ChangeReport.objects.filter(pk=report.pk).update(record=change)
        made += 1
    return made


def cannot_reports(
    case: Case, tasks: list[SearchTask] | None = None
) -> dict[str, list[ChangeReport]]:
    """The departments' accepted "could not be done", by kind: what staff turn into the
    item's outcome under the rules of its kind.

    `tasks`, every task of the case with its reports as `selectors.case_tasks` loads them
    (the case page has them already), spares the query."""
    reports: Iterable[ChangeReport]
    if tasks is None:
        reports = (
            ChangeReport.objects.filter(
                task__case=case, task__status=TaskStatus.ACCEPTED, action=ChangeAction.CANNOT
            )
            .select_related("task__system", "task__department")
            .order_by("id")
        )
    else:
        reports = sorted(
            (
                report
                for task in tasks
                if task.status == TaskStatus.ACCEPTED
                for report in task.changes.all()
                if report.action == ChangeAction.CANNOT
            ),
            key=lambda report: report.pk,
        )
    found: dict[str, list[ChangeReport]] = {}
    for report in reports:
        found.setdefault(report.kind, []).append(report)
    return found


# --- the connector ---------------------------------------------------------------------------


def task_rerun_connector(*, task: SearchTask, actor: User) -> SearchTask:
    """The department asks the connector to search again (e.g. after a time-out)."""
    with transaction.atomic():
        case, locked = _lock_for_answer(task, actor)
        if not locked.system.uses_connector:
            raise InvalidInput(_("This system is searched by hand."))
        if locked.connector_state in (ConnectorState.QUEUED, ConnectorState.RUNNING):
            raise InvalidInput(_("The connector is already searching."))
        locked.connector_state = ConnectorState.QUEUED
        locked.connector_queued_at = timezone.now()
        locked.connector_message = ""
        locked.save(update_fields=["connector_state", "connector_queued_at", "connector_message"])
        audit.record(
            action="case.search.connector_queued",
            actor=actor,
            case=case,
            payload=_task_payload(locked),
        )
        queue.publish_on_commit(queue.RUN_CONNECTOR, locked.pk)
    return locked


def task_run_connector(*, task_id: int) -> SearchTask | None:
    """Run a task's connector (the Celery task's body). Claimed with a conditional update, so
    two workers never run the same search; the query runs outside any transaction of the
    app's database, and its rows come back as proposed findings for the department."""
    now = timezone.now()
    claimed = SearchTask.objects.filter(pk=task_id, connector_state=ConnectorState.QUEUED).update(
        connector_state=ConnectorState.RUNNING, connector_started_at=now
    )
    if not claimed:
        return SearchTask.objects.filter(pk=task_id).first()
    task = SearchTask.objects.select_related("case__requester", "system", "department").get(
        pk=task_id
    )
    system = task.system
    try:
        outcome = connector.search(
            settings.DATAMAP_CONNECTORS.get(system.connector),
            system.connector_query,
            selectors.search_params(task.case.requester),
            timeout=settings.DATAMAP_CONNECTOR_TIMEOUT_SECONDS,
            row_cap=settings.DATAMAP_CONNECTOR_ROW_CAP,
        )
    except connector.ConnectorError as error:
        logger.warning("Connector of %s failed for task %s: %s", system.name, task_id, error)
        _connector_failed(task, error)
    else:
        _connector_done(task, outcome)
    return SearchTask.objects.get(pk=task_id)


def connector_message(reason: str, *, timeout: int, detail: str = "") -> str:
    """The sentence a department reads on its task when a connector's search failed."""
    if reason == connector.ConnectorError.NOT_CONFIGURED:
        return _(
            "The database of this system is not configured on the server; search by hand "
            "and answer below."
        )
    if reason == connector.ConnectorError.REJECTED:
        return _(
            "The connector's query was refused: it tried to change the database or is not "
            "allowed (%(detail)s). Nothing was changed. Search by hand and tell the data map's "
            "keeper."
        ) % {"detail": detail}
    if reason == connector.ConnectorError.TIMED_OUT:
        return _(
            "The search took longer than %(seconds)s seconds and was stopped. Try again later "
            "or search by hand."
        ) % {"seconds": timeout}
    return _("The search could not run (%(detail)s). Try again later or search by hand.") % {
        "detail": detail
    }


def _connector_failed(task: SearchTask, error: connector.ConnectorError) -> None:
    with transaction.atomic():
        case, locked = _lock_task(task)
        if locked.connector_state != ConnectorState.RUNNING:
            return
        locked.connector_state = ConnectorState.FAILED
        locked.connector_finished_at = timezone.now()
        locked.connector_message = connector_message(
            error.reason,
            timeout=settings.DATAMAP_CONNECTOR_TIMEOUT_SECONDS,
            detail=error.detail[:300],
        )
        locked.save(update_fields=["connector_state", "connector_finished_at", "connector_message"])
        audit.record(
            action="case.search.connector_failed",
            case=case,
            payload=_task_payload(locked, reason=error.reason),
        )


def _connector_done(task: SearchTask, outcome: connector.SearchOutcome) -> None:
    with transaction.atomic():
        case, locked = _lock_task(task)
        if locked.connector_state != ConnectorState.RUNNING:
            return
        # A new run replaces what an earlier one proposed and nobody decided yet.
        Finding.objects.filter(
            task=locked, origin=FindingOrigin.CONNECTOR, state=FindingState.PROPOSED
        ).delete()
        run = (
            Finding.objects.filter(task=locked, origin=FindingOrigin.CONNECTOR).aggregate(
                last=Max("id")
            )["last"]
            or 0
        )
        findings = _proposals(locked, outcome, run_key=f"{locked.pk}-{run}")
        Finding.objects.bulk_create(findings)
        rows = len(outcome.rows)
        if not rows:
            message = _("The connector found no rows for this person.")
        else:
            message = _("The connector found %(rows)s row(s): confirm or discard each.") % {
                "rows": rows
            }
        if outcome.truncated:
            message += " " + _(
                "More rows matched than the %(cap)s shown; refine the query or search by hand."
            ) % {"cap": settings.DATAMAP_CONNECTOR_ROW_CAP}
        locked.connector_state = ConnectorState.DONE
        locked.connector_finished_at = timezone.now()
        locked.connector_message = message
        locked.save(update_fields=["connector_state", "connector_finished_at", "connector_message"])
        audit.record(
            action="case.search.connector_ran",
            case=case,
            payload=_task_payload(locked, rows=rows, truncated=outcome.truncated),
        )


LOCATION_COLUMN = "location"
CATEGORY_COLUMN = "category"


def _proposals(
    task: SearchTask, outcome: connector.SearchOutcome, *, run_key: str
) -> list[Finding]:
    """A row becomes one proposed finding per non-empty column: the column's name is the
    item (written "category:item" it names the category too), the value the content. A
    column named `location` says where the row is kept, one named `category` its category."""
    made = []
    system_label = task.system.name
    for number, row in enumerate(outcome.rows, start=1):
        cells = dict(zip(outcome.columns, row, strict=True))
        location = cells.pop(LOCATION_COLUMN, "") or system_label
        category = cells.pop(CATEGORY_COLUMN, "") or system_label
        for column, value in cells.items():
            if not value:
                continue
            named_category, _sep, item = column.replace("：", ":").rpartition(":")
            made.append(
                Finding(
                    task=task,
                    category=(named_category or category)[:100],
                    item=(item or column)[:200],
                    content=value[:4000],
                    location=location[:200],
                    origin=FindingOrigin.CONNECTOR,
                    state=FindingState.PROPOSED,
                    row_key=f"{run_key}-{number}",
                )
            )
    return made


def connectors_requeue_lost(*, older_than_minutes: int = 10, limit: int = 200) -> int:
    """Queue again the connector runs a lost message or a dead worker left behind (for the
    periodic sweep). A run stuck in "running" past the task's time limit is taken over."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    stuck = SearchTask.objects.filter(
        connector_state=ConnectorState.RUNNING, connector_started_at__lt=cutoff
    ).update(connector_state=ConnectorState.QUEUED, connector_queued_at=timezone.now())
    ids = list(
        SearchTask.objects.filter(
            connector_state=ConnectorState.QUEUED, connector_queued_at__lt=cutoff
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for task_id in ids:
        queue.publish(queue.RUN_CONNECTOR, task_id)
    return len(ids) + stuck


# --- the provision register (第三者提供記録) ----------------------------------------------


@dataclass(frozen=True)
class ProvisionData:
    system_id: int
    direction: str
    basis: str
    counterpart_name: str
    counterpart_address: str
    person_name: str
    data_items: str
    last_provision_on: date
    abroad: bool = False
    consent_obtained: bool = False
    counterpart_is_corporation: bool = False
    counterpart_representative: str = ""
    person_name_kana: str = ""
    person_date_of_birth: date | None = None
    person_identifier: str = ""
    provided_on: date | None = None
    acquisition: str = ""
    contract_record: bool = False
    exclusion: str = ""
    exclusion_note: str = ""
    note: str = ""


def provision_problems(data: ProvisionData, *, today: date) -> list[str]:
    """What makes a record unfit for the register (empty when it can be saved)."""
    problems = []
    if data.direction not in ProvisionDirection.values:
        problems.append(_("Say whether we provided or received the data."))
    if data.basis not in ProvisionBasis.values:
        problems.append(_("Choose the basis of the provision."))
    else:
        why_not = rules.record_needed(data.basis, abroad=data.abroad)
        if why_not:
            return [why_not]
    for value, message in (
        (data.counterpart_name, _("Give the other party's name.")),
        (data.counterpart_address, _("Give the other party's address.")),
        (data.person_name, _("Give what identifies the person: at least their name.")),
        (data.data_items, _("Give the items of personal data.")),
    ):
        if not value.strip():
            problems.append(message)
    if data.counterpart_is_corporation and not data.counterpart_representative.strip():
        problems.append(_("For a corporation, give its representative's name (Rules Art. 20)."))
    if data.basis == ProvisionBasis.CONSENT and not data.consent_obtained:
        problems.append(_("A provision based on consent records that consent was obtained."))
    if data.basis == ProvisionBasis.OPT_OUT and data.provided_on is None:
        problems.append(_("An opt-out provision records the date it was provided."))
    if data.direction == ProvisionDirection.RECEIVED and not data.acquisition.strip():
        problems.append(_("A recipient records how the provider acquired the data (Art. 30)."))
    for day, label in (
        (data.last_provision_on, _("The last provision")),
        (data.provided_on, _("The date of provision")),
        (data.person_date_of_birth, _("The date of birth")),
    ):
        if day is not None and day > today:
            problems.append(_("%(what)s cannot be in the future.") % {"what": label})
    if data.provided_on and data.provided_on > data.last_provision_on:
        problems.append(_("The date of provision is after the last provision the record covers."))
    if data.exclusion not in OrderExclusion.values:
        problems.append(_("Choose the exclusion from the list."))
    elif data.exclusion and not data.exclusion_note.strip():
        problems.append(_("Say why the Cabinet Order excludes this record."))
    return problems


def _new_record(data: ProvisionData, actor: User) -> ProvisionRecord:
    values = asdict(data)
    for name, value in values.items():
        if isinstance(value, str):
            values[name] = value.strip()
    return ProvisionRecord(
        **values,
        person_key=selectors.person_key_of(data.person_name),
        retain_until=rules.retain_until(
            data.last_provision_on, contract_record=data.contract_record
        ),
        entered_by=actor,
    )


def provision_add(*, actor: User, data: ProvisionData) -> ProvisionRecord:
    """Add one record to the register."""
    require(actor, Capability.WORK_CASES)
    problems = provision_problems(data, today=timezone.localdate())
    if not DataSystem.objects.filter(pk=data.system_id).exists():
        problems.insert(0, _("Choose the system the data came from or went to."))
    if problems:
        raise InvalidInput(problems[0], details=problems[1:])
    with transaction.atomic():
        record = _new_record(data, actor)
        record.save()
        audit.record(
            action="provision.added",
            actor=actor,
            payload=_record_payload(record),
        )
    return record


def _record_payload(record: ProvisionRecord, **extra: Any) -> dict[str, Any]:
    # The person's details stay in the register; the trail names the record and its dates.
    return {
        "record": record.pk,
        "system": record.system.name,
        "direction": record.direction,
        "basis": record.basis,
        "last_provision_on": record.last_provision_on.isoformat(),
        "retain_until": record.retain_until.isoformat(),
        **extra,
    }


@dataclass(frozen=True)
class ImportProblem:
    line: int
    messages: list[str]


def provision_import(*, actor: User, parsed: CsvFile, file_name: str) -> list[ProvisionRecord]:
    """Add every row of a CSV file to the register, or none: a file with any bad row (a
    formula, a bad date, an unknown system, a provision that needs no record...) saves
    nothing, and each bad row is named with its line number and what is wrong."""
    require(actor, Capability.WORK_CASES)
    if parsed.problems:
        raise InvalidInput(_("Nothing was imported:"), details=parsed.problems)
    by_name: dict[str, int] = {}
    for system in DataSystem.objects.all():
        by_name[system.name] = system.pk
        if system.name_en:
            by_name.setdefault(system.name_en, system.pk)
    today = timezone.localdate()
    bad: list[ImportProblem] = []
    ready: list[ProvisionData] = []
    for row in parsed.rows:
        messages = list(row.problems)
        values = dict(row.values)
        system_name = values.pop("system", "")
        system_id = by_name.get(system_name)
        if system_name and system_id is None:
            messages.insert(
                0, _("there is no system “%(name)s” on the data map") % {"name": system_name}
            )
        if not messages:
            data = ProvisionData(system_id=system_id or 0, **values)
            messages = provision_problems(data, today=today)
            if not messages:
                ready.append(data)
        if messages:
            bad.append(ImportProblem(row.line, messages))
    if bad:
        raise InvalidInput(
            _("Nothing was imported: %(count)s row(s) need correcting.") % {"count": len(bad)},
            details=[
                _("Line %(line)s: %(problems)s")
                % {"line": problem.line, "problems": "; ".join(problem.messages)}
                for problem in bad
            ],
        )
    with transaction.atomic():
        records = [_new_record(data, actor) for data in ready]
        for record in records:
            record.save()
        audit.record(
            action="provision.imported",
            actor=actor,
            payload={
                "file": file_name[:200],
                "records": [record.pk for record in records],
                "count": len(records),
            },
        )
    return records


def provision_link(
    *, item: RequestItem, actor: User, record: ProvisionRecord
) -> ProvisionDisclosure:
    """Staff find that a record of the register is the person's, for their request to
    disclose the records (Art. 33(5)). The record becomes a row of the disclosure letter's
    table, which staff may reword; a record the register marks as excluded by the Cabinet
    Order (Enforcement Order Art. 11) is left out of the letter without mention and shown to
    the approver."""
    require(actor, Capability.WORK_CASES)
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=item.case_id)
        if item.kind != RequestKind.THIRD_PARTY_RECORDS:
            raise InvalidInput(_("Records of provision are disclosed for an Art. 33(5) request."))
        if case.state != CaseState.IN_PROGRESS:
            raise InvalidInput(_("Records are found while the case is in progress."))
        found = (
            ProvisionDisclosure.objects.filter(item=item, record=record)
            .select_related("row")
            .first()
        )
        if found is not None:
            return found
        record = ProvisionRecord.objects.select_related("system__department").get(pk=record.pk)
        (row,) = letter_services.item_add_disclosed_records(
            item=item, actor=actor, rows=[_provision_row(record)]
        )
        if record.excluded:
            row = letter_services.disclosed_record_mark_excluded(
                record=row, actor=actor, excluded=True
            )
        link = ProvisionDisclosure.objects.create(
            item=item, record=record, row=row, linked_by=actor
        )
        audit.record(
            action="case.provision.linked",
            actor=actor,
            case=case,
            payload=_record_payload(record, excluded=record.exclusion, position=row.position),
        )
    return link


def _provision_row(record: ProvisionRecord) -> letter_services.RecordRow:
    """The row of the letter's table for one record of provision: what the Rules make the
    record hold (Arts. 20-25), in Japanese as the register keeps it. Staff may reword it."""
    with translation.override("ja"):
        provided = record.direction == ProvisionDirection.PROVIDED
        identity = "、".join(
            part
            for part in (
                record.person_name,
                record.person_name_kana,
                record.person_date_of_birth.isoformat() if record.person_date_of_birth else "",
                record.person_identifier,
            )
            if part
        )
        lines = [
            (_("Date of provision"), record.provided_on.isoformat() if record.provided_on else ""),
            (_("Last provision this record covers"), record.last_provision_on.isoformat()),
            (_("Address of the other party"), record.counterpart_address),
            (_("Its representative"), record.counterpart_representative),
            (_("What identifies the person"), identity),
            (_("Items of personal data"), record.data_items),
            (_("Basis"), str(ProvisionBasis(record.basis).label)),
            (
                _("The person's consent"),
                _("Obtained") if record.basis == ProvisionBasis.CONSENT else "",
            ),
            (_("Third party abroad"), _("Yes") if record.abroad else ""),
            (
                _("How the provider acquired the data"),
                "" if provided else record.acquisition,
            ),
        ]
        return letter_services.RecordRow(
            category=str(
                _("Provision to a third party") if provided else _("Receipt from a third party")
            ),
            field=record.counterpart_name[:200],
            value="\n".join(f"{label}: {value}" for label, value in lines if value),
            source=f"{record.system.department.name}・{record.system.name}"[:200],
        )


def provision_unlink(*, link: ProvisionDisclosure, actor: User) -> None:
    """The record is not the person's after all: its row leaves the letter's table (and the
    link goes with it)."""
    require(actor, Capability.WORK_CASES)
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=link.item.case_id)
        if case.state != CaseState.IN_PROGRESS:
            raise InvalidInput(_("Records are found while the case is in progress."))
        found = ProvisionDisclosure.objects.select_related("record__system", "row").get(pk=link.pk)
        audit.record(
            action="case.provision.unlinked",
            actor=actor,
            case=case,
            payload=_record_payload(found.record),
        )
        letter_services.item_remove_disclosed_record(record=found.row, actor=actor)


def provision_purge_expired(*, today: date) -> int:
    """Delete the records whose period is over (daily), each audited; a record of a person
    with an open request to disclose the records (Art. 33(5)) is kept until it is answered."""
    expired = list(
        ProvisionRecord.objects.filter(retain_until__lt=today)
        .select_related("system")
        .order_by("pk")
    )
    if not expired:
        return 0
    protected = selectors.records_held_for_open_requests([record.pk for record in expired])
    deleted = 0
    for record in expired:
        if record.pk in protected:
            continue
        with transaction.atomic():
            locked = ProvisionRecord.objects.select_for_update().filter(pk=record.pk).first()
            if locked is None or locked.retain_until >= today:
                continue
            audit.record(
                action="provision.deleted",
                payload=_record_payload(record, reason="retention_over"),
            )
            locked.delete()
            deleted += 1
    return deleted

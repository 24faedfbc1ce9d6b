"""The data map as a file: CSV for Excel (through the app's one CSV writer, so no cell is
ever taken for a formula) and JSON for other tools. Both are written from the same rows, in
the exporter's language for labels; the JSON also carries every set as its codes."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from requests_app.choices import Relationship, RequestKind
from requests_app.csvsafe import CsvWriter, TextSink
from requests_app.datamap.choices import (
    DataItem,
    FindingState,
    SearchKey,
    SearchMethod,
    SearchResult,
    TaskStatus,
)
from requests_app.datamap.models import DataSystem, SearchTask
from requests_app.datamap.selectors import labels, purpose_labels
from requests_app.letters.purposes import purpose_choices
from requests_app.people import person_name

FORMAT = "cmc-appi-data-map/1"


def _yes(value: bool) -> str:
    return _("yes") if value else _("no")


def csv_headings() -> list[str]:
    return [
        _("System"),
        _("System (English)"),
        _("Owning department"),
        _("Department contacts"),
        _("Whose data it holds"),
        _("Searched by"),
        _("Items held"),
        _("Purposes of use"),
        _("Retention"),
        _("Subcontractors"),
        _("Shared with CMC Group companies"),
        _("Provided to third parties"),
        _("Provided to a third party abroad"),
        _("Requests apply"),
        _("How it is searched"),
        _("Connected database"),
        _("In use"),
        _("Last changed"),
    ]


def csv_row(system: DataSystem, language: str) -> list[str | int | None]:
    return [
        system.name,
        system.name_en,
        system.department.label,
        "、".join(person_name(user) for user in system.department.contacts.all()),
        "、".join(labels(Relationship, system.relationships)),
        "、".join(labels(SearchKey, system.search_keys)),
        "、".join(labels(DataItem, system.items)),
        "\n".join(purpose_labels(system.purposes, language)),
        system.retention,
        system.subcontractors,
        _yes(system.shared_with_group),
        system.third_parties,
        system.abroad,
        _yes(system.requests_apply),
        str(SearchMethod(system.search_method).label),
        system.connector,
        _yes(system.active),
        timezone.localtime(system.updated_at).strftime("%Y-%m-%d %H:%M"),
    ]


def write_csv(sink: TextSink, systems: Iterable[DataSystem], language: str) -> int:
    writer = CsvWriter(sink)
    writer.writerow(csv_headings())
    count = 0
    for system in systems:
        writer.writerow(csv_row(system, language))
        count += 1
    return count


def _contact(user: Any) -> dict[str, str]:
    return {"username": user.get_username(), "name": person_name(user), "email": user.email}


def system_json(system: DataSystem, language: str) -> dict[str, Any]:
    texts = dict(purpose_choices(language))
    return {
        "id": system.pk,
        "name": system.name,
        "name_en": system.name_en,
        "description": system.description,
        "department": {
            "name": system.department.name,
            "name_en": system.department.name_en,
            "contacts": [_contact(user) for user in system.department.contacts.all()],
        },
        "relationships": [
            {"code": r.value, "label": str(r.label)}
            for r in Relationship
            if r.value in set(system.relationships)
        ],
        "search_keys": list(system.search_keys),
        "items": [{"code": code, "label": str(DataItem(code).label)} for code in system.items],
        "purposes": [{"code": code, "text": texts.get(code, code)} for code in system.purposes],
        "retention": system.retention,
        "subcontractors": system.subcontractors,
        "sharing": {
            "group_companies": system.shared_with_group,
            "third_parties": system.third_parties,
            "abroad": system.abroad,
        },
        "requests_apply": system.requests_apply,
        "search": {"method": system.search_method, "connector": system.connector},
        "active": system.active,
        "updated_at": timezone.localtime(system.updated_at).isoformat(timespec="seconds"),
    }


def write_json(sink: TextSink, systems: Iterable[DataSystem], language: str) -> int:
    rows = [system_json(system, language) for system in systems]
    document = {
        "format": FORMAT,
        "exported_at": timezone.localtime().isoformat(timespec="seconds"),
        "language": language,
        "systems": rows,
    }
    sink.write(json.dumps(document, ensure_ascii=False, indent=2))
    sink.write("\n")
    return len(rows)


# --- the searches of exported cases (the auditors' bundle) -----------------------------------


def searches_headings() -> list[str]:
    return [
        _("Reference number"),
        _("System"),
        _("Department"),
        _("Kinds asked"),
        _("Status"),
        _("Sent on"),
        _("Due"),
        _("Searched on"),
        _("How it was searched"),
        _("Answered by"),
        _("Answered at"),
        _("Result"),
        _("Items found"),
        _("Changes reported"),
        _("Reviewed by"),
        _("Reviewed at"),
        _("Comment to the department"),
    ]


def _at(moment: Any) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


def write_searches(sink: TextSink, cases: QuerySet[Any]) -> int:
    """One row per search task of these cases: which system was searched, by whom, when and
    with what result, and who reviewed the answer (labels in the active language)."""
    writer = CsvWriter(sink)
    writer.writerow(searches_headings())
    count = 0
    tasks = (
        SearchTask.objects.filter(case__in=cases.values("pk"))
        .select_related("case", "system", "department", "answered_by", "reviewed_by")
        .annotate(
            found=Count(
                "findings", filter=Q(findings__state=FindingState.CONFIRMED), distinct=True
            ),
            changed=Count("changes", distinct=True),
        )
        .order_by("case__arrival_date", "case_id", "id")
    )
    for task in tasks.iterator(chunk_size=2000):
        writer.writerow(
            [
                task.case.reference,
                task.system.name,
                task.department.name,
                " / ".join(str(RequestKind(kind).label) for kind in task.kinds),
                str(TaskStatus(task.status).label),
                task.sent_on.isoformat(),
                task.due_date.isoformat(),
                task.searched_on.isoformat() if task.searched_on else "",
                task.searched_how,
                person_name(task.answered_by),
                _at(task.answered_at),
                str(SearchResult(task.result).label) if task.result else "",
                task.found,
                task.changed,
                person_name(task.reviewed_by),
                _at(task.reviewed_at),
                task.review_comment,
            ]
        )
        count += 1
    return count

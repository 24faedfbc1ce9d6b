"""E-mails about search tasks: one function per message, in the recipient's language.

Templates under templates/emails/task_*/ (subject.txt, body.txt, body.html). They name the
case by its reference number and the systems by name, and link to the task (for department
contacts) or to the case (for the assignee); the person's details stay in the app.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.urls import reverse

from requests_app.emails import case_url, send_message


@dataclass(frozen=True)
class TaskLine:
    """One task as a message lists it (the system's names in both languages)."""

    system: str
    system_en: str
    department: str
    department_en: str
    due_date: date
    url: str

    @classmethod
    def of(cls, task: Any) -> TaskLine:
        return cls(
            system=task.system.name,
            system_en=task.system.name_en,
            department=task.department.name,
            department_en=task.department.name_en,
            due_date=task.due_date,
            url=task_url(task.pk),
        )


def task_url(task_id: int) -> str:
    path = reverse("datamap:task_detail", args=[task_id])
    return f"{settings.APPI_BASE_URL.rstrip('/')}{path}"


def _context(case: Any, tasks: Sequence[Any], day: date) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "case_url": case_url(case.reference),
        "tasks": [TaskLine.of(task) for task in tasks],
        "today": day,
        "tasks_url": f"{settings.APPI_BASE_URL.rstrip('/')}{reverse('datamap:task_list')}",
    }


def send_task_assigned(*, case: Any, recipient: Any, tasks: Sequence[Any], day: date) -> None:
    """To a department contact: new tasks to search their systems for a case's person."""
    send_message("task_assigned", recipient, _context(case, tasks, day))


def send_task_returned(*, case: Any, recipient: Any, tasks: Sequence[Any], day: date) -> None:
    """To a department contact: staff returned their answer with a comment."""
    send_message("task_returned", recipient, _context(case, tasks, day))


def send_task_due_soon(*, case: Any, recipient: Any, tasks: Sequence[Any], day: date) -> None:
    """To a department contact: tasks due tomorrow or today."""
    send_message("task_due_soon", recipient, _context(case, tasks, day))


def send_task_overdue(*, case: Any, recipient: Any, tasks: Sequence[Any], day: date) -> None:
    """To a department contact: tasks past their due date."""
    send_message("task_overdue", recipient, _context(case, tasks, day))


def send_task_answered(*, case: Any, recipient: Any, tasks: Sequence[Any], day: date) -> None:
    """To the case's assignee: departments answered; the answers wait for review."""
    send_message("task_answered", recipient, _context(case, tasks, day))


def send_task_escalation(*, case: Any, recipient: Any, tasks: Sequence[Any], day: date) -> None:
    """To the case's assignee (or the managers when nobody is): departments are late."""
    send_message("task_escalation", recipient, _context(case, tasks, day))

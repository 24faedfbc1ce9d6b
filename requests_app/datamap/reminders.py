"""Who is told what about search tasks, and telling them exactly once a day.

The same claims as the case reminders (requests_app.reminders): one SentMessage row per case,
day, kind and recipient, claimed before sending, so a task that runs twice or a sweep that
overlaps a queued task sends nothing twice. One message per recipient lists all their tasks
on the case.

- Department contacts: a new task (the day it is sent), an answer returned to them, a task
  due soon (from the working day before its due date) and overdue (every working day after).
- The case's assignee (the managers when nobody reachable is assigned): the answers that
  arrived today, and the departments that are late.

The deadline sweep (requests_app.tasks.deadline_sweep) asks `cases_with_notices` for the
cases that still need a message today and queues one `send_task_notices` per case.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from django.utils import timezone

from requests_app import reminders
from requests_app.choices import MessageKind
from requests_app.datamap import emails
from requests_app.datamap.choices import TaskStatus
from requests_app.datamap.models import SearchTask
from requests_app.datamap.selectors import tasks_for_notices
from requests_app.models import SentMessage
from requests_app.permissions import Role

K = MessageKind
TASK_KINDS = (
    K.TASK_ASSIGNED,
    K.TASK_RETURNED,
    K.TASK_DUE_SOON,
    K.TASK_OVERDUE,
    K.TASK_ANSWERED,
    K.TASK_ESCALATION,
)


@dataclass
class TaskNotice:
    """One message: its kind, who gets it, about which case, listing which tasks."""

    kind: str
    recipient: Any
    case: Any
    tasks: list[SearchTask] = field(default_factory=list)


def notices_for(
    tasks: Sequence[SearchTask], *, day: date, managers: Sequence[Any]
) -> list[TaskNotice]:
    """The messages these tasks (of any cases) call for on `day`, one per case, kind and
    recipient, in a stable order."""
    found: dict[tuple[int, str, int], TaskNotice] = {}

    def add(kind: str, recipient: Any, task: SearchTask) -> None:
        key = (task.case_id, kind, recipient.pk)
        notice = found.setdefault(key, TaskNotice(kind, recipient, task.case))
        notice.tasks.append(task)

    for task in tasks:
        assignee = task.case.assignee if reminders.reachable(task.case.assignee) else None
        staff = [assignee] if assignee is not None else list(managers)
        if task.waits_for_department:
            contacts = [c for c in task.department.contacts.all() if reminders.reachable(c)]
            if task.status == TaskStatus.OPEN and task.sent_on == day:
                kind: str | None = K.TASK_ASSIGNED
            elif task.status == TaskStatus.RETURNED and task.returned_on == day:
                kind = K.TASK_RETURNED
            elif task.due_date < day:
                kind = K.TASK_OVERDUE
            elif task.warning_date <= day:
                kind = K.TASK_DUE_SOON
            else:
                kind = None
            if kind is not None:
                for contact in contacts:
                    add(kind, contact, task)
            if task.due_date < day or (kind is not None and not contacts):
                for person in staff:
                    add(K.TASK_ESCALATION, person, task)
        elif task.status == TaskStatus.ANSWERED and _local_day(task.answered_at) == day:
            for person in staff:
                add(K.TASK_ANSWERED, person, task)
    return sorted(found.values(), key=lambda n: (n.case.pk, n.kind, n.recipient.pk))


def _local_day(moment: Any) -> date | None:
    return timezone.localdate(moment) if moment else None


def cases_with_notices(day: date) -> list[int]:
    """The cases whose search tasks still need a message on `day` (three queries)."""
    notices = notices_for(
        tasks_for_notices(day), day=day, managers=reminders.members_of(Role.MANAGER)
    )
    sent = set(
        SentMessage.objects.filter(day=day, kind__in=TASK_KINDS, sent_at__isnull=False).values_list(
            "case_id", "kind", "recipient_id"
        )
    )
    return sorted({n.case.pk for n in notices if (n.case.pk, n.kind, n.recipient.pk) not in sent})


_SENDERS: dict[str, Callable[..., None]] = {
    K.TASK_ASSIGNED: emails.send_task_assigned,
    K.TASK_RETURNED: emails.send_task_returned,
    K.TASK_DUE_SOON: emails.send_task_due_soon,
    K.TASK_OVERDUE: emails.send_task_overdue,
    K.TASK_ANSWERED: emails.send_task_answered,
    K.TASK_ESCALATION: emails.send_task_escalation,
}


def send_task_notices(*, case_id: int, day: date) -> int:
    """Send what the case's search tasks call for on `day` that was not sent yet; the
    number sent. Reads the tasks as they are now; a day already over is left alone, and
    nothing goes out on a closed day (the office reads it on the next working day)."""
    if day < timezone.localdate() or not reminders.office_day(day):
        return 0
    sent = 0
    for notice in notices_for(
        tasks_for_notices(day, case_id=case_id),
        day=day,
        managers=reminders.members_of(Role.MANAGER),
    ):
        message = reminders.claim(
            kind=notice.kind, day=day, recipient=notice.recipient, case=notice.case
        )
        if message is None:
            continue
        reminders.deliver(
            message,
            partial(
                _SENDERS[notice.kind],
                case=notice.case,
                recipient=notice.recipient,
                tasks=notice.tasks,
                day=day,
            ),
        )
        sent += 1
    return sent

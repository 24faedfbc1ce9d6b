"""Search tasks are chased by the same deadline sweep as cases: department contacts are told
of new and returned tasks, reminded when one is due and overdue, and the assignee hears of
answers and of departments that are late; nobody is told twice."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core import mail

from requests_app import services as case_services
from requests_app import tasks
from requests_app.choices import MessageKind
from requests_app.datamap import services
from requests_app.datamap.choices import SearchResult
from requests_app.datamap.models import DataSystem, SearchTask
from requests_app.models import SentMessage, UserPreference
from tests.clock import office_time
from tests.requests_app.datamap.conftest import case_for

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 30)
WEDNESDAY = date(2026, 12, 2)
THURSDAY = date(2026, 12, 3)
FRIDAY = date(2026, 12, 4)


def sweep(day: date) -> int:
    return int(tasks.deadline_sweep.delay(day=day.isoformat()).get())


def sent(kind: str) -> list[tuple[str, str]]:
    return sorted(
        SentMessage.objects.filter(kind=kind, sent_at__isnull=False).values_list(
            "recipient__username", "day"
        )
    )


def task_for(staff: Any, manager: Any, name: str = "顧客管理データベース") -> SearchTask:
    case = case_for(staff, manager, "disclosure")
    (task,) = services.searches_send(
        case=case, actor=staff, system_ids=[DataSystem.objects.get(name=name).pk]
    )
    return task


def test_a_task_is_announced_then_reminded_then_chased_once_a_day(
    staff: Any, manager: Any, contact: Any
) -> None:
    with office_time(MONDAY) as move:
        task = task_for(staff, manager)
        assert (task.warning_date, task.due_date) == (WEDNESDAY, THURSDAY)
        mail.outbox.clear()
        sweep(MONDAY)
        sweep(MONDAY)
        assert [m.to for m in mail.outbox] == [[contact.email]]
        assert task.case.reference in mail.outbox[0].subject
        move(WEDNESDAY)
        sweep(WEDNESDAY)
        move(THURSDAY)
        sweep(THURSDAY)
        move(FRIDAY)
        sweep(FRIDAY)
        sweep(FRIDAY)
    assert sent(MessageKind.TASK_ASSIGNED) == [("jiro", MONDAY)]
    assert sent(MessageKind.TASK_DUE_SOON) == [("jiro", WEDNESDAY), ("jiro", THURSDAY)]
    assert sent(MessageKind.TASK_OVERDUE) == [("jiro", FRIDAY)]
    # The case's assignee hears that the department is late.
    assert sent(MessageKind.TASK_ESCALATION) == [("hanako", FRIDAY)]
    escalation = [m for m in mail.outbox if m.to == [staff.email]][-1]
    assert "顧客管理データベース" in escalation.body
    assert task.case.requester.name not in escalation.body


def test_answers_are_announced_to_the_assignee_and_end_the_reminders(
    staff: Any, manager: Any, contact: Any
) -> None:
    with office_time(MONDAY) as move:
        task = task_for(staff, manager)
        move(THURSDAY)
        services.task_answer(
            task=task,
            actor=contact,
            result=SearchResult.NOTHING_FOUND,
            searched_on=THURSDAY,
            searched_how="氏名と生年月日で検索",
        )
        sweep(THURSDAY)
        move(FRIDAY)
        sweep(FRIDAY)
    assert sent(MessageKind.TASK_ANSWERED) == [("hanako", THURSDAY)]
    assert sent(MessageKind.TASK_DUE_SOON) == []
    assert sent(MessageKind.TASK_OVERDUE) == []


def test_nothing_is_sent_for_a_withdrawn_case_or_on_a_closed_day(
    staff: Any, manager: Any, contact: Any
) -> None:
    with office_time(MONDAY) as move:
        task = task_for(staff, manager)
        case_services.case_withdraw(case=task.case, actor=staff, reason="取下げ")
        move(FRIDAY)
        assert sweep(FRIDAY) == 0
        saturday = date(2026, 12, 5)
        move(saturday)
        assert sweep(saturday) == 0
    assert not SentMessage.objects.filter(kind__startswith="task_").exists()


def test_a_contact_reads_in_the_language_they_chose(staff: Any, manager: Any, contact: Any) -> None:
    UserPreference.objects.create(user=contact, language="en")
    with office_time(MONDAY):
        task_for(staff, manager)
        mail.outbox.clear()
        sweep(MONDAY)
    (message,) = mail.outbox
    assert message.subject.startswith("[APPI] New search task for case")
    assert "Customer database" in message.body

"""The sweep, reminders, escalations, long waits and the nightly audit check, by e-mail."""

from __future__ import annotations

from datetime import date, timedelta
from smtplib import SMTPServerDisconnected
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from requests_app import reminders, services, tasks
from requests_app.audit import AuditChainHead, AuditEvent
from requests_app.choices import MessageKind
from requests_app.deadlines import is_overdue
from requests_app.demo import cases as demo
from requests_app.models import Case, SentMessage, UserPreference
from tests.clock import office_time
from tests.factories import make_case

pytestmark = pytest.mark.django_db

D = date
MONDAY = D(2026, 11, 30)


def sweep(day: date = MONDAY) -> int:
    return int(tasks.deadline_sweep.delay(day=day.isoformat()).get())


def due_soon(staff: Any, **fields: Any) -> Case:
    # A complaint that arrived on 17 Nov is due on Wed 2 Dec: 2 business days left on Monday.
    return make_case(
        actor=staff, kinds=("complaint",), arrival_date=D(2026, 11, 17), state="in_progress",
        **fields,
    )  # fmt: skip


def overdue(staff: Any) -> Case:
    # Arrived on 2 Nov, due on the 17th: 8 business days late on Monday the 30th.
    return make_case(
        actor=staff, kinds=("complaint",), arrival_date=D(2026, 11, 2), state="in_progress"
    )


def sent_to(user: Any) -> list[Any]:
    return [message for message in mail.outbox if message.to == [user.email]]


def test_the_sweep_reminds_once_however_often_it_runs(staff: Any) -> None:
    with office_time(MONDAY):
        case = due_soon(staff)
        assert case.due_date == D(2026, 12, 2) and case.warning_date == D(2026, 11, 27)
        for _ in range(3):
            sweep()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [staff.email]
    # Japanese unless the person chose English.
    assert message.subject == f"【回答期限まで2営業日】案件 {case.reference}（期限 2026-12-02）"
    assert case.reference in message.body and "2026-12-02" in message.body
    assert f"http://127.0.0.1:8000/cases/{case.reference}/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and case.reference in html
    # The requester's personal data stays in the app.
    assert case.requester.name not in message.body
    row = SentMessage.objects.get()
    assert (row.kind, row.day, row.recipient, row.case) == ("due_soon", MONDAY, staff, case)
    assert row.sent_at is not None


def test_a_reminder_every_working_day_until_it_is_done(staff: Any) -> None:
    with office_time(MONDAY) as move:
        case = due_soon(staff)
        sweep()
        move(D(2026, 12, 1))
        sweep(D(2026, 12, 1))
        sweep(D(2026, 12, 1))
        assert len(mail.outbox) == 2
        # Sent the reply: nothing more to say.
        services.case_withdraw(case=case, actor=staff, reason="ご本人から取下げ")
        move(D(2026, 12, 2))
        assert sweep(D(2026, 12, 2)) == 0
    assert len(mail.outbox) == 2


def test_overdue_cases_are_escalated_to_managers_once_a_day(staff: Any, manager: Any) -> None:
    UserPreference.objects.create(user=manager, language="en")
    with office_time(MONDAY):
        case = overdue(staff)
        for _ in range(3):
            sweep()
    assert len(sent_to(staff)) == 1 and len(sent_to(manager)) == 1
    reminder = sent_to(staff)[0]
    assert reminder.subject == (
        f"【期限超過】案件 {case.reference}：回答期限（2026-11-17）を8営業日過ぎています"
    )
    escalation = sent_to(manager)[0]
    assert escalation.subject == (
        f"[APPI] Escalation: case {case.reference} is 8 business days overdue"
    )
    assert "It is assigned to 山田 花子, who has been reminded." in escalation.body
    kinds = set(SentMessage.objects.values_list("kind", "recipient"))
    assert kinds == {("overdue", staff.pk), ("escalation", manager.pk)}


def test_a_due_case_nobody_is_assigned_to_goes_to_the_managers(staff: Any, manager: Any) -> None:
    with office_time(MONDAY):
        case = due_soon(staff)
        services.case_assign(case=case, actor=staff, assignee=None)
        sweep()
        sweep()
    assert sent_to(staff) == []
    assert len(sent_to(manager)) == 1
    assert "担当者が割り当てられていません" in sent_to(manager)[0].subject


def test_a_manager_assigned_to_a_late_case_is_not_told_twice(manager: Any) -> None:
    with office_time(MONDAY):
        overdue(manager)
        sweep()
        sweep()
    assert [message.subject[:6] for message in mail.outbox] == ["【期限超過】"]


def test_nothing_is_sent_while_the_clock_is_paused_or_on_a_closed_day(
    staff: Any, manager: Any
) -> None:
    with office_time(D(2026, 11, 2)) as move:
        waiting = make_case(
            actor=staff,
            kinds=("complaint",),
            arrival_date=D(2026, 11, 2),
            state="awaiting_documents",
        )
        move(D(2026, 11, 28))  # a Saturday
        late = overdue(staff)
        assert sweep(D(2026, 11, 28)) == 0
        move(MONDAY)
        assert sweep() == 1  # the late case; the waiting one's clock is stopped
    assert {message.subject for message in mail.outbox} >= {
        f"【期限超過】案件 {late.reference}：回答期限（2026-11-17）を8営業日過ぎています"
    }
    assert not SentMessage.objects.filter(case=waiting).exists()


def test_an_extension_stops_the_overdue_messages(staff: Any, manager: Any) -> None:
    with office_time(MONDAY):
        case = overdue(staff)
        services.case_extend_deadline(
            case=case, actor=staff, reason="調査範囲が広いため", new_due_date=D(2026, 12, 18)
        )
        assert sweep() == 0
    assert mail.outbox == []


def test_once_the_reply_is_mailed_the_case_is_no_longer_late(staff: Any, manager: Any) -> None:
    """Mailing the reply meets the obligation; closing the case may wait without alarms."""
    with office_time(D(2026, 11, 2)) as move:
        case = make_case(actor=staff, manager=manager, kinds=("complaint",), state="in_progress")
        move(D(2026, 11, 20))  # three days after the due date (the 17th)
        case = demo.walk_to(case, "reply_sent", staff=staff, manager=manager)
        assert case.reply_sent_on == D(2026, 11, 20)
        move(MONDAY)
        assert not is_overdue(case, MONDAY)
        assert reminders.notices_for(case, day=MONDAY, managers=[manager]) == []
        mail.outbox.clear()
        assert sweep() == 0
    assert mail.outbox == []


def test_the_selection_agrees_with_what_each_case_calls_for(staff: Any, manager: Any) -> None:
    with office_time(MONDAY):
        cases = [
            due_soon(staff),
            overdue(staff),
            overdue(manager),
            make_case(actor=staff, kinds=("complaint",), state="in_progress"),  # not due yet
            make_case(actor=staff, kinds=("complaint",), state="awaiting_identity"),
        ]
        unassigned = due_soon(staff)
        services.case_assign(case=unassigned, actor=staff, assignee=None)
        cases.append(unassigned)
        managers = reminders.members_of(reminders.Role.MANAGER)

        def pending() -> set[int]:
            wanted = set()
            for case in Case.objects.filter(pk__in=[c.pk for c in cases]):
                for notice in reminders.notices_for(case, day=MONDAY, managers=managers):
                    if not SentMessage.objects.filter(
                        case=case, day=MONDAY, kind=notice.kind, recipient=notice.recipient,
                        sent_at__isnull=False,
                    ).exists():  # fmt: skip
                        wanted.add(case.pk)
            return wanted

        selected = set(reminders.cases_to_remind(MONDAY).values_list("pk", flat=True))
        assert selected == pending() == {cases[0].pk, cases[1].pk, cases[2].pk, unassigned.pk}
        # Half done: the assignee's reminder went out but not the escalation.
        tasks.send_case_reminders.delay(cases[1].pk, MONDAY.isoformat())
        SentMessage.objects.filter(case=cases[1], kind="escalation").delete()
        selected = set(reminders.cases_to_remind(MONDAY).values_list("pk", flat=True))
        assert cases[1].pk in selected and selected == pending()
        sweep()
        assert not reminders.cases_to_remind(MONDAY).exists() and pending() == set()


def test_a_failed_send_is_retried_and_sent_once(staff: Any) -> None:
    from django.core.mail.backends.locmem import EmailBackend

    real = EmailBackend.send_messages
    calls = {"count": 0}

    def flaky(backend: Any, messages: Any) -> int:
        calls["count"] += 1
        if calls["count"] == 1:
            raise SMTPServerDisconnected("the mail server went away")
        return real(backend, messages)

    with office_time(MONDAY), mock.patch.object(EmailBackend, "send_messages", flaky):
        due_soon(staff)
        sweep()
        sweep()
    assert calls["count"] == 2 and len(mail.outbox) == 1
    assert SentMessage.objects.get().sent_at is not None


def test_a_claim_left_by_a_dead_worker_is_taken_over(staff: Any) -> None:
    with office_time(MONDAY):
        case = due_soon(staff)
        first = reminders.claim(kind="due_soon", day=MONDAY, recipient=staff, case=case)
        assert first is not None
        assert reminders.claim(kind="due_soon", day=MONDAY, recipient=staff, case=case) is None
        assert sweep() == 1 and mail.outbox == []  # still claimed by someone else
    with office_time(MONDAY, hour=11):
        sweep()
    assert len(mail.outbox) == 1


def test_a_long_wait_is_marked_for_abandonment_and_managers_told_once(
    staff: Any, manager: Any
) -> None:
    with office_time(D(2026, 10, 26)) as move:
        case = make_case(actor=staff, kinds=("correction",), state="awaiting_completion")
        move(D(2026, 11, 24))  # 29 days
        assert tasks.long_wait_sweep.delay(day="2026-11-24").get() == 0
        move(D(2026, 11, 25))  # 30 days
        for _ in range(3):
            tasks.long_wait_sweep.delay(day="2026-11-25").get()
        case.refresh_from_db()
        assert case.flagged_for_abandonment_on == D(2026, 11, 25)
        assert AuditEvent.objects.filter(case=case, action="case.abandonment.flagged").count() == 1
        assert len(sent_to(manager)) == 1
        message = sent_to(manager)[0]
        assert case.reference in message.subject and "30" in message.subject
        move(D(2026, 11, 26))
        assert tasks.long_wait_sweep.delay(day="2026-11-26").get() == 0
        # The requester answered: the mark goes with the wait.
        services.case_receive_completion(case=case, actor=staff)
        case.refresh_from_db()
        assert case.flagged_for_abandonment_on is None and case.waiting_since is None
    assert len(mail.outbox) == 1


def test_a_broken_audit_trail_alerts_the_administrators_once(
    staff: Any, administrator: Any, manager: Any
) -> None:
    with office_time(MONDAY):
        make_case(actor=staff)
        assert tasks.verify_audit.delay().get() is True
        assert mail.outbox == []
        AuditChainHead.objects.filter(pk=1).update(hash="f" * 64)
        for _ in range(2):
            assert tasks.verify_audit.delay().get() is False
    assert len(mail.outbox) == 1
    alert = mail.outbox[0]
    assert alert.to == [administrator.email]
    assert "監査証跡" in alert.subject
    assert "the chain head says" in alert.body


def test_reminders_queued_by_staff_actions_go_out_at_once(
    staff: Any, manager: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # An envelope logged late is already overdue: its assignee and managers hear today,
    # not at the next sweep; the sweep then has nothing left to send.
    with office_time(MONDAY), django_capture_on_commit_callbacks(execute=True):
        case = overdue(staff)
    assert len(sent_to(staff)) == 1 and len(sent_to(manager)) == 1
    with office_time(MONDAY):
        assert sweep() == 0
    assert len(mail.outbox) == 2
    assert case.pk in SentMessage.objects.values_list("case", flat=True)


def test_the_language_switch_sets_the_language_of_e_mails(staff: Any) -> None:
    from tests.conftest import client_for

    client = client_for(staff, "ja")
    client.post("/i18n/setlang/", {"language": "en", "next": "/cases/"})
    assert UserPreference.objects.get(user=staff).language == "en"
    with office_time(MONDAY):
        case = due_soon(staff)
        sweep()
    assert mail.outbox[0].subject == (
        f"[APPI] Case {case.reference} is due in 2 business days (2026-12-02)"
    )
    assert "Dear 山田 花子," in mail.outbox[0].body


def test_old_days_are_left_alone(staff: Any) -> None:
    with office_time(MONDAY):
        case = due_soon(staff)
        yesterday = timezone.localdate() - timedelta(days=3)
        assert tasks.send_case_reminders.delay(case.pk, yesterday.isoformat()).get() == 0
    assert mail.outbox == []
    assert not SentMessage.objects.filter(kind=MessageKind.DUE_SOON).exists()

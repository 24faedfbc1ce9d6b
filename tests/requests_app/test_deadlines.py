"""Due dates derived from the history: arrival, waits on the requester, extensions, policies."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from requests_app import deadlines, services
from requests_app.audit import AuditEvent
from requests_app.business_calendar import BusinessCalendar
from requests_app.choices import CaseState
from requests_app.deadlines import Change, Policy, due_date_for
from requests_app.errors import InvalidInput, TransitionBlocked
from requests_app.letters import services as letter_services
from requests_app.models import Case, ClosureDay, SLAPolicy
from requests_app.reference import CLOSURE_DAYS
from tests.clock import office_time, tokyo
from tests.conftest import client_for
from tests.factories import make_case

D = date
OFFICE = BusinessCalendar([(None, month, day) for month, day, _name in CLOSURE_DAYS])
BUSINESS_10 = Policy(target_days=10, day_count="business", warning_days=3)
CALENDAR_14 = Policy(target_days=14, day_count="calendar", warning_days=3)
NO_PAUSE = Policy(target_days=10, day_count="business", pauses_while_waiting=False)


def step(day: date, to_state: str, action: str = "case.step") -> Change:
    return Change(tokyo(day), action, to_state, {})


def extension(day: date, until: date) -> Change:
    return Change(
        tokyo(day), deadlines.EXTENSION_ACTION, "in_progress", {"new_due_date": str(until)}
    )


def derive(
    arrival: date,
    events: list[Change],
    *,
    kinds: tuple[str, ...] = ("complaint",),
    policies: dict[str, Policy] | None = None,
    today: date | None = None,
) -> deadlines.Deadline:
    return due_date_for(
        arrival_date=arrival,
        kinds=kinds,
        events=[step(arrival, "received", "case.opened"), *events],
        policies={"complaint": BUSINESS_10, "disclosure": CALENDAR_14}
        if policies is None
        else policies,
        calendar=OFFICE,
        today=today or arrival,
    )


def test_a_business_day_target_counts_from_the_day_after_arrival() -> None:
    # Arrived Thursday 23 April 2026; Golden Week takes four weekdays out of the count.
    found = derive(D(2026, 4, 23), [])
    assert found.due_date == D(2026, 5, 13)
    assert found.warning_date == D(2026, 5, 8)  # 3 business days before: Fri, Mon, Tue
    assert not found.clock_paused and found.waiting_since is None


def test_a_calendar_target_ending_on_a_closed_day_is_brought_forward() -> None:
    kinds = ("disclosure",)
    assert derive(D(2026, 11, 16), [], kinds=kinds).due_date == D(2026, 11, 30)
    # 14 days after 17 Dec 2026 is New Year's Eve: the office is closed from the 29th.
    assert derive(D(2026, 12, 17), [], kinds=kinds).due_date == D(2026, 12, 28)
    # 14 days after 9 Sep 2026 is the Autumnal Equinox, the last day of Silver Week.
    assert derive(D(2026, 9, 9), [], kinds=kinds).due_date == D(2026, 9, 18)


def test_waiting_on_the_requester_pauses_the_clock() -> None:
    # Arrived Mon 2 Nov; identity documents asked for that day, verified on the 12th.
    events = [step(D(2026, 11, 2), "awaiting_identity"), step(D(2026, 11, 12), "identity_verified")]
    assert derive(D(2026, 11, 2), []).due_date == D(2026, 11, 17)
    # The days of the wait (3rd to 12th) do not count: ten business days from the 12th.
    assert derive(D(2026, 11, 2), events).due_date == D(2026, 11, 27)
    # A policy that does not pause keeps the first date.
    assert derive(D(2026, 11, 2), events, policies={"complaint": NO_PAUSE}).due_date == D(
        2026, 11, 17
    )


def test_every_wait_pauses_and_the_waits_add_up() -> None:
    events = [
        step(D(2026, 11, 2), "awaiting_identity"),
        step(D(2026, 11, 4), "identity_verified"),  # one business day waited (3rd: holiday)
        step(D(2026, 11, 4), "in_progress"),
        step(D(2026, 11, 9), "awaiting_completion"),  # 補正: three business days waited
        step(D(2026, 11, 12), "in_progress"),
    ]
    # 17 Nov moved on by four business days (the 23rd is Labour Thanksgiving Day).
    assert derive(D(2026, 11, 2), events).due_date == D(2026, 11, 24)


def test_a_fee_wait_pauses_like_any_other() -> None:
    events = [
        step(D(2026, 11, 2), "awaiting_identity"),
        step(D(2026, 11, 2), "identity_verified"),
        step(D(2026, 11, 2), "awaiting_fee"),
        step(D(2026, 11, 6), "in_progress"),  # the money order arrived on Friday
    ]
    # 4th, 5th and 6th waited: ten business days from the 6th.
    assert derive(D(2026, 11, 2), events).due_date == D(2026, 11, 20)


def test_while_waiting_the_due_date_is_the_earliest_it_can_be() -> None:
    events = [step(D(2026, 11, 2), "awaiting_identity")]
    on_10th = derive(D(2026, 11, 2), events, today=D(2026, 11, 10))
    assert on_10th.clock_paused and on_10th.waiting_since == D(2026, 11, 2)
    assert on_10th.due_date == D(2026, 11, 25)  # ten business days after today
    on_20th = derive(D(2026, 11, 2), events, today=D(2026, 11, 20))
    assert on_20th.due_date == D(2026, 12, 7)


def test_a_case_late_before_it_waits_stays_late() -> None:
    events = [
        step(D(2026, 11, 2), "identity_verified"),
        step(D(2026, 11, 2), "in_progress"),
        step(D(2026, 11, 20), "awaiting_completion"),  # after its due date, the 17th
    ]
    found = derive(D(2026, 11, 2), events, today=D(2026, 11, 25))
    assert found.due_date == D(2026, 11, 17) and found.clock_paused
    late = Case(
        state=CaseState.AWAITING_COMPLETION,
        due_date=found.due_date,
        clock_paused=True,
        waiting_since=found.waiting_since,
    )
    assert deadlines.is_overdue(late, D(2026, 11, 25))
    # A case that waited in time is not late, however long the wait.
    on_time = Case(
        state=CaseState.AWAITING_COMPLETION,
        due_date=D(2026, 11, 17),
        clock_paused=True,
        waiting_since=D(2026, 11, 10),
    )
    assert not deadlines.is_overdue(on_time, D(2026, 11, 25))


def test_an_extension_sets_the_new_date_and_later_waits_move_it() -> None:
    extended = [step(D(2026, 11, 2), "in_progress"), extension(D(2026, 11, 16), D(2026, 12, 4))]
    found = derive(D(2026, 11, 2), extended)
    assert found.due_date == D(2026, 12, 4) and found.extended_to == D(2026, 12, 4)
    waited = [
        *extended,
        step(D(2026, 11, 24), "awaiting_completion"),
        step(D(2026, 11, 27), "in_progress"),  # 25th, 26th, 27th waited
    ]
    assert derive(D(2026, 11, 2), waited).due_date == D(2026, 12, 9)
    # An extension after the date had passed starts from the day it was granted.
    late = [step(D(2026, 11, 2), "in_progress"), extension(D(2026, 11, 19), D(2026, 11, 26))]
    assert derive(D(2026, 11, 2), late).due_date == D(2026, 11, 26)


def test_the_earliest_item_is_the_cases_due_date() -> None:
    found = derive(D(2026, 12, 17), [], kinds=("disclosure", "complaint"))
    assert found.item_due == {"disclosure": D(2026, 12, 28), "complaint": D(2027, 1, 6)}
    assert found.due_date == D(2026, 12, 28)


def test_a_kind_without_a_policy_gets_the_art39_date() -> None:
    assert derive(D(2026, 11, 16), [], policies={}).due_date == D(2026, 11, 30)


def test_the_clock_runs_while_any_kind_does_not_pause() -> None:
    events = [step(D(2026, 11, 2), "awaiting_identity")]
    policies = {"complaint": NO_PAUSE, "disclosure": CALENDAR_14}
    found = derive(
        D(2026, 11, 2), events, kinds=("disclosure", "complaint"), policies=policies,
        today=D(2026, 11, 10),
    )  # fmt: skip
    assert not found.clock_paused and found.waiting_since == D(2026, 11, 2)
    assert found.due_date == D(2026, 11, 17)  # the complaint's clock never stopped


# --- through the services, stored on the case -------------------------------------------


@pytest.mark.django_db
def test_services_keep_the_stored_deadline_in_step_with_the_history(staff: Any) -> None:
    with office_time(D(2026, 11, 2)) as move:
        case = make_case(
            actor=staff, kinds=("complaint",), arrival_date=D(2026, 11, 2), state="in_progress"
        )
        assert case.due_date == D(2026, 11, 17) and case.warning_date == D(2026, 11, 12)
        assert not case.clock_paused
        move(D(2026, 11, 4))
        case = services.case_request_completion(case=case, actor=staff, reason="対象期間の特定")
        assert case.clock_paused and case.waiting_since == D(2026, 11, 4)
        move(D(2026, 11, 9))
        case = services.case_receive_completion(case=case, actor=staff)
        stored = Case.objects.get(pk=case.pk)
        # The 5th, 6th and 9th were waited: three business days later than the 17th.
        assert stored.due_date == D(2026, 11, 20)
        assert not stored.clock_paused and stored.waiting_since is None
        # The pure function reading the trail agrees with the stored copy.
        assert deadlines.deadline_of(stored).due_date == stored.due_date


@pytest.mark.django_db
def test_correcting_the_arrival_date_moves_the_due_date(staff: Any) -> None:
    with office_time(D(2026, 11, 20)):
        case = make_case(actor=staff, kinds=("complaint",), arrival_date=D(2026, 11, 16))
        assert case.due_date == D(2026, 12, 1)
        form_data = {
            **{name: getattr(case.requester, name) for name in services._REQUESTER_FIELDS},
        }
        case_data = services.CaseData(
            **{name: getattr(case, name) for name in services._CASE_FIELDS}
            | {"arrival_date": D(2026, 11, 13), "postmark_date": D(2026, 11, 12)}
        )
        services.case_update_details(
            case=case,
            actor=staff,
            requester=services.RequesterData(**form_data),
            case_data=case_data,
        )
        assert Case.objects.get(pk=case.pk).due_date == D(2026, 11, 30)


@pytest.mark.django_db
def test_extending_the_due_date(staff: Any) -> None:
    with office_time(D(2026, 11, 20)):
        case = make_case(
            actor=staff, kinds=("complaint",), arrival_date=D(2026, 11, 16), state="in_progress"
        )
        assert case.due_date == D(2026, 12, 1)
        case = letter_services.deadline_extend_with_notice(
            case=case, actor=staff, reason="調査対象の記録が多数のため。", business_days=5
        )
        assert case.due_date == D(2026, 12, 8) and case.state == CaseState.IN_PROGRESS
        event = AuditEvent.objects.filter(case=case, action="case.deadline.extended").get()
        assert event.reason == "調査対象の記録が多数のため。"
        assert event.payload == {
            "new_due_date": "2026-12-08",
            "previous_due_date": "2026-12-01",
            "business_days": 5,
            "reason": "調査対象の記録が多数のため。",
        }
        # The requester is told of the extension, with the reasons, in the same step.
        letter_request = AuditEvent.objects.filter(case=case, action="case.letter.requested")
        assert letter_request.get().seq > event.seq
        case = letter_services.deadline_extend_with_notice(
            case=case, actor=staff, reason="外部委託先の回答待ち。", new_due_date=D(2026, 12, 15)
        )
        assert Case.objects.get(pk=case.pk).due_date == D(2026, 12, 15)
        assert letter_request.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"new_due_date": D(2026, 12, 1)}, "must be later than the current one (2026-12-01)"),
        ({"new_due_date": D(2026, 12, 5)}, "2026-12-05 is not a working day"),
        ({"new_due_date": D(2026, 12, 30)}, "2026-12-30 is not a working day"),
        ({"business_days": 5, "new_due_date": D(2026, 12, 8)}, "Give either"),
        ({}, "Give either"),
        ({"business_days": 5, "reason": "  "}, "Please give a reason"),
    ],
)
def test_an_extension_is_refused_with_the_reason(
    staff: Any, arguments: dict[str, Any], message: str
) -> None:
    with office_time(D(2026, 11, 20)):
        case = make_case(
            actor=staff, kinds=("complaint",), arrival_date=D(2026, 11, 16), state="in_progress"
        )
        events = AuditEvent.objects.count()
        with pytest.raises(InvalidInput) as raised:
            services.case_extend_deadline(
                case=case, actor=staff, **{"reason": "多忙のため", **arguments}
            )
        assert message in raised.value.message
        assert Case.objects.get(pk=case.pk).due_date == D(2026, 12, 1)
        assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_an_extension_waits_until_the_clock_runs(staff: Any, auditor: Any) -> None:
    with office_time(D(2026, 11, 20)):
        case = make_case(actor=staff, kinds=("complaint",), state="awaiting_identity")
        page = client_for(staff).get(reverse("requests_app:case_detail", args=[case.reference]))
        html = page.content.decode()
        assert "The deadline clock is paused while the case waits on the requester" in html
        assert f'action="/cases/{case.reference}/extend/"' not in html
        with pytest.raises(TransitionBlocked, match="not possible yet"):
            services.case_extend_deadline(case=case, actor=staff, reason="x", business_days=3)
        # Auditors read the deadline but have no form to change it.
        in_progress = make_case(actor=staff, kinds=("complaint",), state="in_progress")
        url = reverse("requests_app:case_detail", args=[in_progress.reference])
        assert 'data-action="extend_deadline"' not in client_for(auditor).get(url).content.decode()
        response = client_for(auditor).post(
            reverse("requests_app:extend_deadline", args=[in_progress.reference]),
            {"expected_state": "in_progress", "business_days": "3", "reason": "x"},
        )
        assert response.status_code == 403


@pytest.mark.django_db
def test_extending_on_the_case_page(staff: Any) -> None:
    with office_time(D(2026, 11, 20)):
        case = make_case(
            actor=staff, kinds=("complaint",), arrival_date=D(2026, 11, 16), state="in_progress"
        )
        client = client_for(staff)
        url = reverse("requests_app:extend_deadline", args=[case.reference])
        bad = client.post(
            url,
            {"expected_state": "in_progress", "new_due_date": "2026-12-05", "reason": ""},
        )
        assert bad.status_code == 400
        html = bad.content.decode()
        assert "2026-12-05 is not a working day" in html
        assert "This field is required." in html  # the reason
        assert Case.objects.get(pk=case.pk).due_date == D(2026, 12, 1)
        good = client.post(
            url,
            {"expected_state": "in_progress", "new_due_date": "2026-12-07", "reason": "繁忙期"},
            follow=True,
        )
        html = good.content.decode()
        assert "The due date is now 2026-12-07." in html
        assert "Due date extended" in html  # the timeline
        assert "2026-12-01 → 2026-12-07" in html  # the extensions list
        assert Case.objects.get(pk=case.pk).due_date == D(2026, 12, 7)


@pytest.mark.django_db
def test_the_case_page_shows_the_deadline(staff: Any) -> None:
    with office_time(D(2026, 11, 25)):
        late = make_case(
            actor=staff, kinds=("complaint",), arrival_date=D(2026, 11, 2), state="in_progress"
        )
        html = (
            client_for(staff)
            .get(reverse("requests_app:case_detail", args=[late.reference]))
            .content.decode()
        )
        assert "2026-11-17" in html and "5 business days late" in html  # 18-20, 24, 25
        assert 'class="overdue-mark"' in html
        assert "Art. 39 date" in html and "2026-11-16" in html
        assert "10 business days" in html  # the complaint's policy
        soon = make_case(
            actor=staff, kinds=("disclosure",), arrival_date=D(2026, 11, 16), state="in_progress"
        )
        page = client_for(staff, "ja").get(
            reverse("requests_app:case_detail", args=[soon.reference])
        )
        html = page.content.decode()
        assert "2026-11-30" in html and "残り3営業日" in html
        assert 'class="overdue-mark"' not in html


@pytest.mark.django_db
def test_a_waiting_case_shows_its_paused_clock(staff: Any) -> None:
    with office_time(D(2026, 11, 2)) as move:
        case = make_case(actor=staff, kinds=("complaint",), arrival_date=D(2026, 11, 2))
        services.case_begin_identity_check(case=case, actor=staff)
        move(D(2026, 11, 10))
        html = (
            client_for(staff)
            .get(reverse("requests_app:case_detail", args=[case.reference]))
            .content.decode()
        )
        assert "Paused since 2026-11-02 (8 days)" in html
        assert "Clock paused" in html
        assert "2026-11-25" in html  # ten business days after today


# --- when an administrator changes the rules ----------------------------------------------


@pytest.mark.django_db
def test_editing_a_policy_recomputes_open_cases(
    staff: Any, manager: Any, administrator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with office_time(D(2026, 11, 20)):
        case = make_case(actor=staff, kinds=("complaint",), arrival_date=D(2026, 11, 16))
        closed = make_case(
            actor=staff,
            manager=manager,
            kinds=("complaint",),
            arrival_date=D(2026, 11, 16),
            state="closed",
        )
        assert case.due_date == D(2026, 12, 1)
        policy = SLAPolicy.objects.get(kind="complaint")
        url = reverse("admin:requests_app_slapolicy_change", args=[policy.pk])
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(administrator).post(
                url,
                {
                    "kind": "complaint",
                    "target_days": "5",
                    "day_count": "business",
                    "warning_days": "2",
                    "pauses_while_waiting": "on",
                    "search_task_days": "3",
                },
            )
        assert response.status_code == 302
        assert Case.objects.get(pk=case.pk).due_date == D(2026, 11, 24)
        assert Case.objects.get(pk=closed.pk).due_date == closed.due_date
        event = AuditEvent.objects.filter(action="reference.changed").get()
        assert event.actor == administrator
        assert event.payload["changes"] == [
            {"field": "target_days", "before": 10, "after": 5},
            {"field": "warning_days", "before": 3, "after": 2},
        ]


@pytest.mark.django_db
def test_adding_a_closure_day_recomputes_open_cases(
    staff: Any, administrator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with office_time(D(2026, 11, 20)):
        case = make_case(actor=staff, kinds=("complaint",), arrival_date=D(2026, 11, 16))
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(administrator).post(
                reverse("admin:requests_app_closureday_add"),
                {"name": "臨時休業", "month": "11", "day": "25", "year": "2026"},
            )
        assert response.status_code == 302
        assert Case.objects.get(pk=case.pk).due_date == D(2026, 12, 2)


@pytest.mark.django_db
def test_recomputing_all_open_cases_agrees_with_one_by_one(staff: Any) -> None:
    with office_time(D(2026, 11, 2)) as move:
        cases = [
            make_case(actor=staff, kinds=("complaint",), arrival_date=D(2026, 11, 2)),
            make_case(actor=staff, kinds=("disclosure", "correction"), state="in_progress"),
            make_case(actor=staff, kinds=("correction",), state="awaiting_identity"),
        ]
        move(D(2026, 11, 16))
        before = {case.pk: Case.objects.get(pk=case.pk).due_date for case in cases}
        # Only the waiting case's earliest date moved with the days.
        assert deadlines.refresh_open_cases() == 1
        for case in cases:
            stored = Case.objects.get(pk=case.pk)
            assert stored.due_date == deadlines.deadline_of(stored).due_date
        waiting = Case.objects.get(pk=cases[2].pk)
        assert waiting.due_date > before[waiting.pk]
        assert deadlines.refresh_open_cases() == 0


# --- the case list ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_filters_and_marks_by_business_days(staff: Any) -> None:
    def complaint(arrival: date, state: str = "in_progress") -> Case:
        return make_case(actor=staff, kinds=("complaint",), arrival_date=arrival, state=state)

    with office_time(D(2026, 11, 28)) as move:  # a Saturday
        monday = complaint(D(2026, 11, 13))  # due Mon 30 Nov
        friday = complaint(D(2026, 11, 19))  # due Fri 4 Dec
        next_monday = complaint(D(2026, 11, 20))  # due Mon 7 Dec
        late = complaint(D(2026, 11, 2))  # due 17 Nov
        waiting = complaint(D(2026, 11, 27), state="awaiting_identity")  # clock paused
        late_then_waiting = complaint(D(2026, 11, 2), state="awaiting_identity")
        assert (monday.due_date, friday.due_date, next_monday.due_date) == (
            D(2026, 11, 30),
            D(2026, 12, 4),
            D(2026, 12, 7),
        )
        client = client_for(staff)

        def listed(**params: str) -> set[str]:
            response = client.get(reverse("requests_app:case_list"), params)
            return {case.reference for case in response.context["page"].object_list}

        # On a weekend "this week" is the coming working week.
        assert listed(due="week") == {monday.reference, friday.reference}
        assert listed(due="overdue") == {late.reference, late_then_waiting.reference}
        html = client.get(reverse("requests_app:case_list")).content.decode()
        assert "1 business day left" in html  # Monday's case, seen on Saturday
        assert "5 business days left" in html  # Friday's
        assert "Clock paused" in html
        assert "7 business days late" in html  # 18-20 and 24-27 Nov (23rd: a holiday)
        move(D(2026, 12, 4))  # Friday: Monday's case is now late, next Monday's not this week
        client.force_login(staff)  # a new day, a new sign-in: a session lasts 8 hours
        assert listed(due="week") == {friday.reference}
        assert waiting.reference not in listed(due="overdue")
        html = client.get(reverse("requests_app:case_list"), {"due": "week"}).content.decode()
        assert "Due today" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "allowed"),
    [("staff", True), ("manager", True), ("auditor", False), ("administrator", False),
     ("outsider", False)],
)  # fmt: skip
def test_who_may_extend(personas: dict[str, Any], who: str, allowed: bool) -> None:
    with office_time(D(2026, 11, 20)):
        case = make_case(
            actor=personas["staff"],
            kinds=("complaint",),
            arrival_date=D(2026, 11, 16),
            state="in_progress",
        )
        response = client_for(personas[who]).post(
            reverse("requests_app:extend_deadline", args=[case.reference]),
            {"expected_state": "in_progress", "business_days": "2", "reason": "繁忙期のため"},
        )
        assert response.status_code == (302 if allowed else 403)
        expected = D(2026, 12, 3) if allowed else D(2026, 12, 1)
        assert Case.objects.get(pk=case.pk).due_date == expected


@pytest.mark.django_db
def test_the_administrator_edits_closure_days_and_policies_in_the_admin(
    administrator: Any, staff: Any
) -> None:
    client = client_for(administrator)
    closures = client.get(reverse("admin:requests_app_closureday_changelist"))
    assert closures.status_code == 200
    assert "every year on 12/29" in closures.content.decode()
    policies = client.get(reverse("admin:requests_app_slapolicy_changelist"))
    assert policies.status_code == 200
    assert "Disclosure (Art. 33)" in policies.content.decode()
    # A day that does not exist is refused with a message, and nothing is saved.
    refused = client.post(
        reverse("admin:requests_app_closureday_add"),
        {"name": "誤り", "month": "2", "day": "30", "year": ""},
    )
    assert refused.status_code == 200
    assert "There is no such day in that month." in refused.content.decode()
    assert not ClosureDay.objects.filter(name="誤り").exists()
    # Policies are changed, never deleted: every kind keeps one.
    policy = SLAPolicy.objects.get(kind="disclosure")
    assert (
        client.get(reverse("admin:requests_app_slapolicy_delete", args=[policy.pk])).status_code
        == 403
    )
    assert client_for(staff).get(
        reverse("admin:requests_app_slapolicy_changelist")
    ).status_code in (
        302,
        403,
    )

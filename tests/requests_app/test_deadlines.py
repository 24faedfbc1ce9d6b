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
from requests_app.demo.cases import ask_by_letter
from requests_app.errors import InvalidInput, TransitionBlocked
from requests_app.letters import services as letter_services
from requests_app.models import Case, ClosureDay, Letter, SLAPolicy
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


def asked(day: date, to_state: str, *, recorded: date | None = None) -> Change:
    """The request to the person mailed on `day` (recorded that day or later)."""
    return Change(tokyo(recorded or day), "case.step", to_state, {"asked_on": str(day)})


def arrived(day: date, to_state: str, *, recorded: date | None = None) -> Change:
    """What was asked arrived on `day`, as staff entered it (recorded that day or later)."""
    return Change(tokyo(recorded or day), "case.step", to_state, {"received_on": str(day)})


# November 2026: Tue 3 is Culture Day and Mon 23 Labour Thanksgiving Day (holidays).
ARRIVED = D(2026, 11, 2)  # a Monday


@pytest.mark.parametrize(
    ("kind", "due"),
    [
        # 14 calendar days from the 3rd: the 16th, a Monday.
        ("disclosure", D(2026, 11, 16)),
        # Ten business days from the 4th: 4, 5, 6, 9, 10, 11, 12, 13, 16, 17.
        ("complaint", D(2026, 11, 17)),
    ],
)
def test_documents_in_the_envelope_do_not_pause_the_clock(kind: str, due: date) -> None:
    # Checking what came in the envelope is the company's own work, however long it takes.
    events = [step(ARRIVED, "awaiting_identity"), step(D(2026, 11, 12), "identity_verified")]
    assert derive(ARRIVED, [], kinds=(kind,)).due_date == due
    found = derive(ARRIVED, events, kinds=(kind,), today=D(2026, 11, 12))
    assert found.due_date == due
    assert not found.clock_paused and found.waiting_since is None


@pytest.mark.parametrize(
    ("kind", "due"),
    [
        # Calendar days: 3 and 4 Nov count (2); 5-10 Nov do not; then 11-22 Nov (12 more)
        # make 14. The 22nd is a Sunday: brought forward to Friday the 20th.
        ("disclosure", D(2026, 11, 20)),
        # Business days: only the 4th counts before the request (the 3rd is a holiday); then
        # 11, 12, 13, 16, 17, 18, 19, 20, 24 (the 23rd is a holiday) make ten.
        ("complaint", D(2026, 11, 24)),
    ],
)
def test_a_request_for_documents_pauses_from_the_day_it_was_mailed(kind: str, due: date) -> None:
    events = [
        step(ARRIVED, "awaiting_identity"),
        # The request was mailed on Thursday the 5th and recorded on Friday the 6th.
        asked(D(2026, 11, 5), "awaiting_documents", recorded=D(2026, 11, 6)),
        # The documents arrived on Tuesday the 10th; staff recorded it on the 11th.
        arrived(D(2026, 11, 10), "awaiting_identity", recorded=D(2026, 11, 11)),
        step(D(2026, 11, 11), "identity_verified"),
    ]
    waiting = derive(ARRIVED, events[:2], kinds=(kind,), today=D(2026, 11, 7))
    assert waiting.clock_paused and waiting.waiting_since == D(2026, 11, 5)
    found = derive(ARRIVED, events, kinds=(kind,), today=D(2026, 11, 11))
    assert found.due_date == due
    assert not found.clock_paused and found.waiting_since is None


def test_the_clock_resumes_the_day_after_what_was_asked_arrived() -> None:
    asked_on_5th = asked(D(2026, 11, 5), "awaiting_documents")
    # Arrived on the 10th: counting resumes on the 11th (see above: due the 24th) ...
    on_10th = [asked_on_5th, arrived(D(2026, 11, 10), "awaiting_identity")]
    assert derive(ARRIVED, on_10th).due_date == D(2026, 11, 24)
    # ... arrived on the 11th: resumes on the 12th, one business day later.
    on_11th = [asked_on_5th, arrived(D(2026, 11, 11), "awaiting_identity")]
    assert derive(ARRIVED, on_11th).due_date == D(2026, 11, 25)
    # The day staff enter counts, not the day they enter it.
    late_entry = [
        asked_on_5th,
        arrived(D(2026, 11, 10), "awaiting_identity", recorded=D(2026, 11, 13)),
    ]
    assert derive(ARRIVED, late_entry).due_date == D(2026, 11, 24)


def test_every_wait_pauses_and_the_waits_add_up() -> None:
    events = [
        step(ARRIVED, "awaiting_identity"),
        asked(D(2026, 11, 4), "awaiting_documents"),  # nothing counted yet (3rd: holiday)
        arrived(D(2026, 11, 5), "awaiting_identity"),  # 4th and 5th waited
        step(D(2026, 11, 5), "identity_verified"),
        step(D(2026, 11, 5), "in_progress"),  # 6th and 9th count (2)
        asked(D(2026, 11, 10), "awaiting_completion"),  # 補正: 10th to 12th waited
        arrived(D(2026, 11, 12), "in_progress"),
    ]
    # Eight more from the 13th: 13, 16, 17, 18, 19, 20, 24, 25.
    assert derive(ARRIVED, events).due_date == D(2026, 11, 25)


def test_a_fee_wait_pauses_like_any_other() -> None:
    events = [
        step(ARRIVED, "awaiting_identity"),
        step(ARRIVED, "identity_verified"),
        asked(ARRIVED, "awaiting_fee"),  # the request for the fee mailed the day it arrived
        arrived(D(2026, 11, 6), "in_progress"),  # the money order arrived on Friday
    ]
    # 4th, 5th and 6th waited: ten business days from the 9th (9-13, 16-20).
    assert derive(ARRIVED, events).due_date == D(2026, 11, 20)


def test_while_waiting_the_due_date_is_the_earliest_it_can_be() -> None:
    events = [asked(ARRIVED, "awaiting_documents")]
    on_10th = derive(ARRIVED, events, today=D(2026, 11, 10))
    assert on_10th.clock_paused and on_10th.waiting_since == ARRIVED
    assert on_10th.due_date == D(2026, 11, 25)  # ten business days after today
    on_20th = derive(ARRIVED, events, today=D(2026, 11, 20))
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
        asked(D(2026, 11, 24), "awaiting_completion"),
        arrived(D(2026, 11, 27), "in_progress"),  # 24th to 27th waited
    ]
    # 13 business days were left on the 16th; 17-20 Nov used four; nine from the 30th:
    # 30 Nov, 1, 2, 3, 4, 7, 8, 9, 10 Dec.
    assert derive(D(2026, 11, 2), waited).due_date == D(2026, 12, 10)
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
    events = [asked(D(2026, 11, 2), "awaiting_documents")]
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
        case = ask_by_letter(case, staff=staff, completion="対象期間の特定をお願いします。")
        assert case.state == CaseState.AWAITING_COMPLETION
        assert case.clock_paused and case.waiting_since == D(2026, 11, 4)
        move(D(2026, 11, 10))
        case = services.case_receive_completion(case=case, actor=staff, received_on=D(2026, 11, 9))
        stored = Case.objects.get(pk=case.pk)
        # The 4th (the request mailed) to the 9th (the answer arrived) do not count: ten
        # business days from the 10th: 10-13, 16-20, 24 (the 23rd is a holiday).
        assert stored.due_date == D(2026, 11, 24)
        assert not stored.clock_paused and stored.waiting_since is None
        # The pure function reading the trail agrees with the stored copy.
        assert deadlines.deadline_of(stored).due_date == stored.due_date


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "due"),
    [("disclosure", D(2026, 11, 20)), ("complaint", D(2026, 11, 24))],
)
def test_a_request_for_documents_mailed_pauses_and_their_arrival_resumes(
    staff: Any, kind: str, due: date
) -> None:
    """Through the services: the dates of the pure test above, counted by hand there."""
    with office_time(ARRIVED) as move:
        case = make_case(actor=staff, kinds=(kind,), arrival_date=ARRIVED)
        case = services.case_begin_identity_check(case=case, actor=staff)
        unpaused = case.due_date
        assert not case.clock_paused  # the documents in the envelope are being checked
        move(D(2026, 11, 4))
        letter = letter_services.letter_request(case=case, actor=staff, kind="deficiency")
        letter_services.letter_generate(letter_id=letter.pk)
        move(D(2026, 11, 6))
        letter_services.letter_record_mailing(
            letter=Letter.objects.get(pk=letter.pk),
            actor=staff,
            method="ordinary",
            tracking_number="",
            sent_on=D(2026, 11, 5),
        )
        case = Case.objects.get(pk=case.pk)
        assert case.state == CaseState.AWAITING_DOCUMENTS
        assert case.clock_paused and case.waiting_since == D(2026, 11, 5)
        event = AuditEvent.objects.get(case=case, action="case.documents.requested")
        assert event.payload == {"asked_on": "2026-11-05", "letter_number": letter.number}
        move(D(2026, 11, 11))
        case = services.case_receive_documents(case=case, actor=staff, received_on=D(2026, 11, 10))
        assert case.state == CaseState.AWAITING_IDENTITY
        stored = Case.objects.get(pk=case.pk)
        assert stored.due_date == due and stored.due_date > unpaused
        assert not stored.clock_paused


@pytest.mark.django_db
def test_logging_a_document_that_was_asked_for_ends_the_wait_on_its_day(staff: Any) -> None:
    from tests.identity.factories import log_document

    with office_time(ARRIVED) as move:
        case = make_case(actor=staff, kinds=("complaint",), arrival_date=ARRIVED)
        move(D(2026, 11, 5))
        case = make_case_wait(case, staff, D(2026, 11, 5))
        move(D(2026, 11, 11))
        log_document(case, staff, "passport", received_on=D(2026, 11, 10))
        case = Case.objects.get(pk=case.pk)
        assert case.state == CaseState.AWAITING_IDENTITY
        assert case.due_date == D(2026, 11, 24)
        event = AuditEvent.objects.get(case=case, action="case.documents.received")
        assert event.payload == {"received_on": "2026-11-10"}


def make_case_wait(case: Case, staff: Any, mailed: date) -> Case:
    case = services.case_begin_identity_check(case=case, actor=staff)
    letter = letter_services.letter_request(case=case, actor=staff, kind="deficiency")
    letter_services.letter_generate(letter_id=letter.pk)
    letter_services.letter_record_mailing(
        letter=Letter.objects.get(pk=letter.pk),
        actor=staff,
        method="ordinary",
        tracking_number="",
        sent_on=mailed,
    )
    return Case.objects.get(pk=case.pk)


@pytest.mark.django_db
def test_an_arrival_before_the_request_or_in_the_future_is_refused(staff: Any) -> None:
    with office_time(ARRIVED) as move:
        case = make_case(actor=staff, kinds=("complaint",), arrival_date=ARRIVED)
        move(D(2026, 11, 5))
        case = make_case_wait(case, staff, D(2026, 11, 5))
        move(D(2026, 11, 6))
        for day, message in (
            (D(2026, 11, 4), "before the request was mailed (2026-11-05)"),
            (D(2026, 11, 7), "cannot be in the future"),
        ):
            with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
                services.case_receive_documents(case=case, actor=staff, received_on=day)
        assert Case.objects.get(pk=case.pk).state == CaseState.AWAITING_DOCUMENTS


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
        case = make_case(actor=staff, kinds=("complaint",), state="awaiting_documents")
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
        make_case_wait(case, staff, D(2026, 11, 2))
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
            make_case(actor=staff, kinds=("correction",), state="awaiting_documents"),
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
        waiting = complaint(D(2026, 11, 27), state="awaiting_documents")  # clock paused
        late_then_waiting = complaint(D(2026, 11, 2), state="awaiting_documents")
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

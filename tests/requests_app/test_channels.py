"""Requests and inquiries that do not come by post (issue 15, part 7).

The policy publishes a telephone number and an e-mail address for inquiries (Section 15), so
an inquiry, opinion or complaint (Art. 40) may come any way and is handled as it came. A
request to be told the purposes, or to disclose, correct or erase (Arts. 32-35), is made by
the company's published method, in writing by post (Art. 37(1)): one that comes by telephone,
e-mail or in person is logged, answered with the procedure (a letter, or for an e-mail the
text to send), and waits for the letter; its deadline and Art. 39 date start only when that
arrives, and until then it is neither late nor in the SLA figures.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from requests_app import deadlines, services
from requests_app.audit import AuditEvent
from requests_app.business_calendar import load_calendar
from requests_app.choices import CaseState, Channel
from requests_app.dashboard import build, default_filters
from requests_app.demo import cases as demo
from requests_app.errors import InvalidInput, TransitionBlocked
from requests_app.letters import services as letters
from requests_app.letters.kinds import LetterKind
from requests_app.letters.selectors import available_kinds, guide_emails
from requests_app.models import Case, SLAPolicy
from requests_app.selectors import CaseFilters, case_list
from tests.clock import office_time, tokyo
from tests.conftest import client_for
from tests.factories import CaseDataFactory, RequesterDataFactory, make_case, stored_files_in_place
from tests.requests_app.letters.conftest import pdftotext, stored_bytes
from tests.requests_app.test_intake import valid_post

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 9)  # a working week with no holiday: Nov 9-13


def open_by(
    channel: str,
    actor: Any,
    *,
    kinds: tuple[str, ...] = ("disclosure",),
    day: date = MONDAY,
    hour: int = 9,
) -> Case:
    """A case as intake logs a call, a visit or an e-mail on `day` at `hour`."""
    return services.case_open(
        actor=actor,
        requester=RequesterDataFactory(),
        case_data=CaseDataFactory(
            arrival_date=day, postmark_date=None, registered_mail_number="", mail_type="ordinary"
        ),
        items=[services.ItemData(kind=kind, details=demo.DETAILS[kind]) for kind in kinds],
        contact=services.ContactData(
            channel=channel,
            contact_at=tokyo(day, hour),
            taken_by=None if channel == Channel.EMAIL else actor,
            email_sender="misaki@example.jp" if channel == Channel.EMAIL else "",
        ),
    )


def test_a_disclosure_asked_for_by_email_waits_for_the_written_request(staff: Any) -> None:
    with office_time(MONDAY, hour=14):
        case = open_by(Channel.EMAIL, staff)
    assert case.state == CaseState.AWAITING_WRITTEN_REQUEST
    assert case.channel == Channel.EMAIL and case.email_sender == "misaki@example.jp"
    assert case.clock_paused and case.waiting_since == MONDAY
    opened = AuditEvent.objects.get(case=case, action="case.opened")
    assert opened.payload["channel"] == "email"
    assert opened.payload["email_sender"] == "misaki@example.jp"
    # Weeks later, no letter yet: its due date is still the earliest it can be (as if the
    # letter came today), and it is neither late nor counted as due.
    later = MONDAY + timedelta(days=30)  # Wed Dec 9; +14 is a working day
    with office_time(later):
        deadlines.refresh_due_date(case)
        assert case.due_date == later + timedelta(days=14)
        assert not deadlines.is_overdue(case, later)
        for due in ("overdue", "week", "soon"):
            assert not case_list(CaseFilters(due=due), today=later).filter(pk=case.pk).exists()
        # Staff see it among the cases that wait on the person.
        assert case_list(CaseFilters(state="waiting"), today=later).filter(pk=case.pk).exists()


def test_the_written_request_starts_the_deadline_and_the_art39_date(staff: Any) -> None:
    with office_time(MONDAY):
        case = open_by(Channel.TELEPHONE, staff)
    arrived = MONDAY + timedelta(days=10)  # Thursday Nov 19
    with office_time(arrived, hour=15):
        case = services.case_receive_written_request(
            case=case,
            actor=staff,
            arrival_date=arrived,
            postmark_date=arrived - timedelta(days=1),
            mail_type="simple_registered",
            registered_mail_number="1234-5678-9012",
            reason="書面が届きました",
        )
    case.refresh_from_db()
    assert case.state == CaseState.RECEIVED
    assert case.arrival_date == arrived and case.art39_date == arrived + timedelta(days=14)
    assert not case.clock_paused and case.waiting_since is None
    # The same due date as a letter that arrived that day by post: the call left no trace.
    with office_time(arrived):
        by_post = make_case(actor=staff, arrival_date=arrived)
    assert case.due_date == by_post.due_date == arrived + timedelta(days=14)
    assert case.registered_mail_number == "1234-5678-9012" and case.mail_type == "simple_registered"
    event = AuditEvent.objects.get(case=case, action="case.written_request.received")
    assert event.payload["first_contact"] == MONDAY.isoformat()
    assert event.payload["arrival_date"] == arrived.isoformat()
    # From here it is a case like any other: its documents are checked.
    with office_time(arrived):
        case = services.case_begin_identity_check(case=case, actor=staff)
    assert case.state == CaseState.AWAITING_IDENTITY


def test_the_hold_ignores_a_policy_that_does_not_pause(staff: Any) -> None:
    SLAPolicy.objects.filter(kind="disclosure").update(pauses_while_waiting=False)
    with office_time(MONDAY):
        case = open_by(Channel.IN_PERSON, staff)
    later = MONDAY + timedelta(days=30)
    with office_time(later):
        deadlines.refresh_due_date(case)
    assert case.clock_paused and not deadlines.is_overdue(case, later)


def test_a_written_request_dated_in_the_future_changes_nothing(staff: Any) -> None:
    with office_time(MONDAY):
        case = open_by(Channel.TELEPHONE, staff)
        with pytest.raises(InvalidInput):
            services.case_receive_written_request(
                case=case, actor=staff, arrival_date=MONDAY + timedelta(days=1)
            )
    case.refresh_from_db()
    assert case.state == CaseState.AWAITING_WRITTEN_REQUEST and case.arrival_date == MONDAY
    assert not AuditEvent.objects.filter(action="case.written_request.received").exists()


def test_a_complaint_by_telephone_runs_from_the_call_without_documents(
    staff: Any, manager: Any
) -> None:
    with office_time(MONDAY, hour=16):
        case = open_by(Channel.TELEPHONE, staff, kinds=("complaint",), hour=16)
    assert case.state == CaseState.RECEIVED and case.arrival_date == MONDAY
    assert not case.clock_paused
    # Ten business days from the day after the call (Mon Nov 9 -> Mon Nov 23 is a holiday,
    # Labour Thanksgiving Day, so the tenth business day is Tue Nov 24).
    assert case.due_date == load_calendar().add_business_days(MONDAY, 10)
    assert case.contact_taken_by == staff
    with office_time(MONDAY + timedelta(days=1)):
        case = services.case_take_up_inquiry(case=case, actor=staff)
    assert case.state == CaseState.IN_PROGRESS


def test_only_an_inquiry_that_did_not_come_by_post_skips_the_documents(staff: Any) -> None:
    with office_time(MONDAY):
        by_post = make_case(actor=staff, kinds=("complaint",), arrival_date=MONDAY)
        mixed = open_by(Channel.TELEPHONE, staff, kinds=("complaint",))
    detail_page = client_for(staff).get(
        reverse("requests_app:case_detail", args=[by_post.reference])
    )
    # Not offered, disabled, on a case where it does not apply.
    assert b'data-action="take_up_inquiry"' not in detail_page.content
    page = client_for(staff).get(reverse("requests_app:case_detail", args=[mixed.reference]))
    assert b'data-action="take_up_inquiry"' in page.content
    with office_time(MONDAY), pytest.raises(TransitionBlocked):
        services.case_take_up_inquiry(case=by_post, actor=staff)


def test_a_request_that_mixes_a_complaint_with_a_disclosure_waits_as_a_whole(staff: Any) -> None:
    with office_time(MONDAY):
        case = open_by(Channel.TELEPHONE, staff, kinds=("disclosure", "complaint"))
    assert case.state == CaseState.AWAITING_WRITTEN_REQUEST


def test_the_email_text_explains_the_postal_procedure(staff: Any) -> None:
    with office_time(MONDAY):
        case = open_by(Channel.EMAIL, staff)
        ja, en = guide_emails(case)
    assert ja.to == en.to == "misaki@example.jp"
    assert case.reference in ja.subject and case.reference in en.subject
    assert "書面での郵送" in ja.body and "電子メールでのご請求はお受けできません" in ja.body
    assert "1-1-19 Heiwa" in en.body or "平和" in ja.body
    # What to enclose: the identity rules' own sentences, and the fee of a disclosure.
    assert "本人確認書類" in ja.body and "手数料" in ja.body
    assert "in writing, by post" in en.body and "fee" in en.body
    # A person's name with markup is text in a mail, not escaped HTML.
    assert "&lt;" not in ja.body and "&amp;" not in en.body


def test_sending_the_email_is_recorded(staff: Any) -> None:
    with office_time(MONDAY):
        case = open_by(Channel.EMAIL, staff)
    client = client_for(staff)
    with office_time(MONDAY, hour=15):
        page = client.get(reverse("requests_app:case_detail", args=[case.reference]))
        assert b'data-testid="guide-email"' in page.content
        response = client.post(
            reverse("requests_app:guide_emailed", args=[case.reference]),
            {"sent_at": f"{MONDAY.isoformat()}T14:30"},
        )
    assert response.status_code == 302
    event = AuditEvent.objects.get(case=case, action="case.guide.emailed")
    assert event.payload["to"] == "misaki@example.jp"
    assert event.payload["sent_at"].startswith(f"{MONDAY.isoformat()}T14:30")


def test_a_guide_email_cannot_be_recorded_for_a_letter(staff: Any) -> None:
    with office_time(MONDAY):
        case = open_by(Channel.TELEPHONE, staff)
        with pytest.raises(InvalidInput):
            services.case_record_guide_emailed(case=case, actor=staff, sent_at=tokyo(MONDAY, 9))
    assert not AuditEvent.objects.filter(action="case.guide.emailed").exists()


def test_the_guide_letter_for_a_caller(staff: Any) -> None:
    with office_time(MONDAY):
        case = open_by(Channel.TELEPHONE, staff)
        assert available_kinds(case) == [LetterKind.PROCEDURE_GUIDE]
        with stored_files_in_place():
            letter = letters.letter_request(case=case, actor=staff, kind=LetterKind.PROCEDURE_GUIDE)
            letters.letter_generate(letter_id=letter.pk)
            english = letters.letter_request(
                case=case, actor=staff, kind=LetterKind.PROCEDURE_GUIDE, language="en"
            )
            letters.letter_generate(letter_id=english.pk)
    letter.refresh_from_db()
    english.refresh_from_db()
    assert letter.content["contact"] == {"channel": "telephone", "on": MONDAY.isoformat()}
    assert letter.content["missing"], "what to enclose comes from the identity rules"
    text = pdftotext(stored_bytes(letter)).replace(" ", "").replace("\n", "")
    assert "お電話" in text and "書面での郵送" in text and case.reference in text
    assert "手数料" in text and "本人確認書類" in text
    english_text = " ".join(pdftotext(stored_bytes(english)).split())
    assert "by telephone" in english_text and "in writing, by post" in english_text


def test_waiting_for_the_written_request_is_not_in_the_sla_figures(
    staff: Any, manager: Any
) -> None:
    with office_time(MONDAY):
        waiting = open_by(Channel.EMAIL, staff)
        by_post = make_case(actor=staff, arrival_date=MONDAY)
    later = MONDAY + timedelta(days=20)
    with office_time(later):
        board = build(default_filters(later), today=later, calendar=load_calendar())
        shown = case_list(board.open_cases.filters, today=later)
        assert by_post in shown and waiting not in shown
        assert board.open_cases.value == shown.count()
        assert board.waiting is not None
        assert waiting not in case_list(board.waiting.filters, today=later)
    # The list the dashboard links to says so in its URL; the list page agrees.
    params = board.open_cases.filters.list_params()
    assert params["written"] == "yes"
    page = client_for(manager).get(reverse("requests_app:case_list"), params)
    assert waiting.reference not in page.content.decode()
    assert by_post.reference in page.content.decode()


def test_the_case_list_filters_by_channel(staff: Any) -> None:
    with office_time(MONDAY):
        phoned = open_by(Channel.TELEPHONE, staff, kinds=("complaint",))
        emailed = open_by(Channel.EMAIL, staff)
        posted = make_case(actor=staff, arrival_date=MONDAY)
    client = client_for(staff)
    for channel, expected in (("telephone", phoned), ("email", emailed), ("post", posted)):
        page = client.get(reverse("requests_app:case_list"), {"channel": channel})
        html = page.content.decode()
        assert expected.reference in html
        for other in {phoned, emailed, posted} - {expected}:
            assert other.reference not in html


def test_intake_by_telephone_through_the_form(staff: Any, manager: Any) -> None:
    client = client_for(staff)
    with office_time(MONDAY, hour=15):
        response = client.post(
            "/cases/new/",
            valid_post(
                channel="telephone",
                contact_at=f"{MONDAY.isoformat()}T10:45",
                contact_taken_by=str(manager.pk),
                # Left over from the envelope fields, hidden by the page's script: ignored.
                arrival_date="",
                postmark_date="2026-11-01",
                registered_mail_number="9999",
                kind_complaint="",
            ),
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    assert case.channel == Channel.TELEPHONE and case.contact_taken_by == manager
    assert case.arrival_date == MONDAY and case.postmark_date is None
    assert case.registered_mail_number == ""
    assert case.state == CaseState.AWAITING_WRITTEN_REQUEST
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="deadline-held"' in page and 'id="written-request"' in page


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"channel": "telephone", "contact_at": "", "contact_taken_by": ""}, "contact_at"),
        ({"channel": "telephone", "contact_at": "2026-11-09T10:00"}, "contact_taken_by"),
        (
            {"channel": "email", "contact_at": "2026-11-09T10:00", "email_sender": ""},
            "email_sender",
        ),
        (
            {"channel": "email", "contact_at": "2026-12-09T10:00", "email_sender": "a@b.jp"},
            "contact_at",
        ),
        ({"channel": "post", "arrival_date": ""}, "arrival_date"),
        ({"channel": "fax"}, "channel"),
    ],
)
def test_intake_errors_point_to_the_field_and_save_nothing(
    staff: Any, overrides: dict[str, str], field: str
) -> None:
    client = client_for(staff)
    with office_time(MONDAY, hour=15):
        response = client.post("/cases/new/", valid_post(**overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Case.objects.exists()


def test_a_written_request_form_with_errors_is_shown_again(staff: Any) -> None:
    with office_time(MONDAY):
        case = open_by(Channel.TELEPHONE, staff)
    client: Client = client_for(staff)
    with office_time(MONDAY + timedelta(days=3)):
        response = client.post(
            reverse("requests_app:written_request", args=[case.reference]),
            {
                "expected_state": case.state,
                "arrival_date": (MONDAY + timedelta(days=3)).isoformat(),
                "postmark_date": (MONDAY + timedelta(days=4)).isoformat(),
                "mail_type": "ordinary",
            },
        )
    assert response.status_code == 400
    assert "postmark_date" in response.context["written_request_form"].errors
    case.refresh_from_db()
    assert case.state == CaseState.AWAITING_WRITTEN_REQUEST


def test_the_written_request_through_the_page(staff: Any) -> None:
    with office_time(MONDAY):
        case = open_by(Channel.TELEPHONE, staff)
    client = client_for(staff)
    arrived = MONDAY + timedelta(days=3)
    with office_time(arrived):
        response = client.post(
            reverse("requests_app:written_request", args=[case.reference]),
            {
                "expected_state": case.state,
                "arrival_date": arrived.isoformat(),
                "mail_type": "ordinary",
            },
        )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.RECEIVED and case.arrival_date == arrived


def test_a_person_who_never_writes_can_be_closed_for_no_response(staff: Any, manager: Any) -> None:
    with office_time(MONDAY):
        case = open_by(Channel.TELEPHONE, staff)
    with office_time(MONDAY + timedelta(days=60)):
        case = services.case_abandon(case=case, actor=manager, reason="書面が届きませんでした")
    assert case.state == CaseState.ABANDONED


def test_correcting_a_waiting_case_keeps_its_contact_and_refuses_an_envelope(staff: Any) -> None:
    with office_time(MONDAY):
        case = open_by(Channel.TELEPHONE, staff)
    client = client_for(staff)
    url = reverse("requests_app:case_edit", args=[case.reference])
    with office_time(MONDAY + timedelta(days=2)):
        page = client.get(url)
        html = page.content.decode()
        # Nothing came by post yet: the envelope's fields are carried, not offered.
        assert 'type="hidden" name="arrival_date"' in html
        assert 'type="date" name="postmark_date"' not in html
        data = {
            key: value
            for key, value in page.context["form"].initial.items()
            if value not in (None, "")
        }
        data.update(
            relationships=["customer"],
            date_of_birth="1988-04-12",
            arrival_date=MONDAY.isoformat(),
            phone="090-1234-5678",
        )
        response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:1500]
        case.refresh_from_db()
        assert case.requester.phone == "090-1234-5678"
        assert case.state == CaseState.AWAITING_WRITTEN_REQUEST and case.arrival_date == MONDAY
        response = client.post(
            url, {**data, "arrival_date": (MONDAY + timedelta(days=1)).isoformat()}
        )
    assert response.status_code == 400
    assert "Nothing came by post yet" in response.content.decode()
    case.refresh_from_db()
    assert case.arrival_date == MONDAY

"""Destroying the copies a set time after the reply, and confirming the shredding."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from identity import services
from identity.models import DocumentScan, ReceivedDocument
from identity.retention import destruction_date, latest_due_start
from identity.scans import Scan
from identity.services import copies_destroy_due
from requests_app import services as case_services
from requests_app.audit import AuditEvent, verify_chain
from requests_app.choices import CaseState
from requests_app.demo import cases as demo
from requests_app.errors import InvalidInput
from requests_app.models import Case
from tests.conftest import client_for
from tests.factories import make_case
from tests.identity.factories import log_document
from tests.identity.files import small_pdf

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def replied_case(staff: Any, manager: Any, *, sent_on: date) -> Case:
    """A case whose reply was mailed on `sent_on`: a scanned licence, a passport, and a
    copy of the back of a My Number card, destroyed on arrival."""
    case = make_case(
        actor=staff,
        manager=manager,
        kinds=("correction",),
        state=CaseState.AWAITING_IDENTITY,
        arrival_date=sent_on - timedelta(days=20),
    )
    log_document(case, staff, "drivers_licence", scan=Scan(small_pdf(), "application/pdf"))
    log_document(case, staff, "passport")
    log_document(case, staff, "my_number_card_back")
    case = case_services.case_verify_identity(case=case, actor=staff)
    case = case_services.case_start_work(case=case, actor=staff)
    item = case.items.get()
    case_services.item_record_outcome(item=item, actor=staff, outcome="done")
    demo.record_letter_content(item, staff=staff)
    case = case_services.case_submit_for_approval(case=case, actor=staff)
    case = case_services.case_approve(case=case, actor=manager)
    case = demo.send_reply_letters(case, staff=staff, manager=manager)
    # A letter cannot be mailed before the date printed on it, so the reply goes out today;
    # the retention arithmetic is about the recorded mailing date, moved here to `sent_on`.
    Case.objects.filter(pk=case.pk).update(reply_sent_on=sent_on)
    return Case.objects.get(pk=case.pk)


def test_the_destruction_date_is_three_months_after_the_reply(staff: Any, manager: Any) -> None:
    case = replied_case(staff, manager, sent_on=date(2026, 8, 31))
    assert destruction_date(case) == date(2026, 11, 30)
    with override_settings(IDENTITY_COPY_RETENTION_MONTHS=6):
        assert destruction_date(case) == date(2027, 2, 28)


def test_no_destruction_date_before_the_reply(staff: Any) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    assert destruction_date(case) is None


def test_due_copies_are_destroyed_once_and_the_facts_stay(staff: Any, manager: Any) -> None:
    case = replied_case(staff, manager, sent_on=TODAY - timedelta(days=100))
    licence, passport, card = ReceivedDocument.objects.filter(case=case).order_by("pk")
    assert DocumentScan.objects.filter(document=licence).exists()

    report = copies_destroy_due(today=TODAY)

    assert (report.cases, report.documents, report.scans_destroyed, report.paper_to_shred) == (
        1,
        3,
        1,
        2,
    )
    assert not DocumentScan.objects.exists()  # nothing of the image remains
    licence.refresh_from_db()
    assert not licence.has_scan and licence.scan_size is None
    assert licence.scan_destroyed_at is not None
    assert licence.shredding_due_on == TODAY and licence.copies_destroyed_on == TODAY
    assert licence.document_type.code == "drivers_licence"  # the facts for the audit stay
    assert licence.received_on == case.arrival_date
    card.refresh_from_db()
    assert card.shredding_due_on is None  # destroyed on the day it arrived: nothing to shred
    event = AuditEvent.objects.get(case=case, action="case.identity.copies_destroyed")
    assert event.actor is None and event.actor_username == "system"
    assert event.payload["images_destroyed"] == 1
    assert event.payload["paper_to_shred"] == 2
    assert sorted(event.payload["documents"]) == sorted([licence.pk, passport.pk, card.pk])
    verified = AuditEvent.objects.get(case=case, action="case.identity.verified")
    assert all(verified.payload["rules"].values())  # the rule outcomes remain on record

    again = copies_destroy_due(today=TODAY)
    assert again.documents == 0
    assert AuditEvent.objects.filter(action="case.identity.copies_destroyed").count() == 1
    assert verify_chain() is None


def test_copies_not_yet_due_are_kept(staff: Any, manager: Any) -> None:
    sent_on = TODAY - timedelta(days=40)
    case = replied_case(staff, manager, sent_on=sent_on)
    assert copies_destroy_due(today=TODAY).documents == 0
    assert DocumentScan.objects.count() == 1
    due = destruction_date(case)
    assert due is not None
    assert copies_destroy_due(today=due - timedelta(days=1)).documents == 0
    assert copies_destroy_due(today=due).documents == 3


def test_a_withdrawn_case_is_destroyed_after_it_closed(staff: Any) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    log_document(case, staff, "passport", scan=Scan(small_pdf(), "application/pdf"))
    case = case_services.case_withdraw(case=case, actor=staff, reason="本人から取下げ")
    closed_on = timezone.localdate(case.closed_at)
    assert destruction_date(case) is not None
    assert copies_destroy_due(today=closed_on + timedelta(days=80)).documents == 0
    report = copies_destroy_due(today=closed_on + timedelta(days=95))
    assert report.scans_destroyed == 1


@pytest.mark.parametrize(
    ("today", "latest"),
    [
        (date(2026, 11, 30), date(2026, 8, 31)),
        (date(2027, 2, 28), date(2026, 11, 30)),
        (date(2026, 1, 15), date(2025, 10, 31)),
    ],
)
def test_the_candidate_window_never_misses_a_due_copy(today: date, latest: date) -> None:
    assert latest_due_start(today) == latest


def test_the_command_destroys_and_reports(staff: Any, manager: Any) -> None:
    replied_case(staff, manager, sent_on=TODAY - timedelta(days=100))
    out = StringIO()
    call_command("destroy_identity_copies", stdout=out)
    assert "1 scan(s) destroyed" in out.getvalue()
    assert "2 paper copy(ies) now due for shredding" in out.getvalue()
    out = StringIO()
    call_command("destroy_identity_copies", "--date", TODAY.isoformat(), stdout=out)
    assert "0 document(s)" in out.getvalue()


def test_the_command_refuses_a_date_that_does_not_exist() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="2026-02-30"):
        call_command("destroy_identity_copies", "--date", "2026-02-30")


def test_staff_confirm_the_shredding_on_the_shredding_page(
    staff: Any, manager: Any, auditor: Any
) -> None:
    case = replied_case(staff, manager, sent_on=TODAY - timedelta(days=100))
    copies_destroy_due(today=TODAY)
    licence = ReceivedDocument.objects.filter(case=case).order_by("pk").first()
    assert licence is not None
    url = reverse("identity:shredding")
    page = client_for(staff).get(url).content.decode()
    assert "2 copies due for shredding" in page
    assert case.reference in page and "書庫A-3" in page
    confirm = reverse("identity:shredding_confirm", args=[licence.pk])
    assert confirm in page
    auditor_page = client_for(auditor).get(url).content.decode()
    assert case.reference in auditor_page and confirm not in auditor_page
    assert client_for(auditor).post(confirm).status_code == 403

    assert client_for(staff).post(confirm).status_code == 302
    licence.refresh_from_db()
    assert licence.shredded_by == staff and licence.shredded_at is not None
    event = AuditEvent.objects.get(case=case, action="case.identity.paper_shredded")
    assert event.actor == staff
    page = client_for(staff).get(url).content.decode()
    assert "1 copy due for shredding" in page
    assert "Shredding confirmed in the last" in page
    case_page = client_for(staff).get(reverse("requests_app:case_detail", args=[case.reference]))
    assert "confirmed by 山田 花子" in case_page.content.decode()
    with pytest.raises(InvalidInput, match="already confirmed"):
        services.paper_confirm_shredded(document=licence, actor=staff)


def test_a_paper_copy_is_not_shredded_before_its_date(staff: Any) -> None:
    case = make_case(actor=staff, state=CaseState.AWAITING_IDENTITY)
    document = log_document(case, staff, "passport")
    with pytest.raises(InvalidInput, match="not due"):
        services.paper_confirm_shredded(document=document, actor=staff)

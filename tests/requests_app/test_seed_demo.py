"""Demo data: one login per role, cases in every state, and fast synthetic histories."""

from __future__ import annotations

from io import StringIO
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from requests_app.audit import AuditEvent, verify_chain
from requests_app.choices import CaseState
from requests_app.models import Case

pytestmark = pytest.mark.usefixtures("reference_data")


@override_settings(DEBUG=True)
def test_seed_demo_creates_logins_and_a_case_in_every_state() -> None:
    out = StringIO()
    call_command("seed_demo", "--history-months", "2", stdout=out)
    text = out.getvalue()
    for username in ("staff", "manager", "auditor", "admin"):
        assert username in text
        assert get_user_model().objects.get(username=username).groups.count() == 1
    assert set(Case.objects.values_list("state", flat=True)) == set(CaseState.values)
    assert verify_chain() is None
    total = Case.objects.count()
    call_command("seed_demo", stdout=StringIO())  # again: no duplicates, passwords reset
    assert Case.objects.count() == total


@override_settings(DEBUG=True)
@pytest.mark.django_db(transaction=True)  # commits for real: messages go out as they would
def test_the_demo_history_is_closed_cases_walked_at_their_own_dates() -> None:
    from requests_app.letters.kinds import DECIDING_KINDS
    from requests_app.letters.models import Letter

    today = timezone.localdate()
    with mock.patch("celery.app.task.Task.apply_async") as queued:
        call_command("seed_demo", "--history-months", "2", stdout=StringIO())
    assert not queued.called, queued.call_args_list[:3]  # nothing left for the worker
    # The past cases were opened on their arrival day; today's demo cases were opened today.
    opened = {
        event.case_id: timezone.localdate(event.at)
        for event in AuditEvent.objects.filter(action="case.opened")
    }
    past = [case for case in Case.objects.all() if opened[case.pk] < today]
    assert len(past) >= 3
    waited = AuditEvent.objects.filter(case__in=past, action="case.documents.requested")
    assert waited.exists(), "some past cases waited on the requester for documents"
    for case in past:
        assert opened[case.pk] == case.arrival_date
        assert case.state == CaseState.CLOSED and case.reply_sent_on is not None
        assert case.arrival_date < case.reply_sent_on < today
        # The reply went out on the day its letters were mailed.
        mailed = Letter.objects.filter(case=case, sent_on__isnull=False, kind__in=DECIDING_KINDS)
        assert mailed.exists() and {letter.sent_on for letter in mailed} == {case.reply_sent_on}
        # A case that waited on the person was asked by a letter mailed before the reply.
        for asked in Letter.objects.filter(case=case, kind="deficiency"):
            assert asked.sent_on is not None and asked.sent_on < case.reply_sent_on
    # The trail runs forward in time, as it would have in the office.
    times = list(AuditEvent.objects.order_by("seq").values_list("at", flat=True))
    assert times == sorted(times)
    assert verify_chain() is None


@override_settings(DEBUG=True)
def test_seed_demo_bulk_cases_have_verifiable_histories() -> None:
    call_command("seed_demo", "--cases", "50", "--events-per-case", "12", stdout=StringIO())
    assert Case.objects.count() == 50
    assert AuditEvent.objects.count() == 50 * 12
    assert verify_chain() is None
    assert len(set(Case.objects.values_list("reference", flat=True))) == Case.objects.count()


@override_settings(DEBUG=False)
def test_seed_demo_refuses_production() -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", stdout=StringIO())


@override_settings(DEBUG=True)
def test_seed_demo_has_a_contact_per_department_and_a_connector_search_that_ran(
    tmp_path: Any,
) -> None:
    from requests_app.datamap.models import DataSystem, Department, Finding, SearchTask
    from requests_app.demo.datamap import DEMO_CONTACTS

    url = f"sqlite:///{tmp_path / 'demo-customers.sqlite3'}"
    out = StringIO()
    with override_settings(DATAMAP_CONNECTORS={"demo_customers": url}):
        call_command("seed_demo", "--history-months", "0", stdout=out)
    text = out.getvalue()
    for username, password, department, _family, _given in DEMO_CONTACTS:
        assert f"{username:<9} / {password}" in text
        user = get_user_model().objects.get(username=username)
        assert Department.objects.get(name=department).contacts.filter(pk=user.pk).exists()
    assert (tmp_path / "demo-customers.sqlite3").exists()
    system = DataSystem.objects.get(name="顧客管理データベース")
    assert (system.search_method, system.connector) == ("connector", "demo_customers")
    task = SearchTask.objects.get(system=system)
    assert task.case.requester.name == "高橋 美咲"
    assert task.connector_state == "done"
    proposed = Finding.objects.filter(task=task, state="proposed")
    assert {f.content for f in proposed} >= {"高橋 美咲", "misaki.takahashi@example.jp"}
    assert SearchTask.objects.filter(status="answered").count() == 2
    assert verify_chain() is None

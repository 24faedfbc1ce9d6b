"""Demo data: one login per role, cases in every state, and fast synthetic histories."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings

from requests_app.audit import AuditEvent, verify_chain
from requests_app.models import Case, CaseState

pytestmark = pytest.mark.usefixtures("reference_data")


@override_settings(DEBUG=True)
def test_seed_demo_creates_logins_and_a_case_in_every_state() -> None:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    for username in ("staff", "manager", "auditor", "admin"):
        assert username in text
        assert get_user_model().objects.get(username=username).groups.count() == 1
    assert set(Case.objects.values_list("state", flat=True)) == set(CaseState.values)
    assert verify_chain() is None
    call_command("seed_demo", stdout=StringIO())  # again: no duplicates, passwords reset
    assert Case.objects.count() == 15


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

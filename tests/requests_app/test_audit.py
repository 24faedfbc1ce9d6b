"""The audit trail: hash chain, tamper detection, and a database that refuses rewrites."""

from __future__ import annotations

from io import StringIO
from itertools import pairwise
from typing import Any

import pgtrigger
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import InternalError, ProgrammingError

from requests_app import audit
from requests_app.audit import AppendOnlyError, AuditEvent
from tests.factories import make_case

pytestmark = pytest.mark.django_db


def raw_sql(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_every_event_links_to_the_one_before(staff: Any) -> None:
    make_case(actor=staff, state="in_progress", kinds=("correction",))
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == audit.GENESIS_HASH
    for before, after in pairwise(events):
        assert after.prev_hash == before.hash
    assert audit.verify_chain() is None
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert f"{len(events)} events" in out.getvalue()


def test_orm_refuses_to_change_or_delete_events(staff: Any) -> None:
    make_case(actor=staff)
    event = AuditEvent.objects.first()
    assert event is not None
    event.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
def test_postgresql_itself_refuses_update_and_delete(staff: Any) -> None:
    make_case(actor=staff)
    event = AuditEvent.objects.first()
    assert event is not None
    for sql in (
        "UPDATE requests_app_auditevent SET reason = 'x' WHERE id = %s",
        "DELETE FROM requests_app_auditevent WHERE id = %s",
    ):
        with pytest.raises((InternalError, ProgrammingError)), transaction.atomic():
            raw_sql(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


def _tamper(sql: str, params: list[Any]) -> None:
    """Change the table behind the app's back (as a database administrator could)."""
    with pgtrigger.ignore("requests_app.AuditEvent:audit_append_only"):
        raw_sql(sql, params)


def test_verify_names_the_first_rewritten_event(staff: Any) -> None:
    make_case(actor=staff, state="awaiting_identity")
    target = AuditEvent.objects.get(seq=2)
    _tamper("UPDATE requests_app_auditevent SET reason = %s WHERE id = %s", ["forged", target.pk])
    problem = audit.verify_chain()
    assert problem is not None and problem.seq == 2
    assert "does not match its hash" in problem.message
    with pytest.raises(CommandError, match="event #2"):
        call_command("verify_audit")


def test_verify_notices_a_deleted_event(staff: Any) -> None:
    make_case(actor=staff, state="awaiting_identity")
    make_case(actor=staff)
    _tamper("DELETE FROM requests_app_auditevent WHERE seq = %s", [2])
    problem = audit.verify_chain()
    assert problem is not None and problem.seq == 2 and "missing" in problem.message


def test_verify_notices_the_last_event_removed(staff: Any) -> None:
    make_case(actor=staff, state="awaiting_identity")
    last = AuditEvent.objects.order_by("-seq").first()
    assert last is not None
    _tamper("DELETE FROM requests_app_auditevent WHERE id = %s", [last.pk])
    problem = audit.verify_chain()
    assert problem is not None and "chain head" in problem.message


def test_sensitive_payload_values_are_masked() -> None:
    masked = audit.mask(
        {"my_number": "123456789012", "nested": {"insurer_number": "0601"}, "kind": "passport"}
    )
    assert masked == {"my_number": "***", "nested": {"insurer_number": "***"}, "kind": "passport"}


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_is_refused(staff: Any) -> None:
    with pytest.raises(RuntimeError):
        audit.record(action="case.viewed", actor=staff)


def test_the_hashed_fields_are_the_ones_event_content_covers(staff: Any) -> None:
    """One list of hashed fields: event_content, the bundles, their verifier and the bulk
    loader all read audit.HASHED_FIELDS, so none can drift from the others."""
    with transaction.atomic():
        event = audit.record(action="case.note.added", actor=staff, payload={"n": 1})
    assert tuple(event.content()) == audit.HASHED_FIELDS
    assert (*audit.HASHED_FIELDS, "prev_hash", "hash") == audit.EVENT_COLUMNS
    stored = {field.name for field in AuditEvent._meta.concrete_fields}
    assert {name.removesuffix("_id") for name in audit.EVENT_COLUMNS} <= stored

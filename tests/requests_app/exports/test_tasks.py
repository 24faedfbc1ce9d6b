"""The build task: keyed by id, safe to run twice, trusts the database; the sweep repairs."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.db import connection, connections
from django.utils import timezone

from requests_app import heartbeat
from requests_app.audit import AuditEvent
from requests_app.exports import attachments, services
from requests_app.exports.attachments import AttachmentRecord
from requests_app.exports.bundle import Criteria
from requests_app.exports.models import Export, ExportStatus
from requests_app.exports.tasks import build_export, sweep_exports
from requests_app.exports.verify import verify_bundle
from tests.factories import make_case, stored_files_in_place
from tests.requests_app.exports.conftest import bundle_path

pytestmark = pytest.mark.django_db


def request_export(actor: Any) -> Export:
    return services.export_request(actor=actor, criteria=Criteria(), language="en")


def test_asking_queues_the_task_after_commit(
    staff: Any, auditor: Any, eager_celery: None, django_capture_on_commit_callbacks: Any
) -> None:
    make_case(actor=staff, state="in_progress")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        export = request_export(auditor)
        assert Export.objects.get(pk=export.pk).status == ExportStatus.QUEUED
    # Queueing the build; the build ran at once (eager) and its commit moved the bundle in.
    assert len(callbacks) == 2
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE
    assert export.case_count == 1 and export.percent == 100
    assert verify_bundle(bundle_path(export)).cases == 1


def test_running_the_task_twice_builds_one_bundle(staff: Any, manager: Any) -> None:
    make_case(actor=staff)
    export = request_export(manager)
    with stored_files_in_place():
        build_export.apply(args=[export.pk])
    first = Export.objects.get(pk=export.pk)
    with stored_files_in_place():
        build_export.apply(args=[export.pk])
    second = Export.objects.get(pk=export.pk)
    assert first.status == second.status == ExportStatus.DONE
    assert (second.file.name, second.manifest_sha256, second.attempts) == (
        first.file.name,
        first.manifest_sha256,
        1,
    )
    assert AuditEvent.objects.filter(action="export.completed").count() == 1
    assert len(default_storage.listdir(f"exports/{export.pk}")[1]) == 1


def test_a_running_export_is_left_to_its_worker_while_it_beats(staff: Any, manager: Any) -> None:
    make_case(actor=staff)
    export = request_export(manager)
    Export.objects.filter(pk=export.pk).update(
        status=ExportStatus.RUNNING,
        started_at=timezone.now() - timedelta(hours=1),  # long, but alive
        heartbeat_at=timezone.now() - timedelta(seconds=30),
        claim="another-worker",
        attempts=1,
    )
    services.export_build(export_id=export.pk)
    assert services.export_sweep() == 0
    assert Export.objects.get(pk=export.pk).status == ExportStatus.RUNNING

    # Its worker fell silent (killed): the sweep queues it, and the next run takes it over.
    Export.objects.filter(pk=export.pk).update(
        heartbeat_at=timezone.now() - heartbeat.presumed_dead_after() - timedelta(seconds=1)
    )
    with stored_files_in_place():
        assert services.export_sweep() == 1  # the task runs in the test process (eager)
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE and export.attempts == 2
    assert verify_bundle(bundle_path(export)).cases == 1


class TakeOver:
    """An attachment provider that, mid-build, lets another run take the export over."""

    name = "take-over"

    def __init__(self, export_id: int) -> None:
        self.export_id = export_id

    def files(self, case_ids: Iterable[int]) -> Iterator[tuple[str, bytes]]:
        Export.objects.filter(pk=self.export_id).update(claim="the-run-that-took-over")
        yield from ()

    def records(self, case_id: int) -> list[AttachmentRecord]:
        return []


def test_a_run_that_was_taken_over_registers_nothing_and_leaves_no_file(
    staff: Any, manager: Any
) -> None:
    make_case(actor=staff)
    export = request_export(manager)
    attachments.register(TakeOver(export.pk))
    try:
        with stored_files_in_place():
            services.export_build(export_id=export.pk)
    finally:
        attachments.unregister(TakeOver.name)
    export.refresh_from_db()
    assert export.status == ExportStatus.RUNNING and export.claim == "the-run-that-took-over"
    assert not export.file
    assert not AuditEvent.objects.filter(action="export.completed").exists()
    assert not default_storage.exists(f"exports/{export.pk}") or not any(
        default_storage.listdir(f"exports/{export.pk}")[1]
    )


def test_an_unknown_export_id_is_ignored(manager: Any) -> None:
    assert services.export_build(export_id=999_999) is None


def test_the_sweep_queues_lost_exports_again(staff: Any, manager: Any, eager_celery: None) -> None:
    make_case(actor=staff)
    lost = request_export(manager)
    fresh = request_export(manager)
    Export.objects.filter(pk=lost.pk).update(
        requested_at=timezone.now() - services.UNCLAIMED_AFTER - timedelta(seconds=5)
    )
    assert sweep_exports.apply().get() == 1
    assert Export.objects.get(pk=lost.pk).status == ExportStatus.DONE
    assert Export.objects.get(pk=fresh.pk).status == ExportStatus.QUEUED


def test_a_failing_export_is_marked_failed_and_audited(
    staff: Any, manager: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_case(actor=staff)
    export = request_export(manager)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(services, "write_bundle", broken)
    build_export.apply(args=[export.pk])
    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED and "disk full" in export.error
    failed = AuditEvent.objects.get(action="export.failed")
    assert failed.actor == manager and failed.payload == {
        "export_id": export.pk,
        "error": "OSError",
    }
    assert not default_storage.exists(f"exports/{export.pk}") or not any(
        default_storage.listdir(f"exports/{export.pk}")[1]
    )


def test_the_export_is_an_audit_event_with_filters_count_and_manifest_hash(
    staff: Any, manager: Any
) -> None:
    make_case(actor=staff)
    make_case(actor=staff, kinds=("complaint",))
    export = services.export_request(
        actor=manager,
        criteria=Criteria.from_json({"kind": "complaint", "arrival_from": "2020-01-01"}),
        language="en",
    )
    services.export_build(export_id=export.pk)
    export.refresh_from_db()
    requested = AuditEvent.objects.get(action="export.requested")
    completed = AuditEvent.objects.get(action="export.completed")
    assert requested.actor == completed.actor == manager
    assert requested.payload["filters"]["kind"] == "complaint"
    assert completed.payload["filters"]["arrival_from"] == "2020-01-01"
    assert completed.payload["cases"] == 1
    assert completed.payload["manifest_sha256"] == export.manifest_sha256
    assert completed.payload["chain_head_seq"] == export.chain_seq


class ProgressWatcher:
    """An attachment provider that, mid-build, reads the export's progress from another
    connection: what the page's status poll would see."""

    name = "progress-watcher"

    def __init__(self, export_id: int) -> None:
        self.export_id = export_id
        self.seen: tuple[str, int, int] | None = None

    def files(self, case_ids: Iterable[int]) -> Iterator[tuple[str, bytes]]:
        def look() -> None:
            self.seen = Export.objects.filter(pk=self.export_id).values_list(
                "status", "progress_done", "progress_total"
            )[0]
            connections.close_all()

        reader = threading.Thread(target=look)
        reader.start()
        reader.join()
        yield from ()

    def records(self, case_id: int) -> list[AttachmentRecord]:
        return []


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the snapshot transaction and its second connection are PostgreSQL's",
)
def test_progress_is_visible_to_others_while_the_snapshot_is_read(
    staff: Any, manager: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The commit really happens here: keep the message off the real broker.
    monkeypatch.setattr(services, "enqueue_build", lambda export_id: None)
    for _ in range(3):
        make_case(actor=staff)
    export = request_export(manager)
    watcher = ProgressWatcher(export.pk)
    attachments.register(watcher)
    try:
        services.export_build(export_id=export.pk)
    finally:
        attachments.unregister(watcher.name)
    export.refresh_from_db()
    total = export.case_count + export.event_count
    assert watcher.seen == (ExportStatus.RUNNING, total, total)
    assert export.status == ExportStatus.DONE

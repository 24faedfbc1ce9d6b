"""Letter files appear only once their register row commits, and the daily check removes
every file under the letters folder that no register row points to."""

from __future__ import annotations

import hashlib
import logging
import os
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.test import TestCase
from django.utils import timezone

from config.celery import BEAT_SCHEDULE
from requests_app import files, queue
from requests_app.audit import AuditEvent
from requests_app.choices import CaseState
from requests_app.exports import services as export_services
from requests_app.letters import services, tasks
from requests_app.models import Letter
from tests.factories import RequesterDataFactory, make_case
from tests.requests_app.letters.conftest import generate, stored_bytes

pytestmark = pytest.mark.django_db


def stored_names() -> set[str]:
    return set(files.walk("letters"))


def pending_letter(staff: Any) -> Letter:
    case = make_case(
        actor=staff,
        state=CaseState.AWAITING_IDENTITY,
        requester=RequesterDataFactory(name="佐藤 花子"),
    )
    return services.letter_request(case=case, actor=staff, kind="acknowledgement")


def test_the_file_is_moved_into_place_only_when_its_row_commits(staff: Any) -> None:
    letter = pending_letter(staff)
    with TestCase.captureOnCommitCallbacks(execute=False) as waiting:
        services.letter_generate(letter_id=letter.pk)
    letter.refresh_from_db()
    assert letter.status == "ready" and letter.file.name.startswith("letters/")
    # Registered, not yet committed: only the temporary file exists.
    assert stored_names() == {letter.file.name + ".part"}
    for callback in waiting:
        callback()  # the commit
    assert stored_names() == {letter.file.name}
    assert hashlib.sha256(stored_bytes(letter)).hexdigest() == letter.sha256


def test_a_task_killed_before_its_commit_leaves_only_a_temporary_file(staff: Any) -> None:
    letter = pending_letter(staff)
    with transaction.atomic():
        services.letter_generate(letter_id=letter.pk)
        registered = Letter.objects.get(pk=letter.pk).file.name
        transaction.set_rollback(True)  # the worker died: its transaction never committed
    letter.refresh_from_db()
    assert letter.status == "pending" and not letter.file
    assert stored_names() == {registered + ".part"}  # never a file that looks finished
    # The next run generates it; the dead run's temporary file waits for the daily check.
    generate(letter)
    assert stored_names() == {letter.file.name, registered + ".part"}


def test_the_daily_check_removes_what_no_register_row_points_to(
    staff: Any, caplog: pytest.LogCaptureFixture
) -> None:
    kept = generate(pending_letter(staff))
    # What a worker killed under the old code left: a copy of a person's letter, no row.
    orphan_data = stored_bytes(kept)
    orphan = default_storage.save(
        f"letters/2026/{kept.case.reference}/{kept.number}_acknowledgement_v2_ja_0badf00d.pdf",
        ContentFile(orphan_data),
    )
    stale = default_storage.save(f"{orphan}x.part", ContentFile(b"%PDF half a letter"))
    three_hours_ago = (timezone.now() - timedelta(hours=3)).timestamp()
    os.utime(default_storage.path(stale), (three_hours_ago, three_hours_ago))
    fresh = default_storage.save(f"{orphan}y.part", ContentFile(b"%PDF being written now"))
    with caplog.at_level(logging.INFO, logger="requests_app.services"):
        check = services.letter_files_check()
    assert stored_names() == {kept.file.name, fresh}
    assert [found.name for found in check.orphans_removed] == [orphan]
    assert [found.name for found in check.temporary_removed] == [stale]
    assert check.orphans_removed[0].sha256 == hashlib.sha256(orphan_data).hexdigest()
    assert f"Removed {orphan} ({len(orphan_data)} bytes" in caplog.text
    assert f"Removed {stale}: a temporary file left by a task that died." in caplog.text
    event = AuditEvent.objects.get(action="storage.files_checked")
    assert event.case is None and event.actor is None
    assert event.payload["folder"] == "letters" and event.payload["files"] == 4
    assert event.payload["orphans_removed"] == [
        {"name": orphan, "size": len(orphan_data), "sha256": check.orphans_removed[0].sha256}
    ]
    assert "佐藤" not in str(event.payload) and "花子" not in str(event.payload)
    # Nothing more to do: logged, and no audit event for a check that changed nothing.
    services.letter_files_check()
    assert AuditEvent.objects.filter(action="storage.files_checked").count() == 1


def test_a_move_that_a_killed_task_did_not_finish_is_finished(
    staff: Any, caplog: pytest.LogCaptureFixture
) -> None:
    letter = pending_letter(staff)
    with TestCase.captureOnCommitCallbacks(execute=False):
        services.letter_generate(letter_id=letter.pk)  # committed; killed before the move
    letter.refresh_from_db()
    assert stored_names() == {letter.file.name + ".part"}
    missing = generate(pending_letter(staff))
    default_storage.delete(missing.file.name)  # lost from the disk: only reported
    check = services.letter_files_check()
    assert check.moved_into_place == [letter.file.name]
    assert check.missing == [missing.file.name]
    assert f"The register points to {missing.file.name}, but the file is missing." in caplog.text
    assert stored_names() == {letter.file.name}
    assert hashlib.sha256(stored_bytes(letter)).hexdigest() == letter.sha256


def test_a_temporary_file_that_does_not_match_its_row_is_not_moved(staff: Any) -> None:
    letter = pending_letter(staff)
    with TestCase.captureOnCommitCallbacks(execute=False):
        services.letter_generate(letter_id=letter.pk)
    letter.refresh_from_db()
    with default_storage.open(letter.file.name + ".part", "wb") as handle:
        handle.write(b"%PDF something else")
    check = services.letter_files_check(now=timezone.now() + timedelta(hours=3))
    assert check.moved_into_place == [] and check.missing == [letter.file.name]
    assert [found.name for found in check.temporary_removed] == [letter.file.name + ".part"]


def test_batch_files_are_registered_too(staff: Any) -> None:
    from tests.requests_app.letters.conftest import run_batch

    for name in ("佐藤 花子", "鈴木 一郎"):
        make_case(
            actor=staff,
            state=CaseState.AWAITING_IDENTITY,
            requester=RequesterDataFactory(name=name),
        )
    batch = services.batch_request(actor=staff, kind="deficiency").batch
    run_batch(batch)
    before = stored_names()
    assert batch.file.name in before and len(before) == 3
    check = services.letter_files_check()
    assert stored_names() == before and not check.changed_anything


def test_the_daily_checks_are_scheduled_tasks(staff: Any, manager: Any) -> None:
    assert BEAT_SCHEDULE["check-letter-files"]["task"] == queue.CHECK_LETTER_FILES
    assert BEAT_SCHEDULE["check-export-files"]["task"] == queue.CHECK_EXPORT_FILES
    orphan = default_storage.save("letters/2026/2026-000001/left-behind.pdf", ContentFile(b"x"))
    assert tasks.check_letter_files.apply().get() == 1
    assert not default_storage.exists(orphan)
    # Export bundles: the same check under exports/.
    bundle = default_storage.save("exports/7/0123456789abcdef.zip", ContentFile(b"PK"))
    check = export_services.export_files_check()
    assert [found.name for found in check.orphans_removed] == [bundle]

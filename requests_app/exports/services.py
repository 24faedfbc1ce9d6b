"""Writes for exports: ask for a bundle, build it (the task), hand it out, make a dossier.

Every export is itself an audit event: `export.requested` when someone asks (who, which
filters), `export.completed` when the bundle exists (who, filters, how many cases and events,
the manifest's SHA-256 and the chain head it was taken at). Downloads and dossiers are
audited too.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import IO, TYPE_CHECKING, Any

from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from requests_app import audit, files, heartbeat, queue
from requests_app import services as case_services
from requests_app.errors import InvalidInput, NotPermitted, ServiceError
from requests_app.exports.bundle import Criteria, Exporter, write_bundle
from requests_app.exports.dossier import render_dossier
from requests_app.exports.masking import masks_contact_details
from requests_app.exports.models import EXPORTS_FOLDER, Export, ExportStatus
from requests_app.models import Case
from requests_app.people import person_name
from requests_app.permissions import Capability, has_capability, require

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

# A running export whose worker stopped beating (requests_app/heartbeat.py) is presumed
# lost after TASK_PRESUMED_DEAD_AFTER_SECONDS, and the sweep (every minute) starts it again.
# A queued export that no worker has claimed this long after it was asked for is queued again.
UNCLAIMED_AFTER = timedelta(minutes=2)
PROGRESS_EVERY_SECONDS = 0.3


def export_request(*, actor: User, criteria: Criteria, language: str) -> Export:
    """An auditor or a manager asks for the case histories of a period (監査用の出力)."""
    require(actor, Capability.EXPORT_HISTORIES)
    if (
        criteria.arrival_from
        and criteria.arrival_to
        and criteria.arrival_from > criteria.arrival_to
    ):
        raise InvalidInput(_("The period must not end before it starts."))
    if criteria.as_of is None:
        criteria = Criteria(
            filters=criteria.filters,
            arrival_from=criteria.arrival_from,
            arrival_to=criteria.arrival_to,
            as_of=timezone.localdate(),
        )
    with transaction.atomic():
        export = Export.objects.create(
            requested_by=actor,
            filters=criteria.to_json(),
            masked=masks_contact_details(actor),
            language=language,
        )
        audit.record(
            action="export.requested",
            actor=actor,
            payload={"export_id": export.pk, "filters": export.filters, "masked": export.masked},
        )
        transaction.on_commit(lambda: enqueue_build(export.pk))
    return export


def enqueue_build(export_id: int) -> bool:
    """Queue the build; if the broker is down, the sweep queues it later."""
    return queue.publish(queue.BUILD_EXPORT, export_id)


def _claim(export_id: int) -> str | None:
    """Take the export for this worker: queued → running, or a running one whose worker
    stopped beating. Returns the claim token; None when another run has it.

    A row count of 1 means this worker won; a second delivery of the same message, or a
    second worker, finds nothing to claim and stops.
    """
    now = timezone.now()
    claim = heartbeat.new_claim()
    claimed = (
        Export.objects.filter(pk=export_id)
        .filter(
            Q(status=ExportStatus.QUEUED)
            | (Q(status=ExportStatus.RUNNING) & heartbeat.silent_q(now))
        )
        .update(
            status=ExportStatus.RUNNING,
            claim=claim,
            started_at=now,
            heartbeat_at=now,
            attempts=F("attempts") + 1,
            progress_done=0,
        )
    )
    return claim if claimed == 1 else None


def export_build(*, export_id: int) -> Export | None:
    """Build the bundle of one export (the Celery task calls this). Safe to run twice.

    The bundle is written under a temporary name and moved into place only when the row
    that registers it commits (requests_app/files.py); while it is built the export beats
    (requests_app/heartbeat.py), so a build whose worker died is taken over within minutes.
    """
    claim = _claim(export_id)
    if claim is None:
        return Export.objects.filter(pk=export_id).first()
    mine = Export.objects.filter(pk=export_id, status=ExportStatus.RUNNING, claim=claim)
    export = Export.objects.select_related("requested_by").get(pk=export_id)
    user = export.requested_by
    exporter = Exporter(
        user_id=user.pk,
        username=user.get_username(),
        name=person_name(user),
    )
    name = f"{EXPORTS_FOLDER}/{export.pk}/{uuid.uuid4().hex}.zip"
    try:
        with heartbeat.beating(mine), read_snapshot() as separate_connection:
            reporter = ProgressReporter(export.pk, claim, separate=separate_connection)
            try:
                with files.staged_writer(name) as (target, staged):
                    result = write_bundle(
                        target,
                        criteria=Criteria.from_json(export.filters),
                        exporter=exporter,
                        export_id=export.pk,
                        masked=export.masked,
                        language=export.language,
                        progress=reporter,
                    )
            finally:
                reporter.close()
    except Exception as exc:
        logger.exception("Export %s failed", export.pk)
        _fail(export, claim, exc)
        return Export.objects.get(pk=export.pk)
    with transaction.atomic():
        locked = Export.objects.select_for_update().get(pk=export.pk)
        if locked.status != ExportStatus.RUNNING or locked.claim != claim:
            # Another run took it over (or finished first); its bundle is the one on record.
            files.delete_quietly(staged.temporary)
            return locked
        locked.status = ExportStatus.DONE
        locked.file.name = staged.final
        locked.size = default_storage.size(staged.temporary)
        locked.manifest_sha256 = result.manifest_sha256
        locked.chain_seq = result.head_seq
        locked.chain_hash = result.head_hash
        locked.case_count = result.case_count
        locked.event_count = result.event_count
        locked.progress_total = result.case_count + result.event_count
        locked.progress_done = locked.progress_total
        locked.finished_at = timezone.now()
        locked.error = ""
        locked.save()
        audit.record(
            action="export.completed",
            actor=user,
            payload={
                "export_id": locked.pk,
                "filters": locked.filters,
                "masked": locked.masked,
                "cases": result.case_count,
                "events": result.event_count,
                "attachments": result.attachment_count,
                "manifest_sha256": result.manifest_sha256,
                "chain_head_seq": result.head_seq,
                "chain_head_hash": result.head_hash,
            },
        )
        files.publish_on_commit(staged)
    return locked


def _fail(export: Export, claim: str, error: Exception) -> None:
    with transaction.atomic():
        updated = Export.objects.filter(
            pk=export.pk, status=ExportStatus.RUNNING, claim=claim
        ).update(status=ExportStatus.FAILED, error=str(error)[:2000], finished_at=timezone.now())
        if updated:
            audit.record(
                action="export.failed",
                actor=export.requested_by,
                payload={"export_id": export.pk, "error": type(error).__name__},
            )


@contextmanager
def read_snapshot() -> Iterator[bool]:
    """One consistent view of the database for the whole bundle (PostgreSQL).

    The cases, their events and the chain head are read in one REPEATABLE READ, READ ONLY
    transaction, so cases.csv and events.jsonl describe the same moment, and the iterators
    stream through real server-side cursors. Progress must then go through a second
    connection (yields True). Inside an existing transaction (tests), or on SQLite, the
    reads run as they are: events are bounded by the chain head read first, which keeps
    events.jsonl consistent there too.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield False
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield True


class ProgressReporter:
    """Writes an export's progress to its row, at most a few times a second."""

    def __init__(self, export_id: int, claim: str, *, separate: bool) -> None:
        self.export_id = export_id
        self.claim = claim
        self._connection = connections.create_connection(DEFAULT_DB_ALIAS) if separate else None
        self._last = 0.0
        table = connection.ops.quote_name(Export._meta.db_table)
        self._sql = (
            f"UPDATE {table} SET progress_done = %s, progress_total = %s, "  # noqa: S608
            "heartbeat_at = %s WHERE id = %s AND status = %s AND claim = %s"
        )

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self._last < PROGRESS_EVERY_SECONDS and done < total:
            return
        self._last = now
        target = self._connection or connection
        with target.cursor() as cursor:
            cursor.execute(
                self._sql,
                [done, total, timezone.now(), self.export_id, ExportStatus.RUNNING, self.claim],
            )

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


def export_sweep() -> int:
    """Queue again every export that no worker has (a lost message, a lost worker)."""
    now = timezone.now()
    waiting = list(
        Export.objects.filter(
            status=ExportStatus.QUEUED, requested_at__lt=now - UNCLAIMED_AFTER
        ).values_list("pk", flat=True)
    ) + list(
        Export.objects.filter(heartbeat.silent_q(now), status=ExportStatus.RUNNING).values_list(
            "pk", flat=True
        )
    )
    for export_id in waiting:
        enqueue_build(export_id)
    return len(waiting)


def export_files_check(*, now: datetime | None = None) -> files.FolderCheck:
    """The daily check of the exports folder: a bundle no export points to (its task died
    between writing it and registering it, before bundles were moved into place on commit)
    or a temporary bundle a dead task left is removed, logged and audited."""

    def registered() -> dict[str, str]:
        return dict.fromkeys(Export.objects.exclude(file="").values_list("file", flat=True), "")

    check = files.check_folder(EXPORTS_FOLDER, registered, now=now)
    case_services.files_check_record(check=check)
    return check


def user_exports(user: Any, *, limit: int = 20) -> list[Export]:
    """The exports a user asked for, newest first (selectors.py-style read)."""
    return list(Export.objects.filter(requested_by=user)[:limit])


def export_for(user: Any, export_id: int) -> Export | None:
    """One of the user's own exports; anyone else's is as good as missing (None)."""
    require(user, Capability.EXPORT_HISTORIES)
    return Export.objects.filter(pk=export_id, requested_by=user).first()


def export_open_download(*, export: Export, actor: User) -> IO[bytes]:
    """Hand out the bundle to the person who asked for it; the download is audited."""
    if not has_capability(actor, Capability.EXPORT_HISTORIES) or export.requested_by_id != actor.pk:
        raise NotPermitted()
    if export.status != ExportStatus.DONE or not export.file:
        raise ServiceError(_("This export is not ready yet."))
    handle = default_storage.open(export.file.name, "rb")
    with transaction.atomic():
        audit.record(
            action="export.downloaded",
            actor=actor,
            payload={"export_id": export.pk, "manifest_sha256": export.manifest_sha256},
        )
    return handle


def dossier_render(*, case: Case, actor: User, language: str) -> bytes:
    """The one-case dossier as a PDF; who made it, and its SHA-256, go into the trail."""
    require(actor, Capability.EXPORT_HISTORIES)
    masked = masks_contact_details(actor)
    pdf = render_dossier(case=case, masked=masked, language=language, made_by=actor)
    with transaction.atomic():
        audit.record(
            action="case.dossier.exported",
            actor=actor,
            case=case,
            payload={"sha256": hashlib.sha256(pdf).hexdigest(), "masked": masked},
        )
    return pdf

"""The audit trail: append-only, hash-chained, written in the same transaction as the change.

Every event carries the SHA-256 of its own content and of the event before it, in one chain
for the whole trail, so rewriting, deleting or inserting an event anywhere breaks the chain
from that point on. The chain's head (the last sequence number and hash) lives in one row
that each writer locks, which also orders concurrent writers. On PostgreSQL a trigger makes
the database itself refuse UPDATE and DELETE on the events table (django-pgtrigger).

`verify_chain()` recomputes everything and names the first event that does not match.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pgtrigger
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# What the hash covers and how it is computed are defined once, in the verifier that every
# export bundle carries (standard library only): the trail and an auditor's offline check
# cannot disagree on what a hash is.
from requests_app.exports.verify import HASHED_FIELDS as HASHED_FIELDS
from requests_app.exports.verify import chain_hash as chain_hash

if TYPE_CHECKING:
    from django.contrib.auth.models import User

GENESIS_HASH = "0" * 64

# Keys whose values never enter the audit payload in clear: secrets and the numbers on
# identity documents (My Number, insurer numbers, pension numbers, document numbers).
_SENSITIVE_KEY_PARTS = (
    "password",
    "secret",
    "token",
    "my_number",
    "insurer",
    "pension_number",
    "document_number",
    "scan",
)
MASK = "***"


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit event."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Audit events cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be deleted.")


class AuditChainHead(models.Model):
    """The one row holding the chain's last sequence number and hash (locked by writers)."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"


class AuditEvent(models.Model):
    """One thing that happened: who did what, when, from which state to which, and why."""

    seq = models.BigIntegerField(_("sequence number"), unique=True)
    at = models.DateTimeField(_("when"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_username = models.CharField(_("user name"), max_length=150, blank=True)
    case = models.ForeignKey(
        "requests_app.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    action = models.CharField(_("action"), max_length=64)
    from_state = models.CharField(_("from state"), max_length=32, blank=True)
    to_state = models.CharField(_("to state"), max_length=32, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    payload = models.JSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["case", "seq"], name="audit_case_seq"),
            models.Index(fields=["at"], name="audit_at"),
            models.Index(fields=["action", "at"], name="audit_action_at"),
        ]
        triggers = [
            pgtrigger.Protect(
                name="audit_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            )
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be deleted.")

    def content(self) -> dict[str, Any]:
        return event_content(
            seq=self.seq,
            at=self.at,
            actor_id=self.actor_id,
            actor_username=self.actor_username,
            case_id=self.case_id,
            action=self.action,
            from_state=self.from_state,
            to_state=self.to_state,
            reason=self.reason,
            payload=self.payload,
        )


# HASHED_FIELDS (imported above) are read by event_content, the export bundles and the bulk
# loader. Every stored column of an event: what the hash covers, then the chain.
EVENT_COLUMNS = (*HASHED_FIELDS, "prev_hash", "hash")


def event_content(
    *,
    seq: int,
    at: datetime,
    actor_id: int | None,
    actor_username: str,
    case_id: int | None,
    action: str,
    from_state: str,
    to_state: str,
    reason: str,
    payload: Mapping[str, Any],
) -> dict[str, Any]:
    """The fields that the hash covers (HASHED_FIELDS, in order), in a form that survives a
    database round trip."""
    return {
        "seq": seq,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "actor_username": actor_username,
        "case_id": case_id,
        "action": action,
        "from_state": from_state,
        "to_state": to_state,
        "reason": reason,
        "payload": payload,
    }


def mask(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Copy of `payload` with sensitive values replaced, recursively."""
    masked: dict[str, Any] = {}
    for key, value in payload.items():
        if any(part in key.lower() for part in _SENSITIVE_KEY_PARTS):
            masked[key] = MASK if value not in (None, "") else value
        elif isinstance(value, Mapping):
            masked[key] = mask(value)
        else:
            masked[key] = value
    return masked


def record(
    *,
    action: str,
    actor: User | None = None,
    case: Any = None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    payload: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. Must run inside the transaction that makes the change it records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must run inside the transaction of the change.")
    head = AuditChainHead.objects.select_for_update().get(pk=1)
    user = actor if getattr(actor, "is_authenticated", False) else None
    event = AuditEvent(
        seq=head.seq + 1,
        at=timezone.now(),
        actor=user,
        actor_username=user.get_username() if user else "system",
        case=case,
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        payload=_json_safe(mask(payload or {})),
        prev_hash=head.hash,
    )
    event.hash = chain_hash(head.hash, event.content())
    event.save(force_insert=True)
    AuditChainHead.objects.filter(pk=1).update(seq=event.seq, hash=event.hash)
    return event


def _json_safe(value: Any) -> Any:
    # The payload is hashed before it is stored, so it must be exactly what JSON gives back.
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    event_id: int | None
    message: str

    def __str__(self) -> str:
        where = f"event #{self.seq}" + (f" (id {self.event_id})" if self.event_id else "")
        return f"{where}: {self.message}"


def verify_events(
    events: Iterable[AuditEvent], *, start_seq: int = 1, start_hash: str = GENESIS_HASH
) -> tuple[ChainProblem | None, int, str]:
    """Check a run of events in sequence order; return the first problem, last seq and hash."""
    expected_seq, prev_hash = start_seq, start_hash
    for event in events:
        if event.seq != expected_seq:
            return (
                ChainProblem(expected_seq, None, f"missing; the next event found is #{event.seq}"),
                expected_seq - 1,
                prev_hash,
            )
        if event.prev_hash != prev_hash:
            return (
                ChainProblem(event.seq, event.id, "does not link to the event before it"),
                event.seq,
                prev_hash,
            )
        if chain_hash(prev_hash, event.content()) != event.hash:
            return (
                ChainProblem(event.seq, event.id, "its content does not match its hash"),
                event.seq,
                prev_hash,
            )
        prev_hash = event.hash
        expected_seq += 1
    return None, expected_seq - 1, prev_hash


def _iterate_all(chunk_size: int = 5000) -> Iterator[AuditEvent]:
    return AuditEvent.objects.order_by("seq").iterator(chunk_size=chunk_size)


def verify_chain() -> ChainProblem | None:
    """Recompute the whole chain and compare it with the head; None when all is intact."""
    problem, last_seq, last_hash = verify_events(_iterate_all())
    if problem is not None:
        return problem
    head = AuditChainHead.objects.get(pk=1)
    if head.seq != last_seq or head.hash != last_hash:
        return ChainProblem(
            last_seq + 1,
            None,
            f"the chain head says #{head.seq} is the last event, but the trail ends at "
            f"#{last_seq}: events were removed or the head was altered",
        )
    return None


def ensure_chain_head() -> None:
    """The chain starts with an empty head (created by a migration; idempotent)."""
    AuditChainHead.objects.get_or_create(pk=1)


def current_head() -> tuple[int, str]:
    head = AuditChainHead.objects.get(pk=1)
    return head.seq, head.hash

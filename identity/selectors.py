"""Reads for identity documents, each in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from identity.models import DocumentScan, DocumentType, ReceivedDocument


def paper_copies_to_shred() -> QuerySet[ReceivedDocument]:
    """Paper copies whose destruction date has passed and whose shredding is not confirmed."""
    return (
        ReceivedDocument.objects.filter(shredding_due_on__isnull=False, shredded_at__isnull=True)
        .select_related("document_type", "case")
        .order_by("shredding_due_on", "case__reference", "id")
    )


def recently_shredded(*, days: int) -> QuerySet[ReceivedDocument]:
    """Shredding confirmed in the last `days` days, newest first, with who confirmed it."""
    since = timezone.now() - timedelta(days=days)
    return (
        ReceivedDocument.objects.filter(shredded_at__gte=since)
        .select_related("document_type", "case", "shredded_by")
        .order_by("-shredded_at", "-id")
    )


def active_types() -> list[DocumentType]:
    return list(DocumentType.objects.filter(active=True).order_by("id"))


@dataclass(frozen=True)
class StoredScan:
    """A scan as held: encrypted, with the wrapped key and the type recorded at upload."""

    document_id: int
    reference: str
    content_type: str
    wrapped_key: bytes
    ciphertext: bytes


def stored_scans() -> Iterator[StoredScan]:
    """Every scan still held, one at a time (for checking a restored backup)."""
    rows = (
        DocumentScan.objects.order_by("pk")
        .values_list(
            "document_id",
            "document__case__reference",
            "document__scan_content_type",
            "wrapped_key",
            "ciphertext",
        )
        .iterator(chunk_size=20)
    )
    for document_id, reference, content_type, wrapped_key, ciphertext in rows:
        yield StoredScan(
            document_id, reference, content_type, bytes(wrapped_key), bytes(ciphertext)
        )

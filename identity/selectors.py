"""Reads for identity documents, each in a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from identity.models import DocumentType, ReceivedDocument


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

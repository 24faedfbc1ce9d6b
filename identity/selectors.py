"""Reads for identity documents, each in a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from identity.models import DocumentType, MaskingConfirmation, ReceivedDocument


def documents_queryset() -> QuerySet[ReceivedDocument]:
    """Documents with everything the gate and the case page read: two queries in all."""
    return ReceivedDocument.objects.select_related(
        "document_type",
        "recorded_by",
        "copy_destroyed_by",
        "shredded_by",
        "withdrawn_by",
    ).prefetch_related(
        Prefetch(
            "maskings",
            queryset=MaskingConfirmation.objects.select_related("confirmed_by").order_by("id"),
        )
    )


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

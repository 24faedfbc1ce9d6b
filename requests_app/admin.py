"""The administrator's reference data for deadlines: closure days and SLA policies.

Every change is in the audit trail, and once it commits every open case's stored due date is
recomputed (a task; if the broker is down, the nightly repair does it).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from requests_app import audit, queue
from requests_app.models import ClosureDay, SLAPolicy
from requests_app.views.base import signed_in


def _fields(obj: Model) -> dict[str, Any]:
    return {
        field.name: getattr(obj, field.attname)
        for field in obj._meta.concrete_fields
        if field.name not in {"id", "updated_at"}
    }


class DeadlineReferenceAdmin(admin.ModelAdmin[Any]):
    """Audits each change and has the stored due dates recomputed after it."""

    def save_model(
        self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        audit.record(
            action="reference.saved",
            actor=signed_in(request),
            payload={"model": obj._meta.label_lower, "id": obj.pk, "values": _fields(obj)},
        )
        queue.publish_on_commit(queue.REFRESH_DUE_DATES)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self._record_deletion(request, obj)
        super().delete_model(request, obj)
        queue.publish_on_commit(queue.REFRESH_DUE_DATES)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        # The changelist's bulk delete runs outside the admin's own transaction.
        with transaction.atomic():
            for obj in queryset:
                self._record_deletion(request, obj)
            super().delete_queryset(request, queryset)
            queue.publish_on_commit(queue.REFRESH_DUE_DATES)

    def _record_deletion(self, request: HttpRequest, obj: Any) -> None:
        audit.record(
            action="reference.deleted",
            actor=signed_in(request),
            payload={"model": obj._meta.label_lower, "id": obj.pk, "values": _fields(obj)},
        )


@admin.register(ClosureDay)
class ClosureDayAdmin(DeadlineReferenceAdmin):
    list_display = ("when", "name")
    list_filter = ("year",)
    search_fields = ("name",)
    fields = ("name", "month", "day", "year")

    @admin.display(description=_("date"), ordering="month")
    def when(self, obj: ClosureDay) -> str:
        return obj.when


@admin.register(SLAPolicy)
class SLAPolicyAdmin(DeadlineReferenceAdmin):
    list_display = ("kind", "target_days", "day_count", "warning_days", "pauses_while_waiting")
    fields = (
        "kind",
        "target_days",
        "day_count",
        "warning_days",
        "pauses_while_waiting",
        "search_task_days",
    )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Every kind keeps a policy; change its target instead.
        return False

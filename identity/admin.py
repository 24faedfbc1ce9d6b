"""The administrator edits the document types (reference data) here; case data is not here.

An edit changes identity verdicts, so it is a service (identity/services.py), audited with
the fields that changed, before and after.
"""

from django.contrib import admin
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from identity import services
from identity.models import DocumentType
from requests_app.admin import ServiceAdmin


@admin.register(DocumentType)
class DocumentTypeAdmin(ServiceAdmin[DocumentType]):
    list_display = (
        "code",
        "name_ja",
        "name_en",
        "proves",
        "shows_address",
        "expires",
        "has_photo",
        "accepted_from",
        "accepted_until",
        "max_age_months",
        "active",
    )
    list_filter = ("active", "proves", "shows_address")
    search_fields = ("code", "name_ja", "name_en")
    fieldsets = (
        (None, {"fields": ("code", "name_ja", "name_en", "active", "proves")}),
        (_("What the document shows"), {"fields": ("shows_address", "expires", "has_photo")}),
        (
            _("Masking required before a copy is kept"),
            {
                "fields": (
                    "mask_insurer_number",
                    "mask_my_number",
                    "mask_domicile",
                    "mask_pension_number",
                    "mask_qr_code",
                    "back_shows_my_number",
                )
            },
        ),
        (
            _("When it is accepted"),
            {"fields": ("accepted_from", "accepted_until", "max_age_months")},
        ),
    )

    def has_delete_permission(self, request: object, obj: DocumentType | None = None) -> bool:
        # A type in use cannot go (documents point to it); retire it by unticking "accepted".
        # The back of a My Number card is fixed in code: never edited, never deleted.
        if obj is not None and (obj.is_card_back or obj.receiveddocument_set.exists()):
            return False
        return super().has_delete_permission(request, obj)  # type: ignore[arg-type]

    def has_change_permission(self, request: object, obj: DocumentType | None = None) -> bool:
        if obj is not None and obj.is_card_back:
            return False
        return super().has_change_permission(request, obj)  # type: ignore[arg-type]

    def save_with_service(self, *, actor: User, obj: DocumentType) -> None:
        services.document_type_save(actor=actor, document_type=obj)

    def delete_with_service(self, *, actor: User, objs: list[DocumentType]) -> None:
        services.document_types_delete(actor=actor, document_types=objs)

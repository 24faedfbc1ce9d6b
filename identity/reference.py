"""The document types the app starts with (seeded by a migration; editable afterwards)."""

from __future__ import annotations

from typing import Any

DOCUMENT_TYPES = [
    ("drivers_licence", "運転免許証", "Driver's licence"),
    ("health_insurance_card", "健康保険証", "Health insurance card"),
    ("passport", "パスポート", "Passport"),
    ("pension_book", "年金手帳", "Pension book"),
    ("eligibility_certificate", "資格確認書", "Eligibility certificate"),
    ("my_number_card", "マイナンバーカード（表面）", "My Number card (front)"),
    ("residence_card", "在留カード", "Residence card"),
    ("residence_certificate", "住民票の写し", "Certificate of residence"),
]


def seed_document_types(apps: Any = None) -> None:
    """Create the seeded types that are missing; never overwrite an administrator's edits."""
    from django.apps import apps as global_apps

    document_type = (apps or global_apps).get_model("identity", "DocumentType")
    for code, name_ja, name_en in DOCUMENT_TYPES:
        document_type.objects.get_or_create(
            code=code, defaults={"name_ja": name_ja, "name_en": name_en}
        )

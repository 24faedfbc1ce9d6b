"""The document types the app starts with (seeded by migrations; editable afterwards).

The policy's four (driver's licence, health insurance card, passport, pension book), their
successors and common alternatives, and the proofs agents and guardians send. The rules
follow ../shared/DOMAIN.md, "Identity verification by post", as of late 2026.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from identity.choices import MY_NUMBER_CARD_BACK, Proves


@dataclass(frozen=True)
class SeedType:
    code: str
    name_ja: str
    name_en: str
    proves: str = Proves.IDENTITY
    shows_address: bool = False
    expires: bool = False
    has_photo: bool = False
    mask_insurer_number: bool = False
    mask_my_number: bool = False
    mask_domicile: bool = False
    mask_pension_number: bool = False
    mask_qr_code: bool = False
    back_shows_my_number: bool = False
    accepted_from: date | None = None
    accepted_until: date | None = None
    max_age_months: int | None = None

    def rules(self) -> dict[str, Any]:
        values = asdict(self)
        for name in ("code", "name_ja", "name_en"):
            values.pop(name)
        values["proves"] = str(values["proves"])
        return values


SEED_TYPES: tuple[SeedType, ...] = (
    # IC licences, the only kind in use since 2010, do not print the permanent domicile (本籍):
    # it is in the chip only, so there is nothing to mask. A licence on a My Number card
    # (マイナ免許証, since March 2025) is a My Number card.
    SeedType(
        "drivers_licence",
        "運転免許証",
        "Driver's licence",
        shows_address=True,
        expires=True,
        has_photo=True,
    ),
    # None issued since 2 Dec 2024; every card expired by 1 Dec 2025 at the latest. Insurer
    # numbers and symbols may not be collected (since Oct 2020), nor the QR code that
    # carries them.
    SeedType(
        "health_insurance_card",
        "健康保険証",
        "Health insurance card",
        shows_address=True,
        mask_insurer_number=True,
        mask_qr_code=True,
        accepted_until=date(2025, 12, 1),
    ),
    # Issued from Feb 2020 without an address page: never proves the address.
    SeedType("passport", "パスポート", "Passport", expires=True, has_photo=True),
    # No longer issued since April 2022; existing books remain documents.
    SeedType("pension_book", "年金手帳", "Pension book", mask_pension_number=True),
    # The health insurance card's successor (資格確認書), issued from 2 Dec 2024.
    SeedType(
        "eligibility_certificate",
        "資格確認書",
        "Eligibility certificate",
        shows_address=True,
        expires=True,
        mask_insurer_number=True,
        mask_qr_code=True,
        accepted_from=date(2024, 12, 2),
    ),
    # The front only: the number on the back is never collected or stored.
    SeedType(
        "my_number_card",
        "マイナンバーカード（表面）",
        "My Number card (front)",
        shows_address=True,
        expires=True,
        has_photo=True,
        back_shows_my_number=True,
    ),
    # The back: its own type, fixed in code (identity.rules.CARD_BACK_FACTS). Logged only to
    # record that it arrived and was destroyed at once; never an identity document.
    SeedType(
        MY_NUMBER_CARD_BACK,
        "マイナンバーカード（裏面）",
        "My Number card (back)",
        proves=Proves.NOTHING,
    ),
    SeedType(
        "residence_card",
        "在留カード",
        "Residence card",
        shows_address=True,
        expires=True,
        has_photo=True,
    ),
    # May show the My Number and the domicile if the person asked for them: masked.
    SeedType(
        "residence_certificate",
        "住民票の写し",
        "Certificate of residence",
        shows_address=True,
        mask_my_number=True,
        mask_domicile=True,
        max_age_months=3,
    ),
    # What agents and guardians send.
    SeedType("power_of_attorney", "委任状", "Power of attorney", proves=Proves.APPOINTMENT),
    SeedType(
        "seal_certificate",
        "印鑑登録証明書",
        "Seal registration certificate",
        proves=Proves.REGISTERED_SEAL,
        shows_address=True,
        max_age_months=3,
    ),
    SeedType(
        "family_register",
        "戸籍謄本（全部事項証明書）",
        "Family register (certified copy)",
        proves=Proves.RELATIONSHIP,
        max_age_months=3,
    ),
    SeedType(
        "registered_matters",
        "登記事項証明書（後見登記）",
        "Certificate of registered matters (guardianship)",
        proves=Proves.GUARDIANSHIP,
        max_age_months=3,
    ),
)


# The seeded types whose rules changed with the law as read in late 2026 (issue 12): their
# rows are updated once by a migration (identity 0006), whatever was seeded before.
UPDATED_RULES = {
    "drivers_licence": {"mask_domicile": False},
    "health_insurance_card": {"mask_qr_code": True},
    "eligibility_certificate": {"mask_qr_code": True},
}


def seed_document_types(apps: Any = None, *, set_rules_of_existing: bool = False) -> None:
    """Create the seeded types that are missing; never overwrite an administrator's edits.

    `set_rules_of_existing` is for the migration that added the rule fields: types created
    before then got their rules' defaults, which are filled in once.
    """
    from django.apps import apps as global_apps

    document_type = (apps or global_apps).get_model("identity", "DocumentType")
    # An early migration's historical model has no rule fields yet: seed what it has.
    known = {field.name for field in document_type._meta.get_fields()}
    for seed in SEED_TYPES:
        rules = {name: value for name, value in seed.rules().items() if name in known}
        found, created = document_type.objects.get_or_create(
            code=seed.code, defaults={"name_ja": seed.name_ja, "name_en": seed.name_en, **rules}
        )
        if not created and set_rules_of_existing and rules:
            for name, value in rules.items():
                setattr(found, name, value)
            found.save(update_fields=list(rules))

"""Identity (issue 12), the data:

- the back of a My Number card becomes a document type of its own (fixed in code);
- the seeded types follow the law as read in late 2026: the driver's licence no longer needs
  its permanent domicile masked (IC licences do not print it); the health insurance card and
  the eligibility certificate need the QR code masked as well as the numbers;
- every copy logged with "includes the back of the card" ticked keeps its record: the back is
  logged as a document of its own, received the same day, with the destruction the row
  recorded (destroyed at once, by whom and when). A back that was masked and kept with its
  front (the old form allowed that) stays where the front is kept, as it was.

Frozen here: the values are those of the seeded types when this was written.
"""

from django.db import migrations

CARD_BACK = "my_number_card_back"
UPDATED_RULES = {
    "drivers_licence": {"mask_domicile": False},
    "health_insurance_card": {"mask_qr_code": True},
    "eligibility_certificate": {"mask_qr_code": True},
}


def forwards(apps, schema_editor):
    document_type = apps.get_model("identity", "DocumentType")
    document = apps.get_model("identity", "ReceivedDocument")
    card_back, _created = document_type.objects.get_or_create(
        code=CARD_BACK,
        defaults={
            "name_ja": "マイナンバーカード（裏面）",
            "name_en": "My Number card (back)",
            "proves": "nothing",
        },
    )
    for code, rules in UPDATED_RULES.items():
        document_type.objects.filter(code=code).update(**rules)
    for front in document.objects.filter(includes_card_back=True).order_by("id"):
        kept_with_front = not front.destroyed_at_once
        document.objects.create(
            case_id=front.case_id,
            document_type=card_back,
            holder=front.holder,
            received_on=front.received_on,
            destroyed_at_once=not kept_with_front,
            copy_destroyed_at=front.copy_destroyed_at,
            copy_destroyed_by_id=front.copy_destroyed_by_id,
            paper_location=front.paper_location if kept_with_front else "",
            copies_destroyed_on=front.copies_destroyed_on,
            shredding_due_on=front.shredding_due_on,
            shredded_at=front.shredded_at,
            shredded_by_id=front.shredded_by_id,
            withdrawn_at=front.withdrawn_at,
            withdrawn_by_id=front.withdrawn_by_id,
            withdrawal_reason=front.withdrawal_reason,
            recorded_by_id=front.recorded_by_id,
        )


class Migration(migrations.Migration):

    dependencies = [
        ("identity", "0005_masking_qr_code_and_card_back"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

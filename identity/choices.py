"""The fixed vocabularies of identity verification (what the code's rules are written against).

Document *types* are data an administrator edits; what a type can prove, which maskings
exist and whose document it is are the words the rules speak, so they live in code.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# The back of a My Number card is a document type of its own, fixed in code (not reference
# data an administrator edits): logged as arrived, recorded as destroyed at once, nothing
# copied from it, and counted by no rule (identity.rules.CARD_BACK_FACTS).
MY_NUMBER_CARD_BACK = "my_number_card_back"


class Proves(models.TextChoices):
    """What a document type is evidence of."""

    IDENTITY = "identity", _("The holder's identity (本人確認書類)")
    RELATIONSHIP = "relationship", _("A family relationship (parent or guardian of a minor)")
    GUARDIANSHIP = "guardianship", _("Guardianship of an adult ward (成年後見)")
    APPOINTMENT = "appointment", _("Appointment of an agent (委任)")
    REGISTERED_SEAL = "registered_seal", _("The person's registered seal (実印)")
    # The back of a My Number card: logged that it arrived, destroyed at once, never evidence.
    NOTHING = "nothing", _("Nothing: never evidence of identity (the back of a My Number card)")


class Masking(models.TextChoices):
    """What must be blacked out on a copy before it is kept."""

    INSURER_NUMBER = (
        "insurer_number",
        _("Insurer number and insured person's symbol and number (保険者番号・記号・番号)"),
    )
    MY_NUMBER = "my_number", _("My Number (個人番号)")
    DOMICILE = "domicile", _("Permanent domicile (本籍)")
    PENSION_NUMBER = "pension_number", _("Basic pension number (基礎年金番号)")
    # Health insurance cards and eligibility certificates: the QR code carries the insurer
    # number and the insured person's symbol and number, which may not be collected.
    QR_CODE = "qr_code", _("QR code carrying the insurance numbers (QRコード)")


class Holder(models.TextChoices):
    """Whose document it is: the person, their agent, or the parent or guardian."""

    REQUESTER = "requester", _("The requester (ご本人)")
    AGENT = "agent", _("The agent (代理人)")
    GUARDIAN = "guardian", _("The parent or guardian (親権者・後見人)")


class GuardianRelationship(models.TextChoices):
    PARENT = "parent", _("Parent with parental authority (親権者)")
    GUARDIAN = "guardian", _("Guardian of a minor (未成年後見人)")

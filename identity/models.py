"""Identity documents (本人確認書類) received by post for a case.

Document types are reference data an administrator edits: what each shows, whether it
expires, what must be masked, and between which dates it is accepted. A received document
records what the copy in the envelope shows, who it belongs to, which maskings were done
and by whom, where the paper is kept, and (optionally) an encrypted scan. The copies are
destroyed a set time after the reply; the record of what was checked stays.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from identity.choices import MY_NUMBER_CARD_BACK, GuardianRelationship, Holder, Masking, Proves
from requests_app.validators import postal_code_validator

__all__ = [
    "DocumentScan",
    "DocumentType",
    "Guardian",
    "GuardianRelationship",
    "Holder",
    "Masking",
    "MaskingConfirmation",
    "Proves",
    "ReceivedDocument",
]


class DocumentType(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    active = models.BooleanField(_("accepted"), default=True)
    proves = models.CharField(
        _("proves"), max_length=20, choices=Proves.choices, default=Proves.IDENTITY
    )
    shows_address = models.BooleanField(
        _("shows the current address"),
        default=False,
        help_text=_("Only a type that shows the address can prove where the reply may go."),
    )
    expires = models.BooleanField(
        _("has an expiry date"),
        default=False,
        help_text=_("Staff must then record the expiry date shown on the copy."),
    )
    has_photo = models.BooleanField(_("carries a photo"), default=False)
    mask_insurer_number = models.BooleanField(
        _("insurer number and symbol must be masked"), default=False
    )
    mask_my_number = models.BooleanField(_("My Number must be masked"), default=False)
    mask_domicile = models.BooleanField(
        _("permanent domicile (本籍) must be masked"), default=False
    )
    mask_pension_number = models.BooleanField(
        _("basic pension number must be masked"), default=False
    )
    mask_qr_code = models.BooleanField(
        _("QR code must be masked"),
        default=False,
        help_text=_("Health insurance cards and eligibility certificates: it carries the numbers."),
    )
    back_shows_my_number = models.BooleanField(
        _("the back of the card shows the My Number"),
        default=False,
        help_text=_(
            "A copy of the back is logged as the back of a My Number card: destroyed at once, "
            "never stored as a scan, never counted as an identity document."
        ),
    )
    accepted_from = models.DateField(
        _("accepted from"),
        null=True,
        blank=True,
        help_text=_("Copies received before this date are not accepted (blank: no limit)."),
    )
    accepted_until = models.DateField(
        _("accepted until"),
        null=True,
        blank=True,
        help_text=_("Copies received after this date are not accepted (blank: no limit)."),
    )
    max_age_months = models.PositiveSmallIntegerField(
        _("must be issued within (months)"),
        null=True,
        blank=True,
        help_text=_(
            "For certificates: how recently before its arrival it must have been issued "
            "(blank: no limit). Staff must then record the issue date."
        ),
    )

    class Meta:
        verbose_name = _("document type")
        verbose_name_plural = _("document types")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(accepted_from__isnull=True)
                | Q(accepted_until__isnull=True)
                | Q(accepted_from__lte=models.F("accepted_until")),
                name="documenttype_accepted_window",
                violation_error_message=_("“Accepted from” cannot be later than “accepted until”."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_ja if (get_language() or "ja").startswith("ja") else self.name_en

    @property
    def required_maskings(self) -> list[str]:
        flags = (
            (self.mask_insurer_number, Masking.INSURER_NUMBER),
            (self.mask_my_number, Masking.MY_NUMBER),
            (self.mask_domicile, Masking.DOMICILE),
            (self.mask_pension_number, Masking.PENSION_NUMBER),
            (self.mask_qr_code, Masking.QR_CODE),
        )
        if self.is_card_back:
            return []
        return [str(masking) for flag, masking in flags if flag]

    @property
    def is_identity_document(self) -> bool:
        return self.proves == Proves.IDENTITY and not self.is_card_back

    @property
    def is_card_back(self) -> bool:
        """The back of a My Number card: fixed in code, never an identity document."""
        return self.code == MY_NUMBER_CARD_BACK


class ReceivedDocumentQuerySet(models.QuerySet["ReceivedDocument"]):
    def with_details(self) -> ReceivedDocumentQuerySet:
        """With everything the gate and the case page read: two queries in all."""
        return self.select_related(
            "document_type",
            "copy_destroyed_by",
            "shredded_by",
            "withdrawn_by",
        ).prefetch_related(
            models.Prefetch(
                "maskings",
                queryset=MaskingConfirmation.objects.select_related("confirmed_by").order_by("id"),
            )
        )


class ReceivedDocument(models.Model):
    """A copy of an identity document (or of a proof of authority) that arrived by post."""

    case = models.ForeignKey(
        "requests_app.Case", on_delete=models.PROTECT, related_name="identity_documents"
    )
    document_type = models.ForeignKey(
        DocumentType, verbose_name=_("document type"), on_delete=models.PROTECT
    )
    holder = models.CharField(
        _("whose document"), max_length=16, choices=Holder.choices, default=Holder.REQUESTER
    )
    received_on = models.DateField(_("received on"))
    # What the copy shows, typed as printed: the rules compare these with the case.
    name_shown = models.CharField(_("name as shown"), max_length=100, blank=True)
    name_kana_shown = models.CharField(_("kana as shown"), max_length=100, blank=True)
    date_of_birth_shown = models.DateField(_("date of birth as shown"), null=True, blank=True)
    address_shown = models.CharField(_("address as shown"), max_length=200, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    paper_location = models.CharField(_("where the paper copy is kept"), max_length=100, blank=True)
    # The copy was shredded on the spot (e.g. an unmasked My Number) once the facts were read.
    destroyed_at_once = models.BooleanField(_("copy destroyed at once"), default=False)
    copy_destroyed_at = models.DateTimeField(_("copy destroyed at"), null=True, blank=True)
    copy_destroyed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("copy destroyed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # What the scan was (never what it showed); the encrypted bytes live in DocumentScan.
    scan_content_type = models.CharField(_("scan format"), max_length=40, blank=True)
    scan_size = models.PositiveIntegerField(_("scan size (bytes)"), null=True, blank=True)
    scan_destroyed_at = models.DateTimeField(_("scan destroyed at"), null=True, blank=True)
    # Retention (写しの廃棄): set by the retention run once the destruction date has passed.
    copies_destroyed_on = models.DateField(_("copies destroyed on"), null=True, blank=True)
    shredding_due_on = models.DateField(_("paper due for shredding since"), null=True, blank=True)
    shredded_at = models.DateTimeField(_("paper shredded at"), null=True, blank=True)
    shredded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shredding confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Entered in error: kept for the record, left out of the verdict.
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawal_reason = models.TextField(_("why it was withdrawn"), blank=True, max_length=1000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ReceivedDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("received document")
        verbose_name_plural = _("received documents")
        ordering = ["received_on", "id"]
        indexes = [
            models.Index(
                fields=["shredding_due_on"],
                name="document_paper_to_shred",
                condition=Q(shredding_due_on__isnull=False, shredded_at__isnull=True),
            ),
            models.Index(
                fields=["case"],
                name="document_copies_kept",
                condition=Q(copies_destroyed_on__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_type} ({self.received_on:%Y-%m-%d})"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def has_scan(self) -> bool:
        return bool(self.scan_content_type)

    @property
    def required_maskings(self) -> list[str]:
        return list(self.document_type.required_maskings)

    @property
    def is_card_back(self) -> bool:
        return self.document_type.is_card_back

    @property
    def paper_kept(self) -> bool:
        """A paper copy is in a cabinet somewhere (not destroyed at once, not shredded)."""
        return not self.destroyed_at_once and self.shredded_at is None


class MaskingConfirmation(models.Model):
    """One required masking, confirmed by a named member of staff (or arrived masked)."""

    class Method(models.TextChoices):
        ARRIVED_MASKED = "arrived_masked", _("Arrived masked, or not shown on the copy")
        MASKED_BY_STAFF = "masked_by_staff", _("Masked by us on receipt")

    document = models.ForeignKey(
        ReceivedDocument, on_delete=models.PROTECT, related_name="maskings"
    )
    masking = models.CharField(_("masking"), max_length=20, choices=Masking.choices)
    method = models.CharField(_("how"), max_length=20, choices=Method.choices)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("masking confirmation")
        verbose_name_plural = _("masking confirmations")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "masking"], name="masking_once_per_document"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document_id}:{self.masking}"


class DocumentScan(models.Model):
    """The encrypted scan of a copy, apart from the document so pages never load it.

    Each scan has its own key, stored wrapped by IDENTITY_SCAN_KEY; destroying the scan
    deletes both, so nothing of the image can be recovered (crypto-shredding).
    """

    document = models.OneToOneField(
        ReceivedDocument, on_delete=models.CASCADE, related_name="scan", primary_key=True
    )
    wrapped_key = models.BinaryField()
    ciphertext = models.BinaryField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("document scan")
        verbose_name_plural = _("document scans")

    def __str__(self) -> str:
        return f"scan of document {self.document_id}"


class Guardian(models.Model):
    """The parent or guardian whose consent a requester under 16 needs (policy Section 13)."""

    case = models.OneToOneField(
        "requests_app.Case", on_delete=models.PROTECT, related_name="identity_guardian"
    )
    relationship = models.CharField(
        _("relationship to the requester"),
        max_length=16,
        choices=GuardianRelationship.choices,
        default=GuardianRelationship.PARENT,
    )
    name = models.CharField(_("name"), max_length=100)
    name_kana = models.CharField(_("name in kana"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"))
    postal_code = models.CharField(
        _("postal code"), max_length=8, validators=[postal_code_validator]
    )
    address = models.CharField(_("address"), max_length=200)
    consent_received_on = models.DateField(_("written consent received on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("parent or guardian")
        verbose_name_plural = _("parents or guardians")

    def __str__(self) -> str:
        return self.name

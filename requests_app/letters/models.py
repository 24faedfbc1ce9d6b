"""The letter register, letter batches, and what staff record for the letters' content.

Imported by requests_app/models.py, so these are models of the requests_app app.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from requests_app import heartbeat
from requests_app.letters.kinds import LetterKind, LetterLanguage, is_deciding


class MailMethod(models.TextChoices):
    SIMPLE_REGISTERED = "simple_registered", _("Simple registered mail (簡易書留)")
    RESTRICTED_DELIVERY = "restricted_delivery", _("Restricted-delivery mail (本人限定受取郵便)")
    ORDINARY = "ordinary", _("Ordinary mail")


# Methods that come with a tracking number printed on the receipt.
TRACKED_METHODS = frozenset({MailMethod.SIMPLE_REGISTERED, MailMethod.RESTRICTED_DELIVERY})


class LetterStatus(models.TextChoices):
    PENDING = "pending", _("Being generated")
    READY = "ready", _("Generated")
    FAILED = "failed", _("Could not be generated")


# Every letter file and post-room PDF lives under this folder of the default storage; the
# daily check (services.letter_files_check) removes what no register row points to.
LETTERS_FOLDER = "letters"


def letter_path(letter: Letter, filename: str) -> str:
    year = letter.letter_date.year
    return f"{LETTERS_FOLDER}/{year}/{letter.case.reference}/{filename}"


def batch_path(batch: LetterBatch, filename: str) -> str:
    return f"{LETTERS_FOLDER}/batches/{batch.requested_at:%Y}/{filename}"


class LetterBatch(models.Model):
    """Many letters generated at once: one PDF for the post room, one stored file per letter."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to start")
        RUNNING = "running", _("Generating")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=32, choices=LetterKind.choices)
    language = models.CharField(
        _("language"), max_length=2, choices=LetterLanguage.choices, default=LetterLanguage.JAPANESE
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    total = models.PositiveIntegerField(_("letters"), default=0)
    rendered_count = models.PositiveIntegerField(_("laid out"), default=0)
    stored_count = models.PositiveIntegerField(_("stored"), default=0)
    file = models.FileField(_("post-room PDF"), upload_to=batch_path, blank=True, max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    page_count = models.PositiveIntegerField(_("pages"), default=0)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # The run that holds the batch (requests_app/heartbeat.py): its token, how many runs
    # there have been, and its last sign of life.
    claim = models.CharField(max_length=32, blank=True)
    attempts = models.PositiveSmallIntegerField(_("runs"), default=0)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        app_label = "requests_app"
        verbose_name = _("letter batch")
        verbose_name_plural = _("letter batches")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "enqueued_at"], name="batch_status_enqueued")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"

    @property
    def progress_percent(self) -> int:
        if not self.total:
            return 100 if self.status == self.Status.DONE else 0
        return round(100 * (self.rendered_count + self.stored_count) / (2 * self.total))

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def is_stopped(self) -> bool:
        """Running, but its worker has not shown a sign of life for too long: it died."""
        return self.status == self.Status.RUNNING and heartbeat.is_silent(
            self.heartbeat_at, self.started_at
        )

    @property
    def last_sign_of_life(self) -> datetime | None:
        return self.heartbeat_at or self.started_at

    @property
    def can_resume(self) -> bool:
        return self.status == self.Status.PENDING or self.is_stopped


class Letter(models.Model):
    """One generated letter (the register's row). A letter is never overwritten: generating
    again makes a new version. The content is a snapshot taken when the letter was asked for,
    so rendering (now, or again after a failure) always prints the same thing."""

    case = models.ForeignKey(
        "requests_app.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="letters",
    )
    number = models.CharField(_("letter number"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=LetterKind.choices)
    language = models.CharField(_("language"), max_length=2, choices=LetterLanguage.choices)
    version = models.PositiveSmallIntegerField(_("version"))
    letter_date = models.DateField(_("date on the letter"))
    content = models.JSONField(_("content"), default=dict)
    status = models.CharField(
        _("status"), max_length=16, choices=LetterStatus.choices, default=LetterStatus.PENDING
    )
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    file = models.FileField(_("PDF"), upload_to=letter_path, blank=True, max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    # A deciding letter's fingerprint of the decision it states (letters.rules.decision_digest):
    # when the decision changes after the letter was drafted, the draft is out of date.
    decision_digest = models.CharField(_("decision fingerprint"), max_length=64, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    page_count = models.PositiveSmallIntegerField(_("pages"), default=0)
    batch = models.ForeignKey(
        LetterBatch,
        verbose_name=_("batch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="letters",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("generated by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("asked for at"), default=timezone.now)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    generated_at = models.DateTimeField(_("generated at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    mail_method = models.CharField(
        _("mailing method"), max_length=32, choices=MailMethod.choices, blank=True
    )
    tracking_number = models.CharField(_("tracking number"), max_length=32, blank=True)
    sent_on = models.DateField(_("date sent"), null=True, blank=True)
    mailed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("mailing recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    mailed_at = models.DateTimeField(null=True, blank=True)
    returned_on = models.DateField(_("returned undeliverable on"), null=True, blank=True)
    returned_note = models.TextField(_("note on the return"), blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("return recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        app_label = "requests_app"
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        ordering = ["case_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind", "version"], name="letter_one_per_version"
            ),
        ]
        indexes = [
            models.Index(fields=["case", "kind"], name="letter_case_kind"),
            models.Index(fields=["status", "enqueued_at"], name="letter_status_enqueued"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_deciding(self) -> bool:
        return is_deciding(self.kind)

    @property
    def needs_approval(self) -> bool:
        return self.is_deciding and self.approved_at is None

    @property
    def is_ready(self) -> bool:
        return self.status == LetterStatus.READY

    @property
    def is_mailed(self) -> bool:
        return self.sent_on is not None

    @property
    def is_returned(self) -> bool:
        return self.returned_on is not None

    @property
    def reference(self) -> str:
        return str(self.content.get("reference", ""))

    def audit_payload(self, **extra: Any) -> dict[str, Any]:
        return {
            "letter": self.pk,
            "number": self.number,
            "kind": self.kind,
            "version": self.version,
            "language": self.language,
            **extra,
        }


class ItemChange(models.Model):
    """What was changed for a correction, erasure or cessation item: before and after.

    The completion letter reports these rows to the person (Art. 34(3), 35(7)).
    """

    item = models.ForeignKey(
        "requests_app.RequestItem",
        verbose_name=_("request item"),
        on_delete=models.PROTECT,
        related_name="changes",
    )
    subject = models.CharField(_("what"), max_length=200)
    before = models.TextField(_("before"), max_length=2000, blank=True)
    after = models.TextField(_("after"), max_length=2000, blank=True)
    # When it was done and where (the department's system), as the completion letter lists
    # them; filled from a department's accepted answer (requests_app/datamap).
    done_on = models.DateField(_("done on"), null=True, blank=True)
    source = models.CharField(_("where"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "requests_app"
        verbose_name = _("change made")
        verbose_name_plural = _("changes made")
        ordering = ["item_id", "id"]

    def __str__(self) -> str:
        return self.subject


class DisclosedRecord(models.Model):
    """One row of the personal data found for a disclosure item (開示する保有個人データ)."""

    item = models.ForeignKey(
        "requests_app.RequestItem",
        verbose_name=_("request item"),
        on_delete=models.PROTECT,
        related_name="disclosed_records",
    )
    position = models.PositiveIntegerField(_("position"))
    category = models.CharField(_("category"), max_length=100)
    field = models.CharField(_("item"), max_length=200)
    value = models.TextField(_("content"), max_length=4000)
    source = models.CharField(_("where it is held"), max_length=200, blank=True)
    # A record of provision to a third party that the Cabinet Order excludes (Enforcement
    # Order Art. 11: its existence becoming known would endanger life, body or property,
    # invite unlawful acts, harm national security or foreign relations, or hinder crime
    # prevention or investigation). It is left out of the letter without mention and shown
    # to the approver only; the register of provision records will mark it.
    excluded_by_order = models.BooleanField(
        _("excluded by the Cabinet Order (Enforcement Order Art. 11)"), default=False
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "requests_app"
        verbose_name = _("disclosed record")
        verbose_name_plural = _("disclosed records")
        ordering = ["item_id", "position", "id"]

    def __str__(self) -> str:
        return f"{self.category}: {self.field}"

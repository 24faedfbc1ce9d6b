"""An export bundle requested by an auditor or a manager, and built by a Celery task."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Bundles live under this folder of the default storage; the daily check
# (services.export_files_check) removes what no export points to.
EXPORTS_FOLDER = "exports"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Being built")
    DONE = "done", _("Ready to download")
    FAILED = "failed", _("Failed")


class Export(models.Model):
    """One ZIP bundle of case histories for a period and filters.

    The database is the source of truth for its progress: the task that builds it claims the
    row (queued → running), reports progress on it and stores the result on it, so a page can
    poll it and a sweep can restart an export whose message was lost.
    """

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    # The case-list filters and the arrival period, as the form cleaned them (ISO dates).
    filters = models.JSONField(_("filters"), default=dict)
    # Contact details partly masked (the requester's role has no need for them).
    masked = models.BooleanField(_("contact details masked"), default=False)
    # The language of column headings and labels in the bundle.
    language = models.CharField(_("language"), max_length=8, default="ja")
    status = models.CharField(
        _("status"), max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    progress_done = models.PositiveBigIntegerField(default=0)
    progress_total = models.PositiveBigIntegerField(default=0)
    case_count = models.PositiveIntegerField(_("cases"), null=True, blank=True)
    event_count = models.PositiveBigIntegerField(_("events"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    # The run that builds it (requests_app/heartbeat.py): its token and last sign of life.
    claim = models.CharField(max_length=32, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    file = models.FileField(_("bundle"), upload_to="exports/", blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    manifest_sha256 = models.CharField(_("manifest SHA-256"), max_length=64, blank=True)
    chain_seq = models.BigIntegerField(_("audit chain head (sequence)"), null=True, blank=True)
    chain_hash = models.CharField(_("audit chain head (hash)"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["requested_by", "-requested_at"], name="export_by_user"),
            models.Index(fields=["status", "requested_at"], name="export_status"),
        ]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(99, int(self.progress_done * 100 / self.progress_total))

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED)

    @property
    def download_name(self) -> str:
        stamp = timezone.localtime(self.requested_at).strftime("%Y%m%d-%H%M")
        return f"case-histories-{stamp}-{self.pk}.zip"

"""Identity documents (本人確認書類) received by post for a case.

Document types are reference data an administrator edits; a received document records what
the copy in the envelope shows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class DocumentType(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    active = models.BooleanField(_("accepted"), default=True)

    class Meta:
        verbose_name = _("document type")
        verbose_name_plural = _("document types")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_ja if (get_language() or "ja").startswith("ja") else self.name_en


class ReceivedDocument(models.Model):
    """A copy of an identity document that arrived by post for a case."""

    case = models.ForeignKey(
        "requests_app.Case", on_delete=models.PROTECT, related_name="identity_documents"
    )
    document_type = models.ForeignKey(
        DocumentType, verbose_name=_("document type"), on_delete=models.PROTECT
    )
    received_on = models.DateField(_("received on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("received document")
        verbose_name_plural = _("received documents")
        ordering = ["received_on", "id"]

    def __str__(self) -> str:
        return f"{self.document_type} ({self.received_on:%Y-%m-%d})"

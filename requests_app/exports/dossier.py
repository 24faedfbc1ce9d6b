"""The one-case dossier: everything about a case on A4, as a PDF (WeasyPrint).

The requester, each item asked for and its outcome, the departments' searches (which system,
by whom, when, with what result), every audit event in order, the identity
rules' results (never a document's image or number), the fee, and the letters sent. Fonts are
the IPAex fonts installed on the system (by family name); the only files the renderer may load
are the app's own static files.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from identity.gate import evaluate_case
from requests_app import selectors
from requests_app.audit import AuditEvent
from requests_app.datamap.selectors import case_tasks
from requests_app.exports import attachments
from requests_app.exports.masking import mask_contact_values, mask_email, mask_phone
from requests_app.models import Case

# Relative links in the dossier's HTML resolve against this made-up origin; only URLs under
# it and STATIC_URL are served, from the static files, and nothing else is ever fetched.
BASE_URL = "https://dossier.invalid/"


class StaticFilesFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves the app's static files and refuses the rest."""

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        path = static_file_for(url)
        if path is None:
            raise ValueError(f"The dossier may load only the app's own static files, not {url}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


def static_file_for(url: str) -> Path | None:
    """The file behind a static URL of the dossier, or None for anything else."""
    prefix = BASE_URL.rstrip("/") + "/" + settings.STATIC_URL.strip("/") + "/"
    parts = urlsplit(url)
    if parts.query or parts.fragment or not url.startswith(prefix):
        return None
    relative = unquote(url[len(prefix) :])
    if not relative or relative.startswith("/") or ".." in relative.split("/"):
        return None
    candidates: list[str] = []
    if staticfiles_storage.exists(relative):
        candidates.append(staticfiles_storage.path(relative))
    found = finders.find(relative)
    if isinstance(found, str):
        candidates.append(found)
    for candidate in candidates:
        path = Path(candidate)
        if path.is_file():
            return path
    return None


def dossier_context(case: Case, *, masked: bool, made_by: Any) -> dict[str, Any]:
    detail = selectors.case_detail(case.reference)
    person = detail.requester
    events = []
    for event in AuditEvent.objects.filter(case=detail).order_by("seq"):
        changes = (event.payload or {}).get("changes") or {}
        if masked and changes:
            changes, _paths = mask_contact_values(changes)
        events.append({"event": event, "changes": changes})
    return {
        "case": detail,
        "person": person,
        "phone": mask_phone(person.phone) if masked else person.phone,
        "email": mask_email(person.email) if masked else person.email,
        "masked": masked,
        "items": list(detail.items.all()),
        "searches": case_tasks(detail),
        "identity": evaluate_case(detail),
        "documents": list(detail.identity_documents.all()),
        "payments": list(detail.fee_payments.all()),
        "events": events,
        "letters": attachments.case_records(detail.pk),
        "made_by": made_by,
        "made_at": timezone.now(),
    }


def render_dossier(*, case: Case, masked: bool, language: str, made_by: Any) -> bytes:
    """The dossier of one case as PDF bytes, in `language`."""
    with translation.override(language):
        html = render_to_string(
            "exports/dossier.html",
            {**dossier_context(case, masked=masked, made_by=made_by), "LANGUAGE_CODE": language},
        )
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFilesFetcher())
        pdf: bytes = document.write_pdf()
    return pdf

"""Scans of copies: what may be stored (PDF, JPEG, PNG, judged by content) and how.

Every scan is encrypted with a key of its own (Fernet), and that key is stored wrapped by
IDENTITY_SCAN_KEY. Destroying a scan deletes both, so nothing of the image can be read
again even from an old backup once the row is gone (crypto-shredding).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

import filetype
from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

# What is accepted, by the type the content itself reveals; never by the file's name.
ALLOWED_TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
}

# pypdf and Pillow may log what they found odd about a file; none of it belongs in our logs.
for _noisy in ("pypdf", "PIL"):
    logging.getLogger(_noisy).setLevel(logging.ERROR)


class ScanRejected(ValueError):
    """The file is not a scan we may store; the message says why, for the person uploading."""


@dataclass(frozen=True)
class Scan:
    """Checked bytes of a scan and the type they really are."""

    content: bytes
    content_type: str

    @property
    def size(self) -> int:
        return len(self.content)


def max_bytes() -> int:
    return int(settings.IDENTITY_SCAN_MAX_BYTES)


def too_large_message() -> str:
    return _("The scan is larger than %(limit)s MB; scan at a lower resolution.") % {
        "limit": max_bytes() // (1024 * 1024)
    }


def check(content: bytes) -> Scan:
    """Accept a real PDF, JPEG or PNG within the size limit; refuse anything else."""
    if len(content) > max_bytes():
        raise ScanRejected(too_large_message())
    if not content:
        raise ScanRejected(_("The file is empty."))
    guessed = filetype.guess(content)
    content_type = guessed.mime if guessed is not None else ""
    if content_type not in ALLOWED_TYPES:
        raise ScanRejected(
            _(
                "Only a PDF, JPEG or PNG scan can be stored; this file is none of these, "
                "whatever its name says."
            )
        )
    if content_type == "application/pdf":
        _check_pdf(content)
    else:
        _check_image(content, content_type)
    return Scan(content=content, content_type=content_type)


def _check_pdf(content: bytes) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(content))
        pages = len(reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ScanRejected(_("The PDF is damaged or incomplete and cannot be opened.")) from exc
    if pages < 1:
        raise ScanRejected(_("The PDF has no pages."))


def _check_image(content: bytes, content_type: str) -> None:
    from PIL import Image, UnidentifiedImageError

    expected = {"image/jpeg": "JPEG", "image/png": "PNG"}[content_type]
    try:
        with Image.open(io.BytesIO(content)) as image:
            found = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ScanRejected(_("The image is damaged or incomplete and cannot be opened.")) from exc
    except Image.DecompressionBombError as exc:
        raise ScanRejected(_("The image is too large to open safely.")) from exc
    if found != expected:
        raise ScanRejected(_("The image is damaged or incomplete and cannot be opened."))


# --- encryption --------------------------------------------------------------------------


def _master() -> MultiFernet:
    if not settings.IDENTITY_SCAN_KEYS:
        # Settings load without it when DEBUG is off (config/startup.py); using it needs it.
        raise ImproperlyConfigured(
            "IDENTITY_SCAN_KEY is required when DEBUG is off: scans cannot be encrypted or "
            "read without it."
        )
    return MultiFernet([Fernet(key) for key in settings.IDENTITY_SCAN_KEYS])


def seal(content: bytes) -> tuple[bytes, bytes]:
    """Encrypt with a new key of the scan's own; return (wrapped key, ciphertext)."""
    data_key = Fernet.generate_key()
    return _master().encrypt(data_key), Fernet(data_key).encrypt(content)


def unseal(wrapped_key: bytes, ciphertext: bytes) -> bytes:
    data_key = _master().decrypt(bytes(wrapped_key))
    return Fernet(data_key).decrypt(bytes(ciphertext))


def file_name(document_id: int, content_type: str) -> str:
    """A name that says nothing about the person: the document's number and the type."""
    return f"identity-document-{document_id}.{ALLOWED_TYPES.get(content_type, 'bin')}"

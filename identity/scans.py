"""Scans of copies: what may be stored (PDF, JPEG, PNG, judged by content) and how.

What is stored is never the uploaded file itself but a clean copy made from what our own
library read in it, so a file that shows one thing to us and another to a viewer cannot pass:

- **a PDF** is rewritten by pikepdf (QPDF) into a new document that holds the pages alone:
  their content, resources and boxes. Everything else is left behind: JavaScript, actions
  (/OpenAction, /AA, launch, submit-form, …), annotations (links, form fields, attachments),
  embedded files, XFA and other forms, outlines, metadata and whatever follows the end of the
  file. The copy is then searched for active content once more and refused if any remains
  (it could only be smuggled in as a page resource). Staff are told when something active
  was removed, and the audit trail records what.
- **a JPEG or PNG** is decoded to its pixels and encoded again with Pillow, so nothing
  rides along: no comment or text chunk, no EXIF (its orientation is applied to the pixels
  first), no data after the image. A polyglot (an image that is also HTML, a PDF or a ZIP)
  keeps only the image.

Every scan is encrypted with a key of its own (Fernet), and that key is stored wrapped by
IDENTITY_SCAN_KEY. Destroying a scan deletes both, so nothing of the image can be read
again even from an old backup once the row is gone (crypto-shredding).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import filetype
from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    import pikepdf
    from django.utils.functional import _StrPromise

# What is accepted, by the type the content itself reveals; never by the file's name.
ALLOWED_TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
}

# pikepdf and Pillow may log what they found odd about a file; none of it belongs in our logs.
for _noisy in ("pikepdf", "PIL"):
    logging.getLogger(_noisy).setLevel(logging.ERROR)


class ScanRejected(ValueError):
    """The file is not a scan we may store; the message says why, for the person uploading."""


@dataclass(frozen=True)
class Scan:
    """Clean bytes of a scan, the type they really are, and what active content the
    uploaded file carried and the clean copy left out (codes of ACTIVE_CONTENT)."""

    content: bytes
    content_type: str
    removed: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return len(self.content)


# Active content a PDF can carry, by code, as staff are told it was removed.
ACTIVE_CONTENT: dict[str, _StrPromise] = {
    "javascript": gettext_lazy("JavaScript"),
    "open_action": gettext_lazy("an action run on opening (/OpenAction)"),
    "additional_actions": gettext_lazy("actions run on events such as opening a page (/AA)"),
    "launch": gettext_lazy("an action that starts a program (/Launch)"),
    "submit_form": gettext_lazy("an action that sends form data (/SubmitForm)"),
    "other_actions": gettext_lazy("other actions (links to files or addresses, media, …)"),
    "embedded_files": gettext_lazy("embedded files"),
    "xfa": gettext_lazy("an XFA form"),
    "form": gettext_lazy("form fields (/AcroForm)"),
    "annotations": gettext_lazy("annotations (links, comments, fields)"),
}
# Action types (/S) other than going to a page of the same document.
_ACTION_TYPES = {
    "/JavaScript": "javascript",
    "/Launch": "launch",
    "/SubmitForm": "submit_form",
    **dict.fromkeys(
        (
            "/GoToR",
            "/GoToE",
            "/URI",
            "/ImportData",
            "/ResetForm",
            "/Hide",
            "/Named",
            "/Rendition",
            "/RichMediaExecute",
            "/Movie",
            "/Sound",
            "/SetOCGState",
            "/Thread",
            "/GoTo3DView",
        ),
        "other_actions",
    ),
}
_KEYS = {
    "/JS": "javascript",
    "/JavaScript": "javascript",
    "/OpenAction": "open_action",
    "/AA": "additional_actions",
    "/EmbeddedFiles": "embedded_files",
    "/EmbeddedFile": "embedded_files",
    "/EF": "embedded_files",
    "/XFA": "xfa",
    "/AcroForm": "form",
    "/Annots": "annotations",
}
# What a page of the clean copy keeps: what it shows, nothing that acts.
_PAGE_KEYS = ("/MediaBox", "/CropBox", "/BleedBox", "/TrimBox", "/ArtBox", "/Rotate", "/UserUnit")
_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
_SHOWN = ("/Contents", "/Resources", "/Group", *_PAGE_KEYS)
_EXIF_ORIENTATION = 0x0112


def max_bytes() -> int:
    return int(settings.IDENTITY_SCAN_MAX_BYTES)


def max_pixels() -> int:
    """Pillow's own limit for a decompression bomb (about 89 megapixels; A3 at 600 dpi is 70)."""
    from PIL import Image

    return int(Image.MAX_IMAGE_PIXELS or 89_478_485)


def too_large_message() -> str:
    return _("The scan is larger than %(limit)s MB; scan at a lower resolution.") % {
        "limit": max_bytes() // (1024 * 1024)
    }


def removed_message(removed: tuple[str, ...]) -> str:
    """For staff, once the scan is stored: what the uploaded PDF carried that was left out."""
    return _(
        "The PDF carried active content, which was removed: only its pages were stored. "
        "Removed: %(what)s."
    ) % {"what": _(", ").join(str(ACTIVE_CONTENT[code]) for code in removed)}


def check(content: bytes, *, removed_before: tuple[str, ...] = ()) -> Scan:
    """A clean copy of a real PDF, JPEG or PNG within the size limit; refuse anything else.

    `removed_before`: what an earlier check of the same upload removed (a clean copy checked
    again finds nothing more to remove, but the record must still say what there was)."""
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
        clean, removed = _clean_pdf(content)
        removed = tuple(code for code in ACTIVE_CONTENT if code in {*removed, *removed_before})
        return Scan(content=clean, content_type=content_type, removed=removed)
    return Scan(content=_clean_image(content, content_type), content_type=content_type)


# --- PDF ---------------------------------------------------------------------------------


def _clean_pdf(content: bytes) -> tuple[bytes, tuple[str, ...]]:
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(content)) as source:
            if len(source.pages) < 1:
                raise ScanRejected(_("The PDF has no pages."))
            found = active_content(source)
            clean = pikepdf.new()
            for page in source.pages:
                clean.pages.append(pikepdf.Page(_shown_part(source, page.obj)))
            out = io.BytesIO()
            clean.save(out, deterministic_id=True)
    except pikepdf.PasswordError as exc:
        raise ScanRejected(
            _("The PDF is protected by a password; scan the paper again without one.")
        ) from exc
    except (pikepdf.PdfError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise ScanRejected(_("The PDF is damaged or incomplete and cannot be opened.")) from exc
    result = out.getvalue()
    with pikepdf.open(io.BytesIO(result)) as written:
        if active_content(written):
            # Only a page resource that points at active content could bring it this far.
            raise ScanRejected(
                _(
                    "The PDF carries active content that cannot be separated from its pages; "
                    "scan the paper again as a plain PDF, JPEG or PNG."
                )
            )
    return result, tuple(found)


def _shown_part(source: pikepdf.Pdf, page: pikepdf.Object) -> pikepdf.Object:
    """A new page dictionary with what the page shows, its inherited attributes included."""
    import pikepdf

    shown = pikepdf.Dictionary(Type=pikepdf.Name.Page)
    for key in _SHOWN:
        value = _inherited(page, key) if key in _INHERITED else page.get(key)
        if value is not None:
            shown[key] = value
    if "/MediaBox" not in shown:
        shown["/MediaBox"] = pikepdf.Array([0, 0, 595, 842])  # A4, the PDF default's stand-in
    return source.make_indirect(shown)


def _inherited(page: pikepdf.Object, key: str) -> Any:
    node: Any = page
    for _depth in range(32):  # a page tree deeper than this is an attack, not a scan
        if key in node:
            return node[key]
        node = node.get("/Parent")
        if node is None:
            return None
    raise ValueError("page tree too deep")


def active_content(pdf: pikepdf.Pdf) -> set[str]:
    """Codes of ACTIVE_CONTENT found anywhere in the document, referenced or not."""
    found: set[str] = set()
    for obj in pdf.objects:
        for dictionary in _dictionaries(obj):
            for key in dictionary.keys():  # noqa: SIM118 (a PDF dictionary, not a dict)
                code = _KEYS.get(str(key))
                if code is not None and not (code == "annotations" and not dictionary[key]):
                    found.add(code)
            action = dictionary.get("/S")
            if action is not None and str(action) in _ACTION_TYPES:
                found.add(_ACTION_TYPES[str(action)])
            if str(dictionary.get("/Type", "")) == "/EmbeddedFile":
                found.add("embedded_files")
    return found


def _dictionaries(obj: Any, depth: int = 0) -> Iterator[Any]:
    """Every dictionary in an object, direct children included (indirect ones are visited
    on their own, as members of pdf.objects)."""
    import pikepdf

    if depth > 64:
        return
    if isinstance(obj, pikepdf.Stream):
        obj = obj.stream_dict
    if isinstance(obj, pikepdf.Dictionary):
        yield obj
        children: Any = obj.values()
    elif isinstance(obj, pikepdf.Array):
        children = obj
    else:
        return
    for child in children:
        if not (isinstance(child, pikepdf.Object) and child.is_indirect):
            yield from _dictionaries(child, depth + 1)


# --- images ------------------------------------------------------------------------------


def _clean_image(content: bytes, content_type: str) -> bytes:
    """The image's pixels encoded afresh: nothing else of the file survives."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    expected = {"image/jpeg": "JPEG", "image/png": "PNG"}[content_type]
    damaged = _("The image is damaged or incomplete and cannot be opened.")
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.format != expected:
                raise ScanRejected(damaged)
            if image.width * image.height > max_pixels():
                raise ScanRejected(_("The image is too large to open safely."))
            # The structure first (a PNG's chunk checksums): decoding alone would let a cut-off
            # file through once WeasyPrint, imported elsewhere, allows truncated images.
            image.verify()
        with Image.open(io.BytesIO(content)) as image:
            image.load()
            dpi = image.info.get("dpi")
            options: dict[str, Any] = {"dpi": dpi} if dpi else {}
            # EXIF goes; the orientation it gave is applied to the pixels instead.
            turned = image.getexif().get(_EXIF_ORIENTATION, 1) not in (None, 1)
            upright: Image.Image = ImageOps.exif_transpose(image) if turned else image
            if upright.mode == "P":
                upright = upright.convert("RGBA" if "transparency" in upright.info else "RGB")
            # Pillow writes some of what it read (a JPEG comment, a PNG's ICC profile) back
            # unless told otherwise: the copy carries the pixels and nothing it read.
            upright.info = {}
            out = io.BytesIO()
            if expected == "JPEG":
                if upright.mode not in ("L", "RGB", "CMYK"):
                    upright = upright.convert("RGB")
                if upright is image:
                    # The original's quantisation tables: the quality it had, no worse.
                    options.update(quality="keep", subsampling="keep")
                else:
                    options.update(quality=92)
                upright.save(out, format="JPEG", **options)
            else:
                upright.save(out, format="PNG", **options)
    except ScanRejected:
        raise
    except Image.DecompressionBombError as exc:
        raise ScanRejected(_("The image is too large to open safely.")) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ScanRejected(damaged) from exc
    return out.getvalue()


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

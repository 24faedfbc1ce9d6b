"""Scans: judged by content, stored as a clean copy with no active content, encrypted with a
key of their own, readable after key rotation."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.test import override_settings
from django.utils import translation
from PIL import Image, PngImagePlugin

from identity import scans
from tests.identity.files import (
    executable,
    hostile_pdf,
    password_pdf,
    rendered,
    scan_like_pdf,
    small_image,
    small_pdf,
)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (small_pdf(), "application/pdf"),
        (small_image("PNG"), "image/png"),
        (small_image("JPEG"), "image/jpeg"),
    ],
)
def test_real_files_are_accepted_for_what_they_are(content: bytes, content_type: str) -> None:
    assert scans.check(content).content_type == content_type


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (executable(), "Only a PDF, JPEG or PNG scan can be stored"),
        (b"MZ\x90\x00" + b"\x00" * 200, "Only a PDF, JPEG or PNG scan can be stored"),
        (b"<html><script>alert(1)</script></html>", "Only a PDF, JPEG or PNG scan can be stored"),
        (small_image("GIF"), "Only a PDF, JPEG or PNG scan can be stored"),
        (small_image("PNG")[:60], "The image is damaged or incomplete"),
        (b"%PDF-1.4\n%%EOF", "The PDF is damaged or incomplete"),
        (b"", "The file is empty."),
    ],
)
def test_anything_else_is_refused(content: bytes, message: str) -> None:
    with pytest.raises(scans.ScanRejected, match=message.replace(".", r"\.")):
        scans.check(content)


@override_settings(IDENTITY_SCAN_MAX_BYTES=1024)
def test_the_size_limit() -> None:
    with pytest.raises(scans.ScanRejected, match="larger than"):
        scans.check(small_pdf() + b"%" * 2048)


def test_each_scan_has_its_own_key_and_the_master_key_can_rotate() -> None:
    content = small_pdf()
    wrapped_a, sealed_a = scans.seal(content)
    wrapped_b, sealed_b = scans.seal(content)
    assert wrapped_a != wrapped_b and sealed_a != sealed_b
    assert content not in sealed_a
    assert scans.unseal(wrapped_a, sealed_a) == content
    from django.conf import settings

    new_key = Fernet.generate_key().decode()
    with override_settings(IDENTITY_SCAN_KEYS=[new_key, *settings.IDENTITY_SCAN_KEYS]):
        assert scans.unseal(wrapped_a, sealed_a) == content  # old scans stay readable
    with (
        override_settings(IDENTITY_SCAN_KEYS=[new_key]),
        pytest.raises(InvalidToken),
    ):
        scans.unseal(wrapped_a, sealed_a)


# --- active content: every stored PDF is its pages alone -------------------------------------

MARKERS = (
    b"/JavaScript",
    b"/JS",
    b"/OpenAction",
    b"/AA",
    b"/Launch",
    b"/SubmitForm",
    b"/EmbeddedFile",
    b"/XFA",
    b"/AcroForm",
    b"/Annots",
    b"hostile",
    b"calc.exe",
    b"MZ\x90",
)


@pytest.mark.parametrize(
    ("carrying", "removed"),
    [
        ("open_action", ("javascript", "open_action")),
        ("page_aa", ("javascript", "additional_actions")),
        ("launch", ("open_action", "launch")),
        ("submit_form", ("submit_form", "annotations")),
        ("embedded_files", ("embedded_files",)),
        ("xfa", ("xfa", "form")),
        ("names_javascript", ("javascript",)),
    ],
)
def test_a_pdf_carrying_active_content_is_stored_as_its_pages_alone(
    carrying: str, removed: tuple[str, ...], tmp_path: Path
) -> None:
    hostile = hostile_pdf(carrying)
    scan = scans.check(hostile)
    assert scan.content_type == "application/pdf"
    assert scan.removed == removed
    for marker in MARKERS:
        assert marker not in scan.content, marker
    with pikepdf.open(io.BytesIO(scan.content)) as stored:
        assert scans.active_content(stored) == set()
        assert set(stored.Root.keys()) == {"/Type", "/Pages"}
    # What the pages show is unchanged, as another reader (poppler) draws them.
    assert rendered(scan.content, tmp_path) == rendered(scan_like_pdf(), tmp_path)
    assert "JavaScript" in scans.removed_message(scan.removed) or "javascript" not in removed


def test_a_plain_scan_loses_nothing_and_reports_nothing(tmp_path: Path) -> None:
    original = scan_like_pdf()
    scan = scans.check(original)
    assert scan.removed == ()
    assert rendered(scan.content, tmp_path) == rendered(original, tmp_path)
    assert len(rendered(original, tmp_path)) == 2


def test_active_content_that_cannot_be_separated_is_refused() -> None:
    with pytest.raises(scans.ScanRejected, match="cannot be separated from its pages"):
        scans.check(hostile_pdf("resource_javascript"))


def test_a_password_protected_pdf_is_refused() -> None:
    with pytest.raises(scans.ScanRejected, match="protected by a password"):
        scans.check(password_pdf())


def test_what_follows_the_end_of_a_pdf_is_not_kept() -> None:
    polyglot = small_pdf() + b"\n<html><script>alert(1)</script></html>\nPK\x03\x04"
    scan = scans.check(polyglot)
    assert b"<script>" not in scan.content and b"PK\x03\x04" not in scan.content
    assert scan.content.rstrip().endswith(b"%%EOF")


def test_the_removed_content_is_named_for_staff_in_japanese() -> None:
    with translation.override("ja"):
        message = scans.removed_message(("javascript", "open_action"))
    assert message.startswith("PDFに実行される内容が含まれていたため取り除き")
    assert "JavaScript" in message and "/OpenAction" in message


# --- images: only the pixels survive ------------------------------------------------------


def test_a_png_carrying_a_page_after_its_end_keeps_only_the_image() -> None:
    polyglot = small_image("PNG") + b"<html><script>alert(1)</script></html>"
    scan = scans.check(polyglot)
    assert scan.content_type == "image/png"
    assert b"<script>" not in scan.content
    assert pixels(scan.content) == pixels(small_image("PNG"))


def test_text_hidden_in_a_png_chunk_is_not_kept() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    out = io.BytesIO()
    Image.new("RGB", (32, 16), (10, 200, 30)).save(out, format="PNG", pnginfo=info)
    scan = scans.check(out.getvalue())
    assert b"<script>" not in scan.content and b"Comment" not in scan.content


def test_a_jpeg_that_is_also_a_pdf_with_a_script_is_stored_as_a_jpeg_alone() -> None:
    """A JPEG whose comment segment holds a PDF (readers find %PDF within the first
    kilobyte): the type is judged as JPEG, and the re-encoded file holds no PDF at all."""
    image = small_image("JPEG")
    pdf = hostile_pdf("open_action")[:900]
    comment = b"\xff\xfe" + (len(pdf) + 2).to_bytes(2, "big") + pdf
    polyglot = image[:2] + comment + image[2:]
    assert b"%PDF" in polyglot[:1024]
    scan = scans.check(polyglot)
    assert scan.content_type == "image/jpeg"
    assert b"%PDF" not in scan.content and b"/JavaScript" not in scan.content
    with Image.open(io.BytesIO(scan.content)) as stored:
        assert stored.format == "JPEG" and stored.size == (64, 40)


def test_exif_goes_but_the_orientation_it_gave_stays() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned a quarter clockwise
    exif[0x010F] = "Scanner with GPS"
    out = io.BytesIO()
    Image.new("RGB", (64, 40), (240, 240, 235)).save(out, format="JPEG", exif=exif)
    scan = scans.check(out.getvalue())
    with Image.open(io.BytesIO(scan.content)) as stored:
        assert stored.size == (40, 64)
        assert not stored.getexif()


def pixels(content: bytes) -> bytes:
    with Image.open(io.BytesIO(content)) as image:
        return image.convert("RGB").tobytes()

"""Scans: judged by content, encrypted with a key of their own, readable after key rotation."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.test import override_settings

from identity import scans
from tests.identity.files import executable, small_image, small_pdf


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

"""`manage.py verify_restore`: what a restore must bring back, each thing checked."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.test import override_settings

from identity.scans import Scan
from requests_app.letters.models import Letter
from tests.factories import make_case
from tests.identity.factories import log_document
from tests.identity.files import small_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def restored(staff: Any, manager: Any) -> Letter:
    """A system with a closed case (its letter on disk) and a scanned licence."""
    make_case(actor=staff, manager=manager, state="closed")
    case = make_case(actor=staff, state="awaiting_identity")
    log_document(case, staff, "drivers_licence", scan=Scan(small_image("PNG"), "image/png"))
    return Letter.objects.exclude(file="").get()


def check(*options: str) -> str:
    out = StringIO()
    call_command("verify_restore", *options, stdout=out)
    return out.getvalue()


def failure(*options: str) -> str:
    with pytest.raises(CommandError) as caught:
        check(*options)
    return str(caught.value)


def test_a_whole_restore_passes(restored: Letter) -> None:
    output = check("--require-each")
    assert "Scans decrypted with IDENTITY_SCAN_KEY, each the type stored: 1." in output
    assert "Letter files matching the SHA-256 in the register: 1." in output
    assert output.rstrip().endswith("The restore is whole.")


def test_a_letter_file_changed_or_missing_is_named(restored: Letter) -> None:
    path = default_storage.path(restored.file.name)
    with open(path, "ab") as handle:
        handle.write(b"\n")
    assert f"The file of letter {restored.number} ({restored.file.name}) does not match" in (
        failure()
    )
    default_storage.delete(restored.file.name)
    assert f"The file of letter {restored.number} is missing" in failure()


def test_a_scan_under_another_key_does_not_decrypt(restored: Letter) -> None:
    with override_settings(IDENTITY_SCAN_KEYS=[Fernet.generate_key().decode()]):
        message = failure()
    assert "does not decrypt with IDENTITY_SCAN_KEY" in message


def test_an_empty_system_proves_nothing_when_each_is_required(reference_data: None) -> None:
    assert "The restore is whole." in check()
    message = failure("--require-each")
    assert "There was no scan to check." in message
    assert "There was no letter file to check." in message

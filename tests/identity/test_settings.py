"""IDENTITY_SCAN_KEY: strictly read, generated once on a laptop, required in production."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from identity import scans
from tests.config.test_settings import PRODUCTION, run_django


@pytest.fixture
def no_key_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # The test process sets a key for the suite; these checks start without one.
    monkeypatch.delenv("IDENTITY_SCAN_KEY", raising=False)


@pytest.mark.usefixtures("no_key_in_environment")
def test_production_refuses_to_start_without_a_scan_key() -> None:
    # Settings load without it (config/startup.py); the system checks refuse to go on.
    result = run_django(["check"], PRODUCTION)
    assert result.returncode != 0
    assert "(config.E001) IDENTITY_SCAN_KEY is required when DEBUG is off" in result.stderr


@override_settings(IDENTITY_SCAN_KEYS=[])
def test_without_a_key_no_scan_is_sealed_or_read() -> None:
    with pytest.raises(ImproperlyConfigured, match="IDENTITY_SCAN_KEY is required"):
        scans.seal(b"%PDF-1.7")


@pytest.mark.usefixtures("no_key_in_environment")
def test_a_malformed_scan_key_stops_start_up_without_showing_it() -> None:
    result = run_django(["check"], {**PRODUCTION, "IDENTITY_SCAN_KEY": "not-a-key-secret-xyz"})
    assert result.returncode != 0
    last = result.stderr.splitlines()[-1]
    assert "IDENTITY_SCAN_KEY is not a valid Fernet key" in last
    assert "not-a-key-secret-xyz" not in result.stderr


@pytest.mark.usefixtures("no_key_in_environment")
def test_production_starts_with_a_key_or_a_key_file(tmp_path: Path) -> None:
    key = Fernet.generate_key().decode()
    assert run_django(["check"], {**PRODUCTION, "IDENTITY_SCAN_KEY": key}).returncode == 0
    key_file = tmp_path / "scan.key"
    key_file.write_text(f"{Fernet.generate_key().decode()},{key}\n", encoding="ascii")
    result = run_django(["check"], {**PRODUCTION, "IDENTITY_SCAN_KEY_FILE": str(key_file)})
    assert result.returncode == 0, result.stderr


@pytest.mark.usefixtures("no_key_in_environment")
def test_a_laptop_generates_a_key_once_into_var(tmp_path: Path) -> None:
    environ = {"DEBUG": "true", "VAR_DIR": str(tmp_path)}
    assert run_django(["check"], environ).returncode == 0
    key_file = tmp_path / "identity-scan.key"
    first = key_file.read_text(encoding="ascii")
    Fernet(first)
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert run_django(["check"], environ).returncode == 0
    assert key_file.read_text(encoding="ascii") == first
    assert not list(tmp_path.glob(".identity-scan.*"))

"""Secrets are demanded by what serves, at its start, not by the settings as they load.

So production never serves without SECRET_KEY or IDENTITY_SCAN_KEY, while a command that reads
only its arguments runs without them (verify_export: tests/requests_app/exports).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.config.test_settings import PRODUCTION, ROOT

SCAN_KEY = "kQ2x7m9YpW4cT1uH8sJ3dF6gL0aZ5vB2nR7eX4yM9qE="
WITH_SECRETS = {**PRODUCTION, "IDENTITY_SCAN_KEY": SCAN_KEY}


def python(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    inherited = {
        name: value
        for name, value in os.environ.items()
        if name not in WITH_SECRETS and not name.startswith(("DJANGO", "SECURE_"))
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**inherited, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("missing", ["SECRET_KEY", "IDENTITY_SCAN_KEY"])
def test_without_a_secret_production_does_not_start(missing: str) -> None:
    environ = {name: value for name, value in WITH_SECRETS.items() if name != missing}

    # Every command that runs the system checks (check, migrate, runserver, seed_demo, …).
    checked = python("manage.py", "check", env=environ)
    assert checked.returncode != 0
    assert f"{missing} is required when DEBUG is off" in checked.stderr
    assert "Create one with" in checked.stderr

    # The web server: gunicorn imports config.wsgi first.
    served = python("-c", "import config.wsgi", env=environ)
    assert served.returncode != 0
    last = served.stderr.splitlines()[-1]
    assert "ImproperlyConfigured" in last and f"{missing} is required" in last


def test_with_every_secret_the_web_server_loads() -> None:
    served = python("-c", "import config.wsgi", env=WITH_SECRETS)
    assert served.returncode == 0, served.stderr


def test_an_empty_secret_key_is_refused_wherever_it_is_used() -> None:
    """Django's own guard (since 3.2): nothing can sign with an empty key."""
    environ = {name: value for name, value in WITH_SECRETS.items() if name != "SECRET_KEY"}
    used = python(
        "-c",
        "import django; django.setup(); from django.core import signing; signing.dumps(1)",
        env=environ,
    )
    assert used.returncode != 0
    assert "The SECRET_KEY setting must not be empty" in used.stderr

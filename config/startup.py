"""The secrets a process that serves needs, demanded when it starts rather than when settings load.

Settings load without SECRET_KEY or IDENTITY_SCAN_KEY when DEBUG is off (Django itself has
loaded settings without SECRET_KEY since 3.2, for the same reason): a command that reads only
the files it is given, such as `manage.py verify_export BUNDLE.zip` on an auditor's machine,
then runs with no secret, database or DEBUG. A secret that is given is still checked as the
settings load (a short SECRET_KEY or a malformed scan key stops everything at once). A missing
one stops, at start-up and naming the variable:

- the web server: config/wsgi.py calls `require_secrets()` as it loads;
- every management command that runs Django's system checks (runserver, migrate, check,
  seed_demo, …): `secrets_check`, registered by requests_app's AppConfig.

Where a secret is used it is demanded again: Django refuses an empty SECRET_KEY on first use,
and `identity.scans` refuses to encrypt or decrypt without IDENTITY_SCAN_KEY, so a process
that skipped both (the Celery worker uses neither) fails on the spot, not silently.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

HOW_TO_MAKE = {
    "SECRET_KEY": (
        "Django's signing key, a random string of at least 50 characters. Create one with: "
        'python -c "import secrets; print(secrets.token_urlsafe(64))"'
    ),
    "IDENTITY_SCAN_KEY": (
        "the Fernet key that encrypts scans of identity documents. Create one with: "
        'python -c "from cryptography.fernet import Fernet; '
        'print(Fernet.generate_key().decode())"'
    ),
}


def missing_secrets() -> list[str]:
    """The secrets this installation lacks (only ever while DEBUG is off)."""
    return list(getattr(settings, "MISSING_SECRETS", []))


def describe(name: str) -> str:
    return f"{name} is required when DEBUG is off: {HOW_TO_MAKE[name]}"


def require_secrets() -> None:
    missing = missing_secrets()
    if missing:
        raise ImproperlyConfigured(" ".join(describe(name) for name in missing))


def secrets_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    return [
        checks.Error(describe(name), id=f"config.E00{index}")
        for index, name in enumerate(missing_secrets(), start=1)
    ]

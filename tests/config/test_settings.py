"""Settings come from the environment, strictly parsed, and production start-up is safe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import Env

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k" * 20 + "production-secret-from-a-vault-" + "z" * 20,
    "ALLOWED_HOSTS": "privacy.cmc.example.jp",
    "DATABASE_URL": "postgres://app:secret@db.internal:5432/appi",
    "REDIS_URL": "redis://cache.internal:6379/0",
}


def run_django(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION and not k.startswith(("DJANGO", "SECURE_"))
    }
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("environ", "call", "message"),
    [
        ({"DEBUG": "maybe"}, lambda e: e.boolean("DEBUG", False), "DEBUG='maybe' is not a boolean"),
        ({"EMAIL_PORT": "25x"}, lambda e: e.integer("EMAIL_PORT", 25), "EMAIL_PORT='25x'"),
        ({"EMAIL_PORT": "0"}, lambda e: e.integer("EMAIL_PORT", 25, minimum=1), "at least 1"),
        ({"ALLOWED_HOSTS": "a,,b"}, lambda e: e.strings("ALLOWED_HOSTS", []), "empty entry"),
        ({}, lambda e: e.string("SECRET_KEY", required=True), "SECRET_KEY is required"),
        (
            {"SECRET_KEY": "a", "SECRET_KEY_FILE": "/x"},
            lambda e: e.string("SECRET_KEY"),
            "not both",
        ),
        (
            {"SECRET_KEY_FILE": "/nonexistent/key"},
            lambda e: e.string("SECRET_KEY"),
            "cannot be read",
        ),
    ],
)
def test_bad_values_name_the_variable(environ: dict[str, str], call: object, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message.replace("(", r"\(")):
        call(Env(environ))  # type: ignore[operator]


def test_secret_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "key"
    secret.write_text("s3cret\n", encoding="utf-8")
    assert Env({"SECRET_KEY_FILE": str(secret)}).string("SECRET_KEY") == "s3cret"


def test_lists_and_booleans() -> None:
    env = Env({"ALLOWED_HOSTS": "a.example, b.example", "DEBUG": "Yes"})
    assert env.strings("ALLOWED_HOSTS", []) == ["a.example", "b.example"]
    assert env.boolean("DEBUG", False) is True


@pytest.mark.parametrize(
    ("missing_or_bad", "named"),
    [
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://cache"}, "REDIS_URL"),
        ({"DEBUG": "perhaps"}, "DEBUG"),
    ],
)
def test_production_refuses_to_start_with_a_bad_setting(
    missing_or_bad: dict[str, str], named: str
) -> None:
    result = run_django(["check"], {**PRODUCTION, **missing_or_bad})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and named in result.stderr.splitlines()[-1]


def test_check_deploy_passes_with_production_settings() -> None:
    result = run_django(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_migrations_match_the_models() -> None:
    result = run_django(["makemigrations", "--check", "--dry-run"], {"DEBUG": "true"})
    assert result.returncode == 0, result.stdout + result.stderr

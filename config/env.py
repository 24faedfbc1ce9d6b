"""Strict parsing of settings from the environment.

Every reader names the variable in its error, so a mistyped value stops start-up with a
message an operator can act on instead of a silently wrong default. A secret may also come
from a file: ``SECRET_KEY_FILE=/run/secrets/key`` (the container-secrets convention).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


class Env:
    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ

    def raw(self, name: str) -> str | None:
        """The value of ``name``, or of the file named by ``name_FILE``; None if neither."""
        value = self._environ.get(name)
        file_name = self._environ.get(f"{name}_FILE")
        if value is not None and file_name is not None:
            raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both.")
        if file_name is not None:
            try:
                return Path(file_name).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ImproperlyConfigured(
                    f"{name}_FILE names {file_name!r}, which cannot be read: {exc.strerror}."
                ) from exc
        return value

    def string(self, name: str, default: str | None = None, *, required: bool = False) -> str:
        value = self.raw(name)
        if value is None or value == "":
            if required or default is None:
                raise ImproperlyConfigured(f"The environment variable {name} is required.")
            return default
        return value

    def optional_str(self, name: str) -> str | None:
        value = self.raw(name)
        return value or None

    def boolean(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None or value == "":
            return default
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a boolean; use one of true/false, 1/0, yes/no, on/off."
        )

    def integer(self, name: str, default: int, *, minimum: int | None = None) -> int:
        value = self.raw(name)
        if value is None or value == "":
            return default
        try:
            parsed = int(value.strip())
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from exc
        if minimum is not None and parsed < minimum:
            raise ImproperlyConfigured(f"{name}={parsed} must be at least {minimum}.")
        return parsed

    def strings(self, name: str, default: list[str]) -> list[str]:
        value = self.raw(name)
        if value is None:
            return list(default)
        items = [item.strip() for item in value.split(",")]
        if any(not item for item in items):
            raise ImproperlyConfigured(
                f"{name}={value!r} has an empty entry; separate values with single commas."
            )
        return items

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.string(name, default)
        if value not in choices:
            raise ImproperlyConfigured(f"{name}={value!r} must be one of: {', '.join(choices)}.")
        return value

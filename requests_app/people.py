"""How the app names the people who use it."""

from __future__ import annotations

from typing import Any


def person_name(user: Any) -> str:
    """Family name first, as Japanese offices write names (山田 花子), in either language;
    the login name when no name is on file, and "" for nobody."""
    if user is None:
        return ""
    full = " ".join(part for part in (user.last_name, user.first_name) if part)
    return full or user.get_username()

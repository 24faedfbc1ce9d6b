"""How the app names the people who use it."""

from __future__ import annotations

from typing import Any


def person_name(user: Any) -> str:
    """Family name first, as Japanese offices write names (山田 花子), in either language;
    the login name when no name is on file, and "" for nobody."""
    if user is None:
        return ""
    return name_from(user.get_username(), user.first_name, user.last_name)


def name_from(username: str, first_name: str, last_name: str) -> str:
    """`person_name` from the three columns (for lists read without model instances)."""
    full = " ".join(part for part in (last_name, first_name) if part)
    return full or username

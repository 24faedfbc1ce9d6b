"""`{{ user|person }}`: a user's name as the app writes it (a template builtin, see settings)."""

from __future__ import annotations

from typing import Any

from django import template

from requests_app.people import person_name

register = template.Library()


@register.filter
def person(user: Any) -> str:
    return person_name(user)

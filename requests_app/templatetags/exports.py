"""Template filters for exports and for masking contact details on the pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from requests_app.exports.masking import (
    mask_contact_values,
    mask_email,
    mask_phone,
    masks_contact_details,
)
from requests_app.people import person_name

register = template.Library()


@register.filter
def phone_for(value: str, user: Any) -> str:
    """The telephone number as `user` may see it (partly masked for auditors)."""
    return mask_phone(value) if masks_contact_details(user) else value


@register.filter
def email_for(value: str, user: Any) -> str:
    return mask_email(value) if masks_contact_details(user) else value


@register.filter
def changes_for(event: Any, user: Any) -> list[tuple[str, Any]]:
    """An audit event's recorded changes (before → after), masked as `user` may see them."""
    changes = (event.payload or {}).get("changes") or {}
    if changes and masks_contact_details(user):
        changes, _paths = mask_contact_values(changes)
    return list(changes.items())


@register.filter
def export_user(user_id: str) -> str:
    """A user's display name from the id a filter stored ("<id>+none": theirs or nobody's)."""
    raw, _plus, nobody = user_id.partition("+")
    try:
        user = get_user_model().objects.get(pk=int(raw))
    except (ValueError, get_user_model().DoesNotExist):
        return user_id
    if nobody:
        return _("%(name)s, or nobody") % {"name": person_name(user)}
    return person_name(user)

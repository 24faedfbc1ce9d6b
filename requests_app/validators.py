"""Field validators shared by the case and identity models (a leaf module)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from requests_app.choices import Relationship

postal_code_validator = RegexValidator(
    r"^\d{3}-\d{4}$", _("Enter a postal code as seven digits, for example 460-0021.")
)


def relationships_validator(value: Any) -> None:
    """A requester's relationships: a non-empty list of distinct Relationship codes."""
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Choose at least one relationship to the company."))
    if len(set(value)) != len(value) or not set(value) <= set(Relationship.values):
        raise ValidationError(_("Choose each relationship from the list, once."))

"""Field validators shared by the case and identity models (a leaf module)."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

postal_code_validator = RegexValidator(
    r"^\d{3}-\d{4}$", _("Enter a postal code as seven digits, for example 460-0021.")
)

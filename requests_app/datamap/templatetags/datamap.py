"""Template filters of the data map's pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from requests_app.choices import RequestKind
from requests_app.datamap.choices import OrderExclusion

register = template.Library()

INSTRUCTIONS: dict[str, Any] = {
    RequestKind.PURPOSE_NOTICE: _("Say whether your system holds the person's data."),
    RequestKind.DISCLOSURE: _(
        "Find every item of the person's data and enter it as the disclosure should show it."
    ),
    RequestKind.CORRECTION: _(
        "Find the data the person says is wrong; correct, add or delete it as asked and record "
        "before, after and the day, or say why it cannot be done."
    ),
    RequestKind.DISCONTINUATION: _(
        "Stop using or erase the person's data as asked and record what and when, or say why "
        "it cannot be done."
    ),
    RequestKind.THIRD_PARTY_CESSATION: _(
        "Stop providing the person's data to third parties and record what and when, or say "
        "why it cannot be done."
    ),
}


@register.filter
def task_instruction(kind: str) -> str:
    return str(INSTRUCTIONS.get(kind, ""))


@register.filter
def exclusion_label(code: str) -> str:
    """The ground of the Enforcement Order's exclusion, in the active language."""
    try:
        return str(OrderExclusion(code).label)
    except ValueError:
        return code

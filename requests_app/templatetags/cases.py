import json
from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from django import template
from django.db import models
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from requests_app.choices import CaseState, RequestKind
from requests_app.deadlines import is_overdue
from requests_app.events import action_label as _action_label

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    return _action_label(action)


@register.filter
def state_label(state: str) -> str:
    return _label(CaseState, state, get_language() or "") if state else ""


@lru_cache(maxsize=256)
def _label(choices: type[models.TextChoices], value: str, language: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@register.filter
def kind_label(kind: str) -> str:
    # Much cheaper in long lists than get_kind_display(), which hashes every lazy label.
    return _label(RequestKind, kind, get_language() or "")


# Django's `date` filter reads its format string and builds a formatter for every value; in the
# lists that grow with a case (its timeline, who opened its page) that is most of a row's cost.
# These two write the same text (`expects_localtime`: in the local time zone, as `date` does).
@register.filter(expects_localtime=True)
def minute(value: datetime | None) -> str:
    """`value|date:"Y-m-d H:i"`."""
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else ""


@register.filter(expects_localtime=True)
def iso(value: datetime | None) -> str:
    """`value|date:"c"`."""
    return value.isoformat() if isinstance(value, datetime) else ""


@register.filter
def yen(amount: Any) -> str:
    return f"¥{int(amount or 0):,}"


@register.filter
def overdue(case: Any) -> bool:
    return is_overdue(case, timezone.localdate())


@register.filter
def days_until(day: date) -> int:
    return (day - timezone.localdate()).days


@register.filter
def lookup(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if mapping else None


@register.filter
def json_attr(value: Any) -> str:
    """A value as JSON for a data- attribute (the template escapes it)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@register.simple_tag
def filter_select(field: Any) -> str:
    """A filter's <select>, built directly: the list page draws several on every visit and
    Django's per-option widget templates cost more than the rows themselves."""
    current = str(field.value() or "")
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, mark_safe(" selected") if str(value) == current else "", label)
            for value, label in field.field.choices
        ),
    )
    return format_html(
        '<select name="{}" id="{}">{}</select>', field.html_name, field.id_for_label, options
    )


@register.filter
def get_item(mapping: Mapping[Any, Any], key: Any) -> Any:
    """`mapping[key]` in a template (None when absent)."""
    return mapping.get(key)

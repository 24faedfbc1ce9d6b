"""`{{ widget.attrs|widget_attrs }}`: a form widget's attributes, for the widget templates under
templates/django/forms/widgets/ that stand in for Django's own.

Django writes the attributes of every widget, and of every <option> of a select, with an
{% include %} of attrs.html that loops over them in the template language: on the case page,
with its dozens of fields, that include cost more than the rest of the widgets together.
This filter writes exactly what attrs.html writes (tests/requests_app/test_widgets.py holds
the two side by side).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData, SafeString, mark_safe

register = template.Library()


@register.filter
def widget_attrs(attrs: dict[str, Any]) -> SafeString:
    parts = (_attribute(name, value) for name, value in attrs.items())
    return mark_safe("".join(parts))  # noqa: S308 - every part escaped, as attrs.html escapes


def _attribute(name: str, value: Any) -> str:
    # attrs.html: False leaves the attribute out, True writes its bare name, anything else is
    # written through `stringformat:'s'`, which keeps a value that is already safe unescaped.
    if value is False:
        return ""
    if value is True:
        return f" {conditional_escape(name)}"
    text = str(value)
    return f' {conditional_escape(name)}="{text if isinstance(value, SafeData) else escape(text)}"'

from django import template

from identity.choices import Masking

register = template.Library()


@register.filter
def masking_label(code: str) -> str:
    try:
        return str(Masking(code).label)
    except ValueError:
        return code

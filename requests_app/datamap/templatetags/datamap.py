"""Template filters of the data map's pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from requests_app.choices import RequestKind

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


@register.simple_tag
def task_items(rows: Any) -> str:
    """A contact's open tasks as list items (one call rather than a template loop: this is
    the page a contact opens most, and these rows are all it is)."""
    case, due, overdue = gettext("Case"), gettext("Due"), gettext("Overdue")
    return format_html_join(
        "\n",
        '<li class="task{}" data-task="{}"><a class="task-link" href="{}">'
        '<span class="task-system">{}</span><span class="task-case">{} {}</span></a>'
        '<span class="task-kinds">{}</span>'
        '<span class="task-due">{} <strong>{}</strong>{}</span>{}</li>',
        (
            (
                " is-overdue" if row.overdue else "",
                row.pk,
                row.url,
                row.system,
                case,
                row.reference,
                row.kinds,
                due,
                row.due,
                format_html(' <span class="overdue-mark">{}</span>', overdue)
                if row.overdue
                else "",
                format_html_join("", '<span class="{}">{}</span>', row.notes),
            )
            for row in rows
        ),
    )

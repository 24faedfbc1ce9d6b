"""How much time a case has left, in business days, for the list and the case page."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from requests_app.business_calendar import BusinessCalendar
from requests_app.deadlines import is_overdue

register = template.Library()


@register.simple_tag
def days_left(case: Any, calendar: BusinessCalendar, today: date) -> SafeString:
    """ "3 business days left", "Due today", "2 business days late" or "Clock paused"."""
    if not case.awaiting_reply:
        return SafeString("")
    if case.clock_paused and not is_overdue(case, today):
        return format_html(
            '<span class="paused-mark" title="{}">{}</span>',
            _("The case waits on the requester; the deadline clock is paused."),
            _("Clock paused"),
        )
    left = calendar.business_days_between(today, case.due_date)
    if left < 0 or is_overdue(case, today):
        late = max(1, -left)
        return format_html(
            '<small class="days-left late">{}</small>',
            ngettext("%(days)d business day late", "%(days)d business days late", late)
            % {"days": late},
        )
    due_soon = case.warning_date is not None and case.warning_date <= today
    label = (
        _("Due today")
        if left == 0
        else ngettext("%(days)d business day left", "%(days)d business days left", left)
        % {"days": left}
    )
    return format_html(
        '<small class="days-left{}">{}</small>', " due-soon" if due_soon else "", label
    )

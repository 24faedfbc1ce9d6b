"""The managers' SLA dashboard (read-only for auditors)."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from requests_app import dashboard
from requests_app.business_calendar import load_calendar
from requests_app.charts import Bar, bar_chart
from requests_app.forms import DashboardForm
from requests_app.permissions import Capability
from requests_app.views.base import CapabilityRequiredMixin


class DashboardView(CapabilityRequiredMixin, View):
    capability = Capability.VIEW_DASHBOARD

    def get(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        defaults = dashboard.default_filters(today)
        # The month fields show the period on screen, the default one included.
        shown = {
            "first_month": f"{defaults.first_month:%Y-%m}",
            "last_month": f"{defaults.last_month:%Y-%m}",
        }
        form = DashboardForm(request.GET or None, today=today, initial=shown)
        filters, status = defaults, 200
        if form.is_bound:
            if form.is_valid():
                data = form.cleaned_data
                filters = dashboard.DashboardFilters(
                    first_month=data["first_month"] or defaults.first_month,
                    last_month=data["last_month"] or defaults.last_month,
                    kind=data["kind"],
                    assignee=data["assignee"],
                )
                if filters.first_month > filters.last_month:
                    filters = defaults
            else:
                status = 400
        board = dashboard.build(filters, today=today, calendar=load_calendar())
        return render(
            request,
            "requests_app/dashboard.html",
            {
                "form": form,
                "board": board,
                "on_time_chart": _on_time_chart(board),
                "age_chart": _age_chart(board),
            },
            status=status,
        )


def _month_label(month: date) -> str:
    return f"{month:%Y-%m}"


def _on_time_chart(board: dashboard.Dashboard) -> str:
    bars = []
    for row in board.months:
        rate, month = row.on_time_rate, _month_label(row.month)
        if rate is None:
            title = _("%(month)s: no replies") % {"month": month}
        else:
            title = _("%(month)s: %(rate)s%% on time (%(on_time)s of %(replied)s)") % {
                "month": month,
                "rate": f"{rate:.0f}",
                "on_time": row.on_time.value,
                "replied": row.on_time.value + row.late.value,
            }
        bars.append(
            Bar(
                label=f"{row.month:%m}",
                value=rate,
                href=row.on_time.url,
                title=title,
            )
        )
    return bar_chart(
        bars,
        title=_("Replies by the due date, per month (%)"),
        maximum=100,
        unit="%",
        target=100,
        target_label=_("all on time"),
    )


def _age_chart(board: dashboard.Dashboard) -> str:
    return bar_chart(
        [
            Bar(
                label=item.label,
                value=item.figure.value,
                href=item.figure.url,
                title=f"{item.label}: {item.figure.value}",
            )
            for item in board.ages
        ],
        title=_("Open cases by days since arrival"),
    )

"""The export form: the case list's filters plus the period of arrival."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from requests_app import selectors
from requests_app.exports.bundle import Criteria
from requests_app.forms import DateInput, ListFilterForm


class ExportForm(ListFilterForm):
    """Which cases to export: exactly the case list's filters, and arrival dates from/to."""

    arrival_from = forms.DateField(
        label=_("Arrived from"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty for no lower limit."),
    )
    arrival_to = forms.DateField(
        label=_("Arrived until"),
        required=False,
        widget=DateInput(),
        help_text=_("Inclusive. Leave empty for no upper limit."),
    )

    field_order = ["arrival_from", "arrival_to", "q", "state", "kind", "assignee", "due"]

    @classmethod
    def default_period(cls, today: date | None = None) -> dict[str, date]:
        today = today or timezone.localdate()
        return {"arrival_from": today - timedelta(days=365), "arrival_to": today}

    def clean_arrival_to(self) -> date | None:
        value: date | None = self.cleaned_data.get("arrival_to")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The period cannot end in the future."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("arrival_from"), data.get("arrival_to")
        if start and end and start > end:
            self.add_error("arrival_to", _("The period must not end before it starts."))
        return data

    def criteria(self) -> Criteria:
        data = self.cleaned_data
        return Criteria(
            filters=selectors.CaseFilters.from_cleaned(data),
            arrival_from=data.get("arrival_from"),
            arrival_to=data.get("arrival_to"),
            as_of=timezone.localdate(),
        )

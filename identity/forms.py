from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from identity.models import DocumentType
from requests_app.forms import DateInput


class ReceivedDocumentForm(forms.Form):
    document_type = forms.ModelChoiceField(
        label=_("Document type"), queryset=DocumentType.objects.filter(active=True)
    )
    received_on = forms.DateField(label=_("Received by post on"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("received_on", timezone.localdate())

    def clean_received_on(self) -> date:
        value: date = self.cleaned_data["received_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date received cannot be in the future."))
        return value

"""Forms of the letter pages: they clean what staff typed and hand plain values to services."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from requests_app import text
from requests_app.forms import DateInput
from requests_app.letters.content import ExtensionInputs
from requests_app.letters.kinds import BATCH_KINDS, LetterKind, LetterLanguage
from requests_app.letters.models import TRACKED_METHODS, MailMethod
from requests_app.letters.services import RecordRow

MAX_PASTED_ROWS = 2000


class LetterRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Letter"))
    language = forms.ChoiceField(
        label=_("Language of the letter"),
        choices=LetterLanguage.choices,
        initial=LetterLanguage.JAPANESE,
    )
    new_due_date = forms.DateField(
        label=_("New due date (extension notices)"), widget=DateInput(), required=False
    )
    extension_reason = forms.CharField(
        label=_("Reason for the extension"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    completion = forms.CharField(
        label=_("What the person is asked to complete (補正)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "For a request for completion while the case is in progress: the letter quotes "
            "it. The case waits on the person from the day the letter is recorded as mailed."
        ),
    )

    def __init__(self, *args: Any, kinds: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offered = kinds if kinds is not None else list(LetterKind.values)
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            (kind, str(LetterKind(kind).label)) for kind in offered
        ]

    def clean_extension_reason(self) -> str:
        return text.clean_text(self.cleaned_data["extension_reason"], multiline=True)

    def clean_completion(self) -> str:
        return text.clean_text(self.cleaned_data["completion"], multiline=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == LetterKind.EXTENSION:
            if not data.get("new_due_date"):
                self.add_error("new_due_date", _("An extension notice needs the new due date."))
            elif data["new_due_date"] < timezone.localdate():
                self.add_error("new_due_date", _("The new due date cannot be in the past."))
            if not data.get("extension_reason"):
                self.add_error("extension_reason", _("Say why more time is needed."))
        return data

    def extension(self) -> ExtensionInputs | None:
        if self.cleaned_data.get("kind") != LetterKind.EXTENSION:
            return None
        return ExtensionInputs(
            new_due_date=self.cleaned_data["new_due_date"],
            reason=self.cleaned_data["extension_reason"],
        )


class MailingForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Mailed by"), choices=MailMethod.choices, initial=MailMethod.SIMPLE_REGISTERED
    )
    tracking_number = forms.CharField(
        label=_("Tracking number"),
        required=False,
        max_length=32,
        help_text=_("From the receipt of simple registered or restricted-delivery mail."),
    )
    sent_on = forms.DateField(label=_("Date mailed"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("sent_on", timezone.localdate())

    def clean_tracking_number(self) -> str:
        return text.clean_reference_number(self.cleaned_data["tracking_number"])

    def clean_sent_on(self) -> date:
        value: date = self.cleaned_data["sent_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The mailing date cannot be in the future."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        method, number = data.get("method"), data.get("tracking_number")
        if method in TRACKED_METHODS and not number:
            self.add_error(
                "tracking_number",
                _("Registered and restricted-delivery mail have a tracking number."),
            )
        if method == MailMethod.ORDINARY and number:
            self.add_error("tracking_number", _("Ordinary mail has no tracking number."))
        return data


class ReturnedForm(forms.Form):
    returned_on = forms.DateField(label=_("Came back on"), widget=DateInput())
    note = forms.CharField(
        label=_("Note (reason printed by the post office)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("returned_on", timezone.localdate())

    def clean_returned_on(self) -> date:
        value: date = self.cleaned_data["returned_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date it came back cannot be in the future."))
        return value

    def clean_note(self) -> str:
        return text.clean_text(self.cleaned_data["note"], multiline=True)


_SEPARATORS = re.compile(r"\t|\s*[|｜]\s*")


class DisclosedRecordsForm(forms.Form):
    """One row typed in, or many rows pasted from a spreadsheet (tab-separated)."""

    category = forms.CharField(label=_("Category"), required=False, max_length=100)
    field = forms.CharField(label=_("Item"), required=False, max_length=200)
    value = forms.CharField(
        label=_("Content"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    source = forms.CharField(label=_("Where it is held"), required=False, max_length=200)
    rows = forms.CharField(
        label=_("Or paste rows"),
        required=False,
        max_length=400_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One row per line: category, item, content and (optionally) where it is held, "
            "separated by tabs (copied from a spreadsheet) or by “|”."
        ),
    )

    def clean_category(self) -> str:
        return text.clean_text(self.cleaned_data["category"])

    def clean_field(self) -> str:
        return text.clean_text(self.cleaned_data["field"])

    def clean_value(self) -> str:
        return text.clean_text(self.cleaned_data["value"], multiline=True)

    def clean_source(self) -> str:
        return text.clean_text(self.cleaned_data["source"])

    def clean_rows(self) -> list[RecordRow]:
        raw = self.cleaned_data["rows"].replace("\r\n", "\n")
        rows: list[RecordRow] = []
        problems: list[str] = []
        for number, line in enumerate(raw.split("\n"), start=1):
            if not line.strip():
                continue
            cells = [cell.strip() for cell in _SEPARATORS.split(line.strip())]
            if len(cells) not in (3, 4) or not all(cells[:3]):
                problems.append(
                    str(
                        _("Line %(n)s: give category, item and content (and where it is held).")
                        % {"n": number}
                    )
                )
                continue
            try:
                cells = [text.clean_text(cell) for cell in cells]
            except forms.ValidationError as error:
                problems.append(f"{number}: {' '.join(error.messages)}")
                continue
            if len(cells[0]) > 100 or len(cells[1]) > 200 or len(cells[2]) > 4000:
                problems.append(str(_("Line %(n)s is too long.") % {"n": number}))
                continue
            rows.append(RecordRow(*cells))
        if problems:
            raise forms.ValidationError(problems[:10])
        if len(rows) > MAX_PASTED_ROWS:
            raise forms.ValidationError(
                _("Paste at most %(max)s rows at a time.") % {"max": MAX_PASTED_ROWS}
            )
        return rows

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        single = [data.get(name) for name in ("category", "field", "value")]
        pasted = data.get("rows") or []
        if any(single) and not all(single):
            for name, value in zip(("category", "field", "value"), single, strict=True):
                if not value:
                    self.add_error(name, _("Needed for a row."))
        elif not any(single) and not pasted and "rows" not in self.errors:
            raise forms.ValidationError(_("Enter a row or paste some rows."))
        return data

    def records(self) -> list[RecordRow]:
        data = self.cleaned_data
        rows = list(data.get("rows") or [])
        if data.get("category"):
            rows.insert(
                0, RecordRow(data["category"], data["field"], data["value"], data["source"])
            )
        return rows


class ChangeForm(forms.Form):
    subject = forms.CharField(label=_("What"), max_length=200)
    before = forms.CharField(
        label=_("Before"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    after = forms.CharField(
        label=_("After"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_subject(self) -> str:
        return text.clean_text(self.cleaned_data["subject"])

    def clean_before(self) -> str:
        return text.clean_text(self.cleaned_data["before"], multiline=True)

    def clean_after(self) -> str:
        return text.clean_text(self.cleaned_data["after"], multiline=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "before" in data and "after" in data and data["before"] == data["after"]:
            self.add_error("after", _("Before and after are the same; nothing was changed."))
        return data


class BatchRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Letters"),
        choices=[(kind.value, kind.label) for kind in BATCH_KINDS],
    )
    language = forms.ChoiceField(
        label=_("Language of the letters"),
        choices=LetterLanguage.choices,
        initial=LetterLanguage.JAPANESE,
    )


class BatchMailingForm(forms.Form):
    sent_on = forms.DateField(label=_("Date mailed (ordinary mail)"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("sent_on", timezone.localdate())

    def clean_sent_on(self) -> date:
        value: date = self.cleaned_data["sent_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The mailing date cannot be in the future."))
        return value


class RecordEditForm(forms.Form):
    """The wording of one row of the data found, as the disclosure letter will print it."""

    category = forms.CharField(label=_("Category"), max_length=100)
    field = forms.CharField(label=_("Item"), max_length=200)
    value = forms.CharField(
        label=_("Content"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    source = forms.CharField(label=_("Where it is held"), required=False, max_length=200)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("category", "field", "value", "source"):
            if name in data:
                try:
                    data[name] = text.clean_text(data[name], multiline=name == "value")
                except forms.ValidationError as error:
                    self.add_error(name, error)
        return data

    def row(self) -> RecordRow:
        data = self.cleaned_data
        return RecordRow(data["category"], data["field"], data["value"], data["source"])


class GuideEmailForm(forms.Form):
    """The procedure guide was sent by e-mail: when (now unless said otherwise)."""

    sent_at = forms.DateTimeField(
        label=_("Sent at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "guide_%s")
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["sent_at"] = timezone.localtime().replace(second=0, microsecond=0)

    def clean_sent_at(self) -> Any:
        value = self.cleaned_data["sent_at"]
        if value > timezone.now():
            raise forms.ValidationError(_("It cannot have been sent in the future."))
        return value

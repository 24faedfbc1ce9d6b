"""Forms for identity documents: they clean what staff typed and hand values to the services.

The checks that need the case (whose document, dates against the arrival) are the rules of
`identity.entries` (`entry_problems` / `guardian_problems`) that the services apply too, so
the form and the service refuse the same things, and the form can say which field is wrong.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from identity import scans
from identity.choices import GuardianRelationship, Holder, Masking
from identity.entries import (
    GUARDIAN_FIELDS,
    CaseContext,
    DocumentEntry,
    GuardianData,
    entry_problems,
    guardian_problems,
)
from identity.models import DocumentType, Guardian, MaskingConfirmation, ReceivedDocument
from requests_app import text
from requests_app.forms import DateInput, WorkerChoiceField, offer
from requests_app.models import Case
from requests_app.people import person_name
from requests_app.selectors import workers


def _not_in_future(value: date | None) -> date | None:
    if value and value > timezone.localdate():
        raise forms.ValidationError(_("This date cannot be in the future."))
    return value


def _offer_people(field: Any, people: list[Any] | None, *, empty: bool) -> None:
    """Staff who may confirm a masking. A page with several forms reads them once and
    passes `people`; the choice is still checked against the database on submit."""
    field.queryset = workers()
    if people is not None:
        options = [(person.pk, person_name(person)) for person in people]
        field.choices = [("", "—"), *options] if empty else options


class ReceivedDocumentForm(forms.Form):
    """One copy from the envelope, as it reads: whose, what, and what it shows."""

    holder = forms.ChoiceField(label=_("Whose document"), choices=Holder.choices)
    document_type = forms.ModelChoiceField(
        label=_("Document type"),
        queryset=DocumentType.objects.none(),
        help_text=_(
            "A copy of the back of a My Number card: choose “My Number card (back)”. Nothing "
            "is copied from it; it is recorded as destroyed at once and counts for nothing."
        ),
    )
    received_on = forms.DateField(label=_("Received by post on"), widget=DateInput())
    name_shown = forms.CharField(
        label=_("Name as shown"),
        max_length=100,
        required=False,
        help_text=_("Exactly as printed; for a passport, the name in Roman letters."),
    )
    name_kana_shown = forms.CharField(
        label=_("Kana as shown"),
        max_length=100,
        required=False,
        help_text=_("Only if the copy shows a reading."),
    )
    date_of_birth_shown = forms.DateField(
        label=_("Date of birth as shown"), widget=DateInput(), required=False
    )
    address_shown = forms.CharField(
        label=_("Address as shown"),
        max_length=200,
        required=False,
        help_text=_("The current address on the copy (a change written on the back counts)."),
    )
    issued_on = forms.DateField(
        label=_("Issued on"),
        widget=DateInput(),
        required=False,
        help_text=_("Required for certificates, such as a certificate of residence."),
    )
    expires_on = forms.DateField(
        label=_("Valid until"),
        widget=DateInput(),
        required=False,
        help_text=_("Required for documents with an expiry date."),
    )
    maskings = forms.MultipleChoiceField(
        label=_("Maskings confirmed"),
        choices=Masking.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick each masking the document type requires that is done."),
    )
    masking_method = forms.ChoiceField(
        label=_("How"),
        choices=MaskingConfirmation.Method.choices,
        initial=MaskingConfirmation.Method.MASKED_BY_STAFF,
    )
    masked_by = WorkerChoiceField(
        label=_("Masking confirmed by"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="—",
    )
    destroyed_at_once = forms.BooleanField(
        label=_("The copy was destroyed at once (after the facts above were read)"),
        required=False,
    )
    paper_location = forms.CharField(
        label=_("Where the paper copy is kept"),
        max_length=100,
        required=False,
        help_text=_("For example: cabinet B-2, folder for November 2026."),
    )
    scan = forms.FileField(
        label=_("Scan (optional)"),
        required=False,
        help_text=_(
            "PDF, JPEG or PNG. Stored encrypted. The back of a My Number card is never scanned: "
            "log it as its own type."
        ),
    )

    def __init__(
        self,
        *args: Any,
        case: Case,
        user: Any = None,
        people: list[Any] | None = None,
        document_types: list[DocumentType] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        self.fields["document_type"].queryset = DocumentType.objects.filter(  # type: ignore[attr-defined]
            active=True
        ).order_by("id")
        if document_types is not None:
            # The active types, as the case page reads them for its table of what each needs.
            offer(self.fields["document_type"], document_types)  # type: ignore[arg-type]
        _offer_people(self.fields["masked_by"], people, empty=True)
        if not self.is_bound:
            self.initial.setdefault("received_on", timezone.localdate())
            self.initial.setdefault("holder", Holder.REQUESTER)
            if user is not None:
                self.initial.setdefault("masked_by", user.pk)

    def clean_received_on(self) -> date | None:
        return _not_in_future(self.cleaned_data["received_on"])

    def clean_date_of_birth_shown(self) -> date | None:
        return _not_in_future(self.cleaned_data["date_of_birth_shown"])

    def clean_name_shown(self) -> str:
        value = self.cleaned_data["name_shown"]
        return text.clean_name(value) if value else ""

    def clean_name_kana_shown(self) -> str:
        value = self.cleaned_data["name_kana_shown"]
        return text.clean_kana(value) if value else ""

    def clean_address_shown(self) -> str:
        return text.clean_text(self.cleaned_data["address_shown"])

    def clean_paper_location(self) -> str:
        return text.clean_text(self.cleaned_data["paper_location"])

    def clean_scan(self) -> scans.Scan | None:
        upload: UploadedFile | None = self.cleaned_data.get("scan")
        if not upload:
            return None
        if (upload.size or 0) > scans.max_bytes():
            raise forms.ValidationError(scans.too_large_message())
        try:
            return scans.check(upload.read())
        except scans.ScanRejected as error:
            raise forms.ValidationError(str(error)) from error

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("document_type") is None or data.get("received_on") is None:
            return data
        if self.errors:
            return data  # the entry cannot be judged as a whole while a field is unreadable
        entry = self.entry()
        problems = entry_problems(
            entry, CaseContext.of(self.case), has_scan=data.get("scan") is not None
        )
        for field, messages in problems.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
        return data

    def entry(self) -> DocumentEntry:
        data = self.cleaned_data
        return DocumentEntry(
            document_type=data["document_type"],
            received_on=data["received_on"],
            holder=data["holder"],
            name_shown=data.get("name_shown", ""),
            name_kana_shown=data.get("name_kana_shown", ""),
            date_of_birth_shown=data.get("date_of_birth_shown"),
            address_shown=data.get("address_shown", ""),
            issued_on=data.get("issued_on"),
            expires_on=data.get("expires_on"),
            maskings=tuple(data.get("maskings") or ()),
            masking_method=data.get("masking_method") or MaskingConfirmation.Method.MASKED_BY_STAFF,
            masked_by=data.get("masked_by") if data.get("maskings") else None,
            destroyed_at_once=bool(data.get("destroyed_at_once")),
            paper_location=data.get("paper_location", ""),
        )

    def service_arguments(self) -> dict[str, Any]:
        entry = self.entry()
        return {
            "document_type": entry.document_type,
            "received_on": entry.received_on,
            "holder": entry.holder,
            "name_shown": entry.name_shown,
            "name_kana_shown": entry.name_kana_shown,
            "date_of_birth_shown": entry.date_of_birth_shown,
            "address_shown": entry.address_shown,
            "issued_on": entry.issued_on,
            "expires_on": entry.expires_on,
            "maskings": list(entry.maskings),
            "masking_method": entry.masking_method,
            "masked_by": entry.masked_by,
            "destroyed_at_once": entry.destroyed_at_once,
            "paper_location": entry.paper_location,
            "scan": self.cleaned_data.get("scan"),
        }


class MaskingForm(forms.Form):
    """Confirm one masking still open on a document."""

    masking = forms.ChoiceField(label=_("Masking"), choices=())
    method = forms.ChoiceField(
        label=_("How"),
        choices=MaskingConfirmation.Method.choices,
        initial=MaskingConfirmation.Method.MASKED_BY_STAFF,
    )
    confirmed_by = WorkerChoiceField(
        label=_("Confirmed by"), queryset=get_user_model().objects.none(), empty_label=None
    )

    def __init__(
        self,
        *args: Any,
        document: ReceivedDocument,
        user: Any = None,
        people: list[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("prefix", f"masking{document.pk}")
        super().__init__(*args, **kwargs)
        labels = dict(Masking.choices)
        done = {confirmation.masking for confirmation in document.maskings.all()}
        self.fields["masking"].choices = [  # type: ignore[attr-defined]
            (code, labels[code]) for code in document.required_maskings if code not in done
        ]
        _offer_people(self.fields["confirmed_by"], people, empty=False)
        if user is not None and not self.is_bound:
            self.initial.setdefault("confirmed_by", user.pk)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is withdrawn"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: logged on the wrong case."),
    )

    def __init__(self, *args: Any, document: ReceivedDocument | None = None, **kwargs: Any):
        if document is not None:
            kwargs.setdefault("prefix", f"withdraw{document.pk}")
        super().__init__(*args, **kwargs)

    def clean_reason(self) -> str:
        value = text.clean_text(self.cleaned_data["reason"], multiline=True)
        if not value:
            raise forms.ValidationError(_("Say why the document is withdrawn."))
        return value


class GuardianForm(forms.Form):
    """The parent or guardian of a requester under 16, and when their consent arrived."""

    relationship = forms.ChoiceField(
        label=_("Relationship to the requester"), choices=GuardianRelationship.choices
    )
    name = forms.CharField(label=_("Name (氏名)"), max_length=100)
    name_kana = forms.CharField(label=_("Name in kana (フリガナ)"), max_length=100)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DateInput())
    postal_code = forms.CharField(label=_("Postal code"), max_length=10)
    address = forms.CharField(label=_("Address"), max_length=200)
    consent_received_on = forms.DateField(
        label=_("Written consent received on"),
        widget=DateInput(),
        required=False,
        help_text=_("Leave empty until the signed consent has arrived."),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case

    @classmethod
    def for_case(cls, case: Case, guardian: Guardian | None) -> GuardianForm:
        initial = {name: getattr(guardian, name) for name in GUARDIAN_FIELDS} if guardian else {}
        return cls(case=case, initial=initial)

    def clean_name(self) -> str:
        return text.clean_name(self.cleaned_data["name"])

    def clean_name_kana(self) -> str:
        return text.clean_kana(self.cleaned_data["name_kana"])

    def clean_postal_code(self) -> str:
        return text.clean_postal_code(self.cleaned_data["postal_code"])

    def clean_address(self) -> str:
        return text.clean_text(self.cleaned_data["address"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        for field, messages in guardian_problems(self.data_object(), self.case).items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
        return data

    def data_object(self) -> GuardianData:
        data = self.cleaned_data
        return GuardianData(
            relationship=data["relationship"],
            name=data["name"],
            name_kana=data["name_kana"],
            date_of_birth=data["date_of_birth"],
            postal_code=data["postal_code"],
            address=data["address"],
            consent_received_on=data.get("consent_received_on"),
        )

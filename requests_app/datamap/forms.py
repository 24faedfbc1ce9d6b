"""Forms of the data map's pages: they clean what people typed and hand plain values to the
services (datamap.services), which check the business rules again."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from requests_app import text
from requests_app.choices import Relationship, RequestKind
from requests_app.datamap import selectors
from requests_app.datamap.choices import (
    ChangeAction,
    DataItem,
    OrderExclusion,
    ProvisionBasis,
    ProvisionDirection,
    SearchKey,
    SearchMethod,
    SearchResult,
)
from requests_app.datamap.models import DataSystem, Department, SearchTask
from requests_app.datamap.services import (
    ACTIONS_FOR_KIND,
    SYSTEM_FIELDS,
    ChangeData,
    DepartmentData,
    FindingData,
    ProvisionData,
    SystemData,
    system_problems,
)
from requests_app.forms import DateInput
from requests_app.letters.purposes import purpose_choices
from requests_app.people import person_name

Checkboxes = forms.CheckboxSelectMultiple


def _text(value: str, *, multiline: bool = False) -> str:
    return text.clean_text(value or "", multiline=multiline)


class DepartmentForm(forms.Form):
    name = forms.CharField(label=_("Name (Japanese)"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100, required=False)
    contacts = forms.MultipleChoiceField(
        label=_("Department contacts (部門担当者)"),
        required=False,
        widget=Checkboxes,
        help_text=_(
            "Users with the department contact role. They receive this department's search "
            "tasks and see nothing else."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contacts"].choices = [  # type: ignore[attr-defined]
            (str(user.pk), f"{person_name(user)} ({user.get_username()})")
            for user in selectors.contact_candidates()
        ]

    def clean_name(self) -> str:
        return _text(self.cleaned_data["name"])

    def clean_name_en(self) -> str:
        return _text(self.cleaned_data["name_en"])

    @classmethod
    def initial_for(cls, department: Department) -> dict[str, Any]:
        return {
            "name": department.name,
            "name_en": department.name_en,
            "contacts": [str(user.pk) for user in department.contacts.all()],
        }

    def data_for_service(self) -> DepartmentData:
        return DepartmentData(
            name=self.cleaned_data["name"],
            name_en=self.cleaned_data["name_en"],
            contact_ids=tuple(int(pk) for pk in self.cleaned_data["contacts"]),
        )


class SystemForm(forms.Form):
    """A row of the data map (個人情報管理台帳)."""

    name = forms.CharField(label=_("Name (Japanese)"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100, required=False)
    department = forms.ChoiceField(label=_("Owning department"))
    description = forms.CharField(
        label=_("What it is"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    relationships = forms.MultipleChoiceField(
        label=_("Whose data it holds (Sections 4 and 6)"),
        choices=Relationship.choices,
        widget=Checkboxes,
        required=False,
    )
    search_keys = forms.MultipleChoiceField(
        label=_("The department searches it by"),
        choices=SearchKey.choices,
        widget=Checkboxes,
        required=False,
        help_text=_("A department contact is shown only these details of the person."),
    )
    items = forms.MultipleChoiceField(
        label=_("Items held (Section 6)"),
        choices=DataItem.choices,
        widget=Checkboxes,
        required=False,
    )
    purposes = forms.MultipleChoiceField(
        label=_("Purposes of use (Section 4)"),
        widget=Checkboxes,
        required=False,
        help_text=_(
            "A notice of purpose of use lists those of the systems where the person is found."
        ),
    )
    retention = forms.CharField(label=_("Retention"), max_length=200)
    subcontractors = forms.CharField(
        label=_("Subcontractors (Section 8)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    shared_with_group = forms.BooleanField(
        label=_("Shared with CMC Group companies (Section 9)"), required=False
    )
    third_parties = forms.CharField(
        label=_("Provided to third parties (Section 10)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Who, and on what basis. Leave empty if none."),
    )
    abroad = forms.CharField(
        label=_("Provided to a third party abroad (Section 11)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recipient and country. Leave empty if none."),
    )
    requests_apply = forms.BooleanField(
        label=_("Retained personal data: requests apply (保有個人データ)"),
        required=False,
        initial=True,
        help_text=_("Searched for requests. Untick for records that cannot be searched by person."),
    )
    search_method = forms.ChoiceField(
        label=_("How it is searched"),
        choices=SearchMethod.choices,
        widget=forms.RadioSelect,
        initial=SearchMethod.MANUAL,
    )
    connector = forms.ChoiceField(label=_("Connected database"), required=False)
    connector_query = forms.CharField(
        label=_("Connector query (read-only)"),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "code"}),
        help_text=_(
            "One SELECT. The person's details arrive as bound parameters, never as text: "
            ":name :name_kana :date_of_birth :postal_code :phone :email. Columns become the "
            "items found (name a column “category:item” to set the category); a column named "
            "location says where the row is kept."
        ),
    )
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    SETS = ("relationships", "search_keys", "items", "purposes")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = (translation.get_language() or "ja")[:2]
        self.fields["purposes"].choices = purpose_choices(  # type: ignore[attr-defined]
            "en" if language == "en" else "ja"
        )
        self.fields["department"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *[(str(d.pk), d.label) for d in Department.objects.order_by("name")],
        ]
        self.fields["connector"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *[(name, name) for name in sorted(settings.DATAMAP_CONNECTORS)],
        ]

    @classmethod
    def initial_for(cls, system: DataSystem) -> dict[str, Any]:
        initial = {name: getattr(system, name) for name in SYSTEM_FIELDS if name != "department_id"}
        initial["department"] = str(system.department_id)
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("name", "name_en", "retention"):
            if name in data:
                data[name] = self._clean_text(name, data[name])
        for name in ("description", "subcontractors", "third_parties", "abroad"):
            if name in data:
                data[name] = self._clean_text(name, data[name], multiline=True)
        # Every problem at once: those of fields that are already in error are left out.
        for field, messages in system_problems(self._system_data(data)).items():
            if field in self.errors:
                continue
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
        return data

    def _clean_text(self, name: str, value: str, *, multiline: bool = False) -> str:
        try:
            return _text(value, multiline=multiline)
        except forms.ValidationError as error:
            self.add_error(name, error)
            return ""

    def _system_data(self, data: dict[str, Any]) -> SystemData:
        return SystemData(
            name=data.get("name", ""),
            name_en=data.get("name_en", ""),
            department_id=int(data.get("department") or 0),
            description=data.get("description", ""),
            relationships=tuple(data.get("relationships", ())),
            search_keys=tuple(data.get("search_keys", ())),
            items=tuple(data.get("items", ())),
            purposes=tuple(data.get("purposes", ())),
            retention=data.get("retention", ""),
            subcontractors=data.get("subcontractors", ""),
            shared_with_group=bool(data.get("shared_with_group")),
            third_parties=data.get("third_parties", ""),
            abroad=data.get("abroad", ""),
            requests_apply=bool(data.get("requests_apply")),
            search_method=data.get("search_method", SearchMethod.MANUAL),
            connector=data.get("connector", ""),
            connector_query=data.get("connector_query", "").strip(),
            active=bool(data.get("active")),
        )

    def data_for_service(self) -> SystemData:
        return self._system_data(self.cleaned_data)


# --- search tasks: staff ---------------------------------------------------------------------


class SendSearchesForm(forms.Form):
    systems = forms.MultipleChoiceField(label=_("Systems to search"), widget=Checkboxes)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["systems"].choices = choices  # type: ignore[attr-defined]

    def system_ids(self) -> list[int]:
        return [int(pk) for pk in self.cleaned_data["systems"]]


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What the department should check or add"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_comment(self) -> str:
        return _text(self.cleaned_data["comment"], multiline=True)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the task is cancelled"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_reason(self) -> str:
        return _text(self.cleaned_data["reason"], multiline=True)


# --- search tasks: the department's answer ----------------------------------------------------


class FindingForm(forms.Form):
    category = forms.CharField(
        label=_("Category"),
        max_length=100,
        widget=forms.TextInput(attrs={"list": "finding-categories"}),
        help_text=_("For example “Contact details”."),
    )
    item = forms.CharField(label=_("Item"), max_length=200, help_text=_("For example “Address”."))
    content = forms.CharField(
        label=_("Content, as the disclosure should show it"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    location = forms.CharField(label=_("Where it is kept"), max_length=200)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("category", "item", "location", "content"):
            if name in data:
                try:
                    data[name] = _text(data[name], multiline=name == "content")
                except forms.ValidationError as error:
                    self.add_error(name, error)
        return data

    def data_for_service(self) -> FindingData:
        return FindingData(
            category=self.cleaned_data["category"],
            item=self.cleaned_data["item"],
            content=self.cleaned_data["content"],
            location=self.cleaned_data["location"],
        )


class ChangeReportForm(forms.Form):
    kind = forms.ChoiceField(label=_("For the request"))
    action = forms.ChoiceField(label=_("What was done"))
    subject = forms.CharField(label=_("What (the item or record)"), max_length=200, required=False)
    before = forms.CharField(
        label=_("Before"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    after = forms.CharField(
        label=_("After (how it is now)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    done_on = forms.DateField(label=_("Done on"), required=False, widget=DateInput())
    reason = forms.CharField(
        label=_("Why it could not be done"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only when it could not be done: staff decide the outcome from it."),
    )

    def __init__(self, *args: Any, task: SearchTask, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = task.change_kinds
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            (kind, str(RequestKind(kind).label)) for kind in kinds
        ]
        allowed = set().union(*(ACTIONS_FOR_KIND[kind] for kind in kinds)) if kinds else set()
        self.fields["action"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in ChangeAction.choices if value in allowed
        ]
        if not self.is_bound:
            self.initial.setdefault("done_on", timezone.localdate())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("subject", "before", "after", "reason"):
            if name in data:
                try:
                    data[name] = _text(data[name], multiline=name != "subject")
                except forms.ValidationError as error:
                    self.add_error(name, error)
        return data

    def data_for_service(self) -> ChangeData:
        return ChangeData(
            kind=self.cleaned_data["kind"],
            action=self.cleaned_data["action"],
            subject=self.cleaned_data["subject"],
            before=self.cleaned_data["before"],
            after=self.cleaned_data["after"],
            done_on=self.cleaned_data["done_on"],
            reason=self.cleaned_data["reason"],
        )


class AnswerForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result"), choices=SearchResult.choices, widget=forms.RadioSelect
    )
    searched_on = forms.DateField(label=_("Searched on"), widget=DateInput())
    searched_how = forms.CharField(
        label=_("How it was searched"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: searched the customer database by name and date of birth."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("searched_on", timezone.localdate())

    def clean_searched_how(self) -> str:
        return _text(self.cleaned_data["searched_how"], multiline=True)

    def clean_searched_on(self) -> date:
        value: date = self.cleaned_data["searched_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The day of the search cannot be in the future."))
        return value


# --- the provision register -----------------------------------------------------------------


class ProvisionForm(forms.Form):
    system = forms.ChoiceField(label=_("System"))
    direction = forms.ChoiceField(
        label=_("Our part"), choices=ProvisionDirection.choices, widget=forms.RadioSelect
    )
    basis = forms.ChoiceField(
        label=_("Basis"),
        choices=ProvisionBasis.choices,
        help_text=_(
            "Only a provision with the person's consent or by opt-out needs a record; the "
            "others are refused with the reason."
        ),
    )
    abroad = forms.BooleanField(label=_("Third party abroad (Art. 28)"), required=False)
    consent_obtained = forms.BooleanField(
        label=_("The person's consent was obtained"), required=False
    )
    counterpart_name = forms.CharField(label=_("Name of the other party"), max_length=200)
    counterpart_address = forms.CharField(label=_("Address of the other party"), max_length=300)
    counterpart_is_corporation = forms.BooleanField(
        label=_("The other party is a corporation"), required=False
    )
    counterpart_representative = forms.CharField(
        label=_("Its representative"), max_length=100, required=False
    )
    person_name = forms.CharField(label=_("The person's name"), max_length=100)
    person_name_kana = forms.CharField(
        label=_("The person's name in kana"), max_length=100, required=False
    )
    person_date_of_birth = forms.DateField(
        label=_("The person's date of birth"), required=False, widget=DateInput()
    )
    person_identifier = forms.CharField(
        label=_("Other details that identify the person"), max_length=200, required=False
    )
    data_items = forms.CharField(label=_("Items of personal data"), max_length=500)
    provided_on = forms.DateField(
        label=_("Date of provision"),
        required=False,
        widget=DateInput(),
        help_text=_("Required for an opt-out provision."),
    )
    last_provision_on = forms.DateField(
        label=_("Last provision this record covers"), widget=DateInput()
    )
    acquisition = forms.CharField(
        label=_("How the provider acquired the data (when we received it)"),
        max_length=500,
        required=False,
    )
    contract_record = forms.BooleanField(
        label=_("This record is the contract or a similar document (kept 1 year, else 3)"),
        required=False,
    )
    exclusion = forms.ChoiceField(
        label=_("Excluded from disclosure (Enforcement Order Art. 11)"),
        choices=OrderExclusion.choices,
        required=False,
    )
    exclusion_note = forms.CharField(
        label=_("Why it is excluded"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    TEXTS = (
        "counterpart_name",
        "counterpart_address",
        "counterpart_representative",
        "person_name",
        "person_name_kana",
        "person_identifier",
        "data_items",
        "acquisition",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["system"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *[
                (str(system.pk), f"{system.department.label}: {system.label}")
                for system in selectors.systems()
            ],
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in (*self.TEXTS, "exclusion_note", "note"):
            if name in data:
                try:
                    data[name] = _text(data[name], multiline=name in ("exclusion_note", "note"))
                except forms.ValidationError as error:
                    self.add_error(name, error)
        return data

    def data_for_service(self) -> ProvisionData:
        data = self.cleaned_data
        return ProvisionData(
            system_id=int(data["system"]),
            **{
                name: data[name]
                for name in ProvisionData.__dataclass_fields__
                if name != "system_id"
            },
        )


class ProvisionImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("As Excel saves it: CSV UTF-8, or CSV (comma delimited) in Shift_JIS."),
    )

    MAX_BYTES = 5 * 1024 * 1024

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class LinkRecordForm(forms.Form):
    record = forms.IntegerField(widget=forms.HiddenInput)

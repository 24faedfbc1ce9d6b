"""Forms: they clean what a person typed and hand plain values to the services."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import date
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from requests_app import text
from requests_app.choices import (
    FEE_KINDS,
    AgentKind,
    CaseState,
    Channel,
    DisclosureMethod,
    FeeForm,
    MailType,
    Relationship,
    RequestKind,
    Title,
)
from requests_app.deadlines import extension_problems
from requests_app.models import Case, RequestItem
from requests_app.outcomes import (
    decision_problems,
    ground_choices,
    grounds_by_outcome,
    outcome_choices,
    rules_for,
    single_ground,
)
from requests_app.people import person_name
from requests_app.selectors import CaseFilters, worker_choices, workers
from requests_app.services import CaseData, ContactData, ItemData, RequesterData

DISCLOSURE_KINDS = {RequestKind.DISCLOSURE, RequestKind.THIRD_PARTY_RECORDS}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class CaseDetailsForm(forms.Form):
    """The requester and the envelope: shared by intake and later corrections."""

    name = forms.CharField(label=_("Name (氏名)"), max_length=100)
    name_kana = forms.CharField(label=_("Name in kana (フリガナ)"), max_length=100)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DateInput())
    postal_code = forms.CharField(label=_("Postal code"), max_length=10)
    address = forms.CharField(label=_("Address"), max_length=200)
    phone = forms.CharField(label=_("Telephone"), max_length=20, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    relationships = forms.MultipleChoiceField(
        label=_("Relationship to the company"),
        choices=Relationship.choices,
        initial=[Relationship.CUSTOMER],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checklist"}),
        help_text=_("Tick every one that applies: the systems to search follow from these."),
    )
    title = forms.ChoiceField(
        label=_("Title in English letters"),
        choices=Title.choices,
        required=False,
        help_text=_("Only if the person gave one; otherwise letters write 様 after the name."),
    )

    arrival_date = forms.DateField(label=_("Arrival date (到達日)"), widget=DateInput())
    postmark_date = forms.DateField(
        label=_("Postmark date (消印)"), widget=DateInput(), required=False
    )
    mail_type = forms.ChoiceField(label=_("How it came"), choices=MailType.choices)
    registered_mail_number = forms.CharField(
        label=_("Registered mail number"), max_length=32, required=False
    )
    disclosure_method = forms.ChoiceField(
        label=_("Disclosure method the person chose"),
        choices=DisclosureMethod.choices,
        required=False,
        initial=DisclosureMethod.PAPER,
        help_text=_("For disclosures only. Paper if the person did not say."),
    )
    agent_kind = forms.ChoiceField(
        label=_("Who makes the request"), choices=AgentKind.choices, required=False
    )
    agent_name = forms.CharField(label=_("Agent's name"), max_length=100, required=False)
    agent_name_kana = forms.CharField(
        label=_("Agent's name in kana"), max_length=100, required=False
    )
    agent_postal_code = forms.CharField(
        label=_("Agent's postal code"), max_length=10, required=False
    )
    agent_address = forms.CharField(label=_("Agent's address"), max_length=200, required=False)

    REQUESTER_FIELDS = tuple(RequesterData.__dataclass_fields__)
    CASE_FIELDS = tuple(CaseData.__dataclass_fields__)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound and "arrival_date" not in self.initial:
            self.initial["arrival_date"] = timezone.localdate()

    def clean_name(self) -> str:
        return text.clean_name(self.cleaned_data["name"])

    def clean_name_kana(self) -> str:
        return text.clean_kana(self.cleaned_data["name_kana"])

    def clean_postal_code(self) -> str:
        return text.clean_postal_code(self.cleaned_data["postal_code"])

    def clean_address(self) -> str:
        return text.clean_text(self.cleaned_data["address"])

    def clean_phone(self) -> str:
        return text.clean_phone(self.cleaned_data["phone"])

    def clean_registered_mail_number(self) -> str:
        return text.clean_reference_number(self.cleaned_data["registered_mail_number"])

    def clean_agent_name(self) -> str:
        value = self.cleaned_data["agent_name"]
        return text.clean_name(value) if value else ""

    def clean_agent_name_kana(self) -> str:
        value = self.cleaned_data["agent_name_kana"]
        return text.clean_kana(value) if value else ""

    def clean_agent_postal_code(self) -> str:
        value = self.cleaned_data["agent_postal_code"]
        return text.clean_postal_code(value) if value else ""

    def clean_agent_address(self) -> str:
        return text.clean_text(self.cleaned_data["agent_address"])

    def clean_date_of_birth(self) -> date:
        value: date = self.cleaned_data["date_of_birth"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        if value.year < 1900:
            raise forms.ValidationError(_("Check the year of birth."))
        return value

    def clean_arrival_date(self) -> date:
        value: date = self.cleaned_data["arrival_date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The arrival date cannot be in the future."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        arrival, postmark = data.get("arrival_date"), data.get("postmark_date")
        if arrival and postmark and postmark > arrival:
            self.add_error(
                "postmark_date", _("The postmark cannot be later than the arrival date.")
            )
        if data.get("agent_kind"):
            for name in ("agent_name", "agent_name_kana", "agent_postal_code", "agent_address"):
                if not data.get(name):
                    self.add_error(name, _("Required when an agent makes the request."))
        else:
            for name in ("agent_name", "agent_name_kana", "agent_postal_code", "agent_address"):
                data[name] = ""
        return data

    def clean_relationships(self) -> tuple[str, ...]:
        chosen = set(self.cleaned_data["relationships"])
        # In the policy's order, each once.
        return tuple(value for value in Relationship.values if value in chosen)

    def requester_data(self) -> RequesterData:
        return RequesterData(**{name: self.cleaned_data[name] for name in self.REQUESTER_FIELDS})

    def case_data(self) -> CaseData:
        values = {name: self.cleaned_data[name] for name in self.CASE_FIELDS}
        values["postmark_date"] = values["postmark_date"] or None
        return CaseData(**values)

    @classmethod
    def initial_for(cls, case: Case) -> dict[str, Any]:
        initial = {name: getattr(case.requester, name) for name in cls.REQUESTER_FIELDS}
        initial.update({name: getattr(case, name) for name in cls.CASE_FIELDS})
        return initial


class IntakeForm(CaseDetailsForm):
    """A new case for an envelope: the person, the envelope, and what they ask for.

    When the person matches earlier cases (selectors.possible_duplicates), the page shows
    them before anything is saved; staff then link the new case to one of them as a repeat
    request, or say it is none of them (`duplicates_checked` carries that they looked)."""

    duplicates_checked = forms.BooleanField(required=False, widget=forms.HiddenInput)
    repeat_of = forms.CharField(required=False, max_length=16)
    # How it came: by post (the envelope's fields), or by telephone, e-mail or in person.
    channel = forms.ChoiceField(
        label=_("How it reached us"),
        choices=Channel.choices,
        initial=Channel.POST,
        required=False,  # not sent: by post, as every request was before channels
        widget=forms.RadioSelect(attrs={"class": "channel-choice"}),
    )
    contact_at = forms.DateTimeField(
        label=_("Date and time of the call, visit or e-mail"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("Its day is the case's arrival date."),
    )
    contact_taken_by = forms.ModelChoiceField(
        label=_("Taken by"),
        queryset=get_user_model().objects.none(),
        required=False,
        help_text=_("Who took the call or received the visitor."),
    )
    email_sender = forms.EmailField(
        label=_("Sent from (e-mail address)"), required=False, max_length=254
    )

    def __init__(self, *args: Any, actor: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Whoever opens the case usually took the call themselves.
        self.fields["contact_taken_by"].queryset = workers()  # type: ignore[attr-defined]
        self.fields["contact_taken_by"].label_from_instance = _display_name  # type: ignore[attr-defined]
        if actor is not None and not self.is_bound:
            self.initial.setdefault("contact_taken_by", actor.pk)
        if not self.is_bound:
            self.initial.setdefault(
                "contact_at", timezone.localtime().replace(second=0, microsecond=0)
            )
        # Not required for a call, visit or e-mail: its day is the arrival date (clean()).
        self.fields["arrival_date"].required = False
        for kind in RequestKind:
            self.fields[f"kind_{kind.value}"] = forms.BooleanField(label=kind.label, required=False)
            self.fields[f"details_{kind.value}"] = forms.CharField(
                label=_("What exactly is asked"),
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def kind_fields(self) -> list[tuple[forms.BoundField, forms.BoundField, bool]]:
        return [
            (self[f"kind_{kind.value}"], self[f"details_{kind.value}"], kind in FEE_KINDS)
            for kind in RequestKind
        ]

    def clean_arrival_date(self) -> date | None:  # type: ignore[override]
        value: date | None = self.cleaned_data.get("arrival_date")
        if value is not None and value > timezone.localdate():
            raise forms.ValidationError(_("The arrival date cannot be in the future."))
        return value

    def clean_contact_at(self) -> Any:
        value = self.cleaned_data.get("contact_at")
        if value is not None and value > timezone.now():
            raise forms.ValidationError(_("The call, visit or e-mail cannot be in the future."))
        return value

    def _clean_channel(self, data: dict[str, Any]) -> None:
        channel = data["channel"] = data.get("channel") or Channel.POST
        if channel == Channel.POST:
            if not data.get("arrival_date") and "arrival_date" not in self.errors:
                self.add_error("arrival_date", _("Give the day the letter arrived."))
            data.update(contact_at=None, contact_taken_by=None, email_sender="")
            return
        contact_at = data.get("contact_at")
        if contact_at is None:
            if "contact_at" not in self.errors:
                self.add_error("contact_at", _("Give the date and time."))
        else:
            data["arrival_date"] = timezone.localdate(contact_at)
        # The envelope's facts belong to a letter.
        data.update(postmark_date=None, registered_mail_number="", mail_type=MailType.ORDINARY)
        if channel == Channel.EMAIL:
            data["contact_taken_by"] = None
            if not data.get("email_sender") and "email_sender" not in self.errors:
                self.add_error("email_sender", _("Give the address the e-mail came from."))
        else:
            data["email_sender"] = ""
            if not data.get("contact_taken_by") and "contact_taken_by" not in self.errors:
                self.add_error("contact_taken_by", _("Say who took the call or the visit."))

    def contact_data(self) -> ContactData:
        data = self.cleaned_data
        if data["channel"] == Channel.POST:
            return ContactData()
        return ContactData(
            channel=data["channel"],
            contact_at=data["contact_at"],
            taken_by=data["contact_taken_by"],
            email_sender=data["email_sender"],
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self._clean_channel(data)
        chosen = [kind for kind in RequestKind if data.get(f"kind_{kind.value}")]
        if not chosen:
            raise forms.ValidationError(
                _("Tick at least one kind of request that the letter asks for.")
            )
        for kind in RequestKind:
            name = f"details_{kind.value}"
            try:
                data[name] = text.clean_text(data.get(name, ""), multiline=True)
            except forms.ValidationError as error:
                self.add_error(name, error)
        if DISCLOSURE_KINDS & set(chosen) and not data.get("disclosure_method"):
            self.add_error(
                "disclosure_method",
                _("Choose how the person wants the disclosure (paper if they did not say)."),
            )
        if not DISCLOSURE_KINDS & set(chosen):
            data["disclosure_method"] = DisclosureMethod.NOT_APPLICABLE
        return data

    def items(self) -> list[ItemData]:
        return [
            ItemData(kind=kind.value, details=self.cleaned_data[f"details_{kind.value}"])
            for kind in RequestKind
            if self.cleaned_data.get(f"kind_{kind.value}")
        ]


class ListFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("State"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)
    due = forms.ChoiceField(label=_("Due"), required=False)
    # The finer filters the dashboard's numbers link to; shown under "More filters".
    arrival_from = forms.DateField(label=_("Arrived from"), required=False, widget=DateInput())
    arrival_to = forms.DateField(label=_("Arrived until"), required=False, widget=DateInput())
    replied_from = forms.DateField(label=_("Replied from"), required=False, widget=DateInput())
    replied_to = forms.DateField(label=_("Replied until"), required=False, widget=DateInput())
    timeliness = forms.ChoiceField(label=_("Reply"), required=False)
    letters = forms.ChoiceField(label=_("Letters"), required=False)
    channel = forms.ChoiceField(label=_("Came by"), required=False)
    written = forms.ChoiceField(label=_("Requests"), required=False)

    MORE_FILTERS = (
        "channel",
        "written",
        "arrival_from",
        "arrival_to",
        "replied_from",
        "replied_to",
        "timeliness",
        "letters",
    )

    def __init__(self, *args: Any, for_list: bool = False, **kwargs: Any) -> None:
        """`for_list`: the case list page, which opens on the open cases (closed ones only
        when asked for, "all") and offers "mine"; the export form keeps "" for every state."""
        super().__init__(*args, **kwargs)
        everything: list[tuple[str, Any]] = (
            [("open", _("Open cases")), ("all", _("All cases, closed included"))]
            if for_list
            else [("", _("All states")), ("open", _("Open cases"))]
        )
        mine: list[tuple[str, Any]] = (
            [("mine", _("Me")), ("mine_or_none", _("Me or nobody"))] if for_list else []
        )
        # Labels are made plain strings once here: the list page renders them on every visit.
        choices: dict[str, list[tuple[str, Any]]] = {
            "state": [
                *everything,
                ("waiting", _("Waiting on the requester")),
                *CaseState.choices,
            ],
            "kind": [("", _("All kinds")), *RequestKind.choices],
            "assignee": [
                ("", _("Anyone")),
                *mine,
                ("none", _("Nobody")),
                *worker_choices(),
            ],
            "due": [
                ("", _("Any time")),
                ("week", _("Due this week")),
                ("soon", _("Due soon (reminders started)")),
                ("overdue", _("Overdue")),
            ],
            "timeliness": [
                ("", _("Any")),
                ("on_time", _("Replied by the due date")),
                ("late", _("Replied after the due date")),
                ("art39_on_time", _("Replied within two weeks (Art. 39)")),
                ("art39_late", _("Replied after two weeks (Art. 39)")),
            ],
            "channel": [("", _("Any way")), *Channel.choices],
            "written": [
                ("", _("All, those waiting for the written request included")),
                ("yes", _("Made in writing (as the SLA dashboard counts)")),
            ],
            "letters": [
                ("", _("Any")),
                ("to_mail", _("A letter to print or mail")),
                ("returned", _("A letter came back undeliverable")),
            ],
        }
        for name, options in choices.items():
            self.fields[name].choices = [  # type: ignore[attr-defined]
                (value, str(label)) for value, label in options
            ]

    def clean_q(self) -> str:
        return text.clean_text(self.cleaned_data["q"])

    def main_filters(self) -> list[forms.BoundField]:
        return [self[name] for name in ("state", "kind", "assignee", "due")]

    def more_filters(self) -> list[forms.BoundField]:
        return [self[name] for name in self.MORE_FILTERS if name in self.fields]

    def more_filters_used(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.MORE_FILTERS)

    def filters(self) -> CaseFilters:
        """The cleaned filters (call after is_valid())."""
        return CaseFilters.from_cleaned(self.cleaned_data)


def _display_name(user: Any) -> str:
    return person_name(user)


class WorkerChoiceField(forms.ModelChoiceField[Any]):
    def label_from_instance(self, obj: Any) -> str:
        return _display_name(obj)


def offer(field: forms.ModelChoiceField[Any], objects: Iterable[Any]) -> None:
    """Offer `objects`, read once by the page that shows the form, rather than the field's
    own query, which Django runs again each time the form is drawn (on PostgreSQL through a
    server-side cursor: three round trips). What is submitted is still checked against the
    field's queryset."""
    options: list[tuple[Any, Any]] = [
        (field.prepare_value(obj), field.label_from_instance(obj)) for obj in objects
    ]
    field.choices = options if field.empty_label is None else [("", field.empty_label), *options]


class AssignForm(forms.Form):
    assignee = WorkerChoiceField(
        label=_("Assign to"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("Nobody"),
    )

    def __init__(self, *args: Any, people: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        field.queryset = workers()  # type: ignore[attr-defined]
        if people is not None:
            offer(field, people)  # type: ignore[arg-type]


class TransitionForm(forms.Form):
    expected_state = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_reason(self) -> str:
        return text.clean_text(self.cleaned_data["reason"], multiline=True)


class OutcomeForm(forms.Form):
    """The decision on one item: only the outcomes and grounds of the item's kind."""

    outcome = forms.ChoiceField(label=_("Outcome"))
    refusal_ground = forms.ChoiceField(
        label=_("Ground under the Act"),
        required=False,
        help_text=_("For not doing all that was asked, or doing it another way."),
    )
    reasons = forms.CharField(
        label=_("Reasons"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("In your own words; the letter quotes them (Art. 36)."),
    )
    measure = forms.CharField(
        label=_("The alternative measure taken"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Required with an alternative measure (Art. 35(2), (4)); the letter states it."
        ),
    )

    def __init__(self, *args: Any, item: RequestItem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item = item
        kind = item.kind
        self.fields["outcome"].choices = outcome_choices(kind)  # type: ignore[attr-defined]
        grounds = ground_choices(kind)
        if grounds:
            self.fields["refusal_ground"].choices = [  # type: ignore[attr-defined]
                ("", "—"),
                *grounds,
            ]
        else:
            del self.fields["refusal_ground"]
        if not any(rule.needs_measure for rule in rules_for(kind).outcomes):
            del self.fields["measure"]
        # Which grounds go with which outcome: the page shows only those that fit.
        self.grounds_by_outcome = grounds_by_outcome(kind)

    def clean_reasons(self) -> str:
        return text.clean_text(self.cleaned_data["reasons"], multiline=True)

    def clean_measure(self) -> str:
        return text.clean_text(self.cleaned_data.get("measure", ""), multiline=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        outcome = data.get("outcome", "")
        if not outcome:
            return data
        data.setdefault("refusal_ground", "")
        data.setdefault("measure", "")
        data["refusal_ground"] = data["refusal_ground"] or single_ground(self.item.kind, outcome)
        for field, message in decision_problems(
            kind=self.item.kind,
            outcome=outcome,
            ground=data["refusal_ground"],
            reasons=data.get("reasons", ""),
            measure=data["measure"],
        ).items():
            self.add_error(field if field in self.fields else None, message)
        return data

    def decision(self) -> dict[str, str]:
        """What the service takes (call after is_valid())."""
        data = self.cleaned_data
        return {
            "outcome": data["outcome"],
            "refusal_ground": data.get("refusal_ground", ""),
            "reasons": data.get("reasons", ""),
            "measure": data.get("measure", ""),
        }


def optional_comment() -> forms.CharField:
    """The optional comment a step of the case page takes with it (into the audit entry)."""
    return forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CommentForm(forms.Form):
    """A step's form with an optional comment, cleaned as free text."""

    def clean_reason(self) -> str:
        return text.clean_text(self.cleaned_data["reason"], multiline=True)


class ArrivalForm(CommentForm):
    """What the requester was asked for arrived: the day it arrived ends the wait."""

    expected_state = forms.CharField(widget=forms.HiddenInput)
    received_on = forms.DateField(
        label=_("Arrived on"),
        widget=DateInput(),
        help_text=_("The clock runs again from the day after."),
    )
    reason = optional_comment()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own ids on a page with other forms that take a reason.
        kwargs.setdefault("auto_id", "arrival_%s")
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("received_on", timezone.localdate())

    def clean_received_on(self) -> date:
        value: date = self.cleaned_data["received_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date it arrived cannot be in the future."))
        return value


class WrittenRequestForm(CommentForm):
    """The written request of a person who telephoned, e-mailed or called in arrived by post:
    the envelope's facts, as at intake. Its arrival date starts the deadline."""

    expected_state = forms.CharField(widget=forms.HiddenInput)
    arrival_date = forms.DateField(
        label=_("Arrival date (到達日)"),
        widget=DateInput(),
        help_text=_("The deadline and the Art. 39 date count from this day."),
    )
    postmark_date = forms.DateField(
        label=_("Postmark date (消印)"), widget=DateInput(), required=False
    )
    mail_type = forms.ChoiceField(label=_("How it came"), choices=MailType.choices)
    registered_mail_number = forms.CharField(
        label=_("Registered mail number"), max_length=32, required=False
    )
    reason = optional_comment()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "written_%s")
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("arrival_date", timezone.localdate())

    def clean_arrival_date(self) -> date:
        value: date = self.cleaned_data["arrival_date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The arrival date cannot be in the future."))
        return value

    def clean_registered_mail_number(self) -> str:
        return text.clean_reference_number(self.cleaned_data["registered_mail_number"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        arrival, postmark = data.get("arrival_date"), data.get("postmark_date")
        if arrival and postmark and postmark > arrival:
            self.add_error(
                "postmark_date", _("The postmark cannot be later than the arrival date.")
            )
        return data


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_body(self) -> str:
        value = text.clean_text(self.cleaned_data["body"], multiline=True)
        if not value:
            raise forms.ValidationError(_("A note cannot be empty."))
        return value


class FeePaymentForm(forms.Form):
    form = forms.ChoiceField(label=_("Form"), choices=FeeForm.choices)
    amount_yen = forms.IntegerField(label=_("Amount (yen)"), min_value=1, max_value=1_000_000)
    serial_number = forms.CharField(label=_("Serial number"), max_length=32, required=False)
    received_on = forms.DateField(label=_("Received on"), widget=DateInput())

    def clean_serial_number(self) -> str:
        return text.clean_reference_number(self.cleaned_data["serial_number"])

    def clean_received_on(self) -> date:
        value: date = self.cleaned_data["received_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date received cannot be in the future."))
        return value


class ExtensionForm(forms.Form):
    """Extend the due date (期限の延長): a new date or a number of business days, and why."""

    expected_state = forms.CharField(widget=forms.HiddenInput)
    new_due_date = forms.DateField(label=_("New due date"), widget=DateInput(), required=False)
    business_days = forms.IntegerField(
        label=_("Or extend by (business days)"), min_value=1, max_value=60, required=False
    )
    reason = forms.CharField(
        label=_("Reason (the requester is told)"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, case: Case, calendar: Any, **kwargs: Any) -> None:
        # Its own ids: the letters' form on the same page has a new due date too.
        kwargs.setdefault("auto_id", "extension_%s")
        super().__init__(*args, **kwargs)
        self.case = case
        self.calendar = calendar

    def clean_reason(self) -> str:
        value = text.clean_text(self.cleaned_data["reason"], multiline=True)
        if not value:
            raise forms.ValidationError(_("Please give a reason for this step."))
        return value

    def clean_new_due_date(self) -> date | None:
        value: date | None = self.cleaned_data.get("new_due_date")
        if value is not None:
            problems = extension_problems(
                value,
                current_due=self.case.due_date,
                today=timezone.localdate(),
                calendar=self.calendar,
            )
            if problems:
                raise forms.ValidationError(problems)
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        has_date = data.get("new_due_date") is not None
        has_days = data.get("business_days") is not None
        if has_date and has_days:
            self.add_error(
                "business_days", _("Give a new due date or a number of business days, not both.")
            )
        elif not has_date and not has_days and not self.has_error("new_due_date"):
            self.add_error("new_due_date", _("Give a new due date or a number of business days."))
        return data


class MonthInput(forms.TextInput):
    input_type = "month"


class DashboardForm(forms.Form):
    """The dashboard's filters: a period of whole months, a kind and an assignee."""

    MAX_MONTHS = 36

    first_month = forms.CharField(label=_("From (month)"), required=False, widget=MonthInput())
    last_month = forms.CharField(label=_("To (month)"), required=False, widget=MonthInput())
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            ("", str(_("All kinds"))),
            *[(value, str(label)) for value, label in RequestKind.choices],
        ]
        self.fields["assignee"].choices = [  # type: ignore[attr-defined]
            ("", str(_("Anyone"))),
            ("none", str(_("Nobody"))),
            *worker_choices(),
        ]

    def _month(self, name: str) -> date | None:
        raw = unicodedata.normalize("NFKC", self.cleaned_data.get(name) or "").strip()
        if not raw:
            return None
        try:
            year, month = (int(part) for part in raw.split("-"))
            return date(year, month, 1)
        except ValueError as exc:
            raise forms.ValidationError(
                _("Enter a month as year and month, for example 2026-04.")
            ) from exc

    def clean_first_month(self) -> date | None:
        return self._month("first_month")

    def clean_last_month(self) -> date | None:
        value = self._month("last_month")
        if value and value > self.today.replace(day=1):
            raise forms.ValidationError(_("The period cannot end after this month."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("first_month"), data.get("last_month")
        if first and last:
            if first > last:
                self.add_error("last_month", _("The period must not end before it starts."))
            elif (last.year - first.year) * 12 + last.month - first.month >= self.MAX_MONTHS:
                self.add_error(
                    "first_month",
                    _("Choose at most %(months)s months.") % {"months": self.MAX_MONTHS},
                )
        return data

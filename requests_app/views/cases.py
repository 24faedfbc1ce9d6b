"""The staff pages: case list, intake, the case page and the actions on it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from requests_app import selectors, services
from requests_app.business_calendar import load_calendar
from requests_app.case_page import case_page_context
from requests_app.errors import ServiceError
from requests_app.forms import (
    ArrivalForm,
    AssignForm,
    CaseDetailsForm,
    ExtensionForm,
    FeePaymentForm,
    IntakeForm,
    ListFilterForm,
    NoteForm,
    OutcomeForm,
    TransitionForm,
    WrittenRequestForm,
)
from requests_app.letters import services as letter_services
from requests_app.letters.forms import GuideEmailForm
from requests_app.models import Case, RequestItem
from requests_app.permissions import Capability
from requests_app.search import Term
from requests_app.views.base import (
    CapabilityRequiredMixin,
    detail_or_404,
    get_case_or_404,
    show_error,
    signed_in,
)

PAGE_SIZE = 25

# The services the case page's buttons call, by transition name. "Reply sent" usually happens
# by itself when the last reply letter is recorded as mailed (letters.services); its button
# is there for the rare case where that did not happen, and shows what is still missing.
# Extending the due date needs a date as well as reasons: it has its own form.
# Waiting on the requester begins when the request letter is recorded as mailed
# (case_record_request_mailed) and ends with the arrival form (services.ARRIVAL_SERVICES),
# which takes the day it arrived.
BUTTON_SERVICES: dict[str, Callable[..., Case]] = {
    "begin_identity_check": services.case_begin_identity_check,
    "verify_identity": services.case_verify_identity,
    "take_up_inquiry": services.case_take_up_inquiry,
    "start_work": services.case_start_work,
    "submit_for_approval": services.case_submit_for_approval,
    # The decision goes out with its letters: approving one approves the other (one step).
    "approve": letter_services.decision_approve,
    "return_for_rework": services.case_return_for_rework,
    "refuse": letter_services.decision_refuse,
    "record_reply_sent": services.case_record_reply_sent,
    "close": services.case_close,
    "withdraw": services.case_withdraw,
    "abandon": services.case_abandon,
}


class CaseListView(CapabilityRequiredMixin, View):
    capability = Capability.VIEW_CASES

    def get(self, request: HttpRequest) -> HttpResponse:
        # Every choice is in the URL, so a list can be bookmarked; with no state given the
        # page shows the open cases ("all" shows the closed, withdrawn and abandoned too).
        params = request.GET.copy()
        if not params.get("state"):
            params["state"] = "open"
        form = ListFilterForm(params, for_list=True)
        filters = selectors.CaseFilters(state="open")
        if form.is_valid():
            filters = _resolve_mine(form.filters(), request)
        sort = params.get("sort", selectors.DEFAULT_SORT)
        calendar, today = load_calendar(), timezone.localdate()
        paginator = Paginator(
            selectors.case_list(filters, today=today, calendar=calendar, sort=sort), PAGE_SIZE
        )
        page = paginator.get_page(params.get("page"))
        params.pop("page", None)
        rows = list(page.object_list)
        return render(
            request,
            "requests_app/case_list.html",
            {
                "form": form,
                "page": page,
                "rows": rows,
                "reasons": _search_reasons(filters, rows),
                "query": params.urlencode(),
                # What "Export these cases" carries: the same cases, "me" made explicit.
                "export_query": urlencode(filters.as_params()),
                "columns": _sort_columns(params, sort),
                "calendar": calendar,
                "today": today,
            },
        )


def _resolve_mine(filters: selectors.CaseFilters, request: HttpRequest) -> selectors.CaseFilters:
    """ "Me" and "me or nobody" in the URL stay as typed (a bookmark works for whoever opens
    it); the filters name the user."""
    me = signed_in(request).pk
    assignee = {"mine": str(me), "mine_or_none": f"{me}+none"}.get(filters.assignee)
    return replace(filters, assignee=assignee) if assignee else filters


def _search_reasons(filters: selectors.CaseFilters, rows: list[Any]) -> dict[int, list[str]]:
    """Why each case on the page matched the search (one query for the tracking numbers)."""
    if not filters.q:
        return {}
    term = Term.parse(filters.q)
    tracking = selectors.tracking_numbers(rows)
    return {case.pk: term.reasons(case, tracking[case.pk]) for case in rows}


SORTABLE = (
    ("reference", gettext_lazy("Reference")),
    ("arrival", gettext_lazy("Arrived")),
    ("due", gettext_lazy("Due")),
    ("state", gettext_lazy("State")),
    ("assignee", gettext_lazy("Assigned to")),
)


def _sort_columns(params: QueryDict, sort: str) -> dict[str, dict[str, str]]:
    """Per sortable column: the link that sorts by it (reversing it when it is the current
    sort) and its aria-sort value."""
    columns = {}
    for key, label in SORTABLE:
        current = sort.removeprefix("-") == key
        descending = sort.startswith("-")
        query = params.copy()
        query["sort"] = f"-{key}" if current and not descending else key
        columns[key] = {
            "label": str(label),
            "url": "?" + query.urlencode(),
            "aria": ("descending" if descending else "ascending") if current else "none",
        }
    return columns


class CaseCreateView(CapabilityRequiredMixin, View):
    capability = Capability.WORK_CASES

    def get(self, request: HttpRequest) -> HttpResponse:
        form = IntakeForm(actor=request.user)
        return render(request, "requests_app/case_form.html", {"form": form})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = IntakeForm(request.POST, actor=request.user)
        duplicates: list[Any] = []
        if form.is_valid():
            person = form.requester_data()
            duplicates = selectors.possible_duplicates(
                name=person.name, date_of_birth=person.date_of_birth, address=person.address
            )
            chosen = form.cleaned_data["repeat_of"]
            earlier = next((case for case in duplicates if case.reference == chosen), None)
            if duplicates and not form.cleaned_data["duplicates_checked"]:
                # Nothing is saved yet: staff see the earlier cases and decide.
                return render(
                    request,
                    "requests_app/case_form.html",
                    {"form": form, "duplicates": duplicates},
                )
            if chosen and earlier is None:
                form.add_error(None, _("Choose one of the earlier cases shown, or none."))
            else:
                try:
                    case = services.case_open(
                        actor=signed_in(request),
                        requester=person,
                        case_data=form.case_data(),
                        items=form.items(),
                        repeat_of=earlier,
                        contact=form.contact_data(),
                    )
                except ServiceError as error:
                    form.add_error(None, error.message)
                else:
                    messages.success(
                        request,
                        _("Case %(reference)s was opened.") % {"reference": case.reference},
                    )
                    return redirect("requests_app:case_detail", reference=case.reference)
        return render(
            request,
            "requests_app/case_form.html",
            {"form": form, "duplicates": duplicates},
            status=400,
        )


class CaseDetailView(CapabilityRequiredMixin, View):
    capability = Capability.VIEW_CASES

    def get(self, request: HttpRequest, reference: str) -> HttpResponse:
        case = detail_or_404(reference)
        services.case_record_view(case=case, actor=signed_in(request))
        return render(
            request, "requests_app/case_detail.html", case_page_context(case, request.user)
        )


def _back(case: Any, request: HttpRequest | None = None) -> HttpResponseRedirect:
    """Back to the case page, or to the page the form came from (`next`: the approval queue)
    when that is one of this site's own."""
    wanted = _next_page(request) if request is not None else ""
    return HttpResponseRedirect(
        wanted or reverse("requests_app:case_detail", args=[case.reference])
    )


def _next_page(request: HttpRequest) -> str:
    wanted = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if wanted and safe else ""


class CaseTransitionView(CapabilityRequiredMixin, View):
    """One button of the case page. The transition's own permission is checked by the service."""

    capability = Capability.WORK_CASES

    def post(self, request: HttpRequest, reference: str, name: str) -> HttpResponse:
        case = get_case_or_404(reference)
        service = BUTTON_SERVICES.get(name)
        form = TransitionForm(request.POST)
        if service is None or not form.is_valid():
            messages.error(request, _("That step is not available."))
            return _back(case, request)
        try:
            case = service(
                case=case,
                actor=signed_in(request),
                expected_state=form.cleaned_data["expected_state"],
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as error:
            show_error(request, error)
        else:
            text = (
                _("%(reference)s is now “%(state)s”.")
                if _next_page(request)
                else _("The case is now “%(state)s”.")
            )
            messages.success(
                request, text % {"reference": case.reference, "state": case.get_state_display()}
            )
        return _back(case, request)


class CaseEditView(CapabilityRequiredMixin, View):
    capability = Capability.WORK_CASES

    def get(self, request: HttpRequest, reference: str) -> HttpResponse:
        case = detail_or_404(reference)
        form = CaseDetailsForm(initial=CaseDetailsForm.initial_for(case))
        return render(request, "requests_app/case_edit.html", {"case": case, "form": form})

    def post(self, request: HttpRequest, reference: str) -> HttpResponse:
        case = get_case_or_404(reference)
        form = CaseDetailsForm(request.POST)
        if form.is_valid():
            try:
                services.case_update_details(
                    case=case,
                    actor=signed_in(request),
                    requester=form.requester_data(),
                    case_data=form.case_data(),
                )
            except ServiceError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("The details were saved."))
                return _back(case)
        return render(
            request, "requests_app/case_edit.html", {"case": case, "form": form}, status=400
        )


class CaseFormActionView(CapabilityRequiredMixin, View, ABC):
    """A small form on the case page: on error, the page is shown again with the messages."""

    capability = Capability.WORK_CASES
    form_class: Any
    form_name: str

    def post(self, request: HttpRequest, reference: str, **kwargs: Any) -> HttpResponse:
        case = get_case_or_404(reference)
        form = self.build_form(request, case, **kwargs)
        if form.is_valid():
            try:
                self.perform(request, case, form, **kwargs)
            except ServiceError as error:
                show_error(request, error)
            else:
                return _back(case)
        else:
            messages.error(request, _("Please correct the errors below."))
        detail = detail_or_404(reference)
        context = case_page_context(detail, request.user, **{self.form_name: form})
        if self.form_name.startswith("item"):
            context["outcome_forms"][kwargs["item_id"]] = form
        return render(request, "requests_app/case_detail.html", context, status=400)

    def build_form(self, request: HttpRequest, case: Any, **kwargs: Any) -> Any:
        return self.form_class(request.POST)

    @abstractmethod
    def perform(self, request: HttpRequest, case: Any, form: Any, **kwargs: Any) -> None:
        """Call the service with the cleaned form."""


class NoteCreateView(CaseFormActionView):
    form_class = NoteForm
    form_name = "note_form"

    def perform(self, request: HttpRequest, case: Any, form: Any, **kwargs: Any) -> None:
        services.note_add(case=case, actor=signed_in(request), body=form.cleaned_data["body"])
        messages.success(request, _("The note was added."))


class AssignView(CaseFormActionView):
    form_class = AssignForm
    form_name = "assign_form"

    def perform(self, request: HttpRequest, case: Any, form: Any, **kwargs: Any) -> None:
        services.case_assign(
            case=case, actor=signed_in(request), assignee=form.cleaned_data["assignee"]
        )
        messages.success(request, _("The case was reassigned."))


class FeePaymentView(CaseFormActionView):
    form_class = FeePaymentForm
    form_name = "fee_form"

    def perform(self, request: HttpRequest, case: Any, form: Any, **kwargs: Any) -> None:
        services.fee_record_payment(case=case, actor=signed_in(request), **form.cleaned_data)
        messages.success(request, _("The payment was recorded."))


class ItemOutcomeView(CaseFormActionView):
    form_class = OutcomeForm
    form_name = "item_form"

    def build_form(self, request: HttpRequest, case: Any, **kwargs: Any) -> Any:
        item = get_object_or_404(RequestItem, pk=kwargs["item_id"], case=case)
        return OutcomeForm(request.POST, item=item, prefix=f"item{item.pk}")

    def perform(self, request: HttpRequest, case: Any, form: Any, **kwargs: Any) -> None:
        services.item_record_outcome(item=form.item, actor=signed_in(request), **form.decision())
        messages.success(request, _("The outcome was recorded."))


class ArrivalView(CaseFormActionView):
    """What the requester was asked for arrived (documents or the completion of the request):
    its own form, as it needs the day it arrived."""

    form_class = ArrivalForm
    form_name = "arrival_form"

    def post(self, request: HttpRequest, reference: str, **kwargs: Any) -> HttpResponse:
        if kwargs.get("name") not in services.ARRIVAL_SERVICES:
            messages.error(request, _("That step is not available."))
            return _back(get_case_or_404(reference))
        return super().post(request, reference, **kwargs)

    def perform(self, request: HttpRequest, case: Any, form: Any, **kwargs: Any) -> None:
        case = services.ARRIVAL_SERVICES[kwargs["name"]](
            case=case,
            actor=signed_in(request),
            received_on=form.cleaned_data["received_on"],
            expected_state=form.cleaned_data["expected_state"],
            reason=form.cleaned_data["reason"],
        )
        messages.success(
            request, _("The case is now “%(state)s”.") % {"state": case.get_state_display()}
        )


class WrittenRequestView(CaseFormActionView):
    """The written request of a person who telephoned, e-mailed or called in arrived by post:
    its own form, as it needs the envelope's facts."""

    form_class = WrittenRequestForm
    form_name = "written_request_form"

    def perform(self, request: HttpRequest, case: Any, form: Any, **kwargs: Any) -> None:
        data = form.cleaned_data
        case = services.case_receive_written_request(
            case=case,
            actor=signed_in(request),
            arrival_date=data["arrival_date"],
            postmark_date=data["postmark_date"],
            mail_type=data["mail_type"],
            registered_mail_number=data["registered_mail_number"],
            expected_state=data["expected_state"],
            reason=data["reason"],
        )
        messages.success(
            request,
            _("The written request is logged; the case is now “%(state)s”, due %(date)s.")
            % {"state": case.get_state_display(), "date": case.due_date.isoformat()},
        )


class GuideEmailedView(CaseFormActionView):
    """The procedure guide was sent by e-mail to a person who e-mailed their request."""

    form_class = GuideEmailForm
    form_name = "guide_email_form"

    def perform(self, request: HttpRequest, case: Any, form: Any, **kwargs: Any) -> None:
        services.case_record_guide_emailed(
            case=case, actor=signed_in(request), sent_at=form.cleaned_data["sent_at"]
        )
        messages.success(request, _("The e-mail is recorded as sent."))


class ExtendDeadlineView(CaseFormActionView):
    """Extend the due date: its own form, as it needs a date as well as the reasons."""

    form_class = ExtensionForm
    form_name = "extension_form"

    def build_form(self, request: HttpRequest, case: Any, **kwargs: Any) -> Any:
        return ExtensionForm(request.POST, case=case, calendar=load_calendar())

    def perform(self, request: HttpRequest, case: Any, form: Any, **kwargs: Any) -> None:
        case = letter_services.deadline_extend_with_notice(
            case=case,
            actor=signed_in(request),
            reason=form.cleaned_data["reason"],
            new_due_date=form.cleaned_data["new_due_date"],
            business_days=form.cleaned_data["business_days"],
            expected_state=form.cleaned_data["expected_state"],
        )
        messages.success(
            request,
            _("The due date is now %(date)s.") % {"date": case.due_date.isoformat()},
        )

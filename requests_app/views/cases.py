"""The staff pages: case list, intake, the case page and the actions on it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
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
)
from requests_app.letters import services as letter_services
from requests_app.models import RequestItem
from requests_app.permissions import Capability
from requests_app.views.base import (
    CapabilityRequiredMixin,
    detail_or_404,
    get_case_or_404,
    show_error,
    signed_in,
)

PAGE_SIZE = 25


class CaseListView(CapabilityRequiredMixin, View):
    capability = Capability.VIEW_CASES

    def get(self, request: HttpRequest) -> HttpResponse:
        form = ListFilterForm(request.GET or None)
        filters = selectors.CaseFilters()
        if form.is_bound and form.is_valid():
            filters = form.filters()
        calendar, today = load_calendar(), timezone.localdate()
        paginator = Paginator(
            selectors.case_list(filters, today=today, calendar=calendar), PAGE_SIZE
        )
        page = paginator.get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "requests_app/case_list.html",
            {
                "form": form,
                "page": page,
                "query": query.urlencode(),
                "calendar": calendar,
                "today": today,
            },
        )


class CaseCreateView(CapabilityRequiredMixin, View):
    capability = Capability.WORK_CASES

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "requests_app/case_form.html", {"form": IntakeForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = IntakeForm(request.POST)
        if form.is_valid():
            try:
                case = services.case_open(
                    actor=signed_in(request),
                    requester=form.requester_data(),
                    case_data=form.case_data(),
                    items=form.items(),
                )
            except ServiceError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request, _("Case %(reference)s was opened.") % {"reference": case.reference}
                )
                return redirect("requests_app:case_detail", reference=case.reference)
        return render(request, "requests_app/case_form.html", {"form": form}, status=400)


class CaseDetailView(CapabilityRequiredMixin, View):
    capability = Capability.VIEW_CASES

    def get(self, request: HttpRequest, reference: str) -> HttpResponse:
        case = detail_or_404(reference)
        services.case_record_view(case=case, actor=signed_in(request))
        return render(
            request, "requests_app/case_detail.html", case_page_context(case, request.user)
        )


def _back(case: Any) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("requests_app:case_detail", args=[case.reference]))


class CaseTransitionView(CapabilityRequiredMixin, View):
    """One button of the case page. The transition's own permission is checked by the service."""

    capability = Capability.WORK_CASES

    def post(self, request: HttpRequest, reference: str, name: str) -> HttpResponse:
        case = get_case_or_404(reference)
        service = services.BUTTON_SERVICES.get(name)
        form = TransitionForm(request.POST)
        if service is None or not form.is_valid():
            messages.error(request, _("That step is not available."))
            return _back(case)
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
            messages.success(
                request, _("The case is now “%(state)s”.") % {"state": case.get_state_display()}
            )
        return _back(case)


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

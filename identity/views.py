"""Identity pages: the case page's identity section and its forms, scans, and shredding."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from identity import scans, selectors, services
from identity.forms import GuardianForm, MaskingForm, ReceivedDocumentForm, WithdrawForm
from identity.models import ReceivedDocument
from requests_app.case_page import case_page_context
from requests_app.errors import ServiceError
from requests_app.models import Case
from requests_app.permissions import Capability, has_capability
from requests_app.views.base import (
    CapabilityRequiredMixin,
    detail_or_404,
    get_case_or_404,
    signed_in,
)

# --- the forms of the section ------------------------------------------------------------


def _back(case: Case) -> HttpResponseRedirect:
    return HttpResponseRedirect(
        reverse("requests_app:case_detail", args=[case.reference]) + "#identity"
    )


def _add_service_error(form: Any, error: ServiceError) -> None:
    form.add_error(None, error.message)
    for detail in error.details:
        form.add_error(None, detail)


class IdentityActionView(CapabilityRequiredMixin, View, ABC):
    """A form of the identity section. On error the case page is shown again, with the form
    and its messages where they were typed, and nothing is saved."""

    capability = Capability.WORK_CASES

    def post(self, request: HttpRequest, reference: str, **kwargs: Any) -> HttpResponse:
        case = get_case_or_404(reference)
        document = self.document(case, **kwargs)
        form = self.build_form(request, case, document)
        if form.is_valid():
            try:
                self.perform(request, case, document, form)
            except ServiceError as error:
                _add_service_error(form, error)
            else:
                return _back(case)
        messages.error(request, _("Nothing was saved. Please correct the marked fields."))
        return self.render_again(request, reference, document, form)

    def document(self, case: Case, **kwargs: Any) -> ReceivedDocument | None:
        if "document_id" not in kwargs:
            return None
        return get_object_or_404(ReceivedDocument, pk=kwargs["document_id"], case=case)

    def render_again(
        self, request: HttpRequest, reference: str, document: ReceivedDocument | None, form: Any
    ) -> HttpResponse:
        detail = detail_or_404(reference)
        context = case_page_context(detail, request.user)
        self.put_back(context, document, form)
        return render(request, "requests_app/case_detail.html", context, status=400)

    @abstractmethod
    def build_form(self, request: HttpRequest, case: Case, document: Any) -> Any:
        """The bound form."""

    @abstractmethod
    def perform(self, request: HttpRequest, case: Case, document: Any, form: Any) -> None:
        """Call the service with the cleaned form."""

    @abstractmethod
    def put_back(self, context: dict[str, Any], document: Any, form: Any) -> None:
        """Place the form with its errors where the page shows it."""


def _put_back_on_row(context: dict[str, Any], document: Any, attribute: str, form: Any) -> None:
    for row in context.get("identity_rows", []):
        if row.document.pk == document.pk:
            setattr(row, attribute, form)


# Nothing a person typed off a document may reach an error report or log.
@method_decorator(sensitive_post_parameters(), name="dispatch")
class DocumentCreateView(IdentityActionView):
    def build_form(self, request: HttpRequest, case: Case, document: Any) -> Any:
        return ReceivedDocumentForm(request.POST, request.FILES, case=case, user=request.user)

    def perform(self, request: HttpRequest, case: Case, document: Any, form: Any) -> None:
        arguments = form.service_arguments()
        services.document_record(case=case, actor=signed_in(request), **arguments)
        messages.success(request, _("The document was logged."))
        scan = arguments["scan"]
        if scan is not None and scan.removed:
            messages.warning(request, scans.removed_message(scan.removed))

    def put_back(self, context: dict[str, Any], document: Any, form: Any) -> None:
        context["document_form"] = form
        context["document_form_open"] = True


@method_decorator(sensitive_post_parameters(), name="dispatch")
class DocumentWithdrawView(IdentityActionView):
    def build_form(self, request: HttpRequest, case: Case, document: Any) -> Any:
        return WithdrawForm(request.POST, document=document)

    def perform(self, request: HttpRequest, case: Case, document: Any, form: Any) -> None:
        services.document_withdraw(
            document=document, actor=signed_in(request), reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("The document was withdrawn."))

    def put_back(self, context: dict[str, Any], document: Any, form: Any) -> None:
        _put_back_on_row(context, document, "withdraw_form", form)


class MaskingConfirmView(IdentityActionView):
    def build_form(self, request: HttpRequest, case: Case, document: Any) -> Any:
        return MaskingForm(request.POST, document=document, user=request.user)

    def perform(self, request: HttpRequest, case: Case, document: Any, form: Any) -> None:
        services.masking_confirm(
            document=document,
            actor=signed_in(request),
            masking=form.cleaned_data["masking"],
            method=form.cleaned_data["method"],
            confirmed_by=form.cleaned_data["confirmed_by"],
        )
        messages.success(request, _("The masking was recorded."))

    def put_back(self, context: dict[str, Any], document: Any, form: Any) -> None:
        _put_back_on_row(context, document, "masking_form", form)


class DocumentDestroyView(CapabilityRequiredMixin, View):
    """Destroy a copy at once (e.g. a My Number card's back that cannot be masked)."""

    capability = Capability.WORK_CASES

    def post(self, request: HttpRequest, reference: str, document_id: int) -> HttpResponse:
        case = get_case_or_404(reference)
        document = get_object_or_404(ReceivedDocument, pk=document_id, case=case)
        try:
            services.document_destroy_copy(document=document, actor=signed_in(request))
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The copy is recorded as destroyed."))
        return _back(case)


@method_decorator(sensitive_post_parameters(), name="dispatch")
class GuardianView(IdentityActionView):
    def build_form(self, request: HttpRequest, case: Case, document: Any) -> Any:
        return GuardianForm(request.POST, case=case)

    def perform(self, request: HttpRequest, case: Case, document: Any, form: Any) -> None:
        services.guardian_record(case=case, actor=signed_in(request), data=form.data_object())
        messages.success(request, _("The parent or guardian was recorded."))

    def put_back(self, context: dict[str, Any], document: Any, form: Any) -> None:
        context["guardian_form"] = form


# --- the scan ------------------------------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class DocumentScanView(CapabilityRequiredMixin, View):
    """The decrypted scan, for staff only (auditors are refused); every viewing is audited.

    Shown inline, in the browser's own PDF or image viewer: what is stored carries no active
    content (identity/scans.py cleans every upload), and the type is the one its content
    was judged to be, never to be sniffed again.
    """

    capability = Capability.WORK_CASES
    disposition = "inline"

    def get(self, request: HttpRequest, reference: str, document_id: int) -> HttpResponse:
        case = get_case_or_404(reference)
        document = get_object_or_404(ReceivedDocument, pk=document_id, case=case)
        if not document.has_scan:
            messages.error(request, _("This document has no stored scan."))
            return _back(case)
        scan = services.scan_read(
            document=document,
            actor=signed_in(request),
            download=self.disposition == "attachment",
        )
        response = HttpResponse(scan.content, content_type=scan.content_type)
        response["Content-Disposition"] = (
            f'{self.disposition}; filename="{scans.file_name(document.pk, scan.content_type)}"'
        )
        response["X-Content-Type-Options"] = "nosniff"
        # Shown, never kept: no copy in a browser or proxy cache.
        response["Cache-Control"] = "no-store, private"
        return response


class DocumentScanDownloadView(DocumentScanView):
    """The same scan as a file to save (an attachment); every download is audited."""

    disposition = "attachment"


# --- paper copies to shred ----------------------------------------------------------------


RECENT_DAYS = 31


class ShreddingListView(CapabilityRequiredMixin, View):
    """Paper copies whose destruction date has passed, and the shredding recently confirmed."""

    capability = Capability.VIEW_CASES

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "identity/shredding.html", _shredding_context(request))


def _shredding_context(request: HttpRequest) -> dict[str, Any]:
    return {
        "due": list(selectors.paper_copies_to_shred()),
        "recent": list(selectors.recently_shredded(days=RECENT_DAYS)),
        "recent_days": RECENT_DAYS,
        "can_work": has_capability(request.user, Capability.WORK_CASES),
    }


class ShreddingConfirmView(CapabilityRequiredMixin, View):
    capability = Capability.WORK_CASES

    def post(self, request: HttpRequest, document_id: int) -> HttpResponse:
        document = get_object_or_404(ReceivedDocument, pk=document_id)
        try:
            services.paper_confirm_shredded(document=document, actor=signed_in(request))
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Shredding of the paper copy for case %(reference)s is confirmed.")
                % {"reference": document.case.reference},
            )
        return HttpResponseRedirect(reverse("identity:shredding"))

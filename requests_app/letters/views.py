"""Letter pages: the case page's letters section, a letter's own page (preview inline,
download, approve, record mailing or a return), and batches for the post room."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from csp.decorators import csp_replace
from django import forms
from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.clickjacking import xframe_options_sameorigin

from requests_app.case_page import case_page_context
from requests_app.errors import ServiceError
from requests_app.letters import selectors, services
from requests_app.letters.forms import (
    BatchMailingForm,
    BatchRequestForm,
    ChangeForm,
    DisclosedRecordsForm,
    LetterRequestForm,
    MailingForm,
    RecordEditForm,
    ReturnedForm,
)
from requests_app.letters.kinds import LetterKind
from requests_app.letters.models import (
    DisclosedRecord,
    ItemChange,
    Letter,
    LetterBatch,
    LetterStatus,
)
from requests_app.models import Case, RequestItem
from requests_app.permissions import Capability, has_capability
from requests_app.views.base import (
    CapabilityRequiredMixin,
    detail_or_404,
    get_case_or_404,
    show_error,
    signed_in,
)


def _back(case: Case, anchor: str = "letters") -> HttpResponseRedirect:
    url = reverse("requests_app:case_detail", args=[case.reference])
    return HttpResponseRedirect(f"{url}#{anchor}")


def _case_page(request: HttpRequest, case: Case, **overrides: Any) -> HttpResponse:
    detail = detail_or_404(case.reference)
    context = case_page_context(detail, request.user, **overrides)
    return render(request, "requests_app/case_detail.html", context, status=400)


class LetterRequestView(CapabilityRequiredMixin, View):
    capability = Capability.WORK_CASES

    def post(self, request: HttpRequest, reference: str) -> HttpResponse:
        case = detail_or_404(reference)
        form = LetterRequestForm(request.POST, kinds=selectors.available_kinds(case))
        if form.is_valid():
            try:
                letter = services.letter_request(
                    case=case,
                    actor=signed_in(request),
                    kind=form.cleaned_data["kind"],
                    language=form.cleaned_data["language"],
                    extension=form.extension(),
                    completion=form.cleaned_data["completion"]
                    if form.cleaned_data["kind"] == LetterKind.DEFICIENCY
                    else "",
                )
            except ServiceError as error:
                show_error(request, error)
            else:
                messages.success(
                    request,
                    _("Letter %(number)s is being generated.") % {"number": letter.number},
                )
                return _back(case)
        else:
            messages.error(request, _("Please correct the errors below."))
        return _case_page(request, case, letter_form=form)


class ItemFormView(CapabilityRequiredMixin, View, ABC):
    """Adds what a letter will say to one request item: data found or a change made."""

    capability = Capability.WORK_CASES
    form_class: Any
    prefix: str
    success: Any  # a lazy message

    def post(self, request: HttpRequest, reference: str, item_id: int) -> HttpResponse:
        case = get_case_or_404(reference)
        item = get_object_or_404(RequestItem, pk=item_id, case=case)
        form = self.form_class(request.POST, prefix=f"{self.prefix}{item.pk}")
        if form.is_valid():
            try:
                self.perform(request, item, form)
            except ServiceError as error:
                show_error(request, error)
            else:
                messages.success(request, str(self.success))
                return _back(case, f"item-records-{item.pk}")
        else:
            messages.error(request, _("Please correct the errors below."))
        return _case_page(request, case, letters_item_form=(item.pk, form))

    @abstractmethod
    def perform(self, request: HttpRequest, item: RequestItem, form: Any) -> None:
        """Call the service with the cleaned form."""


class RecordsAddView(ItemFormView):
    form_class = DisclosedRecordsForm
    prefix = "records"
    success = gettext_lazy("The rows were added.")

    def perform(self, request: HttpRequest, item: RequestItem, form: Any) -> None:
        services.item_add_disclosed_records(
            item=item, actor=signed_in(request), rows=form.records()
        )


class ChangeAddView(ItemFormView):
    form_class = ChangeForm
    prefix = "change"
    success = gettext_lazy("The change was recorded.")

    def perform(self, request: HttpRequest, item: RequestItem, form: Any) -> None:
        services.item_add_change(item=item, actor=signed_in(request), **form.cleaned_data)


class _ItemRowRemoveView(CapabilityRequiredMixin, View):
    """Remove one row an item's letter will report (a disclosed record or a change)."""

    capability = Capability.WORK_CASES
    model: type[DisclosedRecord] | type[ItemChange]
    removed: Any  # the message shown once it is gone
    remove: Callable[[Any, Any], None]  # the service that removes it: (row, actor)

    def post(self, request: HttpRequest, reference: str, item_id: int, pk: int) -> HttpResponse:
        case = get_case_or_404(reference)
        row = get_object_or_404(self.model, pk=pk, item_id=item_id, item__case=case)
        try:
            self.remove(row, request.user)
        except ServiceError as error:
            show_error(request, error)
        else:
            messages.success(request, self.removed)
        return _back(case, f"item-records-{item_id}")


class RecordRemoveView(_ItemRowRemoveView):
    model = DisclosedRecord
    removed = gettext_lazy("The row was removed.")

    @staticmethod
    def remove(row: Any, actor: Any) -> None:
        services.item_remove_disclosed_record(record=row, actor=actor)


class RecordEditView(CapabilityRequiredMixin, View):
    """Reword one row of the data found (for instance a department's finding) before the
    disclosure letter is approved."""

    capability = Capability.WORK_CASES

    def post(self, request: HttpRequest, reference: str, item_id: int, pk: int) -> HttpResponse:
        case = get_case_or_404(reference)
        record = get_object_or_404(DisclosedRecord, pk=pk, item_id=item_id, item__case=case)
        form = RecordEditForm(request.POST, prefix=f"edit{record.pk}")
        if form.is_valid():
            try:
                services.item_edit_disclosed_record(
                    record=record, actor=signed_in(request), row=form.row()
                )
            except ServiceError as error:
                show_error(request, error)
            else:
                messages.success(request, _("The row was changed."))
        else:
            messages.error(
                request, _("The row was not changed: give the category, the item and the content.")
            )
        return _back(case, f"item-records-{item_id}")


class RecordExcludeView(_ItemRowRemoveView):
    """Mark a record of provision as excluded by the Cabinet Order (or no longer)."""

    model = DisclosedRecord
    removed = gettext_lazy("The record was marked.")

    def post(self, request: HttpRequest, reference: str, item_id: int, pk: int) -> HttpResponse:
        self.excluded = request.POST.get("excluded") == "1"
        return super().post(request, reference, item_id, pk)

    def remove(self, row: Any, actor: Any) -> None:
        services.disclosed_record_mark_excluded(record=row, actor=actor, excluded=self.excluded)


class ChangeRemoveView(_ItemRowRemoveView):
    model = ItemChange
    removed = gettext_lazy("The change was removed.")

    @staticmethod
    def remove(row: Any, actor: Any) -> None:
        services.item_remove_change(change=row, actor=actor)


class LetterStatusView(CapabilityRequiredMixin, View):
    """How many of the case's letters are still being generated (polled by the case page)."""

    capability = Capability.VIEW_CASES

    def get(self, request: HttpRequest, reference: str) -> JsonResponse:
        case = get_case_or_404(reference)
        pending = Letter.objects.filter(case=case, status=LetterStatus.PENDING).count()
        return JsonResponse({"pending": pending})


# --- one letter ------------------------------------------------------------------------------


def _letter_or_404(case: Case, pk: int) -> Letter:
    return get_object_or_404(Letter.objects.select_related("case"), pk=pk, case=case)


def letter_page_context(
    request: HttpRequest, case: Case, letter: Letter, **forms: Any
) -> dict[str, Any]:
    letters = selectors.case_letters(case)
    row = next(
        found
        for found in selectors.letter_rows(case, letters, request.user)
        if found.letter == letter
    )
    context: dict[str, Any] = {
        "case": case,
        "letter": letter,
        "row": row,
        "versions": [found for found in letters if found.kind == letter.kind],
        "mailing_form": MailingForm(prefix="mailing") if row.can_mail else None,
        # What the approver must know and the person must never read (Enforcement Order
        # Art. 11): records of provision left out of a disclosure without mention.
        "excluded_records": selectors.records_excluded_by_order(case)
        if letter.kind == LetterKind.DISCLOSURE
        and has_capability(request.user, Capability.APPROVE_DECISIONS)
        else [],
        "returned_form": ReturnedForm(prefix="returned") if row.can_return else None,
    }
    context.update(forms)
    return context


class LetterDetailView(CapabilityRequiredMixin, View):
    capability = Capability.VIEW_CASES

    def get(self, request: HttpRequest, reference: str, pk: int) -> HttpResponse:
        case = get_case_or_404(reference)
        letter = _letter_or_404(case, pk)
        return render(
            request, "letters/letter_detail.html", letter_page_context(request, case, letter)
        )


def _verified_bytes(name: str, sha256: str) -> bytes:
    """The stored file, only if it is still exactly what was generated."""
    with default_storage.open(name, "rb") as stored:
        data: bytes = stored.read()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError(name)
    return data


def _pdf_response(request: HttpRequest, letter: Letter, *, inline: bool) -> HttpResponse:
    if not letter.is_ready or not letter.file:
        raise Http404
    try:
        data = _verified_bytes(letter.file.name, letter.sha256)
    except (OSError, ValueError):
        return HttpResponse(
            _(
                "The stored file of letter %(number)s is missing or does not match its "
                "SHA-256 in the register. Generate the letter again and tell the administrator."
            )
            % {"number": letter.number},
            status=409,
            content_type="text/plain; charset=utf-8",
        )
    services.letter_record_access(
        letter=letter, actor=signed_in(request), how="preview" if inline else "download"
    )
    response = HttpResponse(data, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{letter.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@method_decorator(xframe_options_sameorigin, name="dispatch")
@method_decorator(csp_replace({"frame-ancestors": ["'self'"]}), name="dispatch")
class LetterPreviewView(CapabilityRequiredMixin, View):
    """The PDF inline, for the preview frame on the letter's page (same origin only: both
    X-Frame-Options and the Content-Security-Policy's frame-ancestors say so)."""

    capability = Capability.VIEW_CASES

    def get(self, request: HttpRequest, reference: str, pk: int) -> HttpResponse:
        case = get_case_or_404(reference)
        return _pdf_response(request, _letter_or_404(case, pk), inline=True)


class LetterDownloadView(CapabilityRequiredMixin, View):
    capability = Capability.VIEW_CASES

    def get(self, request: HttpRequest, reference: str, pk: int) -> HttpResponse:
        case = get_case_or_404(reference)
        return _pdf_response(request, _letter_or_404(case, pk), inline=False)


def _letter_back(letter: Letter) -> HttpResponseRedirect:
    return redirect("requests_app:letter_detail", reference=letter.case.reference, pk=letter.pk)


class LetterApproveView(CapabilityRequiredMixin, View):
    capability = Capability.APPROVE_DECISIONS

    def post(self, request: HttpRequest, reference: str, pk: int) -> HttpResponse:
        letter = _letter_or_404(get_case_or_404(reference), pk)
        try:
            services.letter_approve(letter=letter, actor=signed_in(request))
        except ServiceError as error:
            show_error(request, error)
        else:
            messages.success(
                request, _("Letter %(number)s is approved.") % {"number": letter.number}
            )
        return _letter_back(letter)


class LetterRetryView(CapabilityRequiredMixin, View):
    capability = Capability.WORK_CASES

    def post(self, request: HttpRequest, reference: str, pk: int) -> HttpResponse:
        letter = _letter_or_404(get_case_or_404(reference), pk)
        try:
            services.letter_retry(letter=letter, actor=signed_in(request))
        except ServiceError as error:
            show_error(request, error)
        else:
            messages.success(
                request,
                _("Letter %(number)s is being generated again.") % {"number": letter.number},
            )
        return _letter_back(letter)


class _LetterFormView(CapabilityRequiredMixin, View, ABC):
    """Post one of the letter page's forms to its service; on bad input, the page again (400)."""

    capability = Capability.WORK_CASES
    form_class: type[forms.Form]
    prefix: str  # also the form's name in the page context: "<prefix>_form"

    @abstractmethod
    def save(self, letter: Letter, actor: Any, data: dict[str, Any]) -> None: ...

    @abstractmethod
    def announce(self, request: HttpRequest, case: Case, letter: Letter) -> None: ...

    def post(self, request: HttpRequest, reference: str, pk: int) -> HttpResponse:
        case = get_case_or_404(reference)
        letter = _letter_or_404(case, pk)
        form = self.form_class(request.POST, prefix=self.prefix)
        if form.is_valid():
            try:
                self.save(letter, request.user, form.cleaned_data)
            except ServiceError as error:
                show_error(request, error)
            else:
                self.announce(request, case, letter)
                return _letter_back(letter)
        else:
            messages.error(request, _("Please correct the errors below."))
        context = letter_page_context(request, case, letter, **{f"{self.prefix}_form": form})
        return render(request, "letters/letter_detail.html", context, status=400)


class LetterMailingView(_LetterFormView):
    form_class = MailingForm
    prefix = "mailing"

    def save(self, letter: Letter, actor: Any, data: dict[str, Any]) -> None:
        services.letter_record_mailing(letter=letter, actor=actor, **data)

    def announce(self, request: HttpRequest, case: Case, letter: Letter) -> None:
        case.refresh_from_db()
        messages.success(
            request,
            _("Letter %(number)s is recorded as mailed. The case is “%(state)s”.")
            % {"number": letter.number, "state": case.get_state_display()},
        )


class LetterReturnedView(_LetterFormView):
    form_class = ReturnedForm
    prefix = "returned"

    def save(self, letter: Letter, actor: Any, data: dict[str, Any]) -> None:
        services.letter_record_returned(letter=letter, actor=actor, **data)

    def announce(self, request: HttpRequest, case: Case, letter: Letter) -> None:
        messages.warning(
            request,
            _("Letter %(number)s is recorded as returned undeliverable.")
            % {"number": letter.number},
        )


# --- batches -------------------------------------------------------------------------------


class BatchListView(CapabilityRequiredMixin, View):
    capability = Capability.VIEW_CASES

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "letters/batch_list.html", self.context(request))

    @staticmethod
    def context(request: HttpRequest, form: Any = None) -> dict[str, Any]:
        can_work = has_capability(request.user, Capability.WORK_CASES)
        return {
            "due": selectors.due_counts(),
            "batches": selectors.recent_batches(),
            "form": (form or BatchRequestForm()) if can_work else None,
        }


class BatchCreateView(CapabilityRequiredMixin, View):
    capability = Capability.WORK_CASES

    def post(self, request: HttpRequest) -> HttpResponse:
        form = BatchRequestForm(request.POST)
        if form.is_valid():
            try:
                outcome = services.batch_request(actor=signed_in(request), **form.cleaned_data)
            except ServiceError as error:
                show_error(request, error)
            else:
                messages.success(
                    request,
                    _("%(count)s letters are being generated.") % {"count": outcome.batch.total},
                )
                for reference, why in outcome.skipped:
                    messages.warning(request, f"{reference}: {why}")
                return redirect("requests_app:letter_batch", pk=outcome.batch.pk)
        context = BatchListView.context(request, form)
        return render(request, "letters/batch_list.html", context, status=400)


class BatchDetailView(CapabilityRequiredMixin, View):
    capability = Capability.VIEW_CASES

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return render(request, "letters/batch_detail.html", self.context(request, pk))

    @staticmethod
    def context(request: HttpRequest, pk: int, form: Any = None) -> dict[str, Any]:
        batch = get_object_or_404(LetterBatch.objects.select_related("requested_by"), pk=pk)
        letters = selectors.batch_letters(batch)
        can_work = has_capability(request.user, Capability.WORK_CASES)
        unmailed = [letter for letter in letters if letter.is_ready and not letter.is_mailed]
        return {
            "batch": batch,
            "letters": letters,
            "mailing_form": (form or BatchMailingForm())
            if can_work and batch.is_finished and unmailed
            else None,
            "can_resume": can_work and batch.can_resume,
        }


class BatchPdfView(CapabilityRequiredMixin, View):
    capability = Capability.VIEW_CASES

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        batch = get_object_or_404(LetterBatch, pk=pk)
        if not batch.file:
            raise Http404
        try:
            data = _verified_bytes(batch.file.name, batch.sha256)
        except (OSError, ValueError):
            return HttpResponse(
                _("The stored post-room PDF is missing or does not match its SHA-256."),
                status=409,
                content_type="text/plain; charset=utf-8",
            )
        services.batch_record_download(batch=batch, actor=signed_in(request))
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="letters-batch-{batch.pk}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response


class BatchMailingView(CapabilityRequiredMixin, View):
    capability = Capability.WORK_CASES

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        batch = get_object_or_404(LetterBatch, pk=pk)
        form = BatchMailingForm(request.POST)
        if form.is_valid():
            try:
                count = services.batch_record_mailing(
                    batch=batch, actor=signed_in(request), sent_on=form.cleaned_data["sent_on"]
                )
            except ServiceError as error:
                show_error(request, error)
            else:
                messages.success(
                    request, _("%(count)s letters are recorded as mailed.") % {"count": count}
                )
                return redirect("requests_app:letter_batch", pk=batch.pk)
        context = BatchDetailView.context(request, pk, form)
        return render(request, "letters/batch_detail.html", context, status=400)


class BatchRequeueView(CapabilityRequiredMixin, View):
    """Start again a batch waiting for a worker, or one whose worker stopped."""

    capability = Capability.WORK_CASES

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        batch = get_object_or_404(LetterBatch, pk=pk)
        try:
            services.batch_resume(batch=batch, actor=signed_in(request))
        except ServiceError as error:
            show_error(request, error)
        else:
            messages.success(
                request,
                _(
                    "The batch will go on shortly. Letters already stored are kept; if the "
                    "task queue cannot be reached now, the batch is queued within minutes."
                ),
            )
        return redirect("requests_app:letter_batch", pk=batch.pk)

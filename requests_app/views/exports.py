"""Exports: ask for a bundle, watch it being built, download it; a case's dossier as PDF."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views import View

from requests_app.errors import ServiceError
from requests_app.exports import services
from requests_app.exports.bundle import Criteria
from requests_app.exports.forms import ExportForm
from requests_app.exports.models import Export, ExportStatus
from requests_app.permissions import Capability, allow_read_only_roles
from requests_app.views.base import CapabilityRequiredMixin, get_case_or_404, signed_in


def _language() -> str:
    return (get_language() or "ja").split("-")[0]


@allow_read_only_roles
class ExportListView(CapabilityRequiredMixin, View):
    """The export page: the form (prefilled from the case list's filters) and past exports.

    Auditors are read-only, but asking for an export is theirs to do: the view is marked
    for read-only roles, and the service checks the export capability itself.
    """

    capability = Capability.EXPORT_HISTORIES

    def get(self, request: HttpRequest) -> HttpResponse:
        initial: dict[str, Any] = ExportForm.default_period()
        initial.update({key: value for key, value in request.GET.items() if value})
        form = ExportForm(initial=initial)
        return self._page(request, form)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ExportForm(request.POST)
        if form.is_valid():
            try:
                export = services.export_request(
                    actor=signed_in(request), criteria=form.criteria(), language=_language()
                )
            except ServiceError as error:
                form.add_error(None, error.message)
            else:
                return redirect("requests_app:export_detail", export_id=export.pk)
        return self._page(request, form, status=400)

    def _page(self, request: HttpRequest, form: ExportForm, status: int = 200) -> HttpResponse:
        return render(
            request,
            "exports/export_list.html",
            {"form": form, "exports": services.user_exports(request.user)},
            status=status,
        )


def _own_export(request: HttpRequest, export_id: int) -> Export:
    export = services.export_for(request.user, export_id)
    if export is None:
        raise Http404
    return export


class ExportDetailView(CapabilityRequiredMixin, View):
    capability = Capability.EXPORT_HISTORIES

    def get(self, request: HttpRequest, export_id: int) -> HttpResponse:
        export = _own_export(request, export_id)
        return render(
            request,
            "exports/export_detail.html",
            {"export": export, "criteria": Criteria.from_json(export.filters)},
        )


class ExportStatusView(CapabilityRequiredMixin, View):
    """The export's progress, for the page's progress bar to poll."""

    capability = Capability.EXPORT_HISTORIES

    def get(self, request: HttpRequest, export_id: int) -> JsonResponse:
        export = _own_export(request, export_id)
        data: dict[str, Any] = {
            "status": export.status,
            "label": export.get_status_display(),
            "percent": export.percent,
            "done": export.progress_done,
            "total": export.progress_total,
            "cases": export.case_count,
            "events": export.event_count,
        }
        if export.status == ExportStatus.DONE:
            data["download_url"] = reverse(
                "requests_app:export_download", kwargs={"export_id": export.pk}
            )
            data["manifest_sha256"] = export.manifest_sha256
        return JsonResponse(data, headers={"Cache-Control": "no-store"})


class ExportDownloadView(CapabilityRequiredMixin, View):
    capability = Capability.EXPORT_HISTORIES

    def get(self, request: HttpRequest, export_id: int) -> FileResponse:
        export = _own_export(request, export_id)
        try:
            handle = services.export_open_download(export=export, actor=signed_in(request))
        except ServiceError as error:
            raise Http404(error.message) from error
        return FileResponse(
            handle,
            as_attachment=True,
            filename=export.download_name,
            content_type="application/zip",
        )


class CaseDossierView(CapabilityRequiredMixin, View):
    """One case's dossier as a PDF."""

    capability = Capability.EXPORT_HISTORIES

    def get(self, request: HttpRequest, reference: str) -> HttpResponse:
        case = get_case_or_404(reference)
        pdf = services.dossier_render(case=case, actor=signed_in(request), language=_language())
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="dossier-{case.reference}.pdf"'
        return response

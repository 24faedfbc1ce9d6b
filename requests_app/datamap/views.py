"""Pages of the data map: the map itself and its departments, a department contact's search
tasks, staff's review of the answers, and the register of provision to third parties."""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View

from requests_app.case_page import case_page_context
from requests_app.csvsafe import CsvWriter
from requests_app.datamap import csvimport, export, selectors, services
from requests_app.datamap.choices import DataItem, FindingState
from requests_app.datamap.forms import (
    AnswerForm,
    CancelForm,
    ChangeReportForm,
    DepartmentForm,
    FindingForm,
    LinkRecordForm,
    ProvisionForm,
    ProvisionImportForm,
    ReturnForm,
    SendSearchesForm,
    SystemForm,
)
from requests_app.datamap.models import (
    ChangeReport,
    DataSystem,
    Department,
    Finding,
    ProvisionDisclosure,
    ProvisionRecord,
    SearchTask,
)
from requests_app.datamap.sections import send_choices
from requests_app.errors import ServiceError
from requests_app.permissions import Capability, has_capability
from requests_app.views.base import (
    CapabilityRequiredMixin,
    detail_or_404,
    get_case_or_404,
    show_error,
    signed_in,
)

PAGE_SIZE = 25


def _language() -> str:
    return "en" if (get_language() or "ja").startswith("en") else "ja"


# --- the data map ----------------------------------------------------------------------------


class SystemListView(CapabilityRequiredMixin, View):
    capability = Capability.VIEW_CASES

    def get(self, request: HttpRequest) -> HttpResponse:
        language = _language()
        rows = [selectors.system_view(system, language) for system in selectors.systems()]
        return render(
            request,
            "datamap/system_list.html",
            {
                "rows": rows,
                "can_manage": has_capability(request.user, Capability.MANAGE_DATA_MAP),
            },
        )


class SystemDetailView(CapabilityRequiredMixin, View):
    capability = Capability.VIEW_CASES

    def get(self, request: HttpRequest, system_id: int) -> HttpResponse:
        system = get_object_or_404(selectors.systems(), pk=system_id)
        return render(
            request,
            "datamap/system_detail.html",
            {
                "row": selectors.system_view(system, _language()),
                "can_manage": has_capability(request.user, Capability.MANAGE_DATA_MAP),
                "record_count": system.provision_records.count(),
            },
        )


class SystemFormView(CapabilityRequiredMixin, View):
    """Add a system to the data map, or change one."""

    capability = Capability.MANAGE_DATA_MAP

    def _system(self, system_id: int | None) -> DataSystem | None:
        if system_id is None:
            return None
        return get_object_or_404(DataSystem, pk=system_id)

    def get(self, request: HttpRequest, system_id: int | None = None) -> HttpResponse:
        system = self._system(system_id)
        form = SystemForm(initial=SystemForm.initial_for(system) if system else None)
        return self._page(request, form, system)

    def post(self, request: HttpRequest, system_id: int | None = None) -> HttpResponse:
        system = self._system(system_id)
        form = SystemForm(request.POST)
        if form.is_valid():
            try:
                saved = services.system_save(
                    actor=signed_in(request), data=form.data_for_service(), system=system
                )
            except ServiceError as error:
                form.add_error(None, error.message)
                for detail in error.details:
                    form.add_error(None, detail)
            else:
                messages.success(request, _("The data map was saved."))
                return redirect("datamap:system_detail", system_id=saved.pk)
        return self._page(request, form, system, status=400)

    def _page(
        self, request: HttpRequest, form: SystemForm, system: DataSystem | None, status: int = 200
    ) -> HttpResponse:
        return render(
            request, "datamap/system_form.html", {"form": form, "system": system}, status=status
        )


class DepartmentListView(CapabilityRequiredMixin, View):
    capability = Capability.VIEW_CASES

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "datamap/department_list.html",
            {
                "departments": list(selectors.departments()),
                "can_manage": has_capability(request.user, Capability.MANAGE_DATA_MAP),
            },
        )


class DepartmentFormView(CapabilityRequiredMixin, View):
    capability = Capability.MANAGE_DATA_MAP

    def _department(self, department_id: int | None) -> Department | None:
        if department_id is None:
            return None
        return get_object_or_404(Department, pk=department_id)

    def get(self, request: HttpRequest, department_id: int | None = None) -> HttpResponse:
        department = self._department(department_id)
        form = DepartmentForm(
            initial=DepartmentForm.initial_for(department) if department else None
        )
        return self._page(request, form, department)

    def post(self, request: HttpRequest, department_id: int | None = None) -> HttpResponse:
        department = self._department(department_id)
        form = DepartmentForm(request.POST)
        if form.is_valid():
            try:
                services.department_save(
                    actor=signed_in(request), data=form.data_for_service(), department=department
                )
            except ServiceError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("The department was saved."))
                return redirect("datamap:department_list")
        return self._page(request, form, department, status=400)

    def _page(
        self,
        request: HttpRequest,
        form: DepartmentForm,
        department: Department | None,
        status: int = 200,
    ) -> HttpResponse:
        return render(
            request,
            "datamap/department_form.html",
            {"form": form, "department": department},
            status=status,
        )


class DataMapExportView(CapabilityRequiredMixin, View):
    """The data map as CSV (UTF-8 with a BOM, for Excel) or JSON; every download audited."""

    capability = Capability.VIEW_CASES

    def get(self, request: HttpRequest, file_format: str) -> HttpResponse:
        language = _language()
        buffer = io.StringIO()
        systems = list(selectors.systems())
        if file_format == "csv":
            count = export.write_csv(buffer, systems, language)
            content_type = "text/csv; charset=utf-8"
        else:
            count = export.write_json(buffer, systems, language)
            content_type = "application/json; charset=utf-8"
        services.datamap_record_export(
            actor=signed_in(request), file_format=file_format, systems=count
        )
        response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type=content_type)
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="data-map-{stamp}.{file_format}"'
        response["Cache-Control"] = "no-store"
        return response


# --- a department contact's tasks -------------------------------------------------------------


class TaskListView(CapabilityRequiredMixin, View):
    """A department contact's home: their open tasks, due first."""

    capability = Capability.ANSWER_SEARCHES

    def get(self, request: HttpRequest) -> HttpResponse:
        context = selectors.contact_home(signed_in(request), request.GET.get("page"))
        return render(request, "datamap/task_list.html", context)


class TaskAnsweredView(CapabilityRequiredMixin, View):
    """What a department contact answered, latest first."""

    capability = Capability.ANSWER_SEARCHES

    def get(self, request: HttpRequest) -> HttpResponse:
        tasks = selectors.contact_answered_tasks(signed_in(request))
        page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(request, "datamap/task_answered.html", {"page": page})


def _contact_task(request: HttpRequest, task_id: int) -> SearchTask:
    try:
        return selectors.contact_task(signed_in(request), task_id)
    except SearchTask.DoesNotExist as exc:
        raise Http404 from exc


def task_page(
    request: HttpRequest, task: SearchTask, status: int = 200, **forms: Any
) -> HttpResponse:
    """The task's page for its department contact, with any bound form that failed."""
    editable = task.waits_for_department and task.case.state in selectors.SEARCHING_STATES
    context: dict[str, Any] = {
        "task": task,
        "person": selectors.person_details(task),
        "proposed_rows": selectors.proposed_rows(task),
        "confirmed": selectors.confirmed_findings(task),
        "changes": list(task.changes.all()),
        "editable": editable,
        "today": timezone.localdate(),
        "categories": [str(label) for _value, label in DataItem.choices],
    }
    if editable:
        initial_location = f"{task.department.name}・{task.system.name}"
        context.update(
            finding_form=forms.get("finding_form")
            or FindingForm(initial={"location": initial_location}),
            change_form=forms.get("change_form") or ChangeReportForm(task=task)
            if task.change_kinds
            else None,
            answer_form=forms.get("answer_form")
            or AnswerForm(initial={"searched_how": _searched_how(task)}),
            answer_problems=forms.get("answer_problems", []),
        )
    return render(request, "datamap/task_detail.html", context, status=status)


def _searched_how(task: SearchTask) -> str:
    if task.system.uses_connector and task.connector_state == "done":
        return _("Searched %(system)s with its connector (by the person's details).") % {
            "system": task.system.label
        }
    return ""


class TaskDetailView(CapabilityRequiredMixin, View):
    capability = Capability.ANSWER_SEARCHES

    def get(self, request: HttpRequest, task_id: int) -> HttpResponse:
        return task_page(request, _contact_task(request, task_id))


class TaskActionView(CapabilityRequiredMixin, View, ABC):
    """One form on a task's page: on error the page is shown again with the messages."""

    capability = Capability.ANSWER_SEARCHES
    form_name = ""

    def post(self, request: HttpRequest, task_id: int, **kwargs: Any) -> HttpResponse:
        task = _contact_task(request, task_id)
        form = self.build_form(request, task)
        if form is None or form.is_valid():
            try:
                self.perform(request, task, form, **kwargs)
            except ServiceError as error:
                show_error(request, error)
                return task_page(
                    request, _contact_task(request, task_id), status=400, **self.bound(form)
                )
            return HttpResponseRedirect(reverse("datamap:task_detail", args=[task.pk]))
        messages.error(request, _("Please correct the errors below."))
        return task_page(request, task, status=400, **self.bound(form))

    def bound(self, form: Any) -> dict[str, Any]:
        return {self.form_name: form} if self.form_name and form is not None else {}

    def build_form(self, request: HttpRequest, task: SearchTask) -> Any:
        return None

    @abstractmethod
    def perform(self, request: HttpRequest, task: SearchTask, form: Any, **kwargs: Any) -> None:
        """Call the service."""


class TaskFindingAddView(TaskActionView):
    form_name = "finding_form"

    def build_form(self, request: HttpRequest, task: SearchTask) -> Any:
        return FindingForm(request.POST)

    def perform(self, request: HttpRequest, task: SearchTask, form: Any, **kwargs: Any) -> None:
        services.finding_add(task=task, actor=signed_in(request), data=form.data_for_service())
        messages.success(request, _("The item was added."))


class TaskFindingRemoveView(TaskActionView):
    def perform(self, request: HttpRequest, task: SearchTask, form: Any, **kwargs: Any) -> None:
        finding = get_object_or_404(Finding, pk=kwargs["finding_id"], task=task)
        services.finding_remove(finding=finding, actor=signed_in(request))
        messages.success(request, _("The item was removed."))


class TaskRowView(TaskActionView):
    """Confirm a connector's row as the person's data, or discard it."""

    def perform(self, request: HttpRequest, task: SearchTask, form: Any, **kwargs: Any) -> None:
        confirm = request.POST.get("decision") == "confirm"
        row_key = request.POST.get("row", "")
        services.findings_decide_row(
            task=task, actor=signed_in(request), row_key=row_key, confirm=confirm
        )
        messages.success(
            request, _("The row was confirmed.") if confirm else _("The row was discarded.")
        )


class TaskChangeAddView(TaskActionView):
    form_name = "change_form"

    def build_form(self, request: HttpRequest, task: SearchTask) -> Any:
        return ChangeReportForm(request.POST, task=task)

    def perform(self, request: HttpRequest, task: SearchTask, form: Any, **kwargs: Any) -> None:
        services.change_add(task=task, actor=signed_in(request), data=form.data_for_service())
        messages.success(request, _("What was done was recorded."))


class TaskChangeRemoveView(TaskActionView):
    def perform(self, request: HttpRequest, task: SearchTask, form: Any, **kwargs: Any) -> None:
        change = get_object_or_404(ChangeReport, pk=kwargs["change_id"], task=task)
        services.change_remove(change=change, actor=signed_in(request))
        messages.success(request, _("The entry was removed."))


class TaskAnswerView(TaskActionView):
    form_name = "answer_form"

    def build_form(self, request: HttpRequest, task: SearchTask) -> Any:
        return AnswerForm(request.POST)

    def perform(self, request: HttpRequest, task: SearchTask, form: Any, **kwargs: Any) -> None:
        services.task_answer(task=task, actor=signed_in(request), **form.cleaned_data)
        messages.success(request, _("Your answer was sent. Thank you."))


class TaskConnectorView(TaskActionView):
    def perform(self, request: HttpRequest, task: SearchTask, form: Any, **kwargs: Any) -> None:
        services.task_rerun_connector(task=task, actor=signed_in(request))
        messages.success(request, _("The connector will search again in a moment."))


# --- staff: sending the searches and reviewing the answers ----------------------------------


def _case_anchor(reference: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("requests_app:case_detail", args=[reference]) + "#searches")


class SearchSendView(CapabilityRequiredMixin, View):
    capability = Capability.WORK_CASES

    def post(self, request: HttpRequest, reference: str) -> HttpResponse:
        case = get_case_or_404(reference)
        form = SendSearchesForm(request.POST, choices=send_choices(case))
        if form.is_valid():
            try:
                tasks = services.searches_send(
                    case=case, actor=signed_in(request), system_ids=form.system_ids()
                )
            except ServiceError as error:
                show_error(request, error)
            else:
                messages.success(
                    request,
                    _("%(count)s search task(s) were sent to the departments.")
                    % {"count": len(tasks)},
                )
                return _case_anchor(reference)
        else:
            messages.error(request, _("Choose at least one system to search."))
        context = case_page_context(detail_or_404(reference), request.user, search_form=form)
        return render(request, "requests_app/case_detail.html", context, status=400)


def _case_task(reference: str, task_id: int) -> SearchTask:
    case = get_case_or_404(reference)
    return get_object_or_404(
        SearchTask.objects.select_related("case", "system", "department"), pk=task_id, case=case
    )


class SearchReviewView(CapabilityRequiredMixin, View):
    """A department's answer as staff review it (readers see it too)."""

    capability = Capability.VIEW_CASES

    def get(self, request: HttpRequest, reference: str, task_id: int) -> HttpResponse:
        return self.page(request, reference, task_id)

    def page(
        self, request: HttpRequest, reference: str, task_id: int, status: int = 200, **forms: Any
    ) -> HttpResponse:
        task = _case_task(reference, task_id)
        task = next(t for t in selectors.case_tasks(task.case) if t.pk == task.pk)
        can_work = has_capability(request.user, Capability.WORK_CASES)
        reviewable = can_work and task.status == "answered"
        return render(
            request,
            "datamap/task_review.html",
            {
                "case": task.case,
                "task": task,
                "confirmed": [f for f in task.findings.all() if f.state == FindingState.CONFIRMED],
                "discarded": [f for f in task.findings.all() if f.state == FindingState.DISCARDED],
                "changes": list(task.changes.all()),
                "reviewable": reviewable,
                "return_form": forms.get("return_form") or ReturnForm() if reviewable else None,
                "cancel_form": forms.get("cancel_form") or CancelForm()
                if can_work and task.status not in ("accepted", "cancelled")
                else None,
            },
            status=status,
        )


class SearchReviewActionView(SearchReviewView, ABC):
    capability = Capability.WORK_CASES
    http_method_names = ["post"]
    form_class: Any = None
    form_name = ""

    def post(self, request: HttpRequest, reference: str, task_id: int) -> HttpResponse:
        task = _case_task(reference, task_id)
        form = self.form_class(request.POST) if self.form_class else None
        if form is None or form.is_valid():
            try:
                self.perform(request, task, form)
            except ServiceError as error:
                show_error(request, error)
            else:
                return _case_anchor(reference)
        else:
            messages.error(request, _("Please correct the errors below."))
        bound = {self.form_name: form} if self.form_name else {}
        return self.page(request, reference, task_id, status=400, **bound)

    @abstractmethod
    def perform(self, request: HttpRequest, task: SearchTask, form: Any) -> None:
        """Call the service."""


class SearchAcceptView(SearchReviewActionView):
    def perform(self, request: HttpRequest, task: SearchTask, form: Any) -> None:
        services.task_accept(task=task, actor=signed_in(request))
        messages.success(
            request, _("The answer on “%(system)s” was accepted.") % {"system": task.system.label}
        )


class SearchReturnView(SearchReviewActionView):
    form_class = ReturnForm
    form_name = "return_form"

    def perform(self, request: HttpRequest, task: SearchTask, form: Any) -> None:
        services.task_return(
            task=task, actor=signed_in(request), comment=form.cleaned_data["comment"]
        )
        messages.success(
            request,
            _("The answer on “%(system)s” was returned to the department.")
            % {"system": task.system.label},
        )


class SearchCancelView(SearchReviewActionView):
    form_class = CancelForm
    form_name = "cancel_form"

    def perform(self, request: HttpRequest, task: SearchTask, form: Any) -> None:
        services.task_cancel(
            task=task, actor=signed_in(request), reason=form.cleaned_data["reason"]
        )
        messages.success(
            request, _("The task on “%(system)s” was cancelled.") % {"system": task.system.label}
        )


class ProvisionLinkView(CapabilityRequiredMixin, View):
    """Staff mark a record of the register as the person's (Art. 33(5) request)."""

    capability = Capability.WORK_CASES

    def post(self, request: HttpRequest, reference: str) -> HttpResponse:
        case = get_case_or_404(reference)
        item = selectors.records_item(case)
        if item is None:
            raise Http404
        form = LinkRecordForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a record of the register."))
            return _case_anchor(reference)
        record = get_object_or_404(ProvisionRecord, pk=form.cleaned_data["record"])
        try:
            services.provision_link(item=item, actor=signed_in(request), record=record)
        except ServiceError as error:
            show_error(request, error)
        return _case_anchor(reference)


class ProvisionUnlinkView(CapabilityRequiredMixin, View):
    capability = Capability.WORK_CASES

    def post(self, request: HttpRequest, reference: str, link_id: int) -> HttpResponse:
        case = get_case_or_404(reference)
        link = get_object_or_404(ProvisionDisclosure, pk=link_id, item__case=case)
        try:
            services.provision_unlink(link=link, actor=signed_in(request))
        except ServiceError as error:
            show_error(request, error)
        return _case_anchor(reference)


# --- the provision register ----------------------------------------------------------------


class ProvisionListView(CapabilityRequiredMixin, View):
    capability = Capability.VIEW_CASES

    def get(self, request: HttpRequest) -> HttpResponse:
        system_id = request.GET.get("system", "")
        query = request.GET.get("q", "")[:100]
        records = selectors.provision_records(
            system_id=int(system_id) if system_id.isdigit() else None, query=query
        )
        page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
        params = request.GET.copy()
        params.pop("page", None)
        return render(
            request,
            "datamap/provision_list.html",
            {
                "page": page,
                "systems": list(selectors.systems()),
                "system_id": system_id,
                "q": query,
                "query": params.urlencode(),
                "can_work": has_capability(request.user, Capability.WORK_CASES),
            },
        )


class ProvisionDetailView(CapabilityRequiredMixin, View):
    capability = Capability.VIEW_CASES

    def get(self, request: HttpRequest, record_id: int) -> HttpResponse:
        record = get_object_or_404(
            ProvisionRecord.objects.select_related("system__department", "entered_by"),
            pk=record_id,
        )
        return render(request, "datamap/provision_detail.html", {"record": record})


class ProvisionCreateView(CapabilityRequiredMixin, View):
    capability = Capability.WORK_CASES

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "datamap/provision_form.html", {"form": ProvisionForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ProvisionForm(request.POST)
        if form.is_valid():
            try:
                record = services.provision_add(
                    actor=signed_in(request), data=form.data_for_service()
                )
            except ServiceError as error:
                form.add_error(None, error.message)
                for detail in error.details:
                    form.add_error(None, detail)
            else:
                messages.success(request, _("The record was added to the register."))
                return redirect("datamap:provision_detail", record_id=record.pk)
        return render(request, "datamap/provision_form.html", {"form": form}, status=400)


class ProvisionImportView(CapabilityRequiredMixin, View):
    capability = Capability.WORK_CASES

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._page(request, ProvisionImportForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ProvisionImportForm(request.POST, request.FILES)
        problems: list[str] = []
        if form.is_valid():
            upload = form.cleaned_data["file"]
            parsed = csvimport.read(upload.read())
            try:
                records = services.provision_import(
                    actor=signed_in(request), parsed=parsed, file_name=upload.name
                )
            except ServiceError as error:
                form.add_error(None, error.message)
                problems = error.details
            else:
                messages.success(
                    request,
                    _("%(count)s record(s) were added to the register.") % {"count": len(records)},
                )
                return redirect("datamap:provision_list")
        return self._page(request, form, problems=problems, status=400)

    def _page(
        self,
        request: HttpRequest,
        form: ProvisionImportForm,
        *,
        problems: list[str] | None = None,
        status: int = 200,
    ) -> HttpResponse:
        return render(
            request,
            "datamap/provision_import.html",
            {
                "form": form,
                "problems": problems or [],
                "columns": csvimport.COLUMNS,
                "note": csvimport.TEMPLATE_NOTE,
            },
            status=status,
        )


class ProvisionTemplateView(CapabilityRequiredMixin, View):
    """An empty CSV with the register's headings in Japanese, for Excel."""

    capability = Capability.WORK_CASES

    def get(self, request: HttpRequest) -> HttpResponse:
        buffer = io.StringIO()
        writer = CsvWriter(buffer)
        writer.writerow([column.ja for column in csvimport.COLUMNS])
        response = HttpResponse(
            buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="provision-records-template.csv"'
        return response

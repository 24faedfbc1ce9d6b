"""The data map's pages (namespace "datamap"), included from config/urls.py."""

from django.urls import path

from requests_app.datamap import views

app_name = "datamap"

task = "tasks/<int:task_id>/"
search = "cases/<str:reference>/searches/"

urlpatterns = [
    # The data map (個人情報管理台帳): read by staff, managers, auditors and administrators;
    # edited by managers and administrators.
    path("datamap/", views.SystemListView.as_view(), name="system_list"),
    path("datamap/systems/new/", views.SystemFormView.as_view(), name="system_create"),
    path(
        "datamap/systems/<int:system_id>/", views.SystemDetailView.as_view(), name="system_detail"
    ),
    path(
        "datamap/systems/<int:system_id>/edit/",
        views.SystemFormView.as_view(),
        name="system_edit",
    ),
    path("datamap/departments/", views.DepartmentListView.as_view(), name="department_list"),
    path("datamap/departments/new/", views.DepartmentFormView.as_view(), name="department_create"),
    path(
        "datamap/departments/<int:department_id>/edit/",
        views.DepartmentFormView.as_view(),
        name="department_edit",
    ),
    path(
        "datamap/export.<str:file_format>",
        views.DataMapExportView.as_view(),
        name="export",
    ),
    # A department contact's search tasks (部門担当者).
    path("tasks/", views.TaskListView.as_view(), name="task_list"),
    path("tasks/answered/", views.TaskAnsweredView.as_view(), name="task_answered"),
    path(task, views.TaskDetailView.as_view(), name="task_detail"),
    path(f"{task}findings/", views.TaskFindingAddView.as_view(), name="finding_add"),
    path(
        f"{task}findings/<int:finding_id>/remove/",
        views.TaskFindingRemoveView.as_view(),
        name="finding_remove",
    ),
    path(f"{task}rows/", views.TaskRowView.as_view(), name="row_decide"),
    path(f"{task}changes/", views.TaskChangeAddView.as_view(), name="change_add"),
    path(
        f"{task}changes/<int:change_id>/remove/",
        views.TaskChangeRemoveView.as_view(),
        name="change_remove",
    ),
    path(f"{task}answer/", views.TaskAnswerView.as_view(), name="task_answer"),
    path(f"{task}connector/", views.TaskConnectorView.as_view(), name="task_connector"),
    # Staff: send the searches of a case, review the answers.
    path(f"{search}send/", views.SearchSendView.as_view(), name="search_send"),
    path(f"{search}<int:task_id>/", views.SearchReviewView.as_view(), name="search_review"),
    path(f"{search}<int:task_id>/accept/", views.SearchAcceptView.as_view(), name="search_accept"),
    path(f"{search}<int:task_id>/return/", views.SearchReturnView.as_view(), name="search_return"),
    path(f"{search}<int:task_id>/cancel/", views.SearchCancelView.as_view(), name="search_cancel"),
    path(
        "cases/<str:reference>/provision-records/link/",
        views.ProvisionLinkView.as_view(),
        name="provision_link",
    ),
    path(
        "cases/<str:reference>/provision-records/<int:link_id>/unlink/",
        views.ProvisionUnlinkView.as_view(),
        name="provision_unlink",
    ),
    # The register of provision to third parties (第三者提供記録).
    path("provision-records/", views.ProvisionListView.as_view(), name="provision_list"),
    path("provision-records/new/", views.ProvisionCreateView.as_view(), name="provision_create"),
    path("provision-records/import/", views.ProvisionImportView.as_view(), name="provision_import"),
    path(
        "provision-records/template.csv",
        views.ProvisionTemplateView.as_view(),
        name="provision_template",
    ),
    path(
        "provision-records/<int:record_id>/",
        views.ProvisionDetailView.as_view(),
        name="provision_detail",
    ),
]

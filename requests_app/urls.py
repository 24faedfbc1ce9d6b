from django.urls import include, path

from requests_app.views import cases, dashboard, exports, home

app_name = "requests_app"

urlpatterns = [
    path("", home.HomeView.as_view(), name="home"),
    path("approvals/", home.ApprovalQueueView.as_view(), name="approvals"),
    path("cases/", cases.CaseListView.as_view(), name="case_list"),
    path("dashboard/", dashboard.DashboardView.as_view(), name="dashboard"),
    path("cases/new/", cases.CaseCreateView.as_view(), name="case_create"),
    path("cases/<str:reference>/", cases.CaseDetailView.as_view(), name="case_detail"),
    path("cases/<str:reference>/edit/", cases.CaseEditView.as_view(), name="case_edit"),
    path(
        "cases/<str:reference>/transition/<str:name>/",
        cases.CaseTransitionView.as_view(),
        name="case_transition",
    ),
    path(
        "cases/<str:reference>/arrived/<str:name>/",
        cases.ArrivalView.as_view(),
        name="case_arrival",
    ),
    path(
        "cases/<str:reference>/written-request/",
        cases.WrittenRequestView.as_view(),
        name="written_request",
    ),
    path(
        "cases/<str:reference>/guide-emailed/",
        cases.GuideEmailedView.as_view(),
        name="guide_emailed",
    ),
    path(
        "cases/<str:reference>/extend/",
        cases.ExtendDeadlineView.as_view(),
        name="extend_deadline",
    ),
    path("cases/<str:reference>/notes/", cases.NoteCreateView.as_view(), name="note_create"),
    path("cases/<str:reference>/assign/", cases.AssignView.as_view(), name="assign"),
    path("cases/<str:reference>/fee/", cases.FeePaymentView.as_view(), name="fee_payment"),
    path(
        "cases/<str:reference>/items/<int:item_id>/outcome/",
        cases.ItemOutcomeView.as_view(),
        name="item_outcome",
    ),
    # Exports (auditors and managers): bundles of case histories and one-case dossiers.
    path("exports/", exports.ExportListView.as_view(), name="export_list"),
    path("exports/<int:export_id>/", exports.ExportDetailView.as_view(), name="export_detail"),
    path(
        "exports/<int:export_id>/status/",
        exports.ExportStatusView.as_view(),
        name="export_status",
    ),
    path(
        "exports/<int:export_id>/download/",
        exports.ExportDownloadView.as_view(),
        name="export_download",
    ),
    path(
        "cases/<str:reference>/dossier.pdf",
        exports.CaseDossierView.as_view(),
        name="case_dossier",
    ),
    path("", include("requests_app.letters.urls")),
]

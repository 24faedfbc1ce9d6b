from django.urls import path
from django.views.generic import RedirectView

from requests_app.views import cases

app_name = "requests_app"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="requests_app:case_list"), name="home"),
    path("cases/", cases.CaseListView.as_view(), name="case_list"),
    path("cases/new/", cases.CaseCreateView.as_view(), name="case_create"),
    path("cases/<str:reference>/", cases.CaseDetailView.as_view(), name="case_detail"),
    path("cases/<str:reference>/edit/", cases.CaseEditView.as_view(), name="case_edit"),
    path(
        "cases/<str:reference>/transition/<str:name>/",
        cases.CaseTransitionView.as_view(),
        name="case_transition",
    ),
    path("cases/<str:reference>/reply-sent/", cases.ReplySentView.as_view(), name="reply_sent"),
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
]

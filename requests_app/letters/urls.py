"""Letter pages, included in requests_app/urls.py (names in the requests_app namespace)."""

from django.urls import path

from requests_app.letters import views

letter = "cases/<str:reference>/letters/<int:pk>/"
item = "cases/<str:reference>/items/<int:item_id>/"

urlpatterns = [
    path(
        "cases/<str:reference>/letters/new/",
        views.LetterRequestView.as_view(),
        name="letter_request",
    ),
    path(
        "cases/<str:reference>/letters/status/",
        views.LetterStatusView.as_view(),
        name="letter_status",
    ),
    path(letter, views.LetterDetailView.as_view(), name="letter_detail"),
    path(f"{letter}preview/", views.LetterPreviewView.as_view(), name="letter_preview"),
    path(f"{letter}download/", views.LetterDownloadView.as_view(), name="letter_download"),
    path(f"{letter}approve/", views.LetterApproveView.as_view(), name="letter_approve"),
    path(f"{letter}mailing/", views.LetterMailingView.as_view(), name="letter_mailing"),
    path(f"{letter}returned/", views.LetterReturnedView.as_view(), name="letter_returned"),
    path(f"{letter}retry/", views.LetterRetryView.as_view(), name="letter_retry"),
    path(f"{item}records/", views.RecordsAddView.as_view(), name="item_records_add"),
    path(
        f"{item}records/<int:pk>/remove/",
        views.RecordRemoveView.as_view(),
        name="item_record_remove",
    ),
    path(
        f"{item}records/<int:pk>/edit/",
        views.RecordEditView.as_view(),
        name="item_record_edit",
    ),
    path(
        f"{item}records/<int:pk>/excluded/",
        views.RecordExcludeView.as_view(),
        name="item_record_exclude",
    ),
    path(f"{item}changes/", views.ChangeAddView.as_view(), name="item_change_add"),
    path(
        f"{item}changes/<int:pk>/remove/",
        views.ChangeRemoveView.as_view(),
        name="item_change_remove",
    ),
    path("letters/batches/", views.BatchListView.as_view(), name="letter_batches"),
    path("letters/batches/new/", views.BatchCreateView.as_view(), name="letter_batch_create"),
    path("letters/batches/<int:pk>/", views.BatchDetailView.as_view(), name="letter_batch"),
    path("letters/batches/<int:pk>/pdf/", views.BatchPdfView.as_view(), name="letter_batch_pdf"),
    path(
        "letters/batches/<int:pk>/mailing/",
        views.BatchMailingView.as_view(),
        name="letter_batch_mailing",
    ),
    path(
        "letters/batches/<int:pk>/requeue/",
        views.BatchRequeueView.as_view(),
        name="letter_batch_requeue",
    ),
]

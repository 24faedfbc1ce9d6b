from django.urls import path

from identity import views

app_name = "identity"

urlpatterns = [
    path(
        "cases/<str:reference>/documents/",
        views.DocumentCreateView.as_view(),
        name="document_create",
    ),
    path(
        "cases/<str:reference>/documents/<int:document_id>/withdraw/",
        views.DocumentWithdrawView.as_view(),
        name="document_withdraw",
    ),
    path(
        "cases/<str:reference>/documents/<int:document_id>/masking/",
        views.MaskingConfirmView.as_view(),
        name="masking_confirm",
    ),
    path(
        "cases/<str:reference>/documents/<int:document_id>/destroy/",
        views.DocumentDestroyView.as_view(),
        name="document_destroy",
    ),
    path(
        "cases/<str:reference>/documents/<int:document_id>/scan/",
        views.DocumentScanView.as_view(),
        name="document_scan",
    ),
    path(
        "cases/<str:reference>/documents/<int:document_id>/scan/download/",
        views.DocumentScanDownloadView.as_view(),
        name="document_scan_download",
    ),
    path("cases/<str:reference>/guardian/", views.GuardianView.as_view(), name="guardian"),
    path("identity/shredding/", views.ShreddingListView.as_view(), name="shredding"),
    path(
        "identity/shredding/<int:document_id>/",
        views.ShreddingConfirmView.as_view(),
        name="shredding_confirm",
    ),
]

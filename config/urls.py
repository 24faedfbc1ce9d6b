from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from requests_app.permissions import allow_read_only_roles
from requests_app.views.language import set_language

admin.site.site_header = _("APPI requests — reference data")
admin.site.site_title = _("APPI requests — reference data")

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path(
        "accounts/logout/",
        allow_read_only_roles(auth_views.LogoutView.as_view()),
        name="logout",
    ),
    path(
        "i18n/setlang/",
        allow_read_only_roles(login_not_required(set_language)),
        name="set_language",
    ),
    path("admin/", admin.site.urls),
    path("", include("identity.urls")),
    path("", include("requests_app.datamap.urls")),
    path("", include("requests_app.urls")),
]

"""The header's language switch, which also sets the language of the user's e-mails."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.i18n import set_language as django_set_language

from requests_app import services


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language (cookie and redirect); for a signed-in user the choice is also
    remembered as the language of the e-mails the app sends them."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if (
        request.method == "POST"
        and request.user.is_authenticated
        and language in dict(settings.LANGUAGES)
    ):
        services.preference_set_language(user=request.user, language=language)
    return response

"""Request-wide guards: read-only roles never change anything; the browser is told which
powerful features no page uses (Permissions-Policy)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware

from requests_app.permissions import is_read_only

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ReadOnlyRoleMiddleware:
    """Refuse every unsafe request from a user whose roles grant no write capability.

    Views that a read-only role may POST to (sign-out, language, starting an export) are
    marked with permissions.allow_read_only_roles. This is a second line: the views check
    their capability too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        if request.method in SAFE_METHODS:
            return None
        target = getattr(view_func, "view_class", view_func)
        if getattr(target, "allowed_for_read_only_roles", False) or getattr(
            view_func, "allowed_for_read_only_roles", False
        ):
            return None
        if is_read_only(request.user):
            raise PermissionDenied
        return None


class JapaneseFirstLocaleMiddleware(LocaleMiddleware):
    """Japanese for everyone unless they chose English with the switch (a cookie).

    The office reads Japanese first whatever language a browser happens to announce, so the
    Accept-Language header is ignored.
    """

    def process_request(self, request: HttpRequest) -> None:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)


class PermissionsPolicyMiddleware:
    """`Permissions-Policy` on every response, from settings.PERMISSIONS_POLICY: a feature
    mapped to no origins is off for the page and everything it frames."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(origins)})"
            for feature, origins in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.header)
        return response

"""What every page shares: the capability it needs, and how service errors are shown."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase
from django.utils.html import format_html, format_html_join

from requests_app.errors import ServiceError
from requests_app.models import Case
from requests_app.permissions import Capability, has_capability
from requests_app.selectors import case_detail


class CapabilityRequiredMixin:
    """A page declares the one capability it needs; anyone without it gets 403."""

    capability: Capability

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not has_capability(request.user, self.capability):
            raise PermissionDenied
        response: HttpResponseBase = super().dispatch(  # type: ignore[misc]
            request, *args, **kwargs
        )
        return response


def signed_in(request: HttpRequest) -> User:
    """The user behind a request to a page that needs a capability: always signed in there
    (CapabilityRequiredMixin refuses anyone else), so services get a real user as actor."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def get_case_or_404(reference: str) -> Case:
    """Object access goes through here: unknown references answer 404 for every role."""
    try:
        return Case.objects.get(reference=reference)
    except Case.DoesNotExist as exc:
        raise Http404 from exc


def detail_or_404(reference: str) -> Case:
    """The case with everything its page shows (selectors.case_detail), or 404."""
    try:
        return case_detail(reference)
    except Case.DoesNotExist as exc:
        raise Http404 from exc


def show_error(request: HttpRequest, error: ServiceError) -> None:
    if error.details:
        items = format_html_join("", "<li>{}</li>", ((detail,) for detail in error.details))
        messages.error(request, format_html("{}<ul>{}</ul>", error.message, items))
    else:
        messages.error(request, error.message)

"""Errors a service raises for a person to read; views turn them into messages."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _


class ServiceError(Exception):
    """A business rule said no. `message` is written for the user, in their language."""

    def __init__(self, message: str, *, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.details = list(details)


class NotPermitted(ServiceError):
    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or _("Your role does not allow this action."))


class StaleState(ServiceError):
    """The case changed since the user loaded the page (e.g. a colleague pressed first)."""


class TransitionBlocked(ServiceError):
    """The transition's conditions are not met; `details` says which."""


class InvalidInput(ServiceError):
    """Input that a form should have caught, refused again at the service boundary."""

"""Capabilities, defined once: what each role may do.

Roles are Django groups; each capability is a Django permission on Case, granted to groups by
a migration (`sync_roles`). Views declare the capability they need, the state machine's
`permission=` reuses the same check, and object access goes through `get_case_or_404`.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from requests_app.errors import NotPermitted

if TYPE_CHECKING:
    from django.apps.registry import Apps
    from django.contrib.auth.models import AnonymousUser, User


class Role(models.TextChoices):
    STAFF = "staff", _("Administration Division staff")
    MANAGER = "manager", _("Manager (Data Controller)")
    AUDITOR = "auditor", _("Internal auditor")
    ADMINISTRATOR = "administrator", _("Administrator")
    # 部門担当者: answers the search tasks of their department's systems (the data map) and
    # sees nothing else: not the cases, their identity copies, letters or other answers.
    DEPARTMENT_CONTACT = "department_contact", _("Department contact (部門担当者)")


class Capability(StrEnum):
    VIEW_CASES = "view_cases"
    WORK_CASES = "work_cases"
    APPROVE_DECISIONS = "approve_decisions"
    VIEW_DASHBOARD = "view_dashboard"
    EXPORT_HISTORIES = "export_histories"
    MANAGE_REFERENCE_DATA = "manage_reference_data"
    MANAGE_ROLES = "manage_roles"
    MANAGE_DATA_MAP = "manage_data_map"
    ANSWER_SEARCHES = "answer_searches"

    @property
    def perm(self) -> str:
        return f"requests_app.{self.value}"


CAPABILITY_LABELS: dict[Capability, str] = {
    Capability.VIEW_CASES: "Can read cases and their history",
    Capability.WORK_CASES: "Can open and work on cases",
    Capability.APPROVE_DECISIONS: "Can approve or refuse outgoing decisions",
    Capability.VIEW_DASHBOARD: "Can view the SLA dashboard",
    Capability.EXPORT_HISTORIES: "Can export case histories",
    Capability.MANAGE_REFERENCE_DATA: "Can edit reference data",
    Capability.MANAGE_ROLES: "Can change users' accounts and roles",
    Capability.MANAGE_DATA_MAP: "Can edit the data map (個人情報管理台帳)",
    Capability.ANSWER_SEARCHES: "Can answer the search tasks of their department",
}

ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.STAFF: frozenset({Capability.VIEW_CASES, Capability.WORK_CASES}),
    Role.MANAGER: frozenset(
        {
            Capability.VIEW_CASES,
            Capability.WORK_CASES,
            Capability.APPROVE_DECISIONS,
            Capability.VIEW_DASHBOARD,
            Capability.EXPORT_HISTORIES,
            Capability.MANAGE_DATA_MAP,
        }
    ),
    Role.AUDITOR: frozenset(
        {Capability.VIEW_CASES, Capability.VIEW_DASHBOARD, Capability.EXPORT_HISTORIES}
    ),
    Role.ADMINISTRATOR: frozenset(
        {Capability.VIEW_CASES, Capability.MANAGE_REFERENCE_DATA, Capability.MANAGE_DATA_MAP}
    ),
    Role.DEPARTMENT_CONTACT: frozenset({Capability.ANSWER_SEARCHES}),
}
# MANAGE_ROLES belongs to no role: only superusers (made with `manage.py createsuperuser`, who
# hold every permission) change users' accounts and roles. A role that could grant roles could
# grant itself any capability: an administrator who edits reference data could make itself a
# manager and approve decisions, which defeats the separation of duties the roles exist for
# (ISMS, ISO/IEC 27001 A.5.3). So whoever changes roles stands outside the roles.

# Capabilities that change something. A user with none of them (an auditor) is read-only:
# the ReadOnlyRoleMiddleware refuses their POSTs except to views marked safe for them.
WRITE_CAPABILITIES = frozenset(
    {
        Capability.WORK_CASES,
        Capability.APPROVE_DECISIONS,
        Capability.MANAGE_REFERENCE_DATA,
        Capability.MANAGE_ROLES,
        Capability.MANAGE_DATA_MAP,
        Capability.ANSWER_SEARCHES,
    }
)

# Reference data the administrator edits in the Django admin ("app_label.model_name"); the
# administrator group gets the add/change/delete/view permissions of each.
REFERENCE_DATA_MODELS: tuple[str, ...] = (
    "identity.documenttype",
    "requests_app.closureday",
    "requests_app.slapolicy",
)


def has_capability(user: User | AnonymousUser | None, capability: Capability) -> bool:
    if user is None:
        return False
    return bool(user.is_authenticated and user.is_active and user.has_perm(capability.perm))


def require(actor: User | AnonymousUser | None, capability: Capability) -> None:
    """The check every service makes first: refuse (NotPermitted) an actor without it."""
    if not has_capability(actor, capability):
        raise NotPermitted()


def is_read_only(user: Any) -> bool:
    return user.is_authenticated and not any(has_capability(user, c) for c in WRITE_CAPABILITIES)


def capability_check(capability: Capability) -> Callable[[Any, Any], bool]:
    """A django-fsm `permission=` callable that reuses the capability check."""

    def check(instance: Any, user: Any) -> bool:
        return has_capability(user, capability)

    check.__name__ = f"requires_{capability.value}"
    check.capability = capability  # type: ignore[attr-defined]
    return check


def allow_read_only_roles(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view whose POST a read-only role may send (sign-out, language, export)."""
    view.allowed_for_read_only_roles = True  # type: ignore[attr-defined]
    return view


def sync_roles(apps: Apps | None = None) -> None:
    """Create the role groups and give each exactly its capabilities. Idempotent."""
    from django.apps import apps as global_apps

    registry = apps or global_apps
    group_model = registry.get_model("auth", "Group")
    permission_model = registry.get_model("auth", "Permission")
    content_type_model = registry.get_model("contenttypes", "ContentType")
    case_type, _created = content_type_model.objects.get_or_create(
        app_label="requests_app", model="case"
    )
    capability_perms = {}
    for capability in Capability:
        perm, _created = permission_model.objects.get_or_create(
            content_type=case_type,
            codename=capability.value,
            defaults={"name": CAPABILITY_LABELS[capability]},
        )
        capability_perms[capability] = perm
    for role in Role:
        group, _created = group_model.objects.get_or_create(name=role.value)
        perms = [capability_perms[c] for c in ROLE_CAPABILITIES[role]]
        if role is Role.ADMINISTRATOR:
            perms += _reference_data_permissions(registry)
        group.permissions.set(perms)


def _reference_data_permissions(registry: Apps) -> list[Any]:
    # Model permissions exist only after post_migrate has run, so on a fresh database the
    # migration grants none and the post_migrate handler (apps.py) grants them afterwards.
    permission_model = registry.get_model("auth", "Permission")
    found: list[Any] = []
    for label in REFERENCE_DATA_MODELS:
        app_label, model_name = label.split(".", 1)
        found.extend(
            permission_model.objects.filter(
                content_type__app_label=app_label, content_type__model=model_name
            )
        )
    return found

"""The Django admin: reference data for deadlines (closure days, SLA policies) and users.

Every write here is a service (requests_app/reference_data.py): the admin shows the forms,
and its save and delete hooks hand the edited object to the service, which checks the
capability, writes, audits the change with before and after values, and has the stored due
dates recomputed after commit where they depend on it.

Users: only superusers change accounts and roles (MANAGE_ROLES; permissions.py says why).
Roles are the only way to give a capability: the page shows no per-user permissions and no
superuser flag, access to the admin follows the administrator role, and the groups
themselves are not editable here (each role's capabilities are defined in permissions.py and
synced by the migrations; an edit here would be an unaudited change, undone by the next
migrate).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.models import Group, User
from django.core.exceptions import BadRequest, PermissionDenied
from django.db.models import ManyToManyField, Model, QuerySet
from django.forms import ModelForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters

from requests_app import reference_data
from requests_app.errors import NotPermitted, ServiceError
from requests_app.models import ClosureDay, SLAPolicy
from requests_app.permissions import Capability, Role, has_capability
from requests_app.views.base import signed_in

M = TypeVar("M", bound=Model)


@contextmanager
def service_refusals() -> Iterator[None]:
    """A service's refusal as the admin answers it. The admin's own form and permission
    checks come first, so this happens only when something changed in between; the
    admin's transaction then rolls back and nothing is saved."""
    try:
        yield
    except NotPermitted as error:
        raise PermissionDenied(error.message) from error
    except ServiceError as error:
        raise BadRequest(" ".join([error.message, *error.details])) from error


class ServiceAdmin(admin.ModelAdmin[M]):
    """An admin page whose writes are services. A subclass names them; a write it does not
    name is refused, never done by the ModelAdmin's own save or delete."""

    def save_with_service(self, *, actor: User, obj: M) -> None:
        raise PermissionDenied

    def delete_with_service(self, *, actor: User, objs: list[M]) -> None:
        raise PermissionDenied

    def save_model(self, request: HttpRequest, obj: M, form: ModelForm[M], change: bool) -> None:
        with service_refusals():
            self.save_with_service(actor=signed_in(request), obj=obj)

    def delete_model(self, request: HttpRequest, obj: M) -> None:
        with service_refusals():
            self.delete_with_service(actor=signed_in(request), objs=[obj])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[M]) -> None:
        with service_refusals():
            self.delete_with_service(actor=signed_in(request), objs=list(queryset))


@admin.register(ClosureDay)
class ClosureDayAdmin(ServiceAdmin[ClosureDay]):
    list_display = ("when", "name")
    list_filter = ("year",)
    search_fields = ("name",)
    fields = ("name", "month", "day", "year")

    @admin.display(description=_("date"), ordering="month")
    def when(self, obj: ClosureDay) -> str:
        return obj.when

    def save_with_service(self, *, actor: User, obj: ClosureDay) -> None:
        reference_data.closure_day_save(actor=actor, closure_day=obj)

    def delete_with_service(self, *, actor: User, objs: list[ClosureDay]) -> None:
        reference_data.closure_days_delete(actor=actor, closure_days=objs)


@admin.register(SLAPolicy)
class SLAPolicyAdmin(ServiceAdmin[SLAPolicy]):
    list_display = ("kind", "target_days", "day_count", "warning_days", "pauses_while_waiting")
    fields = (
        "kind",
        "target_days",
        "day_count",
        "warning_days",
        "pauses_while_waiting",
        "search_task_days",
    )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Every kind keeps a policy; change its target instead.
        return False

    def save_with_service(self, *, actor: User, obj: SLAPolicy) -> None:
        reference_data.sla_policy_save(actor=actor, policy=obj)


# --- users and their roles ------------------------------------------------------------------

admin.site.unregister(User)
admin.site.unregister(Group)


class RolesField(forms.ModelMultipleChoiceField[Group]):
    def label_from_instance(self, obj: Model) -> str:
        assert isinstance(obj, Group)
        return str(Role(obj.name).label)


class RoleFilter(admin.SimpleListFilter):
    title = _("roles")
    parameter_name = "role"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(role.value, str(role.label)) for role in Role]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(groups__name=self.value()) if self.value() else queryset


@admin.register(User)
class UserAdmin(ServiceAdmin[User], auth_admin.UserAdmin[User]):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Name and e-mail"), {"fields": ("last_name", "first_name", "email")}),
        (_("Roles"), {"fields": ("is_active", "groups", "is_staff", "is_superuser")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("is_staff", "is_superuser", "last_login", "date_joined")
    filter_horizontal = ()
    list_display = ("username", "last_name", "first_name", "email", "roles", "is_active")
    list_filter = ("is_active", RoleFilter, "is_superuser")

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("roles"))
    def roles(self, obj: User) -> str:
        held = {group.name for group in obj.groups.all()}
        return ", ".join(str(role.label) for role in Role if role.value in held)

    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelMultipleChoiceField[Any] | None:
        if db_field.name == "groups":
            return RolesField(
                queryset=Group.objects.filter(name__in=Role.values).order_by("name"),
                widget=forms.CheckboxSelectMultiple,
                required=False,
                label=_("roles"),
                help_text=_(
                    "What the person may do. The administrator role also opens this admin."
                ),
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # Only superusers (MANAGE_ROLES) see users here at all; accounts are deactivated, never
    # deleted, because the audit trail names who did what.
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_capability(request.user, Capability.MANAGE_ROLES)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_capability(request.user, Capability.MANAGE_ROLES)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return has_capability(request.user, Capability.MANAGE_ROLES)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return has_capability(request.user, Capability.MANAGE_ROLES)

    def save_with_service(self, *, actor: User, obj: User) -> None:
        reference_data.user_save(actor=actor, user=obj)

    def save_related(
        self, request: HttpRequest, form: ModelForm[User], formsets: Any, change: bool
    ) -> None:
        # The roles are the form's only many-to-many field; the service sets them (never
        # form.save_m2m()). The form for a new account has no roles: they are given next.
        if "groups" in form.cleaned_data:
            roles = [Role(group.name) for group in form.cleaned_data["groups"]]
            with service_refusals():
                reference_data.user_set_roles(
                    actor=signed_in(request), user=form.instance, roles=roles
                )

    @method_decorator(sensitive_post_parameters())
    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """Django's page for setting a user's password, but the password is set by the
        service. A form that does not validate is left to Django's view, which shows it
        again with its errors and saves nothing."""
        if request.method != "POST":
            return super().user_change_password(request, id, form_url)
        user = self.get_object(request, unquote(id))
        if user is None:
            raise Http404
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        form = self.change_password_form(user, request.POST)
        if not form.is_valid():
            return super().user_change_password(request, id, form_url)
        usable = form.cleaned_data["set_usable_password"]
        if not usable and "unset-password" not in request.POST:
            messages.error(request, gettext("Conflicting form data submitted. Please try again."))
            return HttpResponseRedirect(request.get_full_path())
        with service_refusals():
            reference_data.user_set_password(
                actor=signed_in(request),
                user=user,
                password=form.cleaned_data["password1"] if usable else None,
            )
        self.log_change(request, user, self.construct_change_message(request, form, []))
        messages.success(
            request,
            gettext("Password changed successfully.")
            if usable
            else gettext("Password-based authentication was disabled."),
        )
        update_session_auth_hash(request, user)
        return HttpResponseRedirect(reverse("admin:auth_user_change", args=[user.pk]))

"""Writes to reference data and to users' roles: the Django admin's edits, each a service.

The admin holds no rules: its save_model, delete_model and delete_queryset (and, for a user's
roles, save_related) call these functions, which take the steps every write takes: the
capability first; one transaction; the row locked; the input checked again (a form should
have caught it: InvalidInput); the write; the audit entry with what changed, before and
after; then, after commit, what depends on the change (closure days and SLA policies move
every open case's due date, so the stored ones are recomputed).

What the audit entries carry:

- `reference.created`: the model, the id and every value (`values`);
- `reference.changed`: the model, the id and only the fields that changed (`changes`, each
  with `before` and `after`); a save that changes nothing writes no entry;
- `reference.deleted`: the model, the id and every value it had (`values`);
- `user.created`, `user.changed`, `user.roles.changed`, `user.password.set`: the same for
  users' accounts and roles; a password itself never enters the trail.

Field names are values in these payloads, never keys: `audit.mask` blanks every key that
looks like an identity number (`mask_my_number`, `mask_insurer_number` ...), and the masking
rules are exactly what an auditor must be able to read. Reference data holds no secret.

Who may do it: reference data needs MANAGE_REFERENCE_DATA (the administrator role); users'
accounts and roles need MANAGE_ROLES, which no role has (superusers only; permissions.py says
why).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any, TypeVar

from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from requests_app import audit, queue
from requests_app.errors import InvalidInput
from requests_app.models import ClosureDay, SLAPolicy
from requests_app.permissions import Capability, Role, require

M = TypeVar("M", bound=models.Model)

# Not audited: the key (the entry names it) and a time stamp that says nothing about the rule.
_NOT_AUDITED = frozenset({"id", "updated_at"})
# What an administrator of users may change on an account; roles and the password have their
# own services, and the superuser flag is given only by `manage.py createsuperuser`.
USER_FIELDS = ("username", "first_name", "last_name", "email", "is_active")


def values_of(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The stored values of `obj` (foreign keys as ids), by field name."""
    wanted = set(fields) if fields is not None else None
    return {
        field.name: field.value_from_object(obj)
        for field in obj._meta.concrete_fields
        if (field.name in wanted if wanted is not None else field.name not in _NOT_AUDITED)
    }


def listed(values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """`values` as the audit payload lists them: [{"field": name, "value": value}, ...]."""
    return [{"field": name, "value": value} for name, value in values.items()]


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The fields whose value differs: [{"field": name, "before": old, "after": new}, ...]."""
    return [
        {"field": name, "before": before.get(name), "after": value}
        for name, value in after.items()
        if before.get(name) != value
    ]


def _refuse_invalid(obj: models.Model) -> None:
    """Check the model's own rules (fields, clean(), unique and check constraints) again."""
    try:
        obj.full_clean()
    except ValidationError as error:
        raise InvalidInput(_("These values cannot be saved."), details=error.messages) from error


def save_reference(*, actor: User, obj: models.Model) -> audit.AuditEvent | None:
    """Create `obj`, or change it to its edited values (not yet saved), and audit it.

    Returns the audit entry, or None when the edit changed nothing (no entry, no write).
    """
    require(actor, Capability.MANAGE_REFERENCE_DATA)
    label = obj._meta.label_lower
    with transaction.atomic():
        if obj._state.adding:
            _refuse_invalid(obj)
            obj.save(force_insert=True)
            return audit.record(
                action="reference.created",
                actor=actor,
                payload={"model": label, "id": obj.pk, "values": listed(values_of(obj))},
            )
        stored = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
        _refuse_invalid(obj)
        changed = changes(values_of(stored), values_of(obj))
        if not changed:
            return None
        obj.save()
        return audit.record(
            action="reference.changed",
            actor=actor,
            payload={"model": label, "id": obj.pk, "changes": changed},
        )


def delete_reference(*, actor: User, objs: Iterable[M]) -> int:
    """Delete each of `objs`, each with its own audit entry naming what it was. Returns how
    many were deleted."""
    require(actor, Capability.MANAGE_REFERENCE_DATA)
    wanted = list(objs)
    if not wanted:
        return 0
    model = type(wanted[0])
    with transaction.atomic():
        locked = list(
            model._default_manager.select_for_update()
            .filter(pk__in=[obj.pk for obj in wanted])
            .order_by("pk")
        )
        for obj in locked:
            audit.record(
                action="reference.deleted",
                actor=actor,
                payload={
                    "model": obj._meta.label_lower,
                    "id": obj.pk,
                    "values": listed(values_of(obj)),
                },
            )
            obj.delete()
    return len(locked)


# --- deadlines: closure days and SLA policies ---------------------------------------------


def closure_day_save(*, actor: User, closure_day: ClosureDay) -> ClosureDay:
    """Add a closure day (休業日) or change one; every open case's due date follows."""
    with transaction.atomic():
        if save_reference(actor=actor, obj=closure_day) is not None:
            queue.publish_on_commit(queue.REFRESH_DUE_DATES)
    return closure_day


def closure_days_delete(*, actor: User, closure_days: Iterable[ClosureDay]) -> int:
    """Remove closure days; every open case's due date follows."""
    with transaction.atomic():
        deleted = delete_reference(actor=actor, objs=closure_days)
        if deleted:
            queue.publish_on_commit(queue.REFRESH_DUE_DATES)
    return deleted


def sla_policy_save(*, actor: User, policy: SLAPolicy) -> SLAPolicy:
    """Set the target for a kind of request; every open case's due date follows. Policies are
    never deleted: every kind keeps one."""
    with transaction.atomic():
        if save_reference(actor=actor, obj=policy) is not None:
            queue.publish_on_commit(queue.REFRESH_DUE_DATES)
    return policy


# --- users: accounts and roles --------------------------------------------------------------


def _user_payload(user: User, **rest: Any) -> dict[str, Any]:
    return {"user_id": user.pk, "username": user.get_username(), **rest}


def user_save(*, actor: User, user: User) -> User:
    """Create an account, or change its name, e-mail, user name or whether it may sign in.

    Roles (and with them access to the admin) come from `user_set_roles`; the superuser flag
    cannot be given here.
    """
    require(actor, Capability.MANAGE_ROLES)
    with transaction.atomic():
        if user._state.adding:
            if user.is_superuser or user.is_staff:
                raise InvalidInput(_("A new account starts without roles; give them next."))
            _refuse_invalid(user)
            user.save(force_insert=True)
            values = {**values_of(user, USER_FIELDS), "usable_password": user.has_usable_password()}
            audit.record(
                action="user.created",
                actor=actor,
                payload=_user_payload(user, values=listed(values)),
            )
            return user
        stored = User.objects.select_for_update().get(pk=user.pk)
        if (user.is_superuser, user.is_staff) != (stored.is_superuser, stored.is_staff):
            raise InvalidInput(_("Access to the admin follows the roles; change the roles."))
        _refuse_invalid(user)
        changed = changes(values_of(stored, USER_FIELDS), values_of(user, USER_FIELDS))
        if changed:
            # Only the fields this service owns: a password set meanwhile stays as it is.
            user.save(update_fields=[change["field"] for change in changed])
            audit.record(
                action="user.changed", actor=actor, payload=_user_payload(user, changes=changed)
            )
    return user


def user_set_roles(*, actor: User, user: User, roles: Collection[Role]) -> User:
    """Give `user` exactly these roles (groups). Access to the admin (`is_staff`) follows: the
    administrator role has it, and so do superusers; nobody else."""
    require(actor, Capability.MANAGE_ROLES)
    wanted = sorted({Role(role).value for role in roles})
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        groups = list(Group.objects.filter(name__in=wanted))
        if len(groups) != len(wanted):
            raise InvalidInput(_("A role is missing from the database; run the migrations."))
        held = sorted(locked.groups.filter(name__in=Role.values).values_list("name", flat=True))
        staff = locked.is_superuser or Role.ADMINISTRATOR.value in wanted
        changed = changes(
            {"roles": held, "is_staff": locked.is_staff}, {"roles": wanted, "is_staff": staff}
        )
        if changed:
            locked.groups.remove(*Group.objects.filter(name__in=set(held) - set(wanted)))
            locked.groups.add(*groups)
            if locked.is_staff != staff:
                locked.is_staff = staff
                locked.save(update_fields=["is_staff"])
            audit.record(
                action="user.roles.changed",
                actor=actor,
                payload=_user_payload(locked, changes=changed),
            )
    user.is_staff = locked.is_staff
    return user


def user_set_password(*, actor: User, user: User, password: str | None) -> User:
    """Set a new password for `user`, or (None) turn password sign-in off for them."""
    require(actor, Capability.MANAGE_ROLES)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if password is None:
            locked.set_unusable_password()
        else:
            try:
                validate_password(password, locked)
            except ValidationError as error:
                raise InvalidInput(
                    _("This password cannot be used."), details=error.messages
                ) from error
            locked.set_password(password)
        locked.save(update_fields=["password"])
        audit.record(
            action="user.password.set",
            actor=actor,
            payload=_user_payload(locked, usable=password is not None),
        )
    user.password = locked.password
    return user

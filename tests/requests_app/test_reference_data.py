"""The admin's writes are services: closure days, SLA policies, users' accounts and roles.

Each edit through the real admin pages leaves exactly one audit entry with what changed
(before and after), a creation its values, a deletion what was deleted; a user without the
capability is refused by the service itself; due dates are recomputed after commit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from requests_app import queue, reference_data
from requests_app.audit import AuditEvent, verify_chain
from requests_app.errors import InvalidInput, NotPermitted
from requests_app.models import ClosureDay, SLAPolicy
from requests_app.permissions import Capability, Role, has_capability
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """The tasks queued (by name), in order; nothing reaches a broker."""
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(queue, "publish", lambda name, *args: calls.append((name, *args)))
    return calls


@pytest.fixture
def superuser(reference_data: None) -> User:
    return User.objects.create_superuser(
        "root", "root@cmc.example.jp", PASSWORD, last_name="総務", first_name="部長"
    )


def events(*actions: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action__in=actions).order_by("seq"))


def written(*actions: str) -> list[AuditEvent]:
    return events(*(actions or ("reference.created", "reference.changed", "reference.deleted")))


# --- closure days -------------------------------------------------------------------------


def test_adding_a_closure_day_in_the_admin_is_one_audited_creation_refreshed_after_commit(
    administrator: User,
    published: list[tuple[Any, ...]],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for(administrator).post(
            reverse("admin:requests_app_closureday_add"),
            {"name": "創立記念日", "month": "6", "day": "1", "year": ""},
        )
        assert response.status_code == 302
        assert published == []  # nothing is queued before the change is committed
    for callback in callbacks:
        callback()
    assert published == [(queue.REFRESH_DUE_DATES,)]
    day = ClosureDay.objects.get(name="創立記念日")
    [event] = written()
    assert event.action == "reference.created"
    assert event.actor == administrator
    assert event.payload == {
        "model": "requests_app.closureday",
        "id": day.pk,
        "values": [
            {"field": "name", "value": "創立記念日"},
            {"field": "month", "value": 6},
            {"field": "day", "value": 1},
            {"field": "year", "value": None},
        ],
    }
    assert verify_chain() is None


def test_changing_a_closure_day_records_only_what_changed(
    administrator: User, published: list[tuple[Any, ...]]
) -> None:
    day = ClosureDay.objects.get(year=None, month=12, day=29)
    url = reverse("admin:requests_app_closureday_change", args=[day.pk])
    response = client_for(administrator).post(
        url, {"name": day.name, "month": "12", "day": "28", "year": ""}
    )
    assert response.status_code == 302
    [event] = written()
    assert event.action == "reference.changed"
    assert event.payload == {
        "model": "requests_app.closureday",
        "id": day.pk,
        "changes": [{"field": "day", "before": 29, "after": 28}],
    }
    # Saving the page again without a change writes nothing and recomputes nothing.
    published.clear()
    again = client_for(administrator).post(
        url, {"name": day.name, "month": "12", "day": "28", "year": ""}
    )
    assert again.status_code == 302
    assert len(written()) == 1
    assert published == []


def test_deleting_closure_days_in_the_admin_records_what_each_was(
    administrator: User,
    published: list[tuple[Any, ...]],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    client = client_for(administrator)
    first, second, third = ClosureDay.objects.filter(year=None, month=1).order_by("day")[:3]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:requests_app_closureday_delete", args=[first.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    assert published == [(queue.REFRESH_DUE_DATES,)]
    [event] = written()
    assert event.action == "reference.deleted"
    assert event.payload == {
        "model": "requests_app.closureday",
        "id": first.pk,
        "values": [
            {"field": "name", "value": first.name},
            {"field": "month", "value": 1},
            {"field": "day", "value": first.day},
            {"field": "year", "value": None},
        ],
    }
    # The changelist's bulk action: one entry per day, one refresh for the lot.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:requests_app_closureday_changelist"),
            {"action": "delete_selected", "_selected_action": [second.pk, third.pk], "post": "yes"},
        )
    assert response.status_code == 302
    assert not ClosureDay.objects.filter(pk__in=[first.pk, second.pk, third.pk]).exists()
    deleted = written("reference.deleted")
    assert [e.payload["id"] for e in deleted] == [first.pk, second.pk, third.pk]
    assert all(e.actor == administrator for e in deleted)
    assert published == [(queue.REFRESH_DUE_DATES,), (queue.REFRESH_DUE_DATES,)]


def test_the_closure_day_services_refuse_whoever_lacks_the_capability(
    personas: dict[str, User], published: list[tuple[Any, ...]]
) -> None:
    day = ClosureDay.objects.get(year=None, month=12, day=29)
    for who in ("staff", "manager", "auditor", "outsider"):
        with pytest.raises(NotPermitted):
            reference_data.closure_day_save(
                actor=personas[who], closure_day=ClosureDay(name="勝手な休日", month=5, day=7)
            )
        day.day = 30
        with pytest.raises(NotPermitted):
            reference_data.closure_day_save(actor=personas[who], closure_day=day)
        with pytest.raises(NotPermitted):
            reference_data.closure_days_delete(actor=personas[who], closure_days=[day])
    assert not ClosureDay.objects.filter(name="勝手な休日").exists()
    assert ClosureDay.objects.filter(pk=day.pk, day=29).exists()
    assert written() == [] and published == []


def test_the_service_refuses_a_day_that_does_not_exist(
    administrator: User, published: list[tuple[Any, ...]]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        reference_data.closure_day_save(
            actor=administrator, closure_day=ClosureDay(name="誤り", month=2, day=30)
        )
    assert "There is no such day in that month." in refused.value.details
    with pytest.raises(InvalidInput):  # the New Year closure already has Dec 31
        reference_data.closure_day_save(
            actor=administrator, closure_day=ClosureDay(name="重複", month=12, day=31)
        )
    assert not ClosureDay.objects.filter(name__in=["誤り", "重複"]).exists()
    assert written() == [] and published == []


# --- SLA policies -------------------------------------------------------------------------


def test_changing_a_policy_in_the_admin_records_before_and_after_and_refreshes(
    administrator: User,
    published: list[tuple[Any, ...]],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    policy = SLAPolicy.objects.get(kind="disclosure")
    assert (policy.target_days, policy.day_count) == (14, "calendar")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for(administrator).post(
            reverse("admin:requests_app_slapolicy_change", args=[policy.pk]),
            {
                "kind": "disclosure",
                "target_days": "10",
                "day_count": "business",
                "warning_days": "3",
                "pauses_while_waiting": "on",
                "search_task_days": "3",
            },
        )
        assert response.status_code == 302
        assert published == []
    for callback in callbacks:
        callback()
    assert published == [(queue.REFRESH_DUE_DATES,)]
    [event] = written()
    assert event.action == "reference.changed"
    assert event.payload["changes"] == [
        {"field": "target_days", "before": 14, "after": 10},
        {"field": "day_count", "before": "calendar", "after": "business"},
    ]


def test_policies_stay_undeletable_and_the_service_refuses_others(
    administrator: User, staff: User, manager: User, published: list[tuple[Any, ...]]
) -> None:
    policy = SLAPolicy.objects.get(kind="disclosure")
    client = client_for(administrator)
    delete = reverse("admin:requests_app_slapolicy_delete", args=[policy.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    bulk = client.post(
        reverse("admin:requests_app_slapolicy_changelist"),
        {"action": "delete_selected", "_selected_action": [policy.pk], "post": "yes"},
    )
    assert bulk.status_code == 200  # "No action selected": the admin offers no delete action
    assert SLAPolicy.objects.filter(pk=policy.pk).exists()
    policy.target_days = 1
    for actor in (staff, manager):
        with pytest.raises(NotPermitted):
            reference_data.sla_policy_save(actor=actor, policy=policy)
    policy.target_days = 0
    with pytest.raises(InvalidInput):
        reference_data.sla_policy_save(actor=administrator, policy=policy)
    assert SLAPolicy.objects.get(pk=policy.pk).target_days == 14
    assert written() == [] and published == []


# --- users and their roles ----------------------------------------------------------------


def test_only_superusers_may_change_roles(
    personas: dict[str, User], superuser: User, staff: User
) -> None:
    assert has_capability(superuser, Capability.MANAGE_ROLES)
    for who, user in personas.items():
        assert not has_capability(user, Capability.MANAGE_ROLES), who
        with pytest.raises(NotPermitted):
            reference_data.user_set_roles(actor=user, user=staff, roles=[Role.MANAGER])
        with pytest.raises(NotPermitted):
            reference_data.user_set_password(actor=user, user=staff, password="x" * 20)
    # The administrator edits reference data, but sees no users in the admin.
    client = client_for(personas["administrator"])
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert client.get(reverse("admin:auth_user_change", args=[staff.pk])).status_code == 403
    assert "auth/user" not in client.get(reverse("admin:index")).content.decode()
    assert list(staff.groups.values_list("name", flat=True)) == ["staff"]
    assert events("user.roles.changed", "user.password.set") == []


def test_a_superuser_changes_roles_in_the_admin_one_entry_with_before_and_after(
    superuser: User, staff: User
) -> None:
    client = client_for(superuser)
    url = reverse("admin:auth_user_change", args=[staff.pk])
    page = client.get(url).content.decode()
    assert "Manager (Data Controller)" in page  # the roles, by their names
    assert 'name="user_permissions"' not in page and 'name="is_superuser"' not in page
    manager = Group.objects.get(name=Role.MANAGER.value)
    administrator = Group.objects.get(name=Role.ADMINISTRATOR.value)
    data = {
        "username": staff.username,
        "last_name": staff.last_name,
        "first_name": staff.first_name,
        "email": staff.email,
        "is_active": "on",
        "groups": [manager.pk, administrator.pk],
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    staff.refresh_from_db()
    assert sorted(staff.groups.values_list("name", flat=True)) == ["administrator", "manager"]
    assert staff.is_staff  # the administrator role opens the admin
    [event] = events("user.roles.changed", "user.changed", "user.created")
    assert event.action == "user.roles.changed"
    assert event.actor == superuser
    assert event.payload == {
        "user_id": staff.pk,
        "username": "hanako",
        "changes": [
            {"field": "roles", "before": ["staff"], "after": ["administrator", "manager"]},
            {"field": "is_staff", "before": False, "after": True},
        ],
    }
    # A change of e-mail and the loss of a role: one entry each, only what changed.
    data.update({"email": "h.yamada@cmc.example.jp", "groups": [manager.pk]})
    assert client.post(url, data).status_code == 302
    changed, roles = events("user.changed", "user.roles.changed")[-2:]
    assert changed.action == "user.changed"
    assert changed.payload["changes"] == [
        {"field": "email", "before": "hanako@cmc.example.jp", "after": "h.yamada@cmc.example.jp"}
    ]
    assert roles.payload["changes"] == [
        {"field": "roles", "before": ["administrator", "manager"], "after": ["manager"]},
        {"field": "is_staff", "before": True, "after": False},
    ]
    assert not User.objects.get(pk=staff.pk).is_staff
    # Saving again unchanged writes nothing.
    before = AuditEvent.objects.count()
    assert client.post(url, data).status_code == 302
    assert AuditEvent.objects.count() == before
    assert verify_chain() is None


def test_a_superuser_adds_an_account_and_sets_a_password_never_recorded(superuser: User) -> None:
    client = client_for(superuser)
    response = client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "jiro",
            "usable_password": "true",
            "password1": "a-long-passphrase-2026",
            "password2": "a-long-passphrase-2026",
        },
    )
    assert response.status_code == 302
    jiro = User.objects.get(username="jiro")
    assert jiro.check_password("a-long-passphrase-2026")
    assert not jiro.is_staff and not jiro.groups.exists()
    [created] = events("user.created")
    assert created.actor == superuser
    assert {"field": "usable_password", "value": True} in created.payload["values"]
    assert {"field": "username", "value": "jiro"} in created.payload["values"]
    response = client.post(
        reverse("admin:auth_user_password_change", args=[jiro.pk]),
        {
            "usable_password": "true",
            "password1": "another-passphrase-2026",
            "password2": "another-passphrase-2026",
        },
    )
    assert response.status_code == 302
    jiro.refresh_from_db()
    assert jiro.check_password("another-passphrase-2026")
    [password] = events("user.password.set")
    assert password.payload == {"user_id": jiro.pk, "username": "jiro", "usable": True}
    trail = "".join(str(e.payload) for e in AuditEvent.objects.all())
    assert "passphrase" not in trail and jiro.password not in trail
    # A password the validators refuse is shown again with the reason; nothing is written.
    refused = client.post(
        reverse("admin:auth_user_password_change", args=[jiro.pk]),
        {"usable_password": "true", "password1": "12345678", "password2": "12345678"},
    )
    assert refused.status_code == 200
    assert "This password is entirely numeric." in refused.content.decode()
    assert len(events("user.password.set")) == 1


def test_accounts_are_never_deleted_and_groups_are_not_edited_in_the_admin(
    superuser: User, staff: User
) -> None:
    client = client_for(superuser)
    assert client.get(reverse("admin:auth_user_delete", args=[staff.pk])).status_code == 403
    assert client.get("/admin/auth/group/").status_code == 404
    assert User.objects.filter(pk=staff.pk).exists()


def test_the_user_service_refuses_to_make_a_superuser(superuser: User, staff: User) -> None:
    staff.is_superuser = True
    with pytest.raises(InvalidInput):
        reference_data.user_save(actor=superuser, user=staff)
    with pytest.raises(InvalidInput):
        reference_data.user_save(actor=superuser, user=User(username="x", is_staff=True))
    assert not User.objects.get(pk=staff.pk).is_superuser
    assert events("user.changed", "user.created") == []


def test_the_user_list_names_and_filters_by_role(
    superuser: User, staff: User, manager: User
) -> None:
    client = client_for(superuser)
    page = client.get(reverse("admin:auth_user_changelist"), {"role": "manager"}).content.decode()
    assert "kenichi" in page and "hanako" not in page
    assert "Manager (Data Controller)" in page

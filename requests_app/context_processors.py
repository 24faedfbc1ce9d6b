from typing import Any

from django.http import HttpRequest

from requests_app.permissions import Capability, Role, has_capability

ROLES_SESSION_KEY = "appi_role_labels"


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "can": {capability.value: has_capability(user, capability) for capability in Capability},
        "user_roles": _role_names(request, user),
    }


def _role_names(request: HttpRequest, user: Any) -> list[str]:
    # Shown in the header of every page: read once per sign-in, not once per page.
    # Only the label is cached; every permission check still asks the database.
    names = request.session.get(ROLES_SESSION_KEY)
    if names is None:
        names = sorted(
            name for name in user.groups.values_list("name", flat=True) if name in Role.values
        )
        request.session[ROLES_SESSION_KEY] = names
    return [str(Role(name).label) for name in names]

"""The exports' part of the case page: the dossier of this one case, for those who export."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from requests_app.models import Case
from requests_app.permissions import Capability, has_capability


def case_section(case: Case, user: Any, forms: Mapping[str, Any]) -> dict[str, Any]:
    return {"dossier_available": has_capability(user, Capability.EXPORT_HISTORIES)}

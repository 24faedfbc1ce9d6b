"""Contact details partly masked for people who have no need for them (auditors).

Auditors check that cases were handled correctly; they do not telephone or write to the
person, so phone numbers and e-mail addresses are shown partly masked to them: on the pages,
in the bundles and in the dossiers. One rule decides who sees them in full
(`masks_contact_details`), and one function masks them wherever they appear in a record
(`mask_contact_values`), so pages, bundles and dossiers never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from requests_app.permissions import Capability, has_capability

MASK_CHAR = "*"
# A key naming a contact detail, alone or as the last part of a dotted name
# ("phone", "requester.email", as in the audit payload of a details correction).
CONTACT_KEYS = frozenset({"phone", "telephone", "email", "e_mail"})


def masks_contact_details(user: Any) -> bool:
    """Whoever does not work on cases sees contact details partly masked."""
    return not has_capability(user, Capability.WORK_CASES)


def mask_phone(value: str) -> str:
    """Every digit but the first two and the last two: 052-322-3355 → 05*-***-**55."""
    if not value:
        return value
    digits = [index for index, char in enumerate(value) if char.isdigit()]
    hidden = set(digits[2:-2]) if len(digits) > 4 else set(digits)
    return "".join(MASK_CHAR if index in hidden else char for index, char in enumerate(value))


def mask_email(value: str) -> str:
    """The first character of the mailbox and the domain: misaki@example.jp → m***@example.jp."""
    if not value:
        return value
    local, at, domain = value.partition("@")
    if not at:
        return MASK_CHAR * len(value)
    # A fixed number of stars: the mask must not tell how long the mailbox name is.
    return local[:1] + MASK_CHAR * 3 + "@" + domain


def mask_contact(key: str, value: Any) -> Any:
    """`value` masked as the contact detail that `key` names (strings only; else unchanged)."""
    if not isinstance(value, str):
        return value
    return mask_email(value) if "mail" in key else mask_phone(value)


def is_contact_key(key: str) -> bool:
    return key.rsplit(".", 1)[-1].lower() in CONTACT_KEYS


def mask_contact_values(data: Any, *, _key: str = "") -> tuple[Any, list[str]]:
    """A copy of `data` with every contact detail masked, and the paths that were masked.

    Nested values under a contact key are masked too ({"requester.phone": {"before": …,
    "after": …}}). The paths ("changes.requester.phone.before") say what an auditor cannot
    see, so a bundle can list them.
    """
    masked_paths: list[str] = []

    def walk(value: Any, path: str, contact_key: str) -> Any:
        if isinstance(value, Mapping):
            result = {}
            for key, inner in value.items():
                inner_key = contact_key or (str(key) if is_contact_key(str(key)) else "")
                result[key] = walk(inner, f"{path}.{key}" if path else str(key), inner_key)
            return result
        if isinstance(value, list):
            return [walk(inner, f"{path}[{i}]", contact_key) for i, inner in enumerate(value)]
        if contact_key and isinstance(value, str) and value:
            masked = mask_contact(contact_key, value)
            if masked != value:
                masked_paths.append(path)
            return masked
        return value

    return walk(data, _key, ""), masked_paths

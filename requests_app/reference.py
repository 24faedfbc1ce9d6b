"""The deadline reference data the app starts with (seeded by a migration; editable afterwards).

The SLA targets follow the law (DOMAIN.md, "Time"). APPI Art. 39 lets the person sue two weeks
after a request for disclosure (Art. 33, including third-party provision records), correction
(Art. 34) or discontinuation, erasure or cessation (Art. 35) arrived, so those kinds aim at 14
calendar days, brought forward to the last working day when the 14th day is a closed day. A
notice of purpose of use (Art. 32) and a complaint (Art. 40) have no such date: 10 business
days, which is two working weeks.
"""

from __future__ import annotations

from typing import Any

# (month, day, name) of the closures every year: the New Year holidays (年末年始休業).
CLOSURE_DAYS = [
    (12, 29, "年末年始休業"),
    (12, 30, "年末年始休業"),
    (12, 31, "年末年始休業"),
    (1, 1, "年末年始休業"),
    (1, 2, "年末年始休業"),
    (1, 3, "年末年始休業"),
]

# kind: (target days, counted in, warning business days, pauses while waiting on the requester)
SLA_POLICIES: dict[str, tuple[int, str, int, bool]] = {
    "purpose_notice": (10, "business", 3, True),
    "disclosure": (14, "calendar", 3, True),
    "third_party_records": (14, "calendar", 3, True),
    "correction": (14, "calendar", 3, True),
    "discontinuation": (14, "calendar", 3, True),
    "third_party_cessation": (14, "calendar", 3, True),
    "complaint": (10, "business", 3, True),
}


def seed_deadline_reference_data(apps: Any = None) -> None:
    """Create the seeded closure days and policies that are missing; never overwrite edits."""
    from django.apps import apps as global_apps

    registry = apps or global_apps
    closure_day = registry.get_model("requests_app", "ClosureDay")
    for month, day, name in CLOSURE_DAYS:
        closure_day.objects.get_or_create(year=None, month=month, day=day, defaults={"name": name})
    policy = registry.get_model("requests_app", "SLAPolicy")
    for kind, (target, count, warning, pauses) in SLA_POLICIES.items():
        policy.objects.get_or_create(
            kind=kind,
            defaults={
                "target_days": target,
                "day_count": count,
                "warning_days": warning,
                "pauses_while_waiting": pauses,
            },
        )

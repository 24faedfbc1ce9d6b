"""Filters that stand in for slower built-ins in long lists write the same text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.template import Context, Template
from django.utils import translation


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 11, 30, 23, 59, 58, 123456, tzinfo=UTC),  # the next day in Tokyo
        datetime(2026, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=-5))),
        datetime(2026, 3, 1, 9, 5),  # naive
        None,
        "",
    ],
)
@pytest.mark.parametrize("language", ["ja", "en"])
def test_minute_and_iso_write_what_the_date_filter_writes(value: object, language: str) -> None:
    ours = Template("{% load cases %}{{ value|minute }}|{{ value|iso }}")
    djangos = Template("""{{ value|date:"Y-m-d H:i" }}|{{ value|date:'c' }}""")
    with translation.override(language):
        assert ours.render(Context({"value": value})) == djangos.render(Context({"value": value}))

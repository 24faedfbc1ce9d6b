"""Office time in tests: freeze the clock on a given day in Tokyo, and move it.

Patches django.utils.timezone.now, which the audit trail, the services (timezone.localdate)
and the tasks all read, so a test can walk a case through days that are not today.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from unittest import mock
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")


def tokyo(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=TOKYO)


@contextmanager
def office_time(day: date, hour: int = 10) -> Iterator[Callable[..., None]]:
    """Freeze "now" at `hour` o'clock in Tokyo on `day`; yields `move(day, hour=10)`."""
    current = [tokyo(day, hour)]

    def move(to: date, hour: int = 10) -> None:
        current[0] = tokyo(to, hour)

    with mock.patch("django.utils.timezone.now", side_effect=lambda: current[0]):
        yield move

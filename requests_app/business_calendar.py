"""The business calendar (営業日): which days the office works, and counting in working days.

A day is a working day unless it is a Saturday or Sunday, a national holiday of Japan (the
`holidays` package: substitute holidays 振替休日 and the "citizens' holiday" 国民の休日 between
two holidays included), or one of the company's closure days (ClosureDay, edited by an
administrator; the New Year closure, Dec 29 - Jan 3, is one row per day for every year).

Periods follow the Civil Code: the day an event happens (a request arriving) is not counted
(Art. 140), so "10 business days from arrival" is the 10th working day *after* the arrival day,
and `business_days_between(a, b)` counts the working days in (a, b].

`BusinessCalendar` is pure and cheap to query; `load_calendar()` builds one from the database
(one query), so a page or task loads it once and passes it around.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import holidays

from requests_app.models import ClosureDay

# A bound on day-by-day walks: no period the app handles is anywhere near ten years.
_MAX_WALK_DAYS = 3660


@lru_cache(maxsize=64)
def national_holidays(year: int) -> frozenset[date]:
    """Japan's national holidays of one year (国民の祝日, 振替休日 and 国民の休日)."""
    return frozenset(holidays.country_holidays("JP", years=year))


def _weekdays_through(day: date) -> int:
    # Ordinal 1 (0001-01-01) is a Monday, so the first five days of every week are weekdays.
    ordinal = day.toordinal()
    return 5 * (ordinal // 7) + min(ordinal % 7, 5)


class BusinessCalendar:
    """Working days: weekdays that are neither national holidays nor company closures.

    `closures` are (year, month, day) triples; a year of None means every year.
    """

    def __init__(self, closures: Iterable[tuple[int | None, int, int]] = ()) -> None:
        yearly: set[tuple[int, int]] = set()
        dated: set[date] = set()
        for year, month, day in closures:
            if year is None:
                yearly.add((month, day))
            else:
                try:
                    dated.add(date(year, month, day))
                except ValueError:
                    continue  # a date that does not exist closes nothing
        self._yearly = frozenset(yearly)
        self._dated = frozenset(dated)
        self._closed_by_year: dict[int, tuple[frozenset[date], list[date]]] = {}

    def _closed_weekdays(self, year: int) -> tuple[frozenset[date], list[date]]:
        """The weekdays of `year` that are not working days, as a set and a sorted list."""
        cached = self._closed_by_year.get(year)
        if cached is None:
            days = set(national_holidays(year))
            for month, day in self._yearly:
                try:
                    days.add(date(year, month, day))
                except ValueError:
                    continue  # Feb 29 in a common year
            days.update(day for day in self._dated if day.year == year)
            weekdays = sorted(day for day in days if day.weekday() < 5)
            cached = (frozenset(weekdays), weekdays)
            self._closed_by_year[year] = cached
        return cached

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._closed_weekdays(day.year)[0]

    def business_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: the start day is not counted (Civil Code Art. 140).

        Negative when `end` is before `start` (e.g. how many working days a case is late).
        """
        if end < start:
            return -self.business_days_between(end, start)
        count = _weekdays_through(end) - _weekdays_through(start)
        for year in range(start.year, end.year + 1):
            closed = self._closed_weekdays(year)[1]
            count -= bisect.bisect_right(closed, end) - bisect.bisect_right(closed, start)
        return count

    def add_business_days(self, start: date, days: int) -> date:
        """The `days`-th working day after `start` (before it, for a negative number).

        Zero returns `start` itself, working day or not.
        """
        if abs(days) > _MAX_WALK_DAYS:
            raise ValueError(f"{days} business days is beyond any period the app handles.")
        step = timedelta(days=1 if days >= 0 else -1)
        remaining = abs(days)
        day = start
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def next_working_day(self, day: date) -> date:
        """`day` itself if it is a working day, else the first working day after it."""
        return self._walk_to_working_day(day, timedelta(days=1))

    def previous_working_day(self, day: date) -> date:
        """`day` itself if it is a working day, else the last working day before it."""
        return self._walk_to_working_day(day, timedelta(days=-1))

    def _walk_to_working_day(self, day: date, step: timedelta) -> date:
        for _ in range(_MAX_WALK_DAYS):
            if self.is_working_day(day):
                return day
            day += step
        raise ValueError(f"No working day within {_MAX_WALK_DAYS} days of {day}.")


def load_calendar() -> BusinessCalendar:
    """The calendar with the company's closure days as they are in the database (one query)."""
    return BusinessCalendar(ClosureDay.objects.values_list("year", "month", "day"))


# The three questions of the issue, against the current calendar. Code that asks many of them
# loads the calendar once with load_calendar() and asks it instead.


def is_working_day(day: date, *, calendar: BusinessCalendar | None = None) -> bool:
    return (calendar or load_calendar()).is_working_day(day)


def add_business_days(start: date, days: int, *, calendar: BusinessCalendar | None = None) -> date:
    return (calendar or load_calendar()).add_business_days(start, days)


def business_days_between(
    start: date, end: date, *, calendar: BusinessCalendar | None = None
) -> int:
    return (calendar or load_calendar()).business_days_between(start, end)

"""Business-day arithmetic against Japan's real 2026 and 2027 calendars and company closures."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from requests_app.business_calendar import (
    BusinessCalendar,
    add_business_days,
    business_days_between,
    is_working_day,
    load_calendar,
)
from requests_app.models import ClosureDay
from requests_app.reference import CLOSURE_DAYS

# The seeded company calendar: New Year closure, Dec 29 - Jan 3, every year.
OFFICE = BusinessCalendar([(None, month, day) for month, day, _name in CLOSURE_DAYS])
D = date


@pytest.mark.parametrize(
    ("day", "working"),
    [
        # Golden Week 2026: Showa Day (Wed), Constitution Day on a Sunday, so Greenery Day,
        # Children's Day and the substitute holiday on Wednesday the 6th.
        (D(2026, 4, 28), True),
        (D(2026, 4, 29), False),
        (D(2026, 4, 30), True),
        (D(2026, 5, 1), True),
        (D(2026, 5, 4), False),
        (D(2026, 5, 5), False),
        (D(2026, 5, 6), False),
        (D(2026, 5, 7), True),
        # The 2026 Silver Week: Sat 19 to Wed 23 September; Tuesday the 22nd is the
        # citizens' holiday between Respect for the Aged Day and the Autumnal Equinox.
        (D(2026, 9, 18), True),
        (D(2026, 9, 21), False),
        (D(2026, 9, 22), False),
        (D(2026, 9, 23), False),
        (D(2026, 9, 24), True),
        # New Year: the company closes Dec 29 - Jan 3; Jan 1 is also a national holiday.
        (D(2026, 12, 28), True),
        (D(2026, 12, 29), False),
        (D(2026, 12, 31), False),
        (D(2027, 1, 1), False),
        (D(2027, 1, 4), True),
        (D(2026, 1, 2), False),
        (D(2026, 1, 5), True),
        # Substitute holidays: the Vernal Equinox 2027 falls on a Sunday, so Monday is off.
        (D(2027, 3, 21), False),
        (D(2027, 3, 22), False),
        (D(2027, 3, 23), True),
        # Golden Week 2027: Thursday 29 April, Monday 3 to Wednesday 5 May.
        (D(2027, 4, 29), False),
        (D(2027, 4, 30), True),
        (D(2027, 5, 3), False),
        (D(2027, 5, 5), False),
        (D(2027, 5, 6), True),
        # An ordinary weekend, and Coming of Age Day (second Monday of January).
        (D(2026, 11, 28), False),
        (D(2026, 11, 29), False),
        (D(2026, 11, 30), True),
        (D(2027, 1, 11), False),
    ],
)
def test_working_days_of_2026_and_2027(day: date, working: bool) -> None:
    assert OFFICE.is_working_day(day) is working


def test_a_year_of_working_days() -> None:
    # 2026: 261 weekdays, 17 national holidays on weekdays, Jan 2 and Dec 29-31 closed.
    assert OFFICE.business_days_between(D(2025, 12, 31), D(2026, 12, 31)) == 240
    # 2027: 261 weekdays, 16 national holidays on weekdays, Dec 29-31 closed.
    assert OFFICE.business_days_between(D(2026, 12, 31), D(2027, 12, 31)) == 242


def test_the_day_of_arrival_is_not_counted() -> None:
    # Civil Code Art. 140: a request arriving on Monday 30 Nov 2026 has its first day on
    # Tuesday; ten business days end on Monday 14 December, not Friday the 11th.
    assert OFFICE.add_business_days(D(2026, 11, 30), 1) == D(2026, 12, 1)
    assert OFFICE.add_business_days(D(2026, 11, 30), 10) == D(2026, 12, 14)
    assert OFFICE.business_days_between(D(2026, 11, 30), D(2026, 11, 30)) == 0
    assert OFFICE.business_days_between(D(2026, 11, 30), D(2026, 12, 14)) == 10
    # Arriving on a Saturday counts from Monday.
    assert OFFICE.add_business_days(D(2026, 11, 28), 1) == D(2026, 11, 30)


def test_adding_business_days_across_the_holidays() -> None:
    assert OFFICE.add_business_days(D(2026, 4, 30), 2) == D(2026, 5, 7)  # over Golden Week
    assert OFFICE.add_business_days(D(2026, 4, 23), 10) == D(2026, 5, 13)
    assert OFFICE.add_business_days(D(2026, 9, 18), 1) == D(2026, 9, 24)  # over Silver Week
    assert OFFICE.add_business_days(D(2026, 12, 28), 1) == D(2027, 1, 4)  # over New Year
    assert OFFICE.add_business_days(D(2027, 4, 28), 3) == D(2027, 5, 7)
    assert OFFICE.add_business_days(D(2027, 3, 19), 1) == D(2027, 3, 23)  # substitute Monday
    # Backwards, as the reminder date is counted back from the due date.
    assert OFFICE.add_business_days(D(2027, 1, 4), -1) == D(2026, 12, 28)
    assert OFFICE.add_business_days(D(2026, 5, 7), -3) == D(2026, 4, 28)
    assert OFFICE.add_business_days(D(2026, 5, 7), 0) == D(2026, 5, 7)


def test_counting_business_days_between_dates() -> None:
    assert OFFICE.business_days_between(D(2026, 4, 28), D(2026, 5, 8)) == 4
    assert OFFICE.business_days_between(D(2026, 9, 18), D(2026, 9, 25)) == 2
    assert OFFICE.business_days_between(D(2026, 12, 25), D(2027, 1, 5)) == 3
    # Backwards gives a negative count: how many working days a case is late.
    assert OFFICE.business_days_between(D(2026, 5, 8), D(2026, 4, 28)) == -4


def test_nearest_working_days() -> None:
    assert OFFICE.previous_working_day(D(2027, 1, 3)) == D(2026, 12, 28)
    assert OFFICE.next_working_day(D(2026, 12, 29)) == D(2027, 1, 4)
    assert OFFICE.next_working_day(D(2026, 12, 28)) == D(2026, 12, 28)


def test_counting_agrees_with_walking_day_by_day() -> None:
    rng = random.Random(2026)
    calendar = BusinessCalendar([*((None, m, d) for m, d, _n in CLOSURE_DAYS), (2026, 8, 14)])
    for _ in range(300):
        start = D(2025, 6, 1) + timedelta(days=rng.randint(0, 900))
        end = start + timedelta(days=rng.randint(0, 120))
        walked = sum(
            calendar.is_working_day(start + timedelta(days=n))
            for n in range(1, (end - start).days + 1)
        )
        assert calendar.business_days_between(start, end) == walked
        days = rng.randint(0, 40)
        later = calendar.add_business_days(start, days)
        assert calendar.business_days_between(start, later) == days
        assert days == 0 or calendar.is_working_day(later)


@pytest.mark.django_db
def test_closure_days_come_from_the_database() -> None:
    # Seeded by the migration: the New Year closure, every year, without yearly rows.
    assert ClosureDay.objects.filter(year__isnull=True).count() == 6
    assert not is_working_day(D(2031, 1, 2))  # a Thursday, years from now
    assert is_working_day(D(2026, 8, 14))
    ClosureDay.objects.create(name="事務所移転", year=2026, month=8, day=14)
    ClosureDay.objects.create(name="創立記念日", month=10, day=1)
    assert not is_working_day(D(2026, 8, 14))
    assert is_working_day(D(2027, 8, 13))  # only that year
    assert not is_working_day(D(2027, 10, 1))  # every year
    assert add_business_days(D(2026, 8, 13), 1) == D(2026, 8, 17)
    # 11th Mountain Day, 14th closed: the 12th, 13th and 17th count.
    assert business_days_between(D(2026, 8, 10), D(2026, 8, 17)) == 3


@pytest.mark.django_db
def test_a_closure_day_must_exist() -> None:
    with pytest.raises(ValidationError) as raised:
        ClosureDay(name="x", year=2026, month=2, day=29).full_clean()
    assert "There is no such day in that month." in str(raised.value)
    with pytest.raises(ValidationError):
        ClosureDay(name="x", month=4, day=31).full_clean()
    ClosureDay(name="閏日", month=2, day=29).full_clean()  # every year: leap years only
    calendar = BusinessCalendar([(None, 2, 29)])
    assert not calendar.is_working_day(D(2028, 2, 29))
    assert calendar.is_working_day(D(2027, 3, 1))


@pytest.mark.django_db
def test_the_same_closure_cannot_be_entered_twice() -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ClosureDay.objects.create(name="again", month=12, day=29)
    ClosureDay.objects.create(name="that year only", year=2026, month=12, day=29)
    with pytest.raises(IntegrityError), transaction.atomic():
        ClosureDay.objects.create(name="again", year=2026, month=12, day=29)
    assert load_calendar().is_working_day(D(2026, 12, 28))

"""Dates as a letter prints them: the Japanese era (令和8年11月28日) or 28 November 2026."""

from __future__ import annotations

from datetime import date

# (first day, name) of the eras a letter can meet, newest first. Reiwa began on 1 May 2019.
ERAS: tuple[tuple[date, str], ...] = (
    (date(2019, 5, 1), "令和"),
    (date(1989, 1, 8), "平成"),
    (date(1926, 12, 25), "昭和"),
)
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def japanese_era_date(day: date) -> str:
    """令和8年11月28日; the first year of an era is 元年 (令和元年5月1日)."""
    for first_day, name in ERAS:
        if day >= first_day:
            year = day.year - first_day.year + 1
            shown = "元" if year == 1 else str(year)
            return f"{name}{shown}年{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


def english_date(day: date) -> str:
    """28 November 2026: day first and the month in words, so nobody misreads it."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def letter_date(day: date, language: str) -> str:
    return japanese_era_date(day) if language == "ja" else english_date(day)

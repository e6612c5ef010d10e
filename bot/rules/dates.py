"""Date arithmetic as the law reads it (RULES.md, "Arithmetic"). Pure functions, no clock."""

import calendar as _calendar
from datetime import date, timedelta

from bot.calendar import academic_year_of as academic_year_of  # a calendar fact; rules use it by this name


def days_in_month(year: int, month: int) -> int:
    return _calendar.monthrange(year, month)[1]


def _shift(d: date, months: int) -> tuple[int, int]:
    index = d.year * 12 + (d.month - 1) + months
    return index // 12, index % 12 + 1


def add_months(d: date, months: int) -> date:
    """The corresponding day ``months`` later (or earlier); the month's last day if it has no such day.

    31 Dec + 2 months = 28/29 Feb. This is how "N months after D" is read in the tribunal rules
    and in the Interpretation Act sense of a calendar month.
    """
    year, month = _shift(d, months)
    return date(year, month, min(d.day, days_in_month(year, month)))


def add_years(d: date, years: int) -> date:
    """The corresponding day ``years`` later; 29 Feb falls back to 28 Feb."""
    return add_months(d, 12 * years)


def end_of_months_starting_with(d: date, months: int = 12) -> date:
    """The last day of the ``months`` months *starting with* ``d``.

    The period ends the day before the corresponding day; where there is no corresponding day it ends
    on the last day of that month (14 Mar 2025 -> 13 Mar 2026; 29 Feb 2024 -> 28 Feb 2025).
    """
    year, month = _shift(d, months)
    if d.day > days_in_month(year, month):
        return date(year, month, days_in_month(year, month))
    return date(year, month, d.day) - timedelta(days=1)


def weeks(n: int) -> timedelta:
    return timedelta(days=7 * n)


def current_year_group(recorded_year: int, recorded_academic_year: int, today: date) -> int:
    """A pupil's year group advances every 1 September after it was recorded."""
    return recorded_year + (academic_year_of(today) - recorded_academic_year)

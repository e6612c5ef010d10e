"""RULES.md "Arithmetic": months, the 12 months *starting with* a day, years, and the academic year."""

from datetime import date, timedelta

import pytest

from bot.rules.dates import (
    academic_year_of,
    add_months,
    add_years,
    current_year_group,
    days_in_month,
    end_of_months_starting_with,
    weeks,
)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        # "31 Dec + 2 months = 28/29 Feb"
        (date(2024, 12, 31), 2, date(2025, 2, 28)),
        (date(2023, 12, 31), 2, date(2024, 2, 29)),
        (date(2027, 12, 31), 2, date(2028, 2, 29)),
        # the month has no such day: its last day
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 3, 31), 1, date(2025, 4, 30)),
        (date(2025, 8, 31), 1, date(2025, 9, 30)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        # the corresponding day exists
        (date(2025, 1, 15), 2, date(2025, 3, 15)),
        (date(2025, 1, 30), 2, date(2025, 3, 30)),
        (date(2025, 2, 28), 1, date(2025, 3, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2025, 10, 31), 2, date(2025, 12, 31)),
        (date(2025, 11, 15), 2, date(2026, 1, 15)),
        (date(2025, 12, 31), 1, date(2026, 1, 31)),
        (date(2025, 5, 31), 0, date(2025, 5, 31)),
        # backwards
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2025, 1, 15), -2, date(2024, 11, 15)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # the two examples RULES.md gives
        (date(2025, 3, 14), date(2026, 3, 13)),
        (date(2024, 2, 29), date(2025, 2, 28)),
        # ends the day before the corresponding day, across a leap day
        (date(2023, 3, 1), date(2024, 2, 29)),
        (date(2027, 3, 1), date(2028, 2, 29)),
        (date(2024, 3, 1), date(2025, 2, 28)),
        (date(2023, 2, 28), date(2024, 2, 27)),
        (date(2024, 2, 28), date(2025, 2, 27)),
        # year ends
        (date(2025, 1, 1), date(2025, 12, 31)),
        (date(2024, 12, 31), date(2025, 12, 30)),
        (date(2025, 9, 1), date(2026, 8, 31)),
    ],
)
def test_end_of_12_months_starting_with(start: date, expected: date) -> None:
    assert end_of_months_starting_with(start) == expected
    assert end_of_months_starting_with(start, 12) == expected


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 1, 15), 1, date(2025, 2, 14)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),  # no 31 Feb: the last day of February
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 3, 31), 1, date(2025, 4, 30)),  # no 31 April
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2025, 8, 30), 6, date(2026, 2, 28)),  # no 30 Feb either
        (date(2025, 8, 28), 6, date(2026, 2, 27)),
        (date(2025, 3, 14), 24, date(2027, 3, 13)),
    ],
)
def test_end_of_other_periods_starting_with(start: date, months: int, expected: date) -> None:
    assert end_of_months_starting_with(start, months) == expected


@pytest.mark.parametrize(
    ("start", "years", "expected"),
    [
        (date(2024, 2, 29), 1, date(2025, 2, 28)),
        (date(2024, 2, 29), 3, date(2027, 2, 28)),
        (date(2024, 2, 29), 4, date(2028, 2, 29)),
        (date(2025, 2, 28), 3, date(2028, 2, 28)),
        (date(2025, 6, 15), 3, date(2028, 6, 15)),
        (date(2025, 12, 31), 1, date(2026, 12, 31)),
    ],
)
def test_add_years_uses_the_corresponding_day(start: date, years: int, expected: date) -> None:
    assert add_years(start, years) == expected


def test_weeks_are_calendar_days() -> None:
    assert weeks(1) == timedelta(days=7)
    assert weeks(6) == timedelta(days=42)
    assert weeks(20) == timedelta(days=140)
    assert date(2025, 12, 19) + weeks(2) == date(2026, 1, 2)  # no holiday adjustment


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [(2024, 2, 29), (2025, 2, 28), (1900, 2, 28), (2000, 2, 29), (2025, 4, 30), (2025, 12, 31)],
)
def test_days_in_month(year: int, month: int, expected: int) -> None:
    assert days_in_month(year, month) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 9, 1), 2025),
        (date(2025, 8, 31), 2024),
        (date(2025, 12, 31), 2025),
        (date(2026, 1, 1), 2025),
        (date(2026, 7, 22), 2025),
        (date(2026, 8, 31), 2025),
        (date(2026, 9, 1), 2026),
    ],
)
def test_academic_year_runs_1_september_to_31_august(day: date, expected: int) -> None:
    assert academic_year_of(day) == expected


@pytest.mark.parametrize(
    ("recorded_year", "recorded_academic_year", "today", "expected"),
    [
        (5, 2024, date(2024, 9, 1), 5),
        (5, 2024, date(2025, 8, 31), 5),  # still the same academic year
        (5, 2024, date(2025, 9, 1), 6),  # advances on 1 September
        (5, 2024, date(2027, 9, 1), 8),
        (0, 2025, date(2026, 9, 1), 1),  # Reception -> Year 1
        (10, 2025, date(2026, 1, 10), 10),
        (10, 2025, date(2026, 9, 2), 11),
    ],
)
def test_current_year_group_advances_each_1_september(
    recorded_year: int, recorded_academic_year: int, today: date, expected: int
) -> None:
    assert current_year_group(recorded_year, recorded_academic_year, today) == expected

"""bot.calendar: working days (RULES.md "working day"), school days, terms and estimated terms."""

import subprocess
import sys
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import holidays
import pytest

from bot.calendar import (
    SchoolCalendar,
    Term,
    estimate_terms,
    estimated_terms_around,
    is_bank_holiday,
    is_working_day,
    next_working_day,
)

ROOT = Path(__file__).resolve().parents[2]


def _eng(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv="ENG", years=year)


def test_bot_calendar_imports_on_its_own() -> None:
    """Regression: ``import bot.calendar`` before ``bot.rules`` used to fail on a circular import."""
    result = subprocess.run(
        [sys.executable, "-c", "import bot.calendar as c; print(c.SchoolCalendar.__name__)"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "SchoolCalendar"


# ---------------------------------------------------------------------------------------------- working days


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 1, 1), "New Year's Day"),
        (date(2026, 4, 3), "Good Friday"),
        (date(2026, 4, 6), "Easter Monday"),
        (date(2025, 4, 21), "Easter Monday"),
        (date(2026, 5, 4), "May Day"),
        (date(2026, 5, 25), "Spring Bank Holiday"),
        (date(2026, 8, 31), "Late Summer Bank Holiday"),
        (date(2025, 8, 25), "Late Summer Bank Holiday"),
        (date(2025, 12, 25), "Christmas Day"),
        (date(2025, 12, 26), "Boxing Day"),
        (date(2026, 12, 25), "Christmas Day"),
        # substitute days: Boxing Day 2026 is a Saturday, so Monday 28 December is the bank holiday
        (date(2026, 12, 28), "Boxing Day (observed)"),
        (date(2027, 12, 27), "Christmas Day (observed)"),
        (date(2027, 12, 28), "Boxing Day (observed)"),
        (date(2022, 1, 3), "New Year's Day (observed)"),
        (date(2023, 1, 2), "New Year's Day (observed)"),
        # one-off bank holidays
        (date(2022, 9, 19), "State Funeral of Queen Elizabeth II"),
        (date(2023, 5, 8), "Coronation of Charles III"),
    ],
)
def test_england_bank_holidays_are_not_working_days(day: date, name: str) -> None:
    assert day.weekday() < 5, "the fixture should be a weekday so only the holiday rule excludes it"
    assert _eng(day.year).get(day) == name  # the holidays package agrees it is that holiday
    assert is_bank_holiday(day)
    assert not is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 2),  # Scotland only (2 January)
        date(2026, 8, 3),  # Scotland's August bank holiday (first Monday)
        date(2025, 12, 1),  # St Andrew's Day substitute (Scotland)
        date(2026, 3, 17),  # St Patrick's Day (Northern Ireland)
        date(2026, 7, 13),  # Battle of the Boyne substitute (Northern Ireland)
        date(2026, 12, 24),  # Christmas Eve
        date(2026, 12, 29),
        date(2026, 12, 31),
        date(2026, 4, 7),  # the Tuesday after Easter Monday
    ],
)
def test_other_weekdays_are_working_days(day: date) -> None:
    assert day.weekday() < 5
    assert day not in _eng(day.year)
    assert not is_bank_holiday(day)
    assert is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [date(2026, 3, 14), date(2026, 3, 15), date(2026, 12, 26), date(2027, 12, 25), date(2022, 1, 1)],
)
def test_weekends_are_not_working_days(day: date) -> None:
    assert day.weekday() >= 5
    assert not is_working_day(day)


def test_working_days_match_the_holidays_package_for_a_whole_year() -> None:
    eng = _eng(2026)
    day = date(2026, 1, 1)
    non_working = []
    while day.year == 2026:
        if not is_working_day(day):
            non_working.append(day)
        assert is_working_day(day) == (day.weekday() < 5 and day not in eng)
        day += timedelta(days=1)
    weekend_days = sum(1 for d in non_working if d.weekday() >= 5)
    assert weekend_days == 104
    assert len(non_working) == 104 + 8  # England has 8 bank holidays in 2026, all on weekdays


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 13), date(2026, 3, 13)),  # a working Friday is itself
        (date(2026, 3, 14), date(2026, 3, 16)),  # Saturday -> Monday
        (date(2026, 3, 15), date(2026, 3, 16)),  # Sunday -> Monday
        (date(2026, 4, 3), date(2026, 4, 7)),  # Good Friday -> Tuesday after Easter Monday
        (date(2026, 4, 6), date(2026, 4, 7)),  # Easter Monday
        (date(2026, 8, 29), date(2026, 9, 1)),  # August bank holiday weekend
        (date(2026, 12, 25), date(2026, 12, 29)),  # Christmas, Boxing Day (Sat), substitute Monday
        (date(2022, 12, 24), date(2022, 12, 28)),  # Sat, Sun, Boxing Day, substitute Christmas Day
        (date(2022, 1, 1), date(2022, 1, 4)),  # Sat, Sun, substitute New Year's Day
    ],
)
def test_next_working_day(day: date, expected: date) -> None:
    assert next_working_day(day) == expected


def test_next_working_day_exclusive() -> None:
    assert next_working_day(date(2026, 3, 13), inclusive=False) == date(2026, 3, 16)
    assert next_working_day(date(2026, 3, 16), inclusive=False) == date(2026, 3, 17)
    assert next_working_day(date(2026, 4, 2), inclusive=False) == date(2026, 4, 7)


# ---------------------------------------------------------------------------------------------- terms

AUTUMN = Term(date(2025, 9, 3), date(2025, 12, 19), "Autumn")
SPRING = Term(date(2026, 1, 5), date(2026, 3, 27), "Spring")
SUMMER = Term(date(2026, 4, 13), date(2026, 7, 22), "Summer")
CAL = SchoolCalendar([SUMMER, AUTUMN, SPRING])  # out of order on purpose


def test_terms_are_sorted() -> None:
    assert CAL.terms == (AUTUMN, SPRING, SUMMER)


def test_term_contains_is_inclusive() -> None:
    assert AUTUMN.contains(date(2025, 9, 3))
    assert AUTUMN.contains(date(2025, 12, 19))
    assert not AUTUMN.contains(date(2025, 9, 2))
    assert not AUTUMN.contains(date(2025, 12, 20))


def test_term_overlaps() -> None:
    assert AUTUMN.overlaps(date(2025, 12, 19), None)  # open-ended period starting on the last day
    assert not AUTUMN.overlaps(date(2025, 12, 20), None)
    assert AUTUMN.overlaps(date(2025, 1, 1), date(2025, 9, 3))  # ends on the first day
    assert not AUTUMN.overlaps(date(2025, 1, 1), date(2025, 9, 2))
    assert AUTUMN.overlaps(date(2025, 10, 1), date(2025, 10, 2))


def test_term_containing() -> None:
    assert CAL.term_containing(date(2026, 2, 1)) == SPRING
    assert CAL.term_containing(date(2026, 4, 1)) is None  # Easter holiday


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 9, 3), True),  # first day of term
        (date(2025, 12, 19), True),  # last day of term
        (date(2025, 9, 6), False),  # Saturday in term
        (date(2025, 9, 2), False),  # weekday before term
        (date(2025, 12, 22), False),  # Christmas holiday
        (date(2026, 5, 4), False),  # early May bank holiday in the summer term
        (date(2026, 5, 5), True),
        (date(2026, 4, 6), False),  # Easter Monday, between terms
        (date(2026, 7, 23), False),  # summer holiday
    ],
)
def test_is_school_day(day: date, expected: bool) -> None:
    assert CAL.is_school_day(day) is expected


def test_without_terms_every_working_day_is_a_school_day() -> None:
    cal = SchoolCalendar()
    assert cal.is_school_day(date(2026, 8, 12))
    assert not cal.is_school_day(date(2026, 8, 31))  # bank holiday
    assert not cal.is_school_day(date(2026, 8, 15))  # Saturday
    assert cal.next_school_day(date(2026, 8, 29)) == date(2026, 9, 1)


@pytest.mark.parametrize(
    ("day", "inclusive", "expected"),
    [
        (date(2025, 10, 1), True, date(2025, 10, 1)),
        (date(2025, 10, 1), False, date(2025, 10, 2)),
        (date(2025, 10, 3), False, date(2025, 10, 6)),  # Friday -> Monday
        (date(2025, 12, 19), False, date(2026, 1, 5)),  # last day of autumn -> first day of spring
        (date(2025, 12, 25), True, date(2026, 1, 5)),
        (date(2026, 3, 28), True, date(2026, 4, 13)),  # Easter holiday -> summer term
        (date(2026, 5, 2), True, date(2026, 5, 5)),  # weekend then the May bank holiday
        (date(2025, 8, 1), True, date(2025, 9, 3)),  # before the first term
    ],
)
def test_next_school_day(day: date, inclusive: bool, expected: date) -> None:
    assert CAL.next_school_day(day, inclusive=inclusive) == expected


def test_next_school_day_after_the_last_known_term_gives_up_on_a_working_day() -> None:
    result = CAL.next_school_day(date(2026, 7, 23))
    assert result > date(2028, 7, 1)
    assert is_working_day(result)


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        (date(2025, 10, 9), 3, date(2025, 10, 6)),  # Thursday -> Monday
        (date(2025, 10, 8), 3, date(2025, 10, 3)),  # Wednesday -> previous Friday over the weekend
        (date(2025, 10, 11), 2, date(2025, 10, 9)),  # from a Saturday: Friday is the first
        (date(2026, 1, 7), 3, date(2025, 12, 19)),  # back over the Christmas holiday
        (date(2026, 5, 6), 2, date(2026, 5, 1)),  # skips the May bank holiday and the weekend
        (date(2025, 10, 9), 0, date(2025, 10, 9)),
    ],
)
def test_school_days_before(day: date, n: int, expected: date) -> None:
    assert CAL.school_days_before(day, n) == expected
    if n:
        assert CAL.is_school_day(expected)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2025, 8, 1), [AUTUMN]),  # nothing started: just the next term
        (date(2025, 9, 3), [AUTUMN, SPRING]),  # the first day counts as started
        (date(2025, 12, 25), [AUTUMN, SPRING]),
        (date(2026, 1, 5), [AUTUMN, SPRING, SUMMER]),
        (date(2026, 8, 1), [AUTUMN, SPRING, SUMMER]),  # all started, none to come
    ],
)
def test_terms_started_by_today_plus_the_next(today: date, expected: list[Term]) -> None:
    assert CAL.terms_started_by(today) == expected


# ---------------------------------------------------------------------------------------------- estimates


def test_estimate_terms_2025() -> None:
    autumn, spring, summer = estimate_terms(2025)
    assert (autumn.start, autumn.end) == (date(2025, 9, 2), date(2025, 12, 19))
    assert (spring.start, spring.end) == (date(2026, 1, 5), date(2026, 3, 27))  # Easter Sunday 5 April 2026
    assert (summer.start, summer.end) == (date(2026, 4, 13), date(2026, 7, 22))
    assert autumn.name == "Autumn 2025/26 (estimated)"
    assert all(t.estimated for t in (autumn, spring, summer))


def test_estimated_summer_term_skips_the_may_bank_holiday() -> None:
    """Regression: Easter 2011 was 24 April, so the Monday a week after Easter Monday was 2 May, a bank
    holiday; the estimate used to start the summer term on it."""
    summer = estimate_terms(2010)[2]
    assert summer.start == date(2011, 5, 3)
    assert estimate_terms(2037)[2].start == date(2038, 5, 4)


@pytest.mark.parametrize("year", range(2000, 2080))
def test_estimate_terms_sanity(year: int) -> None:
    terms = estimate_terms(year)
    assert len(terms) == 3
    assert [t.start for t in terms] == sorted(t.start for t in terms)
    for term in terms:
        assert date(year, 9, 1) <= term.start < term.end <= date(year + 1, 8, 31)
        assert is_working_day(term.start), term
        assert term.end.weekday() < 5, term
        assert term.estimated
    for earlier, later in pairwise(terms):
        assert earlier.end < later.start
        # each holiday between terms is at least a week
        assert (later.start - earlier.end).days >= 7
    # autumn ends before Christmas, spring starts after New Year's Day
    assert terms[0].end < date(year, 12, 25) and terms[1].start > date(year + 1, 1, 1)


def test_estimated_terms_around_covers_this_and_next_academic_year() -> None:
    terms = estimated_terms_around(date(2026, 2, 10))
    assert terms == estimate_terms(2025) + estimate_terms(2026)
    terms = estimated_terms_around(date(2026, 9, 1))
    assert terms[0].start == date(2026, 9, 2)
    assert len(terms) == 6


def test_school_days_past_the_last_known_term_are_answered_without_walking_and_agree_with_walking() -> None:
    """The sweep asks about days after the last term a school entered: the answer is the same as the two-year
    walk gives (the first working day two years on), and asking again gives the same day."""
    from bot.calendar import SchoolCalendar, Term, next_working_day

    cal = SchoolCalendar([Term(date(2026, 1, 5), date(2026, 3, 27), "Spring")])
    after = date(2026, 4, 1)
    assert cal.next_school_day(after) == next_working_day(after + timedelta(days=731))
    assert cal.next_school_day(after) == cal.next_school_day(after)
    assert cal.next_school_day(date(2026, 1, 3)) == date(2026, 1, 5)  # a Saturday before term: its Monday
    assert cal.next_school_day(date(2026, 1, 5), inclusive=False) == date(2026, 1, 6)
    assert not cal.is_school_day(date(2026, 3, 28)) and cal.is_school_day(date(2026, 3, 27))


def test_bank_holidays_load_the_united_kingdom_only():
    """The other 250 countries cost 8 MB of every server's memory (docs/performance.md)."""
    import subprocess
    import sys

    code = ("import sys; from datetime import date; from bot.calendar import is_bank_holiday; "
            "assert is_bank_holiday(date(2026, 8, 31)) and not is_bank_holiday(date(2026, 9, 1)); "
            "print(sorted(m for m in sys.modules if m.startswith('holidays.countries')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['holidays.countries', 'holidays.countries.united_kingdom']"


def test_the_server_starts_without_what_only_a_request_needs():
    """icalendar (the first feed) and jinja2 (the first dashboard page) are not loaded when the server's
    routes are, so an idle server does not hold them (docs/performance.md)."""
    import subprocess
    import sys

    code = ("import sys; from bot.server import routes_for; from bot.config import Settings; "
            "routes_for(Settings()); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'icalendar', 'jinja2', 'bot'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['bot']"

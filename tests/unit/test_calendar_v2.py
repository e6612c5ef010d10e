"""RULES v2 calendar arithmetic: half-terms and closures are not school days, estimated terms carry half-terms,
half-term files merge into whole terms, and bare day-month dates read in the right direction."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.calendar import SchoolCalendar, Term, academic_years_to_cover, estimate_terms
from bot.dates import parse_date
from bot.term_import import merge_half_terms

YEARS = st.integers(min_value=2000, max_value=2090)
DAYS = st.dates(min_value=date(2001, 1, 1), max_value=date(2090, 12, 31))
# No time limits: CI is a loaded machine (bank holidays load per year on first use).
SETTINGS = settings(max_examples=100, deadline=None)


@SETTINGS
@given(YEARS)
def test_estimated_terms_have_half_terms_inside_them_on_weekdays(year: int) -> None:
    terms = estimate_terms(year)
    assert [t.name.split()[0] for t in terms] == ["Autumn", "Spring", "Summer"]
    for t in terms:
        assert t.half_term is not None
        a, b = t.half_term
        assert t.start < a <= b < t.end
        assert a.weekday() == 0 and (b - a).days == 4


def test_half_terms_and_closures_are_not_school_days() -> None:
    autumn = Term(date(2026, 9, 2), date(2026, 12, 18), "Autumn", half_term=(date(2026, 10, 26), date(2026, 10, 30)))
    cal = SchoolCalendar([autumn], closures=[(date(2026, 9, 2), date(2026, 9, 3))])
    assert not cal.is_school_day(date(2026, 9, 2)) and not cal.is_school_day(date(2026, 9, 3))  # INSET
    assert cal.is_school_day(date(2026, 9, 4))
    assert not any(cal.is_school_day(date(2026, 10, 26) + timedelta(days=n)) for n in range(5))
    assert cal.next_school_day(date(2026, 10, 26)) == date(2026, 11, 2)
    # "2 school days before" Mon 2 Nov skips the half-term week: Thu 22 and Fri 23 Oct.
    assert cal.school_days_before(date(2026, 11, 2), 2) == date(2026, 10, 22)


@SETTINGS
@given(DAYS)
def test_the_calendar_covers_this_academic_year_and_the_next(today: date) -> None:
    this, nxt = academic_years_to_cover(today)
    assert nxt == this + 1
    assert date(this, 9, 1) <= today <= date(this + 1, 8, 31)


@SETTINGS
@given(YEARS)
def test_half_term_files_merge_into_three_terms_a_year(year: int) -> None:
    halves = []
    for t in estimate_terms(year):
        assert t.half_term is not None
        a, b = t.half_term
        season = t.name.split()[0]
        halves += [Term(t.start, a - timedelta(days=1), f"{season} 1"), Term(b + timedelta(days=1), t.end,
                                                                            f"{season} 2")]
    merged, pairs = merge_half_terms(halves)
    assert pairs == 3 and len(merged) == 3
    for whole, estimate in zip(merged, estimate_terms(year), strict=True):
        assert (whole.start, whole.end) == (estimate.start, estimate.end)
        assert whole.half_term is not None
        assert whole.half_term[0] <= estimate.half_term[0] and estimate.half_term[1] <= whole.half_term[1]  # type: ignore[index]
        assert whole.name.split()[0] in ("Autumn", "Spring", "Summer")


def test_whole_terms_are_left_alone() -> None:
    terms = estimate_terms(2026)
    plain = [Term(t.start, t.end, t.name.replace(" (estimated)", "")) for t in terms]
    assert merge_half_terms(plain) == (plain, 0)


@SETTINGS
@given(DAYS, st.integers(min_value=1, max_value=12), st.integers(min_value=1, max_value=28))
def test_a_bare_day_month_is_the_latest_for_facts_and_the_next_for_plans(today: date, month: int, day: int) -> None:
    text = f"{day} {date(2001, month, 1):%B}"
    past, planned = parse_date(text, today, past=True), parse_date(text, today)
    assert (past.month, past.day) == (planned.month, planned.day) == (month, day)
    assert past <= today <= planned
    assert (today - past).days < 366 and (planned - today).days < 366

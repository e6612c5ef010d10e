"""Property tests for the date arithmetic and the rules (RULES.md), kept to ~200 examples each."""

from datetime import date, timedelta

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.calendar import SchoolCalendar, estimate_terms, is_working_day, next_working_day
from bot.rules import appeal_due, pupil_deadlines
from bot.rules.dates import (
    academic_year_of,
    add_months,
    add_years,
    current_year_group,
    days_in_month,
    end_of_months_starting_with,
)
from bot.rules.model import Decision, Plan, PupilFacts, ReviewMeeting, SchoolFacts, SupportPeriod

SETTINGS = settings(max_examples=200, deadline=None)
dates = st.dates(min_value=date(2010, 1, 1), max_value=date(2060, 12, 31))
months = st.integers(min_value=-240, max_value=240)


def in_august(d: date) -> bool:
    return d.month == 8


def in_christmas_window(d: date) -> bool:
    return (d.month == 12 and d.day >= 25) or (d.month == 1 and d.day == 1)


# ---------------------------------------------------------------------------------------------- arithmetic


@SETTINGS
@given(dates, months)
def test_add_months_lands_on_the_corresponding_day_or_the_month_end(d: date, n: int) -> None:
    result = add_months(d, n)
    assert (result.year * 12 + result.month) - (d.year * 12 + d.month) == n
    assert result.day == min(d.day, days_in_month(result.year, result.month))


@SETTINGS
@given(dates, months)
def test_add_months_round_trips_where_the_day_exists(d: date, n: int) -> None:
    there = add_months(d, n)
    assume(there.day == d.day)  # the corresponding day exists
    assert add_months(there, -n) == d


@SETTINGS
@given(st.dates(min_value=date(2010, 1, 1), max_value=date(2060, 12, 28)).filter(lambda d: d.day <= 28), months)
def test_add_months_always_round_trips_for_days_up_to_28(d: date, n: int) -> None:
    assert add_months(add_months(d, n), -n) == d


@SETTINGS
@given(dates, st.integers(0, 60), st.integers(0, 60))
def test_add_months_in_two_steps_is_never_later(d: date, a: int, b: int) -> None:
    # clamping to a month end can only lose days, never gain them
    assert add_months(add_months(d, a), b) <= add_months(d, a + b)


@SETTINGS
@given(dates, dates, st.integers(0, 60))
def test_add_months_is_monotonic(d1: date, d2: date, n: int) -> None:
    if d1 <= d2:
        assert add_months(d1, n) <= add_months(d2, n)


@SETTINGS
@given(dates)
def test_end_of_12_months_starting_with_is_a_year_less_a_day(d: date) -> None:
    end = end_of_months_starting_with(d)
    assert d + timedelta(days=364) <= end < d + timedelta(days=367)
    if (d.month, d.day) == (2, 29):
        assert end == date(d.year + 1, 2, 28)
    else:
        assert end == add_years(d, 1) - timedelta(days=1)
        assert end + timedelta(days=1) == date(d.year + 1, d.month, d.day)


@SETTINGS
@given(dates, st.integers(1, 36))
def test_end_of_months_starting_with_is_within_the_last_month(d: date, n: int) -> None:
    end = end_of_months_starting_with(d, n)
    target = add_months(d, n)
    assert end < target or (target.day < d.day and end == target)
    assert end >= add_months(d, n - 1)  # the period covers at least n - 1 whole months


@SETTINGS
@given(dates)
def test_academic_year_contains_the_day(d: date) -> None:
    year = academic_year_of(d)
    assert date(year, 9, 1) <= d <= date(year + 1, 8, 31)


@SETTINGS
@given(st.integers(0, 13), st.integers(2010, 2050), st.integers(0, 5))
def test_year_group_advances_on_each_1_september(year_group: int, recorded: int, later: int) -> None:
    first_sep = date(recorded + later, 9, 1)
    assert current_year_group(year_group, recorded, first_sep) == year_group + later
    if later:
        assert current_year_group(year_group, recorded, first_sep - timedelta(days=1)) == year_group + later - 1


# ---------------------------------------------------------------------------------------------- calendar


@SETTINGS
@given(dates)
def test_next_working_day_is_the_first_working_day_on_or_after(d: date) -> None:
    result = next_working_day(d)
    assert result >= d
    assert is_working_day(result)
    assert result - d < timedelta(days=6)  # at most a long weekend plus Christmas
    day = d
    while day < result:
        assert not is_working_day(day)
        day += timedelta(days=1)


@SETTINGS
@given(st.dates(min_value=date(2015, 9, 1), max_value=date(2040, 8, 31)), st.integers(1, 15))
def test_school_days_before_counts_exactly_n_school_days(d: date, n: int) -> None:
    cal = SchoolCalendar(estimate_terms(academic_year_of(d) - 1) + estimate_terms(academic_year_of(d)))
    result = cal.school_days_before(d, n)
    assert result < d
    assert cal.is_school_day(result)
    between = sum(1 for k in range(1, (d - result).days) if cal.is_school_day(result + timedelta(days=k)))
    assert between == n - 1


# ---------------------------------------------------------------------------------------------- appeal_deadline


@SETTINGS
@given(dates, st.lists(st.integers(-60, 200), max_size=3))
def test_appeal_deadline_properties(sent: date, offsets: list[int]) -> None:
    certificates = tuple(sent + timedelta(days=k) for k in offsets)
    due = appeal_due(sent, certificates)
    base = max([add_months(sent, 2)] + [add_months(c, 1) for c in certificates if c > sent])

    assert due >= add_months(sent, 2)  # never before notice + 2 months
    assert due >= base
    assert is_working_day(due)
    assert due - base <= timedelta(days=34)  # at most from 1 August to the first working day of September
    if in_august(base):
        assert due == next_working_day(date(base.year, 9, 1))
    elif in_christmas_window(base):
        assert due == next_working_day(date(base.year + (base.month == 12), 1, 2))
    else:
        assert due == next_working_day(base)
    # In August or 25 Dec - 1 Jan only through the last step of RULES.md: a weekend or bank holiday just
    # before the window (e.g. Saturday 24 December, Saturday 31 July) moved on to the next working day.
    if in_august(due) or in_christmas_window(due):
        assert not in_august(base) and not in_christmas_window(base)
        assert not is_working_day(base)
        assert due - base <= timedelta(days=4)


@SETTINGS
@given(dates)
def test_appeal_deadline_never_in_august_or_christmas_when_the_base_day_is_a_working_day(sent: date) -> None:
    base = add_months(sent, 2)
    assume(is_working_day(base) or in_august(base) or in_christmas_window(base))
    due = appeal_due(sent)
    assert not in_august(due)
    assert not in_christmas_window(due)


@SETTINGS
@given(dates, st.integers(-400, 0))
def test_certificates_on_or_before_the_notice_change_nothing(sent: date, offset: int) -> None:
    assert appeal_due(sent, (sent + timedelta(days=offset),)) == appeal_due(sent)


@SETTINGS
@given(dates, dates)
def test_appeal_deadline_is_monotonic_in_the_notice_date(a: date, b: date) -> None:
    if a <= b:
        assert appeal_due(a) <= appeal_due(b)


# ---------------------------------------------------------------------------------------------- annual_review


def _annual_review_due(issued: date, held: list[date]) -> date:
    f = PupilFacts(
        pupil_id=1,
        plans=(Plan(1, issued),),
        review_meetings=tuple(ReviewMeeting(i, held_on=h) for i, h in enumerate(held)),
    )
    (d,) = [d for d in pupil_deadlines(f, SchoolFacts(), SchoolCalendar(), issued) if d.kind == "annual_review"]
    return d.due


@SETTINGS
@given(dates, st.lists(st.integers(-400, 1200), max_size=4), st.integers(0, 800))
def test_a_later_review_meeting_never_yields_an_earlier_annual_review(
    issued: date, offsets: list[int], extra: int
) -> None:
    held = [issued + timedelta(days=k) for k in offsets]
    before = _annual_review_due(issued, held)
    latest = max([issued, *held])
    after = _annual_review_due(issued, [*held, latest + timedelta(days=extra)])
    assert after >= before
    # and the due day is always the end of the 12 months starting with the later of issue and last meeting
    assert before == end_of_months_starting_with(max([issued, *[h for h in held if h >= issued]]))


# ---------------------------------------------------------------------------------------------- other rules


@SETTINGS
@given(dates, st.lists(st.integers(-200, 200), max_size=3))
def test_amended_plan_is_never_later_than_8_weeks(sent: date, offsets: list[int]) -> None:
    f = PupilFacts(
        pupil_id=1,
        decisions=(Decision(1, "amend-proposed", sent),),
        review_meetings=tuple(ReviewMeeting(i, held_on=sent + timedelta(days=k)) for i, k in enumerate(offsets)),
    )
    (d,) = [d for d in pupil_deadlines(f, SchoolFacts(), SchoolCalendar(), sent) if d.kind == "amended_plan"]
    held_before = [sent + timedelta(days=k) for k in offsets if k <= 0]
    expected = sent + timedelta(weeks=8)
    if held_before:
        expected = min(expected, max(held_before) + timedelta(weeks=12))
    assert d.due == expected
    assert d.due <= sent + timedelta(weeks=8)


@SETTINGS
@given(st.dates(min_value=date(2015, 1, 1), max_value=date(2045, 12, 31)), st.sampled_from([2, 6, 11]))
def test_phase_transfer_due_is_14_feb_or_30_march_of_the_year_the_academic_year_ends(
    today: date, year_group: int
) -> None:
    f = PupilFacts(pupil_id=1, year_group=year_group, plans=(Plan(1, date(2014, 1, 1)),))
    school = SchoolFacts(phase="special", transfer_years=(2, 6, 11))
    (d,) = [d for d in pupil_deadlines(f, school, SchoolCalendar(), today) if d.kind == "phase_transfer_review"]
    ends = academic_year_of(today) + 1
    assert d.due == (date(ends, 3, 30) if year_group == 11 else date(ends, 2, 14))


@SETTINGS
@given(st.dates(min_value=date(2016, 9, 1), max_value=date(2040, 8, 31)), st.integers(-400, 400))
def test_parent_meetings_are_due_on_term_ends_of_started_terms_plus_one(today: date, offset: int) -> None:
    year = academic_year_of(today)
    cal = SchoolCalendar(estimate_terms(year - 1) + estimate_terms(year) + estimate_terms(year + 1))
    start = today + timedelta(days=offset)
    f = PupilFacts(pupil_id=1, support=(SupportPeriod(start),))
    out = [d for d in pupil_deadlines(f, SchoolFacts(), cal, today) if d.kind == "parent_meeting"]
    ends = {t.end: t for t in cal.terms}
    assert all(d.due in ends for d in out)
    not_started = [d for d in out if ends[d.due].start > today]
    assert len(not_started) <= 1
    for d in out:
        assert d.due >= start + timedelta(days=28)
    # every term that qualifies and has started is listed
    expected = [t.end for t in cal.terms_started_by(today) if t.end >= start + timedelta(days=28)]
    assert [d.due for d in out] == expected


@SETTINGS
@given(dates, st.integers(0, 20))
def test_status_turns_on_the_day_after_the_due_day(due_on: date, kind_index: int) -> None:
    from bot.rules import KINDS, Deadline

    kind = sorted(KINDS)[kind_index % len(KINDS)]
    d = Deadline(key="k", kind=kind, due=due_on, duty=KINDS[kind].duty, rule=KINDS[kind].rule)
    assert d.status(due_on - timedelta(days=1)) == "open"
    assert d.status(due_on) == "open"
    assert d.status(due_on + timedelta(days=1)) == ("lapsed" if kind == "appeal_deadline" else "overdue")

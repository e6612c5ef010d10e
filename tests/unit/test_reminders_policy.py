"""The reminder policy and step arithmetic: pure, no database, no clock."""

from datetime import date

import pytest

from bot.calendar import SchoolCalendar, Term
from bot.reminders.steps import Candidate, DeadlineView, People, latest_occurrence, occurrences, pick
from bot.rules.citations import KINDS
from bot.services.errors import Refused
from bot.services.reminder_policy import (
    DEFAULT_POLICY,
    DEFAULT_STEPS,
    change_policy,
    format_steps,
    parse_step,
    parse_steps,
    policy_for,
)
from db.models import Staff

SPRING = SchoolCalendar([Term(date(2026, 1, 5), date(2026, 3, 27), "Spring"),
                         Term(date(2026, 4, 13), date(2026, 7, 22), "Summer")])


def test_every_kind_has_a_default_and_the_defaults_round_trip() -> None:
    assert set(DEFAULT_STEPS) == set(KINDS)
    for kind, text in DEFAULT_STEPS.items():
        assert format_steps(DEFAULT_POLICY[kind]) == text


@pytest.mark.parametrize(("kind", "text", "word", "to", "words"), [
    ("annual_review", "-10w", "-10w", ("responsible",), "10 weeks before"),
    ("annual_review", "0=senco+responsible", "0", ("responsible", "senco"), "on the day"),
    ("annual_review", "WEEKLY=Leaders", "weekly", ("leaders",), "every week while overdue"),
    ("intervention_review", "-1sd", "-1sd", ("responsible",), "1 school day before"),
    ("information_report", "+3d=channel", "+3d", ("channel",), "3 days after"),
    ("appeal_deadline", "opens", "opens", ("responsible",), "when it began"),
    ("senco_qualification", "opens+14m=leaders", "opens+14m", ("leaders",), "14 months after it began"),
])
def test_steps_read_as_written(kind: str, text: str, word: str, to: tuple[str, ...], words: str) -> None:
    step = parse_step(kind, text)
    assert (step.word, step.to, step.describe()) == (word, to, words)


def test_off_default_and_stored_rubbish() -> None:
    assert parse_steps("parent_meeting", "off") == ()
    changes = change_policy({}, "parent-meeting off")
    assert changes == {"parent_meeting": "off"}
    assert change_policy({"reminder-steps": changes}, "parent_meeting default") == {}
    # Writing the defaults out in full is the same as the default: nothing stored.
    assert change_policy({}, "annual-review " + DEFAULT_STEPS["annual_review"]) == {}
    # A stored value that no longer parses never stops reminders: the default applies.
    assert policy_for({"reminder-steps": {"annual_review": "-4x"}})["annual_review"] == DEFAULT_POLICY["annual_review"]
    with pytest.raises(Refused, match="remind: takes a kind"):
        change_policy({}, "  ")


def test_school_days_and_months() -> None:
    due = date(2026, 4, 14)  # the day after Easter holidays end
    assert latest_occurrence(parse_step("x", "-2sd"), due, None, SPRING, due) == \
        Candidate("-2sd", date(2026, 3, 27), date(2026, 3, 27))  # Mon 13 Apr, then Fri 27 Mar
    assert latest_occurrence(parse_step("x", "-6m"), date(2026, 8, 31), None, SPRING, date(2026, 12, 1)) == \
        Candidate("-6m", date(2026, 2, 28), date(2026, 3, 2))  # Saturday 28 Feb → Monday
    assert latest_occurrence(parse_step("x", "+2sd"), date(2026, 3, 26), None, SPRING, date(2026, 12, 1)).step_on \
        == date(2026, 4, 13)  # Friday 27th, then the first day of summer term
    assert latest_occurrence(parse_step("appeal_deadline", "opens"), due, None, SPRING, due) is None


def test_weekly_occurrences_meeting_in_a_holiday_are_one() -> None:
    weekly = parse_step("annual_review", "weekly")
    sent = occurrences(weekly, date(2026, 3, 11), None, SPRING, date(2026, 3, 1), date(2026, 4, 20))
    assert [c.send_on for c in sent] == [date(2026, 3, 18), date(2026, 3, 25), date(2026, 4, 13), date(2026, 4, 15)]


def test_pick_sends_only_the_latest_and_nothing_already_written() -> None:
    people = People({1: Staff(id=1, school_id=1, handle="bob", role="teacher"),
                     2: Staff(id=2, school_id=1, handle="sue", role="senco")}, channel="")
    d = DeadlineView(1, "p1:annual_review", "annual_review", date(2026, 3, 11), 1, 1)
    steps = DEFAULT_POLICY["annual_review"]
    chosen = pick(d, steps, None, SPRING, people, date(2026, 3, 26), {}, {})
    assert chosen == {"staff:1": Candidate("weekly", date(2026, 3, 25), date(2026, 3, 25)),
                      "staff:2": Candidate("weekly", date(2026, 3, 25), date(2026, 3, 25))}
    written = {(d.key, d.due, "staff:1"): (date(2026, 3, 25), date(2026, 3, 25))}
    assert set(pick(d, steps, None, SPRING, people, date(2026, 3, 26), written, {})) == {"staff:2"}
    snoozed = {(d.key, d.due): {"staff:2": date(2026, 4, 1)}}
    assert set(pick(d, steps, None, SPRING, people, date(2026, 3, 26), {}, snoozed)) == {"staff:1"}
    done = {(d.key, d.due): {"staff:1": None}}
    assert set(pick(d, steps, None, SPRING, people, date(2026, 3, 26), {}, done)) == {"staff:2"}

"""Time travel: the clock is frozen and moved by the test (no sleeping); planning and delivery run as the
scheduler's ticks would. Reminders go on school days at the school's reminder time in its zone, across
clock changes, half-terms, bank holidays, downtime and snoozes: the right person, at the right time, once."""

import asyncio
from datetime import UTC, date, datetime

import pytest
from reminders_support import Town
from sqlalchemy import Engine

from bot.reminders.sweep import plan_all


@pytest.fixture
def town(engine: Engine, chat, school: int) -> Town:  # type: ignore[no-untyped-def]
    return Town(engine, chat, school)


def test_spring_clock_change_sends_at_eight_local_on_both_sides(town: Town) -> None:
    town.chat.ok("admin", 'term add "Spring 2026" 2026-01-05 2026-04-02')
    town.chat.ok("admin", 'intervention add ava "Lexia" review:2026-03-30 staff:@bob')
    # Two school days before Monday 30 March is Thursday 26th, still on GMT: 08:00 London is 08:00 UTC.
    assert town.run("2026-03-26", "07:59") == []
    assert town.clock.now == datetime(2026, 3, 26, 7, 59, tzinfo=UTC)
    assert town.run("2026-03-26", "08:00") == [("bob", "intervention_review", "-2sd")]
    assert town.run("2026-03-27", "09:00") == []
    # The clocks went forward on Sunday 29th: 08:00 London is now 07:00 UTC.
    town.clock.utc("2026-03-30T06:59:00")
    assert town.run("2026-03-30", "07:59") == []
    assert town.run("2026-03-30", "08:00") == [("bob", "intervention_review", "0")]
    assert town.clock.now == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    [row] = town.rows(step="0")
    assert row.next_attempt_at == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert town.run("2026-03-30", "15:00") == []


def test_autumn_clock_change_and_half_term_move_the_step_to_the_next_school_day(town: Town) -> None:
    town.chat.ok("admin", 'term add "Autumn 1 2026" 2026-09-03 2026-10-23')
    town.chat.ok("admin", 'term add "Autumn 2 2026" 2026-11-02 2026-12-18')
    town.chat.ok("admin", 'intervention add ava "Lexia" review:2026-10-27 staff:@bob')
    # -2sd: half-term (26–30 Oct) is not school, so it is Thursday 22nd, on BST (08:00 London = 07:00 UTC).
    assert town.run("2026-10-22", "07:59") == []
    assert town.run("2026-10-22", "08:00") == [("bob", "intervention_review", "-2sd")]
    assert town.clock.now.hour == 7
    # The review day falls in half-term, after the clocks went back: it waits for Monday 2 November, 08:00 GMT.
    for day in ("2026-10-26", "2026-10-27", "2026-10-30", "2026-10-31", "2026-11-01"):
        assert town.run(day, "09:00") == [], day
    assert town.run("2026-11-02", "07:59") == []
    assert town.run("2026-11-02", "08:00") == [("bob", "intervention_review", "0")]
    assert town.clock.now == datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    assert town.run("2026-11-03", "08:00") == []


def test_bank_holidays_and_weekends_move_steps_to_the_next_school_day(town: Town) -> None:
    # Monday 4 May 2026 is the early May bank holiday (inside the summer term).
    town.chat.ok("admin", 'intervention add ava "Lexia" review:2026-05-04 staff:@bob')
    town.chat.ok("admin", 'intervention add ava "Maths" review:2026-05-09 staff:@bob')  # a Saturday
    assert town.run("2026-04-30", "08:00") == [("bob", "intervention_review", "-2sd")]
    assert town.run("2026-05-04", "08:00") == []
    assert town.run("2026-05-05", "08:00") == [("bob", "intervention_review", "0")]
    assert town.run("2026-05-07", "08:00") == [("bob", "intervention_review", "-2sd")]  # Maths: Thu 7th
    assert town.run("2026-05-09", "08:00") == []  # Saturday: nothing goes out at weekends
    assert town.run("2026-05-11", "08:00") == [("bob", "intervention_review", "0")]


def test_a_week_of_downtime_sends_each_missed_deadline_once_latest_step_only(town: Town) -> None:
    town.chat.ok("admin", "ehcp issued ava 2025-07-01")  # annual review due 30 Jun 2026
    town.chat.ok("admin", "ehcp booked ava 2026-06-26")  # invitations by Fri 12 Jun
    town.chat.ok("admin", 'intervention add ava "Lexia" review:2026-06-10 staff:@bob')
    first = town.run("2026-06-05", "09:00")  # the annual review's -4w step (2 Jun) goes out, late, once
    assert first == [("bob", "annual_review", "-4w")]
    # Down from Friday 5 June 10:00 until Monday 15 June: four steps fell due meanwhile.
    back = town.run("2026-06-15", "09:30")
    assert back == [("bob", "intervention_review", "0"), ("bob", "review_invitations", "0")]
    assert town.run("2026-06-15", "09:31") == []
    assert town.run("2026-06-16", "08:00") == []
    steps = {(r.kind, r.step) for r in town.rows()}
    assert ("intervention_review", "-2sd") not in steps and ("review_invitations", "-3sd") not in steps
    assert all(r.status == "sent" for r in town.rows())
    # The SENCO hears about the annual review on the day, with the teacher.
    assert town.run("2026-06-30", "08:00") == [("bob", "annual_review", "0"), ("sue", "annual_review", "0")]


def test_a_second_planning_run_is_a_no_op(town: Town) -> None:
    town.chat.ok("admin", "ehcp issued ava 2024-01-10")  # annual review overdue since Jan 2025
    town.clock.at("2026-03-03", "09:00")
    first = plan_all(town.engine, town.clock())
    assert first.planned == 2  # the latest weekly step, to @bob and to @sue
    again = plan_all(town.engine, town.clock(), force=True)  # even recomputing everything, nothing new
    assert again.planned == 0
    assert len(town.rows()) == 2
    assert town.run("2026-03-03", "09:00") == [("bob", "annual_review", "weekly"), ("sue", "annual_review", "weekly")]
    assert town.run("2026-03-03", "10:00") == []


def test_weekly_while_overdue_and_holidays_collapse_to_one_message(town: Town) -> None:
    town.chat.ok("admin", "ehcp issued ava 2025-01-15")  # annual review due Wed 14 Jan 2026: overdue
    assert len(town.run("2026-03-25", "08:00")) == 2  # Wednesday's weekly step
    # Estimated Easter holidays: 28 Mar – 12 Apr. The weekly steps of 1 and 8 April wait for the 13th, as one.
    for day in ("2026-04-01", "2026-04-08", "2026-04-10"):
        assert town.run(day, "09:00") == [], day
    assert town.run("2026-04-13", "08:00") == [("bob", "annual_review", "weekly"), ("sue", "annual_review", "weekly")]
    assert town.run("2026-04-15", "08:00") == [("bob", "annual_review", "weekly"), ("sue", "annual_review", "weekly")]


def test_snooze_quiets_one_recipient_then_reminds_them_once(town: Town) -> None:
    town.chat.ok("admin", "ehcp issued ava 2025-01-15")  # overdue: weekly on Wednesdays, to @bob and @sue
    assert len(town.run("2026-03-04", "08:00")) == 2
    rid = town.reminder_id("bob", "annual_review")
    reply = town.chat.ok("bob", f"snooze {rid} +2w", today=date(2026, 3, 4))
    assert "Wed 18 Mar 2026" in reply.title
    assert town.run("2026-03-11", "08:00") == [("sue", "annual_review", "weekly")]
    assert town.run("2026-03-18", "08:00") == [("bob", "annual_review", "weekly"), ("sue", "annual_review", "weekly")]
    # Snoozing again, then the fact is recorded: the wake-up never comes.
    rid = town.reminder_id("bob", "annual_review")
    town.chat.ok("bob", f"snooze #{rid} +1w", today=date(2026, 3, 18))
    town.chat.ok("bob", "ehcp reviewed ava 2026-03-20", today=date(2026, 3, 20))
    later = town.run("2026-03-25", "08:00") + town.run("2026-03-26", "08:00")
    assert [x for x in later if x[1] == "annual_review"] == []
    assert later == [("bob", "review_report", "-3sd")]  # the held meeting's report is due 3 Apr (Easter)


def test_snooze_wakes_on_a_day_with_no_step_of_its_own(town: Town) -> None:
    town.chat.ok("admin", "ehcp issued ava 2025-01-15")
    town.run("2026-03-04", "08:00")
    rid = town.reminder_id("bob", "annual_review")
    town.chat.ok("bob", f"snooze {rid} +3d", today=date(2026, 3, 4))  # until Saturday: wakes Monday
    assert town.run("2026-03-09", "08:00") == [("bob", "annual_review", "snoozed")]
    assert town.run("2026-03-11", "08:00") == [("bob", "annual_review", "weekly"), ("sue", "annual_review", "weekly")]


def test_done_on_an_act_by_date_stops_its_reminders(town: Town) -> None:
    town.chat.ok("admin", "ehcp issued ava 2025-07-01")
    town.chat.ok("admin", "ehcp booked ava 2026-06-26")  # invitations by Fri 12 Jun; -3sd is Tue 9 Jun
    town.run("2026-06-08", "12:00")
    assert town.run("2026-06-09", "08:00") == [("bob", "review_invitations", "-3sd")]
    rid = town.reminder_id("bob", "review_invitations")
    reply = town.chat.ok("bob", f"done {rid}", today=date(2026, 6, 9))
    assert reply.title.startswith("Marked done")
    assert town.run("2026-06-12", "08:00") == []


def test_done_where_the_law_wants_a_fact_offers_the_command_and_changes_nothing(town: Town) -> None:
    town.chat.ok("admin", "ehcp issued ava 2025-01-15")
    town.run("2026-03-04", "08:00")
    rid = town.reminder_id("bob", "annual_review")
    reply = town.chat.ok("bob", f"done {rid}", today=date(2026, 3, 4))
    pid = town.rows(id=rid)[0].pupil_id
    assert [a.command for a in reply.actions] == [f"/sen ehcp reviewed #{pid} today"]
    assert town.run("2026-03-11", "08:00") == [("bob", "annual_review", "weekly"), ("sue", "annual_review", "weekly")]


def test_a_pending_reminder_is_withdrawn_when_its_deadline_is_met_or_moves(town: Town) -> None:
    town.chat.ok("admin", 'intervention add ava "Lexia" review:2026-03-04 staff:@bob')
    town.chat.ok("admin", "ehcp issued ava 2025-01-15")
    town.clock.at("2026-03-04", "08:00")
    assert plan_all(town.engine, town.clock()).planned == 3  # intervention (bob), annual review (bob, sue)
    # Before delivery runs, the review is recorded and the annual review meeting is held.
    town.chat.ok("bob", 'intervention review ava "Lexia" 2026-03-04 outcome:stop', today=date(2026, 3, 4))
    town.chat.ok("admin", "ehcp reviewed ava 2026-03-03", today=date(2026, 3, 4))
    assert town.run("2026-03-04", "08:01") == []
    reasons = sorted(r.last_error or "" for r in town.rows())
    assert all(r.status == "withdrawn" for r in town.rows())
    assert reasons[0].startswith("the deadline was met") or reasons[0].startswith("the due date moved")
    assert any(r.startswith("the due date moved") for r in reasons)


def test_recording_the_fact_withdraws_before_planning_or_delivery_runs_again(town: Town) -> None:
    town.chat.ok("admin", 'intervention add ava "Lexia" review:2026-03-04 staff:@bob')
    town.clock.at("2026-03-04", "08:00")
    plan_all(town.engine, town.clock())
    town.chat.ok("bob", 'intervention review ava "Lexia" 2026-03-04 outcome:stop', today=date(2026, 3, 4))
    # Withdrawn in the review's own transaction, before any planning run has seen it.
    assert [(r.status, r.last_error) for r in town.rows()] == [("withdrawn", "the deadline was met")]
    from bot.reminders.outbox import deliver

    report = asyncio.run(deliver(town.engine, town.notifier, town.clock, instance="t"))
    assert report.sent == 0
    assert town.notifier.sent == []


def test_removed_staff_are_not_messaged_and_the_senco_hears_instead(town: Town) -> None:
    town.chat.ok("admin", 'intervention add ava "Lexia" review:2026-03-04 staff:@bob')
    town.chat.ok("admin", "staff remove @bob")
    assert town.run("2026-03-04", "08:00") == [("sue", "intervention_review", "0")]


def test_after_a_fact_is_recorded_the_sweep_plans_only_the_deadlines_it_changed(town: Town) -> None:
    """Same day, nothing school-wide changed: the next sweep plans the deadlines written since the last one,
    not the whole window; a forced sweep (or a new day) plans everything."""
    from datetime import timedelta

    from sqlmodel import Session, delete, update

    import db.models as m

    town.chat.ok("admin", "ehcp issued ava 2024-01-10")  # annual review overdue since Jan 2025
    town.clock.at("2026-03-03", "09:00")
    assert plan_all(town.engine, town.clock()).planned == 2  # the annual review, to @bob and @sue
    with Session(town.engine) as s:
        # The annual review was written an hour ago, and its reminders are taken out of the outbox, so the
        # rows below show which deadlines the next sweep looked at.
        s.exec(update(m.Deadline).values(updated_at=datetime.now(UTC) - timedelta(hours=1)))
        s.exec(delete(m.Reminder))
        s.commit()
    town.chat.ok("admin", 'pupil add "Ben Brown" year:4 teacher:@bob', today=date(2026, 3, 3))
    town.chat.ok("admin", 'intervention add ben "Lexia" review:2026-03-03 staff:@bob', today=date(2026, 3, 3))
    assert plan_all(town.engine, town.clock()).planned == 1
    assert [r.kind for r in town.rows()] == ["intervention_review"]
    assert plan_all(town.engine, town.clock()).planned == 0  # nothing changed since
    assert plan_all(town.engine, town.clock(), force=True).planned == 2  # everything: the annual review again
    assert sorted(r.kind for r in town.rows()) == ["annual_review", "annual_review", "intervention_review"]

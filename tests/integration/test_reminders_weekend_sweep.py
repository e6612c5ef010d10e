"""When nothing goes out (a weekend), the sweep reads no window of deadlines, and still withdraws stale reminders.

An idle server plans every few minutes all weekend: reading the school's open deadlines then would only hold
them in memory (an idle server's memory grew with the school, docs/performance.md).
"""

from datetime import UTC, date, datetime, timedelta

from integration.test_query_plans import captured
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from bot.reminders.sweep import plan_all
from db import models as m

SATURDAY = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)  # after the reminder time, no school day
MONDAY = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)


def _a_school_with_reminders(chat) -> None:  # type: ignore[no-untyped-def]
    chat.ok("admin", 'pupil add "Ava Smith" year:5')
    chat.ok("admin", 'pupil add "Ben Brown" year:6')
    chat.ok("admin", "ehcp issued ava 2025-03-14")
    chat.ok("admin", "support start ben 2025-09-08")


def _window_reads(statements: list) -> list[str]:  # type: ignore[type-arg]
    """SELECTs over deadline by due date: the sweep's window (a read by key is how stale rows are checked)."""
    return [s for s, _ in statements if "FROM deadline" in s and "deadline.due <=" in s]


def test_a_weekend_sweep_reads_no_deadline_window(chat, engine: Engine, school: int) -> None:
    _a_school_with_reminders(chat)
    with captured(engine) as statements:
        report = plan_all(engine, SATURDAY, force=True)
    assert report.planned == 0
    assert _window_reads(statements) == []
    with captured(engine) as statements:
        report = plan_all(engine, MONDAY, force=True)
    assert report.planned > 0  # a school day: the window is read and reminders are written
    assert _window_reads(statements) != []


def test_a_weekend_sweep_still_withdraws_a_reminder_whose_deadline_moved(chat, engine: Engine, school: int) -> None:
    _a_school_with_reminders(chat)
    plan_all(engine, MONDAY - timedelta(days=7), force=True)
    with Session(engine) as session:
        pending = session.exec(select(m.Reminder).where(m.Reminder.school_id == school,
                                                        m.Reminder.status == "pending")).all()
        assert pending, "the school day's sweep wrote reminders"
        moved = pending[0]
        # The deadline's due date changes without its fact's command (another replica, a correction in flight):
        # the next sweep, a weekend one, must not leave the old reminder to be sent.
        session.exec(update(m.Deadline).where(col(m.Deadline.school_id) == school,
                                              col(m.Deadline.key) == moved.deadline_key)
                     .values(due=date(2026, 9, 1)))
        session.commit()
        moved_id = moved.id
    plan_all(engine, SATURDAY, force=True)
    with Session(engine) as session:
        row = session.get(m.Reminder, moved_id)
        assert row is not None
        assert row.status == "withdrawn"
        assert row.last_error == "the due date moved to 2026-09-01"


def test_a_backlog_bigger_than_one_batch_is_written_whole_and_once(engine: Engine, school: int) -> None:
    """The sweep writes its rows as it goes (a thousand at a time): none lost at a batch's edge, none twice."""
    due = MONDAY.date()
    with Session(engine) as session:
        staff = [m.Staff(school_id=school, handle=f"t{n}", role="teacher") for n in range(7)]
        session.add_all(staff)
        session.flush()
        session.add_all([m.Deadline(school_id=school, staff_id=staff[n % 7].id, key=f"review:{n}",
                                    kind="intervention_review", due=due, duty="school", rule="CoP 6.48",
                                    detail="Reading") for n in range(2_345)])
        session.commit()
    assert plan_all(engine, MONDAY, force=True).planned == 2_345
    with Session(engine) as session:
        rows = session.exec(select(m.Reminder.deadline_key).where(m.Reminder.school_id == school)).all()
    assert sorted(rows) == sorted(f"review:{n}" for n in range(2_345))
    assert plan_all(engine, MONDAY, force=True).planned == 0

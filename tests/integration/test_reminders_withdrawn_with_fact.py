"""A fact that meets or moves a deadline withdraws its pending reminders in the same transaction."""

from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session, select

from db import models as m


def _pending_for(engine: Engine, school: int, kind: str) -> m.Reminder:
    """A pending reminder for the school's first deadline of ``kind``."""
    with Session(engine) as session:
        deadline = session.exec(select(m.Deadline).where(m.Deadline.school_id == school, m.Deadline.kind == kind)
                                .order_by(m.Deadline.due)).first()
        assert deadline is not None
        row = m.Reminder(school_id=school, idempotency_key=f"test:{deadline.key}", kind=kind,
                         deadline_key=deadline.key, pupil_id=deadline.pupil_id, due_on=deadline.due, step="0",
                         step_on=deadline.due, send_on=deadline.due, recipient="channel",
                         next_attempt_at=datetime.now(UTC))
        session.add(row)
        session.commit()
        session.refresh(row)
        return row


def _status(engine: Engine, reminder_id: int | None) -> str:
    with Session(engine) as session:
        row = session.get(m.Reminder, reminder_id)
        assert row is not None
        return row.status


def test_logging_the_meeting_withdraws_the_pending_parent_meeting_reminder(chat, engine: Engine, school: int) -> None:
    chat.ok("admin", 'term add "Spring 2026" 2026-01-05 2026-03-27')
    chat.ok("admin", 'pupil add "Ava Smith" year:5')
    chat.ok("admin", "support start ava 2026-01-05")
    reminder = _pending_for(engine, school, "parent_meeting")
    chat.ok("admin", "meeting ava 2026-02-10")
    assert _status(engine, reminder.id) == "withdrawn"


def test_a_refused_command_leaves_the_reminder_pending(chat, engine: Engine, school: int) -> None:
    chat.ok("admin", 'pupil add "Ava Smith" year:5')
    chat.ok("admin", "ehcp issued ava 2025-03-14")
    reminder = _pending_for(engine, school, "annual_review")
    chat.refused("admin", "ehcp reviewed ava 31/02/2026")
    assert _status(engine, reminder.id) == "pending"
    chat.ok("admin", "ehcp reviewed ava 2026-02-20")  # the annual review moves a year on
    assert _status(engine, reminder.id) == "withdrawn"


def test_erasing_a_pupil_withdraws_their_reminders(chat, engine: Engine, school: int) -> None:
    chat.ok("admin", 'pupil add "Ava Smith" year:5')
    chat.ok("admin", "ehcp issued ava 2025-03-14")
    reminder = _pending_for(engine, school, "annual_review")
    chat.ok("admin", "erase ava confirm:yes")
    assert _status(engine, reminder.id) == "withdrawn"

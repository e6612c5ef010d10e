"""/sen done and /sen snooze as typed (the Slack buttons run the same text): clear refusals that change
nothing, and only the people a reminder concerns may act on it."""

from datetime import date

import pytest
from reminders_support import Town
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from db import models as m

WED = date(2026, 3, 4)


@pytest.fixture
def town(engine: Engine, chat, school: int) -> Town:  # type: ignore[no-untyped-def]
    t = Town(engine, chat, school)
    chat.ok("admin", "staff add @alice role:teacher class:5B")
    chat.ok("admin", "ehcp issued ava 2025-01-15")  # overdue: weekly reminders to @bob and @sue
    t.run("2026-03-02", "08:00", digests=True)
    t.run("2026-03-04", "08:00")
    return t


def state(town: Town) -> tuple:
    with Session(town.engine) as s:
        holds = s.exec(select(func.count()).select_from(m.ReminderHold)).one()
        statuses = tuple(s.exec(select(m.Reminder.id, m.Reminder.status).order_by(m.Reminder.id)).all())
        audit = s.exec(select(func.count()).select_from(m.AuditLog)).one()
    return holds, statuses, audit


# A bare number or D17 is a deadline number (COMMANDS v2); r42 is one reminder message (what Slack buttons send).
REFUSALS = [
    ("bob", "done abc", "'abc' isn't a deadline number"),
    ("bob", "done 4 2", "'4 2' isn't a deadline number"),
    ("bob", "done 99999", "There is no deadline D99999 for you"),
    ("bob", "done D99999999999999999999", "There is no deadline D99999999999999999999 for you"),
    ("bob", "done r99999", "There is no reminder #99999 for you"),
    ("bob", "done rx", "'rx' isn't a reminder number"),
    ("bob", "snooze r{bob} +9w", "between 1 day and 8 weeks"),
    ("bob", "snooze r{bob} 0d", "between 1 day and 8 weeks"),
    ("bob", "snooze r{bob} tomorrow", "between 1 day and 8 weeks"),
    ("alice", "snooze r{bob} +1w", "There is no reminder"),  # not hers
    ("alice", "done r{bob}", "There is no reminder"),
    ("lee", "done r{bob}", "There is no reminder"),  # a leader, and it went to @bob
    ("sue", "done r{digest}", "That is a weekly digest"),
    ("stranger", "done r{bob}", "not on this school's staff list"),
]


def test_refusals_say_why_and_change_nothing(town: Town) -> None:
    ids = {"bob": town.reminder_id("bob", "annual_review"), "digest": town.rows(kind="digest")[0].id}
    before = state(town)
    for who, text, says in REFUSALS:
        reply = town.chat.refused(who, text.format(**ids), today=WED)
        assert says in reply.title, (text, reply.title)
        assert "something went wrong" not in reply.title
        assert state(town) == before, text


def test_the_senco_may_act_on_anyones_reminder(town: Town) -> None:
    rid = town.reminder_id("bob", "annual_review")
    reply = town.chat.ok("sue", f"snooze r{rid} +1w", today=WED)
    assert reply.title.startswith("Snoozed: Annual review of the EHC plan — Ava Smith")
    assert "Wed 11 Mar 2026" in reply.title


def test_nothing_to_snooze_once_the_deadline_has_moved(town: Town) -> None:
    rid = town.reminder_id("bob", "annual_review")
    town.chat.ok("admin", "ehcp reviewed ava 2026-03-03", today=WED)
    before = state(town)
    reply = town.chat.refused("bob", f"snooze r{rid} +1w", today=WED)
    assert "Nothing to snooze" in reply.title and "moved to" in reply.title
    assert state(town) == before
    assert "moved to" in town.chat.ok("bob", f"done r{rid}", today=WED).title


def test_help_explains_done_and_snooze(town: Town) -> None:
    text = "\n".join(town.chat.ok("bob", "help snooze").lines)
    assert "/sen snooze <reminder> <for>" in text and "+1w" in text
    assert "/sen done D17" in "\n".join(town.chat.ok("bob", "help done").lines)


def test_snooze_and_done_are_audited_by_id_only(town: Town) -> None:
    rid = town.reminder_id("bob", "annual_review")
    town.chat.ok("bob", f"snooze r{rid} +1w", today=WED)
    with Session(town.engine) as s:
        last = s.exec(select(m.AuditLog).order_by(m.AuditLog.id.desc())).first()  # type: ignore[union-attr]
    assert last is not None and last.action == "reminder.snooze" and last.pupil_id is not None


def test_the_deadline_number_answers_a_reminder(town: Town) -> None:
    """COMMANDS v2: one number per deadline (D17), the same in /sen due and on the reminder, taken by done/snooze."""
    with Session(town.engine) as s:
        deadline = s.exec(select(m.Deadline).where(m.Deadline.kind == "annual_review")).one()
    assert any(i.detail.endswith(f"D{deadline.id}") for i in town.chat.ok("sue", "due overdue", today=WED).items)
    reply = town.chat.ok("bob", f"snooze D{deadline.id} +1w", today=WED)
    assert reply.title.startswith("Snoozed: Annual review of the EHC plan")
    with Session(town.engine) as s:
        hold = s.exec(select(m.ReminderHold).where(m.ReminderHold.deadline_key == deadline.key)).one()
    assert hold.until == date(2026, 3, 11)
    # A bare number is the same deadline number.
    assert "record it" in town.chat.ok("bob", f"done {deadline.id}", today=WED).title

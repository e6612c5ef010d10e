"""``/sen done <reminder>`` and ``/sen snooze <reminder> +1w``: the use cases behind the reminder buttons.

Done records nothing by itself where the law wants a fact with a date (a meeting held, a decision sent): it
answers with the command that records it, ready to run. For act-by dates with nothing to record (review
invitations, the review report) it stops the reminders. Snooze stops this deadline's reminders to this
recipient until the day given, then reminds once more if it is still open.
"""

import re
from datetime import date, timedelta

from sqlmodel import Session, col, select, update

from bot.reply import Action, Reply, day, initials
from bot.rules.citations import ACT_BY_ONLY, KINDS, how_to_record
from bot.services.access import Actor
from bot.services.audit import audit
from bot.services.deadlines import school_calendar
from bot.services.errors import Refused
from db import models as m

_DURATION = re.compile(r"\+?([0-9]{1,3}) ?(d|days?|w|wks?|weeks?)", re.ASCII | re.IGNORECASE)
MAX_SNOOZE_DAYS = 56


def forget_plan(session: Session, school_id: int) -> None:
    """Make the next planning run look again (after a snooze, say), keeping when planning began."""
    row = session.get(m.ReminderSweep, school_id)
    if row is not None:
        row.fingerprint = ""
        session.add(row)


def find_reminder(session: Session, actor: Actor, ref: str) -> m.Reminder:
    text = ref.strip().lstrip("#")
    if not (text.isascii() and text.isdigit()):
        raise Refused(f"'{ref.strip()}' isn't a reminder number: use the number on the reminder, like /sen done 42.")
    row = session.get(m.Reminder, int(text)) if int(text) < 2**31 else None
    if row is None or row.school_id != actor.school_id or not _may_act(session, actor, row):
        raise Refused(f"There is no reminder #{text} for you. Reminders show their number on the buttons and in "
                      "the text.")
    return row


def _may_act(session: Session, actor: Actor, row: m.Reminder) -> bool:
    if row.recipient == f"staff:{actor.staff_id}" or actor.whole_school:
        return True
    if row.recipient != "channel":
        return False
    if actor.role == "leader":
        return True
    pupil = session.get(m.Pupil, row.pupil_id) if row.pupil_id is not None else None
    return pupil is not None and actor.teaches(pupil)


def _deadline(session: Session, row: m.Reminder) -> m.Deadline | None:
    return session.exec(select(m.Deadline).where(m.Deadline.school_id == row.school_id,
                                                 m.Deadline.key == row.deadline_key)).first()


def _about(session: Session, actor: Actor, row: m.Reminder) -> str:
    title = KINDS[row.kind].title if row.kind in KINDS else "this deadline"
    pupil = session.get(m.Pupil, row.pupil_id) if row.pupil_id is not None else None
    if pupil is None:
        return title
    return f"{title} — {pupil.name if actor.can_see(pupil) else initials(pupil.name)} (#{pupil.id})"


def _hold(session: Session, actor: Actor, row: m.Reminder, until: date | None) -> None:
    assert row.deadline_key is not None and row.due_on is not None
    hold = session.exec(select(m.ReminderHold).where(
        m.ReminderHold.school_id == row.school_id, m.ReminderHold.deadline_key == row.deadline_key,
        m.ReminderHold.due_on == row.due_on, m.ReminderHold.recipient == row.recipient)).first()
    if hold is None:
        hold = m.ReminderHold(school_id=row.school_id, deadline_key=row.deadline_key, due_on=row.due_on,
                              recipient=row.recipient)
    hold.until, hold.staff_id = until, actor.staff_id
    session.add(hold)
    # Anything queued for this recipient about this deadline stays unsent.
    session.execute(update(m.Reminder).where(
        m.Reminder.school_id == row.school_id, m.Reminder.deadline_key == row.deadline_key,
        m.Reminder.due_on == row.due_on, m.Reminder.recipient == row.recipient,
        col(m.Reminder.status).in_(("pending",))).values(status="snoozed" if until else "withdrawn"))
    forget_plan(session, row.school_id)


def _not_a_deadline(row: m.Reminder) -> None:
    if row.kind == "digest":
        raise Refused("That is a weekly digest: there is nothing to mark done or snooze. /sen due shows what is "
                      "open.")


def _recording_commands(kind: str, pupil_id: int | None, detail: str, senco: str | None) -> list[Action]:
    """What records each kind (``rules.how_to_record``, the one definition), as actions."""
    return [Action(label, command) for label, command in how_to_record(kind, pupil_id, detail, senco)]


def done(session: Session, actor: Actor, ref: str, today: date) -> Reply:
    row = find_reminder(session, actor, ref)
    _not_a_deadline(row)
    about = _about(session, actor, row)
    d = _deadline(session, row)
    if d is None:
        return Reply(f"{about}: this no longer applies (the facts behind it changed), so no more reminders come "
                     "about it.")
    if d.done:
        return Reply(f"{about}: already recorded as done. Thank you — no more reminders about it.")
    if d.due != row.due_on:
        return Reply(f"{about}: the date has moved to {day(d.due)}; reminders now follow the new date.")
    if d.kind in ACT_BY_ONLY:
        _hold(session, actor, row, None)
        audit(session, actor, actor.school_id, "reminder.done", row.pupil_id)
        return Reply(f"Marked done: {about}. No more reminders about it.")
    senco = session.get(m.Staff, d.staff_id) if d.staff_id is not None else None
    actions = _recording_commands(d.kind, d.pupil_id, d.detail, senco.handle if senco else None)
    return Reply(f"{about}: record it, and the deadline closes and its reminders stop.",
                 lines=["The law asks for the date it happened, so sendbot doesn't assume it. Change 'today' if it "
                        "was another day:", *(f"  {a.command}" for a in actions)],
                 actions=actions)


def parse_duration(text: str) -> int:
    match = _DURATION.fullmatch(text.strip())
    days = 0
    if match:
        days = int(match.group(1)) * (7 if match.group(2).lower().startswith("w") else 1)
    if not match or not 1 <= days <= MAX_SNOOZE_DAYS:
        raise Refused(f"Snooze for between 1 day and 8 weeks, like +3d, +1w or +2w; '{text.strip()}' isn't one.")
    return days


def snooze(session: Session, actor: Actor, ref: str, duration: str, today: date) -> Reply:
    days = parse_duration(duration)
    row = find_reminder(session, actor, ref)
    _not_a_deadline(row)
    about = _about(session, actor, row)
    d = _deadline(session, row)
    if d is None or d.done:
        raise Refused(f"Nothing to snooze: {about} is {'done' if d else 'no longer a deadline'}, so no more "
                      "reminders come about it.")
    if d.due != row.due_on:
        raise Refused(f"Nothing to snooze: {about} has moved to {day(d.due)}, and reminders follow the new date.")
    until = today + timedelta(days=days)
    _hold(session, actor, row, until)
    audit(session, actor, actor.school_id, "reminder.snooze", row.pupil_id)
    wake = school_calendar(session, row.school_id).next_school_day(until)
    lines = []
    if d.due < wake and today <= d.due:
        lines.append(f"Careful: it is due on {day(d.due)}, before then.")
    return Reply(f"Snoozed: {about}. I'll remind you again on {day(wake)} if it is still open.", lines=lines)

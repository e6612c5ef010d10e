"""What a reminder says: what is due, for whom, by when, who must act, the law, and what to do next.

Pupil names appear in full only in a direct message to staff who may see that pupil; a channel, or a
leader, gets initials and the pupil's number.
"""

from datetime import date, timedelta

from bot.reply import DUTY, Action, Reply, day, initials, year_label
from bot.rules.citations import KINDS
from bot.rules.dates import current_year_group
from bot.security.scrub import literal
from bot.services.access import Actor
from bot.services.errors import Refused
from bot.services.reminder_policy import OPENS, parse_step
from db import models as m

ACTS = {"school": "the school", "la": "the local authority (LA)", "parent": "the family"}


def staff_label(staff: m.Staff) -> str:
    """How to name a member of staff in a message (the Slack renderer turns @<user id> into a mention)."""
    return f"@{staff.handle}" + (f" ({staff.display_name})" if staff.display_name else "")


def may_see_names(recipient: m.Staff | None, pupil: m.Pupil | None) -> bool:
    if recipient is None or pupil is None:
        return False
    actor = Actor(recipient.id or 0, recipient.school_id, recipient.handle, recipient.role, recipient.class_name)
    return actor.can_see(pupil)


def step_words(kind: str, step: str, step_on: date) -> str:
    if step == "snoozed":
        return f"you snoozed it until {day(step_on)}"
    try:
        described = parse_step(kind, step).describe()
    except Refused:
        return step
    if step.startswith("opens") and kind in OPENS:
        described = described.replace("it began", OPENS[kind])
    return described


def why_now(deadline: m.Deadline, row: m.Reminder, today: date) -> str:
    """Why this reminder comes today, truthfully: a step caught up late says so rather than "4 weeks before"."""
    if today > deadline.due:
        since = deadline.due + timedelta(days=1)
        return f"overdue since {day(since)}" + ("" if row.step in ("weekly", "snoozed") else
                                                  f" (this reminder was planned for {day(row.send_on)})")
    words = step_words(deadline.kind, row.step, row.step_on)
    if row.send_on < today:
        return f"{words} — planned for {day(row.send_on)} and sent late; it is due {relative(deadline.due, today)}"
    return words


def relative(due: date, today: date) -> str:
    delta = (due - today).days
    if delta == 0:
        return "today"
    if delta > 0:
        return f"in {delta} day{'s' if delta != 1 else ''}"
    return f"{-delta} day{'s' if delta != -1 else ''} overdue"


def reminder_reply(row: m.Reminder, deadline: m.Deadline, pupil: m.Pupil | None, recipient: m.Staff | None,
                   responsible: m.Staff | None, today: date) -> Reply:
    """The message for one reminder row. ``recipient`` is None for the reminders channel."""
    assert row.id is not None
    kind = KINDS[deadline.kind]
    about = ""
    if pupil is not None:
        named = may_see_names(recipient, pupil)
        year = year_label(current_year_group(pupil.year_group, pupil.year_recorded_in, today))
        about = f" — {pupil.name if named else initials(pupil.name)} (#{pupil.id}, {year})"
    overdue = today > deadline.due
    la_late = deadline.duty == "la" and overdue
    title = f"{'Overdue' if overdue else 'Reminder'}: {kind.title}{about} · D{deadline.id}"
    fields = [("Due", f"{day(deadline.due)} ({relative(deadline.due, today)})"),
              ("Who must act", ACTS.get(deadline.duty, DUTY.get(deadline.duty, deadline.duty))),
              ("The law", deadline.rule)]
    if deadline.detail and deadline.kind != "appeal_deadline":
        fields.append(("About", literal(deadline.detail)))  # typed text: never a live mention
    if deadline.kind == "senco_qualification" and responsible is not None:
        fields.append(("SENCO", staff_label(responsible)))  # which SENCO, when a school has more than one
    elif recipient is None and responsible is not None:
        fields.append(("Responsible", staff_label(responsible)))
    fields.append(("Why now", why_now(deadline, row, today)))
    lines = []
    if la_late:
        lines.append("The LA is late. Consider challenging it: the Code expects schools to chase a late LA.")
    if deadline.kind == "appeal_deadline" and not overdue:
        lines.append(f"Make sure the family knows: the last day to appeal is {day(deadline.due)}.")
    ref = f"#{pupil.id}" if pupil is not None else ""
    next_step = kind.next_step.replace("<pupil>", ref) if ref else kind.next_step
    lines.append(f"What to do: {next_step}")
    open_command = f"/sen pupil show #{pupil.id}" if pupil is not None else "/sen due"
    actions = [Action("Done", f"/sen done D{deadline.id}", primary=True),
               Action("Snooze 1 week", f"/sen snooze D{deadline.id} +1w"), Action("Open", open_command)]
    return Reply(title, fields=fields, lines=lines, actions=actions, private=recipient is not None)

"""What the reminders would send over the coming days if nothing changed (``sendbot remind preview``)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from bot.services.deadlines import ensure_fresh, school_calendar
from bot.services.reminder_policy import policy_for
from db import models as m

from .digest import digest_key, digest_send_day
from .steps import local_today, moment, pick, reminder_time, school_zone, worth_sending
from .sweep import load_holds, load_people, load_watermarks, open_deadlines, opening_days


@dataclass(frozen=True)
class PreviewLine:
    at: datetime  # when it would be sent (UTC)
    kind: str
    step: str
    deadline_key: str | None
    pupil_id: int | None
    due: date | None
    recipient: str


def preview(session: Session, school: m.School, start: date, end: date, now: datetime) -> list[PreviewLine]:
    """What planning would send from ``start`` (today at the earliest) to ``end`` if nothing changed.

    Simulates planning on each school day from today, with the same rules (school days only, latest step
    only, snoozes, steps already written), so what it lists is what would go out.
    """
    assert school.id is not None
    today = local_today(now, school)
    ensure_fresh(session, school, today)
    policy = policy_for(school.settings or {})
    deadlines = open_deadlines(session, school.id)
    calendar = school_calendar(session, school.id)
    people = load_people(session, school)
    opens = opening_days(session, school.id)
    holds = load_holds(session, school.id)
    watermarks = load_watermarks(session, school.id, min((d.due for d in deadlines), default=None))
    zone, at = school_zone(school), reminder_time(school)
    sweep = session.get(m.ReminderSweep, school.id)
    since = sweep.since if sweep is not None else now
    monday = today - timedelta(days=today.weekday())
    written_digests = set(session.exec(select(m.Reminder.idempotency_key).where(
        m.Reminder.school_id == school.id, m.Reminder.kind == "digest", m.Reminder.step_on >= monday)).all())
    out: list[PreviewLine] = []
    day = today
    while day <= end:
        if calendar.is_school_day(day):
            sent_at = max(moment(day, at, zone), now)
            lines: list[PreviewLine] = []
            for dl in deadlines:
                if not worth_sending(dl.kind, dl.due, day):
                    continue
                chosen = pick(dl, policy.get(dl.kind, ()), opens.get(dl.key), calendar, people, day, watermarks,
                              holds)
                for recipient, c in chosen.items():
                    watermarks[(dl.key, dl.due, recipient)] = c.order
                    lines.append(PreviewLine(sent_at, dl.kind, c.step, dl.key, dl.pupil_id, dl.due, recipient))
            when = digest_send_day(school, calendar, day)
            if when is not None and when[1] <= day and moment(when[1], at, zone) >= since:
                for sid in people.sencos:
                    key = digest_key(when[0], f"staff:{sid}")
                    if key not in written_digests:
                        written_digests.add(key)
                        lines.append(PreviewLine(sent_at, "digest", "digest", None, None, None, f"staff:{sid}"))
            if day >= start:
                out.extend(lines)
        day += timedelta(days=1)
    return sorted(out, key=lambda p: (p.at, p.kind, p.pupil_id or 0, p.recipient))

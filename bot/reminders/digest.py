"""The weekly digest: once a week, on the school's digest day (or the next school day that week), to its SENCO(s)."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from bot.calendar import SchoolCalendar
from bot.services.deadlines import school_calendar
from bot.services.school import DAYS, DEFAULT_SETTINGS
from db import models as m

from .steps import moment, reminder_time, school_zone, sending_day
from .sweep import PlanReport, each_locked_school, insert_rows, load_people


def digest_day(school: m.School) -> int:
    name = str((school.settings or {}).get("digest-day") or DEFAULT_SETTINGS["digest-day"]).lower()
    return DAYS.index(name) if name in DAYS else 0


def digest_send_day(school: m.School, calendar: SchoolCalendar, day: date) -> tuple[date, date] | None:
    """(week's Monday, send day) for the week of ``day``: the digest day, or the next school day that week.

    A week with no school day from the digest day on (a holiday) has no digest.
    """
    monday = day - timedelta(days=day.weekday())
    d = monday + timedelta(days=digest_day(school))
    while d <= monday + timedelta(days=6):
        if calendar.is_school_day(d):
            return monday, d
        d += timedelta(days=1)
    return None


def digest_key(monday: date, recipient: str) -> str:
    return f"digest|{monday.isoformat()}|{recipient}"


def plan_digest(session: Session, school: m.School, now: datetime) -> int:
    """Write this week's digest for the school's SENCO(s) once its moment has passed; once per week.

    Late (after downtime) it still goes, on a later school day that week. A school that sendbot started
    looking after only after this week's digest moment gets its first digest next week.
    """
    assert school.id is not None
    calendar = school_calendar(session, school.id)
    today = sending_day(now, school, calendar)
    if today is None:
        return 0
    when = digest_send_day(school, calendar, today)
    if when is None or when[1] > today:
        return 0
    monday, send_on = when
    at = moment(send_on, reminder_time(school), school_zone(school))
    sweep = session.get(m.ReminderSweep, school.id)
    if sweep is None or sweep.since > at:
        return 0
    rows = [{
        "school_id": school.id, "idempotency_key": digest_key(monday, f"staff:{sid}"), "kind": "digest",
        "deadline_key": None, "pupil_id": None, "due_on": None, "step": "digest", "step_on": monday,
        "send_on": send_on, "recipient": f"staff:{sid}", "status": "pending", "attempts": 0,
        "next_attempt_at": at, "created_at": datetime.now(UTC),
    } for sid in load_people(session, school).sencos]
    return insert_rows(session, rows)


def plan_digests(engine: Engine, now: datetime, school_ids: list[int] | None = None) -> PlanReport:
    report = PlanReport()

    def plan(session: Session, school: m.School) -> None:
        report.digests += plan_digest(session, school, now)

    each_locked_school(engine, school_ids, report, plan)
    return report

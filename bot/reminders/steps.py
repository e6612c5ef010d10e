"""Which reminder step to send, to whom and when: pure choices, no database and no clock.

The sweep (``sweep.py``) loads what these need and writes what they choose; the preview (``preview.py``)
runs them day by day to show what would go out.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.calendar import SchoolCalendar
from bot.rules.citations import still_worth_acting_on
from bot.services.reminder_policy import Step
from bot.services.school import DEFAULT_SETTINGS
from db import models as m

DEFAULT_ZONE = "Europe/London"

# --- time ------------------------------------------------------------------------------------------------


def school_zone(school: m.School) -> ZoneInfo:
    try:
        return ZoneInfo(school.zone or DEFAULT_ZONE)
    except (KeyError, ValueError):  # an unknown zone name must not stop reminders: fall back to England's
        return ZoneInfo(DEFAULT_ZONE)


def reminder_time(school: m.School) -> time:
    value = str((school.settings or {}).get("reminder-time") or DEFAULT_SETTINGS["reminder-time"])
    try:
        return time.fromisoformat(value)
    except ValueError:
        return time(8, 0)


def moment(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant (UTC) of ``at`` o'clock on ``day`` in the school's zone (08:00 is 07:00 UTC in summer)."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def local_today(now: datetime, school: m.School) -> date:
    return now.astimezone(school_zone(school)).date()


def sending_day(now: datetime, school: m.School, calendar: SchoolCalendar) -> date | None:
    """Today, if reminders go out now: a school day, at or after the school's reminder time. Else None.

    Steps that came due while nothing could be sent (a weekend, a holiday, the service down) wait for this.
    """
    local = now.astimezone(school_zone(school))
    if local.time().replace(tzinfo=None) < reminder_time(school) or not calendar.is_school_day(local.date()):
        return None
    return local.date()


# --- who hears -------------------------------------------------------------------------------------------


def channel_setting(school: m.School) -> str:
    return str((school.settings or {}).get("reminders-channel") or "").strip()


@dataclass
class People:
    """The school's active staff by role, and its reminders channel: turns audiences into recipients."""

    staff: dict[int, m.Staff]
    channel: str

    def _role(self, role: str) -> list[int]:
        return [sid for sid, s in self.staff.items() if s.role == role]

    @property
    def sencos(self) -> list[int]:
        # A school that has not named a SENCO yet: its admins (who set sendbot up) stand in.
        return self._role("senco") or self._role("admin")

    @property
    def leaders(self) -> list[int]:
        return self._role("leader") or self._role("admin")

    def recipients(self, audiences: Iterable[str], staff_id: int | None) -> list[str]:
        out: list[str] = []
        for audience in audiences:
            if audience == "responsible":
                ids = [staff_id] if staff_id is not None and staff_id in self.staff else self.sencos
            elif audience == "senco":
                ids = self.sencos
            elif audience == "leaders":
                ids = self.leaders
            else:
                if self.channel:
                    if "channel" not in out:
                        out.append("channel")
                    continue
                ids = self.sencos  # no channel chosen yet: the SENCO hears instead, so nothing is lost
            for sid in ids:
                if f"staff:{sid}" not in out:
                    out.append(f"staff:{sid}")
        return out


# --- which step, when ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    step: str  # the step's word ("-4w", "weekly", "snoozed")
    step_on: date
    send_on: date

    @property
    def order(self) -> tuple[date, date]:
        return (self.send_on, self.step_on)


# A reminder nobody can act on any more is not sent (the one definition, in the rules).
worth_sending = still_worth_acting_on


def latest_occurrence(step: Step, due: date, opens: date | None, calendar: SchoolCalendar,
                      until: date) -> Candidate | None:
    """The latest occurrence of ``step`` whose school day is on or before ``until``."""
    if step.anchor == "weekly":
        k = (until - due).days // 7
        while k >= 1:
            nominal = due + timedelta(weeks=k)
            send_on = calendar.next_school_day(nominal)
            if send_on <= until:
                return Candidate(step.word, nominal, send_on)
            k -= 1
        return None
    nominal = step.step_day(due, opens, calendar)
    if nominal is None:
        return None
    send_on = calendar.next_school_day(nominal)
    return Candidate(step.word, nominal, send_on) if send_on <= until else None


def occurrences(step: Step, due: date, opens: date | None, calendar: SchoolCalendar, start: date,
                end: date) -> list[Candidate]:
    """Every occurrence of ``step`` sent between ``start`` and ``end`` (for previews)."""
    if step.anchor != "weekly":
        c = latest_occurrence(step, due, opens, calendar, end)
        return [c] if c is not None and c.send_on >= start else []
    out: dict[date, Candidate] = {}
    k = max(1, (start - due).days // 7 - 1)
    while due + timedelta(weeks=k) <= end:
        nominal = due + timedelta(weeks=k)
        send_on = calendar.next_school_day(nominal)
        if start <= send_on <= end:
            out[send_on] = Candidate(step.word, nominal, send_on)  # weeks that meet in a holiday: the latest
        k += 1
    return list(out.values())


@dataclass
class DeadlineView:
    """What planning needs of a deadline row (plain values, so previews can simulate without the ORM)."""

    id: int
    key: str
    kind: str
    due: date
    pupil_id: int | None
    staff_id: int | None


Triple = tuple[str, date, str]  # (deadline key, due date, recipient)
Holds = dict[tuple[str, date], dict[str, date | None]]  # (deadline key, due date) → recipient → until


def pick(d: DeadlineView, steps: tuple[Step, ...], opens: date | None, calendar: SchoolCalendar, people: People,
         until: date, watermarks: dict[Triple, tuple[date, date]], holds: Holds) -> dict[str, Candidate]:
    """For each recipient, the one step to send now: the latest due, if newer than anything already written."""
    best: dict[str, Candidate] = {}

    def offer(recipient: str, c: Candidate) -> None:
        if recipient not in best or c.order > best[recipient].order:
            best[recipient] = c

    for step in steps:
        c = latest_occurrence(step, d.due, opens, calendar, until)
        if c is None:
            continue
        for r in people.recipients(step.to, d.staff_id):
            offer(r, c)
    held = holds.get((d.key, d.due), {})
    # A snooze wakes the recipient up on the first school day at or after its end, even if no step falls then.
    for r, hold_until in held.items():
        if hold_until is not None:
            wake = calendar.next_school_day(hold_until)
            if wake <= until:
                offer(r, Candidate("snoozed", hold_until, wake))
    chosen: dict[str, Candidate] = {}
    for r, c in best.items():
        if r in held:
            hold_until = held[r]
            if hold_until is None or c.send_on < hold_until:
                continue  # marked done, or still snoozed
        triple = (d.key, d.due, r)
        mark = watermarks.get(triple)
        if mark is not None and c.order <= mark:
            continue  # this step, or a later one, was already written
        chosen[r] = c
    return chosen


def reminder_key(d: DeadlineView, c: Candidate, recipient: str) -> str:
    return f"{d.key}|{c.step}@{c.step_on.isoformat()}|{d.due.isoformat()}|{recipient}"

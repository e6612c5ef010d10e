"""Planning: deadlines + policy + school calendar + "now" → rows in the outbox, idempotently.

A step is due once its school day has come and the school's reminder time has passed there. Planning only
writes rows whose moment has passed (the outbox is what to send *now*); ``preview`` answers "what next".
For each deadline and recipient, only the latest due step is written: steps that fell due together (after
downtime, or a date recorded late) collapse into one message, and steps older than the latest row already
written are never sent. A second planning run finds every key written and changes nothing.

Replicas: each school is planned in its own transaction under a PostgreSQL transaction-level advisory lock
(``pg_try_advisory_xact_lock``); a replica that does not get it skips that school. The unique key per
(school, deadline, step, due date, recipient) makes any second insert a no-op all the same.
"""

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from bot.calendar import SchoolCalendar
from bot.rules.citations import ACT_BY_ONLY
from bot.services.deadlines import ensure_fresh, school_calendar
from bot.services.school import DAYS, DEFAULT_SETTINGS
from db import models as m
from db.engine import transaction

from .policy import Policy, Step, policy_for

log = logging.getLogger(__name__)

LOCK_NAMESPACE = 0x5E4D  # first key of the two-key advisory lock; the second is the school's id
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

    @classmethod
    def load(cls, session: Session, school: m.School) -> "People":
        rows = session.exec(select(m.Staff).where(m.Staff.school_id == school.id, col(m.Staff.active).is_(True))
                            .order_by(m.Staff.id)).all()
        return cls({s.id: s for s in rows if s.id is not None}, channel_setting(school))

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


def worth_sending(kind: str, due: date, today: date) -> bool:
    """A reminder nobody can act on any more is not sent: a lapsed appeal window, an act-by date long gone."""
    if kind == "appeal_deadline" and today > due:
        return False
    return not (kind in ACT_BY_ONLY and due < today - timedelta(days=7))


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


# --- loading what planning reads -------------------------------------------------------------------------


def open_deadlines(session: Session, school_id: int, policy: Policy | None = None,
                   until: date | None = None) -> list[DeadlineView]:
    """The open deadlines whose earliest reminder step can fall by ``until`` (all of them without ``until``).

    With a window, the query reads the (school_id, due) index up to ``until`` plus the policy's longest
    lead, and the few kinds with a step counted from when the duty opened; so the sweep's cost grows with
    what is due, not with the size of the school.
    """
    query = select(m.Deadline.id, m.Deadline.key, m.Deadline.kind, m.Deadline.due, m.Deadline.pupil_id,
                   m.Deadline.staff_id).where(m.Deadline.school_id == school_id, col(m.Deadline.done).is_(False))
    if until is None or policy is None:
        return [DeadlineView(*row) for row in session.exec(query).all()]
    horizon = until + timedelta(days=longest_lead(policy))
    found = {row[0]: DeadlineView(*row) for row in session.exec(query.where(col(m.Deadline.due) <= horizon)).all()}
    opening = sorted(k for k, steps in policy.items() if any(s.anchor == "opens" for s in steps))
    if opening:
        # Two queries rather than one OR: each reads its own index ((school_id, due), (school_id, kind, due)).
        for row in session.exec(query.where(col(m.Deadline.kind).in_(opening), col(m.Deadline.due) > horizon)).all():
            found[row[0]] = DeadlineView(*row)
    return list(found.values())


def longest_lead(policy: Policy) -> int:
    """An upper bound, in days, on how long before its due day a deadline's first step can fall."""
    days = 0
    for steps in policy.values():
        for s in steps:
            if s.anchor != "due" or s.amount >= 0:
                continue
            n = -s.amount
            # School days: allow a week per day plus the longest holiday, which is generous on purpose.
            days = max(days, {"d": n, "w": 7 * n, "m": 31 * n + 1, "sd": 7 * n + 60}[s.unit])
    return days


def opening_days(session: Session, school_id: int) -> dict[str, date]:
    """When each duty with a beginning began, by deadline key (see policy.OPENS)."""
    out: dict[str, date] = {}
    for did, pid, sent_on in session.exec(
        select(m.LaDecision.id, m.LaDecision.pupil_id, m.LaDecision.sent_on).where(m.LaDecision.school_id == school_id)
    ).all():
        out[f"p{pid}:appeal_deadline:{did}"] = sent_on
    for aid, appointed in session.exec(
        select(m.SencoAppointment.id, m.SencoAppointment.appointed_on)
        .where(m.SencoAppointment.school_id == school_id)
    ).all():
        out[f"senco_qualification:{aid}"] = appointed
    return out


def load_holds(session: Session, school_id: int) -> Holds:
    out: Holds = defaultdict(dict)
    for h in session.exec(select(m.ReminderHold).where(m.ReminderHold.school_id == school_id)).all():
        out[(h.deadline_key, h.due_on)][h.recipient] = h.until
    return dict(out)


def load_watermarks(session: Session, school_id: int, since: date | None) -> dict[Triple, tuple[date, date]]:
    """The latest step written so far per (deadline, due date, recipient)."""
    query = (
        select(m.Reminder.deadline_key, m.Reminder.due_on, m.Reminder.recipient, func.max(m.Reminder.send_on),
               func.max(m.Reminder.step_on))
        .where(m.Reminder.school_id == school_id, m.Reminder.kind != "digest")
        .group_by(m.Reminder.deadline_key, m.Reminder.due_on, m.Reminder.recipient)
    )
    if since is not None:
        query = query.where(m.Reminder.due_on >= since)
    out: dict[Triple, tuple[date, date]] = {}
    for key, due, recipient, send_on, step_on in session.exec(query).all():
        out[(key, due, recipient)] = (send_on, step_on)
    return out


# --- writing ---------------------------------------------------------------------------------------------


def insert_rows(session: Session, rows: list[dict]) -> int:
    """Insert outbox rows, skipping any whose key is already there (the idempotency key at work)."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    maker = pg_insert if dialect == "postgresql" else sqlite_insert
    total = 0
    for i in range(0, len(rows), 1000):
        stmt = (maker(m.Reminder).on_conflict_do_nothing(index_elements=["school_id", "idempotency_key"])
                .returning(m.Reminder.id))
        total += len(session.connection().execute(stmt, rows[i:i + 1000]).all())
    return total


def try_lock(session: Session, school_id: int) -> bool:
    """PostgreSQL: this transaction alone plans this school (released at commit). SQLite has one writer anyway."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.execute(text("SELECT pg_try_advisory_xact_lock(:ns, :sid)"),
                                {"ns": LOCK_NAMESPACE, "sid": school_id}).scalar())


def _fingerprint(session: Session, school: m.School, today: date, sending: bool, policy: Policy) -> str:
    """Everything planning depends on; when it is unchanged since the last run, planning has nothing to add."""
    terms = session.exec(select(m.Term.start, m.Term.end).where(m.Term.school_id == school.id)
                         .order_by(m.Term.start)).all()
    staff = session.exec(select(m.Staff.id, m.Staff.role, m.Staff.active).where(m.Staff.school_id == school.id)
                         .order_by(m.Staff.id)).all()
    holds = session.exec(select(m.ReminderHold.id, m.ReminderHold.until)
                         .where(m.ReminderHold.school_id == school.id).order_by(m.ReminderHold.id)).all()
    payload = {
        "day": today.isoformat(), "sending": sending, "version": school.data_version, "zone": school.zone,
        "time": reminder_time(school).isoformat(), "channel": channel_setting(school),
        "policy": {k: [s.text for s in v] for k, v in sorted(policy.items())},
        "terms": [[a.isoformat(), b.isoformat()] for a, b in terms],
        "staff": [list(s) for s in staff], "holds": [[i, u.isoformat() if u else None] for i, u in holds],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def forget_plan(session: Session, school_id: int) -> None:
    """Make the next planning run look again (after a snooze, say), keeping when planning began."""
    row = session.get(m.ReminderSweep, school_id)
    if row is not None:
        row.fingerprint = ""
        session.add(row)


@dataclass
class PlanReport:
    planned: int = 0
    withdrawn: int = 0
    digests: int = 0
    schools: int = 0
    skipped: list[int] = field(default_factory=list)  # schools another replica was planning


def plan_school(session: Session, school: m.School, now: datetime, *, force: bool = False) -> tuple[int, int]:
    """Write the reminders due by ``now`` for one school; returns (rows written, pending rows withdrawn)."""
    assert school.id is not None
    today = local_today(now, school)
    ensure_fresh(session, school, today)
    calendar = school_calendar(session, school.id)
    until = sending_day(now, school, calendar)
    policy = policy_for(school.settings or {})
    fingerprint = _fingerprint(session, school, today, until is not None, policy)
    sweep = session.get(m.ReminderSweep, school.id)
    if sweep is not None and sweep.fingerprint == fingerprint and not force:
        return 0, 0
    deadlines = open_deadlines(session, school.id, policy, until or today)
    withdrawn = withdraw_stale(session, school, {d.key: d for d in deadlines}, today)
    rows: list[dict] = []
    if until is not None:
        people = People.load(session, school)
        opens = opening_days(session, school.id)
        holds = load_holds(session, school.id)
        watermarks = load_watermarks(session, school.id, min((d.due for d in deadlines), default=None))
        zone, at = school_zone(school), reminder_time(school)
        for d in deadlines:
            if not worth_sending(d.kind, d.due, today):
                continue
            for recipient, c in pick(d, policy.get(d.kind, ()), opens.get(d.key), calendar, people, until,
                                     watermarks, holds).items():
                rows.append(_row(school.id, d, c, recipient, moment(c.send_on, at, zone)))
    written = insert_rows(session, rows)
    if sweep is None:
        sweep = m.ReminderSweep(school_id=school.id, fingerprint=fingerprint, planned_at=now, since=now)
    sweep.fingerprint, sweep.planned_at = fingerprint, now
    session.add(sweep)
    return written, withdrawn


def _row(school_id: int, d: DeadlineView, c: Candidate, recipient: str, at: datetime) -> dict:
    return {
        "school_id": school_id, "idempotency_key": reminder_key(d, c, recipient), "kind": d.kind,
        "deadline_key": d.key, "pupil_id": d.pupil_id, "due_on": d.due, "step": c.step, "step_on": c.step_on,
        "send_on": c.send_on, "recipient": recipient, "status": "pending", "attempts": 0, "next_attempt_at": at,
        "created_at": datetime.now(UTC),
    }


def withdraw_stale(session: Session, school: m.School, live: dict[str, DeadlineView], today: date) -> int:
    """Pending reminders of deadlines that were done, moved or went away are withdrawn, never sent.

    ``live`` holds the deadlines in the sweep's window; a pending reminder about one outside it is checked
    against its row, read by key (a handful: pending rows are sent within minutes).
    """
    pending = session.exec(select(m.Reminder).where(m.Reminder.school_id == school.id,
                                                    m.Reminder.status == "pending",
                                                    m.Reminder.kind != "digest")).all()
    missing = sorted({row.deadline_key for row in pending if row.deadline_key and row.deadline_key not in live})
    if missing:
        live = dict(live)
        for chunk in range(0, len(missing), 500):
            for row in session.exec(
                select(m.Deadline.id, m.Deadline.key, m.Deadline.kind, m.Deadline.due, m.Deadline.pupil_id,
                       m.Deadline.staff_id)
                .where(m.Deadline.school_id == school.id, col(m.Deadline.done).is_(False),
                       col(m.Deadline.key).in_(missing[chunk:chunk + 500]))
            ).all():
                live[row[1]] = DeadlineView(*row)
    n = 0
    for row in pending:
        reason = stale_reason(row, live.get(row.deadline_key or ""), today)
        if reason:
            row.status, row.last_error = "withdrawn", reason
            session.add(row)
            n += 1
    return n


def stale_reason(row: m.Reminder, d: DeadlineView | None, today: date) -> str | None:
    if d is None:
        return "the deadline was met or no longer applies"
    if d.due != row.due_on:
        return f"the due date moved to {d.due.isoformat()}"
    if not worth_sending(d.kind, d.due, today):
        return "too late to act on"
    return None


def _schools(session: Session, school_ids: list[int] | None) -> list[m.School]:
    query = select(m.School).order_by(m.School.id)
    if school_ids is not None:
        query = query.where(col(m.School.id).in_(school_ids))
    return list(session.exec(query).all())


def each_locked_school(engine: Engine, school_ids: list[int] | None, report: "PlanReport",
                       work: Callable[[Session, m.School], None]) -> None:
    """Run ``work`` for each school in its own transaction, under that school's advisory lock.

    A school another replica is planning right now is skipped (and noted in the report), not waited for.
    """
    with Session(engine) as session:
        ids = [s.id for s in _schools(session, school_ids) if s.id is not None]
    for sid in ids:
        with transaction(engine) as session:
            if not try_lock(session, sid):
                report.skipped.append(sid)
                continue
            school = session.get(m.School, sid)
            if school is not None:
                work(session, school)
                report.schools += 1


def plan_all(engine: Engine, now: datetime, school_ids: list[int] | None = None, *,
             force: bool = False) -> PlanReport:
    """Plan every school (each in its own transaction, under its advisory lock)."""
    report = PlanReport()

    def plan(session: Session, school: m.School) -> None:
        written, withdrawn = plan_school(session, school, now, force=force)
        report.planned += written
        report.withdrawn += withdrawn
        if written or withdrawn:
            log.info("school %s: planned %s reminders, withdrew %s", school.id, written, withdrawn)

    each_locked_school(engine, school_ids, report, plan)
    return report


# --- the weekly digest -----------------------------------------------------------------------------------


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
    } for sid in People.load(session, school).sencos]
    return insert_rows(session, rows)


def plan_digests(engine: Engine, now: datetime, school_ids: list[int] | None = None) -> PlanReport:
    report = PlanReport()

    def plan(session: Session, school: m.School) -> None:
        report.digests += plan_digest(session, school, now)

    each_locked_school(engine, school_ids, report, plan)
    return report


# --- preview ---------------------------------------------------------------------------------------------


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
    people = People.load(session, school)
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

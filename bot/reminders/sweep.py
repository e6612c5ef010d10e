"""The sweep: deadlines + policy + school calendar + "now" → rows in the outbox, idempotently.

A step is due once its school day has come and the school's reminder time has passed there. Planning only
writes rows whose moment has passed (the outbox is what to send *now*); ``preview.py`` answers "what next".
The choice of step is ``steps.py`` (pure); this module loads what it needs and writes what it picks.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, func, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from bot.services.deadlines import ensure_fresh, school_calendar
from bot.services.reminder_policy import Policy, policy_for
from db import models as m
from db.engine import transaction

from .steps import (
    Candidate,
    DeadlineView,
    Holds,
    People,
    Triple,
    channel_setting,
    local_today,
    moment,
    pick,
    reminder_key,
    reminder_time,
    school_zone,
    sending_day,
    worth_sending,
)

log = logging.getLogger(__name__)

LOCK_NAMESPACE = 0x5E4D  # first key of the two-key advisory lock; the second is the school's id


# --- loading what planning reads -------------------------------------------------------------------------


def load_people(session: Session, school: m.School) -> People:
    """The school's active staff by role, and its reminders channel."""
    rows = session.exec(select(m.Staff).where(m.Staff.school_id == school.id, col(m.Staff.active).is_(True))
                        .order_by(m.Staff.id)).all()
    return People({s.id: s for s in rows if s.id is not None}, channel_setting(school))


def open_deadlines(session: Session, school_id: int, policy: Policy | None = None,
                   until: date | None = None, changed_since: datetime | None = None) -> list[DeadlineView]:
    """The open deadlines whose earliest reminder step can fall by ``until`` (all of them without ``until``);
    with ``changed_since``, only those written or changed since then.

    With a window, the query reads the (school_id, due) index up to ``until`` plus the policy's longest
    lead, and the few kinds with a step counted from when the duty opened; so the sweep's cost grows with
    what is due, not with the size of the school.
    """
    query = select(m.Deadline.id, m.Deadline.key, m.Deadline.kind, m.Deadline.due, m.Deadline.pupil_id,
                   m.Deadline.staff_id).where(m.Deadline.school_id == school_id, col(m.Deadline.done).is_(False))
    if changed_since is not None:
        query = query.where(col(m.Deadline.updated_at) >= changed_since)
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


# A transaction that changed a deadline may commit after a sweep read the deadlines: the next sweep looks back
# this far before the previous one's read (planning twice is harmless: the outbox keys make it a no-op).
LOOK_BACK = timedelta(minutes=10)


def _fingerprint(session: Session, school: m.School, today: date, sending: bool, policy: Policy) -> str:
    """Everything school-wide planning depends on (the deadlines themselves are ``school.data_version``):
    when it and the version are unchanged since the last run, planning has nothing to add."""
    terms = session.exec(select(m.Term.start, m.Term.end).where(m.Term.school_id == school.id)
                         .order_by(m.Term.start)).all()
    staff = session.exec(select(m.Staff.id, m.Staff.role, m.Staff.active).where(m.Staff.school_id == school.id)
                         .order_by(m.Staff.id)).all()
    holds = session.exec(select(m.ReminderHold.id, m.ReminderHold.until)
                         .where(m.ReminderHold.school_id == school.id).order_by(m.ReminderHold.id)).all()
    payload = {
        "day": today.isoformat(), "sending": sending, "zone": school.zone,
        "time": reminder_time(school).isoformat(), "channel": channel_setting(school),
        "policy": {k: [s.text for s in v] for k, v in sorted(policy.items())},
        "terms": [[a.isoformat(), b.isoformat()] for a, b in terms],
        "staff": [list(s) for s in staff], "holds": [[i, u.isoformat() if u else None] for i, u in holds],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


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
    same = sweep is not None and sweep.fingerprint == fingerprint and not force
    if same and sweep is not None and sweep.data_version == school.data_version:
        return 0, 0
    # Only facts changed since the last run (same day, terms, staff, settings): plan the deadlines they changed.
    # Deadlines met or gone had their pending reminders withdrawn when the fact was recorded (_upsert).
    since = sweep.checked_at - LOOK_BACK if same and sweep is not None and sweep.checked_at else None
    checked_at = datetime.now(UTC)
    # Nothing goes out now (a weekend, a holiday, before the reminder time): no window to read. Pending rows are
    # still checked, each against its own deadline row (withdraw_stale reads them by key), so an idle server
    # never holds a whole school's open deadlines in memory.
    deadlines = open_deadlines(session, school.id, policy, until, changed_since=since) if until is not None else []
    withdrawn = withdraw_stale(session, school, {d.key: d for d in deadlines}, today)
    rows: list[dict] = []
    written = 0
    if until is not None:
        people = load_people(session, school)
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
            if len(rows) >= 1000:  # written as we go: a big backlog never sits in memory as one list
                written += insert_rows(session, rows)
                rows = []
    written += insert_rows(session, rows)
    if sweep is None:
        sweep = m.ReminderSweep(school_id=school.id, fingerprint=fingerprint, planned_at=now, since=now)
    sweep.fingerprint, sweep.planned_at = fingerprint, now
    sweep.data_version, sweep.checked_at = school.data_version, checked_at
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

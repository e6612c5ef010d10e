"""Delivery from the outbox: claim due rows, send them through a notifier, record what happened.

Claiming is ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so replicas never claim the same row, then a
guarded ``UPDATE … WHERE status = 'pending'`` (which is also what keeps two SQLite processes apart). A claim
is a lease: a replica that dies holding rows leaves them "sending"; after ``lease`` any replica takes them
back. The one duplicate this allows: a replica that crashed after a surface accepted a message and before it
recorded the message id. That window is one batch, one send long.

Failures: a transient one (a 429 or 5xx from the surface, a network error) is retried with exponential backoff
(never sooner than its ``Retry-After``); after ``max_attempts`` tries, or at once for a permanent one (an
unknown channel, a member of staff the surface can't reach), the row is parked with the reason for admins
(``sendbot outbox``).
"""

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import ClassVar

from sqlalchemy import Engine, bindparam, func, text, update
from sqlmodel import Session, col, select

from bot.reply import Reply
from db import models as m
from db.engine import transaction

from .messages import reminder_reply
from .notifier import Address, DeliveryError, Notifier, Outgoing, Sent
from .steps import DeadlineView, channel_setting, local_today
from .sweep import stale_reason

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryConfig:
    batch: int = 50  # rows claimed at once: also the most a crashed replica can leave half-sent
    concurrency: int = 8  # sends in flight at once
    max_attempts: int = 8  # then the message is parked
    lease: timedelta = timedelta(minutes=5)  # a claim older than this belongs to a replica that died
    backoff_base: timedelta = timedelta(seconds=30)
    backoff_cap: timedelta = timedelta(hours=2)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    parked: int = 0
    withdrawn: int = 0
    reclaimed: int = 0
    released: int = 0  # claimed, then handed back untried because the process is stopping
    batches: int = 0
    sent_ids: list[int] = field(default_factory=list)


@dataclass
class Job:
    """A claimed row, ready to send."""

    id: int
    school_id: int
    attempts: int
    to: Address
    reply: Reply | None = None  # None until a digest is rendered
    digest_day: date | None = None  # set for a digest: the day it is made as of


@dataclass
class Result:
    job: Job
    outcome: str  # sent | retry | park | release (not tried: shutting down)
    sent: Sent | None = None
    reason: str = ""
    retry_after: float | None = None


def reclaim(engine: Engine, now: datetime, lease: timedelta) -> int:
    """Rows claimed by a replica that stopped (killed, crashed) before recording: back to pending."""
    with transaction(engine) as session:
        stale = select(m.Reminder.id).where(m.Reminder.status == "sending", m.Reminder.claimed_at < now - lease)
        if session.get_bind().dialect.name == "postgresql":
            stale = stale.with_for_update(skip_locked=True)
        ids = list(session.exec(stale).all())
        if not ids:
            return 0
        result = session.execute(update(m.Reminder).where(col(m.Reminder.id).in_(ids),
                                                          m.Reminder.status == "sending")
                                 .values(status="pending", claimed_by=None, next_attempt_at=now))
        if ids:
            log.warning("took back %s reminders claimed more than %s ago", len(ids), lease)
        return max(result.rowcount or 0, 0)


def claim(engine: Engine, now: datetime, instance: str, batch: int,
          school_ids: list[int] | None = None) -> tuple[list[Job], int]:
    """Claim up to ``batch`` due rows and prepare their messages; withdraw those no longer wanted.

    Returns (jobs to send, rows withdrawn).
    """
    with transaction(engine) as session:
        due = (select(m.Reminder.id).where(m.Reminder.status == "pending", m.Reminder.next_attempt_at <= now)
               .order_by(m.Reminder.next_attempt_at, m.Reminder.id).limit(batch))
        if school_ids is not None:
            due = due.where(col(m.Reminder.school_id).in_(school_ids))
        if session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        ids = list(session.exec(due).all())
        if not ids:
            return [], 0
        claimed = list(session.execute(
            update(m.Reminder).where(col(m.Reminder.id).in_(ids), m.Reminder.status == "pending")
            .values(status="sending", claimed_by=instance, claimed_at=now, attempts=m.Reminder.attempts + 1)
            .returning(m.Reminder.id)
        ).scalars().all())
        if not claimed:
            return [], 0
        rows = list(session.exec(select(m.Reminder).where(col(m.Reminder.id).in_(claimed))
                                 .order_by(m.Reminder.id)).all())
        return _prepare(session, rows, now)


def _prepare(session: Session, rows: list[m.Reminder], now: datetime) -> tuple[list[Job], int]:
    schools = {s.id: s for s in session.exec(select(m.School).where(
        col(m.School.id).in_({r.school_id for r in rows}))).all()}
    keys = {r.deadline_key for r in rows if r.deadline_key}
    deadlines: dict[tuple[int, str], m.Deadline] = {}
    holds: dict[tuple[int, str, date, str], date | None] = {}
    if keys:
        for d in session.exec(select(m.Deadline).where(col(m.Deadline.school_id).in_(schools),
                                                       col(m.Deadline.key).in_(keys))).all():
            deadlines[(d.school_id, d.key)] = d
        for h in session.exec(select(m.ReminderHold).where(col(m.ReminderHold.school_id).in_(schools),
                                                           col(m.ReminderHold.deadline_key).in_(keys))).all():
            holds[(h.school_id, h.deadline_key, h.due_on, h.recipient)] = h.until
    staff_ids = {int(r.recipient.split(":", 1)[1]) for r in rows if r.recipient.startswith("staff:")}
    staff_ids |= {d.staff_id for d in deadlines.values() if d.staff_id is not None}
    staff = {s.id: s for s in session.exec(select(m.Staff).where(col(m.Staff.id).in_(staff_ids))).all()}
    pupil_ids = {r.pupil_id for r in rows if r.pupil_id is not None}
    pupils = {p.id: p for p in session.exec(select(m.Pupil).where(col(m.Pupil.id).in_(pupil_ids))).all()}

    jobs: list[Job] = []
    withdrawn = 0
    for row in rows:
        assert row.id is not None
        school = schools[row.school_id]
        today = local_today(now, school)
        recipient = None
        if row.recipient.startswith("staff:"):
            recipient = staff.get(int(row.recipient.split(":", 1)[1]))
            if recipient is None or not recipient.active or recipient.school_id != row.school_id:
                _set(session, row, "withdrawn", "the recipient is no longer on the staff list")
                withdrawn += 1
                continue
            to = Address("staff", recipient.handle, f"@{recipient.handle}", staff_id=recipient.id)
        else:
            channel = channel_setting(school)
            if not channel:
                _set(session, row, "withdrawn", "the school no longer has a reminders channel")
                withdrawn += 1
                continue
            to = Address("channel", channel, channel if channel.startswith(("#", "<")) else f"#{channel}")
        if row.kind == "digest":
            jobs.append(Job(row.id, row.school_id, row.attempts, to, digest_day=today))
            continue
        d = deadlines.get((row.school_id, row.deadline_key or ""))
        view = None if d is None or d.done else DeadlineView(d.id or 0, d.key, d.kind, d.due, d.pupil_id, d.staff_id)
        reason = stale_reason(row, view, today)
        triple = (row.school_id, row.deadline_key or "", row.due_on or date.min, row.recipient)
        if reason is None and triple in holds:
            until = holds[triple]
            if until is None:
                reason = "marked done"
            elif row.step != "snoozed" and row.send_on < until:
                _set(session, row, "snoozed", None)
                withdrawn += 1
                continue
        if reason is not None:
            _set(session, row, "withdrawn", reason)
            withdrawn += 1
            continue
        assert d is not None
        pupil = pupils.get(row.pupil_id) if row.pupil_id is not None else None
        responsible = staff.get(d.staff_id) if d.staff_id is not None else None
        reply = reminder_reply(row, d, pupil, recipient, responsible, today)
        jobs.append(Job(row.id, row.school_id, row.attempts, to, reply))
    return jobs, withdrawn


def _set(session: Session, row: m.Reminder, status: str, reason: str | None) -> None:
    row.status, row.last_error, row.claimed_by = status, reason, None
    session.add(row)


def render_digests(engine: Engine, jobs: list[Job]) -> None:
    """The digest is the one /sen digest shows, made as the SENCO it goes to (so it shows what they may see)."""
    from bot.commands import execute  # here: bot.commands imports the /sen done and snooze handlers from us

    for job in jobs:
        if job.reply is None:
            assert job.digest_day is not None
            job.reply = execute(engine, job.school_id, job.to.handle, "digest", job.digest_day)


class Pacer:
    """At most one message per ``interval`` to one conversation (Slack: a channel, about one a second).

    The wait happens before a message takes one of the ``concurrency`` sending slots, so messages for a busy
    channel never hold up messages for anyone else. On PostgreSQL the next free moment of each conversation
    is a ``channel_pace`` row, moved on atomically by one upsert with the database's clock, so replicas share
    the pace; SQLite deployments run one process, which keeps it in memory.
    """

    _local: ClassVar[dict[str, float]] = {}  # per process: every deliver() call of this process shares it

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.shared = engine.dialect.name == "postgresql"

    async def wait(self, key: str, interval: float) -> None:
        if interval <= 0:
            return
        if self.shared:
            delay = await asyncio.to_thread(reserve_turn, self.engine, key, interval)
        else:
            now = time.monotonic()
            turn = max(now, self._local.get(key, 0.0))
            self._local[key] = turn + interval
            delay = turn - now
        if delay > 0:
            await asyncio.sleep(delay)


def reserve_turn(engine: Engine, key: str, interval: float) -> float:
    """Take the next turn of conversation ``key`` (PostgreSQL): seconds to wait until it comes."""
    with engine.begin() as connection:
        return float(connection.execute(text(
            "INSERT INTO channel_pace (channel, next_at) VALUES (:k, clock_timestamp() + make_interval(secs => :i)) "
            "ON CONFLICT (channel) DO UPDATE SET next_at = "
            "GREATEST(channel_pace.next_at, clock_timestamp()) + make_interval(secs => :i) "
            "RETURNING EXTRACT(EPOCH FROM (next_at - clock_timestamp())) - :i"
        ), {"k": key[:200], "i": interval}).scalar_one())


async def _send(notifier: Notifier, job: Job, gate: asyncio.Semaphore, pacer: Pacer,
                should_stop: Callable[[], bool] = lambda: False) -> Result:
    assert job.reply is not None
    if not job.reply.ok:
        return Result(job, "park", reason=f"the digest could not be made: {job.reply.title}"[:300])
    out = Outgoing(job.id, job.school_id, job.to, job.reply, buttons=job.digest_day is None)
    pace_key = getattr(notifier, "pace_key", None)
    key = pace_key(out) if pace_key is not None else None
    if key is not None:
        await pacer.wait(key, float(getattr(notifier, "pace_interval", 0.0)))
    async with gate:
        if should_stop():
            # Shutting down (SIGTERM): sends already under way finish; this one goes back to the queue now,
            # for another replica or the next start, rather than waiting out the claim's lease.
            return Result(job, "release")
        try:
            sent = await notifier.send(out)
            return Result(job, "sent", sent=sent)
        except DeliveryError as e:
            return Result(job, "retry" if e.transient else "park", reason=e.reason, retry_after=e.retry_after)
        except Exception as e:  # a bug in a notifier must not lose the message: retry it, then park it
            log.exception("sending message %s failed unexpectedly", job.id)
            return Result(job, "retry", reason=f"unexpected error: {e.__class__.__name__}")


def backoff(attempts: int, config: DeliveryConfig, retry_after: float | None) -> timedelta:
    seconds = min(config.backoff_cap.total_seconds(), config.backoff_base.total_seconds() * 2 ** max(0, attempts - 1))
    seconds *= random.uniform(0.8, 1.2)  # jitter, so replicas' retries don't land together
    if retry_after:
        seconds = max(seconds, retry_after)
    return timedelta(seconds=seconds)


def record(engine: Engine, instance: str, now: datetime, results: list[Result], config: DeliveryConfig) -> None:
    """Write every outcome of a batch in one transaction (only rows this instance still holds)."""
    table = m.Reminder.__table__
    mine = (table.c.id == bindparam("b_id")) & (table.c.claimed_by == instance) & (table.c.status == "sending")
    sent, again, parked, released = [], [], [], []
    for r in results:
        if r.outcome == "release":
            released.append({"b_id": r.job.id})
        elif r.outcome == "sent":
            assert r.sent is not None
            sent.append({"b_id": r.job.id, "b_at": now, "b_mid": (r.sent.message_id or "")[:64] or None,
                         "b_cid": (r.sent.channel or "")[:64] or None})
        elif r.outcome == "retry" and r.job.attempts < config.max_attempts:
            again.append({"b_id": r.job.id, "b_next": now + backoff(r.job.attempts, config, r.retry_after),
                          "b_err": r.reason[:300]})
        else:
            why = r.reason if r.outcome == "park" else f"gave up after {r.job.attempts} tries: {r.reason}"
            parked.append({"b_id": r.job.id, "b_err": why[:300]})
    with engine.begin() as connection:
        if sent:
            connection.execute(table.update().where(mine).values(
                status="sent", sent_at=bindparam("b_at"), message_id=bindparam("b_mid"),
                channel_id=bindparam("b_cid"), last_error=None), sent)
        if again:
            connection.execute(table.update().where(mine).values(
                status="pending", claimed_by=None, next_attempt_at=bindparam("b_next"),
                last_error=bindparam("b_err")), again)
        if parked:
            connection.execute(table.update().where(mine).values(
                status="parked", claimed_by=None, last_error=bindparam("b_err")), parked)
        if released:  # not tried, so the attempt the claim counted is given back
            connection.execute(table.update().where(mine).values(
                status="pending", claimed_by=None, claimed_at=None, attempts=table.c.attempts - 1), released)


async def deliver(engine: Engine, notifier: Notifier, clock: Callable[[], datetime], *, instance: str,
                  config: DeliveryConfig | None = None, should_stop: Callable[[], bool] = lambda: False,
                  on_batch: Callable[[DeliveryReport], None] | None = None,
                  budget_seconds: float | None = None, school_ids: list[int] | None = None) -> DeliveryReport:
    """Send everything due now, batch by batch, until nothing is due (or ``should_stop``, or the budget is spent)."""
    config = config or DeliveryConfig()
    report = DeliveryReport()
    started = time.monotonic()
    gate = asyncio.Semaphore(config.concurrency)
    pacer = Pacer(engine)
    report.reclaimed = await asyncio.to_thread(reclaim, engine, clock(), config.lease)
    while not should_stop():
        jobs, withdrawn = await asyncio.to_thread(claim, engine, clock(), instance, config.batch, school_ids)
        report.withdrawn += withdrawn
        if not jobs:
            if withdrawn:
                continue
            break
        if any(j.reply is None for j in jobs):
            await asyncio.to_thread(render_digests, engine, jobs)
        results = await asyncio.gather(*(_send(notifier, job, gate, pacer, should_stop) for job in jobs))
        await asyncio.to_thread(record, engine, instance, clock(), list(results), config)
        report.batches += 1
        for r in results:
            if r.outcome == "release":
                report.released += 1
            elif r.outcome == "sent":
                report.sent += 1
                report.sent_ids.append(r.job.id)
            elif r.outcome == "retry" and r.job.attempts < config.max_attempts:
                report.retrying += 1
            else:
                report.parked += 1
                log.warning("message %s parked (school %s)", r.job.id, r.job.school_id)
        if on_batch is not None:
            on_batch(report)
        if budget_seconds is not None and time.monotonic() - started > budget_seconds:
            break
    return report


# --- for admins ------------------------------------------------------------------------------------------


def status_counts(engine: Engine, school_id: int | None = None) -> dict[str, int]:
    with Session(engine) as session:
        query = select(m.Reminder.status, func.count()).group_by(m.Reminder.status)
        if school_id is not None:
            query = query.where(m.Reminder.school_id == school_id)
        return {status: n for status, n in session.exec(query).all()}


def listed(engine: Engine, statuses: tuple[str, ...], school_id: int | None = None,
           limit: int = 200) -> list[m.Reminder]:
    with Session(engine) as session:
        query = select(m.Reminder).where(col(m.Reminder.status).in_(statuses))
        if school_id is not None:
            query = query.where(m.Reminder.school_id == school_id)
        return list(session.exec(query.order_by(m.Reminder.next_attempt_at.desc()).limit(limit)).all())  # type: ignore[attr-defined]


def requeue(engine: Engine, now: datetime, ids: list[int] | None, school_id: int | None = None) -> int:
    """Try parked messages again (all of them, or these ids), e.g. after fixing the channel or the token."""
    with transaction(engine) as session:
        stmt = update(m.Reminder).where(m.Reminder.status == "parked")
        if ids is not None:
            stmt = stmt.where(col(m.Reminder.id).in_(ids))
        if school_id is not None:
            stmt = stmt.where(m.Reminder.school_id == school_id)
        result = session.execute(stmt.values(status="pending", attempts=0, next_attempt_at=now, claimed_by=None))
        return max(result.rowcount or 0, 0)


def utcnow() -> datetime:
    return datetime.now(UTC)

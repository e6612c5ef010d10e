"""Replicas on one PostgreSQL: three scheduler processes, 20,000 deadlines due, one killed with SIGKILL in the
middle of delivering. Afterwards every reminder reached the fake Slack, and the only duplicates are messages
the killed process had claimed and not yet recorded (at most its in-flight batch).

Only defined when SENDBOT_TEST_DATABASE_URL is a PostgreSQL server: FOR UPDATE SKIP LOCKED and advisory
locks are PostgreSQL's (replicas need it; SQLite serves one process).
"""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime

from reminders_support import FakeSlack
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.reminders.sweep import LOCK_NAMESPACE, plan_all
from bot.services.school import create_school
from db.engine import get_engine, normalise_url, transaction

PG_URL = os.environ.get("SENDBOT_TEST_DATABASE_URL", "")
ON_POSTGRESQL = bool(PG_URL) and make_url(normalise_url(PG_URL)).get_backend_name() == "postgresql"

DEADLINES = 20_000
STAFF = 100
PUPILS = 2_000
BATCH = 100
ORIGIN = "2026-03-04T09:00:00+00:00"  # a Wednesday, in London: after the 08:00 reminder time
DUE = date(2026, 2, 16)  # every deadline is overdue: its "on the day" step goes out now, late, once

# One replica: the same ReminderScheduler `sendbot run` starts, ticking fast, with a short claim lease. Its
# clock starts at ORIGIN and runs in real time (so leases expire); SIGTERM stops it gracefully.
WORKER = """
import asyncio, os, signal, sys, time
from datetime import datetime, timedelta
from bot.config import Settings
from bot.reminders.outbox import DeliveryConfig
from bot.reminders.scheduler import ReminderScheduler
from bot.slack.notify import SlackNotifier
from db.engine import get_engine

origin, token, name, batch = datetime.fromisoformat(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
started = time.monotonic()
settings = Settings(database_url=os.environ["SENDBOT_DATABASE_URL"], slack_bot_token=token,
                    slack_api_url=os.environ["SLACK_API_URL"])

async def main():
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    scheduler = ReminderScheduler(
        get_engine(settings.database_url), SlackNotifier(settings, min_interval=0),
        clock=lambda: origin + timedelta(seconds=time.monotonic() - started), instance=name,
        plan_every=0.5, deliver_every=0.2, digest_every=30,
        config=DeliveryConfig(batch=batch, concurrency=20, lease=timedelta(seconds=5)))
    scheduler.start()
    await stop.wait()
    await scheduler.stop()

asyncio.run(main())
"""


def _empty(url: str) -> None:
    with get_engine(url).begin() as c:
        tables = [r[0] for r in c.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"))]
        c.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


def _fill(url: str) -> None:
    """One school, 100 staff with Slack ids, 2,000 pupils and 20,000 overdue intervention reviews, in bulk."""
    _empty(url)
    engine = get_engine(url)
    now = datetime.now(UTC)
    with engine.begin() as c:
        c.execute(text("INSERT INTO school (id, name, zone, phase, settings, data_version, deadlines_as_of, "
                       "created_at) VALUES (1, 'Trust School', 'Europe/London', 'secondary', "
                       "'{\"reminder-time\": \"08:00\"}', 1, :today, :now)"), {"today": date(2026, 3, 4), "now": now})
        c.execute(text("INSERT INTO staff (school_id, handle, role, active, created_at) VALUES "
                       "(1, :handle, :role, true, :now)"),
                  [{"handle": f"u0w{n:06d}", "role": "senco" if n == 0 else "teacher", "now": now}
                   for n in range(STAFF)])
        c.execute(text("INSERT INTO pupil (school_id, name, year_group, year_recorded_in, archived, created_at) "
                       "VALUES (1, :name, 9, 2025, false, :now)"),
                  [{"name": f"Pupil {n} Test", "now": now} for n in range(PUPILS)])
        c.execute(text("INSERT INTO deadline (school_id, pupil_id, staff_id, key, kind, due, duty, rule, done, "
                       "detail, sequence, updated_at) VALUES (1, :pupil, :staff, :key, 'intervention_review', :due, "
                       "'school', 'CoP 6.48, 6.54', false, 'Reading', 0, :now)"),
                  [{"pupil": n % PUPILS + 1, "staff": n % STAFF + 1, "due": DUE, "now": now,
                    "key": f"p{n % PUPILS + 1}:intervention_review:{n}:0"} for n in range(DEADLINES)])


if ON_POSTGRESQL:

    def test_a_school_another_replica_is_planning_is_skipped(pg_migrated: str) -> None:
        _empty(pg_migrated)
        engine = get_engine(pg_migrated)
        with transaction(engine) as session:
            sid = create_school(session, "Oak Primary", "admin", "primary", date(2026, 3, 2)).id
        now = datetime(2026, 3, 4, 9, tzinfo=UTC)
        with engine.connect() as other:  # another replica, in the middle of planning this school
            other.execute(text("SELECT pg_advisory_xact_lock(:ns, :sid)"), {"ns": LOCK_NAMESPACE, "sid": sid})
            assert plan_all(engine, now).skipped == [sid]
            other.rollback()
        report = plan_all(engine, now)
        assert report.skipped == [] and report.schools == 1

    def test_three_replicas_one_killed_every_reminder_delivered_duplicates_within_its_batch(
            pg_migrated: str) -> None:
        url = pg_migrated
        _fill(url)
        slack = FakeSlack().start()
        env = {**{k: v for k, v in os.environ.items() if not k.startswith(("SENDBOT_", "SLACK_"))},
               "SENDBOT_DATABASE_URL": url, "SLACK_API_URL": slack.url}
        workers = {name: subprocess.Popen([sys.executable, "-c", WORKER, ORIGIN, f"xoxb-{name}", name, str(BATCH)],
                                          env=env)
                   for name in ("w1", "w2", "w3")}
        engine = get_engine(url)
        started = time.monotonic()
        try:
            # Kill w1 once it has been delivering for a while (and still is).
            while sum(1 for c in list(slack.calls) if c.token == "xoxb-w1") < 1_500:
                assert time.monotonic() - started < 60, "w1 never got going"
                assert workers["w1"].poll() is None, "w1 exited by itself"
                time.sleep(0.01)
            workers["w1"].send_signal(signal.SIGKILL)
            workers["w1"].wait(10)
            with engine.connect() as c:
                # The deadline numbers (D17) of w1's claimed messages: a message names its deadline on its Done
                # button, and here each deadline has one reminder to one person.
                in_flight = {f"D{r[0]}" for r in c.execute(text(
                    "SELECT d.id FROM reminder r JOIN deadline d "
                    "ON d.key = r.deadline_key AND d.school_id = r.school_id "
                    "WHERE r.claimed_by = 'w1' AND r.status = 'sending'"))}
            killed_at = sum(1 for c in list(slack.calls) if c.token == "xoxb-w1")
            # The other two finish, taking back w1's claims once their lease runs out.
            while True:
                with engine.connect() as c:
                    sent = c.execute(text("SELECT count(*) FROM reminder WHERE status = 'sent'")).scalar()
                if sent == DEADLINES:
                    break
                assert time.monotonic() - started < 90, f"only {sent} of {DEADLINES} sent"
                time.sleep(0.2)
        finally:
            for p in workers.values():
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            for p in workers.values():
                try:
                    p.wait(20)
                except subprocess.TimeoutExpired:
                    p.kill()
            slack.stop()
        elapsed = time.monotonic() - started
        with engine.connect() as c:
            rows = c.execute(text("SELECT count(*), count(DISTINCT idempotency_key) FROM reminder")).one()
            statuses = dict(c.execute(text("SELECT status, count(*) FROM reminder GROUP BY status")).all())
        delivered = slack.delivered_ids()
        calls = sum(delivered.values())
        duplicates = calls - len(delivered)
        by_worker = {name: sum(1 for c in slack.delivered if c.token == f"xoxb-{name}") for name in workers}
        print(f"\nreplicas: {DEADLINES} deadlines due, {rows[0]} reminders planned, {calls} messages delivered "
              f"({len(delivered)} distinct, {duplicates} duplicate) in {elapsed:.1f}s; per replica {by_worker}; "
              f"w1 killed after {killed_at} sends with {len(in_flight)} in flight (batch {BATCH})")
        assert rows == (DEADLINES, DEADLINES)  # planned once, though three replicas planned
        assert statuses == {"sent": DEADLINES}
        assert None not in delivered and len(delivered) == DEADLINES  # every reminder arrived
        assert duplicates <= len(in_flight) <= BATCH
        # Only w1's unrecorded sends repeat (a message is "recipient:D17").
        assert {rid.rsplit(":", 1)[1] for rid, n in delivered.items() if n > 1} <= in_flight
        assert by_worker["w2"] > 0 and by_worker["w3"] > 0

"""Operating ``sendbot run``: no invented admin when Slack is configured, links that follow --port, /readyz,
/metrics, JSON logs, and a graceful stop on SIGTERM. Real subprocesses, a fake Slack on loopback."""

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from reminders_support import FakeSlack as SlowSlack
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from bot.config import Settings
from db.engine import get_engine
from db.models import Reminder, School, Staff
from e2e.helpers import SENDBOT, clean_env
from e2e.slack_support import (
    BOT_TOKEN,
    SECRET,
    FakeSlack,
    Server,
    SlackClient,
    free_port,
    make_school,
    text_of,
    wait_until,
)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    f = FakeSlack().start()
    yield f
    f.stop()


class Running:
    def __init__(self, cwd: Path, db_url: str, *args: str, **env: str) -> None:
        self.port = free_port()
        environment = {k: v for k, v in clean_env(db_url, **env).items() if not k.startswith("SLACK_") or k in env}
        self.proc = subprocess.Popen([*SENDBOT, "run", "--port", str(self.port), *args], cwd=cwd, env=environment,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                out, err = self.proc.communicate()
                raise AssertionError(f"sendbot run exited:\n{out}\n{err}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.proc.kill()
        raise AssertionError("sendbot run did not answer /healthz")

    def stop(self) -> tuple[int, str, str]:
        """SIGTERM, as systemd and docker stop send it. uvicorn shuts down, then re-raises the signal, so a
        clean stop exits "killed by SIGTERM" (-15), which this reports as 0."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=90)
        code = self.proc.returncode
        return 0 if code == -signal.SIGTERM else code, out, err


def slack_env(fake: FakeSlack, **extra: str) -> dict[str, str]:
    return {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.api_url, **extra}


def metric(body: str, name: str, **labels: str) -> float:
    """One sample's value from a /metrics body, parsed with prometheus-client's own parser."""
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    raise AssertionError(f"no sample {name}{labels} in /metrics")


def test_run_with_slack_on_an_empty_database_says_how_to_make_the_first_admin(tmp_path: Path,
                                                                             fake: FakeSlack) -> None:
    db = f"sqlite:///{tmp_path / 'sendbot.db'}"
    server = Running(tmp_path, db, "--today", "2026-03-02", **slack_env(fake))
    try:
        client = SlackClient(server.url, fake)
        _, _, key = client.command("help")
        refused_reply = text_of(fake.wait_for("respond", key)[0].data.get("blocks") or [])
        client.close()
    finally:
        code, out, err = server.stop()
    assert code == 0 and "Traceback" not in out + err
    assert 'sendbot init --school "Oak Primary" --admin U0123ABC45' in out
    assert "My School" not in out
    with Session(get_engine(db)) as session:
        assert session.exec(select(School)).all() == []  # nobody was made admin of an invented school
    assert "isn't connected to a school" in refused_reply or "set it up" in refused_reply


def test_readyz_metrics_and_links_that_follow_the_port(tmp_path: Path, db_url: str, engine: Engine,
                                                       fake: FakeSlack) -> None:
    make_school(engine)
    server = Running(tmp_path, db_url, "--today", "2026-03-02", **slack_env(fake))
    try:
        ready = httpx.get(f"{server.url}/readyz", timeout=30)
        assert ready.status_code == 200, ready.text
        checks = ready.json()["checks"]
        assert {k: v["status"] for k, v in checks.items()} == {
            "database": "ok", "migrations": "ok", "scheduler": "ok", "slack": "ok"}
        client = SlackClient(server.url, fake)
        _, _, key = client.command('pupil add "Ava Smith" year:5')
        fake.wait_for("respond", key)
        _, _, key = client.command("pupil add")  # no name: opens the form, or is refused; either way counted
        _, _, key = client.command("frobnicate")
        fake.wait_for("respond", key)
        _, _, key = client.command("feed school")
        link = text_of(fake.wait_for("respond", key)[0].data["blocks"])
        client.close()
        # No SENDBOT_PUBLIC_URL: feed links use the port sendbot was started on.
        start = link.index(f"http://127.0.0.1:{server.port}/feeds/")
        path = link[start:].split()[0].split(">")[0].split("|")[0].removeprefix(server.url)
        first = httpx.get(server.url + path, timeout=30)
        assert first.status_code == 200 and first.content.startswith(b"BEGIN:VCALENDAR")
        again = httpx.get(server.url + path, headers={"If-None-Match": first.headers["ETag"]}, timeout=30)
        assert again.status_code == 304
        wait_until(lambda: metric(httpx.get(f"{server.url}/metrics").text, "sendbot_sweep_seconds_count",
                                  job="plan") >= 1, timeout=60)
        body = httpx.get(f"{server.url}/metrics", timeout=30).text
    finally:
        code, out, err = server.stop()
    assert code == 0, out + err
    assert metric(body, "sendbot_command_seconds_count", command="pupil add", outcome="ok") == 1
    assert metric(body, "sendbot_command_seconds_count", command="unparsed", outcome="refused") == 1
    assert metric(body, "sendbot_command_seconds_bucket", command="pupil add", outcome="ok", le="+Inf") == 1
    assert metric(body, "sendbot_feed_requests_total", result="not_modified") == 1
    assert metric(body, "sendbot_feed_requests_total", result="ok") == 1
    assert metric(body, "sendbot_feed_not_modified_ratio") == 0.5
    assert metric(body, "sendbot_outbox_messages", status="parked") == 0
    for outcome in ("planned", "sent", "failed", "parked"):
        metric(body, "sendbot_reminders_total", outcome=outcome)


def test_readyz_says_what_is_wrong(db_url: str, engine: Engine, fake: FakeSlack) -> None:
    make_school(engine)
    fake.failing["auth.test"] = "invalid_auth"
    with engine.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = '0003'"))
    server = Server(Settings(database_url=db_url, slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET,
                             slack_api_url=fake.api_url)).start()
    try:
        answer = httpx.get(f"{server.url}/readyz", timeout=30)
        alive = httpx.get(f"{server.url}/healthz", timeout=30)
    finally:
        server.stop()
        from bot.tables import SCHEMA_HEAD

        with engine.begin() as c:
            c.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": SCHEMA_HEAD})
    assert alive.status_code == 200  # alive, but not ready
    assert answer.status_code == 503
    checks = answer.json()["checks"]
    assert checks["database"]["status"] == "ok"
    assert checks["migrations"]["status"] == "fail" and "sendbot migrate" in checks["migrations"]["fix"]
    assert checks["slack"]["status"] == "fail" and "invalid_auth" in checks["slack"]["detail"]
    assert "SLACK_BOT_TOKEN" in checks["slack"]["fix"]


def test_readyz_and_healthz_when_the_database_is_down() -> None:
    server = Server(Settings(database_url="postgresql+psycopg://sendbot@127.0.0.1:1/sendbot")).start()
    try:
        ready = httpx.get(f"{server.url}/readyz", timeout=30)
        alive = httpx.get(f"{server.url}/healthz", timeout=30)
    finally:
        server.stop()
    assert ready.status_code == 503 and ready.json()["checks"]["database"]["status"] == "fail"
    assert "SENDBOT_DATABASE_URL" in ready.json()["checks"]["database"]["fix"]
    assert alive.status_code == 503


def test_json_logs_carry_ids_and_never_names(tmp_path: Path, db_url: str, engine: Engine, fake: FakeSlack) -> None:
    make_school(engine)
    server = Running(tmp_path, db_url, "--today", "2026-03-02", SENDBOT_LOG_FORMAT="json", SENDBOT_LOG_LEVEL="INFO",
                     **slack_env(fake))
    try:
        client = SlackClient(server.url, fake)
        _, _, key = client.command('pupil add "Zebedee Quartermain" year:5')
        reply = text_of(fake.wait_for("respond", key)[0].data["blocks"])
        client.close()
    finally:
        code, _out, err = server.stop()
    assert code == 0
    lines = [line for line in err.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert "Added Zebedee Quartermain" in reply  # the name went through sendbot …
    assert any(r["logger"] == "bot.reminders.scheduler" for r in records), err  # our own records, as JSON
    assert all({"time", "level", "logger", "message"} <= r.keys() for r in records)
    assert "Zebedee" not in err and "Quartermain" not in err


def _midday_zone() -> str:
    """A fixed-offset zone where it is about midday now, so reminders due "today" at 08:00 are due."""
    offset = 12 - datetime.now(UTC).hour  # hours east of UTC
    return f"Etc/GMT{-offset:+d}"  # (the Etc zones' signs are inverted)


def test_sigterm_lets_deliveries_in_flight_finish_and_hands_back_the_rest(tmp_path: Path, db_url: str,
                                                                           engine: Engine, chat) -> None:  # type: ignore[no-untyped-def]
    zone = _midday_zone()
    staff = [f"U0STAFF{i:02d}" for i in range(12)]  # more than the 8 sends a batch runs at once
    for i, handle in enumerate(staff):
        chat.ok("admin", f"staff add {handle} role:teacher")
        chat.ok("admin", f'pupil add "Pupil {chr(65 + i)}" year:5 teacher:@{handle}')
        chat.ok("admin", f'intervention add "Pupil {chr(65 + i)}" "Lexia" review:2026-03-04 staff:@{handle}')
    with engine.begin() as c:
        c.execute(text("UPDATE school SET zone = :z"), {"z": zone})
    slack = SlowSlack(delay=4.0).start()
    try:
        server = Running(tmp_path, db_url, "--today", "2026-03-04", SLACK_BOT_TOKEN=BOT_TOKEN,
                         SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=slack.url, SENDBOT_TIMEZONE=zone)
        wait_until(lambda: slack.received >= 1, timeout=90)
        time.sleep(0.5)  # let the batch's first sends all get under way
        in_flight = slack.received
        code, out, err = server.stop()
    finally:
        slack.stop()
    assert code == 0 and "Traceback" not in out + err
    with Session(engine) as session:
        rows = session.exec(select(Reminder)).all()
        ids = {s.id: s.handle for s in session.exec(select(Staff)).all()}
    sent = [r for r in rows if r.status == "sent"]
    assert not [r for r in rows if r.status == "sending" or (r.claimed_by and r.status != "sent")], \
        "a claim was left behind"
    # Every message Slack received was answered and recorded as sent (none lost mid-flight, none to resend).
    assert len(sent) == len(slack.delivered) == in_flight
    assert all(r.message_id for r in sent)
    delivered_to = sorted(p.channel for p in slack.delivered)
    assert delivered_to == sorted(ids[int(r.recipient.split(":")[1])].upper() for r in sent)
    waiting = [r for r in rows if r.status == "pending"]
    assert waiting, "the rest of the batch should be handed back, not sent after SIGTERM"
    assert all(r.attempts == 0 for r in waiting)

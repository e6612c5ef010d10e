"""`sendbot remind`, `sendbot reminders --preview` and `sendbot outbox` in a subprocess, as an operator runs
them, against a fake Slack Web API on loopback (SLACK_API_URL)."""

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from reminders_support import FakeSlack
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.commands import execute
from bot.services.school import create_school
from bot.tables import migrate
from db import models as m
from db.engine import get_engine, transaction

SENDBOT = str(Path(sys.executable).parent / "sendbot")
TUESDAY = "2026-03-03"


def sendbot(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([SENDBOT, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60)
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr
    return result


def environment(db_url: str, slack: FakeSlack | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SENDBOT_", "SLACK_"))}
    env["SENDBOT_DATABASE_URL"] = db_url
    if slack is not None:
        env.update(SLACK_BOT_TOKEN="xoxb-e2e", SLACK_API_URL=slack.url)
    return env


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


def say(engine: Engine, handle: str, text: str) -> None:
    with Session(engine) as s:
        school = s.exec(select(m.School)).one()
    reply = execute(engine, school.id or 0, handle, text, date.fromisoformat(TUESDAY))
    assert reply.ok, reply.as_text()


def test_an_overdue_annual_review_in_a_fresh_school_is_one_slack_message_then_nothing(
        db_url: str, slack: FakeSlack, tmp_path: Path) -> None:
    env = environment(db_url, slack)
    made = sendbot(env, "init", "--school", "Oak Primary", "--admin", "U0ADMIN01", "--today", TUESDAY, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    engine = get_engine(db_url)
    say(engine, "u0admin01", 'pupil add "Ava Smith" year:5')
    say(engine, "u0admin01", "ehcp issued ava 2024-01-10")  # the annual review was due on 9 Jan 2025

    first = sendbot(env, "remind", "--today", TUESDAY, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "Planned 1 new message; sent 1."
    [call] = slack.calls
    assert call.channel == "U0ADMIN01" and call.token == "xoxb-e2e"  # the admin stands in as SENCO
    assert call.text.startswith("Overdue: Annual review of the EHC plan — Ava Smith")

    second = sendbot(env, "remind", "--today", TUESDAY, cwd=tmp_path)
    assert second.stdout.strip() == "Planned 0 new messages; sent 0."
    assert len(slack.calls) == 1


def test_console_preview_parking_and_the_outbox(tmp_path: Path, slack: FakeSlack) -> None:
    db_url = f"sqlite:///{tmp_path / 'sendbot.db'}"
    quiet = environment(db_url, None)
    migrate(db_url)
    engine = get_engine(db_url)
    with transaction(engine) as session:
        create_school(session, "Oak Primary", "alice", "primary", date.fromisoformat(TUESDAY))
    say(engine, "alice", "staff add @bob role:teacher")
    say(engine, "alice", 'pupil add "Ava Smith" year:5 teacher:@bob')
    say(engine, "alice", 'intervention add ava "Lexia" review:2026-03-05 staff:@bob')

    preview = sendbot(quiet, "reminders", "--preview", "--from", TUESDAY, "--to", "2026-03-13", "--today", TUESDAY,
                      cwd=tmp_path)
    assert preview.returncode == 0, preview.stderr
    lines = preview.stdout.splitlines()
    assert lines[0] == "Oak Primary: what would be sent from Tue 03 Mar 2026 to Fri 13 Mar 2026, if nothing changes."
    assert lines[1:] == [
        "Tue 03 Mar 08:00  @bob (DM)                Intervention review — A.S. (#1), due 05 Mar 2026 · 2 school "
        "days before",
        "Thu 05 Mar 08:00  @bob (DM)                Intervention review — A.S. (#1), due 05 Mar 2026 · on the day",
        "Mon 09 Mar 08:00  @alice (DM)              Weekly SEN digest",
        "3 messages.",
    ]
    refused = sendbot(quiet, "reminders", "--from", TUESDAY, cwd=tmp_path)
    assert refused.returncode == 1 and "Add --preview" in refused.stderr

    # No Slack configured: the console notifier prints the reminder.
    printed = sendbot(quiet, "remind", "--today", TUESDAY, cwd=tmp_path)
    assert "── to @bob by direct message" in printed.stdout
    assert "Reminder: Intervention review — Ava Smith" in printed.stdout

    # With Slack, @bob (a console handle, no Slack user id) can't be reached: parked, with the reason.
    say(engine, "alice", 'intervention add ava "Maths" review:2026-03-03 staff:@bob')
    loud = environment(db_url, slack)
    parked = sendbot(loud, "remind", "--today", TUESDAY, cwd=tmp_path)
    assert "1 message could not be delivered and was parked: see sendbot outbox." in parked.stderr
    box = sendbot(loud, "outbox", cwd=tmp_path)
    assert box.stdout.splitlines()[0] == "Outbox: 1 sent, 1 parked."
    assert "@bob has no Slack user id" in box.stdout
    bad = sendbot(loud, "outbox", "--retry", "abc", cwd=tmp_path)
    assert bad.returncode == 1 and "--retry takes a message number or 'all'" in bad.stderr
    again = sendbot(loud, "outbox", "--retry", "all", cwd=tmp_path)
    assert again.stdout.startswith("1 parked message will be tried again")
    assert slack.calls == []

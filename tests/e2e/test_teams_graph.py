"""Microsoft Graph against a fake Graph on loopback (GRAPH_BASE_URL), its token from (fake) Entra through
HTTPS_PROXY: deadlines become shared-mailbox calendar events, created once, moved, deleted when done."""

import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.commands import execute
from bot.teams.storage import GraphEvent
from db.models import School
from e2e.helpers import SENDBOT, clean_env
from e2e.slack_support import free_port, wait_until
from e2e.teams_support import (
    ADMIN_AAD,
    APP_ID,
    APP_PASSWORD,
    TENANT,
    FakeGraph,
    Keys,
    MicrosoftProxy,
    teams_school,
)

MAILBOX = "sen-deadlines@oak.sch.uk"
DAY = date(2026, 3, 3)


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    g = FakeGraph().start()
    yield g
    g.stop()


@pytest.fixture
def proxy(tmp_path: Path) -> Iterator[MicrosoftProxy]:
    p = MicrosoftProxy(tmp_path, Keys()).start()
    yield p
    p.stop()


def calendar(tmp_path: Path, db_url: str, proxy: MicrosoftProxy, graph: FakeGraph) -> str:
    env = {k: v for k, v in clean_env(db_url, TEAMS_APP_ID=APP_ID, TEAMS_APP_PASSWORD=APP_PASSWORD,
                                      TEAMS_TENANT_ID=TENANT, GRAPH_CALENDAR_MAILBOX=MAILBOX,
                                      GRAPH_BASE_URL=graph.url, **proxy.env()).items() if not k.startswith("SLACK_")}
    done = subprocess.run([*SENDBOT, "teams", "calendar", "--today", DAY.isoformat()], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stdout + done.stderr
    return done.stdout.strip()


def say(engine: Engine, text: str) -> None:
    with Session(engine) as session:
        school_id = session.exec(select(School.id)).one()
    reply = execute(engine, school_id, ADMIN_AAD, text, DAY)
    assert reply.ok, reply.as_text()


def test_deadlines_are_created_once_moved_and_deleted_when_done(tmp_path: Path, db_url: str, engine: Engine,
                                                                 proxy: MicrosoftProxy, graph: FakeGraph) -> None:
    teams_school(engine)
    say(engine, 'pupil add "Ava Smith" year:5')
    say(engine, "ehcp issued ava 2025-06-10")  # the first annual review is due by 9 Jun 2026
    say(engine, 'pupil add "Ben Jones" year:3')
    say(engine, "assessment requested ben 2026-02-02")  # the LA must decide whether to assess in 6 weeks

    first = calendar(tmp_path, db_url, proxy, graph)
    assert first.startswith("Calendar: ") and first.endswith(" created, 0 updated, 0 deleted, 0 unchanged.")
    made = int(first.split()[1])
    assert made == len(graph.events) >= 1
    [event] = [e for e in graph.events.values() if "Annual review" in e["subject"]]
    assert event["subject"] == "SEN: Annual review of the EHC plan — A.S."  # initials only, never the name
    assert not any("Ava" in e["subject"] or "Smith" in str(e) for e in graph.events.values())
    assert event["isAllDay"] is True and event["start"]["dateTime"].startswith("2026-06-09")
    assert all(auth and auth.startswith("Bearer outbound-token") for _, _, auth in graph.calls)
    with Session(engine) as session:
        assert sorted(session.exec(select(GraphEvent.event_id)).all()) == sorted(graph.events)

    # Nothing changed: nothing sent.
    calls = len(graph.calls)
    assert calendar(tmp_path, db_url, proxy, graph) == f"Calendar: 0 created, 0 updated, 0 deleted, {made} unchanged."
    assert len(graph.calls) == calls

    # The review meeting was held: the next review is due a year on, and the same event moves.
    say(engine, "ehcp reviewed ava 2026-03-02")
    moved = calendar(tmp_path, db_url, proxy, graph)
    assert ", 1 updated, 0 deleted," in moved, moved  # (the review also starts the LA's own deadlines: created)
    assert event["id"] in graph.events
    made = len(graph.events)
    assert graph.events[event["id"]]["start"]["dateTime"].startswith("2027-03-01")

    # The LA decided: that deadline is met, and its event goes.
    [event] = [e for e in graph.events.values() if "Ben" not in e["subject"] and "J." in e["subject"]
               and "assess" in e["subject"].lower() and "plan" not in e["subject"].lower()]
    say(engine, "assessment decided ben 2026-03-02 assess")
    assert ", 1 deleted," in calendar(tmp_path, db_url, proxy, graph)
    assert event["id"] not in graph.events and len(graph.events) == made - 1
    with Session(engine) as session:
        assert event["id"] not in session.exec(select(GraphEvent.event_id)).all()


def test_sendbot_run_keeps_the_calendar_in_step_by_itself(tmp_path: Path, db_url: str, engine: Engine,
                                                           proxy: MicrosoftProxy, graph: FakeGraph) -> None:
    teams_school(engine)
    say(engine, 'pupil add "Ava Smith" year:5')
    say(engine, "ehcp issued ava 2025-06-10")
    port = free_port()
    env = {k: v for k, v in clean_env(db_url, TEAMS_APP_ID=APP_ID, TEAMS_APP_PASSWORD=APP_PASSWORD,
                                      TEAMS_TENANT_ID=TENANT, GRAPH_CALENDAR_MAILBOX=MAILBOX,
                                      GRAPH_BASE_URL=graph.url, **proxy.env()).items() if not k.startswith("SLACK_")}
    proc = subprocess.Popen([*SENDBOT, "run", "--port", str(port), "--today", DAY.isoformat()], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        def in_step() -> bool:  # every event written is stored (the first sync writes more than one event)
            with Session(engine) as session:
                stored = sorted(session.exec(select(GraphEvent.event_id)).all())
            made = sorted(graph.events)
            return any("Annual review" in e["subject"] for e in graph.events.values()) and stored == made

        wait_until(in_step, 60)
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert "Traceback" not in out, out
    with Session(engine) as session:
        assert sorted(session.exec(select(GraphEvent.event_id)).all()) == sorted(graph.events)

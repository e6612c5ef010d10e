"""``sendbot run`` itself, in a subprocess: Slack configured by environment, and no Slack at all."""

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from db.models import Pupil
from e2e.helpers import SENDBOT, clean_env
from e2e.slack_support import BOT_TOKEN, SECRET, FakeSlack, SlackClient, free_port, make_school, text_of


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    f = FakeSlack().start()
    yield f
    f.stop()


def start(cwd: Path, db_url: str, **env: str) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    environment = {k: v for k, v in clean_env(db_url, **env).items()
                   if not k.startswith("SLACK_") or k in env}
    proc = subprocess.Popen([*SENDBOT, "run", "--port", str(port), "--today", "2026-03-02"], cwd=cwd,
                            env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"sendbot run exited:\n{proc.stdout.read() if proc.stdout else ''}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("sendbot run did not answer /healthz")


def stop(proc: subprocess.Popen[str]) -> str:
    proc.terminate()
    out, _ = proc.communicate(timeout=15)
    return out


def test_sendbot_run_serves_slack_from_the_environment(tmp_path: Path, db_url: str, engine: Engine,
                                                      fake: FakeSlack) -> None:
    school_id = make_school(engine)
    proc, url = start(tmp_path, db_url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SECRET,
                      SLACK_API_URL=fake.api_url, SENDBOT_PUBLIC_URL="https://sendbot.example.org")
    try:
        client = SlackClient(url, fake)
        response, elapsed, key = client.command('pupil add "Ava Smith" year:5')
        assert response.status_code == 200 and elapsed < 1.0
        reply = fake.wait_for("respond", key)[0].data
        assert reply["response_type"] == "ephemeral" and "Added Ava Smith" in text_of(reply["blocks"])
        forged, _, _ = client.command('pupil add "Ben Jones" year:3', secret="wrong")
        assert forged.status_code == 401
        client.close()
    finally:
        out = stop(proc)
    assert "https://sendbot.example.org/slack/events" in out
    assert "Traceback" not in out
    with Session(engine) as session:
        assert [(p.name, p.school_id) for p in session.exec(select(Pupil)).all()] == [("Ava Smith", school_id)]


def test_sendbot_run_without_slack_still_serves_health_and_says_how_to_connect(tmp_path: Path) -> None:
    # Nothing here depends on the database, so SQLite only; sendbot run creates and migrates it.
    proc, url = start(tmp_path, f"sqlite:///{tmp_path / 'sendbot.db'}")
    try:
        assert httpx.post(f"{url}/slack/events", content=b"text=help").status_code == 404
    finally:
        out = stop(proc)
    assert "docs/slack.md" in out and "Traceback" not in out

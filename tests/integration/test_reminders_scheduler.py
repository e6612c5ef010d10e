"""The scheduler inside the web app (what `sendbot run` starts): APScheduler 3 with an in-memory job store and
an explicit timezone, ticking plan / deliver / digest; the heartbeat shows on /healthz, counts on /metrics."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn
from apscheduler.jobstores.memory import MemoryJobStore
from reminders_support import Clock, console
from sqlalchemy import Engine
from starlette.applications import Starlette

from bot.config import Settings
from bot.reminders.scheduler import ReminderScheduler, reminder_service
from bot.web import create_app


@contextmanager
def serving(app: Starlette) -> Iterator[str]:
    """The app on a real loopback port, in a thread; stopped (lifespan shutdown included) on exit."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(20)
        assert not thread.is_alive(), "the server did not stop"


def wait_for(predicate: Any, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_the_scheduler_runs_inside_the_app_and_reports_its_heartbeat(chat, engine: Engine, db_url: str) -> None:  # type: ignore[no-untyped-def]
    chat.ok("admin", "staff add @bob role:teacher")
    chat.ok("admin", 'pupil add "Ava Smith" year:5 teacher:@bob')
    chat.ok("admin", 'intervention add ava "Lexia" review:2026-03-04 staff:@bob')
    settings = Settings(database_url=db_url)
    notifier = console()
    clock = Clock().at("2026-03-04", "08:30")
    service = reminder_service(settings, notifier=notifier, clock=clock, plan_every=0.2, deliver_every=0.1,
                              digest_every=0.2)
    app = create_app(settings, services=[service])
    state = app.state.sendbot
    with serving(app) as url:
        wait_for(lambda: notifier.sent)
        scheduler: ReminderScheduler = state.extras["reminders"]
        aps = scheduler.scheduler
        assert str(aps.timezone) == "Europe/London"
        assert isinstance(aps._jobstores["default"], MemoryJobStore)
        assert sorted(job.id for job in aps.get_jobs()) == ["deliver", "digest", "plan"]
        wait_for(lambda: scheduler.ticks["deliver"] >= 3 and scheduler.ticks["plan"] >= 2)
        health = httpx.get(f"{url}/healthz").json()
        assert health["status"] == "ok" and health["scheduler"]["last_tick_seconds_ago"] < 5
        metrics = httpx.get(f"{url}/metrics").text
        assert 'sendbot_reminders_total{outcome="sent"} 1.0' in metrics
        assert [o.to.handle for o in notifier.sent] == ["bob"]  # once, however many ticks ran
        assert "Intervention review — Ava Smith" in notifier.out.getvalue()  # type: ignore[attr-defined]
    assert not aps.running

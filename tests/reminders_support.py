"""For the reminder tests: a fake Slack Web API on loopback, a clock the tests move, and a way to run the
scheduler's work (plan, digests, deliver) once, as a tick would.

The fake Slack is a small aiohttp server in a thread of its own, reached through ``SLACK_API_URL``; it
records every ``chat.postMessage`` and can answer 429 (with ``Retry-After``), 500, or a Slack error, so the
code under test is never patched. Importable from any test directory (pytest puts ``tests/`` on the path).
"""

import asyncio
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from aiohttp import web
from fake_service import LoopbackService
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.reminders.digest import plan_digests
from bot.reminders.notifier import ConsoleNotifier, Notifier
from bot.reminders.outbox import DeliveryConfig, DeliveryReport, deliver
from bot.reminders.sweep import plan_all
from db import models as m

LONDON = ZoneInfo("Europe/London")


class Clock:
    """The time the code under test sees; tests move it (no real sleeping)."""

    def __init__(self, when: datetime | None = None) -> None:
        self.now = when or datetime(2026, 3, 1, 12, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def at(self, day: date | str, hh_mm: str = "08:00") -> "Clock":
        """Move to ``hh_mm`` London time on ``day``."""
        d = date.fromisoformat(day) if isinstance(day, str) else day
        hour, minute = (int(x) for x in hh_mm.split(":"))
        self.now = datetime(d.year, d.month, d.day, hour, minute, tzinfo=LONDON).astimezone(UTC)
        return self

    def utc(self, text: str) -> "Clock":
        self.now = datetime.fromisoformat(text).replace(tzinfo=UTC)
        return self

    def advance(self, **kw: float) -> "Clock":
        self.now += timedelta(**kw)
        return self


async def tick(engine: Engine, notifier: Notifier, clock: Callable[[], datetime],
               config: DeliveryConfig | None = None, instance: str = "test") -> DeliveryReport:
    """What the scheduler does in one round: plan, digests, deliver."""
    plan_all(engine, clock())
    plan_digests(engine, clock())
    return await deliver(engine, notifier, clock, instance=instance, config=config)


def console() -> ConsoleNotifier:
    return ConsoleNotifier(out=StringIO())


def run_tick(engine: Engine, notifier: Notifier, clock: Callable[[], datetime],
             config: DeliveryConfig | None = None) -> DeliveryReport:
    return asyncio.run(tick(engine, notifier, clock, config))


class Town:
    """A school with a teacher (@bob), a SENCO (@sue), a leader (@lee) and a pupil, Ava Smith (teacher @bob)."""

    def __init__(self, engine: Engine, chat, school: int) -> None:  # type: ignore[no-untyped-def]
        self.engine, self.chat, self.school = engine, chat, school
        self.clock = Clock(datetime(2026, 3, 1, 12, tzinfo=UTC))
        self.notifier: ConsoleNotifier = console()
        chat.ok("admin", "staff add @bob role:teacher")
        chat.ok("admin", "staff add @sue role:senco")
        chat.ok("admin", "staff add @lee role:leader")
        chat.ok("admin", 'pupil add "Ava Smith" year:5 teacher:@bob')

    def run(self, day: str, hh_mm: str = "08:00", digests: bool = False) -> list[tuple[str, str, str]]:
        """Tick at ``hh_mm`` London time on ``day``; (handle, kind, step) of each message sent (digests are
        left out unless asked for: test_reminders_digest.py looks at them)."""
        self.clock.at(day, hh_mm)
        self.notifier.sent.clear()
        asyncio.run(tick(self.engine, self.notifier, self.clock))
        with Session(self.engine) as s:
            rows = {r.id: r for r in s.exec(select(m.Reminder)).all()}
        return sorted((o.to.handle, rows[o.reminder_id].kind, rows[o.reminder_id].step) for o in self.notifier.sent
                      if digests or rows[o.reminder_id].kind != "digest")

    def rows(self, **where: object) -> list[m.Reminder]:
        with Session(self.engine) as s:
            query = select(m.Reminder)
            for k, v in where.items():
                query = query.where(getattr(m.Reminder, k) == v)
            return list(s.exec(query.order_by(m.Reminder.id)).all())

    def reminder_id(self, handle: str, kind: str) -> int:
        with Session(self.engine) as s:
            staff = s.exec(select(m.Staff).where(m.Staff.handle == handle)).one()
        rows = [r for r in self.rows(kind=kind, recipient=f"staff:{staff.id}") if r.status == "sent"]
        assert rows, f"no {kind} reminder was sent to @{handle}"
        assert rows[-1].id is not None
        return rows[-1].id


# --- a fake Slack Web API ----------------------------------------------------------------------------------


@dataclass
class Posted:
    token: str
    channel: str
    text: str
    blocks: list[dict[str, Any]]
    status: int  # what the fake answered

    @property
    def reminder_id(self) -> str | None:
        """Which message this is: its recipient and the deadline its Done button answers (``/sen done D17``; one
        deadline number everywhere, COMMANDS v2). Each reminder goes once per recipient and deadline."""
        for block in self.blocks:
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                if str(element.get("value", "")).startswith("/sen done "):
                    return f"{self.channel}:{element['value'].removeprefix('/sen done ')}"
        return None

    @property
    def body(self) -> str:
        return json.dumps(self.blocks) + self.text


@dataclass
class FakeSlack(LoopbackService):
    """chat.postMessage on 127.0.0.1. ``script`` holds answers for the next calls ("429", "500",
    "channel_not_found"…); when it runs out, every call succeeds. ``always`` answers every call with one
    of those, for channels listed in ``always_for`` (or every channel, if empty)."""

    script: list[str] = field(default_factory=list)
    retry_after: int = 1
    always: str | None = None
    always_for: set[str] = field(default_factory=set)
    calls: list[Posted] = field(default_factory=list)
    delay: float = 0.0  # seconds each post takes to answer (a slow Slack: deliveries stay in flight)
    received: int = 0  # posts that have arrived, answered or not
    port: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    @property
    def delivered(self) -> list[Posted]:
        return [c for c in self.calls if c.status == 200 and c.text != "__refused__"]

    def delivered_ids(self) -> Counter:
        return Counter(c.reminder_id for c in self.delivered)

    async def _post(self, request: web.Request) -> web.Response:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if request.content_type == "application/json":
            data = await request.json()
        else:
            data = dict(await request.post())
        blocks = data.get("blocks") or []
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        channel = str(data.get("channel", ""))
        with self._lock:
            self.received += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        with self._lock:
            answer = self.script.pop(0) if self.script else None
            if answer is None and self.always and (not self.always_for or channel in self.always_for):
                answer = self.always
            n = len(self.calls)
            status = 200
            if answer == "429":
                status = 429
            elif answer == "500":
                status = 500
            text = str(data.get("text", "")) if answer in (None, "ok") else "__refused__"
            self.calls.append(Posted(token, channel, text, blocks, status))
        if status == 429:
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                     headers={"Retry-After": str(self.retry_after)})
        if status == 500:
            return web.Response(status=500, text="internal error", content_type="text/plain")
        if answer not in (None, "ok"):
            return web.json_response({"ok": False, "error": answer})
        dm = channel.startswith(("U", "W"))
        return web.json_response({"ok": True, "channel": ("D" + channel[1:]) if dm else channel,
                                  "ts": f"{int(time.time())}.{n:06d}"})

    name = "fake Slack"
    runner_options: ClassVar[dict[str, Any]] = {"access_log": None}  # thousands of posts in the delivery tests
    backlog = 1024

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/api/chat.postMessage", self._post)

    def stop(self) -> None:
        # Only stop the loop: a slow fake (``delay``) may still hold posts that a clean-up would wait for.
        self._loop.call_soon_threadsafe(self._loop.stop)

"""APScheduler 3 as a clock inside ``sendbot run``; ``run_once`` for ``sendbot remind``.

The scheduler only says "look now": plan every minute, deliver every ~15 s, check digests every minute.
The database decides what is due, so a restart, a second replica or a missed tick loses nothing. Hence
(DESIGN.md, pitfalls): an in-memory job store (one store can't be shared by processes; a persistent one
drops jobs it can't unpickle), an explicit timezone, and only interval jobs (a job at a wall-clock time in
the 01:00–02:00 hour runs twice when the clocks go back).
"""

import asyncio
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Engine

from bot.config import Settings
from bot.metrics import observe_sweep
from bot.services.deadlines import maintain

from .digest import plan_digests
from .notifier import Notifier
from .outbox import DeliveryConfig, DeliveryReport, deliver
from .sweep import PlanReport, plan_all

if TYPE_CHECKING:
    from bot.state import AppState, Service

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


class _SkipOverlapNotices(logging.Filter):
    """A delivery tick still draining a long queue when the next is due is normal here: don't warn about it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


logging.getLogger("apscheduler.scheduler").addFilter(_SkipOverlapNotices())


def instance_name() -> str:
    """Who claimed a row: host, process and a random part (a restarted process is a new claimant)."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(3)}"


def real_clock() -> datetime:
    return datetime.now(UTC)


def clock_following(today: Callable[[], date], zone: str) -> Clock:
    """The real time of day, on the app's "today" (``sendbot run --today`` fixes the day, not the hour)."""
    tz = ZoneInfo(zone)

    def now() -> datetime:
        real = datetime.now(tz)
        day = today()
        if day == real.date():
            return real.astimezone(UTC)
        return datetime.combine(day, real.time(), tzinfo=tz).astimezone(UTC)

    return now


class ReminderScheduler:
    def __init__(self, engine: Engine, notifier: Notifier, *, timezone: str = "Europe/London",
                 clock: Clock = real_clock, instance: str | None = None, plan_every: float = 60.0,
                 deliver_every: float = 15.0, digest_every: float = 60.0, config: DeliveryConfig | None = None,
                 on_tick: Callable[[], None] | None = None,
                 count: Callable[[str, int], None] | None = None) -> None:
        self.engine = engine
        self.notifier = notifier
        self.clock = clock
        self.instance = instance or instance_name()
        self.config = config or DeliveryConfig()
        self.every = {"plan": plan_every, "deliver": deliver_every, "digest": digest_every}
        self.on_tick = on_tick
        self.count = count
        self.zone = ZoneInfo(timezone)
        self.scheduler = AsyncIOScheduler(
            timezone=self.zone,
            jobstores={"default": MemoryJobStore()},
            executors={"default": AsyncIOExecutor()},
            # A late tick runs once, not once per missed interval; never two of one job at once.
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
        )
        self._running: set[asyncio.Task] = set()
        self._stopping = False
        self.ticks: dict[str, int] = {"plan": 0, "deliver": 0, "digest": 0}

    def start(self) -> None:
        now = datetime.now(self.zone)
        for name, job in (("plan", self.plan_now), ("deliver", self.deliver_now), ("digest", self.digests_now)):
            self.scheduler.add_job(self._guard, "interval", args=(name, job), id=name, name=f"reminders {name}",
                                   seconds=self.every[name], next_run_time=now)
        self.scheduler.start()
        log.info("reminder scheduler %s started", self.instance)

    async def stop(self, timeout: float = 20.0) -> None:
        """Let the tick in progress finish its batch (so nothing is left claimed), then stop."""
        self._stopping = True
        if self.scheduler.running:
            self.scheduler.pause()
        if self._running:
            await asyncio.wait(set(self._running), timeout=timeout)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # shutdown runs on the loop
        await self.notifier.close()

    async def _guard(self, name: str, job: Callable[[], Awaitable[object]]) -> None:
        if self._stopping:
            return
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        started = time.perf_counter()
        try:
            await job()
            self.ticks[name] += 1
            observe_sweep(name, time.perf_counter() - started)
        except Exception:
            log.exception("reminders: the %s tick failed; the next one tries again", name)
            self._count("reminder_errors", 1)
        finally:
            if task is not None:
                self._running.discard(task)
            self._beat()

    def _beat(self) -> None:
        if self.on_tick is not None:
            self.on_tick()

    def _count(self, name: str, n: int) -> None:
        if self.count is not None and n:
            self.count(name, n)

    async def plan_now(self) -> PlanReport:
        # Date-driven upkeep first (a new term or academic year), in small batches, so the first command of
        # the day finds the school up to date.
        now = self.clock()
        await asyncio.to_thread(maintain, self.engine, now.astimezone(self.zone).date())
        report = await asyncio.to_thread(plan_all, self.engine, now)
        self._count("reminders_planned", report.planned)
        return report

    async def digests_now(self) -> PlanReport:
        report = await asyncio.to_thread(plan_digests, self.engine, self.clock())
        self._count("digests_planned", report.digests)
        return report

    async def deliver_now(self) -> DeliveryReport:
        seen = {"sent": 0, "parked": 0, "retrying": 0}

        def progress(report: DeliveryReport) -> None:
            for key in seen:
                value = getattr(report, key)
                self._count(f"reminders_{key}", value - seen[key])
                seen[key] = value
            self._beat()

        return await deliver(self.engine, self.notifier, self.clock, instance=self.instance, config=self.config,
                             should_stop=lambda: self._stopping, on_batch=progress)


def reminder_service(settings: Settings, *, notifier: Notifier, clock: Clock | None = None,
                     **options: Any) -> "Service":
    """The scheduler as a service of the web app (bot.state.Service): started and stopped with it.

    ``notifier`` is chosen by the composition root (``bot.server.notifier_for``): nothing here knows a surface.
    ``options`` go to ReminderScheduler (plan_every, deliver_every, digest_every, config, instance).
    """

    async def start(state: "AppState") -> Callable[[], Awaitable[None]]:
        def beat() -> None:
            state.heartbeat = datetime.now(UTC)

        scheduler = ReminderScheduler(
            state.engine, notifier, timezone=settings.timezone,
            clock=clock or clock_following(state.today, settings.timezone), on_tick=beat, count=state.count,
            **options,
        )
        scheduler.start()
        state.extras["reminders"] = scheduler
        return scheduler.stop

    return start


@dataclass
class RunReport:
    plan: PlanReport = field(default_factory=PlanReport)
    digests: PlanReport = field(default_factory=PlanReport)
    delivery: DeliveryReport = field(default_factory=DeliveryReport)


async def run_once(engine: Engine, notifier: Notifier, clock: Clock, *, school_ids: list[int] | None = None,
                   config: DeliveryConfig | None = None, instance: str | None = None) -> RunReport:
    """Plan and deliver everything due by now, once (``sendbot remind``). Safe beside running replicas."""
    report = RunReport()
    try:
        report.plan = await asyncio.to_thread(plan_all, engine, clock(), school_ids)
        report.digests = await asyncio.to_thread(plan_digests, engine, clock(), school_ids)
        report.delivery = await deliver(engine, notifier, clock, instance=instance or instance_name(),
                                        config=config, school_ids=school_ids)
    finally:
        await notifier.close()
    return report

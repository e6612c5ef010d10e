"""What every part of the running app shares: settings, the engine, "today", counters.

Neutral: imported by the web app, the surfaces (Slack, feeds, later Teams) and the scheduler alike, so
none of them has to import another to reach it.
"""

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine
from starlette.routing import BaseRoute

from bot.config import Settings
from bot.ratelimit import RateLimit


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    today: Callable[[], date]
    started: float = field(default_factory=time.monotonic)
    heartbeat: datetime | None = None  # set by the scheduler on every tick
    counters: dict[str, int] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    # Abuse limits (issue 11): chat commands per person, feed requests per link; from the settings unless given.
    command_limit: RateLimit | None = None
    feed_limit: RateLimit | None = None

    def __post_init__(self) -> None:
        if self.command_limit is None:
            self.command_limit = RateLimit(self.settings.commands_per_minute)
        if self.feed_limit is None:
            self.feed_limit = RateLimit(self.settings.feed_requests_per_minute)

    def count(self, name: str, n: int = 1) -> None:
        self.counters[name] = self.counters.get(name, 0) + n


# Something to run while the app is up (the scheduler, Socket Mode): called with the state at start-up,
# it returns a coroutine function that stops it.
Service = Callable[[AppState], Awaitable[Callable[[], Awaitable[None]]]]

# What a surface plugs into the web app: given the state, the routes it serves (maybe none).
Routes = Callable[[AppState], list[BaseRoute]]

"""The one ASGI app (Starlette): health, metrics, and the routes each surface adds.

``sendbot run`` serves it with uvicorn. Routes:
- ``GET /healthz``: the database answers (and the scheduler's heartbeat, when one runs)
- ``GET /metrics``: a few counters in the Prometheus text format
- ``/feeds/<token>.ics``: iCal feeds (bot.feeds)
- ``/slack/events``, ``/slack/install``, ``/slack/oauth_redirect``: Slack (bot.slack), when configured
- ``/api/messages``: Microsoft Teams (bot.teams.app), when TEAMS_APP_ID is set
"""

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.config import Settings, get_settings
from db.engine import get_engine

log = logging.getLogger(__name__)

# Something to run while the app is up (the scheduler, Socket Mode): called with the state at start-up,
# it returns a coroutine function that stops it.
Service = Callable[["AppState"], Awaitable[Callable[[], Awaitable[None]]]]


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    today: Callable[[], date]
    started: float = field(default_factory=time.monotonic)
    heartbeat: datetime | None = None  # set by the scheduler on every tick
    counters: dict[str, int] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)

    def count(self, name: str, n: int = 1) -> None:
        self.counters[name] = self.counters.get(name, 0) + n


def state_of(request: Request) -> AppState:
    return request.app.state.sendbot


async def healthz(request: Request) -> Response:
    state = state_of(request)
    body: dict[str, Any] = {"database": "ok"}
    status = 200
    try:
        with state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as e:  # report, don't raise: a load balancer reads this
        log.warning("health check: database unreachable (%s)", e.__class__.__name__)
        body["database"] = "unreachable"
        status = 503
    if state.heartbeat is not None:
        age = (datetime.now(UTC) - state.heartbeat).total_seconds()
        body["scheduler"] = {"last_tick_seconds_ago": round(age, 1)}
        if age > 300:
            body["scheduler"]["stale"] = True
            status = 503
    body["status"] = "ok" if status == 200 else "degraded"
    return JSONResponse(body, status_code=status)


async def metrics(request: Request) -> Response:
    state = state_of(request)
    lines = [
        "# TYPE sendbot_uptime_seconds gauge",
        f"sendbot_uptime_seconds {time.monotonic() - state.started:.0f}",
    ]
    for name, value in sorted(state.counters.items()):
        lines += [f"# TYPE sendbot_{name}_total counter", f"sendbot_{name}_total {value}"]
    return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")


def create_app(settings: Settings | None = None, *, today: Callable[[], date] | None = None,
               services: list[Service] | None = None) -> Starlette:
    """Build the app. ``today`` is injectable so previews and tests can act as of a chosen day."""
    settings = settings or get_settings()
    engine = get_engine(settings.database_url)

    def real_today() -> date:
        return datetime.now(ZoneInfo(settings.timezone)).date()

    state = AppState(settings=settings, engine=engine, today=today or real_today)
    routes: list[BaseRoute] = [Route("/healthz", healthz), Route("/metrics", metrics)]
    routes += _feed_routes(state)
    routes += _slack_routes(state)
    routes += _teams_routes(state)
    services = list(services or [])

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stops = []
        for start in services:
            stops.append(await start(state))
        try:
            yield
        finally:
            for stop in reversed(stops):
                await stop()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.sendbot = state
    return app


def _feed_routes(state: AppState) -> list[BaseRoute]:
    from bot.feeds.http import routes

    return routes(state)


def _slack_routes(state: AppState) -> list[BaseRoute]:
    from bot.slack.app import routes  # imported here: bot.slack.app imports this module

    return routes(state)


def _teams_routes(state: AppState) -> list[BaseRoute]:
    if not state.settings.teams_configured:
        return []  # nothing from Microsoft is imported: a Slack-only install pays nothing for Teams
    from bot.teams.app import routes

    return routes(state)

"""The one ASGI app (Starlette): health, metrics, and the routes each surface adds.

``sendbot run`` serves it with uvicorn. Routes:
- ``GET /healthz``: the process is alive and its database answers (and the scheduler's heartbeat, when one runs)
- ``GET /readyz``: ready for traffic: database, migrations, scheduler heartbeat, chat auth (bot.doctor)
- ``GET /metrics``: Prometheus metrics (bot.metrics)
- ``/feeds/<token>.ics``: iCal feeds (bot.feeds)
- ``/slack/events``, ``/slack/install``, ``/slack/oauth_redirect``: Slack (bot.slack), when configured
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
from starlette.responses import JSONResponse, Response
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


def create_app(settings: Settings | None = None, *, today: Callable[[], date] | None = None,
               services: list[Service] | None = None) -> Starlette:
    """Build the app. ``today`` is injectable so previews and tests can act as of a chosen day."""
    settings = settings or get_settings()
    engine = get_engine(settings.database_url)

    def real_today() -> date:
        return datetime.now(ZoneInfo(settings.timezone)).date()

    state = AppState(settings=settings, engine=engine, today=today or real_today)
    routes: list[BaseRoute] = [Route("/healthz", healthz), *_ops_routes(state)]
    routes += _feed_routes(state)
    routes += _slack_routes(state)
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


def _ops_routes(state: AppState) -> list[BaseRoute]:
    from bot.doctor import routes as readiness
    from bot.metrics import routes as metrics
    from bot.slack.health import auth_test

    return [*readiness(state, auth_test), *metrics(state)]

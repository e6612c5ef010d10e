"""The one ASGI app (Starlette): health, metrics, and the routes each surface adds.

``sendbot run`` serves it with uvicorn. Routes:
- ``GET /healthz``: alive: the process runs and its database answers (and the scheduler's heartbeat, when one runs)
- ``GET /metrics``: Prometheus metrics (bot.metrics)
- ``GET /readyz``: ready for traffic (bot.doctor), added by ``bot.server`` with the chat auth checks
- whatever each surface adds: ``create_app`` is given their route makers (``bot.server`` chooses them:
  iCal feeds, Slack when configured, later Teams), so this module imports no surface.
"""

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.config import Settings, get_settings
from bot.metrics import routes as metrics_routes
from bot.state import AppState, Routes, Service
from db.engine import get_engine

log = logging.getLogger(__name__)

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
               services: list[Service] | None = None, routes: list[Routes] | None = None) -> Starlette:
    """Build the app with the surfaces' ``routes``. ``today`` is injectable so tests can act as of a chosen day."""
    settings = settings or get_settings()
    engine = get_engine(settings.database_url)

    def real_today() -> date:
        return datetime.now(ZoneInfo(settings.timezone)).date()

    state = AppState(settings=settings, engine=engine, today=today or real_today)
    served: list[BaseRoute] = [Route("/healthz", healthz), *metrics_routes(state)]
    for make in routes or []:
        served += make(state)
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

    app = Starlette(routes=served, lifespan=lifespan)
    app.state.sendbot = state
    return app

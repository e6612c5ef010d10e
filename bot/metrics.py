"""``/metrics`` in the Prometheus text format, through prometheus-client.

What it shows (names as scraped):
- ``sendbot_command_seconds{command,outcome}``: a histogram of chat commands by name and outcome
  (``ok``, ``refused``, ``error``; ``unparsed`` when the words matched no command);
- ``sendbot_reminders_total{outcome}``: reminders ``planned``, ``sent``, ``failed`` (an attempt that will be
  retried) and ``parked`` (given up on: see ``sendbot outbox``); ``sendbot_digests_planned_total``;
- ``sendbot_outbox_messages{status}``: the outbox's depth by status, read from the database at scrape time;
- ``sendbot_feed_requests_total{result}`` (``ok``, ``not_modified``, ``not_found``, ``error``) and
  ``sendbot_feed_not_modified_ratio`` (the share answered 304);
- ``sendbot_sweep_seconds{job}``: how long each scheduler sweep (plan, deliver, digest) took;
- ``sendbot_uptime_seconds`` and the other counters the app keeps (``sendbot_<name>_total``).

Counters are per process: with two replicas, Prometheus scrapes each and sums. A neutral module (no surface,
no reminders import): ``bot.commands`` and the scheduler call its ``observe_*`` functions.
"""

import asyncio
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from db.models import Reminder

if TYPE_CHECKING:
    from bot.state import AppState

# Not in prometheus-client's global registry: each app builds its own, so tests (and two apps in one
# process) never collide.
COMMAND_SECONDS = Histogram("sendbot_command_seconds", "Chat commands by name and outcome, and how long they took.",
                            ["command", "outcome"], registry=None,
                            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
SWEEP_SECONDS = Histogram("sendbot_sweep_seconds", "How long each scheduler sweep took.", ["job"], registry=None,
                          buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0))

_REMINDERS = {"planned": "reminders_planned", "sent": "reminders_sent", "failed": "reminders_retrying",
              "parked": "reminders_parked"}
_FEEDS = {"not_modified": "feed_not_modified", "not_found": "feed_not_found", "error": "feed_errors"}
_SHOWN = {*_REMINDERS.values(), *_FEEDS.values(), "feed_requests"}


def observe_command(command: str, outcome: str, seconds: float) -> None:
    COMMAND_SECONDS.labels(command=command, outcome=outcome).observe(seconds)


def observe_sweep(job: str, seconds: float) -> None:
    SWEEP_SECONDS.labels(job=job).observe(seconds)


class StateCollector(Collector):
    """The app's counters and the outbox depth, read when Prometheus scrapes."""

    def __init__(self, state: "AppState") -> None:
        self.state = state

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        counters = dict(self.state.counters)
        yield GaugeMetricFamily("sendbot_uptime_seconds", "Seconds since this process started.",
                                value=time.monotonic() - self.state.started)
        reminders = CounterMetricFamily("sendbot_reminders", "Reminders by outcome.", labels=["outcome"])
        for outcome, name in _REMINDERS.items():
            reminders.add_metric([outcome], counters.get(name, 0))
        yield reminders
        requests = counters.get("feed_requests", 0)
        feeds = CounterMetricFamily("sendbot_feed_requests", "Calendar feed requests by result.", labels=["result"])
        others = 0
        for result, name in _FEEDS.items():
            feeds.add_metric([result], counters.get(name, 0))
            others += counters.get(name, 0)
        feeds.add_metric(["ok"], max(requests - others, 0))
        yield feeds
        yield GaugeMetricFamily("sendbot_feed_not_modified_ratio", "Share of feed requests answered 304.",
                                value=counters.get("feed_not_modified", 0) / requests if requests else 0.0)
        for name, value in sorted(counters.items()):
            if name not in _SHOWN:
                yield CounterMetricFamily(f"sendbot_{name}", f"Count of {name.replace('_', ' ')}.", value=value)
        yield self._outbox()

    def _outbox(self) -> GaugeMetricFamily:
        depth = GaugeMetricFamily("sendbot_outbox_messages", "Reminder outbox messages by status.",
                                  labels=["status"])
        try:
            with self.state.engine.connect() as connection:
                counts = dict(connection.execute(select(Reminder.status, func.count()).group_by(Reminder.status))
                              .all())
        except Exception:  # the database is down: /readyz says so; metrics still answer
            return depth
        for status in ("pending", "sending", "parked", "sent", "withdrawn", "snoozed"):
            depth.add_metric([status], counts.get(status, 0))
        return depth


def routes(state: "AppState") -> list[BaseRoute]:
    registry = CollectorRegistry(auto_describe=True)
    registry.register(COMMAND_SECONDS)
    registry.register(SWEEP_SECONDS)
    registry.register(StateCollector(state))

    async def metrics(request: Request) -> Response:
        body = await asyncio.to_thread(generate_latest, registry)  # reads the outbox from the database
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return [Route("/metrics", metrics)]

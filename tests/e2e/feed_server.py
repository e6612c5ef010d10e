"""The real app served by uvicorn on a loopback port, in a thread, for the feed tests; and reading feeds.

Feeds are read with ``ical`` (PyPI), an iCalendar parser independent of the ``icalendar`` package sendbot
writes them with.
"""

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import uvicorn
from ical.calendar import Calendar
from ical.calendar_stream import IcsCalendarStream

from bot.commands import Reply
from bot.config import Settings
from bot.server import build_app

LINK = re.compile(r"(https?://\S+?)(/feeds/[A-Za-z0-9_-]+\.ics)")


def feed_path(reply: Reply) -> str:
    """The /feeds/<token>.ics path of the (first) link in a /sen feed reply."""
    found = LINK.search(reply.as_text())
    assert found, f"no feed link in the reply:\n{reply.as_text()}"
    return found.group(2)


def token_of(path: str) -> str:
    return path.removeprefix("/feeds/").removesuffix(".ics")


def parse(body: bytes) -> Calendar:
    """Parse with the independent ``ical`` library (it raises on anything that is not valid iCalendar)."""
    return IcsCalendarStream.calendar_from_ics(body.decode("utf-8"))


def unfolded(body: bytes) -> list[str]:
    return body.decode("utf-8").replace("\r\n ", "").split("\r\n")


@dataclass
class FeedServer:
    url: str
    app_state: object
    client: httpx.Client
    today: list[date] = field(default_factory=list)  # one item, changeable: the server's "today"

    def get(self, path: str, **headers: str) -> httpx.Response:
        return self.client.get(self.url + path, headers=headers)

    def head(self, path: str, **headers: str) -> httpx.Response:
        return self.client.head(self.url + path, headers=headers)

    def counter(self, name: str) -> int:
        return self.app_state.counters.get(name, 0)  # type: ignore[attr-defined]

    def set_today(self, day: date) -> None:
        self.today[0] = day


@contextmanager
def serve(database_url: str, today: date, *, access_log: bool = False, **settings: Any) -> Iterator[FeedServer]:
    """Run the sendbot app on 127.0.0.1 (a free port) until the block ends (``settings``: more Settings)."""
    days = [today]
    app = build_app(Settings(database_url=database_url, **settings), today=lambda: days[0])
    # log_config=None: keep the test's logging (caplog) instead of uvicorn's own handlers.
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="info" if access_log else "warning",
                            access_log=access_log, lifespan="on", log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive(), "the server stopped while starting"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        with httpx.Client(timeout=30) as client:
            yield FeedServer(f"http://127.0.0.1:{port}", app.state.sendbot, client, days)
    finally:
        server.should_exit = True
        thread.join(timeout=10)

"""The scaffolding every fake outside service shares (Slack's Web API, the Bot Connector, Graph, Wonde): an
aiohttp app served on 127.0.0.1 from its own thread and event loop, so the code under test reaches it over
real HTTP through its base-URL setting and nothing is patched.

A fake subclasses :class:`LoopbackService`, declares its routes in ``routes`` and, if it listens anywhere
but ``self.port`` in plain HTTP, says where in ``listen``.
"""

import asyncio
import ssl
import threading
from typing import Any, ClassVar, Self

from aiohttp import web


class LoopbackService:
    name = "fake service"
    runner_options: ClassVar[dict[str, Any]] = {}  # e.g. access_log=None for a fake that takes thousands of requests
    backlog = 128
    port: int

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def listen(self) -> list[tuple[int, ssl.SSLContext | None]]:
        """(port, TLS context or None) to serve on; port 0 takes a free one (then read ``self.port``)."""
        return [(self.port, None)]

    def start(self) -> Self:
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._start())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=serve, daemon=True, name=self.name)
        self._thread.start()
        assert ready.wait(10), f"the {self.name} did not start"
        return self

    async def _start(self) -> None:
        app = web.Application()
        self.routes(app)
        self._runner = web.AppRunner(app, **self.runner_options)
        await self._runner.setup()
        for port, tls in self.listen():
            await web.TCPSite(self._runner, "127.0.0.1", port, ssl_context=tls, backlog=self.backlog).start()
        if getattr(self, "port", None) == 0:
            self.port = self._runner.addresses[0][1]

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

"""A small Chrome DevTools Protocol client for the browser tests: Debian's ``chromium``, headless, driven over
its DevTools websocket with aiohttp's websocket client (no npm browser download, no Playwright).

:class:`Browser` starts Chromium with a fresh profile on a free port, :class:`Page` is one tab. Everything is
async; the tests run a scenario with ``asyncio.run``. Waiting is by polling with generous timeouts.
"""

import asyncio
import base64
import contextlib
import itertools
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import aiohttp

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0"]
TIMEOUT = 60.0


def find_chromium() -> str | None:
    """``SENDBOT_CHROMIUM``, else Debian's chromium (or Chrome) on the PATH."""
    named = os.environ.get("SENDBOT_CHROMIUM")
    if named:
        return named if Path(named).exists() else shutil.which(named)
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def find_axe() -> Path | None:
    """axe-core's ``axe.min.js``: ``SENDBOT_AXE_JS``, else the cache folder ``.ci/run`` installs it into."""
    named = os.environ.get("SENDBOT_AXE_JS")
    if named:
        return Path(named) if Path(named).is_file() else None
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    path = cache / "sendbot" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
    return path if path.is_file() else None


class CdpError(RuntimeError):
    pass


class Connection:
    """One websocket to the browser; commands by id, events collected for :meth:`wait_event`."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = itertools.count(1)
        self.pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            if "id" in data and data["id"] in self.pending:
                self.pending.pop(data["id"]).set_result(data)
            elif "method" in data:
                self.events.append(data)
        for fut in self.pending.values():
            if not fut.done():
                fut.set_exception(CdpError("the browser closed the connection"))

    async def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict:
        msg_id = next(self.ids)
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[msg_id] = fut
        body: dict[str, Any] = {"id": msg_id, "method": method, "params": params or {}}
        if session:
            body["sessionId"] = session
        await self.ws.send_str(json.dumps(body))
        data = await asyncio.wait_for(fut, TIMEOUT)
        if "error" in data:
            raise CdpError(f"{method}: {data['error']}")
        return data.get("result", {})


class Page:
    def __init__(self, conn: Connection, session: str) -> None:
        self.conn = conn
        self.session = session

    async def send(self, method: str, params: dict[str, Any] | None = None) -> dict:
        return await self.conn.send(method, params, self.session)

    async def evaluate(self, expression: str, *, await_promise: bool = False) -> Any:
        result = await self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                      "awaitPromise": await_promise})
        if "exceptionDetails" in result:
            raise CdpError(f"evaluate failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = TIMEOUT) -> Any:
        """Poll until ``expression`` is truthy (navigation resets the page, so errors are retried)."""
        end = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < end:
            try:
                last = await self.evaluate(expression)
                if last:
                    return last
            except CdpError:
                pass
            await asyncio.sleep(0.1)
        raise AssertionError(f"timed out waiting for {expression!r} (last: {last!r})")

    async def goto(self, url: str) -> None:
        await self.send("Page.navigate", {"url": url})
        await self.wait_for(f"location.href === {json.dumps(url)} && document.readyState === 'complete'")

    async def text(self, selector: str) -> str:
        return await self.evaluate(f"document.querySelector({json.dumps(selector)})?.textContent.trim() ?? null")

    async def click(self, selector: str) -> None:
        """A real mouse click in the middle of the element (no script runs in the page)."""
        box = await self.evaluate(f"(() => {{ const r = document.querySelector({json.dumps(selector)})"
                                  ".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        x, y = box
        for kind in ("mousePressed", "mouseReleased"):
            await self.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left",
                                                         "clickCount": 1})

    async def pdf(self) -> bytes:
        result = await self.send("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True})
        return base64.b64decode(result["data"])


class Browser:
    """Chromium, headless, with a fresh profile in ``profile``; stopped (by its own pid) on close."""

    def __init__(self, executable: str, profile: Path) -> None:
        self.executable = executable
        self.profile = profile
        self.process: subprocess.Popen[bytes] | None = None
        self.http: aiohttp.ClientSession | None = None
        self.conn: Connection | None = None

    async def __aenter__(self) -> "Browser":
        self.process = subprocess.Popen([self.executable, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = self.profile / "DevToolsActivePort"
        end = time.monotonic() + TIMEOUT
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if self.process.poll() is not None:
                raise CdpError(f"chromium exited with {self.process.returncode} before listening")
            if time.monotonic() > end:
                raise CdpError("chromium did not start listening")
            await asyncio.sleep(0.1)
        port, path = port_file.read_text().splitlines()[:2]
        self.http = aiohttp.ClientSession()
        ws = await self.http.ws_connect(f"ws://127.0.0.1:{port}{path}", max_msg_size=0)
        self.conn = Connection(ws)
        return self

    async def new_page(self) -> Page:
        assert self.conn is not None
        target = await self.conn.send("Target.createTarget", {"url": "about:blank"})
        attached = await self.conn.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True})
        page = Page(self.conn, attached["sessionId"])
        for domain in ("Page.enable", "Runtime.enable", "Network.enable"):
            await page.send(domain)
        return page

    async def __aexit__(self, *exc: object) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):  # it may already be closing
                await self.conn.send("Browser.close")
            await self.conn.ws.close()
            self.conn.reader.cancel()
        if self.http is not None:
            await self.http.close()
        if self.process is not None:
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)

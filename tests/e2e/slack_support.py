"""For the Slack end-to-end tests: a fake Slack, requests signed as Slack signs them, a real server on loopback.

The fake Slack is a small local HTTP server (aiohttp, in a thread of its own) standing in for Slack's Web API
(``SLACK_API_URL`` points at it), for ``response_url`` webhooks, and for Socket Mode's WebSocket. It
records every call so tests can check what sendbot sent. Nothing here patches the code under test.
"""

import asyncio
import hashlib
import hmac
import itertools
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import uvicorn
from aiohttp import WSMsgType, web
from fake_service import LoopbackService

from bot.config import Settings
from bot.server import build_app
from bot.services.school import create_school
from bot.services.tenancy import link_workspace
from db.engine import transaction

TODAY = date(2026, 3, 2)  # a Monday in the spring term
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM = "T0SCHOOL1"
ADMIN = "U0ADMIN01"  # a Slack user id as a staff handle (stored lower-cased; its identity keeps the case)
TEACHER = "U0TEACH01"
STRANGER = "U0STRANGE1"
BOT_TOKEN = "xoxb-test-token"
_KEYS = itertools.count(1)  # response_url keys, unique across clients


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Call:
    kind: str  # "api" (a Web API method), "respond" (a response_url), "socket" (an envelope ack)
    name: str  # the API method, the response_url key, or the envelope id
    data: dict[str, Any]
    token: str | None = None


@dataclass
class FakeSlack(LoopbackService):
    """Slack's Web API, response URLs and Socket Mode, on 127.0.0.1, recording every call."""

    name = "fake Slack"

    port: int = field(default_factory=free_port)
    calls: list[Call] = field(default_factory=list)
    failing: dict[str, str] = field(default_factory=dict)  # API method -> error code to answer with
    oauth_access: dict[str, Any] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)  # e-mail -> user id, for users.lookupByEmail
    _views: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._ws: web.WebSocketResponse | None = None

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # slack_sdk sends some methods (users.lookupByEmail) as GET
        app.router.add_post("/respond/{key}", self._respond)
        app.router.add_get("/socket", self._socket)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, key: str) -> str:
        return f"{self.url}/respond/{key}"

    # --- handlers -----------------------------------------------------------------------------------

    async def _body(self, request: web.Request) -> dict[str, Any]:
        if request.method == "GET":
            return dict(request.query)
        if request.content_type == "application/json":
            data = await request.json()
        else:
            data = dict(await request.post())
        for key in ("view", "blocks"):
            if isinstance(data.get(key), str):
                data[key] = json.loads(data[key])
        return data

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        data = await self._body(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else data.get("token")
        self._record(Call("api", method, data, token))
        if method in self.failing:
            return web.json_response({"ok": False, "error": self.failing[method]})
        answer: dict[str, Any] = {"ok": True}
        if method == "auth.test":
            answer.update(user_id="U0BOT0001", bot_id="B0BOT0001", team_id=TEAM, team="Oak Primary",
                          url="https://oak.example.slack.com/")
        elif method in ("views.open", "views.push", "views.update", "views.publish"):
            with self._lock:
                self._views += 1
                view_id = data.get("view_id") or f"V0VIEW{self._views:04d}"
            answer["view"] = {"id": view_id, **(data.get("view") or {})}
        elif method == "chat.postMessage":
            answer.update(channel=data.get("channel"), ts="1700000000.000100")
        elif method == "oauth.v2.access":
            answer.update(self.oauth_access)
        elif method == "users.lookupByEmail":
            user_id = self.users.get(str(data.get("email", "")).lower())
            if user_id is None:
                return web.json_response({"ok": False, "error": "users_not_found"})
            answer["user"] = {"id": user_id, "team_id": TEAM, "profile": {"email": data["email"]}}
        elif method == "apps.connections.open":
            answer["url"] = f"ws://127.0.0.1:{self.port}/socket"
        return web.json_response(answer)

    async def _respond(self, request: web.Request) -> web.Response:
        self._record(Call("respond", request.match_info["key"], await self._body(request)))
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0SENDBOT"}})
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                data = json.loads(message.data)
                self._record(Call("socket", str(data.get("envelope_id")), data))
        return ws

    # --- for tests ----------------------------------------------------------------------------------

    @property
    def socket_connected(self) -> bool:
        return self._ws is not None and not self._ws.closed

    def send_envelope(self, envelope: dict[str, Any]) -> None:
        assert self._ws is not None
        asyncio.run_coroutine_threadsafe(self._ws.send_json(envelope), self._loop).result(10)

    def recorded(self, kind: str | None = None, name: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if (kind is None or c.kind == kind) and (name is None or c.name == name)]

    def wait_for(self, kind: str, name: str | None = None, count: int = 1, timeout: float = 10) -> list[Call]:
        """The calls of this kind (and name), once there are at least ``count`` of them."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            found = self.recorded(kind, name)
            if len(found) >= count:
                return found
            time.sleep(0.01)
        raise AssertionError(f"expected {count} {kind} {name or ''} call(s); got {self.recorded()}")


def wait_until(check: Callable[[], bool], timeout: float = 10) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting")


# --- signing, exactly as Slack does -----------------------------------------------------------------------


def signature(secret: str, timestamp: int, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(body: str, content_type: str, *, secret: str = SECRET, timestamp: int | None = None,
                   retry: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else timestamp
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(ts),
               "X-Slack-Signature": signature(secret, ts, body)}
    if retry is not None:
        headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"})
    return headers


# --- the server under test --------------------------------------------------------------------------------


class Server:
    """``build_app`` served by uvicorn on a free loopback port, in a thread (lifespan and all)."""

    def __init__(self, settings: Settings, services: list[Any] | None = None) -> None:
        self.port = free_port()
        app = build_app(settings, today=lambda: TODAY, services=services)
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> "Server":
        self.thread.start()
        wait_until(lambda: self.server.started)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def settings_for(db_url: str, fake: FakeSlack, **extra: Any) -> Settings:
    values: dict[str, Any] = {"database_url": db_url, "slack_bot_token": BOT_TOKEN, "slack_signing_secret": SECRET,
                              "slack_api_url": fake.api_url, "public_url": "https://sendbot.example.org"}
    values.update(extra)
    return Settings(**values)


def make_school(engine: Any, admin: str = ADMIN, name: str = "Oak Primary", team: str | None = TEAM) -> int:
    """A school, linked to the Slack workspace ``team`` as an admin links it (``sendbot link slack T…``)."""
    with transaction(engine) as session:
        school = create_school(session, name, admin, "primary", TODAY)
        assert school.id is not None
        if team is not None:
            link_workspace(session, "slack", team, school.id)
        return school.id


class SlackClient:
    """Sends what Slack sends: slash commands, block actions, view submissions and events, signed."""

    def __init__(self, base_url: str, fake: FakeSlack, team: str = TEAM) -> None:
        self.base_url = base_url
        self.fake = fake
        self.team = team
        self.http = httpx.Client(base_url=base_url, timeout=10)

    def close(self) -> None:
        self.http.close()

    def _key(self) -> str:
        return f"r{next(_KEYS)}"

    def post(self, body: str, content_type: str, **sign: Any) -> tuple[httpx.Response, float]:
        headers = signed_headers(body, content_type, **sign)
        start = time.perf_counter()
        response = self.http.post("/slack/events", content=body.encode(), headers=headers)
        return response, time.perf_counter() - start

    def command(self, text: str, user: str = ADMIN, **sign: Any) -> tuple[httpx.Response, float, str]:
        """A /sen slash command; returns (HTTP response, seconds to the ack, the response_url key)."""
        key = self._key()
        body = urllib.parse.urlencode({
            "token": "legacy-unused", "team_id": self.team, "team_domain": "oak", "channel_id": "C0STAFF01",
            "channel_name": "staffroom", "user_id": user, "user_name": user.lower(), "command": "/sen",
            "text": text, "api_app_id": "A0SENDBOT", "is_enterprise_install": "false",
            "response_url": self.fake.response_url(key), "trigger_id": f"1337.{key}.trigger",
        })
        response, elapsed = self.post(body, "application/x-www-form-urlencoded", **sign)
        return response, elapsed, key

    def interactive(self, payload: dict[str, Any], **sign: Any) -> tuple[httpx.Response, float]:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded", **sign)

    def button(self, action: dict[str, Any], user: str = ADMIN, *, where: str = "message") -> tuple[str, dict]:
        """Click a button (``action`` as Slack sends it) in a message, the App Home tab or a modal."""
        key = self._key()
        payload: dict[str, Any] = {
            "type": "block_actions", "team": {"id": self.team, "domain": "oak"},
            "user": {"id": user, "team_id": self.team}, "api_app_id": "A0SENDBOT",
            "trigger_id": f"1337.{key}.trigger", "actions": [{"block_id": "b1", "action_ts": "1.2", **action}],
        }
        if where == "message":
            payload.update(container={"type": "message", "message_ts": "1.1", "channel_id": "D0DM00001",
                                      "is_ephemeral": True},
                           channel={"id": "D0DM00001"}, response_url=self.fake.response_url(key))
        else:
            payload.update(container={"type": "view", "view_id": "V0HOME0001"},
                           view={"id": "V0HOME0001", "type": where, "callback_id": "", "state": {"values": {}}})
        response, _ = self.interactive(payload)
        assert response.status_code == 200, response.text
        return key, payload

    def submit(self, callback_id: str, values: dict[str, dict[str, Any]], user: str = ADMIN) -> httpx.Response:
        """Submit a modal; ``values`` is block id -> the element's state, as Slack sends it."""
        payload = {
            "type": "view_submission", "team": {"id": self.team, "domain": "oak"},
            "user": {"id": user, "team_id": self.team}, "api_app_id": "A0SENDBOT", "trigger_id": "1337.s.trigger",
            "view": {"id": "V0MODAL001", "type": "modal", "callback_id": callback_id, "private_metadata": "",
                     "state": {"values": {block: {"value": element} for block, element in values.items()}}},
        }
        response, _ = self.interactive(payload)
        return response

    def event(self, event: dict[str, Any], event_id: str, retry: int | None = None) -> httpx.Response:
        body = json.dumps({"token": "legacy-unused", "team_id": self.team, "api_app_id": "A0SENDBOT",
                           "event": event, "type": "event_callback", "event_id": event_id,
                           "event_time": int(time.time()), "authorizations": [
                               {"team_id": self.team, "user_id": "U0BOT0001", "is_bot": True}]})
        response, _ = self.post(body, "application/json", retry=retry)
        return response


def text_of(blocks: list[dict[str, Any]]) -> str:
    """Every piece of text in some blocks, joined: what a person would read."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    out.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return "\n".join(out)

"""Checks on every request to ``/slack/events`` before Bolt sees it.

Bolt turns a malformed ``X-Slack-Request-Timestamp`` (or a body that is not UTF-8 or JSON) into an
exception, and its error handler then answers to the ``response_url`` of a body nobody verified. So here,
in order, and with a 4xx that changes nothing and sends nothing anywhere:

1. the body is at most 64 KB (read in pieces, so a huge body is never held whole) — 413;
2. the timestamp is a number of seconds and the signature looks like ``v0=<hex>`` — 400;
3. the body is UTF-8 — 400; the signature is Slack's (slack_sdk's ``SignatureVerifier``) — 401;
4. the form (or JSON) parses, and an interactive ``payload`` is a JSON object — 400;
5. the same signed request has not been seen before (a replay inside Slack's 5-minute window): the
   signature is recorded in the database, so every replica refuses it — 200 with nothing done (an
   event Slack retries with the same signature is acknowledged, as Bolt's event dedupe would).

Only then is the request, with the body already read, handed on.
"""

import json
import logging
import re
import time
import urllib.parse
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Message

from bot.slack.storage import SlackRequestSeen
from db.engine import transaction

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # bytes; Slack's own payloads are far smaller
WINDOW = 5 * 60  # seconds: Slack's (and Bolt's) allowed clock difference
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_SIGNATURE = re.compile(r"^v0=[0-9a-f]{64}$")

Endpoint = Callable[[Request], Awaitable[Response]]


class Rejected(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The whole body, refusing (413) as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise Rejected(413, f"request bodies are limited to {limit} bytes")
    body = bytearray()
    async for piece in request.stream():
        body += piece
        if len(body) > limit:
            raise Rejected(413, f"request bodies are limited to {limit} bytes")
    return bytes(body)


def check_signed(body: bytes, headers: dict[str, str], secret: str) -> str:
    """The body as text, if it is well formed and signed by Slack with ``secret``; else :class:`Rejected`."""
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not timestamp or not signature:
        raise Rejected(401, "the request is not signed (X-Slack-Request-Timestamp and X-Slack-Signature)")
    if not _TIMESTAMP.match(timestamp):
        raise Rejected(400, "X-Slack-Request-Timestamp must be a Unix time in seconds")
    if not _SIGNATURE.match(signature):
        raise Rejected(401, "X-Slack-Signature must be v0= and 64 hex digits")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected(400, "the body must be UTF-8") from None
    if not SignatureVerifier(secret).is_valid(text, timestamp, signature):
        raise Rejected(401, "the request is not signed with this app's signing secret, or is too old")
    return text


def check_parses(text: str, content_type: str) -> None:
    """A form (with, for buttons and forms, a JSON object as ``payload``) or a JSON object; else 400."""
    if content_type.split(";")[0].strip().lower() == "application/json":
        try:
            parsed = json.loads(text)
        except ValueError:
            raise Rejected(400, "the body is not JSON") from None
        if not isinstance(parsed, dict):
            raise Rejected(400, "the body must be a JSON object")
        return
    try:
        form = urllib.parse.parse_qs(text, keep_blank_values=True, strict_parsing=bool(text), errors="strict")
    except (ValueError, UnicodeDecodeError):
        raise Rejected(400, "the body is not a form") from None
    if "payload" in form:
        try:
            payload = json.loads(form["payload"][0])
        except ValueError:
            raise Rejected(400, "payload is not JSON") from None
        if not isinstance(payload, dict):
            raise Rejected(400, "payload must be a JSON object")


def first_sight(engine: Engine, signature: str, timestamp: int) -> bool:
    """Record this signed request; False if it was seen before (a replay). Old rows are pruned as we go."""
    try:
        with transaction(engine) as session:
            session.add(SlackRequestSeen(signature=signature, timestamp=timestamp,
                                         seen_at=datetime.now(UTC)))
    except IntegrityError:
        return False
    with transaction(engine) as session:
        # A request older than the window is refused by the signature check anyway.
        session.exec(delete(SlackRequestSeen).where(col(SlackRequestSeen.timestamp) < int(time.time()) - 2 * WINDOW))
    return True


def guarded(endpoint: Endpoint, engine: Engine, secret: str, count: Callable[[str], None]) -> Endpoint:
    """``endpoint`` behind the checks above."""
    import asyncio

    async def check(request: Request) -> Response:
        try:
            body = await read_body(request)
            headers = {k.lower(): v for k, v in request.headers.items()}
            text = check_signed(body, headers, secret)
            check_parses(text, headers.get("content-type", ""))
        except Rejected as e:
            count("slack_requests_rejected")
            # The reason only: never the body, which may hold a pupil's name.
            log.warning("a Slack request was rejected (%s): %s", e.status, e.reason)
            return PlainTextResponse(e.reason, status_code=e.status)
        if not await asyncio.to_thread(first_sight, engine, headers["x-slack-signature"],
                                       int(headers["x-slack-request-timestamp"])):
            count("slack_replays_refused")
            log.warning("a replayed Slack request was refused")
            return Response(status_code=200)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        return await endpoint(Request(request.scope, receive=replay))

    return check

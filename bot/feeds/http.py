"""GET/HEAD /feeds/<token>.ics: the feed calendars poll.

Each request: find the token by its fingerprint (404, no detail, for anything unknown, revoked or
malformed), bring the school's deadlines up to today, compute the feed's version (no rendering), answer
304 when the client's ETag or date matches, else serve the bytes rendered for that version, rendering
only when no earlier request did. The database work runs in a worker thread, off the event loop.

The token is never logged: our log lines name the feed by its row id, and a filter masks it in uvicorn's
access log.
"""

import hashlib
import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.feeds import content
from bot.feeds.ical import CalendarInfo, FeedEvent, render
from bot.services.deadlines import ensure_fresh
from bot.services.feed_links import resolve
from db import models as m
from db.engine import transaction

if TYPE_CHECKING:
    from bot.state import AppState

log = logging.getLogger(__name__)

MEDIA_TYPE = "text/calendar; charset=utf-8"
# Pupil data: no shared cache may keep it; clients revalidate with the ETag (a cheap 304).
CACHE_CONTROL = "private, no-cache"
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


class RenderCache:
    """Rendered feeds by (feed, version), least recently used out first, bounded by total size."""

    def __init__(self, max_bytes: int = 128 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple[object, ...], bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...]) -> bytes | None:
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def put(self, key: tuple[object, ...], body: bytes) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._size -= len(old)
            # A newer version of the same feed makes the older one useless: drop it at once.
            for stale in [k for k in self._items if k[:-1] == key[:-1]]:
                self._size -= len(self._items.pop(stale))
            self._items[key] = body
            self._size += len(body)
            while self._size > self.max_bytes and len(self._items) > 1:
                _, dropped = self._items.popitem(last=False)
                self._size -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0

    def __len__(self) -> int:
        return len(self._items)


@dataclass
class _Answer:
    status: int
    feed_id: int | None = None
    etag: str = ""
    modified: datetime | None = None
    body: bytes | None = None
    # Set when the body must be rendered (outside the database transaction).
    to_render: tuple[CalendarInfo, list[FeedEvent], tuple[object, ...]] | None = None


def _not_modified(if_none_match: str | None, if_modified_since: str | None, etag: str, modified: datetime) -> bool:
    """RFC 9110 §13.1: If-None-Match wins when present; If-Modified-Since is only looked at without it."""
    if if_none_match is not None:
        tags = [t.strip() for t in if_none_match.split(",")]
        return any(t == "*" or t.removeprefix("W/") == etag for t in tags)
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError, IndexError):
            return False  # an unreadable date is ignored, as the RFC says
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return modified <= since
    return False


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _answer(state: "AppState", cache: RenderCache, token: str, if_none_match: str | None,
            if_modified_since: str | None) -> _Answer:
    today = state.today()
    with transaction(state.engine) as session:
        row = resolve(session, token)
        staff = session.get(m.Staff, row.staff_id) if row is not None else None
        school = session.get(m.School, row.school_id) if row is not None else None
        # A leaver's links are revoked; a leader who is no longer one loses the school feed at once.
        if (row is None or staff is None or school is None or not staff.active or staff.school_id != row.school_id
                or (row.scope == "school" and not content.actor_of(staff).reads_school_deadlines)):
            return _Answer(404)
        assert row.id is not None
        ensure_fresh(session, school, today)
        feed_version = content.version(session, school, row, staff, today)
        now = datetime.now(UTC).replace(microsecond=0)
        if row.served_version != feed_version or row.modified_at is None:
            # Last-Modified has one-second resolution: never reuse the second of the previous version.
            previous = _aware(row.modified_at) if row.modified_at is not None else None
            row.modified_at = max(now, previous + timedelta(seconds=1)) if previous is not None else now
            row.served_version = feed_version
            session.add(row)
        answer = _Answer(200, row.id, f'"{feed_version}"', _aware(row.modified_at))
        assert answer.modified is not None
        if _not_modified(if_none_match, if_modified_since, answer.etag, answer.modified):
            answer.status = 304
            return answer
        key = content.cache_key(school, row, staff, feed_version)
        answer.body = cache.get(key)
        if answer.body is None:
            answer.to_render = (content.calendar_info(school, row),
                                content.events(session, school, row, staff, today), key)
    return answer


def _headers(answer: _Answer) -> dict[str, str]:
    assert answer.modified is not None
    return {"ETag": answer.etag, "Last-Modified": format_datetime(answer.modified, usegmt=True),
            "Cache-Control": CACHE_CONTROL, **SECURITY_HEADERS}


def routes(state: "AppState") -> list[BaseRoute]:
    cache = RenderCache()
    state.extras["feed_cache"] = cache
    hide_tokens_in_access_log()

    limit = state.feed_limit
    assert limit is not None

    async def feed(request: Request) -> Response:
        state.count("feed_requests")
        # Per link, by its fingerprint (the token itself is never kept): calendars poll every few minutes at most.
        key = hashlib.sha256(request.path_params["token"].encode()).digest()
        if not limit.allow(key):
            state.count("feed_rate_limited")
            return PlainTextResponse("Too Many Requests", status_code=429,
                                     headers={"Retry-After": str(limit.retry_after(key)), "Cache-Control": "no-store"})
        try:
            answer = await run_in_threadpool(_answer, state, cache, request.path_params["token"],
                                             request.headers.get("if-none-match"),
                                             request.headers.get("if-modified-since"))
            rendered = answer.to_render is not None
            if answer.to_render is not None:
                info, evs, key = answer.to_render
                answer.body = await run_in_threadpool(render, info, evs)
                cache.put(key, answer.body)
                state.count("feed_renders")
        except Exception:
            # A calendar just tries again later; the log gets the error (never the token: it is not in it).
            state.count("feed_errors")
            log.exception("feed request failed (503)")
            return PlainTextResponse("Service Unavailable", status_code=503,
                                     headers={"Retry-After": "600", "Cache-Control": "no-store"})
        if answer.status == 404:
            state.count("feed_not_found")
            log.info("feed request: no such feed (404)")
            return PlainTextResponse("Not Found", status_code=404, headers={"Cache-Control": "no-store"})
        if answer.status == 304:
            state.count("feed_not_modified")
            log.info("feed %s: not modified (304)", answer.feed_id)
            return Response(status_code=304, headers=_headers(answer))
        assert answer.body is not None
        log.info("feed %s: %s bytes (%s)", answer.feed_id, len(answer.body), "rendered" if rendered else "cached")
        headers = {**_headers(answer), "Content-Disposition": 'inline; filename="sen-deadlines.ics"'}
        if request.method == "HEAD":
            # The length of the GET body, with no body: right whatever server runs the app.
            return Response(b"", media_type=MEDIA_TYPE, headers={**headers, "Content-Length": str(len(answer.body))})
        return Response(answer.body, media_type=MEDIA_TYPE, headers=headers)

    return [Route("/feeds/{token}.ics", feed, methods=["GET", "HEAD"])]


# --- keeping tokens out of logs ------------------------------------------------------------------------------

FEED_PATH = re.compile(r"/feeds/[^/\s?\"']+")


def redact(text: str) -> str:
    return FEED_PATH.sub("/feeds/<token>.ics", text)


class HideFeedTokens(logging.Filter):
    """Mask feed tokens in log records (uvicorn's access log prints every request's path)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "/feeds/" in record.msg:
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple) and any(isinstance(a, str) and "/feeds/" in a for a in record.args):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def hide_tokens_in_access_log() -> None:
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, HideFeedTokens) for f in logger.filters):
            logger.addFilter(HideFeedTokens())

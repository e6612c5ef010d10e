"""GET/HEAD /feeds/<token>.ics over real HTTP: conditional requests, 404s, caching and logs.

The app runs under uvicorn on a loopback port (in a thread; the last test runs ``sendbot run`` itself) and
is fetched with httpx; every served feed is parsed with ``ical``, independent of the icalendar writer.
"""

import logging
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import date, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from e2e.feed_server import FeedServer, feed_path, parse, serve, token_of
from e2e.helpers import SENDBOT, TODAY, Cli, clean_env

DAY = date.fromisoformat(TODAY)


@pytest.fixture
def oak(chat):  # type: ignore[no-untyped-def]
    """Leader @lena, SENCO @sam, teacher @bob (5B); Ava Smith (5B) with an EHC plan and SEN support."""
    for line in ("staff add @lena role:leader", "staff add @sam role:senco", "staff add @bob role:teacher class:5B",
                 'pupil add "Ava Smith" year:5 class:5B', 'ehcp issued ava 14/03/2025 la:"Kent"',
                 "support start ava 2026-01-05"):
        chat.ok("admin", line)
    return chat


@pytest.fixture
def server(db_url: str, oak) -> Iterator[FeedServer]:  # type: ignore[no-untyped-def]
    with serve(db_url, DAY) as s:
        yield s


def test_a_feed_is_served_with_validators_and_answers_304_when_they_match(oak, server: FeedServer) -> None:
    path = feed_path(oak.ok("lena", "feed school"))
    first = server.get(path)
    assert first.status_code == 200
    assert first.headers["content-type"] == "text/calendar; charset=utf-8"
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")  # strong
    assert parsedate_to_datetime(modified) <= parsedate_to_datetime(first.headers["date"]) + timedelta(seconds=1)
    assert "private" in first.headers["cache-control"]
    assert len(parse(first.content).events) == 3

    for headers in ({"If-None-Match": etag}, {"If-None-Match": f"W/{etag}"}, {"If-None-Match": f'"x", {etag}'},
                    {"If-None-Match": "*"}, {"If-Modified-Since": modified},
                    {"If-Modified-Since": format_datetime(parsedate_to_datetime(modified) + timedelta(hours=1),
                                                          usegmt=True)}):
        again = server.get(path, **headers)
        assert again.status_code == 304, headers
        assert again.content == b""
        assert (again.headers["etag"], again.headers["last-modified"]) == (etag, modified)

    earlier = format_datetime(parsedate_to_datetime(modified) - timedelta(seconds=1), usegmt=True)
    for headers in ({"If-None-Match": '"something-else"'}, {"If-Modified-Since": earlier},
                    {"If-Modified-Since": "not a date"},
                    # If-None-Match decides when both are sent (RFC 9110 13.2.2).
                    {"If-None-Match": '"something-else"', "If-Modified-Since": modified}):
        full = server.get(path, **headers)
        assert full.status_code == 200, headers
        assert full.content == first.content


def test_head_answers_like_get_without_a_body(oak, server: FeedServer) -> None:
    path = feed_path(oak.ok("lena", "feed school"))
    head = server.head(path)
    get = server.get(path)
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == len(get.content) > 0
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-type"] == "text/calendar; charset=utf-8"
    assert server.head(path, **{"If-None-Match": get.headers["etag"]}).status_code == 304


def test_repeated_polls_render_once_and_school_feeds_share_the_rendering(oak, server: FeedServer) -> None:
    oak.ok("admin", "staff add @lou role:leader")
    lena = feed_path(oak.ok("lena", "feed school"))
    lou = feed_path(oak.ok("lou", "feed school"))
    etag = server.get(lena).headers["etag"]
    for _ in range(3):
        assert server.get(lena).status_code == 200
        assert server.get(lena, **{"If-None-Match": etag}).status_code == 304
    assert server.get(lou).content == server.get(lena).content  # another leader: the same rendering
    assert server.counter("feed_renders") == 1
    sam = server.get(feed_path(oak.ok("sam", "feed school")))  # the SENCO's alarms differ: rendered for them
    assert sam.status_code == 200 and sam.content != server.get(lena).content
    assert server.counter("feed_renders") == 2
    assert server.counter("feed_not_modified") == 3
    oak.ok("admin", 'pupil add "Cara Diaz" year:2')
    oak.ok("admin", "support start cara 2026-02-02")  # new deadlines: a new version
    changed = server.get(lena, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert len(parse(changed.content).events) == 5
    assert server.counter("feed_renders") == 3


def test_last_modified_moves_on_when_the_feed_changes(oak, server: FeedServer) -> None:
    path = feed_path(oak.ok("lena", "feed school"))
    first = server.get(path)
    oak.ok("admin", "settings names-in-feeds:yes")
    second = server.get(path, **{"If-Modified-Since": first.headers["last-modified"]})
    assert second.status_code == 200  # even within the same second
    assert parsedate_to_datetime(second.headers["last-modified"]) > parsedate_to_datetime(
        first.headers["last-modified"])
    assert "Ava Smith" in second.text


def not_found_body(server: FeedServer) -> bytes:
    response = server.get("/nowhere")
    assert response.status_code == 404
    return response.content


def test_unknown_malformed_rotated_and_removed_tokens_get_a_bare_404(oak, server: FeedServer) -> None:
    plain_404 = not_found_body(server)
    lena = feed_path(oak.ok("lena", "feed school"))
    bob = feed_path(oak.ok("bob", "feed mine"))
    assert server.get(lena).status_code == server.get(bob).status_code == 200
    gone = [f"/feeds/{secrets.token_urlsafe(32)}.ics", "/feeds/short.ics", "/feeds/..%2F..%2Fetc.ics",
            f"/feeds/{token_of(lena)[:-1]}.ics", f"/feeds/{token_of(lena).upper()}.ics"]
    new_lena = feed_path(oak.ok("lena", "feed rotate"))
    gone.append(lena)  # rotated away
    oak.ok("admin", "staff remove @bob")
    gone.append(bob)  # removed from the staff list
    for path in gone:
        response = server.get(path)
        assert response.status_code == 404, path
        assert response.content == plain_404  # no detail: the same as any unknown address
        assert "etag" not in response.headers
        assert server.head(path).status_code == 404
    assert server.get(new_lena).status_code == 200


def test_a_school_feed_stops_when_its_owner_is_no_longer_a_leader(oak, server: FeedServer) -> None:
    path = feed_path(oak.ok("lena", "feed school"))
    assert server.get(path).status_code == 200
    oak.ok("admin", "staff add @lena role:teacher class:6C")
    assert server.get(path).status_code == 404
    oak.ok("admin", "staff add @lena role:leader")
    assert server.get(path).status_code == 200


def test_a_broken_database_answers_503_and_logs_no_token(oak, server: FeedServer, engine,  # type: ignore[no-untyped-def]
                                                          caplog: pytest.LogCaptureFixture) -> None:
    path = feed_path(oak.ok("lena", "feed school"))
    assert server.get(path).status_code == 200
    with engine.begin() as c:  # the database goes wrong under the server (a real failure, not a patch)
        c.execute(text("ALTER TABLE feed_token RENAME TO feed_token_away"))
    try:
        broken = server.get(path)
    finally:
        with engine.begin() as c:
            c.execute(text("ALTER TABLE feed_token_away RENAME TO feed_token"))
    assert broken.status_code == 503 and broken.text == "Service Unavailable"
    assert broken.headers["retry-after"]
    assert token_of(path) not in caplog.text
    assert server.get(path).status_code == 200


def test_tokens_never_reach_the_logs(oak, db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    path = feed_path(oak.ok("lena", "feed school"))
    unknown = f"/feeds/{secrets.token_urlsafe(32)}.ics"
    with serve(db_url, DAY, access_log=True) as server:
        etag = server.get(path).headers["etag"]
        assert server.get(path, **{"If-None-Match": etag}).status_code == 304
        assert server.get(unknown).status_code == 404
    # The test's own HTTP client (httpx) logs the URLs it fetches: only the server's records count.
    server_records = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in server_records)
    assert token_of(path) not in logged and token_of(unknown) not in logged
    assert "/feeds/<token>.ics" in logged  # uvicorn's access log, masked
    assert any(r.name == "bot.feeds.http" and "304" in r.getMessage() for r in server_records)


# --- the whole thing, as shipped: `sendbot chat` hands out the link, `sendbot run` serves it ------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_leader_subscribes_to_the_link_sendbot_gives(oak, tmp_path: Path, db_url: str) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cli = Cli(tmp_path, db_url)
    cli.extra_env["SENDBOT_PUBLIC_URL"] = base
    reply = cli.chat("feed", as_="lena")
    link = next(word for word in reply.out.split() if word.startswith(f"{base}/feeds/"))
    server = subprocess.Popen([*SENDBOT, "run", "--port", str(port), "--today", TODAY], cwd=tmp_path,
                              env=clean_env(db_url, SENDBOT_PUBLIC_URL=base), stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        with httpx.Client(timeout=30) as client:
            started = time.monotonic()
            while True:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                try:
                    if client.get(f"{base}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() - started < 30, "sendbot run did not start"
                time.sleep(0.1)
            feed = client.get(link)
            assert feed.status_code == 200
            events = {e.summary: e.dtstart for e in parse(feed.content).events}
            assert events["Annual review due — A.S. (Year 5)"] == date(2026, 3, 13)
            assert len(parse(feed.content).events) == 3
            poll = client.get(link, headers={"If-None-Match": feed.headers["etag"]})
            assert poll.status_code == 304
            bad = client.get(f"{base}/feeds/{secrets.token_urlsafe(32)}.ics")
            assert bad.status_code == 404 and bad.text == "Not Found"
    finally:
        server.send_signal(signal.SIGINT)
        try:
            out, _ = server.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            out, _ = server.communicate()
    assert "Traceback" not in out
    assert token_of(link.removeprefix(base)) not in out

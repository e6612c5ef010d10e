"""Signing in to the dashboard over real HTTP (uvicorn on a loopback port, httpx): the one-time link, the
session cookie, and every way in that must fail (expired, reused, forged, another school's, a leaver's)."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from dashboard_support import TODAY, Server, link_path, seed, serve
from integration.conftest import Probe
from sqlalchemy import Engine

from bot.dashboard import signin
from bot.services.school import actor_for, create_school
from db import models as m
from db.engine import transaction


@pytest.fixture
def oak(chat):  # type: ignore[no-untyped-def]
    seed(chat)
    return chat


@pytest.fixture
def server(db_url: str, oak) -> Iterator[Server]:  # type: ignore[no-untyped-def]
    with serve(db_url, TODAY) as s:
        yield s


@pytest.fixture
def client(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30, follow_redirects=False) as c:
        yield c


def sign_in(client: httpx.Client, path: str) -> httpx.Response:
    page = client.get(path)
    assert page.status_code == 200 and 'method="post"' in page.text and "Continue" in page.text
    return client.post(path)


def test_the_link_signs_in_once_with_a_post_and_a_safe_cookie(oak, client: httpx.Client, engine: Engine) -> None:
    path = link_path(oak.ok("lena", "dashboard"))
    assert len(path.rsplit("/", 1)[1]) == 43  # 256 bits, URL-safe base64
    # A chat app's link preview only GETs: the link still works afterwards.
    for _ in range(3):
        page = client.get(path)
        assert page.status_code == 200 and "Continue" in page.text and "Oak Primary" not in page.text
    answer = client.post(path)
    assert answer.status_code == 303 and answer.headers["location"] == "/dashboard"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("sendbot_dashboard=")
    attrs = {a.strip().lower() for a in cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/dashboard"} <= attrs
    assert "secure" not in attrs  # the public URL is http here (see the https test)
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert "Oak Primary" in page.text and "Action needed: 2 school duties overdue." in page.text
    assert "2 of 3 LA deadlines met on time; 3 still open and late." in page.text
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script" not in csp and "<script" not in page.text
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    # The database holds only fingerprints: neither the link's token nor the cookie's appears in it.
    token = path.rsplit("/", 1)[1]
    session_token = client.cookies["sendbot_dashboard"]
    dump = repr(Probe(engine, 1).snapshot())
    assert token not in dump and session_token not in dump


def test_a_used_link_is_refused_and_starts_no_session(oak, client: httpx.Client) -> None:
    path = link_path(oak.ok("sam", "dashboard"))
    assert sign_in(client, path).status_code == 303
    client.cookies.clear()
    again = client.post(path)
    assert again.status_code == 403 and "set-cookie" not in again.headers
    assert "work once, for 10 minutes" in again.text
    assert client.get(path).status_code == 403  # its page no longer offers the button
    assert client.get("/dashboard").status_code == 401


def test_an_expired_link_is_refused(oak, client: httpx.Client, engine: Engine, school: int) -> None:
    with transaction(engine) as session:
        token = signin.issue_link(session, actor_for(session, school, "lena"),
                                  now=datetime.now(UTC) - timedelta(minutes=10, seconds=1))
    answer = client.post(f"/dashboard/signin/{token}")
    assert answer.status_code == 403 and "set-cookie" not in answer.headers
    with transaction(engine) as session:  # nine minutes old still works
        fresh = signin.issue_link(session, actor_for(session, school, "lena"),
                                  now=datetime.now(UTC) - timedelta(minutes=9))
    assert client.post(f"/dashboard/signin/{fresh}").status_code == 303


# A well-formed token nobody issued, malformed ones, and one too long to be ours.
@pytest.mark.parametrize("token", ["0123456789abcdefghijABCDEFGHIJ-_0123456789a", "short", "x" * 43 + "y", "%2e%2e",
                                   "A" * 500])
def test_forged_links_and_cookies_get_nothing(oak, client: httpx.Client, token: str) -> None:
    assert client.post(f"/dashboard/signin/{token}").status_code in (403, 404)
    assert client.get(f"/dashboard/signin/{token}").status_code in (403, 404)
    page = client.get("/dashboard", headers={"Cookie": f"sendbot_dashboard={token}"})
    assert page.status_code == 401 and "Oak Primary" not in page.text and "Kent" not in page.text


def test_nothing_of_the_school_is_reachable_without_signing_in(oak, client: httpx.Client) -> None:
    page = client.get("/dashboard")
    assert page.status_code == 401
    assert "/sen dashboard" in page.text
    for secret in ("Oak Primary", "Kent", "Surrey", "F.H.", "Finn"):
        assert secret not in page.text


def test_another_schools_link_shows_only_that_school(oak, client: httpx.Client, engine: Engine) -> None:
    with transaction(engine) as session:
        elm = create_school(session, "Elm Academy", "erin", "secondary", TODAY)
        assert elm.id is not None
        token = signin.issue_link(session, actor_for(session, elm.id, "erin"))
    assert client.post(f"/dashboard/signin/{token}").status_code == 303
    page = client.get("/dashboard")
    assert page.status_code == 200 and "Elm Academy" in page.text
    for other in ("Oak Primary", "Kent", "Surrey", "F.H.", "E.G."):
        assert other not in page.text


def test_teachers_get_no_link_and_a_leaver_or_demoted_leader_loses_the_session(oak, client: httpx.Client) -> None:
    refused = oak.refused("bob", "dashboard")
    assert "leaders, the SENCO and admins" in refused.title
    assert sign_in(client, link_path(oak.ok("lena", "dashboard"))).status_code == 303
    assert client.get("/dashboard").status_code == 200
    oak.ok("admin", "staff add @lena role:teacher class:5B")
    assert client.get("/dashboard").status_code == 401
    # A link made before the demotion is refused too.
    oak.ok("admin", "staff add @lena role:leader")
    path = link_path(oak.ok("lena", "dashboard"))
    oak.ok("admin", "staff remove @lena")
    assert client.post(path).status_code == 403


def test_signing_out_ends_the_session_even_if_the_cookie_is_replayed(oak, client: httpx.Client) -> None:
    assert sign_in(client, link_path(oak.ok("lena", "dashboard"))).status_code == 303
    cookie = client.cookies["sendbot_dashboard"]
    out = client.post("/dashboard/signout")
    assert out.status_code == 200 and "Signed out" in out.text
    assert client.get("/dashboard", headers={"Cookie": f"sendbot_dashboard={cookie}"}).status_code == 401


def test_a_form_from_another_site_neither_spends_the_link_nor_signs_anyone_in_or_out(
        oak, client: httpx.Client, server: Server) -> None:
    path = link_path(oak.ok("lena", "dashboard"))
    # Login CSRF: another site's hidden form posting someone's link. Browsers say where a POST comes from.
    forged = [{"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
              {"Origin": "https://evil.example"}, {"Origin": "null"}]
    for headers in forged:
        answer = client.post(path, headers=headers)
        assert answer.status_code == 403 and "set-cookie" not in answer.headers, headers
        assert "only accepts its own forms" in answer.text
    # The link is still good for its owner's own browser, from the page it came from.
    own = {"Sec-Fetch-Site": "same-origin", "Origin": server.url}
    assert client.post(path, headers=own).status_code == 303
    cookie = client.cookies["sendbot_dashboard"]
    # Nor can another site sign them out.
    assert client.post("/dashboard/signout", headers={"Origin": "https://evil.example"}).status_code == 403
    assert client.get("/dashboard", headers={"Cookie": f"sendbot_dashboard={cookie}"}).status_code == 200
    assert client.post("/dashboard/signout", headers={"Origin": server.url}).status_code == 200
    assert client.get("/dashboard", headers={"Cookie": f"sendbot_dashboard={cookie}"}).status_code == 401


def test_the_cookie_is_secure_when_the_public_url_is_https(db_url: str, oak) -> None:  # type: ignore[no-untyped-def]
    path = link_path(oak.ok("lena", "dashboard"))
    with serve(db_url, TODAY, public_url="https://sen.example.org") as s, httpx.Client(base_url=s.url) as c:
        answer = c.post(path)
    assert answer.status_code == 303
    assert "secure" in {a.strip().lower() for a in answer.headers["set-cookie"].split(";")}


def test_signing_in_is_audited_by_ids_only(oak, client: httpx.Client, engine: Engine, school: int) -> None:
    assert sign_in(client, link_path(oak.ok("lena", "dashboard"))).status_code == 303
    actions = [a.action for a in Probe(engine, school).rows(m.AuditLog, school_id=school)]
    assert "dashboard.link" in actions and "dashboard.signin" in actions


def test_links_and_sessions_long_expired_are_forgotten(oak, engine: Engine, school: int) -> None:
    probe = Probe(engine, school)
    long_ago = datetime.now(UTC) - timedelta(days=2)
    with transaction(engine) as session:
        lena = actor_for(session, school, "lena")
        old = signin.issue_link(session, lena, now=long_ago)
    with transaction(engine) as session:
        assert signin.spend_link(session, old, now=long_ago + timedelta(minutes=1)) is not None
    assert len(probe.rows(m.DashboardLink)) == 1 and len(probe.rows(m.DashboardSession)) == 1
    oak.ok("lena", "dashboard")  # a new link clears what expired over a day ago
    links, sessions = probe.rows(m.DashboardLink), probe.rows(m.DashboardSession)
    assert len(links) == 1 and links[0].used_at is None and sessions == []

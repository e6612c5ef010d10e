"""Slack's other modes against the fake Slack: many workspaces (OAuth install) and Socket Mode."""

import html
import re
import shlex
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from bot.server import services_for
from bot.services.tenancy import school_of
from bot.slack.installations import bot_token_for_team, token_for
from db.models import Pupil, School, Staff
from e2e.helpers import Cli
from e2e.slack_support import (
    ADMIN,
    TEAM,
    FakeSlack,
    Server,
    SlackClient,
    make_school,
    settings_for,
    text_of,
)

NEW_TEAM = "T0ELMACAD1"
INSTALLER = "U0INSTAL01"
INSTALLED_TOKEN = "xoxb-installed-token"
OTHER = "U0SOMEONE1"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    f = FakeSlack().start()
    yield f
    f.stop()


# --- many workspaces: OAuth -------------------------------------------------------------------------------


def oauth_settings(db_url: str, fake: FakeSlack):  # type: ignore[no-untyped-def]
    return settings_for(db_url, fake, slack_bot_token=None, slack_client_id="1234.5678",
                        slack_client_secret="client-secret")


def install(http: httpx.Client, path: str = "/slack/install") -> tuple[httpx.Response, str]:
    """Open the install page (an install link, or plain ``/slack/install``), approve in Slack, come back to the
    redirect URL with the page's cookies (as a browser would).

    Returns the redirect's response and the redirect's URL (with its one-use state) and cookies.
    """
    page = http.get(path)
    assert page.status_code == 200, page.text
    state = re.search(r"state=([0-9a-f-]+)", page.text)
    assert state, page.text
    assert "https://slack.com/oauth/v2/authorize" in page.text
    assert "scope=commands,chat:write,users:read,users:read.email" in page.text
    cookie = "; ".join(c.split(";")[0] for c in page.headers.get_list("set-cookie"))
    url = f"/slack/oauth_redirect?code=c0de&state={state.group(1)}"
    return http.get(url, headers={"Cookie": cookie}), f"{url}\n{cookie}"


def installed_by(user: str, team: str = NEW_TEAM, token: str = INSTALLED_TOKEN) -> dict[str, object]:
    """What Slack's ``oauth.v2.access`` answers after ``user`` clicked Allow in workspace ``team``."""
    return {"app_id": "A0SENDBOT", "authed_user": {"id": user}, "scope": "commands,chat:write,users:read",
            "token_type": "bot", "access_token": token, "bot_user_id": "U0BOT0001",
            "team": {"id": team, "name": "Elm Academy"}, "enterprise": None, "is_enterprise_install": False}


def installations(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT team_id, user_id, bot_token FROM slack_installations "
                                       "ORDER BY id")).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def oauth_cli(tmp_path: Path, db_url: str, fake: FakeSlack) -> Cli:
    """``sendbot`` with the settings docs/admin.md and docs/slack.md set for many workspaces (OAuth)."""
    cli = Cli(tmp_path, db_url)
    cli.extra_env.update(SLACK_CLIENT_ID="1234.5678", SLACK_CLIENT_SECRET="client-secret",
                         SLACK_SIGNING_SECRET="signing-secret", SLACK_API_URL=fake.api_url,
                         SENDBOT_PUBLIC_URL="https://sendbot.example.org")
    return cli


def admin_md_oauth_steps() -> list[list[str]]:
    """The ``sendbot`` commands docs/admin.md gives for Slack OAuth, in order, as an operator would type them."""
    text = (Path(__file__).parents[2] / "docs" / "admin.md").read_text()
    section = text.split("### Many workspaces (Slack OAuth)", 1)[1].split("\n## ", 1)[0]
    marker = "/opt/sendbot/bin/sendbot "
    return [shlex.split(line.split(marker, 1)[1]) for line in section.splitlines() if marker in line]


def option(step: list[str], name: str) -> str:
    return step[step.index(name) + 1]


def test_following_docs_admin_for_slack_oauth_makes_the_intended_person_admin(
        tmp_path: Path, db_url: str, engine: Engine, fake: FakeSlack) -> None:
    steps = admin_md_oauth_steps()
    assert [step[0] for step in steps] == ["init", "install-link"]
    senco = option(steps[0], "--admin")  # the intended admin: their Slack member id
    # docs/admin.md, many workspaces: settings first, then the school with the SENCO as its admin, then an
    # install link for that school (exactly the commands the page shows) ...
    cli = oauth_cli(tmp_path, db_url, fake)
    cli.ok(*steps[0])
    minted = cli.ok(*steps[1])
    link = re.search(r"https://sendbot\.example\.org(/slack/install\?link=[A-Z0-9-]+)", minted.out)
    assert link, minted
    assert f"@{senco.lower()}" in minted.out
    # ... and `sendbot run`; the SENCO opens the link, clicks Add to Slack and Allow.
    fake.oauth_access.update(installed_by(senco))
    settings = oauth_settings(db_url, fake)
    server = Server(settings).start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            done, redirect = install(http, link.group(1))
            assert done.status_code == 200, done.text
            # The link's cookie is forgotten with the answer, so a later install in this browser doesn't reuse it.
            assert any(c.startswith("sendbot_install_link=") and "max-age=0" in c.lower()
                       for c in done.headers.get_list("set-cookie")), done.headers
            exchange = fake.recorded("api", "oauth.v2.access")
            assert len(exchange) == 1 and exchange[0].data["code"] == "c0de"
            with Session(engine) as session:
                school = session.get(School, school_of(session, "slack", NEW_TEAM))
                assert school is not None
                staff = session.exec(select(Staff).where(Staff.school_id == school.id)).all()
                assert [(school.name, school.phase, s.handle, s.role) for s in staff] == [
                    (option(steps[0], "--school"), option(steps[0], "--phase"), senco.lower(), "admin")]
            assert installations(engine) == [(NEW_TEAM, senco, INSTALLED_TOKEN)]
            assert bot_token_for_team(NEW_TEAM, settings) == INSTALLED_TOKEN
            assert token_for(settings)(school.id) == INSTALLED_TOKEN  # what the notifier will use

            # The redirect can't be replayed: its state is used up.
            url, cookie = redirect.split("\n")
            again = http.get(url, headers={"Cookie": cookie})
            assert again.status_code == 401
            assert len(fake.recorded("api", "oauth.v2.access")) == 1

            # The link works once: someone else using it for another workspace is told so, and gets nothing.
            used = http.get(link.group(1))
            assert used.status_code == 403 and "has been used already" in used.text
            assert "sendbot install-link" in used.text

        # The SENCO uses /sen in the new workspace as its admin; the installation's token is used for Slack.
        client = SlackClient(server.url, fake, team=NEW_TEAM)
        try:
            response, _, key = client.command('pupil add "Ava Smith" year:8', user=senco)
            assert response.status_code == 200
            assert "Added Ava Smith" in text_of(fake.wait_for("respond", key)[0].data["blocks"])
            published = fake.wait_for("api", "views.publish")[0]
            assert published.token == INSTALLED_TOKEN
            response, _, key = client.command("staff add @U0TEACH001 teacher", user=senco)
            assert "Refused" not in text_of(fake.wait_for("respond", key)[0].data["blocks"])
        finally:
            client.close()
        with Session(engine) as session:
            assert [p.name for p in session.exec(select(Pupil)).all()] == ["Ava Smith"]
    finally:
        server.stop()


def test_an_install_from_an_unknown_workspace_without_a_link_is_refused_and_keeps_nothing(
        db_url: str, engine: Engine, fake: FakeSlack) -> None:
    fake.oauth_access.update(installed_by(INSTALLER))
    server = Server(oauth_settings(db_url, fake)).start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            done, _ = install(http)
            assert done.status_code == 403
            assert "isn't connected to a school" in html.unescape(done.text) and "sendbot install-link" in done.text
            assert f"sendbot link slack {NEW_TEAM}" in done.text
            bad = http.get("/slack/install?link=ABCD-EFGH")
            assert bad.status_code == 403 and "is not one sendbot issued" in bad.text
        with Session(engine) as session:
            assert session.exec(select(School)).all() == []
            assert session.exec(select(Staff)).all() == []
        assert installations(engine) == []
        assert bot_token_for_team(NEW_TEAM, oauth_settings(db_url, fake)) is None
    finally:
        server.stop()


def test_someone_else_installing_is_a_pending_admin_until_the_admin_confirms(db_url: str, engine: Engine,
                                                                             fake: FakeSlack) -> None:
    # A workspace linked on the server (sendbot link slack T…), its admin's member id known.
    make_school(engine, admin=INSTALLER, name="Elm", team=NEW_TEAM)
    fake.oauth_access.update(installed_by(INSTALLER))
    server = Server(oauth_settings(db_url, fake)).start()
    client = SlackClient(server.url, fake, team=NEW_TEAM)
    try:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            assert install(http)[0].status_code == 200
            # Someone who isn't the school's admin installs again: told they wait for the admin's word.
            fake.oauth_access.update(installed_by(OTHER, token="xoxb-newer"))
            done, _ = install(http)
            page = html.unescape(done.text)
            assert done.status_code == 200
            assert "not an admin of this school in sendbot yet" in page
            assert f"@{INSTALLER.lower()}" in page and f"/sen staff add @{OTHER.lower()} role:admin" in page
            # ... and the school's admin is told, in a direct message, how to confirm them.
            told = fake.wait_for("api", "chat.postMessage")[0]
            assert (told.data["channel"], told.token) == (INSTALLER, "xoxb-newer")
            message = told.data["text"]
            assert f"<@{OTHER}>" in message and f"/sen staff add @{OTHER.lower()} role:admin" in message
        with Session(engine) as session:
            assert [s.name for s in session.exec(select(School)).all()] == ["Elm"]
            staff = session.exec(select(Staff.handle, Staff.role, Staff.active).order_by(Staff.id)).all()
        assert list(staff) == [(INSTALLER.lower(), "admin", True), (OTHER.lower(), "teacher", False)]
        assert bot_token_for_team(NEW_TEAM, oauth_settings(db_url, fake)) == "xoxb-newer"

        # Pending, they can do nothing yet ...
        _, _, key = client.command('pupil add "Ben Jones" year:3', user=OTHER)
        refused = text_of(fake.wait_for("respond", key)[0].data["blocks"])
        assert "Added" not in refused and "admin" in refused, refused
        # ... until the admin confirms them, with exactly what the page said.
        _, _, key = client.command(f"staff add @{OTHER.lower()} role:admin", user=INSTALLER)
        assert f"Updated <@{OTHER}> as admin" in text_of(fake.wait_for("respond", key)[0].data["blocks"])
        _, _, key = client.command('pupil add "Ben Jones" year:3', user=OTHER)
        assert "Added Ben Jones" in text_of(fake.wait_for("respond", key)[0].data["blocks"])
        with Session(engine) as session:
            assert [p.name for p in session.exec(select(Pupil)).all()] == ["Ben Jones"]
            staff = session.exec(select(Staff.handle, Staff.role, Staff.active).order_by(Staff.id)).all()
        assert list(staff) == [(INSTALLER.lower(), "admin", True), (OTHER.lower(), "admin", True)]
    finally:
        client.close()
        server.stop()


# --- Socket Mode ------------------------------------------------------------------------------------------


def test_socket_mode_takes_commands_over_the_websocket(db_url: str, engine: Engine, fake: FakeSlack) -> None:
    school_id = make_school(engine)
    settings = settings_for(db_url, fake, slack_signing_secret=None, slack_app_token="xapp-1-test")
    server = Server(settings, services=services_for(settings)).start()
    try:
        deadline = time.monotonic() + 10
        while not fake.socket_connected and time.monotonic() < deadline:
            time.sleep(0.02)
        assert fake.socket_connected
        assert fake.recorded("api", "apps.connections.open")[0].token == "xapp-1-test"
        payload = {"token": "legacy", "team_id": TEAM, "user_id": ADMIN, "command": "/sen",
                   "text": 'pupil add "Ava Smith" year:5', "response_url": fake.response_url("sock1"),
                   "trigger_id": "1337.sock1.trigger", "channel_id": "C0STAFF01", "api_app_id": "A0SENDBOT"}
        start = time.perf_counter()
        fake.send_envelope({"envelope_id": "env-0001", "type": "slash_commands", "accepts_response_payload": True,
                            "payload": payload})
        ack = fake.wait_for("socket", "env-0001")[0]
        assert time.perf_counter() - start < 1.0
        assert ack.data["envelope_id"] == "env-0001"
        reply = fake.wait_for("respond", "sock1")[0].data
        assert reply["response_type"] == "ephemeral" and "Added Ava Smith" in text_of(reply["blocks"])
        with Session(engine) as session:
            assert [(p.name, p.school_id) for p in session.exec(select(Pupil)).all()] == [("Ava Smith", school_id)]
        # No signing secret: nothing is served over HTTP for Slack (it would verify nothing).
        with httpx.Client(base_url=server.url) as http:
            body = urllib.parse.urlencode({"command": "/sen", "text": "help"})
            assert http.post("/slack/events", content=body).status_code == 404
    finally:
        server.stop()
    assert not fake.socket_connected  # stopping the server closes the connection

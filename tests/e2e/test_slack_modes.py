"""Slack's other modes against the fake Slack: many workspaces (OAuth install) and Socket Mode."""

import re
import time
import urllib.parse
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from bot.server import services_for
from bot.services.tenancy import school_of
from bot.slack.installations import bot_token_for_team, token_for
from db.models import Pupil, School, Staff
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


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    f = FakeSlack().start()
    yield f
    f.stop()


# --- many workspaces: OAuth -------------------------------------------------------------------------------


def oauth_settings(db_url: str, fake: FakeSlack):  # type: ignore[no-untyped-def]
    return settings_for(db_url, fake, slack_bot_token=None, slack_client_id="1234.5678",
                        slack_client_secret="client-secret")


def install(http: httpx.Client) -> tuple[httpx.Response, str]:
    """Click "Add to Slack", approve in Slack, come back to the redirect URL (as a browser would).

    Returns the redirect's response and the redirect's URL (with its one-use state) and cookie.
    """
    page = http.get("/slack/install")
    assert page.status_code == 200, page.text
    state = re.search(r"state=([0-9a-f-]+)", page.text)
    assert state, page.text
    assert "https://slack.com/oauth/v2/authorize" in page.text
    assert "scope=commands,chat:write,users:read,users:read.email" in page.text
    cookie = page.headers["set-cookie"].split(";")[0]
    url = f"/slack/oauth_redirect?code=c0de&state={state.group(1)}"
    return http.get(url, headers={"Cookie": cookie}), f"{url}\n{cookie}"


def test_installing_creates_the_workspace_school_with_the_installer_as_admin(db_url: str, engine: Engine,
                                                                            fake: FakeSlack) -> None:
    fake.oauth_access.update({
        "app_id": "A0SENDBOT", "authed_user": {"id": INSTALLER}, "scope": "commands,chat:write",
        "token_type": "bot", "access_token": INSTALLED_TOKEN, "bot_user_id": "U0BOT0001",
        "team": {"id": NEW_TEAM, "name": "Elm Academy"}, "enterprise": None, "is_enterprise_install": False,
    })
    settings = oauth_settings(db_url, fake)
    server = Server(settings).start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            done, redirect = install(http)
            assert done.status_code == 200, done.text
            exchange = fake.recorded("api", "oauth.v2.access")
            assert len(exchange) == 1 and exchange[0].data["code"] == "c0de"
            with Session(engine) as session:
                school = session.get(School, school_of(session, "slack", NEW_TEAM))
                assert school is not None
                admin = session.exec(select(Staff).where(Staff.school_id == school.id)).one()
                assert (school.name, admin.handle, admin.role) == ("Elm Academy", INSTALLER.lower(), "admin")
            with engine.connect() as connection:
                rows = connection.execute(text("SELECT team_id, user_id, bot_token FROM slack_installations")).all()
            assert [tuple(r) for r in rows] == [(NEW_TEAM, INSTALLER, INSTALLED_TOKEN)]
            assert bot_token_for_team(NEW_TEAM, settings) == INSTALLED_TOKEN
            assert token_for(settings)(school.id) == INSTALLED_TOKEN  # what the notifier will use

            # The redirect can't be replayed: its state is used up.
            url, cookie = redirect.split("\n")
            again = http.get(url, headers={"Cookie": cookie})
            assert again.status_code == 401
            assert len(fake.recorded("api", "oauth.v2.access")) == 1

        # The installer uses /sen in the new workspace: the installation's token is used for Slack calls.
        client = SlackClient(server.url, fake, team=NEW_TEAM)
        try:
            response, elapsed, key = client.command('pupil add "Ava Smith" year:5', user=INSTALLER)
            assert response.status_code == 200 and elapsed < 1.0
            assert "Added Ava Smith" in text_of(fake.wait_for("respond", key)[0].data["blocks"])
            published = fake.wait_for("api", "views.publish")[0]
            assert published.token == INSTALLED_TOKEN
            # A workspace that never installed the app gets nothing done.
            stranger_ws = SlackClient(server.url, fake, team="T0NOTINST1")
            response, _, _ = stranger_ws.command('pupil add "Ben Jones" year:3', user=INSTALLER)
            stranger_ws.close()
        finally:
            client.close()
        with Session(engine) as session:
            assert [p.name for p in session.exec(select(Pupil)).all()] == ["Ava Smith"]
    finally:
        server.stop()


def test_installing_again_changes_no_roles(db_url: str, engine: Engine, fake: FakeSlack) -> None:
    fake.oauth_access.update({
        "app_id": "A0SENDBOT", "authed_user": {"id": INSTALLER}, "scope": "commands", "token_type": "bot",
        "access_token": INSTALLED_TOKEN, "bot_user_id": "U0BOT0001", "team": {"id": NEW_TEAM, "name": "Elm"},
    })
    server = Server(oauth_settings(db_url, fake)).start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            assert install(http)[0].status_code == 200
            fake.oauth_access.update({"authed_user": {"id": "U0SOMEONE1"}, "access_token": "xoxb-newer"})
            assert install(http)[0].status_code == 200
        with Session(engine) as session:
            schools = session.exec(select(School)).all()
            staff = session.exec(select(Staff.handle, Staff.role)).all()
        assert [s.name for s in schools] == ["Elm"]
        assert list(staff) == [(INSTALLER.lower(), "admin")]
        assert bot_token_for_team(NEW_TEAM, oauth_settings(db_url, fake)) == "xoxb-newer"
    finally:
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

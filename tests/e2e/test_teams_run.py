"""Teams through a real ``sendbot run``: tokens checked by the Agents SDK, replies posted to the connector.

Microsoft's key and token endpoints are reached through ``HTTPS_PROXY`` (a local CONNECT proxy with a
throw-away CA, trusted through ``SSL_CERT_FILE``/``REQUESTS_CA_BUNDLE``); the reply lands at a fake
connector, the activity's ``serviceUrl``. Nothing in sendbot or the SDK is patched.
"""

import json
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.commands import execute
from bot.services import tenancy
from bot.services.tenancy import issue_claim_code
from db.engine import transaction
from db.models import Deadline, Intervention, ParentMeeting, Pupil, Reminder, School, Staff
from e2e.helpers import SENDBOT, clean_env
from e2e.slack_support import free_port, make_school, wait_until
from e2e.teams_support import (
    ADMIN_AAD,
    APP_ID,
    APP_PASSWORD,
    OTHER_TENANT,
    TENANT,
    FakeConnector,
    FakeGraph,
    Keys,
    MicrosoftProxy,
    card_text,
    message,
    teams_school,
)


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys()


@pytest.fixture
def proxy(tmp_path: Path, keys: Keys) -> Iterator[MicrosoftProxy]:
    p = MicrosoftProxy(tmp_path, keys).start()
    yield p
    p.stop()


@pytest.fixture
def connector() -> Iterator[FakeConnector]:
    c = FakeConnector().start()
    yield c
    c.stop()


@contextmanager
def running(tmp_path: Path, db_url: str, proxy: MicrosoftProxy) -> Iterator[str]:
    """``sendbot run`` with Teams configured (auth on), until the block ends."""
    port = free_port()
    env = {k: v for k, v in clean_env(db_url, TEAMS_APP_ID=APP_ID, TEAMS_APP_PASSWORD=APP_PASSWORD,
                                      TEAMS_TENANT_ID=TENANT, **proxy.env()).items()
           if not k.startswith("SLACK_") and k.lower() not in ("http_proxy", "all_proxy")}
    proc = subprocess.Popen([*SENDBOT, "run", "--port", str(port), "--today", "2026-03-02"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"sendbot run exited:\n{proc.stdout.read() if proc.stdout else ''}")
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("sendbot run did not answer /healthz")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
        assert "Traceback" not in out, out


@pytest.fixture
def server(tmp_path: Path, db_url: str, engine: Engine, proxy: MicrosoftProxy) -> Iterator[str]:
    teams_school(engine)
    with running(tmp_path, db_url, proxy) as url:
        yield url


def post(url: str, activity: dict, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(f"{url}/api/messages", json=activity, headers=headers, timeout=60)


def test_a_signed_message_is_answered_at_the_connector(server: str, keys: Keys, connector: FakeConnector,
                                                       proxy: MicrosoftProxy, engine: Engine) -> None:
    activity = message(connector.url, '<at>sendbot</at> /sen pupil add "Ava Smith" year:5',
                       entities=[{"type": "mention", "text": "<at>sendbot</at>",
                                  "mentioned": {"id": f"28:{APP_ID}", "name": "sendbot"}}])
    response = post(server, activity, keys.token(service_url=connector.url))
    assert response.status_code in (200, 202), response.text
    reply = connector.wait_for(1)[0]
    assert reply.conversation == activity["conversation"]["id"] and reply.reply_to == activity["id"]
    assert reply.activity["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert "Ava Smith" in card_text(reply.activity)
    # The reply went out with a token MSAL got from (the fake) Entra, through the proxy.
    assert reply.authorization == "Bearer outbound-token-1"
    assert ("login.botframework.com", "GET", "/v1/.well-known/keys") in proxy.requests
    with Session(engine) as session:
        assert session.exec(select(Pupil.name)).all() == ["Ava Smith"]


def test_a_card_button_runs_its_command(server: str, keys: Keys, connector: FakeConnector, engine: Engine) -> None:
    activity = message(connector.url, "", value={"sendbot": 'pupil add "Ben Jones" year:3'})
    assert post(server, activity, keys.token(service_url=connector.url)).status_code in (200, 202)
    assert "Ben Jones" in card_text(connector.wait_for(1)[0].activity)
    with Session(engine) as session:
        assert session.exec(select(Pupil.name)).all() == ["Ben Jones"]


def test_a_form_made_from_the_grammar_records_the_meeting(server: str, keys: Keys, connector: FakeConnector,
                                                          engine: Engine) -> None:
    overdue_review(engine)  # Ava Smith is a pupil
    typed = message(connector.url, "/sen meeting")
    assert post(server, typed, keys.token(service_url=connector.url)).status_code < 300
    form = connector.wait_for(1)[0].activity["attachments"][0]["content"]
    inputs = {e["id"]: e for e in form["body"] if e["type"].startswith("Input.")}
    assert list(inputs) == ["pupil", "date", "with", "note"]  # the grammar's Arg/Opt definitions, in order
    assert inputs["pupil"]["isRequired"] and inputs["date"]["type"] == "Input.Date" and not inputs["note"]["isRequired"]
    [send] = form["actions"]

    # A pupil nobody knows: the form comes back filled in, the refusal under the pupil field; nothing recorded.
    wrong = {**send["data"], "pupil": "Nobody Here", "date": "2026-03-02", "with": "mum", "note": "reading plan"}
    assert post(server, message(connector.url, "", value=wrong),
                keys.token(service_url=connector.url)).status_code < 300
    again = connector.wait_for(2)[1].activity["attachments"][0]["content"]
    ids = [e.get("id") for e in again["body"]]
    after_pupil = again["body"][ids.index("pupil") + 1]
    assert after_pupil["type"] == "TextBlock" and after_pupil["color"] == "Attention"
    assert next(e for e in again["body"] if e.get("id") == "note")["value"] == "reading plan"
    with Session(engine) as session:
        assert session.exec(select(ParentMeeting)).all() == []

    right = {**wrong, "pupil": "ava"}
    assert post(server, message(connector.url, "", value=right),
                keys.token(service_url=connector.url)).status_code < 300
    assert "Ava Smith" in card_text(connector.wait_for(3)[2].activity)
    with Session(engine) as session:
        [meeting] = session.exec(select(ParentMeeting)).all()
    assert (meeting.held_on, meeting.attendees, meeting.note) == (date(2026, 3, 2), "mum", "reading plan")


def test_an_action_execute_form_is_answered_in_the_invoke_response(server: str, keys: Keys,
                                                                   connector: FakeConnector, engine: Engine) -> None:
    overdue_review(engine)
    invoke = message(connector.url, "")
    invoke.update(type="invoke", name="adaptiveCard/action", text=None, value={"action": {
        "type": "Action.Execute", "verb": "sendbot", "data": {"sendbot_form": "intervention add", "pupil": "ava",
                                                             "what": "Lexia reading", "review": "2026-04-20"}}})
    response = post(server, invoke, keys.token(service_url=connector.url))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["type"] == "application/vnd.microsoft.card.adaptive" and "Lexia" in json.dumps(body["value"])
    with Session(engine) as session:
        assert session.exec(select(Intervention.what)).all() == ["Lexia reading"]


def test_in_a_channel_the_bot_answers_only_in_a_personal_chat(server: str, keys: Keys,
                                                              connector: FakeConnector) -> None:
    activity = message(connector.url, "pupil list", conversation_type="channel")
    assert post(server, activity, keys.token(service_url=connector.url)).status_code in (200, 202)
    text = card_text(connector.wait_for(1)[0].activity)
    assert "personal chat" in text


def test_an_admin_connects_the_tenant_with_a_claim_code(tmp_path: Path, db_url: str, engine: Engine,
                                                        proxy: MicrosoftProxy, keys: Keys,
                                                        connector: FakeConnector) -> None:
    school_id = make_school(engine, admin="alice-before-teams", team=None)  # a school no tenant is linked to
    with transaction(engine) as session:
        admin = session.exec(select(Staff).where(Staff.school_id == school_id)).one()
        assert admin.id is not None
        code = issue_claim_code(session, school_id, admin.id)
    with running(tmp_path, db_url, proxy) as url:
        # Before the claim, the tenant is not linked: refused, with the way to link it.
        before = message(connector.url, 'pupil add "Ava Smith" year:5')
        assert post(url, before, keys.token(service_url=connector.url)).status_code < 300
        assert "claim" in card_text(connector.wait_for(1)[0].activity).lower()
        claim = message(connector.url, f"<at>sendbot</at> /sen claim {code}",
                        entities=[{"type": "mention", "text": "<at>sendbot</at>",
                                   "mentioned": {"id": f"28:{APP_ID}", "name": "sendbot"}}])
        assert post(url, claim, keys.token(service_url=connector.url)).status_code < 300
        assert "Connected" in card_text(connector.wait_for(2)[1].activity)
        again = message(connector.url, 'pupil add "Ava Smith" year:5')
        assert post(url, again, keys.token(service_url=connector.url)).status_code < 300
        assert "Ava Smith" in card_text(connector.wait_for(3)[2].activity)
    with Session(engine) as session:
        assert session.exec(select(Pupil.name).where(Pupil.school_id == school_id)).all() == ["Ava Smith"]
        assert tenancy.school_of(session, "teams", TENANT) == school_id


def test_bad_tokens_get_401_and_change_nothing(server: str, keys: Keys, connector: FakeConnector,
                                               engine: Engine) -> None:
    activity = message(connector.url, 'pupil add "Zed Zed" year:2')
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for token in (None, "not-a-jwt", keys.token(key=stranger), keys.token(audience="someone-else"),
                  keys.token(expires_in=-3600)):
        response = post(server, activity, token)
        assert response.status_code == 401, (token, response.text)
    with Session(engine) as session:
        assert session.exec(select(Pupil)).all() == []
    assert connector.posted == []


def test_another_tenant_is_refused(server: str, keys: Keys, connector: FakeConnector, engine: Engine) -> None:
    activity = message(connector.url, 'pupil add "Zed Zed" year:2', tenant=OTHER_TENANT)
    assert post(server, activity, keys.token(service_url=connector.url)).status_code == 403
    with Session(engine) as session:
        assert session.exec(select(Pupil)).all() == []
    assert connector.posted == []


def remind(tmp_path: Path, db_url: str, proxy: MicrosoftProxy, day: str = "2026-03-03", **extra: str) -> str:
    env = {k: v for k, v in clean_env(db_url, TEAMS_APP_ID=APP_ID, TEAMS_APP_PASSWORD=APP_PASSWORD,
                                      TEAMS_TENANT_ID=TENANT, **proxy.env(), **extra).items()
           if not k.startswith("SLACK_")}
    sent = subprocess.run([*SENDBOT, "remind", "--today", day], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert sent.returncode == 0 and "Traceback" not in sent.stderr, sent.stdout + sent.stderr
    return sent.stdout


def overdue_review(engine: Engine) -> None:
    with Session(engine) as session:
        school_id = session.exec(select(School.id)).one()
    for text in ('pupil add "Ava Smith" year:5', "ehcp issued ava 2024-01-10"):  # review overdue since Jan 2025
        reply = execute(engine, school_id, ADMIN_AAD, text, date(2026, 3, 3))
        assert reply.ok, reply.as_text()


def test_a_throttled_connector_leaves_the_reminder_to_retry(server: str, keys: Keys, connector: FakeConnector,
                                                            proxy: MicrosoftProxy, engine: Engine, tmp_path: Path,
                                                            db_url: str) -> None:
    assert post(server, message(connector.url, "help"), keys.token(service_url=connector.url)).status_code < 300
    connector.wait_for(1)
    overdue_review(engine)
    connector.failing[:] = [429, 429, 429, 429]  # the SDK does not retry by itself; the outbox does
    assert "sent 0" in remind(tmp_path, db_url, proxy)
    with Session(engine) as session:
        row = session.exec(select(Reminder)).one()
    assert row.status == "pending" and row.attempts == 1 and "429" in (row.last_error or "")
    assert len(connector.posted) == 1  # only the answer to "help"


def test_a_colleague_is_added_by_their_teams_mention(server: str, keys: Keys, connector: FakeConnector,
                                                     engine: Engine) -> None:
    colleague = "bbbbbbbb-0000-4000-8000-000000000002"
    entities = [{"type": "mention", "text": "<at>Jo Bloggs</at>",
                 "mentioned": {"id": f"29:{colleague}", "name": "Jo Bloggs", "aadObjectId": colleague}}]
    activity = message(connector.url, "/sen staff add <at>Jo Bloggs</at> role:teacher", entities=entities)
    assert post(server, activity, keys.token(service_url=connector.url)).status_code < 300
    said = card_text(connector.wait_for(1)[0].activity)
    assert "as teacher" in said and "Jo Bloggs" in said and colleague not in said  # a name, not an Entra id
    listed = message(connector.url, "staff list")
    assert post(server, listed, keys.token(service_url=connector.url)).status_code < 300
    roster = card_text(connector.wait_for(2)[1].activity)
    assert "Jo Bloggs" in roster and colleague not in roster and ADMIN_AAD not in roster
    with Session(engine) as session:
        staff = session.exec(select(Staff).where(Staff.handle == colleague)).one()
    assert staff.role == "teacher" and staff.display_name == "Jo Bloggs"


def test_a_reminder_reaches_a_teams_user_proactively_and_its_button_works(
        server: str, keys: Keys, connector: FakeConnector, proxy: MicrosoftProxy, engine: Engine,
        tmp_path: Path, db_url: str) -> None:
    # Saying anything to the bot in a personal chat saves where to reach them later.
    hello = message(connector.url, 'pupil add "Ava Smith" year:5')
    assert post(server, hello, keys.token(service_url=connector.url)).status_code in (200, 202)
    connector.wait_for(1)
    with Session(engine) as session:
        school_id = session.exec(select(School.id)).one()
    reply = execute(engine, school_id, ADMIN_AAD, "ehcp issued ava 2024-01-10", date(2026, 3, 3))
    assert reply.ok, reply.as_text()  # the annual review was due on 9 Jan 2025: overdue

    env = {k: v for k, v in clean_env(db_url, TEAMS_APP_ID=APP_ID, TEAMS_APP_PASSWORD=APP_PASSWORD,
                                      TEAMS_TENANT_ID=TENANT, **proxy.env()).items() if not k.startswith("SLACK_")}
    sent = subprocess.run([*SENDBOT, "remind", "--today", "2026-03-03"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert sent.returncode == 0 and "sent 1" in sent.stdout, sent.stdout + sent.stderr
    reminder = connector.wait_for(2)[1]
    assert reminder.conversation == hello["conversation"]["id"] and reminder.reply_to is None
    assert reminder.authorization and reminder.authorization.startswith("Bearer outbound-token")
    card = reminder.activity["attachments"][0]["content"]
    assert "Annual review" in card_text(reminder.activity) and "Ava Smith" in card_text(reminder.activity)
    done = next(a for a in card["actions"] if a["title"] == "Done")

    # Pressing Done sends the button's data back as a message; it runs as the person who pressed it.
    press = message(connector.url, "", value=done["data"])
    assert post(server, press, keys.token(service_url=connector.url)).status_code in (200, 202)
    answer = card_text(connector.wait_for(3)[2].activity)
    assert "review" in answer.lower()
    with Session(engine) as session:
        row = session.exec(select(Reminder)).one()
        deadline = session.exec(select(Deadline).where(Deadline.key == row.deadline_key)).one()
    # The button names the deadline by its number (D17), as due lists and digests do.
    assert row.status == "sent" and done["data"]["sendbot"] == f"/sen done D{deadline.id}"


def test_someone_who_never_installed_the_app_is_nudged_in_the_team_channel_and_the_admin_told(
        server: str, keys: Keys, connector: FakeConnector, proxy: MicrosoftProxy, engine: Engine, tmp_path: Path,
        db_url: str) -> None:
    teacher = "cccccccc-0000-4000-8000-000000000003"
    assert post(server, message(connector.url, "help"), keys.token(service_url=connector.url)).status_code < 300
    connector.wait_for(1)
    # sendbot is added to the school's team: Teams says so with a conversationUpdate in the channel.
    added = message(connector.url, "", conversation_type="channel")
    added.update(type="conversationUpdate", text=None, membersAdded=[{"id": f"28:{APP_ID}"}])
    added["conversation"]["id"] = "19:general@thread.tacv2"
    assert post(server, added, keys.token(service_url=connector.url)).status_code < 300
    with Session(engine) as session:
        school_id = session.exec(select(School.id)).one()
    for text in (f"staff add {teacher} role:teacher name:\"Bo Teacher\"", 'pupil add "Ava Smith" year:5',
                 f'intervention add ava "Lexia" review:2026-03-05 staff:@{teacher}'):
        reply = execute(engine, school_id, ADMIN_AAD, text, date(2026, 3, 3))
        assert reply.ok, reply.as_text()

    assert "sent 1" in remind(tmp_path, db_url, proxy)
    posted = connector.wait_for(3)
    [nudge] = [p for p in posted if p.conversation == "19:general@thread.tacv2"]
    assert "sendbot has a reminder for you" in card_text(nudge.activity)
    assert "Ava" not in card_text(nudge.activity) and "Lexia" not in card_text(nudge.activity)
    [told] = [p for p in posted[1:] if p.conversation == f"a:conv-{ADMIN_AAD}"]
    assert "hasn't installed sendbot" in card_text(told.activity)


def test_the_weekly_digest_is_mailed_once_to_staff_who_opted_in(
        server: str, keys: Keys, connector: FakeConnector, proxy: MicrosoftProxy, engine: Engine, tmp_path: Path,
        db_url: str) -> None:
    # Graph is busy at the first try (503): msgraph-sdk's retry handler tries again after Retry-After.
    graph = FakeGraph(users={ADMIN_AAD: "alice@oak.sch.uk"}, mail_failures=[503]).start()
    try:
        opt_in = message(connector.url, "/sen settings digest-mail:yes")
        assert post(server, opt_in, keys.token(service_url=connector.url)).status_code < 300
        assert "digest by e-mail" in card_text(connector.wait_for(1)[0].activity)
        overdue_review(engine)
        mail = {"GRAPH_MAIL_SENDER": "sen-deadlines@oak.sch.uk", "GRAPH_BASE_URL": graph.url}
        # sendbot starts looking after the school on Friday (a school first seen after this week's digest moment
        # gets its first digest next week, by design), so the test does not depend on whether the server's own
        # scheduler happened to plan before this: that race is what made this test fail on PostgreSQL.
        remind(tmp_path, db_url, proxy, "2026-03-06", **mail)
        assert graph.mails == []  # not the digest day
        assert "sent" in remind(tmp_path, db_url, proxy, "2026-03-09", **mail)  # Monday: the digest day
        wait_until(lambda: len(graph.mails) == 1, 30)
        # msgraph-sdk writes "Message"/"SaveToSentItems"; Graph reads the names case-insensitively.
        sent = {k.lower(): v for k, v in graph.mails[0].items()}
        assert [r["emailAddress"]["address"] for r in sent["message"]["bccRecipients"]] == ["alice@oak.sch.uk"]
        assert "digest" in sent["message"]["subject"].lower() and sent["savetosentitems"] is False
        tries = [c for c in graph.calls if c[:2] == ("POST", "/v1.0/users/sen-deadlines@oak.sch.uk/sendMail")]
        assert len(tries) == 2  # the 503, then the retry that was accepted
        digests = [p for p in connector.posted if p.reply_to is None and "digest" in card_text(p.activity).lower()]
        assert len(digests) == 1  # and in Teams too

        remind(tmp_path, db_url, proxy, "2026-03-09", **mail)  # the same week again: nothing more
        remind(tmp_path, db_url, proxy, "2026-03-10", **mail)
        assert len(graph.mails) == 1
    finally:
        graph.stop()


def test_anonymous_mode_needs_the_explicit_setting_and_warns_loudly(tmp_path: Path, db_url: str, engine: Engine,
                                                                    connector: FakeConnector) -> None:
    teams_school(engine)
    port = free_port()
    env = {k: v for k, v in clean_env(db_url, TEAMS_APP_ID=APP_ID, TEAMS_TENANT_ID=TENANT,
                                      SENDBOT_TEAMS_ALLOW_ANONYMOUS_FOR_DEVELOPMENT="true").items()
           if not k.startswith("SLACK_")}
    proc = subprocess.Popen([*SENDBOT, "run", "--port", str(port), "--today", "2026-03-02"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _healthy(url), 60)
        response = post(url, message(connector.url, 'pupil add "Ava Smith" year:5'), None)
        assert response.status_code in (200, 202), response.text
        assert "Ava Smith" in card_text(connector.wait_for(1)[0].activity)
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert "WARNING: TEAMS_ALLOW_ANONYMOUS_FOR_DEVELOPMENT is on" in out and "WITH NO TOKEN" in out


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_bodies_that_are_not_activities_are_refused_plainly(server: str, keys: Keys, connector: FakeConnector) -> None:
    token = keys.token(service_url=connector.url)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for body in ("not json", "[1, 2]", '{"type": 5, "conversation": "x"}'):
        response = httpx.post(f"{server}/api/messages", content=body, headers=headers, timeout=60)
        assert response.status_code == 400 and "error" in response.json(), (body, response.text)
    assert connector.posted == []

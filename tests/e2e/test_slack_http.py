"""Slack over real HTTP: signed slash commands, buttons, modals, App Home and events against a fake Slack.

The server is the real app (bot.server.build_app) served by uvicorn on loopback; Slack's Web API is a local fake
reached through SLACK_API_URL; every request is signed with the signing secret exactly as Slack signs it.
"""

import json
import logging
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.commands import execute
from bot.config import Settings
from bot.services.tenancy import issue_claim_code
from bot.slack.storage import SlackEvent
from db.engine import transaction
from db.models import (
    AuditLog,
    ChatWorkspace,
    ClaimCode,
    Intervention,
    ParentContact,
    ParentMeeting,
    Pupil,
    School,
    Staff,
    StaffIdentity,
)
from e2e.slack_support import (
    ADMIN,
    STRANGER,
    TEACHER,
    TEAM,
    TODAY,
    FakeSlack,
    Server,
    SlackClient,
    make_school,
    settings_for,
    signed_headers,
    text_of,
    wait_until,
)

ACK_LIMIT = 1.0  # seconds: Slack allows 3; we answer well inside that


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    f = FakeSlack().start()
    yield f
    f.stop()


@pytest.fixture
def school_id(engine: Engine) -> int:
    return make_school(engine)


@pytest.fixture
def slack(db_url: str, fake: FakeSlack, school_id: int) -> Iterator[SlackClient]:
    server = Server(settings_for(db_url, fake)).start()
    client = SlackClient(server.url, fake)
    yield client
    client.close()
    server.stop()


def reply_to(fake: FakeSlack, key: str) -> dict:
    """What sendbot sent to a response_url."""
    return fake.wait_for("respond", key)[0].data


def pupils(engine: Engine) -> list[Pupil]:
    with Session(engine) as session:
        return list(session.exec(select(Pupil).order_by(Pupil.id)).all())


def homes_for(fake: FakeSlack, user: str, count: int) -> list[dict]:
    """The Home views published for ``user``, once there are ``count`` of them."""
    wait_until(lambda: len([c for c in fake.recorded("api", "views.publish") if c.data["user_id"] == user]) >= count)
    return [c.data["view"] for c in fake.recorded("api", "views.publish") if c.data["user_id"] == user]


def add_pupil(slack: SlackClient, text: str = 'pupil add "Ava Smith" year:5') -> None:
    _, _, key = slack.command(text)
    assert "Added" in text_of(reply_to(slack.fake, key)["blocks"])


# --- slash commands -----------------------------------------------------------------------------------------


def test_signed_pupil_add_is_acknowledged_fast_stored_and_answered_privately(slack: SlackClient, engine: Engine,
                                                                              school_id: int) -> None:
    response, elapsed, key = slack.command('pupil add "Ava Smith" year:5')
    assert response.status_code == 200
    assert elapsed < ACK_LIMIT
    reply = reply_to(slack.fake, key)
    assert reply["response_type"] == "ephemeral"
    assert "Added Ava Smith" in text_of(reply["blocks"])
    assert [(p.name, p.year_group, p.school_id) for p in pupils(engine)] == [("Ava Smith", 5, school_id)]
    with Session(engine) as session:
        # The admin's Slack identity is recorded in its exact case (their handle is the lower-cased id).
        identity = session.exec(select(StaffIdentity)).one()
        assert (identity.platform, identity.user_id, identity.school_id) == ("slack", ADMIN, school_id)
    # A change refreshes the person's Home tab.
    published = slack.fake.wait_for("api", "views.publish")[0]
    assert published.data["user_id"] == ADMIN and published.token == "xoxb-test-token"
    assert published.data["view"]["type"] == "home"


def test_a_stranger_is_refused_specifically_and_sees_no_pupil_details(slack: SlackClient, engine: Engine) -> None:
    add_pupil(slack)
    for text in ("pupil show ava", "pupil list", 'pupil add "Ben Jones" year:3'):
        response, elapsed, key = slack.command(text, user=STRANGER)
        assert response.status_code == 200 and elapsed < ACK_LIMIT
        reply = reply_to(slack.fake, key)
        assert reply["response_type"] == "ephemeral"
        shown = text_of(reply["blocks"]) + reply["text"]
        assert "not on this school's staff list" in shown
        assert "Ava" not in shown
    assert [p.name for p in pupils(engine)] == ["Ava Smith"]


def test_a_refusal_is_ephemeral_and_specific(slack: SlackClient, engine: Engine) -> None:
    _, _, key = slack.command('pupil add "Ava Smith" year:15')
    reply = reply_to(slack.fake, key)
    assert reply["response_type"] == "ephemeral"
    assert "year takes N (nursery), R or a year group from 1 to 14" in text_of(reply["blocks"])
    assert reply["text"].startswith("Refused:")
    assert pupils(engine) == []


def test_replies_render_the_same_answer_as_the_console(slack: SlackClient, engine: Engine, school_id: int) -> None:
    add_pupil(slack)
    _, _, key = slack.command("pupil show ava")
    shown = text_of(reply_to(slack.fake, key)["blocks"])
    expected = execute(engine, school_id, ADMIN.lower(), "pupil show ava", TODAY)
    assert expected.ok
    assert f"*{expected.title}*" in shown
    for name, value in expected.fields:
        assert f"*{name}*\n{value}" in shown


def test_slack_mentions_links_and_entities_in_command_text(slack: SlackClient, engine: Engine) -> None:
    # Slack sends mentions as <@U…|name>, email addresses as <mailto:…|…> links, and "&" as "&amp;".
    _, _, key = slack.command(f"staff add <@{TEACHER}|bob> role:teacher class:5B")
    assert reply_to(slack.fake, key)["blocks"]
    add_pupil(slack, 'pupil add "Ava Smith" year:5 class:5B')
    _, _, key = slack.command('contact add ava "Jo Smith" relation:mum email:<mailto:jo@example.org|jo@example.org>')
    assert "Added a parent contact" in text_of(reply_to(slack.fake, key)["blocks"])
    _, _, key = slack.command('meeting ava today with:"mum &amp; dad" note:"1 &lt; 2"')
    assert "Logged a parent meeting" in text_of(reply_to(slack.fake, key)["blocks"])
    with Session(engine) as session:
        staff = session.exec(select(Staff).where(Staff.handle == TEACHER.lower())).one()
        assert (staff.role, staff.class_name, staff.display_name) == ("teacher", "5B", "bob")
        assert session.exec(select(ParentContact.email)).one() == "jo@example.org"
        meeting = session.exec(select(ParentMeeting)).one()
        assert (meeting.attendees, meeting.note) == ("mum & dad", "1 < 2")
    # The teacher (a Slack id) now speaks for themself and sees their class's pupil.
    _, _, key = slack.command("pupil list", user=TEACHER)
    assert "Ava Smith" in text_of(reply_to(slack.fake, key)["blocks"])
    # Staff handles that are Slack ids are shown as mentions.
    _, _, key = slack.command("staff list")
    assert f"<@{TEACHER}>" in text_of(reply_to(slack.fake, key)["blocks"])


def test_a_slack_channel_picked_or_given_by_id_is_kept_exactly_and_reached(slack: SlackClient, engine: Engine,
                                                                             school_id: int) -> None:
    """Slack's channel syntax is the adapter's to read: a picked channel and a bare channel id reach the core as
    the canonical channel token (kept exactly, id case and all); a typed name stays a name. Reminders to the
    channel go to that id."""
    from bot.reminders.notifier import Address
    from bot.slack.notify import channel_for

    def stored() -> str:
        with Session(engine) as session:
            return str(session.get(School, school_id).settings["reminders-channel"])  # type: ignore[union-attr]

    for typed, kept, reached in [("<#C0SEN0001|sen-team>", "<#C0SEN0001|sen-team>", "C0SEN0001"),
                                 ("C0123ABCD", "<#C0123ABCD>", "C0123ABCD"),
                                 ("SEN-Team", "#sen-team", "#sen-team")]:
        _, _, key = slack.command(f"settings reminders-channel:{typed}")
        assert "reminders-channel" in text_of(reply_to(slack.fake, key)["blocks"]), typed
        assert stored() == kept, typed
        assert channel_for(Address("channel", stored())) == reached

def test_another_workspace_is_not_this_school(slack: SlackClient, fake: FakeSlack, engine: Engine) -> None:
    add_pupil(slack)
    other = SlackClient(slack.base_url, fake, team="T0OTHER01")
    try:
        _, _, key = other.command("pupil list")
        shown = text_of(reply_to(fake, key)["blocks"])
        assert "isn't connected to a school" in shown and "Ava" not in shown
    finally:
        other.close()


def test_an_unknown_workspace_is_refused_with_the_way_to_link_it_and_never_bound(
        db_url: str, engine: Engine, fake: FakeSlack) -> None:
    # The only school has no workspace yet: before, the first request from any team would have claimed it.
    school_id = make_school(engine, team=None)
    server = Server(settings_for(db_url, fake)).start()
    client = SlackClient(server.url, fake)
    try:
        for text in ('pupil add "Ava Smith" year:5', "help", "claim"):
            _, _, key = client.command(text)
            reply = reply_to(fake, key)
            shown = text_of(reply["blocks"])
            assert reply["response_type"] == "ephemeral" and reply["text"].startswith("Refused:")
            if text != "claim":
                # The exact ways an admin links it, with this workspace's own id to copy.
                assert "isn't connected to a school" in shown
                assert f"sendbot link slack {TEAM}" in shown and "/sen claim CODE" in shown
        with Session(engine) as session:
            assert session.exec(select(ChatWorkspace)).all() == []
            assert session.exec(select(StaffIdentity)).all() == []
        assert pupils(engine) == []

        # An admin connects it with the one-time code `sendbot init` printed: once.
        with transaction(engine) as session:
            admin = session.exec(select(Staff).where(Staff.school_id == school_id)).one()
            code = issue_claim_code(session, school_id, admin.id)
        _, _, key = client.command("claim WRONG-CODE", user=STRANGER)
        assert "is not one sendbot issued" in text_of(reply_to(fake, key)["blocks"])
        _, _, key = client.command(f"claim {code.lower()}", user=ADMIN)
        assert "Connected: this workspace is now Oak Primary" in text_of(reply_to(fake, key)["blocks"])
        other = SlackClient(server.url, fake, team="T0OTHER01")
        try:
            _, _, key = other.command(f"claim {code}", user=STRANGER)
            assert "has been used already" in text_of(reply_to(fake, key)["blocks"])
        finally:
            other.close()
        add_pupil(client)
        with Session(engine) as session:
            assert [(w.external_id, w.school_id, w.linked_how) for w in session.exec(select(ChatWorkspace))] == [
                (TEAM, school_id, "claim")]
            code_row = session.exec(select(ClaimCode)).one()
            assert code not in code_row.code_hash and code_row.used_at is not None
    finally:
        client.close()
        server.stop()


def test_with_several_unbound_schools_no_workspace_is_guessed(db_url: str, engine: Engine, fake: FakeSlack) -> None:
    make_school(engine, team=None)
    make_school(engine, name="Elm Academy", team=None)
    server = Server(settings_for(db_url, fake)).start()
    client = SlackClient(server.url, fake)
    try:
        _, _, key = client.command("pupil list")
        assert "isn't connected to a school" in text_of(reply_to(fake, key)["blocks"])
    finally:
        client.close()
        server.stop()
    with Session(engine) as session:
        assert session.exec(select(ChatWorkspace)).all() == []


# --- signatures ---------------------------------------------------------------------------------------------


def test_forged_and_replayed_requests_get_401_and_change_nothing(slack: SlackClient, engine: Engine) -> None:
    forged, _, _ = slack.command('pupil add "Ava Smith" year:5', secret="not-the-signing-secret")
    old, _, _ = slack.command('pupil add "Ava Smith" year:5', timestamp=int(time.time()) - 600)
    unsigned = slack.http.post("/slack/events", content=b"command=%2Fsen&text=help",
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert (forged.status_code, old.status_code, unsigned.status_code) == (401, 401, 401)
    time.sleep(0.3)  # had anything been started in the background, it would have reached the fake by now
    assert pupils(engine) == []
    assert slack.fake.recorded("respond") == []
    with Session(engine) as session:
        assert session.exec(select(StaffIdentity)).all() == []  # not even who was asking was recorded


def test_a_tampered_body_fails_the_signature(slack: SlackClient, engine: Engine) -> None:
    body = "command=%2Fsen&text=help&team_id=T0SCHOOL1&user_id=U0ADMIN01"
    headers = signed_headers(body, "application/x-www-form-urlencoded")
    response = slack.http.post("/slack/events", content=(body + "&text=erase+ava").encode(), headers=headers)
    assert response.status_code == 401


def test_url_verification_is_answered(slack: SlackClient) -> None:
    response, _ = slack.post(json.dumps({"token": "x", "challenge": "c-123", "type": "url_verification"}),
                             "application/json")
    assert response.status_code == 200 and response.json() == {"challenge": "c-123"}


# --- events -------------------------------------------------------------------------------------------------


def test_a_retried_event_is_processed_once(slack: SlackClient, engine: Engine) -> None:
    opened = {"type": "app_home_opened", "user": ADMIN, "channel": "D0DM00001", "tab": "home"}
    first = slack.event(opened, "Ev0HOME0001")
    retry = slack.event(opened, "Ev0HOME0001", retry=1)
    again = slack.event(opened, "Ev0HOME0001", retry=2)
    assert (first.status_code, retry.status_code, again.status_code) == (200, 200, 200)
    slack.fake.wait_for("api", "views.publish")
    time.sleep(0.3)
    assert len(slack.fake.recorded("api", "views.publish")) == 1
    slack.event(opened, "Ev0HOME0002")  # a new event is a new delivery
    slack.fake.wait_for("api", "views.publish", count=2)
    with Session(engine) as session:
        assert sorted(session.exec(select(SlackEvent.event_id)).all()) == ["Ev0HOME0001", "Ev0HOME0002"]


def test_app_home_shows_the_persons_own_due_items_with_buttons(slack: SlackClient, engine: Engine,
                                                               school_id: int) -> None:
    slack.command(f"staff add <@{TEACHER}|bob> role:teacher class:5B")
    add_pupil(slack, 'pupil add "Ava Smith" year:5 class:5B')
    add_pupil(slack, 'pupil add "Ben Jones" year:3 class:3A')
    for name in ("ava", "ben"):
        _, _, key = slack.command(f"support start {name} 2026-01-05")
        assert "on SEN support" in text_of(reply_to(slack.fake, key)["blocks"])
    # Each change so far refreshed the admin's Home tab: staff add, two pupils, two support starts.
    homes_for(slack.fake, ADMIN, 5)

    slack.event({"type": "app_home_opened", "user": TEACHER, "tab": "home"}, "Ev0TEACH001")
    view = homes_for(slack.fake, TEACHER, 1)[-1]
    shown = text_of(view["blocks"])
    assert "Termly parent meeting" in shown and "Ava Smith" in shown and "Ben Jones" not in shown
    ava = next(p for p in pupils(engine) if p.name == "Ava Smith")
    buttons = [b["accessory"] for b in view["blocks"] if b.get("accessory")]
    assert {"type": "button", "action_id": "sen_run_home_0", "text": {"type": "plain_text", "text": "Log meeting",
            "emoji": True}, "value": f"/sen meeting #{ava.id} today"} in buttons

    slack.event({"type": "app_home_opened", "user": ADMIN, "tab": "home"}, "Ev0ADMIN001")
    shown = text_of(homes_for(slack.fake, ADMIN, 6)[-1]["blocks"])
    assert "Ava Smith" in shown and "Ben Jones" in shown  # the SENCO/admin sees the school's

    slack.event({"type": "app_home_opened", "user": STRANGER, "tab": "home"}, "Ev0STRAN001")
    shown = text_of(homes_for(slack.fake, STRANGER, 1)[-1]["blocks"])
    assert "not on this school's staff list" in shown and "Ava" not in shown

    slack.event({"type": "app_home_opened", "user": ADMIN, "tab": "messages"}, "Ev0MSGS0001")
    time.sleep(0.3)
    assert len(homes_for(slack.fake, ADMIN, 6)) == 6  # the Messages tab needs nothing


# --- buttons ------------------------------------------------------------------------------------------------


def test_a_reply_button_runs_its_command_as_the_clicker(slack: SlackClient, engine: Engine) -> None:
    _, _, key = slack.command('pupil add "Ava Smith" year:5')
    added = reply_to(slack.fake, key)
    actions = next(b for b in added["blocks"] if b["type"] == "actions")["elements"]
    show = next(a for a in actions if a["text"]["text"] == "Show")
    key, _ = slack.button({"type": "button", "action_id": show["action_id"], "value": show["value"]})
    reply = reply_to(slack.fake, key)
    assert reply["response_type"] == "ephemeral" and "Ava Smith (#" in text_of(reply["blocks"])
    # The same button clicked by a stranger shows them nothing.
    key, _ = slack.button({"type": "button", "action_id": show["action_id"], "value": show["value"]}, user=STRANGER)
    shown = text_of(reply_to(slack.fake, key)["blocks"])
    assert "not on this school's staff list" in shown and "Ava" not in shown


def test_a_home_button_opens_the_meeting_form_filled_in(slack: SlackClient, engine: Engine) -> None:
    add_pupil(slack)
    ava = pupils(engine)[0]
    slack.button({"type": "button", "action_id": "sen_run_home_0", "value": f"/sen meeting #{ava.id} today"},
                 where="home")
    opened = slack.fake.wait_for("api", "views.open")[0].data
    view = opened["view"]
    assert view["callback_id"] == "sen_modal:meeting"
    elements = {b["block_id"]: b["element"] for b in view["blocks"]}
    assert elements["pupil"]["initial_value"] == f"#{ava.id}"
    assert elements["date"]["initial_date"] == TODAY.isoformat()


def test_a_home_button_that_shows_something_answers_in_a_modal(slack: SlackClient, engine: Engine) -> None:
    add_pupil(slack)
    ava = pupils(engine)[0]
    slack.button({"type": "button", "action_id": "sen_run_home_3", "value": f"/sen pupil show #{ava.id}"},
                 where="home")
    opened = slack.fake.wait_for("api", "views.open")[0]
    assert "Working on it" in text_of(opened.data["view"]["blocks"])
    updated = slack.fake.wait_for("api", "views.update")[0].data
    assert updated["view_id"] == "V0VIEW0001" or updated["view_id"].startswith("V0VIEW")
    assert f"Ava Smith (#{ava.id})" in text_of(updated["view"]["blocks"])


def test_an_overflow_choice_runs_its_command(slack: SlackClient, engine: Engine) -> None:
    add_pupil(slack)
    _, _, key = slack.command('intervention add ava "Lexia reading" review:+6w')
    assert "Added" in text_of(reply_to(slack.fake, key)["blocks"])
    ava = pupils(engine)[0]
    value = f'/sen intervention review #{ava.id} "Lexia reading" today outcome:stop'
    key, _ = slack.button({"type": "overflow", "action_id": "sen_run_home_2",
                           "selected_option": {"text": {"type": "plain_text", "text": "stop"}, "value": value}})
    assert "Reviewed \"Lexia reading\"" in text_of(reply_to(slack.fake, key)["blocks"])


def test_reminder_buttons_run_done_and_snooze(slack: SlackClient, engine: Engine, school_id: int) -> None:
    add_pupil(slack)
    # A reminder's buttons are its Reply.actions (bot.reminders.messages), run like any other button.
    for index, command in enumerate(("done D7", "snooze D7 +1w", "done seven")):
        key, _ = slack.button({"type": "button", "action_id": f"sen_run_{index}", "value": f"/sen {command}"})
        reply = reply_to(slack.fake, key)
        expected = execute(engine, school_id, ADMIN.lower(), command, TODAY)
        assert reply["response_type"] == "ephemeral" and not expected.ok
        assert expected.title in text_of(reply["blocks"])


# --- modals -------------------------------------------------------------------------------------------------


def test_pupil_add_with_no_arguments_opens_a_modal_whose_submission_adds_the_pupil(
        slack: SlackClient, engine: Engine, school_id: int) -> None:
    response, elapsed, key = slack.command("pupil add")
    assert response.status_code == 200 and elapsed < ACK_LIMIT
    opened = slack.fake.wait_for("api", "views.open")[0]
    assert opened.data["trigger_id"] == f"1337.{key}.trigger"
    assert opened.data["view"]["callback_id"] == "sen_modal:pupil_add"
    assert slack.fake.recorded("api", "views.update") == []  # staff: no refusal replaces the form

    start = time.perf_counter()
    response = slack.submit("sen_modal:pupil_add", {
        "name": {"type": "plain_text_input", "value": "Ava Smith"},
        "year": {"type": "static_select", "selected_option": {"value": "5"}},
        "class": {"type": "plain_text_input", "value": "5B"},
        "teacher": {"type": "users_select", "selected_user": None},
        "upn": {"type": "plain_text_input", "value": None},
        "dob": {"type": "datepicker", "selected_date": "2016-05-01"},
    })
    assert response.status_code == 200 and time.perf_counter() - start < ACK_LIMIT
    answer = response.json()
    assert answer["response_action"] == "update"
    assert "Added Ava Smith" in text_of(answer["view"]["blocks"])
    [ava] = pupils(engine)
    assert (ava.name, ava.year_group, ava.class_name, str(ava.dob)) == ("Ava Smith", 5, "5B", "2016-05-01")
    homes_for(slack.fake, ADMIN, 1)  # the change refreshed the Home tab


def test_modal_refusals_show_on_the_field_and_change_nothing(slack: SlackClient, engine: Engine) -> None:
    add_pupil(slack)
    response = slack.submit("sen_modal:meeting", {
        "pupil": {"type": "plain_text_input", "value": "Zed"},
        "date": {"type": "datepicker", "selected_date": "2026-03-02"},
    })
    answer = response.json()
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["pupil"] and "don't know a pupil called 'Zed'" in answer["errors"]["pupil"]

    answer = slack.submit("sen_modal:pupil_add", {
        "name": {"type": "plain_text_input", "value": "Ava Smith"},
        "year": {"type": "static_select", "selected_option": {"value": "5"}},
    }).json()
    assert answer["response_action"] == "errors" and list(answer["errors"]) == ["name"]

    answer = slack.submit("sen_modal:pupil_add", {
        "name": {"type": "plain_text_input", "value": "Ben Jones"},
        "year": {"type": "static_select", "selected_option": {"value": "15"}},
    }).json()
    assert answer == {"response_action": "errors", "errors": {
        "year": "year takes N (nursery), R or a year group from 1 to 14 (like year:5); '15' isn't one."}}

    answer = slack.submit("sen_modal:intervention_add", {
        "pupil": {"type": "plain_text_input", "value": "ava"},
        "what": {"type": "plain_text_input", "value": "Lexia"},
        "review": {"type": "datepicker", "selected_date": "2026-03-01"},
        "start": {"type": "datepicker", "selected_date": "2026-03-02"},
    }).json()
    assert answer["response_action"] == "errors" and list(answer["errors"]) == ["review"]

    answer = slack.submit("sen_modal:meeting", {"pupil": {"type": "plain_text_input", "value": ""}}).json()
    assert answer == {"response_action": "errors", "errors": {"pupil": "Say which pupil.", "date": "Choose the day."}}

    assert [p.name for p in pupils(engine)] == ["Ava Smith"]
    with Session(engine) as session:
        assert session.exec(select(ParentMeeting)).all() == []


def test_meeting_and_intervention_modals_record_the_facts(slack: SlackClient, engine: Engine) -> None:
    slack.command(f"staff add <@{TEACHER}|bob> role:teacher class:5B")
    add_pupil(slack)
    answer = slack.submit("sen_modal:meeting", {
        "pupil": {"type": "plain_text_input", "value": '"Ava Smith"'},
        "date": {"type": "datepicker", "selected_date": "2026-02-20"},
        "with": {"type": "plain_text_input", "value": 'mum "and" SALT'},
        "note": {"type": "plain_text_input", "value": "agreed a reading plan\nreview at Easter"},
    }).json()
    assert answer["response_action"] == "update", answer
    answer = slack.submit("sen_modal:intervention_add", {
        "pupil": {"type": "plain_text_input", "value": "ava"},
        "what": {"type": "plain_text_input", "value": "Lexia reading"},
        "review": {"type": "datepicker", "selected_date": "2026-04-13"},
        "start": {"type": "datepicker", "selected_date": None},
        "staff": {"type": "users_select", "selected_user": TEACHER},
    }).json()
    assert answer["response_action"] == "update", answer
    assert "review by Mon 13 Apr 2026" in text_of(answer["view"]["blocks"])
    with Session(engine) as session:
        meeting = session.exec(select(ParentMeeting)).one()
        assert (str(meeting.held_on), meeting.attendees, meeting.note) == (
            "2026-02-20", "mum 'and' SALT", "agreed a reading plan\nreview at Easter")
        iv = session.exec(select(Intervention)).one()
        teacher = session.exec(select(Staff).where(Staff.handle == TEACHER.lower())).one()
        assert (iv.what, iv.staff_id) == ("Lexia reading", teacher.id)


def test_a_stranger_opening_a_modal_is_refused_in_it(slack: SlackClient, engine: Engine) -> None:
    slack.command("meeting", user=STRANGER)
    slack.fake.wait_for("api", "views.open")
    updated = slack.fake.wait_for("api", "views.update")[0].data
    assert "not on this school's staff list" in text_of(updated["view"]["blocks"])
    answer = slack.submit("sen_modal:meeting", {
        "pupil": {"type": "plain_text_input", "value": "ava"},
        "date": {"type": "datepicker", "selected_date": "2026-03-02"}}, user=STRANGER).json()
    assert answer["response_action"] == "update"
    assert "not on this school's staff list" in text_of(answer["view"]["blocks"])


# --- errors -------------------------------------------------------------------------------------------------


def test_an_error_gets_a_short_apology_and_a_log_line_with_ids_only(slack: SlackClient, engine: Engine,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    slack.fake.failing["views.open"] = "internal_error"
    with caplog.at_level(logging.WARNING):
        _, _, key = slack.command("intervention add")
        reply = reply_to(slack.fake, key)
    assert reply["response_type"] == "ephemeral" and reply["text"].startswith("Sorry")
    assert "Traceback" not in reply["text"]
    failures = [r for r in caplog.records if r.name == "bot.slack.app" and r.levelno >= logging.ERROR]
    assert failures, caplog.text
    line = failures[0].getMessage()
    assert "SlackApiError (internal_error)" in line and TEAM in line and ADMIN in line
    assert "intervention" not in line.split(" at ")[0] and failures[0].exc_info is None


def test_slack_is_off_without_credentials(db_url: str, engine: Engine) -> None:
    server = Server(Settings(database_url=db_url, slack_bot_token=None, slack_client_id=None)).start()
    try:
        with httpx.Client(base_url=server.url) as http:
            assert http.post("/slack/events", content=b"x").status_code == 404
            assert http.get("/healthz").status_code == 200
    finally:
        server.stop()


def test_no_audit_row_or_log_carries_what_was_typed(slack: SlackClient, engine: Engine,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        add_pupil(slack, 'pupil add "Ava Smith" year:5')
        slack.fake.wait_for("api", "views.publish")
    assert "Ava" not in caplog.text
    with Session(engine) as session:
        actions = session.exec(select(AuditLog.action)).all()
    assert "pupil.add" in actions


def test_signing_secret_is_required_for_http(db_url: str, fake: FakeSlack, school_id: int) -> None:
    server = Server(settings_for(db_url, fake, slack_signing_secret=None)).start()
    try:
        client = SlackClient(server.url, fake)
        response, _, _ = client.command("help")
        assert response.status_code == 404  # not served: an empty secret would verify nothing
        client.close()
    finally:
        server.stop()


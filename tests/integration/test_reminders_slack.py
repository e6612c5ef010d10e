"""Reminders into Slack through a fake Slack Web API on loopback (SLACK_API_URL): the message and its buttons,
429 with Retry-After and 500s (messages still arrive, once), parking with the reason, pacing per channel."""

import asyncio
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from reminders_support import Clock, FakeSlack, tick
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.config import Settings
from bot.reminders.outbox import DeliveryConfig, deliver, requeue
from bot.slack.notify import SlackNotifier
from db import models as m

TOKEN = "xoxb-test-token"
BOB, SUE = "U0BOB0001", "U0SUE0001"
FAST = DeliveryConfig(backoff_base=timedelta(seconds=10), max_attempts=3)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def notifier(slack: FakeSlack, db_url: str) -> SlackNotifier:
    settings = Settings(database_url=db_url, slack_bot_token=TOKEN, slack_api_url=slack.url)
    return SlackNotifier(settings, min_interval=0)


@pytest.fixture
def setup(chat, engine: Engine):  # type: ignore[no-untyped-def]
    chat.ok("admin", f"staff add <@{BOB}|bob> role:teacher")
    chat.ok("admin", f"staff add <@{SUE}|sue> role:senco")
    chat.ok("admin", f'pupil add "Ava Smith" year:5 teacher:<@{BOB}>')
    clock = Clock()
    return chat, clock


def rows(engine: Engine) -> list[m.Reminder]:
    with Session(engine) as s:
        return list(s.exec(select(m.Reminder).order_by(m.Reminder.id)).all())


def deadline_id(engine: Engine, row: m.Reminder) -> int:
    """The deadline number a reminder's buttons answer (COMMANDS v2: one number per deadline, D17)."""
    with Session(engine) as s:
        d = s.exec(select(m.Deadline).where(m.Deadline.key == row.deadline_key)).one()
    assert d.id is not None
    return d.id


def test_a_reminder_in_slack_direct_message_with_its_buttons(setup, engine: Engine, slack: FakeSlack,  # type: ignore[no-untyped-def]
                                                            notifier: SlackNotifier) -> None:
    chat, clock = setup
    chat.ok("admin", 'intervention add ava "Lexia" review:2026-03-04 staff:@u0bob0001')
    report = asyncio.run(tick(engine, notifier, clock.at("2026-03-04", "08:00")))
    assert report.sent == 1
    [call] = slack.calls
    [row] = rows(engine)
    assert call.token == TOKEN and call.channel == BOB  # a direct message: the user id as the channel
    assert call.text.startswith("Reminder: Intervention review — Ava Smith")
    actions = call.blocks[-1]
    assert actions["type"] == "actions"
    # The reply's own actions, as every button is: each runs its command through the one button listener.
    assert [(e["text"]["text"], e["value"], e.get("style")) for e in actions["elements"]] == [
        ("Done", f"/sen done D{deadline_id(engine, row)}", "primary"),
        ("Snooze 1 week", f"/sen snooze D{deadline_id(engine, row)} +1w", None),
        ("Open", f"/sen pupil show #{row.pupil_id}", None)]
    assert all(e["action_id"].startswith("sen_run") for e in actions["elements"])
    assert "Ava Smith" in call.body and "CoP 6.48, 6.54" in call.body
    assert row.status == "sent" and row.channel_id == "D" + BOB[1:] and row.message_id and row.attempts == 1


def test_429_with_retry_after_and_500s_still_deliver_each_message_once(setup, engine: Engine,  # type: ignore[no-untyped-def]
                                                                      slack: FakeSlack,
                                                                      notifier: SlackNotifier) -> None:
    chat, clock = setup
    chat.ok("admin", "ehcp issued ava 2025-01-15")  # overdue: to @bob and @sue
    slack.script = ["429", "500", "500", "500", "500"]
    started = time.monotonic()
    first = asyncio.run(tick(engine, notifier, clock.at("2026-03-04", "08:00"), FAST))
    assert time.monotonic() - started >= 1  # the Retry-After was honoured
    for _ in range(5):
        if first.sent + sum(1 for r in rows(engine) if r.status == "sent") >= 2:
            break
        clock.advance(minutes=10)
        asyncio.run(deliver(engine, notifier, clock, instance="t", config=FAST))
    assert [r.status for r in rows(engine)] == ["sent", "sent"]
    assert sorted(slack.delivered_ids().values()) == [1, 1]  # each message arrived once
    assert len(slack.calls) == 2 + 5  # and every failure was tried again
    assert {c.channel for c in slack.delivered} == {BOB, SUE}


def test_a_message_that_keeps_failing_is_parked_with_the_reason_and_can_be_retried(setup, engine: Engine,  # type: ignore[no-untyped-def]
                                                                                  slack: FakeSlack,
                                                                                  notifier: SlackNotifier) -> None:
    chat, clock = setup
    chat.ok("admin", 'intervention add ava "Lexia" review:2026-03-04 staff:@u0bob0001')
    slack.always = "500"
    twice = DeliveryConfig(backoff_base=timedelta(seconds=10), max_attempts=2)
    asyncio.run(tick(engine, notifier, clock.at("2026-03-04", "08:00"), twice))
    [row] = rows(engine)
    assert row.status == "pending" and row.last_error == "Slack answered 500"
    assert row.next_attempt_at >= clock() + timedelta(seconds=8)  # backoff, with jitter
    for _ in range(3):
        clock.advance(hours=1)
        asyncio.run(deliver(engine, notifier, clock, instance="t", config=twice))
    [row] = rows(engine)
    assert row.status == "parked" and row.attempts == 2
    assert row.last_error == "gave up after 2 tries: Slack answered 500"
    assert len(slack.calls) == 4  # each try: one call and slack_sdk's one quick retry of a 500
    assert slack.delivered == []
    slack.always = None
    assert requeue(engine, clock(), None) == 1
    asyncio.run(deliver(engine, notifier, clock, instance="t", config=FAST))
    assert [r.status for r in rows(engine)] == ["sent"]
    assert list(slack.delivered_ids().values()) == [1]


def test_what_retrying_cannot_fix_is_parked_at_once(setup, engine: Engine, slack: FakeSlack,  # type: ignore[no-untyped-def]
                                                   notifier: SlackNotifier) -> None:
    chat, clock = setup
    chat.ok("admin", "staff add @carol role:teacher")  # known only by a console handle, no Slack id
    chat.ok("admin", "settings reminders-channel:<#C0SEN0001|sen-team>")
    chat.ok("admin", 'settings remind:"intervention-review 0=responsible+channel"')
    chat.ok("admin", 'intervention add ava "Lexia" review:2026-03-04 staff:@carol')
    slack.always, slack.always_for = "not_in_channel", {"C0SEN0001"}
    report = asyncio.run(tick(engine, notifier, clock.at("2026-03-04", "08:00"), FAST))
    assert report.parked == 2 and report.sent == 0
    reasons = sorted(r.last_error or "" for r in rows(engine))
    assert reasons[0].startswith("@carol has no Slack user id")
    assert reasons[1] == ("Slack refused it (not_in_channel): the app is not in that channel: invite it "
                          "(/invite @sendbot)")
    assert [c.channel for c in slack.calls] == ["C0SEN0001"]  # Slack is never asked to reach @carol


def test_no_more_than_one_message_a_second_per_channel(setup, engine: Engine, slack: FakeSlack,  # type: ignore[no-untyped-def]
                                                       db_url: str) -> None:
    chat, clock = setup
    chat.ok("admin", "settings reminders-channel:#sen-team")
    chat.ok("admin", 'settings remind:"intervention-review 0=channel"')
    for what in ("Lexia", "Maths", "Handwriting"):
        chat.ok("admin", f'intervention add ava "{what}" review:2026-03-04 staff:@u0bob0001')
    paced = SlackNotifier(Settings(database_url=db_url, slack_bot_token=TOKEN, slack_api_url=slack.url),
                          min_interval=0.3)
    started = time.monotonic()
    report = asyncio.run(tick(engine, paced, clock.at("2026-03-04", "08:00")))
    assert report.sent == 3 and time.monotonic() - started >= 0.6
    assert {c.channel for c in slack.calls} == {"#sen-team"}
    assert all("Ava Smith" not in c.body for c in slack.calls)  # a channel: initials only


def test_without_a_token_messages_are_parked_saying_so(setup, engine: Engine, slack: FakeSlack,  # type: ignore[no-untyped-def]
                                                       db_url: str) -> None:
    chat, clock = setup
    chat.ok("admin", 'intervention add ava "Lexia" review:2026-03-04 staff:@u0bob0001')
    tokenless = SlackNotifier(Settings(database_url=db_url, slack_api_url=slack.url), token_for=lambda sid: None)
    asyncio.run(tick(engine, tokenless, clock.at("2026-03-04", "08:00")))
    [row] = rows(engine)
    assert row.status == "parked" and "Slack is not connected for this school" in (row.last_error or "")
    assert slack.calls == []


def test_typed_mentions_and_markup_in_free_text_stay_text_in_the_channel(setup, engine: Engine,  # type: ignore[no-untyped-def]
                                                                        slack: FakeSlack,
                                                                        notifier: SlackNotifier) -> None:
    chat, clock = setup
    chat.ok("admin", "settings reminders-channel:#sen-team")
    chat.ok("admin", 'settings remind:"intervention-review 0=channel"')
    chat.ok("admin", f'intervention add ava "Lexia @{SUE} <!channel> <https://evil.example|click>" '
                     'review:2026-03-04 staff:@u0bob0001')
    report = asyncio.run(tick(engine, notifier, clock.at("2026-03-04", "08:00")))
    assert report.sent == 1
    [call] = slack.calls
    assert call.channel == "#sen-team"
    assert f"<@{SUE}>" not in call.body  # the typed handle did not become a live mention
    assert "<!channel>" not in call.body and "<https://evil.example" not in call.body
    assert "Lexia" in call.body and "&lt;!channel&gt;" in call.body  # shown, as typed


def test_a_busy_channel_does_not_hold_up_other_peoples_messages(setup, engine: Engine, slack: FakeSlack,  # type: ignore[no-untyped-def]
                                                                 db_url: str) -> None:
    """The per-channel pause is taken before a sending slot: with one slot and four messages queued for the
    team channel, Sue's direct message still goes before the channel's last one. On PostgreSQL the pace is
    kept in the database, so every replica keeps to it."""
    chat, clock = setup
    chat.ok("admin", "settings reminders-channel:#sen-team")
    chat.ok("admin", 'settings remind:"intervention-review 0=channel"')
    for what in ("Lexia", "Maths", "Handwriting"):
        chat.ok("admin", f'intervention add ava "{what}" review:2026-03-04 staff:@u0bob0001')
    chat.ok("admin", 'settings remind:"intervention-review 0=responsible+channel"')
    chat.ok("admin", 'intervention add ava "Chess" review:2026-03-04 staff:@u0sue0001')  # Bob's three DM too
    paced = SlackNotifier(Settings(database_url=db_url, slack_bot_token=TOKEN, slack_api_url=slack.url),
                          min_interval=0.4)
    one_slot = DeliveryConfig(concurrency=1)
    report = asyncio.run(tick(engine, paced, clock.at("2026-03-04", "08:00"), one_slot))
    order = [c.channel for c in slack.delivered]
    assert report.sent == 8 and order.count("#sen-team") == 4 and order.count(SUE) == 1
    assert order.index(SUE) < max(i for i, c in enumerate(order) if c == "#sen-team")
    if engine.dialect.name == "postgresql":
        with Session(engine) as s:
            keys = set(s.exec(select(m.ChannelPace.channel)).all())
        assert {k.rsplit(":", 1)[1] for k in keys} >= {"#sen-team", SUE}

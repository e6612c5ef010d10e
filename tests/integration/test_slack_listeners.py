"""Each Slack listener on its own (bot.slack.app.Listeners), called as Bolt calls it, with a mock ``ack``.

Slack's Web API is the local fake (SLACK_API_URL); ``ack`` and ``respond`` are Bolt's callables, mocked to see
that each listener acknowledges first and what it answers.
"""

import asyncio
from collections.abc import Iterator
from unittest.mock import AsyncMock

import pytest
from e2e.slack_support import ADMIN, BOT_TOKEN, TEAM, TODAY, FakeSlack, make_school, settings_for, text_of
from slack_bolt.context.async_context import AsyncBoltContext
from sqlalchemy import Engine

from bot.slack.app import Listeners, SlackBot, web_client
from bot.state import AppState


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    f = FakeSlack().start()
    yield f
    f.stop()


@pytest.fixture
def listeners(db_url: str, engine: Engine, fake: FakeSlack) -> Listeners:
    make_school(engine)
    state = AppState(settings=settings_for(db_url, fake), engine=engine, today=lambda: TODAY)
    return Listeners(SlackBot(state, oauth=False))


def context(user: str = ADMIN, team: str = TEAM) -> AsyncBoltContext:
    return AsyncBoltContext({"team_id": team, "user_id": user})


def test_a_command_is_acknowledged_before_it_is_answered(listeners: Listeners, fake: FakeSlack) -> None:
    order: list[str] = []
    ack = AsyncMock(side_effect=lambda *a, **k: order.append("ack"))
    respond = AsyncMock(side_effect=lambda *a, **k: order.append("respond"))
    client = web_client(listeners.bot.state.settings, BOT_TOKEN)
    asyncio.run(listeners.on_command(ack=ack, body={"text": 'pupil add "Ava Smith" year:5'}, client=client,
                                     respond=respond, context=context()))
    assert order[:2] == ["ack", "respond"]
    ack.assert_awaited_once_with()
    assert "Added Ava Smith" in text_of(respond.await_args.kwargs["blocks"])
    # A change publishes the person's Home tab again (through the Web API).
    assert fake.wait_for("api", "views.publish")[0].data["user_id"] == ADMIN


def test_a_button_runs_its_command(listeners: Listeners) -> None:
    ack, respond = AsyncMock(), AsyncMock()
    client = web_client(listeners.bot.state.settings, BOT_TOKEN)
    asyncio.run(listeners.on_button(ack=ack, body={"response_url": "https://hooks.invalid/x"},
                                    action={"action_id": "sen_run_0", "value": "/sen help due"}, client=client,
                                    respond=respond, context=context()))
    ack.assert_awaited_once_with()
    assert "/sen due" in text_of(respond.await_args.kwargs["blocks"])


def test_refresh_acknowledges_and_publishes_home(listeners: Listeners, fake: FakeSlack) -> None:
    ack = AsyncMock()
    client = web_client(listeners.bot.state.settings, BOT_TOKEN)
    asyncio.run(listeners.on_refresh(ack=ack, client=client, context=context()))
    ack.assert_awaited_once_with()
    published = fake.wait_for("api", "views.publish")[0]
    assert published.data["view"]["type"] == "home" and published.data["user_id"] == ADMIN


def test_an_unlinked_workspace_gets_the_way_to_link_it(listeners: Listeners) -> None:
    ack, respond = AsyncMock(), AsyncMock()
    client = web_client(listeners.bot.state.settings, BOT_TOKEN)
    asyncio.run(listeners.on_command(ack=ack, body={"text": "due"}, client=client, respond=respond,
                                     context=context(team="T0ELSEWHERE")))
    ack.assert_awaited_once_with()
    shown = text_of(respond.await_args.kwargs["blocks"])
    assert "sendbot link slack T0ELSEWHERE" in shown and "/sen claim CODE" in shown

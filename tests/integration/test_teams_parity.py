"""The same command typed in Teams and in Slack (or the console) gives the same answer: every surface calls
the one ``execute``, and the Adaptive Card shows everything the plain-text rendering shows."""

from datetime import date
from typing import Any

from sqlalchemy import Engine

from bot.commands import execute
from bot.config import Settings
from bot.services import tenancy
from bot.state import AppState
from bot.teams import cards
from bot.teams.app import TeamsBot
from db.engine import transaction

TODAY = date(2026, 3, 2)
TENANT = "11111111-2222-4333-8444-555555555555"


def visible(card: Any) -> str:
    """Every text a person sees on the card (TextBlocks, facts, buttons), markdown escapes undone."""
    if isinstance(card, dict):
        own = [str(card[k]) for k in ("text", "title", "value") if isinstance(card.get(k), str)]
        return "\n".join(own + [visible(v) for v in card.values() if isinstance(v, dict | list)])
    if isinstance(card, list):
        return "\n".join(visible(v) for v in card)
    return ""


def test_teams_answers_as_the_console_does(engine: Engine, school: int, chat: Any) -> None:
    for line in ("staff add @bob role:teacher class:5B", 'pupil add "Ava Smith" year:5 class:5B',
                 "ehcp issued ava 2025-06-10"):
        chat.ok("admin", line)
    with transaction(engine) as session:
        tenancy.link_workspace(session, "teams", TENANT, school)
    state = AppState(settings=Settings(teams_app_id="a", teams_tenant_id=TENANT), engine=engine, today=lambda: TODAY)
    bot = TeamsBot(state)
    for text in ("help", "due", "pupil list", "pupil show ava", "settings", "pupil show nobody", "frobnicate"):
        for who in ("admin", "bob"):
            in_teams = bot.run(TENANT, who, text)
            elsewhere = execute(engine, school, who, text, TODAY)
            assert in_teams == elsewhere, text
            card = visible(cards.render(in_teams))
            for piece in [in_teams.title, *in_teams.lines, *(i.title for i in in_teams.items[: cards.MAX_ITEMS])]:
                assert piece in card.replace("\\", ""), (text, piece)


def test_another_tenant_or_no_user_gets_a_refusal_not_an_answer(engine: Engine, school: int) -> None:
    with transaction(engine) as session:
        tenancy.link_workspace(session, "teams", TENANT, school)
    state = AppState(settings=Settings(teams_app_id="a", teams_tenant_id=TENANT), engine=engine, today=lambda: TODAY)
    bot = TeamsBot(state)
    stranger = bot.run("99999999-2222-4333-8444-555555555555", "admin", "pupil list")
    assert not stranger.ok and "sendbot link teams 99999999-2222-4333-8444-555555555555" in stranger.title
    assert not bot.run(TENANT, None, "pupil list").ok

"""Many workspaces (OAuth): Bolt's SQLAlchemy installation and OAuth-state stores, in our database.

slack_sdk's stores are synchronous (its async variants need an async engine, and ours is not); Bolt's
``AsyncApp`` wants async stores, so these wrappers run each store call in a worker thread and the event
loop never blocks. The tables come from migration 0004 (never the stores' ``create_tables``).
"""

import asyncio
import copy
import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine
from sqlalchemy import select as sa_select
from sqlmodel import Session

from bot.config import Settings, get_settings
from bot.security.crypto import KEYRING, TOKEN_PREFIX
from bot.services import tenancy
from db.engine import get_engine

log = logging.getLogger(__name__)

STATE_SECONDS = 600  # how long an "Add to Slack" link stays valid


TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")


def _with_tokens(obj: Any, change: Callable[[str], str]) -> Any:
    """A copy of an Installation or Bot with each token passed through ``change``."""
    if obj is None:
        return None
    out = copy.copy(obj)
    for name in TOKEN_FIELDS:
        value = getattr(out, name, None)
        if isinstance(value, str) and value:
            setattr(out, name, change(value))
    return out


def _encrypt(value: str) -> str:
    # Idempotent: slack_sdk's save() passes the already-encrypted installation on to save_bot().
    return value if value.startswith(TOKEN_PREFIX) else KEYRING.encrypt(value)


class EncryptingInstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's store, with every token encrypted at rest (SENDBOT_ENCRYPTION_KEY, bot/security/crypto.py).

    The token columns are widened to hold the ciphertext (db/models.py, migration 0008)."""

    def save(self, installation: Installation) -> None:
        super().save(_with_tokens(installation, _encrypt))

    def save_bot(self, bot: Bot) -> None:
        super().save_bot(_with_tokens(bot, _encrypt))

    def find_bot(self, **kwargs: Any) -> Bot | None:  # type: ignore[override]
        return _with_tokens(super().find_bot(**kwargs), KEYRING.decrypt)

    def find_installation(self, **kwargs: Any) -> Installation | None:  # type: ignore[override]
        return _with_tokens(super().find_installation(**kwargs), KEYRING.decrypt)


class ThreadedInstallationStore(AsyncInstallationStore):
    """slack_sdk's ``SQLAlchemyInstallationStore``, each call run off the event loop."""

    def __init__(self, store: SQLAlchemyInstallationStore) -> None:
        self.store = store

    @property
    def logger(self) -> logging.Logger:
        return self.store.logger

    async def async_save(self, installation: Installation) -> None:
        await asyncio.to_thread(self.store.save, installation)

    async def async_save_bot(self, bot: Bot) -> None:
        await asyncio.to_thread(self.store.save_bot, bot)

    async def async_find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                             is_enterprise_install: bool | None = False) -> Bot | None:
        return await asyncio.to_thread(self.store.find_bot, enterprise_id=enterprise_id, team_id=team_id,
                                       is_enterprise_install=is_enterprise_install)

    async def async_find_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                      user_id: str | None = None,
                                      is_enterprise_install: bool | None = False) -> Installation | None:
        return await asyncio.to_thread(self.store.find_installation, enterprise_id=enterprise_id, team_id=team_id,
                                       user_id=user_id, is_enterprise_install=is_enterprise_install)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(self.store.delete_bot, enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                        user_id: str | None = None) -> None:
        await asyncio.to_thread(self.store.delete_installation, enterprise_id=enterprise_id, team_id=team_id,
                                user_id=user_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(self.store.delete_all, enterprise_id=enterprise_id, team_id=team_id)


class ThreadedStateStore(AsyncOAuthStateStore):
    """slack_sdk's ``SQLAlchemyOAuthStateStore`` (one-use, expiring ``state`` values), off the event loop."""

    def __init__(self, store: SQLAlchemyOAuthStateStore) -> None:
        self.store = store

    @property
    def logger(self) -> logging.Logger:
        return self.store.logger

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return await asyncio.to_thread(self.store.issue, *args, **kwargs)

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self.store.consume, state)


def installation_store(settings: Settings, engine: Engine) -> SQLAlchemyInstallationStore:
    if not settings.slack_client_id:
        raise ValueError("SLACK_CLIENT_ID is needed for the installation store")
    return EncryptingInstallationStore(client_id=settings.slack_client_id, engine=engine,
                                       logger=logging.getLogger("bot.slack.installations.store"))


def state_store(engine: Engine) -> SQLAlchemyOAuthStateStore:
    return SQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS, engine=engine,
                                     logger=logging.getLogger("bot.slack.installations.state"))


def bot_token_for_team(team_id: str, settings: Settings | None = None) -> str | None:
    """The bot token of the newest installation in this workspace (OAuth mode), or None.

    In single-workspace mode (no SLACK_CLIENT_ID) it is the configured SLACK_BOT_TOKEN.
    """
    settings = settings or get_settings()
    if not settings.slack_client_id:
        return settings.slack_bot_token
    bots = installation_store(settings, get_engine(settings.database_url)).bots
    # By team id alone: a workspace inside an Enterprise Grid org has an enterprise id too.
    query = (sa_select(bots.c.bot_token)
             .where(bots.c.client_id == settings.slack_client_id, bots.c.team_id == team_id,
                    bots.c.bot_token.is_not(None))
             .order_by(bots.c.installed_at.desc()).limit(1))
    with get_engine(settings.database_url).connect() as connection:
        token = connection.execute(query).scalar()
    return KEYRING.decrypt(token) if token else None


def token_for(settings: Settings | None = None) -> Callable[[int], str | None]:
    """``token_for(school_id)`` for the notifier: the bot token to use for a school's workspace."""
    settings = settings or get_settings()

    def token(school_id: int) -> str | None:
        if not settings.slack_client_id:
            return settings.slack_bot_token
        with Session(get_engine(settings.database_url)) as session:
            teams = tenancy.workspaces_of(session, school_id, "slack")
        return bot_token_for_team(teams[0], settings) if teams else None

    return token

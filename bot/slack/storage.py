"""Slack's own tables: plain SQLModel/SQLAlchemy declarations, no Slack SDK (importing this stays cheap).

Created by this folder's migrations (``bot/slack/migrations``, one linear chain with the core's), which this
module registers with ``db.engine``; the Bolt token columns are registered for encryption at rest
(``db.crypto``). ``bot/tables.py`` imports it with every other surface's storage.
"""

from datetime import datetime
from pathlib import Path

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Index, Integer, String, Table
from sqlalchemy import func as sqlfunc
from sqlmodel import Field, SQLModel

from db.crypto import register_encrypted
from db.engine import register_migrations
from db.models import utcnow

MIGRATIONS = Path(__file__).parent / "migrations"


class SlackEvent(SQLModel, table=True):
    """An Events API delivery already taken: Slack retries (X-Slack-Retry-Num) carry the same event id."""

    __tablename__ = "slack_event"
    event_id: str = Field(primary_key=True, max_length=64)
    team_id: str | None = Field(default=None, max_length=32)
    received_at: datetime = Field(default_factory=utcnow, index=True)


class SlackRequestSeen(SQLModel, table=True):
    """A signed Slack request already taken (its signature): a replay inside the 5-minute window is refused.

    In the database, so every replica refuses it; rows older than the window are pruned (bot/slack/guard.py).
    """

    __tablename__ = "slack_request_seen"
    signature: str = Field(primary_key=True, max_length=80)
    timestamp: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    seen_at: datetime = Field(default_factory=utcnow)


# Bolt's SQLAlchemy installation and OAuth-state stores (slack_sdk) read and write these three tables. They
# are declared here, column for column as slack_sdk's own table builders make them, so migration 0004 creates
# them (never the stores' create_all) and storage needs no chat SDK; tests/unit/test_slack_store_tables.py
# fails if slack_sdk's builders ever drift from these.
# Tokens are stored encrypted (bot/slack/installations.py); a Fernet token is ~2.2 times as long as what it
# holds, so these columns are wider than slack_sdk's String(200).
TOKEN_COLUMN = 1000
slack_installations = Table(
    "slack_installations",
    SQLModel.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(32), nullable=False),
    Column("app_id", String(32), nullable=False),
    Column("enterprise_id", String(32)),
    Column("enterprise_name", String(200)),
    Column("enterprise_url", String(200)),
    Column("team_id", String(32)),
    Column("team_name", String(200)),
    Column("bot_token", String(TOKEN_COLUMN)),
    Column("bot_id", String(32)),
    Column("bot_user_id", String(32)),
    Column("bot_scopes", String(1000)),
    Column("bot_refresh_token", String(TOKEN_COLUMN)),
    Column("bot_token_expires_at", DateTime),
    Column("user_id", String(32), nullable=False),
    Column("user_token", String(TOKEN_COLUMN)),
    Column("user_scopes", String(1000)),
    Column("user_refresh_token", String(TOKEN_COLUMN)),
    Column("user_token_expires_at", DateTime),
    Column("incoming_webhook_url", String(200)),
    Column("incoming_webhook_channel", String(200)),
    Column("incoming_webhook_channel_id", String(200)),
    Column("incoming_webhook_configuration_url", String(200)),
    Column("is_enterprise_install", Boolean, default=False, nullable=False),
    Column("token_type", String(32)),
    Column("installed_at", DateTime, nullable=False, default=sqlfunc.now()),
    Index("slack_installations_idx", "client_id", "enterprise_id", "team_id", "user_id", "installed_at"),
)
slack_bots = Table(
    "slack_bots",
    SQLModel.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(32), nullable=False),
    Column("app_id", String(32), nullable=False),
    Column("enterprise_id", String(32)),
    Column("enterprise_name", String(200)),
    Column("team_id", String(32)),
    Column("team_name", String(200)),
    Column("bot_token", String(TOKEN_COLUMN)),
    Column("bot_id", String(32)),
    Column("bot_user_id", String(32)),
    Column("bot_scopes", String(1000)),
    Column("bot_refresh_token", String(TOKEN_COLUMN)),
    Column("bot_token_expires_at", DateTime),
    Column("is_enterprise_install", Boolean, default=False, nullable=False),
    Column("installed_at", DateTime, nullable=False, default=sqlfunc.now()),
    Index("slack_bots_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
)
slack_oauth_states = Table(
    "slack_oauth_states",
    SQLModel.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(200), nullable=False),
    Column("expire_at", DateTime, nullable=False),
)

register_migrations(MIGRATIONS)
# The stores write tokens already encrypted (bot/slack/installations.py); rotation re-encrypts them here.
register_encrypted("slack_installations", "id", ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token"))
register_encrypted("slack_bots", "id", ("bot_token", "bot_refresh_token"))

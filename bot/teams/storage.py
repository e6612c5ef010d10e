"""Microsoft Teams' and Graph's own tables: plain SQLModel, nothing from Microsoft (no ``[microsoft]`` extra
needed to import it, so every install knows every table).

Created by this folder's migrations (``bot/teams/migrations``, one linear chain with the core's), which this
module registers with ``db.engine``. ``bot/tables.py`` imports it with every other surface's storage.
"""

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from db.engine import register_migrations
from db.models import utcnow

MIGRATIONS = Path(__file__).parent / "migrations"


class TeamsConversation(SQLModel, table=True):
    """Where Teams can reach someone proactively: the conversation reference saved when they (or a team)
    installed the app or first wrote to it. ``key`` is ``staff:<Entra object id>`` for a personal chat, or
    ``channel`` for the school's team channel (the fallback when someone never installed the app)."""

    __tablename__ = "teams_conversation"
    __table_args__ = (UniqueConstraint("school_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    key: str = Field(max_length=80)
    tenant_id: str = Field(max_length=64)
    conversation_id: str = Field(max_length=400)
    service_url: str = Field(max_length=400)
    bot_id: str = Field(max_length=100)
    updated_at: datetime = Field(default_factory=utcnow)


class GraphEvent(SQLModel, table=True):
    """A statutory deadline pushed to the shared mailbox's calendar: the Graph event id, and the date it was
    written with (so a changed date updates it, an unchanged one does nothing, a met deadline deletes it)."""

    __tablename__ = "graph_event"
    __table_args__ = (UniqueConstraint("school_id", "deadline_key"),)
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    deadline_key: str = Field(max_length=120)
    event_id: str = Field(max_length=400)
    due_on: date
    updated_at: datetime = Field(default_factory=utcnow)


register_migrations(MIGRATIONS)

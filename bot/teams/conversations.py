"""Teams conversation references: saved when someone installs the app or writes to it, read to remind them.

Plain database work (no SDK): a reference is the four things the connector needs to post into a
conversation later: the tenant, the conversation id, the service URL and the bot's own id.
"""

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.teams.storage import TeamsConversation
from db.engine import transaction
from db.models import Staff, utcnow

CHANNEL = "channel"


def staff_key(aad_object_id: str) -> str:
    return f"staff:{aad_object_id.strip().lower()}"


@dataclass(frozen=True)
class Ref:
    tenant_id: str
    conversation_id: str
    service_url: str
    bot_id: str


def save(engine: Engine, school_id: int, key: str, ref: Ref) -> None:
    """Create or refresh the reference (Teams may move a conversation to another service URL)."""
    for _ in range(2):  # a concurrent first message may insert the same row: then update it
        try:
            with transaction(engine) as session:
                row = session.exec(select(TeamsConversation).where(TeamsConversation.school_id == school_id,
                                                                   TeamsConversation.key == key)).first()
                row = row or TeamsConversation(school_id=school_id, key=key, tenant_id="", conversation_id="",
                                               service_url="", bot_id="")
                row.tenant_id, row.conversation_id = ref.tenant_id, ref.conversation_id
                row.service_url, row.bot_id, row.updated_at = ref.service_url, ref.bot_id, utcnow()
                session.add(row)
            return
        except IntegrityError:
            continue


def find(engine: Engine, school_id: int, key: str) -> Ref | None:
    with Session(engine) as session:
        row = session.exec(select(TeamsConversation).where(TeamsConversation.school_id == school_id,
                                                           TeamsConversation.key == key)).first()
    return Ref(row.tenant_id, row.conversation_id, row.service_url, row.bot_id) if row else None


def admins_reachable(engine: Engine, school_id: int) -> list[str]:
    """The Entra object ids of the school's active admins who can be reached in Teams."""
    from bot.services import tenancy

    with Session(engine) as session:
        admins = session.exec(select(Staff.id).where(Staff.school_id == school_id, Staff.role == "admin",
                                                     Staff.active == True)).all()  # noqa: E712
        ids = [r.user_id for staff_id in admins if staff_id is not None
               for r in tenancy.reachable(session, staff_id) if r.platform == "teams"]
    return [i for i in ids if find(engine, school_id, staff_key(i)) is not None]

"""The audit trail: who did what, when (never free text, never names)."""

from sqlmodel import Session

from bot.services.access import Actor
from db import models as m

# Where a transaction keeps who is changing what, for /sen undo (bot/services/corrections.py writes the log).
ACTOR = "undo_actor"


def note_change(session: Session, school_id: int, staff_id: int | None, action: str,
                pupil_id: int | None) -> None:
    """This transaction is a person's change, to be logged for /sen undo (the first action about a pupil wins)."""
    if staff_id is None or action.startswith("undo"):
        return
    previous = session.info.get(ACTOR)
    if previous is None or previous[2] is None:
        session.info[ACTOR] = (school_id, staff_id, pupil_id, action)


def audit(session: Session, actor: Actor | None, school_id: int, action: str, pupil_id: int | None = None) -> None:
    session.add(m.AuditLog(school_id=school_id, staff_id=actor.staff_id if actor else None, pupil_id=pupil_id,
                           action=action))
    # A person's change is kept, step by step, so /sen undo can reverse it.
    note_change(session, school_id, actor.staff_id if actor else None, action, pupil_id)

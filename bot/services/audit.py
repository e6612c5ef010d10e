"""The audit trail: who did what, when (never free text, never names)."""

from sqlmodel import Session

from bot.services.access import Actor
from db import models as m


def audit(session: Session, actor: Actor | None, school_id: int, action: str, pupil_id: int | None = None) -> None:
    from bot.services.corrections import note_change  # here, not at the top: corrections imports the services

    session.add(m.AuditLog(school_id=school_id, staff_id=actor.staff_id if actor else None, pupil_id=pupil_id,
                           action=action))
    # A person's change is kept, step by step, so /sen undo can reverse it.
    note_change(session, school_id, actor.staff_id if actor else None, action, pupil_id)

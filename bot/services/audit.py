"""The audit trail: who did what, when (never free text, never names)."""

from sqlmodel import Session

from bot.services.access import Actor
from db import models as m


def audit(session: Session, actor: Actor | None, school_id: int, action: str, pupil_id: int | None = None) -> None:
    session.add(m.AuditLog(school_id=school_id, staff_id=actor.staff_id if actor else None, pupil_id=pupil_id,
                           action=action))

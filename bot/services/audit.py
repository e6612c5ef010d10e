"""The audit trail: who did what, when (never free text, never names)."""

from typing import Any

from sqlmodel import Session, col, select

from bot.services.access import Actor
from db import models as m

# Where a transaction keeps who is changing what, for /sen undo (bot/services/corrections.py writes the log).
ACTOR = "undo_actor"

# Audited reads (issue 11): they change nothing, so /sen undo looks past them to the person's last change.
READS = frozenset({"audit.read", "census.preflight", "chase.letter", "contact.list", "dashboard.link",
                   "provision.map", "pupil.export", "pupil.show", "register.export"})


def note_change(session: Session, school_id: int, staff_id: int | None, action: str,
                pupil_id: int | None) -> None:
    """This transaction is a person's change, to be logged for /sen undo (the first action about a pupil wins)."""
    if staff_id is None or action.startswith("undo") or action in READS:
        return
    previous = session.info.get(ACTOR)
    if previous is None or previous[2] is None:
        session.info[ACTOR] = (school_id, staff_id, pupil_id, action)


def audit(session: Session, actor: Actor | None, school_id: int, action: str, pupil_id: int | None = None) -> None:
    session.add(m.AuditLog(school_id=school_id, staff_id=actor.staff_id if actor else None, pupil_id=pupil_id,
                           action=action))
    # A person's change is kept, step by step, so /sen undo can reverse it.
    note_change(session, school_id, actor.staff_id if actor else None, action, pupil_id)


def trail(session: Session, school_id: int, pupil_id: int) -> list[tuple[m.AuditLog, str]]:
    """Every audit row about a pupil, oldest first, with who did it (their handle; "sendbot" for jobs)."""
    rows = session.exec(select(m.AuditLog, m.Staff.handle)
                        .join(m.Staff, col(m.Staff.id) == m.AuditLog.staff_id, isouter=True)
                        .where(m.AuditLog.school_id == school_id, m.AuditLog.pupil_id == pupil_id)
                        .order_by(col(m.AuditLog.at), col(m.AuditLog.id))).all()
    return [(row, f"@{handle}" if handle else "sendbot") for row, handle in rows]


def export_extras(session: Session, school_id: int, pupil_id: int) -> dict[str, Any]:
    """What a subject access export adds to the facts: the audit trail and the reminders sent about them."""
    reminders = session.exec(select(m.Reminder).where(m.Reminder.school_id == school_id,
                                                      m.Reminder.pupil_id == pupil_id,
                                                      m.Reminder.status == "sent")
                             .order_by(col(m.Reminder.id))).all()
    return {
        "audit_log": [{"at": row.at.isoformat(), "by": who, "action": row.action} for row, who in
                      trail(session, school_id, pupil_id)],
        "reminders_sent": [{"kind": r.kind, "due_on": r.due_on.isoformat() if r.due_on else None,
                            "step": r.step, "recipient": r.recipient,
                            "sent_at": r.sent_at.isoformat() if r.sent_at else None} for r in reminders],
    }

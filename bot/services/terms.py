"""Term dates and closure days (RULES v2): edit and remove terms, record INSET and other closure days.

Each use case is one transaction: it checks the admin role, changes the calendar, audits, and recomputes the
school's deadlines as of today (terms decide parent meetings; half-terms and closures decide school days).
"""

from datetime import date

from sqlmodel import Session, select

from bot.services.access import Actor
from bot.services.audit import audit
from bot.services.deadlines import refresh_school
from bot.services.errors import Refused
from bot.services.school import check_term, get_school
from db import models as m

MAX_CLOSURE_DAYS = 30


def _term(session: Session, actor: Actor, name: str) -> m.Term:
    wanted = " ".join(name.split()).lower()
    terms = session.exec(select(m.Term).where(m.Term.school_id == actor.school_id)).all()
    exact = [t for t in terms if t.name.lower() == wanted]
    found = exact or [t for t in terms if t.name.lower().startswith(wanted)]
    if len(found) == 1:
        return found[0]
    if not found:
        shown = ", ".join(f'"{t.name}"' for t in sorted(terms, key=lambda t: t.start)) or "none yet"
        raise Refused(f"There is no term called \"{name}\". Terms: {shown}.")
    raise Refused(f"\"{name}\" could be {', '.join(repr(t.name) for t in found)}: give the full name.")


def _refresh(session: Session, actor: Actor, action: str, today: date) -> None:
    audit(session, actor, actor.school_id, action)
    session.flush()
    refresh_school(session, get_school(session, actor.school_id), today)


def edit_term(session: Session, actor: Actor, name: str, start: date, end: date, today: date,
              half_term: tuple[date, date] | None = None) -> m.Term:
    """Change a term's dates (and half-term); an estimated term edited becomes a real one."""
    actor.require("admin", doing="change term dates")
    term = _term(session, actor, name)
    if half_term is None and term.half_term_start and term.half_term_end:
        kept = (term.half_term_start, term.half_term_end)
        half_term = kept if start < kept[0] and kept[1] < end else None
    check_term(term.name, start, end, half_term)
    others = session.exec(select(m.Term).where(m.Term.school_id == actor.school_id, m.Term.id != term.id)).all()
    clash = [t for t in others if t.start <= end and t.end >= start and not t.estimated]
    if clash:
        t = clash[0]
        raise Refused(f"That overlaps '{t.name}' ({t.start:%d %b %Y} – {t.end:%d %b %Y}). Real terms may not overlap.")
    for t in others:
        if t.estimated and t.start <= end and t.end >= start:
            session.delete(t)
    term.start, term.end, term.estimated = start, end, False
    term.half_term_start, term.half_term_end = half_term if half_term else (None, None)
    session.add(term)
    _refresh(session, actor, "term.edit", today)
    return term


def remove_term(session: Session, actor: Actor, name: str, today: date) -> str:
    """Remove a term. A year left with no terms gets estimated ones again, so parent meetings never stop."""
    actor.require("admin", doing="change term dates")
    term = _term(session, actor, name)
    gone = term.name
    session.delete(term)
    _refresh(session, actor, "term.remove", today)
    return gone


def add_closure(session: Session, actor: Actor, start: date, end: date | None, reason: str, today: date) -> m.Closure:
    """INSET or another closure day (or days): not a school day for reminders."""
    actor.require("admin", doing="record closure days")
    end = end or start
    reason = " ".join(reason.split())
    if not reason:
        raise Refused('Say why the school is closed, in quotes: "INSET day".')
    if end < start:
        raise Refused(f"The closure ends ({end:%d %b %Y}) before it starts ({start:%d %b %Y}).")
    if (end - start).days >= MAX_CLOSURE_DAYS:
        raise Refused(f"A closure is a few days (up to {MAX_CLOSURE_DAYS}); holidays are the gaps between terms.")
    clash = session.exec(select(m.Closure).where(m.Closure.school_id == actor.school_id, m.Closure.start <= end,
                                                 m.Closure.end >= start)).first()
    if clash is not None:
        raise Refused(f"{clash.start:%d %b %Y} is already a closure day ({clash.reason}).")
    closure = m.Closure(school_id=actor.school_id, start=start, end=end, reason=reason[:120])
    session.add(closure)
    _refresh(session, actor, "closure.add", today)
    return closure


def list_closures(session: Session, actor: Actor) -> list[m.Closure]:
    if actor.classroom:
        raise Refused("Closure days are for admins, the SENCO and leaders to see.")
    return list(session.exec(select(m.Closure).where(m.Closure.school_id == actor.school_id)
                             .order_by(m.Closure.start)).all())


def remove_closure(session: Session, actor: Actor, day: date, today: date) -> m.Closure:
    actor.require("admin", doing="record closure days")
    closure = session.exec(select(m.Closure).where(m.Closure.school_id == actor.school_id, m.Closure.start <= day,
                                                   m.Closure.end >= day)).first()
    if closure is None:
        raise Refused(f"{day:%d %b %Y} is not a closure day. /sen closure list shows them.")
    session.delete(closure)
    _refresh(session, actor, "closure.remove", today)
    return closure

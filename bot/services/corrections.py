"""Correcting the record (COMMANDS v2): history, remove, fix, undo and pupil edit.

Every change a person makes is captured as it is flushed (the rows added, changed and deleted in the
fact tables), and one ``ChangeLog`` row per transaction keeps the steps that reverse it, so ``/sen undo``
works for any recording command without each one knowing about it. Removing or fixing a fact recomputes
the pupil's deadlines (and withdraws their pending reminders) in the same transaction.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlmodel import Session, col, select

from bot.rules.census import NEEDS
from bot.services.access import Actor
from bot.services.audit import ACTOR as _ACTOR
from bot.services.deadlines import recompute_pupil, recompute_school_level, refresh_school
from bot.services.errors import Refused
from bot.services.refs import BY_LETTER, BY_TABLE, fact_date, ref_of
from db import models as m

UNDO_WINDOW = timedelta(hours=24)
# Tables whose rows a person's command changes and /sen undo may put back.
TRACKED: dict[str, type] = {k.table.__tablename__: k.table for k in BY_TABLE.values()}  # type: ignore[attr-defined]
TRACKED.update({t.__tablename__: t for t in (m.Pupil, m.Term, m.Closure, m.SencoAppointment,  # type: ignore[attr-defined]
                                            m.InfoReport)})
_OPS = "undo_ops"
_OFF = "undo_off"
IRREVERSIBLE = "irreversible"


# --- capturing changes ---------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    return value


def _unplain(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"d"}:
        return date.fromisoformat(value["d"])
    if isinstance(value, dict) and set(value) == {"dt"}:
        return datetime.fromisoformat(value["dt"])
    return value


def _columns(obj: Any) -> list[str]:
    return [c.key for c in inspect(type(obj)).column_attrs]


@event.listens_for(Session, "after_flush")
def _capture(session: Session, _context: Any) -> None:
    if session.info.get(_OFF):
        return
    ops: list[dict[str, Any]] = session.info.setdefault(_OPS, [])
    for obj in session.new:
        table = getattr(type(obj), "__tablename__", None)
        if table in TRACKED:
            ops.append({"op": "delete", "table": table, "id": obj.id})
    for obj in session.dirty:
        table = getattr(type(obj), "__tablename__", None)
        if table not in TRACKED or not session.is_modified(obj, include_collections=False):
            continue
        state = inspect(obj)
        before = {}
        for key in _columns(obj):
            history = state.attrs[key].history
            if history.deleted:
                before[key] = _plain(history.deleted[0])
        if before:
            ops.append({"op": "set", "table": table, "id": obj.id, "values": before})
    for obj in session.deleted:
        table = getattr(type(obj), "__tablename__", None)
        if table == m.Pupil.__tablename__:
            session.info[IRREVERSIBLE] = True  # an erased pupil is gone for good
        if table in TRACKED:
            ops.append({"op": "insert", "table": table, "row": {k: _plain(getattr(obj, k)) for k in _columns(obj)}})


@event.listens_for(Session, "before_commit")
def _log(session: Session) -> None:
    who = session.info.pop(_ACTOR, None)
    ops = session.info.pop(_OPS, [])
    irreversible = session.info.pop(IRREVERSIBLE, False)
    if who is None or session.info.get(_OFF):
        return
    school_id, staff_id, pupil_id, action = who
    session.add(m.ChangeLog(school_id=school_id, staff_id=staff_id, pupil_id=pupil_id, action=action,
                            undo=None if irreversible or not ops else ops))


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    for key in (_OPS, _ACTOR, IRREVERSIBLE):
        session.info.pop(key, None)


# --- references ------------------------------------------------------------------------------------------------


def _describe(row: Any) -> str:
    kind = BY_TABLE[type(row)]
    if isinstance(row, m.SupportPeriod):
        return f"SEN support from {row.start:%d %b %Y}" + (f" to {row.end:%d %b %Y}" if row.end else "")
    if isinstance(row, m.ParentMeeting):
        return f"parent meeting on {row.held_on:%d %b %Y}"
    if isinstance(row, m.ParentContact):
        return f"parent contact {row.name}" + (f" ({row.relation})" if row.relation else "")
    if isinstance(row, m.Intervention):
        return f"intervention \"{row.what}\" ({row.status})"
    if isinstance(row, m.InterventionReview):
        if row.reviewed_on:
            return f"intervention review on {row.reviewed_on:%d %b %Y}: {row.outcome}"
        return f"intervention review planned for {row.due:%d %b %Y}"
    if isinstance(row, m.AssessmentRequest):
        what = "re-assessment" if row.reassessment else "EHC needs assessment"
        return f"{what} requested, received {row.received_on:%d %b %Y}"
    if isinstance(row, m.LaDecision):
        return f"LA decision {row.kind}, sent {row.sent_on:%d %b %Y}"
    if isinstance(row, m.EhcPlan):
        return f"EHC plan issued {row.issued_on:%d %b %Y}" + (f", ended {row.ceased_on:%d %b %Y}"
                                                              if row.ceased_on else "")
    if isinstance(row, m.ReviewMeeting):
        if row.held_on:
            return f"annual review meeting held {row.held_on:%d %b %Y}"
        return f"annual review meeting booked for {row.booked_for:%d %b %Y}" if row.booked_for else "review meeting"
    if isinstance(row, m.MediationCertificate):
        return f"mediation certificate issued {row.issued_on:%d %b %Y}" + (f" (about d{row.decision_id})"
                                                                           if row.decision_id else "")
    if isinstance(row, m.Appeal):
        return f"appeal lodged {row.lodged_on:%d %b %Y}" + (f" (against d{row.decision_id})"
                                                            if row.decision_id else "")
    if isinstance(row, m.TribunalOrder):
        return f"tribunal order ({row.kind}) dated {row.ordered_on:%d %b %Y}"
    return kind.what


def history(session: Session, actor: Actor, pupil: m.Pupil) -> list[tuple[str, date | None, str]]:
    """Every recorded fact about the pupil with its reference, newest first: (ref, date, description)."""
    actor.require_pupil(pupil, "see the record")
    rows: list[Any] = []
    for kind in BY_TABLE.values():
        if kind.table is m.InterventionReview:
            continue
        rows += session.exec(select(kind.table).where(kind.table.pupil_id == pupil.id)).all()
    ivs = [r.id for r in rows if isinstance(r, m.Intervention)]
    if ivs:
        rows += [r for r in session.exec(select(m.InterventionReview).where(
            col(m.InterventionReview.intervention_id).in_(ivs))).all() if r.reviewed_on is not None]
    out = [(ref_of(r), fact_date(r), _describe(r)) for r in rows]
    return sorted(out, key=lambda x: (x[1] or date.min, x[0]), reverse=True)


def find_fact(session: Session, actor: Actor, ref: str) -> tuple[Any, m.Pupil]:
    """The fact a reference names, and its pupil, if the person may change it."""
    text = ref.strip().lower()
    kind = BY_LETTER.get(text[:1])
    number = text[1:]
    if kind is None or not (number.isascii() and number.isdigit()) or int(number) >= 2**31:
        raise Refused(f"'{ref}' is not a reference. References look like m12 or d4: /sen history <pupil> lists "
                      "them.")
    row = session.get(kind.table, int(number))
    if row is None or row.school_id != actor.school_id:
        raise Refused(f"There is no {ref} in this school's record (it may have been removed). "
                      "/sen history <pupil> lists the references.")
    pupil_id = row.pupil_id if hasattr(row, "pupil_id") else session.get(m.Intervention, row.intervention_id).pupil_id
    pupil = session.get(m.Pupil, pupil_id)
    assert pupil is not None
    if not actor.can_see(pupil):
        raise Refused(f"There is no {ref} you can change: you can only correct the record of pupils you teach.")
    if actor.role == "ta" and kind.table not in (m.Intervention, m.InterventionReview):
        # Roles as for recording: a teaching assistant records (so corrects) interventions and their reviews.
        raise Refused(f"Teaching assistants correct interventions and their reviews; ask {pupil.name}'s teacher "
                      f"or the SENCO to correct {ref}.")
    return row, pupil


def _same_plan_decision(session: Session, row: Any) -> Any:
    """``ehcp issued`` and ``decision … plan-issued`` are one fact, stored as a plan and a decision."""
    if isinstance(row, m.LaDecision) and row.kind == "plan-issued":
        return session.exec(select(m.EhcPlan).where(m.EhcPlan.pupil_id == row.pupil_id,
                                                    m.EhcPlan.issued_on == row.sent_on)).first()
    if isinstance(row, m.EhcPlan):
        return session.exec(select(m.LaDecision).where(m.LaDecision.pupil_id == row.pupil_id,
                                                       m.LaDecision.kind == "plan-issued",
                                                       m.LaDecision.sent_on == row.issued_on)).first()
    return None


def _after(session: Session, actor: Actor, pupil: m.Pupil, action: str, today: date) -> None:
    from bot.services.audit import audit
    from bot.services.school import get_school

    audit(session, actor, actor.school_id, action, pupil.id)
    session.flush()
    recompute_pupil(session, get_school(session, actor.school_id), pupil, today)


def remove(session: Session, actor: Actor, ref: str, today: date) -> tuple[str, m.Pupil]:
    """Withdraw a fact recorded by mistake; its deadlines and their pending reminders go with it."""
    row, pupil = find_fact(session, actor, ref)
    what = _describe(row)
    if isinstance(row, m.Intervention):
        for r in session.exec(select(m.InterventionReview).where(m.InterventionReview.intervention_id == row.id)):
            session.delete(r)
    elif isinstance(row, m.InterventionReview):
        # A review recorded by mistake: the review is planned again and the one it planned next goes.
        iv = session.get(m.Intervention, row.intervention_id)
        later = session.exec(select(m.InterventionReview).where(
            m.InterventionReview.intervention_id == row.intervention_id, m.InterventionReview.id != row.id,
            col(m.InterventionReview.reviewed_on).is_(None))).all()
        for r in later:
            session.delete(r)
        row.reviewed_on, row.outcome = None, None
        session.add(row)
        if iv is not None:
            iv.status = "active"
            session.add(iv)
        _after(session, actor, pupil, "fact.remove", today)
        return what, pupil
    elif isinstance(row, m.LaDecision):
        for table in (m.MediationCertificate, m.Appeal):
            for linked in session.exec(select(table).where(table.decision_id == row.id)):
                linked.decision_id = None
                session.add(linked)
    twin = _same_plan_decision(session, row)
    if twin is not None:
        session.delete(twin)
    session.delete(row)
    _after(session, actor, pupil, "fact.remove", today)
    return what, pupil


def fix(session: Session, actor: Actor, ref: str, new: date, today: date) -> tuple[str, str, m.Pupil]:
    """Correct the date of a fact. Returns (what it was, what it is now, pupil)."""
    row, pupil = find_fact(session, actor, ref)
    kind = BY_TABLE[type(row)]
    before = _describe(row)
    if isinstance(row, m.ParentContact):
        raise Refused("A parent contact has no date to fix. Remove it (/sen remove) and add it again.")
    planned = (isinstance(row, m.ReviewMeeting) and row.held_on is None) or isinstance(row, m.Intervention) or (
        isinstance(row, m.InterventionReview) and row.reviewed_on is None)
    if kind.happened and not planned and new > today:
        raise Refused(f"{new:%d %B %Y} is in the future, and {ref} records something that has happened.")
    if isinstance(row, m.SupportPeriod):
        if row.end is not None and new > row.end:
            raise Refused(f"That support period ended {row.end:%d %b %Y}; it can't start after that.")
        row.start = new
    elif isinstance(row, m.ReviewMeeting):
        if row.held_on is not None:
            first = session.exec(select(sa.func.min(m.EhcPlan.issued_on)).where(
                m.EhcPlan.pupil_id == row.pupil_id)).one()
            if first is not None and new < first:
                raise Refused(f"{pupil.name}'s EHC plan was issued {first:%d %b %Y}; a review can't be held before.")
            row.held_on = new
        else:
            row.booked_for = new
    elif isinstance(row, m.InterventionReview):
        if row.reviewed_on is not None:
            row.reviewed_on = new
        else:
            row.due = new
    elif isinstance(row, m.EhcPlan) and row.ceased_on is not None and new > row.ceased_on:
        raise Refused(f"That plan ended {row.ceased_on:%d %b %Y}; it can't be issued after that.")
    else:
        twin = _same_plan_decision(session, row)
        setattr(row, kind.date_field, new)
        if twin is not None:
            setattr(twin, BY_TABLE[type(twin)].date_field, new)
            session.add(twin)
    session.add(row)
    _after(session, actor, pupil, "fact.fix", today)
    return before, _describe(row), pupil


def undo(session: Session, actor: Actor, today: date, now: datetime | None = None) -> str:
    """Reverse the person's own last change, if it was made in the last 24 hours. Returns what was undone."""
    from bot.services.audit import audit
    from bot.services.school import get_school

    now = now or datetime.now(UTC)
    last = session.exec(select(m.ChangeLog).where(m.ChangeLog.school_id == actor.school_id,
                                                  m.ChangeLog.staff_id == actor.staff_id,
                                                  col(m.ChangeLog.undone).is_(False))
                        .order_by(col(m.ChangeLog.id).desc())).first()
    at = None if last is None else last.at if last.at.tzinfo else last.at.replace(tzinfo=UTC)
    if last is None or at is None or now - at > UNDO_WINDOW:
        raise Refused("You have no change of your own from the last 24 hours to undo. To correct an older "
                      "fact: /sen history <pupil>, then /sen fix <ref> <date> or /sen remove <ref>.")
    if not last.undo:
        raise Refused(f"Your last change ({last.action.replace('.', ' ')}) can't be undone with /sen undo"
                      + (": an erased record is gone for good." if last.action == "pupil.erase" else
                         "; change it back with the command that set it."))
    session.info[_OFF] = True
    try:
        _apply(session, last.undo)
        last.undone = True
        session.add(last)
        audit(session, actor, actor.school_id, "undo", last.pupil_id)
        session.flush()
        school = get_school(session, actor.school_id)
        if any(op["table"] in ("term", "closure") for op in last.undo) or last.pupil_id is None:
            refresh_school(session, school, today)
        else:
            pupil = session.get(m.Pupil, last.pupil_id)
            if pupil is not None:
                recompute_pupil(session, school, pupil, today)
        recompute_school_level(session, school)
    finally:
        session.info.pop(_OFF, None)
    return last.action.replace(".", " ")


def _apply(session: Session, steps: list[dict[str, Any]]) -> None:
    """Reverse the steps, newest first. A later change that depends on them (a fact added to a pupil whose adding
    is being undone) makes the database refuse: say so, and change nothing."""
    try:
        for op in reversed(steps):
            table = TRACKED[op["table"]]
            if op["op"] == "delete":
                row = session.get(table, op["id"])
                if row is not None:
                    session.delete(row)
            elif op["op"] == "set":
                row = session.get(table, op["id"])
                if row is not None:
                    for k, v in op["values"].items():
                        setattr(row, k, _unplain(v))
                    session.add(row)
            else:
                session.add(table(**{k: _unplain(v) for k, v in op["row"].items()}))
            session.flush()
    except sa.exc.IntegrityError:
        raise Refused("Your last change can't be undone now: things recorded since depend on it. Correct it with "
                      "/sen fix or /sen remove instead.") from None


# --- pupil edit and the audit trail -----------------------------------------------------------------------------

# The school census SEN type codes (DfE), as register defined them; NSA ("no specialist assessment") only for SEN
# support.
NEED_CODES = tuple(NEEDS)


def edit_pupil(session: Session, actor: Actor, ref: str, changes: dict[str, Any], today: date) -> tuple[m.Pupil,
                                                                                                        list[str]]:
    """Correct a pupil's details (name, year, class, teacher, UPN, date of birth, census needs)."""
    from bot.rules.dates import academic_year_of
    from bot.services.groups import check_groups
    from bot.services.lookup import UPN, find_pupil, find_staff
    from bot.services.pupils import check_needs, parse_year, sen_status

    pupil = find_pupil(session, actor, ref)
    actor.require_pupil(pupil, "edit a pupil")
    if actor.role == "ta":
        # COMMANDS v2: a teaching assistant records and reviews interventions; pupils' details are the teacher's.
        raise Refused(f"Teaching assistants record and review interventions; ask {pupil.name}'s teacher or the "
                      "SENCO to edit the pupil.")
    if not changes:
        raise Refused("Say what to change, e.g. /sen pupil edit ava year:6 class:6B. Options: name:, year:, "
                      "class:, teacher:, upn:, dob:, need:, need2:.")
    done: list[str] = []
    if "name" in changes:
        name = " ".join(str(changes["name"]).split())
        if not name or name.startswith("#") or UPN.match(name):
            raise Refused("name: takes the pupil's full name in quotes, like name:\"Ava Smith\".")
        pupil.name = name
        done.append(f"name {name}")
    if "year" in changes:
        pupil.year_group = parse_year(str(changes["year"]))
        pupil.year_recorded_in = academic_year_of(today)
        done.append(f"year {changes['year']}")
    if "class" in changes:
        pupil.class_name = check_groups(str(changes["class"]))  # several groups: class:10X1,10Y2
        done.append(f"class {pupil.class_name}")
    if "teacher" in changes:
        handle, display = changes["teacher"]
        pupil.teacher_id = find_staff(session, actor.school_id, handle, display).id
        done.append(f"teacher @{handle}")
    if "upn" in changes:
        upn = str(changes["upn"]).strip().upper()
        if not UPN.match(upn):
            raise Refused(f"'{upn}' is not a UPN: a UPN is a letter followed by 12 characters (like A123456789012).")
        other = session.exec(select(m.Pupil).where(m.Pupil.school_id == actor.school_id, m.Pupil.upn == upn,
                                                   m.Pupil.id != pupil.id)).first()
        if other is not None:
            raise Refused(f"Another pupil already has UPN {upn}.")
        pupil.upn = upn
        done.append("UPN")
    if "dob" in changes:
        if changes["dob"] >= today:
            raise Refused("dob is the date of birth: it must be in the past.")
        pupil.dob = changes["dob"]
        done.append("date of birth")
    if "need" in changes or "need2" in changes:
        # Checked as a pair with what is kept (register's check_needs): need2 needs a need, and differs from it.
        need, need2 = check_needs(str(changes.get("need", pupil.need or "")),
                                  str(changes.get("need2", pupil.need2 or "")))
        if "NSA" in (need, need2) and sen_status(session, pupil) != "support":
            raise Refused("NSA (no specialist assessment) is only for pupils on SEN support.")
        pupil.need, pupil.need2 = need, need2
        done.extend(f"{key} {getattr(pupil, key)}" for key in ("need", "need2") if key in changes)
    if actor.classroom and not actor.teaches(pupil):
        raise Refused("That would move the pupil out of your class: ask the SENCO to make the change.")
    session.add(pupil)
    _after(session, actor, pupil, "pupil.edit", today)
    return pupil, done

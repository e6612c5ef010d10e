"""Pupils and their parent contacts: add, show, list, archive, export, erase."""

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, delete, select

from bot.rules.census import NEEDS, need_code
from bot.rules.dates import academic_year_of, current_year_group
from bot.services.access import Actor
from bot.services.audit import audit, export_extras
from bot.services.deadlines import recompute_pupil, remove_pupil_deadlines
from bot.services.errors import Refused
from bot.services.groups import check_groups, shares_group
from bot.services.lookup import UPN, find_pupil, find_staff, label
from bot.services.school import get_school
from db import models as m
from db.crypto import KEYRING

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ()-]{6,20}$")
FACT_TABLES = (m.SupportPeriod, m.ParentMeeting, m.ParentContact, m.AssessmentRequest, m.LaDecision, m.EhcPlan,
               m.ReviewMeeting, m.MediationCertificate, m.Appeal, m.TribunalOrder)


def parse_year(text: str) -> int:
    """Year groups are N (a school nursery class, stored as -1), R (Reception, stored as 0) or 1 to 14."""
    t = text.strip().upper().removeprefix("Y").removeprefix("EAR").strip()
    if t in ("R", "RECEPTION", "0"):
        return 0
    if t in ("N", "NURSERY"):
        return -1
    if t.isascii() and t.isdigit() and 1 <= int(t) <= 14:  # isascii: "²" is a digit int() refuses
        return int(t)
    raise Refused(f"year takes N (nursery), R or a year group from 1 to 14 (like year:5); '{text}' isn't one.",
                  field="year")


def year_label(year: int) -> str:
    return "Nursery" if year == -1 else "Reception" if year == 0 else f"Year {year}"


def current_year(p: m.Pupil, today: date) -> int:
    return current_year_group(p.year_group, p.year_recorded_in, today)


def check_needs(need: str | None, need2: str | None) -> tuple[str | None, str | None]:
    """The census codes for need:/need2:, or a refusal naming the codes that exist."""
    out: list[str | None] = []
    for key, value in (("need", need), ("need2", need2)):
        if value is None or not value.strip():
            out.append(None)
            continue
        code = need_code(value)
        if code is None:
            raise Refused(f"{key}: takes a census SEN type code: {', '.join(NEEDS)}; '{value}' isn't one.")
        out.append(code)
    if out[1] and not out[0]:
        raise Refused("need2: is the secondary need: give the primary need too (need:<code>).")
    if out[0] and out[0] == out[1]:
        raise Refused(f"need2: repeats need: ({out[0]}): leave it out, or give a different secondary need.")
    return out[0], out[1]


def add_pupil(session: Session, actor: Actor, name: str, year: str, today: date, class_name: str | None = None,
              teacher: tuple[str, str | None] | None = None, upn: str | None = None,
              dob: date | None = None, need: str | None = None, need2: str | None = None) -> m.Pupil:
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise Refused("The pupil needs a full name in quotes, like \"Ava Smith\".", field="name")
    if name.startswith("#") or UPN.match(name):
        raise Refused(f"'{name}' looks like a pupil number or UPN, not a name: give the name in quotes.", field="name")
    year_group = parse_year(year)
    if actor.role == "leader":
        raise Refused("Leaders read deadlines and digests; a teacher, the SENCO or an admin adds pupils.")
    if actor.role == "ta":
        raise Refused("Teaching assistants record and review interventions; a teacher, the SENCO or an admin adds "
                      "pupils.")
    class_name = check_groups(class_name)
    need, need2 = check_needs(need, need2)
    teacher_id: int | None = None
    if teacher is not None:
        staff = find_staff(session, actor.school_id, *teacher)
        teacher_id = staff.id
    elif actor.role == "teacher":
        teacher_id = actor.staff_id  # a teacher adds the pupils they teach
    if actor.role == "teacher" and teacher_id != actor.staff_id and not shares_group(class_name, actor.class_name):
        raise Refused("Teachers add pupils they teach: leave out teacher:, or ask the SENCO to add this pupil.")
    if upn is not None:
        upn = upn.strip().upper()
        if not UPN.match(upn):
            raise Refused(f"'{upn}' is not a UPN: a UPN is a letter followed by 12 characters (like A123456789012).",
                          field="upn")
        holder = session.exec(select(m.Pupil).where(m.Pupil.school_id == actor.school_id, m.Pupil.upn == upn)).first()
        if holder is not None:
            # A UPN is one child's for life, so it can't be added twice; to someone who can't see that pupil
            # the refusal names no one (it reveals only that the UPN they typed is in use).
            shown = f" ({label(holder)})" if actor.can_see(holder) else ""
            raise Refused(f"UPN {upn} is already on the school's records{shown}. If this is your pupil, ask "
                          "the SENCO to make you their teacher.", field="upn")
    if dob is not None and dob >= today:
        raise Refused("dob is the date of birth: it must be in the past.", field="dob")
    same = [p for p in session.exec(select(m.Pupil).where(m.Pupil.school_id == actor.school_id, m.Pupil.name == name,
                                                          col(m.Pupil.archived).is_(False))).all()
            if actor.can_see(p)]  # only pupils they may see: another class's pupil is never revealed
    if same and upn is None:
        raise Refused(f"There is already a pupil called {name} (#{same[0].id}). If this is a different child, "
                      "add them with their upn: so they can be told apart.")
    pupil = m.Pupil(school_id=actor.school_id, name=name, upn=upn, dob=dob, year_group=year_group,
                    year_recorded_in=academic_year_of(today), class_name=class_name, teacher_id=teacher_id,
                    need=need, need2=need2)
    session.add(pupil)
    session.flush()
    audit(session, actor, actor.school_id, "pupil.add", pupil.id)
    return pupil


@dataclass
class PupilView:
    pupil: m.Pupil
    year: int
    teacher: m.Staff | None
    status: str  # support | ehcp | none
    deadlines: list[m.Deadline]
    interventions: list[m.Intervention]
    meetings: list[m.ParentMeeting]
    contacts: list[m.ParentContact]


def sen_statuses(session: Session, school_id: int, pupil_id: int | None = None) -> dict[int, str]:
    """SEN status by pupil ("ehcp" or "support"; absent means none): two queries, for a school or one pupil."""
    support = select(m.SupportPeriod.pupil_id).where(m.SupportPeriod.school_id == school_id,
                                                     col(m.SupportPeriod.end).is_(None))
    plans = select(m.EhcPlan.pupil_id).where(m.EhcPlan.school_id == school_id, col(m.EhcPlan.ceased_on).is_(None))
    if pupil_id is not None:
        support = support.where(m.SupportPeriod.pupil_id == pupil_id)
        plans = plans.where(m.EhcPlan.pupil_id == pupil_id)
    # A plan outranks support.
    return {**dict.fromkeys(session.exec(support).all(), "support"), **dict.fromkeys(session.exec(plans).all(), "ehcp")}


def sen_status(session: Session, pupil: m.Pupil) -> str:
    return sen_statuses(session, pupil.school_id, pupil.id).get(pupil.id or 0, "none")


def show_pupil(session: Session, actor: Actor, ref: str, today: date) -> PupilView:
    pupil = find_pupil(session, actor, ref, include_archived=True)
    actor.require_pupil(pupil, "see a pupil's details")
    assert pupil.id is not None
    audit(session, actor, actor.school_id, "pupil.show", pupil.id)  # reads are audited too
    deadlines = session.exec(select(m.Deadline).where(m.Deadline.pupil_id == pupil.id)
                             .order_by(m.Deadline.due)).all()
    return PupilView(
        pupil=pupil,
        year=current_year(pupil, today),
        teacher=session.get(m.Staff, pupil.teacher_id) if pupil.teacher_id else None,
        status=sen_status(session, pupil),
        deadlines=list(deadlines),
        interventions=list(session.exec(select(m.Intervention).where(m.Intervention.pupil_id == pupil.id)).all()),
        meetings=list(session.exec(select(m.ParentMeeting).where(m.ParentMeeting.pupil_id == pupil.id)
                                   .order_by(m.ParentMeeting.held_on)).all()),
        contacts=list(session.exec(select(m.ParentContact).where(m.ParentContact.pupil_id == pupil.id)).all()),
    )


def list_pupils(session: Session, actor: Actor, class_name: str | None, status: str | None,
                today: date, need: str | None = None) -> list[tuple[m.Pupil, int, str]]:
    if actor.role == "leader":
        raise Refused("Leaders read deadlines and digests (/sen due, /sen digest); pupil lists are for teachers "
                      "and the SENCO.")
    if need is not None:
        need = check_needs(need, None)[0]
    query = select(m.Pupil).where(m.Pupil.school_id == actor.school_id, col(m.Pupil.archived).is_(False))
    statuses = sen_statuses(session, actor.school_id)
    out = []
    for p in session.exec(query.order_by(m.Pupil.name)).all():
        if not actor.can_see(p):
            continue
        if class_name and not shares_group(class_name, p.class_name):
            continue
        if need and need not in (p.need, p.need2):
            continue
        assert p.id is not None
        s = statuses.get(p.id, "none")
        if status and s != status:
            continue
        out.append((p, current_year(p, today), s))
    return out


def archive_pupil(session: Session, actor: Actor, ref: str) -> m.Pupil:
    actor.require("senco", "admin", doing="archive a pupil")
    pupil = find_pupil(session, actor, ref)
    assert pupil.id is not None
    pupil.archived = True
    session.add(pupil)
    remove_pupil_deadlines(session, pupil.id)
    school = get_school(session, actor.school_id)
    school.data_version += 1
    session.add(school)
    audit(session, actor, actor.school_id, "pupil.archive", pupil.id)
    return pupil


def _row(obj: Any) -> dict[str, Any]:
    skip = {"school_id", "pupil_id"}
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in obj.model_dump().items() if k not in skip}


def export_pupil(session: Session, actor: Actor, ref: str) -> dict[str, Any]:
    """Everything held about one pupil, for a subject access request (UK GDPR Art. 15)."""
    actor.require("senco", "admin", doing="export a pupil's record")
    pupil = find_pupil(session, actor, ref, include_archived=True)
    assert pupil.id is not None
    data: dict[str, Any] = {"pupil": _row(pupil)}
    for table in FACT_TABLES:
        rows = session.exec(select(table).where(table.pupil_id == pupil.id)).all()
        data[table.__tablename__] = [_row(r) for r in rows]
    interventions = session.exec(select(m.Intervention).where(m.Intervention.pupil_id == pupil.id)).all()
    data["intervention"] = []
    for iv in interventions:
        reviews = session.exec(select(m.InterventionReview).where(m.InterventionReview.intervention_id == iv.id)).all()
        data["intervention"].append({**_row(iv), "reviews": [_row(r) for r in reviews]})
    data["deadline"] = [_row(d) for d in session.exec(select(m.Deadline).where(m.Deadline.pupil_id == pupil.id))]
    audit(session, actor, actor.school_id, "pupil.export", pupil.id)
    session.flush()
    data.update(export_extras(session, actor.school_id, pupil.id))  # the audit trail and reminders sent
    return data


def erase_check(session: Session, actor: Actor, ref: str) -> m.Pupil:
    """The pupil /sen erase would erase, if the person may; nothing changes."""
    actor.require("senco", "admin", doing="erase a pupil's record")
    return find_pupil(session, actor, ref, include_archived=True)


def erase_pupil(session: Session, actor: Actor, ref: str) -> str:
    """Delete a pupil and every fact about them (UK GDPR Art. 17). The audit trail keeps only the id."""
    actor.require("senco", "admin", doing="erase a pupil's record")
    pupil = find_pupil(session, actor, ref, include_archived=True)
    pid = pupil.id
    assert pid is not None
    name = pupil.name
    delete_pupil_record(session, pupil)
    school = get_school(session, actor.school_id)
    school.data_version += 1
    session.add(school)
    audit(session, actor, actor.school_id, "pupil.erase", pid)
    session.flush()
    return name


def delete_pupil_record(session: Session, pupil: m.Pupil) -> None:
    """Delete a pupil and every fact about them (erase, and the retention job). The audit trail stays."""
    pid = pupil.id
    assert pid is not None
    remove_pupil_deadlines(session, pid)
    # The undo log holds copies of the facts: they go too.
    session.exec(delete(m.ChangeLog).where(col(m.ChangeLog.pupil_id) == pid))
    iv_ids = list(session.exec(select(m.Intervention.id).where(m.Intervention.pupil_id == pid)).all())
    if iv_ids:
        session.exec(delete(m.InterventionReview).where(col(m.InterventionReview.intervention_id).in_(iv_ids)))
    session.exec(delete(m.Intervention).where(col(m.Intervention.pupil_id) == pid))
    for table in FACT_TABLES:
        session.exec(delete(table).where(col(table.pupil_id) == pid))
    session.delete(pupil)


# --- contacts --------------------------------------------------------------------------------------------


def add_contact(session: Session, actor: Actor, ref: str, name: str, relation: str | None, phone: str | None,
                email: str | None, prefers: str | None) -> tuple[m.Pupil, m.ParentContact]:
    pupil = find_pupil(session, actor, ref)
    actor.require_pupil(pupil, "add a parent contact")
    name = " ".join(name.split())
    if not name:
        raise Refused("The contact needs a name in quotes, like \"Jo Smith\".", field="name")
    if phone is not None and not PHONE.match(phone.strip()):
        raise Refused(f"'{phone}' doesn't look like a phone number: use digits, spaces and an optional +.",
                      field="phone")
    if email is not None and not EMAIL.match(email.strip()):
        raise Refused(f"'{email}' doesn't look like an email address (like name@example.org).", field="email")
    if prefers == "email" and not email:
        raise Refused("prefers:email needs an email: address for the contact.")
    if prefers in ("phone", "text") and not phone:
        raise Refused(f"prefers:{prefers} needs a phone: number for the contact.")
    if not KEYRING.can_store:  # production without an encryption key: refused, nothing stored
        raise Refused("SENDBOT_ENCRYPTION_KEY is not set: in production, parent contacts are never stored "
                      "unencrypted, so nothing was stored. Ask your IT lead to set the key.")
    contact = m.ParentContact(school_id=actor.school_id, pupil_id=pupil.id, name=name, relation=relation,
                              phone=phone.strip() if phone else None, email=email.strip() if email else None,
                              prefers=prefers)
    session.add(contact)
    audit(session, actor, actor.school_id, "contact.add", pupil.id)
    return pupil, contact


def list_contacts(session: Session, actor: Actor, ref: str) -> tuple[m.Pupil, list[m.ParentContact]]:
    pupil = find_pupil(session, actor, ref)
    actor.require_pupil(pupil, "see parent contacts")
    audit(session, actor, actor.school_id, "contact.list", pupil.id)  # reads are audited too
    return pupil, list(session.exec(select(m.ParentContact).where(m.ParentContact.pupil_id == pupil.id)).all())


def touch(session: Session, actor: Actor, pupil: m.Pupil, today: date) -> None:
    """Recompute one pupil's deadlines in this transaction after a fact changed."""
    recompute_pupil(session, get_school(session, actor.school_id), pupil, today)

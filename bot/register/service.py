"""Use cases over the whole register: the census pre-flight and the register export (one transaction each)."""

import csv
import io
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from bot.rules.census import CensusProblem, census_problems
from bot.services.access import Actor
from bot.services.audit import audit
from bot.services.pupils import current_year, sen_statuses
from db import models as m

# The export's columns: the same headers the import recognises, so an export can be read back in.
REGISTER_HEADERS = ("UPN", "Name", "Year", "Class", "Date of Birth", "SEN Provision",
                    "Primary Need", "Secondary Need", "SEN Start Date", "EHC Plan Date", "Last Annual Review Date")


@dataclass
class RegisterEntry:
    pupil: m.Pupil
    year: int
    provision: str  # N, K or E
    support_start: date | None
    plan_issued: date | None
    last_review: date | None


def census_provision(status: str, mis_provision: str | None) -> str:
    """The census provision for a pupil: E with a plan recorded, or when the MIS says E (a plan sendbot lacks);
    K on SEN support; otherwise what the MIS said, or N."""
    if status == "ehcp" or mis_provision == "E":
        return "E"
    if status == "support":
        return "K"
    return mis_provision or "N"


def register(session: Session, actor: Actor, today: date) -> list[RegisterEntry]:
    """Every pupil on the register (not archived) with their census provision and key dates: five queries."""
    actor.require("senco", "admin", doing="see the whole SEN register")
    sid = actor.school_id
    pupils = session.exec(select(m.Pupil).where(m.Pupil.school_id == sid, col(m.Pupil.archived).is_(False))
                          .order_by(m.Pupil.name, m.Pupil.id)).all()
    statuses = sen_statuses(session, sid)
    starts = dict(session.exec(select(m.SupportPeriod.pupil_id, m.SupportPeriod.start).where(
        m.SupportPeriod.school_id == sid, col(m.SupportPeriod.end).is_(None))).all())
    plans = dict(session.exec(select(m.EhcPlan.pupil_id, m.EhcPlan.issued_on).where(
        m.EhcPlan.school_id == sid, col(m.EhcPlan.ceased_on).is_(None))).all())
    reviews: dict[int, date] = {}
    for pid, held in session.exec(select(m.ReviewMeeting.pupil_id, m.ReviewMeeting.held_on).where(
            m.ReviewMeeting.school_id == sid, col(m.ReviewMeeting.held_on).is_not(None))).all():
        if held is not None and (pid not in reviews or held > reviews[pid]):
            reviews[pid] = held
    out = []
    for p in pupils:
        assert p.id is not None
        provision = census_provision(statuses.get(p.id, "none"), p.mis_provision)
        out.append(RegisterEntry(p, current_year(p, today), provision, starts.get(p.id), plans.get(p.id),
                                 reviews.get(p.id)))
    return out


def census_preflight(session: Session, actor: Actor, today: date) -> list[tuple[RegisterEntry, list[CensusProblem]]]:
    """Pupils whose record would fail the January census checks, with what is wrong."""
    entries = register(session, actor, today)
    audit(session, actor, actor.school_id, "census.preflight")
    out = []
    for e in entries:
        problems = census_problems(e.provision, e.pupil.need, e.pupil.need2, e.plan_issued is not None)
        if problems:
            out.append((e, problems))
    return out


def register_csv(session: Session, actor: Actor, today: date) -> tuple[str, int]:
    """The SEN register (pupils with provision K or E) as CSV, for governors and Ofsted. Returns (csv, rows)."""
    entries = [e for e in register(session, actor, today) if e.provision in ("K", "E")]
    audit(session, actor, actor.school_id, "register.export")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(REGISTER_HEADERS)
    for e in entries:
        p = e.pupil
        w.writerow([p.upn or "", p.name, "R" if e.year == 0 else e.year, p.class_name or "",
                    _d(p.dob), e.provision, p.need or "", p.need2 or "", _d(e.support_start), _d(e.plan_issued),
                    _d(e.last_review)])
    return buf.getvalue(), len(entries)


def _d(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else ""

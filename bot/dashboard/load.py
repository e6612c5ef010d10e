"""The dashboard use case: read a school's rows (one transaction, a few queries) into the pure figures.

Leaders, the SENCO and admins only; teachers have no dashboard of the school.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from bot.dashboard import figures as f
from bot.dashboard.letters import Letter, letter_for
from bot.reply import initials
from bot.rules.dates import add_years
from bot.rules.ehcp import plan_in_force
from bot.rules.school import SENCO_DUTY_START
from bot.services.access import Actor
from bot.services.deadlines import ensure_fresh, pupil_facts, school_calendar
from bot.services.errors import Refused
from bot.services.reports import status_of
from bot.services.school import get_school
from db import models as m

DASHBOARD_ROLES = ("leader", "senco", "admin")


def require_dashboard(actor: Actor) -> None:
    if actor.role not in DASHBOARD_ROLES:
        raise Refused("The SEN dashboard is for leaders, the SENCO and admins. /sen due mine lists what is due "
                      "for your pupils.")


def names_shown(school: m.School) -> bool:
    """The school's choice (/sen settings names-in-feeds:yes) to show pupils' names, not initials."""
    return str(school.settings.get("names-in-feeds", "no")).lower() == "yes"


def has_need_field() -> bool:
    """The register shows only once pupils record a primary need (the census need type)."""
    return "need" in m.Pupil.model_fields


@dataclass
class Dashboard:
    school: str
    today: date
    names: bool
    term_name: str | None
    meetings: list[f.ClassMeetings]
    reviews: f.AnnualReviews
    la: list[f.LaFigures]
    late_clocks: list[f.Clock]  # open and late, oldest first: what to chase
    letters: list[Letter]
    sencos: list[f.SencoStatus]
    info_report: f.InfoReportStatus
    school_overdue: int  # school-duty deadlines overdue now (parent meetings, reviews, reports, …)
    register: f.Register | None = None  # None: pupils have no need field yet, so the section is hidden
    notes: list[str] = field(default_factory=list)

    @property
    def meetings_held(self) -> int:
        return sum(c.held for c in self.meetings)

    @property
    def meetings_owed(self) -> int:
        return sum(c.owed for c in self.meetings)


def _label(pupil: m.Pupil, names: bool) -> str:
    return pupil.name if names else initials(pupil.name)


def _la_of(plans: list[m.EhcPlan]) -> str:
    named = [p for p in sorted(plans, key=lambda p: p.issued_on) if p.local_authority]
    return named[-1].local_authority if named else f.NO_LA  # type: ignore[return-value]


def build(session: Session, actor: Actor, today: date) -> Dashboard:
    """Everything the dashboard shows, as of ``today``."""
    require_dashboard(actor)
    school = get_school(session, actor.school_id)
    ensure_fresh(session, school, today)
    names = names_shown(school)
    pupils = {p.id: p for p in session.exec(select(m.Pupil).where(m.Pupil.school_id == school.id,
                                                                   col(m.Pupil.archived).is_(False))).all()}
    rows = session.exec(select(m.Deadline).where(m.Deadline.school_id == school.id)).all()
    term = school_calendar(session, school.id).term_containing(today)

    meetings = [f.MeetingRow(pupils[r.pupil_id].class_name, r.done) for r in rows
                if term is not None and r.kind == "parent_meeting" and r.due == term.end and r.pupil_id in pupils]

    plans_by_pupil: dict[int, list[m.EhcPlan]] = {}
    for plan in session.exec(select(m.EhcPlan).where(m.EhcPlan.school_id == school.id)).all():
        plans_by_pupil.setdefault(plan.pupil_id, []).append(plan)
    # Facts only of the pupils the figures read them for (plans, LA clocks), unless the register needs all.
    wanted = set(plans_by_pupil) | {r.pupil_id for r in rows if r.duty == "la"}
    facts = pupil_facts(session, [p for p in pupils.values() if has_need_field() or p.id in wanted], today)

    histories = []
    for pid, pf in facts.items():
        plan = plan_in_force(pf)
        if plan is None:
            continue
        held = tuple(r.held_on for r in pf.review_meetings if r.held_on and r.held_on >= plan.issued_on)
        booked = [r.booked_for for r in pf.review_meetings if r.booked_for and not r.held_on and r.booked_for >= today]
        histories.append(f.PlanHistory(_label(pupils[pid], names), plan.issued_on, held,
                                       min(booked) if booked else None))

    clocks = la_clocks(rows, pupils, facts, plans_by_pupil, names)
    late = sorted((c for c in clocks if c.outcome(today) == "open_late"), key=lambda c: (c.due, c.label))

    staff = {s.id: s for s in session.exec(select(m.Staff).where(m.Staff.school_id == school.id)).all()}
    latest: dict[int, m.SencoAppointment] = {}  # each serving SENCO's latest appointment (leavers drop out)
    for a in session.exec(select(m.SencoAppointment).where(m.SencoAppointment.school_id == school.id)
                          .order_by(m.SencoAppointment.appointed_on, m.SencoAppointment.id)).all():
        if a.staff_id in staff and staff[a.staff_id].active:
            latest[a.staff_id] = a
    sencos = []
    for a in sorted(latest.values(), key=lambda a: a.appointed_on):
        person = staff.get(a.staff_id)
        applies = a.appointed_on > SENCO_DUTY_START and a.prior_months <= 12
        sencos.append(f.SencoStatus(
            (person.display_name or f"@{person.handle}") if person else "former SENCO", a.appointed_on,
            a.qualified_on, a.award, add_years(a.appointed_on, 3) if applies else None,
            getattr(a, "enrolled_on", None)))
    published = session.exec(select(m.InfoReport.published_on).where(m.InfoReport.school_id == school.id)).all()

    # Every school duty past its day and not done, as /sen due overdue lists them (RULES v2: review invitations
    # and the review report stay overdue until recorded, too).
    school_overdue = sum(1 for r in rows if r.duty == "school" and status_of(r, today) == "overdue")
    reg = None
    notes = []
    if has_need_field():
        reg = f.register(_register_rows(pupils.values(), facts, today))
    else:
        notes.append("The register (N/K/E and need types) appears once pupils' primary needs are recorded.")
    letters = [letter_for(c, pupils[c.pupil_id], facts[c.pupil_id], school.name, today, names=names)
               for c in late if c.pupil_id is not None]
    return Dashboard(school.name, today, names, term.name if term else None, f.meetings_by_class(meetings),
                     f.annual_reviews(histories, today), f.la_timeliness(clocks, today), late, letters, sencos,
                     f.InfoReportStatus(max(published) if published else None), school_overdue, reg, notes)


def la_clocks(rows, pupils: dict, facts: dict, plans_by_pupil: dict, names: bool) -> list[f.Clock]:  # type: ignore[no-untyped-def]
    """The LA-duty deadline rows of these pupils as clocks, each with the day the LA met it (if it has)."""
    out = []
    for r in rows:
        if r.duty != "la" or r.kind not in f.LA_CLOCKS or r.pupil_id not in pupils:
            continue
        _, ref = f.parse_key(r.key)
        met = f.met_on(r.kind, ref, facts[r.pupil_id])
        if r.done and met is None:
            met = r.due  # the rules say it was met in time though the step's date is not on record
        out.append(f.Clock(_la_of(plans_by_pupil.get(r.pupil_id, [])), r.kind, r.due, met,
                           _label(pupils[r.pupil_id], names), r.pupil_id, ref))
    return out


def _register_rows(pupils, facts, today: date) -> list[f.RegisterRow]:  # type: ignore[no-untyped-def]
    out = []
    for p in pupils:
        pf = facts[p.id]
        if plan_in_force(pf) is not None:
            code = "E"
        elif any(s.start <= today and (s.end is None or s.end >= today) for s in pf.support):
            code = "K"
        else:
            code = "N"
        out.append(f.RegisterRow(code, getattr(p, "need", None)))
    return out

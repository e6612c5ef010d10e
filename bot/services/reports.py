"""Reading deadlines: what is due, the weekly digest, and the machine-readable list."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from bot.rules import KINDS
from bot.rules.citations import still_worth_acting_on
from bot.rules.dates import current_year_group
from bot.services.access import Actor
from bot.services.deadlines import ensure_fresh, school_calendar
from bot.services.errors import Refused
from bot.services.lookup import find_pupil
from bot.services.school import get_school
from db import models as m


@dataclass(frozen=True)
class DueItem:
    """A deadline as people see it: the row, its status today and the pupil it is about (if any)."""

    id: int
    kind: str
    due: date
    duty: str
    rule: str
    status: str
    pupil_id: int | None
    pupil_name: str | None
    year: int | None
    staff_id: int | None
    detail: str

    @property
    def title(self) -> str:
        return KINDS[self.kind].title

    @property
    def next_step(self) -> str:
        return KINDS[self.kind].next_step


def status_of(row: m.Deadline, today: date) -> str:
    if row.done:
        return "done"
    if today > row.due:
        return "lapsed" if row.kind == "appeal_deadline" else "overdue"
    return "open"


def _items(session: Session, school: m.School, today: date, *, pupil_id: int | None = None,
           until: date | None = None, include_done: bool = True) -> list[DueItem]:
    query = (
        select(m.Deadline, m.Pupil)
        .join(m.Pupil, m.Pupil.id == m.Deadline.pupil_id, isouter=True)
        .where(m.Deadline.school_id == school.id)
    )
    if pupil_id is not None:
        query = query.where(m.Deadline.pupil_id == pupil_id)
    if until is not None:
        query = query.where(m.Deadline.due <= until)
    if not include_done:
        query = query.where(col(m.Deadline.done).is_(False))
    out = []
    for row, pupil in session.exec(query.order_by(m.Deadline.due, m.Deadline.kind, m.Deadline.id)).all():
        assert row.id is not None
        out.append(DueItem(
            id=row.id, kind=row.kind, due=row.due, duty=row.duty, rule=row.rule, status=status_of(row, today),
            pupil_id=row.pupil_id, pupil_name=pupil.name if pupil else None,
            year=current_year_group(pupil.year_group, pupil.year_recorded_in, today) if pupil else None,
            staff_id=row.staff_id, detail=row.detail,
        ))
    return sorted(out, key=lambda i: (i.due, i.kind, i.pupil_name or ""))


def all_deadlines(session: Session, school_id: int, today: date, pupil: str | None = None,
                  actor: Actor | None = None) -> list[DueItem]:
    """Every deadline of the school (or of one pupil), all statuses, sorted by due date."""
    school = get_school(session, school_id)
    ensure_fresh(session, school, today)
    pupil_id = None
    if pupil is not None:
        assert actor is not None
        p = find_pupil(session, actor, pupil, include_archived=True)
        pupil_id = p.id
    return _items(session, school, today, pupil_id=pupil_id)


def visible_to(actor: Actor, session: Session, items: list[DueItem]) -> list[DueItem]:
    """Teachers see their pupils' and their own deadlines; everyone else the whole school."""
    if actor.role != "teacher":
        return items
    mine = []
    for item in items:
        if item.staff_id == actor.staff_id:
            mine.append(item)
        elif item.pupil_id is not None:
            pupil = session.get(m.Pupil, item.pupil_id)
            if pupil is not None and actor.teaches(pupil):
                mine.append(item)
    return mine


def is_mine(actor: Actor, session: Session, item: DueItem) -> bool:
    if item.staff_id == actor.staff_id:
        return True
    if item.pupil_id is None:
        return False
    pupil = session.get(m.Pupil, item.pupil_id)
    return pupil is not None and (pupil.teacher_id == actor.staff_id or actor.teaches(pupil))


def actionable(item: DueItem, today: date) -> bool:
    """Open or overdue; act-by dates with nothing to record drop out a week after they pass."""
    return item.status in ("open", "overdue") and still_worth_acting_on(item.kind, item.due, today)


def due(session: Session, actor: Actor, window: str | None, scope: str | None, today: date) -> list[DueItem]:
    """/sen due: what needs doing, soonest first, in the chosen window."""
    school = get_school(session, actor.school_id)
    ensure_fresh(session, school, today)
    window = window or "month"
    if window == "overdue":
        until = today - timedelta(days=1)
    elif window == "week":
        until = today + timedelta(days=7)
    elif window == "month":
        until = today + timedelta(days=31)
    else:
        term = school_calendar(session, school.id).term_containing(today)
        if term is None:
            nxt = [t for t in school_calendar(session, school.id).terms if t.start > today]
            if not nxt:
                raise Refused("No term is recorded around today: add term dates with /sen term add.")
            term = nxt[0]
        until = term.end
    items = [i for i in _items(session, school, today, until=until, include_done=False) if actionable(i, today)]
    if window == "overdue":
        items = [i for i in items if i.status == "overdue"]
    items = visible_to(actor, session, items)
    scope = scope or ("mine" if actor.role == "teacher" else "all")
    if scope == "mine":
        items = [i for i in items if is_mine(actor, session, i)]
    return items


@dataclass
class Digest:
    school: str
    overdue_school: list[DueItem]
    overdue_la: list[DueItem]
    this_week: list[DueItem]
    next_four_weeks: list[DueItem]
    no_meeting_this_term: list[tuple[int, str]]
    interventions_due: list[DueItem]
    appeals_open: list[DueItem]
    senco: list[DueItem]
    term_name: str | None


def digest(session: Session, actor: Actor, today: date) -> Digest:
    """The SENCO's weekly digest, as of ``today`` (teachers get the same for their own pupils)."""
    school = get_school(session, actor.school_id)
    ensure_fresh(session, school, today)
    items = visible_to(actor, session, _items(session, school, today, include_done=False,
                                              until=today + timedelta(days=35)))
    everything = visible_to(actor, session, _items(session, school, today, include_done=False))
    live = [i for i in items if actionable(i, today)]
    week_end = today + timedelta(days=7)
    term = school_calendar(session, school.id).term_containing(today)
    no_meeting: list[tuple[int, str]] = []
    if term is not None:
        for i in everything:
            if i.kind == "parent_meeting" and i.due == term.end and i.pupil_id is not None:
                no_meeting.append((i.pupil_id, i.pupil_name or ""))
    return Digest(
        school=school.name,
        overdue_school=[i for i in live if i.status == "overdue" and i.duty == "school"],
        overdue_la=[i for i in live if i.status == "overdue" and i.duty == "la"],
        this_week=[i for i in live if i.status == "open" and i.due <= week_end],
        next_four_weeks=[i for i in live if i.status == "open" and week_end < i.due <= today + timedelta(days=35)],
        no_meeting_this_term=sorted(no_meeting, key=lambda x: x[1]),
        interventions_due=[i for i in live if i.kind == "intervention_review" and i.due <= week_end],
        appeals_open=[i for i in everything if i.kind == "appeal_deadline" and i.status == "open"],
        senco=[i for i in everything if i.kind == "senco_qualification"],
        term_name=term.name if term else None,
    )

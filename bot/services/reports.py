"""Reading deadlines: what is due, the weekly digest, and the machine-readable list."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import Session, col, select

from bot.rules import KINDS
from bot.rules.citations import ACT_BY_GRACE, ACT_BY_ONLY, still_worth_acting_on
from bot.rules.dates import current_year_group
from bot.services.access import Actor
from bot.services.deadlines import ensure_fresh, school_calendar
from bot.services.errors import Refused
from bot.services.groups import in_groups
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
           until: date | None = None, include_done: bool = True, actionable_only: bool = False,
           where: ColumnElement[bool] | None = None, limit: int | None = None) -> "DueList":
    """Deadlines as people see them, in one query: the pupil comes from the join, never a query per item.

    With a ``limit``, the first ``limit`` of them in index order (due date, then id, so the database stops
    after ``limit`` rows of the ``(school_id, due)`` index), and, only when there are more, how many in all
    from a second query that stops counting past ``COUNTED`` (docs/decisions.md, "Capped lists stop early").
    """
    query = (
        select(m.Deadline.id, m.Deadline.kind, m.Deadline.due, m.Deadline.duty, m.Deadline.rule,
               m.Deadline.done, m.Deadline.pupil_id, m.Deadline.staff_id, m.Deadline.detail,
               m.Pupil.name, m.Pupil.year_group, m.Pupil.year_recorded_in)
        .join(m.Pupil, col(m.Pupil.id) == m.Deadline.pupil_id, isouter=True)
        .where(m.Deadline.school_id == school.id)
    )
    if pupil_id is not None:
        query = query.where(m.Deadline.pupil_id == pupil_id)
    if until is not None:
        query = query.where(m.Deadline.due <= until)
    if not include_done or actionable_only:
        query = query.where(col(m.Deadline.done).is_(False))
    if actionable_only:
        query = query.where(actionable_clause(today))
    if where is not None:
        query = query.where(where)
    if limit is None:
        page = query.order_by(m.Deadline.due, m.Deadline.kind, func.coalesce(m.Pupil.name, ""), m.Deadline.id)
    else:
        # The index order alone, so LIMIT reads about ``limit`` rows; the page is sorted for people below.
        page = query.order_by(m.Deadline.due, m.Deadline.id).limit(limit)
    out = []
    # Plain rows through the connection: the ORM's per-statement set-up buys nothing for tuples of columns.
    rows = session.connection().execute(page).all()
    for did, kind, due_on, duty, rule, done, pid, staff_id, detail, name, year, recorded in rows:
        assert did is not None
        status = "done" if done else ("lapsed" if kind == "appeal_deadline" else "overdue") if today > due_on \
            else "open"
        out.append(DueItem(
            id=did, kind=kind, due=due_on, duty=duty, rule=rule, status=status, pupil_id=pid, pupil_name=name,
            year=current_year_group(year, recorded, today) if name is not None else None,
            staff_id=staff_id, detail=detail,
        ))
    items = DueList(sorted(out, key=lambda i: (i.due, i.kind, i.pupil_name or "", i.id)))
    items.total = len(items)
    if limit is not None and len(rows) == limit:
        # Count at most COUNTED + 1 matching rows: past that, "more than COUNTED" is all anyone needs.
        capped = query.with_only_columns(m.Deadline.id).limit(COUNTED + 1).subquery()
        items.total = session.connection().execute(select(func.count()).select_from(capped)).scalar_one()
    return items


def actionable_clause(today: date) -> ColumnElement[bool]:
    """``actionable`` (``rules.still_worth_acting_on``) in SQL: not lapsed (an appeal window past its day), and
    act-by dates with nothing to record gone a week after they pass; so a list never reads rows it will not
    show."""
    return and_(
        or_(col(m.Deadline.kind) != "appeal_deadline", col(m.Deadline.due) >= today),
        or_(col(m.Deadline.kind).not_in(sorted(ACT_BY_ONLY)), col(m.Deadline.due) >= today - ACT_BY_GRACE),
    )


def seen_by(actor: Actor, mine: bool) -> ColumnElement[bool] | None:
    """Which deadlines a person sees, or (``mine``) counts as theirs, as SQL over the deadline and its
    (outer-joined) pupil. Teachers see their own deadlines and those of the pupils they teach (named teacher
    or class); everyone else sees the whole school. "Mine" is the same test for anyone. None: everything."""
    if not actor.classroom and not mine:
        return None
    theirs = [col(m.Deadline.staff_id) == actor.staff_id, col(m.Pupil.teacher_id) == actor.staff_id]
    groups = in_groups(col(m.Pupil.class_name), actor.class_name)
    if groups is not None:
        theirs.append(groups)
    return or_(*theirs)


# Past this many, a list says "more than 500" rather than counting every row (docs/decisions.md).
COUNTED = 500


class DueList(list[DueItem]):
    """The first items of a list that may be longer: ``total`` says how many there are in all, up to
    ``COUNTED + 1`` (a list longer than ``COUNTED`` is not counted to the end)."""

    total: int = 0

    @property
    def more(self) -> int:
        return max(0, self.total - len(self))

    @property
    def counted(self) -> str:
        """How many, as people read it: "37", or "more than 500"."""
        return f"more than {COUNTED}" if self.total > COUNTED else str(self.total)

    @property
    def more_counted(self) -> str:
        """How many are not shown: "12", or "more than 450"."""
        return f"more than {COUNTED - len(self)}" if self.total > COUNTED else str(self.more)


# A chat message of more than this many deadlines is not something a person can act on (docs/decisions.md).
LISTED = 50


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


def actionable(item: DueItem, today: date) -> bool:
    """Open or overdue; act-by dates with nothing to record drop out a week after they pass."""
    return item.status in ("open", "overdue") and still_worth_acting_on(item.kind, item.due, today)


def due(session: Session, actor: Actor, window: str | None, scope: str | None, today: date,
        limit: int | None = LISTED) -> DueList:
    """/sen due: what needs doing, soonest first, in the chosen window (the first ``limit`` of them)."""
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
        calendar = school_calendar(session, school.id)
        term = calendar.term_containing(today)
        if term is None:
            nxt = [t for t in calendar.terms if t.start > today]
            if not nxt:
                raise Refused("No term is recorded around today: add term dates with /sen term add.")
            term = nxt[0]
        until = term.end
    scope = scope or ("mine" if actor.classroom else "all")
    return _page(session, school, today, _and(seen_by(actor, scope == "mine"), col(m.Deadline.due) <= until),
                 limit)


def _and(*clauses: ColumnElement[bool] | None) -> ColumnElement[bool]:
    return and_(*(c for c in clauses if c is not None))


def _page(session: Session, school: m.School, today: date, where: ColumnElement[bool], limit: int | None,
          *, actionable_only: bool = True) -> DueList:
    """The first ``limit`` open deadlines matching ``where``, and how many match in all."""
    return _items(session, school, today, include_done=False, actionable_only=actionable_only, where=where,
                  limit=limit)


@dataclass
class Digest:
    school: str
    overdue_school: DueList
    overdue_la: DueList
    this_week: DueList
    next_four_weeks: DueList
    no_meeting_this_term: list[tuple[int, str]]
    interventions_due: DueList
    appeals_open: DueList
    senco: DueList
    term_name: str | None
    no_meeting_total: int = 0


def digest(session: Session, actor: Actor, today: date, limit: int | None = LISTED) -> Digest:
    """The SENCO's weekly digest, as of ``today`` (teachers get the same for their own pupils).

    Each section is its own indexed query of at most ``limit`` rows plus a count, so the digest costs the
    same in a school of 100 pupils as in one of 10,000.
    """
    school = get_school(session, actor.school_id)
    ensure_fresh(session, school, today)
    seen = seen_by(actor, False)
    due, kind, duty = col(m.Deadline.due), col(m.Deadline.kind), col(m.Deadline.duty)
    week_end = today + timedelta(days=7)

    def page(*where: ColumnElement[bool], actionable_only: bool = True) -> DueList:
        return _page(session, school, today, _and(seen, *where), limit, actionable_only=actionable_only)

    term = school_calendar(session, school.id).term_containing(today)
    no_meeting = page(kind == "parent_meeting", due == term.end, actionable_only=False) if term else DueList()
    return Digest(
        school=school.name,
        overdue_school=page(due < today, duty == "school"),
        overdue_la=page(due < today, duty == "la"),
        this_week=page(due >= today, due <= week_end),
        next_four_weeks=page(due > week_end, due <= today + timedelta(days=35)),
        no_meeting_this_term=sorted(((i.pupil_id, i.pupil_name or "") for i in no_meeting if i.pupil_id),
                                    key=lambda x: x[1]),
        no_meeting_total=no_meeting.total,
        interventions_due=page(kind == "intervention_review", due <= week_end),
        appeals_open=page(kind == "appeal_deadline", due >= today, actionable_only=False),
        senco=page(kind == "senco_qualification", actionable_only=False),
        term_name=term.name if term else None,
    )

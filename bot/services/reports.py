"""Reading deadlines: what is due, the weekly digest, and the machine-readable list."""

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    TableClause,
    all_,
    and_,
    any_,
    bindparam,
    column,
    event,
    func,
    or_,
    table,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from bot.rules import KINDS
from bot.rules.citations import still_worth_acting_on
from bot.rules.dates import current_year_group
from bot.services.access import Actor, taught_pupils
from bot.services.deadlines import ensure_fresh, estimated_next_year, school_calendar
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


@dataclass(frozen=True)
class Theirs:
    """Whose deadlines a person sees, decided once per list or digest: their own (``staff_id``) and those of
    the pupils they teach (``pupil_ids``, read by ``taught``). A few hundred pupils, so each capped list reads
    those pupils' deadlines by ``pupil_id`` and their own by ``staff_id``, never the school's by due date."""

    staff_id: int
    pupil_ids: tuple[int, ...]
    pupils: ColumnElement[bool]  # the same pupils as SQL over ``pupil`` (access.taught_pupils)


# Past this many pupils, someone sees much of the school: walking the school's deadlines by due date finds their
# 50 soon, and a list of ids this long is no longer a small query.
MANY_PUPILS = 2_000


def taught(session: Session, actor: Actor) -> Theirs:
    """The pupils ``actor`` teaches (``access.taught_pupils``), one query over the school's pupils."""
    pupils = taught_pupils(actor)
    ids = session.connection().execute(
        select(m.Pupil.id).where(m.Pupil.school_id == actor.school_id, pupils).order_by(m.Pupil.id)
    ).scalars().all()
    return Theirs(actor.staff_id, tuple(i for i in ids if i is not None), pupils)


def _light(model: Any) -> TableClause:
    """The table with plain named, typed columns: no foreign keys or constraints to copy each time a subquery
    of it is built (that copying cost the teacher's digest more than its SQL, ~80 ms)."""
    return table(model.__tablename__, *(column(c.name, c.type) for c in model.__table__.c))


DEADLINE, PUPIL = _light(m.Deadline), _light(m.Pupil)
_COLUMNS = ("id", "kind", "due", "duty", "rule", "done", "pupil_id", "staff_id", "detail")


def _items(session: Session, school: m.School, today: date, *, pupil_id: int | None = None,
           until: date | None = None, include_done: bool = True, actionable_only: bool = False,
           where: ColumnElement[bool] | None = None, theirs: Theirs | None = None,
           limit: int | None = None) -> "DueList":
    """Deadlines as people see them, in one query: the pupil comes from the join, never a query per item.

    With a ``limit``, the first ``limit`` of them in index order (due date, then id, so the database stops
    after ``limit`` rows of the ``(school_id, due)`` index), and, only when there are more, how many in all
    from a second query that stops counting past ``COUNTED`` (docs/decisions.md, "Capped lists stop early").
    ``theirs``: only those deadlines (``Theirs``); ``where`` may test the deadline's columns only.
    """
    # Plain columns (``_light``), not the ORM's: building subqueries of those cost more than running them.
    d, p = DEADLINE.c, PUPIL.c
    conditions: list[ColumnElement[bool]] = []
    if pupil_id is not None:
        conditions.append(d.pupil_id == pupil_id)
    if until is not None:
        conditions.append(d.due <= until)
    if not include_done or actionable_only:
        conditions.append(d.done.is_(False))
    if actionable_only:
        conditions.append(actionable_clause(today))
    if where is not None:
        conditions.append(where)
    arms: list[ColumnElement[bool]] = []
    if theirs is not None and len(theirs.pupil_ids) > MANY_PUPILS:
        conditions.append(or_(d.staff_id == theirs.staff_id, d.pupil_id.in_(
            select(m.Pupil.id).where(m.Pupil.school_id == school.id, theirs.pupils))))
    elif theirs is not None:
        # Two indexed reads, not one OR over the school: their pupils' deadlines (by pupil_id), and their own
        # about anyone else or no pupil (by staff_id); the second leaves out the first's, so nothing is twice.
        if session.get_bind().dialect.name == "postgresql":
            # One array parameter: PostgreSQL plans a list of hundreds of parameters slowly (~6 ms a statement).
            ids = bindparam("their_pupils", list(theirs.pupil_ids), type_=ARRAY(Integer))
            pupils, others = d.pupil_id == any_(ids), d.pupil_id != all_(ids)
        else:
            # SQLite: one JSON parameter too, read by json_each, rather than hundreds of parameters to bind.
            ids_json = select(column("value", Integer)).select_from(
                func.json_each(bindparam("their_pupils", json.dumps(theirs.pupil_ids))).table_valued("value"))
            pupils = d.pupil_id.in_(ids_json)
            others = d.pupil_id.not_in(ids_json)
        arms = [pupils, and_(d.staff_id == theirs.staff_id, or_(d.pupil_id.is_(None), others))]
    if not arms:
        conditions.append(d.school_id == school.id)
    # Else no school test: the pupils and the member of staff are the school's, and with it the planner may
    # prefer the school's (school_id, due) index, reading the whole school's history to find theirs.
    columns = [d[c] for c in _COLUMNS]

    def matching(cap: int | None, *, ordered: bool = True) -> Any:
        """The matching deadlines' columns as a FROM clause: the first ``cap`` by (due, id) (or any ``cap``)."""
        def one(*extra: ColumnElement[bool]) -> Any:
            q = select(*columns).where(*conditions, *extra)
            if ordered and cap is not None:
                q = q.order_by(d.due, d.id)
            return q.limit(cap) if cap is not None else q
        if not arms:
            return one().subquery()
        # Each arm stops at ``cap`` rows of its own index; the union is cut to ``cap`` again below.
        return union_all(*(select(one(arm).subquery()) for arm in arms)).subquery()

    rows_of = matching(limit)
    page = (
        select(*(rows_of.c[c] for c in _COLUMNS), p.name, p.year_group, p.year_recorded_in)
        .select_from(rows_of).join(PUPIL, p.id == rows_of.c.pupil_id, isouter=True)
    )
    if limit is None:
        page = page.order_by(rows_of.c.due, rows_of.c.kind, func.coalesce(p.name, ""), rows_of.c.id)
    else:
        # The index order alone, so LIMIT reads about ``limit`` rows; the page is sorted for people below.
        page = page.order_by(rows_of.c.due, rows_of.c.id).limit(limit)
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
        capped = select(matching(COUNTED + 1, ordered=False).c.id).limit(COUNTED + 1).subquery()
        items.total = session.connection().execute(select(func.count()).select_from(capped)).scalar_one()
    return items


def actionable_clause(today: date) -> ColumnElement[bool]:
    """``actionable`` (``rules.still_worth_acting_on``) in SQL: not lapsed (an appeal window past its day); so a
    list never reads rows it will not show."""
    return or_(DEADLINE.c.kind != "appeal_deadline", DEADLINE.c.due >= today)


def seen_by(actor: Actor, mine: bool) -> ColumnElement[bool] | None:
    """Which deadlines a person sees, or (``mine``) counts as theirs, as SQL over the deadline and its
    (outer-joined) pupil. Teachers see their own deadlines and those of the pupils they teach (named teacher
    or class); everyone else sees the whole school. "Mine" is the same test for anyone. None: everything."""
    if not actor.classroom and not mine:
        return None
    return or_(col(m.Deadline.staff_id) == actor.staff_id, taught_pupils(actor))


def theirs_for(session: Session, actor: Actor, mine: bool) -> Theirs | None:
    """``seen_by`` for capped lists: None (the whole school), or the pupils read once (``taught``). Kept for
    the rest of the transaction until anything is written (/sen due lists twice: the window, then overdue)."""
    if not actor.classroom and not mine:
        return None
    key = (actor.staff_id, actor.school_id, actor.class_name)
    kept = session.info.get(_TAUGHT)
    if kept is not None and kept[0] == key:
        return cast(Theirs, kept[1])
    theirs = taught(session, actor)
    session.info[_TAUGHT] = (key, theirs)
    return theirs


_TAUGHT = "reports.taught"


@event.listens_for(OrmSession, "after_flush")
@event.listens_for(OrmSession, "after_transaction_end")
def _forget_taught(session: OrmSession, *_: object) -> None:
    """A write (a pupil's class or teacher may have changed) or a new transaction: read the pupils again."""
    session.info.pop(_TAUGHT, None)


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
    return _page(session, school, today, DEADLINE.c.due <= until, limit,
                 theirs=theirs_for(session, actor, scope == "mine"))


def _and(*clauses: ColumnElement[bool] | None) -> ColumnElement[bool]:
    return and_(*(c for c in clauses if c is not None))


def _page(session: Session, school: m.School, today: date, where: ColumnElement[bool], limit: int | None,
          *, actionable_only: bool = True, theirs: Theirs | None = None) -> DueList:
    """The first ``limit`` open deadlines matching ``where`` (of ``theirs``), and how many match in all."""
    return _items(session, school, today, include_done=False, actionable_only=actionable_only, where=where,
                  theirs=theirs, limit=limit)


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
    terms_to_confirm: int | None = None  # in June: next academic year's terms are still estimates


def digest(session: Session, actor: Actor, today: date, limit: int | None = LISTED) -> Digest:
    """The SENCO's weekly digest, as of ``today`` (teachers get the same for their own pupils).

    Each section is its own indexed query of at most ``limit`` rows plus a count, so the digest costs the
    same in a school of 100 pupils as in one of 10,000.
    """
    school = get_school(session, actor.school_id)
    ensure_fresh(session, school, today)
    theirs = theirs_for(session, actor, False)
    due, kind, duty = DEADLINE.c.due, DEADLINE.c.kind, DEADLINE.c.duty
    week_end = today + timedelta(days=7)

    def page(*where: ColumnElement[bool], actionable_only: bool = True) -> DueList:
        return _page(session, school, today, _and(*where), limit, actionable_only=actionable_only, theirs=theirs)

    term = school_calendar(session, school.id).term_containing(today)
    # A one-day range, not ``due ==``: with equality PostgreSQL orders the teacher's own deadlines by id alone and
    # walks the primary key through the whole table (50 ms at 60,000 rows) rather than (staff_id, kind, due).
    no_meeting = page(kind == "parent_meeting", due >= term.end, due <= term.end, actionable_only=False) \
        if term else DueList()
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
        terms_to_confirm=estimated_next_year(session, school.id, today),
    )

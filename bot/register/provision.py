"""The provision map: interventions with sessions a week, minutes a session, staff and an hourly cost.

A group intervention is one ``intervention`` row per pupil sharing ``group_id``, made by the same use case as
``/sen intervention add`` (so it shows, and is reviewed, in each member's record); its cost is counted once
and shared between the members. Costs come from the school's hourly cost per role
(``/sen settings hourly-cost:"ta=18 teacher=38"``).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session, col, select

from bot.calendar import SchoolCalendar
from bot.calendar import Term as CalendarTerm
from bot.services import records
from bot.services.access import Actor
from bot.services.audit import audit
from bot.services.deadlines import school_calendar
from bot.services.errors import Refused
from bot.services.lookup import find_pupil
from bot.services.school import COST_KEY, get_school
from db import models as m

MAX_GROUP = 30


def add_group_intervention(session: Session, actor: Actor, refs: list[str], what: str, review: date,
                           start: date | None, staff: tuple[str, str | None] | None, sessions: int | None,
                           minutes: int | None, today: date) -> list[tuple[m.Pupil, m.Intervention]]:
    """One intervention for one or more pupils (the first pupil's row names the group)."""
    if not refs:
        raise Refused("Which pupils? Give at least one.")
    if len(refs) > MAX_GROUP:
        raise Refused(f"A group intervention has at most {MAX_GROUP} pupils.")
    if (sessions is None) != (minutes is None):
        raise Refused("Give both sessions: (a week) and minutes: (a session), so the provision map can count hours.")
    if sessions is not None and not 1 <= sessions <= 35:
        raise Refused("sessions: is the number of sessions a week, from 1 to 35.")
    if minutes is not None and not 5 <= minutes <= 600:
        raise Refused("minutes: is the length of one session in minutes, from 5 to 600.")
    made: list[tuple[m.Pupil, m.Intervention]] = []
    seen: set[int] = set()
    for ref in refs:
        pupil, iv = records.add_intervention(session, actor, ref, what, review, start, staff, today)
        if pupil.id in seen:
            raise Refused(f"{pupil.name} is named twice in the group.")
        assert pupil.id is not None
        seen.add(pupil.id)
        made.append((pupil, iv))
    group_id = made[0][1].id if len(made) > 1 else None
    for _, iv in made:
        iv.group_id, iv.sessions_per_week, iv.minutes_per_session = group_id, sessions, minutes
        session.add(iv)
    session.flush()
    return made


# --- totals ------------------------------------------------------------------------------------------------


def school_days(cal: SchoolCalendar, start: date, end: date) -> int:
    n, d = 0, start
    while d <= end:
        n += cal.is_school_day(d)
        d += timedelta(days=1)
    return n


def hours_in(sessions: int, minutes: int, days: int) -> float:
    """Hours of an intervention run ``sessions`` a week for ``days`` school days (five school days a week)."""
    return sessions * minutes / 60 * days / 5


@dataclass
class ProvisionLine:
    pupil: m.Pupil
    interventions: list[str] = field(default_factory=list)
    hours: float = 0.0
    cost: float = 0.0  # the pupil's share of each intervention's cost


@dataclass
class ProvisionMap:
    term: CalendarTerm
    pupils: list[ProvisionLine]
    by_need: dict[str, tuple[float, float]]  # need → (hours, cost)
    total_hours: float  # staff hours: a group's session is counted once
    total_cost: float
    interventions: int  # distinct interventions (a group is one)
    unpriced: list[str]  # roles without an hourly cost
    untimed: int  # interventions without sessions/minutes, left out of the totals


def provision_map(session: Session, actor: Actor, today: date, ref: str | None = None, need: str | None = None,
                  class_name: str | None = None) -> ProvisionMap:
    """Hours and cost of interventions this term, per pupil, per primary need and in total."""
    from bot.services.groups import shares_group
    from bot.services.pupils import check_needs

    if actor.role == "leader":
        raise Refused("The provision map shows pupils: it is for the SENCO, admins and their teachers.")
    school = get_school(session, actor.school_id)
    cal = school_calendar(session, actor.school_id)
    term = cal.term_containing(today)
    if term is None:
        raise Refused("No term is recorded around today, so there is no \"this term\": add it with /sen term add.")
    costs: dict[str, float] = dict(school.settings.get(COST_KEY) or {})
    wanted: set[int] | None = None
    if ref is not None:
        pupil = find_pupil(session, actor, ref)
        actor.require_pupil(pupil, "see a pupil's provision")
        wanted = {pupil.id or 0}
    if need is not None:
        need = check_needs(need, None)[0]
    rows = session.exec(select(m.Intervention, m.Pupil).join(m.Pupil, m.Pupil.id == m.Intervention.pupil_id).where(
        m.Intervention.school_id == actor.school_id, col(m.Pupil.archived).is_(False))).all()
    ended: dict[int, date] = {}
    iv_ids = [iv.id for iv, _ in rows]
    for iid, on in session.exec(select(m.InterventionReview.intervention_id, m.InterventionReview.reviewed_on).where(
            col(m.InterventionReview.intervention_id).in_(iv_ids), col(m.InterventionReview.outcome).in_(
                ("stop", "escalate")))).all():
        if on is not None:
            ended[iid] = on
    staff_roles = dict(session.exec(select(m.Staff.id, m.Staff.role).where(m.Staff.school_id == actor.school_id)).all())
    members: dict[int, int] = defaultdict(int)
    for iv, _ in rows:
        members[iv.group_id or iv.id or 0] += 1
    lines: dict[int, ProvisionLine] = {}
    groups_counted: dict[int, tuple[float, float]] = {}
    unpriced: set[str] = set()
    untimed: set[int] = set()
    for iv, pupil in rows:
        if not actor.can_see(pupil) and iv.staff_id != actor.staff_id:
            continue
        if wanted is not None and pupil.id not in wanted:
            continue
        if need is not None and pupil.need != need:
            continue
        if class_name is not None and not shares_group(class_name, pupil.class_name):
            continue
        key = iv.group_id or iv.id or 0
        if not iv.sessions_per_week or not iv.minutes_per_session:
            untimed.add(key)
            continue
        first = max(iv.start or term.start, term.start)
        last = min(ended.get(iv.id or 0, term.end), term.end)
        days = school_days(cal, first, last) if first <= last else 0
        hours = hours_in(iv.sessions_per_week, iv.minutes_per_session, days)
        role = staff_roles.get(iv.staff_id or 0, "teacher")
        rate = costs.get(role)
        if rate is None:
            unpriced.add(role)
        cost = hours * (rate or 0.0)
        groups_counted[key] = (hours, cost)
        line = lines.setdefault(pupil.id or 0, ProvisionLine(pupil))
        line.interventions.append(iv.what)
        line.hours += hours
        line.cost += cost / members[key]
    by_need: dict[str, tuple[float, float]] = {}
    for line in lines.values():
        h, c = by_need.get(line.pupil.need or "none", (0.0, 0.0))
        by_need[line.pupil.need or "none"] = (h + line.hours, c + line.cost)
    audit(session, actor, actor.school_id, "provision.map")
    return ProvisionMap(
        term=term, pupils=sorted(lines.values(), key=lambda x: x.pupil.name), by_need=dict(sorted(by_need.items())),
        # Staff hours count a group's session once; the pupils' shares of a group's cost add up to its cost once.
        total_hours=sum(h for h, _ in groups_counted.values()), total_cost=sum(x.cost for x in lines.values()),
        interventions=len(groups_counted), unpriced=sorted(unpriced), untimed=len(untimed))

"""SEN support: termly parent meetings and intervention reviews."""

from datetime import date, timedelta

from bot.calendar import SchoolCalendar
from bot.rules.citations import KINDS
from bot.rules.model import Deadline, PupilFacts


def _make(kind: str, key: str, due: date, done: bool, facts: PupilFacts, **kw) -> Deadline:
    k = KINDS[kind]
    return Deadline(key=key, kind=kind, due=due, duty=k.duty, rule=k.rule, done=done,
                    pupil_id=facts.pupil_id, **kw)


def parent_meetings(facts: PupilFacts, calendar: SchoolCalendar, today: date) -> list[Deadline]:
    """Termly meetings with parents of a pupil on SEN support.

    CoP 6.65: schools should meet parents at least three times each year. A deadline falls on the last
    day of each school term that overlaps a support period and ends at least 28 days after that period
    began; it is met by a parent meeting dated within the term. Listed for every term that has started by
    ``today`` and for the next term to start.
    """
    out: list[Deadline] = []
    for term in calendar.terms_started_by(today):
        applies = any(
            term.overlaps(p.start, p.end) and term.end >= p.start + timedelta(days=28) for p in facts.support
        )
        if not applies:
            continue
        met = any(term.contains(m) for m in facts.parent_meetings)
        out.append(_make("parent_meeting", f"p{facts.pupil_id}:parent_meeting:{term.start.isoformat()}",
                         term.end, met, facts, staff_id=facts.teacher_id, detail=term.name))
    return out


def intervention_reviews(facts: PupilFacts) -> list[Deadline]:
    """Each planned review of an intervention (CoP 6.48, 6.54: assess, plan, do, review)."""
    out: list[Deadline] = []
    for iv in facts.interventions:
        for n, review in enumerate(iv.reviews):
            out.append(_make("intervention_review", f"p{facts.pupil_id}:intervention_review:{iv.id}:{n}",
                             review.due, review.reviewed_on is not None, facts,
                             staff_id=iv.staff_id or facts.teacher_id, detail=iv.what,
                             extra={"intervention_id": str(iv.id)}))
    return out

"""The statutory date rules (shared/RULES.md): pure functions from facts to deadlines.

No clock, no database, no chat: the caller passes the facts, the school calendar and "today".
"""

from datetime import date

from bot.calendar import SchoolCalendar
from bot.rules.citations import ACT_BY_ONLY, KINDS, Kind
from bot.rules.ehcp import (
    amended_plan,
    annual_review,
    appeal_deadlines,
    appeal_due,
    assessment_deadlines,
    phase_transfer_review,
    plan_in_force,
    reassessment_deadlines,
    review_meeting_deadlines,
    tribunal_orders,
)
from bot.rules.model import Deadline, PupilFacts, SchoolFacts
from bot.rules.school import information_report, npq_enrolment, senco_qualification
from bot.rules.support import intervention_reviews, parent_meetings

__all__ = [
    "ACT_BY_ONLY",
    "KINDS",
    "Deadline",
    "Kind",
    "PupilFacts",
    "SchoolFacts",
    "appeal_due",
    "plan_in_force",
    "pupil_deadlines",
    "school_deadlines",
]


def pupil_deadlines(facts: PupilFacts, school: SchoolFacts, calendar: SchoolCalendar, today: date) -> list[Deadline]:
    """Every deadline that follows from one pupil's facts, as of ``today``, sorted by due date."""
    out = [
        *parent_meetings(facts, calendar, today),
        *intervention_reviews(facts),
        *assessment_deadlines(facts),
        *annual_review(facts),
        *phase_transfer_review(facts, school.transfer_year_groups(), today),
        *review_meeting_deadlines(facts),
        *amended_plan(facts),
        *appeal_deadlines(facts),
        *reassessment_deadlines(facts),
        *tribunal_orders(facts),
    ]
    return sorted(out, key=lambda d: (d.due, d.kind, d.key))


def school_deadlines(school: SchoolFacts) -> list[Deadline]:
    """Deadlines that belong to the school itself (SENCO qualification and NPQ enrolment, information report)."""
    return sorted([*senco_qualification(school), *npq_enrolment(school), *information_report(school)],
                  key=lambda d: (d.due, d.key))

"""The values the rules read and write.

Facts are plain frozen dataclasses built from the database by the services; rules never see the ORM.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Duty = Literal["school", "la", "parent"]
Status = Literal["open", "done", "overdue", "lapsed"]

# LA decisions, by the words the command language uses for them.
DECISION_KINDS = (
    "assess",
    "refuse-assessment",
    "refuse-plan",
    "plan-issued",
    "amend-proposed",
    "plan-amended",
    "no-amend",
    "cease",
    "reassess",
    "refuse-reassessment",
)
# Decisions a family can appeal to the First-tier Tribunal (CFA 2014 s51; Regs 33; RULES v2 adds
# refuse-reassessment, Regs 27).
APPEALABLE = frozenset({"refuse-assessment", "refuse-plan", "plan-issued", "plan-amended", "no-amend", "cease",
                        "refuse-reassessment"})
# What a tribunal may order the LA to do, and the weeks it has to do it (Regs 44(2)).
TRIBUNAL_ORDERS: dict[str, int] = {"assess": 2, "name-school": 2, "reconsider": 2, "amend": 5, "make-plan": 11}
NURSERY = -1  # year:N, a school nursery class (Reception is 0)

# School phases and the year groups that transfer at the end of them (RULES.md, phase_transfer_review).
PHASES = ("primary", "infant", "junior", "middle", "secondary", "all-through", "special")
PHASE_TRANSFER_YEARS: dict[str, tuple[int, ...]] = {
    "infant": (2,),
    "junior": (6,),
    "primary": (6,),
    "secondary": (11,),
    "all-through": (11,),
    "middle": (),
    "special": (),
}


@dataclass(frozen=True)
class SupportPeriod:
    start: date
    end: date | None = None


@dataclass(frozen=True)
class InterventionReview:
    """One scheduled review of an intervention; ``reviewed_on`` is set once it has happened."""

    due: date
    reviewed_on: date | None = None


@dataclass(frozen=True)
class Intervention:
    id: int
    what: str
    reviews: tuple[InterventionReview, ...]
    staff_id: int | None = None


@dataclass(frozen=True)
class AssessmentRequest:
    id: int
    received_on: date
    reassessment: bool = False  # a re-assessment of a pupil with a plan (Regs 24-27)


@dataclass(frozen=True)
class Linked:
    """A mediation certificate or an appeal, tied to one decision (``decision_id``) or, when None, to the
    latest appealable decision dated on or before it (RULES v2)."""

    on: date
    decision_id: int | None = None


@dataclass(frozen=True)
class TribunalOrder:
    id: int
    ordered_on: date
    kind: str  # one of TRIBUNAL_ORDERS


@dataclass(frozen=True)
class Decision:
    """A decision the local authority sent on ``sent_on`` (one of DECISION_KINDS)."""

    id: int
    kind: str
    sent_on: date


@dataclass(frozen=True)
class Plan:
    id: int
    issued_on: date
    ceased_on: date | None = None


@dataclass(frozen=True)
class ReviewMeeting:
    """An annual review meeting: booked for a day, and/or held on a day."""

    id: int
    booked_for: date | None = None
    held_on: date | None = None
    invited_on: date | None = None  # invitations sent (/sen ehcp invited)
    report_sent_on: date | None = None  # the review report sent (/sen ehcp report-sent)


@dataclass(frozen=True)
class PupilFacts:
    pupil_id: int
    year_group: int | None = None  # the current year group (0 = Reception), already advanced by the caller
    teacher_id: int | None = None
    support: tuple[SupportPeriod, ...] = ()
    parent_meetings: tuple[date, ...] = ()
    interventions: tuple[Intervention, ...] = ()
    assessment_requests: tuple[AssessmentRequest, ...] = ()
    decisions: tuple[Decision, ...] = ()
    plans: tuple[Plan, ...] = ()
    review_meetings: tuple[ReviewMeeting, ...] = ()
    mediation_certificates: tuple[date | Linked, ...] = ()
    appeals_lodged: tuple[date | Linked, ...] = ()
    tribunal_orders: tuple[TribunalOrder, ...] = ()


@dataclass(frozen=True)
class SencoAppointment:
    id: int
    staff_id: int
    appointed_on: date
    prior_months: int = 0
    qualified_on: date | None = None
    enrolled_on: date | None = None  # started the NPQ for SENCOs


@dataclass(frozen=True)
class SchoolFacts:
    phase: str = "primary"
    transfer_years: tuple[int, ...] | None = None  # None: the phase's default
    senco_appointments: tuple[SencoAppointment, ...] = ()
    info_report_published: tuple[date, ...] = ()

    def transfer_year_groups(self) -> tuple[int, ...]:
        if self.transfer_years is not None:
            return self.transfer_years
        return PHASE_TRANSFER_YEARS.get(self.phase, ())


@dataclass(frozen=True)
class Deadline:
    """One statutory (or good-practice) date, with who must act and the law behind it.

    ``key`` is stable for the same obligation across recomputations (it names the fact the deadline
    comes from, not its date), so a moved date updates one row instead of making a new one.
    """

    key: str
    kind: str
    due: date
    duty: Duty
    rule: str
    done: bool = False
    pupil_id: int | None = None
    staff_id: int | None = None  # the member of staff responsible, where one is named
    detail: str = ""  # a short, name-free note (e.g. the term or the decision appealed)
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def status(self, today: date) -> Status:
        """RULES.md: done when its "done when" holds; else overdue (lapsed for appeals) once past."""
        if self.done:
            return "done"
        if today > self.due:
            return "lapsed" if self.kind == "appeal_deadline" else "overdue"
        return "open"

"""The dashboard's figures: pure functions from plain values (no clock, no database) to counts.

Each function is told "today". The loader (:mod:`bot.dashboard.load`) turns the school's rows into the
values these take; the page and the tests read only what these return.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import median

from bot.rules.dates import add_months, end_of_months_starting_with
from bot.rules.ehcp import ASSESSMENT_DECISIONS, PLAN_OUTCOMES
from bot.rules.model import PupilFacts

# The LA's clocks the dashboard holds it to, in the order a family meets them (RULES.md).
LA_CLOCKS: dict[str, str] = {
    "assessment_decision": "6-week decision to assess (Regs 5(1))",
    "final_plan": "20-week final plan (Regs 13(2))",
    "review_decision": "Decision after annual review, 4 weeks (Regs 20(10))",
    "amended_plan": "Amended plan (Regs 22(3))",
    "phase_transfer_review": "Phase transfer plan (Regs 18(1))",
}
NO_LA = "LA not recorded"
# The words /sen chase takes for each LA clock.
KIND_WORDS: dict[str, str] = {
    "assessment": "assessment_decision",
    "plan": "final_plan",
    "review-decision": "review_decision",
    "amended-plan": "amended_plan",
    "phase-transfer": "phase_transfer_review",
}


# --- parent meetings this term -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingRow:
    """This term's parent_meeting deadline of one pupil on SEN support (CoP 6.65)."""

    class_name: str | None
    held: bool


@dataclass(frozen=True)
class ClassMeetings:
    class_name: str
    held: int
    owed: int

    @property
    def missing(self) -> int:
        return self.owed - self.held


def meetings_by_class(rows: Iterable[MeetingRow]) -> list[ClassMeetings]:
    """Held vs owed per class, classes in name order ("No class" last)."""
    held: dict[str, int] = defaultdict(int)
    owed: dict[str, int] = defaultdict(int)
    for r in rows:
        name = r.class_name or "No class"
        owed[name] += 1
        held[name] += int(r.held)
    order = sorted(owed, key=lambda n: (n == "No class", n.lower()))
    return [ClassMeetings(n, held[n], owed[n]) for n in order]


# --- annual reviews ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanHistory:
    """One EHC plan in force and the review meetings held since it was issued (CFA s44(1); Regs 18)."""

    label: str  # the pupil as the page shows them (initials unless the school shows names)
    issued_on: date
    held: tuple[date, ...] = ()
    booked_for: date | None = None


@dataclass(frozen=True)
class ReviewDue:
    label: str
    due: date
    booked_for: date | None


@dataclass
class AnnualReviews:
    on_time: int = 0  # held in the last 12 months by their due day
    late: int = 0  # held in the last 12 months, after their due day
    overdue_now: int = 0  # due day passed, no meeting held since
    next_weeks: list[ReviewDue] = field(default_factory=list)  # due in the next 8 weeks, soonest first


def annual_reviews(plans: Iterable[PlanHistory], today: date, weeks_ahead: int = 8) -> AnnualReviews:
    """Each meeting is due by the end of the 12 months starting with the plan's issue or the previous
    meeting (CFA s44(1)); a meeting held after that day was late."""
    out = AnnualReviews()
    since = add_months(today, -12)
    horizon = today + timedelta(weeks=weeks_ahead)
    for plan in plans:
        anchor = plan.issued_on
        for held in sorted(d for d in plan.held if d >= plan.issued_on):
            due = end_of_months_starting_with(anchor, 12)
            if since < held <= today:
                if held <= due:
                    out.on_time += 1
                else:
                    out.late += 1
            anchor = held
        due_now = end_of_months_starting_with(anchor, 12)
        if due_now < today:
            out.overdue_now += 1
        elif due_now <= horizon:
            out.next_weeks.append(ReviewDue(plan.label, due_now, plan.booked_for))
    out.next_weeks.sort(key=lambda r: (r.due, r.label))
    return out


# --- the local authority's clocks ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """One LA deadline: whose LA, which clock, the day it was due and the day the LA met it (if it has)."""

    la: str
    kind: str
    due: date
    met_on: date | None
    label: str = ""  # the pupil as the page shows them
    pupil_id: int | None = None
    ref: int | None = None  # the fact the deadline comes from (see :func:`met_on`)

    def outcome(self, today: date) -> str:
        if self.met_on is not None:
            return "on_time" if self.met_on <= self.due else "late"
        return "open_late" if today > self.due else "open"

    def days_late(self, today: date) -> int:
        end = self.met_on if self.met_on is not None else today
        return max(0, (end - self.due).days)


@dataclass
class ClockFigures:
    kind: str
    on_time: int = 0
    late: int = 0
    open_late: int = 0
    open: int = 0
    late_days: list[int] = field(default_factory=list)

    @property
    def title(self) -> str:
        return LA_CLOCKS[self.kind]

    @property
    def decided(self) -> int:
        return self.on_time + self.late

    @property
    def median_days_late(self) -> float | None:
        """The median of how late the late ones were (None when none was late)."""
        return median(self.late_days) if self.late_days else None


@dataclass
class LaFigures:
    la: str
    clocks: list[ClockFigures]

    @property
    def on_time(self) -> int:
        return sum(c.on_time for c in self.clocks)

    @property
    def late(self) -> int:
        return sum(c.late for c in self.clocks)

    @property
    def open_late(self) -> int:
        return sum(c.open_late for c in self.clocks)

    @property
    def decided(self) -> int:
        return self.on_time + self.late


def la_timeliness(clocks: Iterable[Clock], today: date) -> list[LaFigures]:
    """Per local authority and per clock: met on time, met late (and the median days late), still open
    and already late, and still open within time. LAs in name order; "LA not recorded" last."""
    by_la: dict[str, dict[str, ClockFigures]] = defaultdict(dict)
    for c in clocks:
        if c.kind not in LA_CLOCKS:
            continue
        fig = by_la[c.la].setdefault(c.kind, ClockFigures(c.kind))
        outcome = c.outcome(today)
        setattr(fig, outcome, getattr(fig, outcome) + 1)
        if outcome == "late":
            fig.late_days.append(c.days_late(today))
    out = []
    for la in sorted(by_la, key=lambda n: (n == NO_LA, n.lower())):
        out.append(LaFigures(la, [by_la[la][k] for k in LA_CLOCKS if k in by_la[la]]))
    return out


def met_on(kind: str, ref: int | None, facts: PupilFacts) -> date | None:
    """The day an LA deadline's "done when" (RULES.md) first held, from the pupil's recorded facts.

    ``ref`` is the fact the deadline comes from (the request, the review meeting, the amend-proposed
    decision; for the phase transfer, the academic year). Unlike the deadline's ``done``, a step taken
    after the due day still counts here: the LA met it, late.
    """
    decisions = sorted(facts.decisions, key=lambda d: (d.sent_on, d.id))
    if kind in ("assessment_decision", "final_plan"):
        requests = sorted(facts.assessment_requests, key=lambda r: r.received_on)
        for i, req in enumerate(requests):
            if req.id != ref:
                continue
            until = requests[i + 1].received_on if i + 1 < len(requests) else date.max
            mine = [d for d in decisions if req.received_on <= d.sent_on < until]
            if kind == "assessment_decision":
                days = [d.sent_on for d in mine if d.kind in ASSESSMENT_DECISIONS]
            else:
                days = [d.sent_on for d in mine if d.kind in PLAN_OUTCOMES]
                days += [p.issued_on for p in facts.plans if req.received_on <= p.issued_on < until]
            return min(days) if days else None
        return None
    if kind == "review_decision":
        meeting = next((m for m in facts.review_meetings if m.id == ref and m.held_on), None)
        if meeting is None or meeting.held_on is None:
            return None
        held = meeting.held_on
        return next((d.sent_on for d in decisions if d.sent_on > held), None)
    if kind == "amended_plan":
        proposed = next((d for d in decisions if d.id == ref), None)
        if proposed is None:
            return None
        return next((d.sent_on for d in decisions if d.kind == "plan-amended" and d.sent_on >= proposed.sent_on),
                    None)
    if kind == "phase_transfer_review" and ref is not None:
        start = date(ref, 9, 1)
        return next((d.sent_on for d in decisions if d.kind in ("plan-amended", "no-amend") and d.sent_on >= start),
                    None)
    return None


def parse_key(key: str) -> tuple[str, int | None]:
    """``p12:review_decision:7`` → ("review_decision", 7); a school's own key has no pupil part."""
    parts = key.split(":")
    if len(parts) > 1 and parts[0][:1] == "p" and parts[0][1:].isdigit():
        parts = parts[1:]
    ref = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    return parts[0], ref


# --- SENCO and the information report ------------------------------------------------------------------------


@dataclass(frozen=True)
class SencoStatus:
    name: str
    appointed_on: date
    qualified_on: date | None
    award: str | None
    due: date | None  # the qualification deadline, if Regs 49(4) applies
    enrolled_on: date | None  # NPQ enrolment, where recorded

    def summary(self, today: date) -> str:
        if self.qualified_on is not None:
            award = "NASENCO award" if self.award == "nasenco" else "NPQ for SENCOs"
            return f"qualified ({award}, {self.qualified_on:%d %b %Y})"
        if self.due is None:
            return "no qualification deadline (appointed before Sep 2009, or over 12 months' earlier service)"
        state = "overdue" if today > self.due else "due"
        npq = (f"enrolled on the NPQ {self.enrolled_on:%d %b %Y}" if self.enrolled_on
               else "NPQ enrolment not recorded")
        return f"not yet qualified — {state} {self.due:%d %b %Y}; {npq}"

    def ok(self, today: date) -> bool:
        return self.qualified_on is not None or self.due is None or today <= self.due


@dataclass(frozen=True)
class InfoReportStatus:
    published_on: date | None

    @property
    def due(self) -> date | None:
        from bot.rules.dates import add_years

        return add_years(self.published_on, 1) if self.published_on else None

    def ok(self, today: date) -> bool:
        return self.due is not None and today <= self.due


# --- the register (census provision codes) -------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterRow:
    provision: str  # N, K or E (census SEN provision)
    need: str | None  # primary need type code (SPLD, SEMH, …)


@dataclass
class Register:
    provision: dict[str, int]
    needs: list[tuple[str, int]]  # most common first


def register(rows: Iterable[RegisterRow]) -> Register:
    provision = {"N": 0, "K": 0, "E": 0}
    needs: dict[str, int] = defaultdict(int)
    for r in rows:
        provision[r.provision] = provision.get(r.provision, 0) + 1
        if r.provision in ("K", "E"):
            needs[r.need or "not recorded"] += 1
    return Register(provision, sorted(needs.items(), key=lambda kv: (-kv[1], kv[0])))

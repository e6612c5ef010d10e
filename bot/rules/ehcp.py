"""EHC needs assessments, EHC plans, annual reviews, amendments and appeals."""

from datetime import date, timedelta

from bot.calendar import is_working_day, next_working_day
from bot.rules.citations import KINDS
from bot.rules.dates import academic_year_of, add_months, end_of_months_starting_with, weeks
from bot.rules.model import APPEALABLE, Deadline, Plan, PupilFacts

ASSESSMENT_DECISIONS = frozenset({"assess", "refuse-assessment"})
PLAN_OUTCOMES = frozenset({"plan-issued", "refuse-plan"})


def _make(kind: str, key: str, due: date, done: bool, facts: PupilFacts, **kw) -> Deadline:
    k = KINDS[kind]
    return Deadline(key=f"p{facts.pupil_id}:{key}", kind=kind, due=due, duty=k.duty, rule=k.rule,
                    done=done, pupil_id=facts.pupil_id, **kw)


def plan_in_force(facts: PupilFacts) -> Plan | None:
    """The latest plan issued that has not ceased."""
    live = [p for p in facts.plans if p.ceased_on is None]
    return max(live, key=lambda p: p.issued_on) if live else None


def assessment_deadlines(facts: PupilFacts) -> list[Deadline]:
    """Regs 5(1): the LA decides whether to assess within 6 weeks of the request.
    Regs 13(2): the final plan (or a decision not to issue one) within 20 weeks, unless assessment was
    refused. Each request owns the decisions sent from its receipt until the next request."""
    out: list[Deadline] = []
    requests = sorted(facts.assessment_requests, key=lambda r: r.received_on)
    for i, req in enumerate(requests):
        until = requests[i + 1].received_on if i + 1 < len(requests) else date.max
        mine = [d for d in facts.decisions if req.received_on <= d.sent_on < until]
        decided = [d for d in mine if d.kind in ASSESSMENT_DECISIONS]
        refused = any(d.kind == "refuse-assessment" for d in decided)
        out.append(_make("assessment_decision", f"assessment_decision:{req.id}", req.received_on + weeks(6),
                         bool(decided), facts))
        if refused:
            continue
        planned = any(d.kind in PLAN_OUTCOMES for d in mine) or any(
            req.received_on <= p.issued_on < until for p in facts.plans
        )
        out.append(_make("final_plan", f"final_plan:{req.id}", req.received_on + weeks(20), planned, facts))
    return out


def last_review_held(facts: PupilFacts, since: date, until: date = date.max) -> date | None:
    held = [m.held_on for m in facts.review_meetings if m.held_on and since <= m.held_on <= until]
    return max(held) if held else None


def annual_review(facts: PupilFacts) -> list[Deadline]:
    """CFA s44(1), Regs 18: review the plan within 12 months of it being made, then within 12 months of
    each previous review. Due at the end of the 12 months starting with the later of the issue date and
    the last review meeting held. It rolls on, so it is never "done": a new meeting moves it."""
    plan = plan_in_force(facts)
    if plan is None:
        return []
    start = max(plan.issued_on, last_review_held(facts, plan.issued_on) or plan.issued_on)
    return [_make("annual_review", "annual_review", end_of_months_starting_with(start, 12), False, facts,
                  staff_id=facts.teacher_id)]


def phase_transfer_review(facts: PupilFacts, transfer_years: tuple[int, ...], today: date) -> list[Deadline]:
    """Regs 18(1): in a transfer year the plan must be reviewed and amended by 15 February (31 March for
    transfer from Year 11 to post-16) of the calendar year in which the academic year ends; the last
    compliant day is the day before. Met by a plan-amended or no-amend decision dated in this academic
    year, on or before that day."""
    if plan_in_force(facts) is None or facts.year_group is None or facts.year_group not in transfer_years:
        return []
    year = academic_year_of(today)
    due = date(year + 1, 3, 30) if facts.year_group == 11 else date(year + 1, 2, 14)
    start = date(year, 9, 1)
    done = any(d.kind in ("plan-amended", "no-amend") and start <= d.sent_on <= due for d in facts.decisions)
    return [_make("phase_transfer_review", f"phase_transfer_review:{year}", due, done, facts,
                  detail=f"Year {facts.year_group}")]


def review_meeting_deadlines(facts: PupilFacts) -> list[Deadline]:
    """Regs 20(3)-(4): invitations at least 2 weeks before the meeting; Regs 20(7): the report within
    2 weeks after it; Regs 20(10): the LA's decision (maintain, amend or cease) within 4 weeks after it,
    met by any LA decision sent after the meeting day."""
    out: list[Deadline] = []
    for m in facts.review_meetings:
        if m.booked_for is not None:
            out.append(_make("review_invitations", f"review_invitations:{m.id}",
                             m.booked_for - timedelta(days=14), False, facts, staff_id=facts.teacher_id))
        if m.held_on is not None:
            out.append(_make("review_report", f"review_report:{m.id}", m.held_on + weeks(2), False, facts,
                             staff_id=facts.teacher_id))
            # RULES.md: done by "any LA decision recorded after M" (strictly after the meeting day).
            decided = any(d.sent_on > m.held_on for d in facts.decisions)
            out.append(_make("review_decision", f"review_decision:{m.id}", m.held_on + weeks(4), decided,
                             facts))
    return out


def amended_plan(facts: PupilFacts) -> list[Deadline]:
    """Regs 22(3): the amended plan within 8 weeks of the proposed amendments being sent; and, after
    R (L, M & P) v Devon CC [2022] EWHC 493, within 12 weeks of the review meeting. The earlier wins."""
    out: list[Deadline] = []
    decisions = sorted(facts.decisions, key=lambda d: (d.sent_on, d.id))
    for d in decisions:
        if d.kind != "amend-proposed":
            continue
        due = d.sent_on + weeks(8)
        meeting = last_review_held(facts, date.min, d.sent_on)
        if meeting is not None:
            due = min(due, meeting + weeks(12))
        done = any(x.kind == "plan-amended" and x.sent_on >= d.sent_on for x in decisions)
        out.append(_make("amended_plan", f"amended_plan:{d.id}", due, done, facts))
    return out


def appeal_due(sent_on: date, certificates: tuple[date, ...] = ()) -> date:
    """The last day to appeal a decision sent on ``sent_on`` (HESC r.20(1), r.12; Regs 33).

    Two months after the notice, or one month after a mediation certificate issued after it, whichever
    is later. A day in August moves to the first working day after 31 August, a day from 25 December
    to 1 January to the first working day after 1 January; then a non-working day moves to the next
    working day.
    """
    due = add_months(sent_on, 2)
    for c in certificates:
        if c > sent_on:
            due = max(due, add_months(c, 1))
    if due.month == 8:
        due = next_working_day(date(due.year, 9, 1))
    elif (due.month == 12 and due.day >= 25) or (due.month == 1 and due.day == 1):
        due = next_working_day(date(due.year + (due.month == 12), 1, 2))
    if not is_working_day(due):
        due = next_working_day(due)
    return due


def appeal_deadlines(facts: PupilFacts) -> list[Deadline]:
    """One appeal window per appealable LA decision; met once an appeal is recorded as lodged."""
    out: list[Deadline] = []
    for d in facts.decisions:
        if d.kind not in APPEALABLE:
            continue
        due = appeal_due(d.sent_on, facts.mediation_certificates)
        lodged = any(a >= d.sent_on for a in facts.appeals_lodged)
        out.append(_make("appeal_deadline", f"appeal_deadline:{d.id}", due, lodged, facts, detail=d.kind,
                         extra={"decision": d.kind, "sent_on": d.sent_on.isoformat()}))
    return out

"""EHC needs assessments, EHC plans, annual reviews, amendments and appeals."""

from datetime import date, timedelta

from bot.calendar import is_working_day, next_working_day
from bot.rules.citations import KINDS
from bot.rules.dates import academic_year_of, add_months, end_of_months_starting_with, weeks
from bot.rules.model import (
    APPEALABLE,
    NURSERY,
    TRIBUNAL_ORDERS,
    Deadline,
    Decision,
    Linked,
    Plan,
    PupilFacts,
)

ASSESSMENT_DECISIONS = frozenset({"assess", "refuse-assessment"})
REASSESSMENT_DECISIONS = frozenset({"reassess", "refuse-reassessment"})
PLAN_OUTCOMES = frozenset({"plan-issued", "refuse-plan"})
# RULES v2, tribunal_order "done when": the LA step that carries out each kind of order (None: any decision).
ORDER_MET_BY: dict[str, frozenset[str] | None] = {
    "assess": frozenset({"assess", "reassess"}),
    "make-plan": frozenset({"plan-issued"}),
    "amend": frozenset({"plan-amended"}),
    "name-school": frozenset({"plan-amended"}),
    "reconsider": None,
}


def _make(kind: str, key: str, due: date, done: bool, facts: PupilFacts, **kw) -> Deadline:
    k = KINDS[kind]
    return Deadline(key=f"p{facts.pupil_id}:{key}", kind=kind, due=due, duty=k.duty, rule=k.rule,
                    done=done, pupil_id=facts.pupil_id, **kw)


def plan_in_force(facts: PupilFacts) -> Plan | None:
    """The latest plan issued that has not ceased."""
    live = [p for p in facts.plans if p.ceased_on is None]
    return max(live, key=lambda p: p.issued_on) if live else None


def latest_plan(facts: PupilFacts) -> Plan | None:
    """The plan in force, or else the latest plan that ended (its deadlines due by its end still stand)."""
    return plan_in_force(facts) or (max(facts.plans, key=lambda p: p.issued_on) if facts.plans else None)


def _within_plan(plan: Plan, due: date) -> bool:
    """RULES v2: once ``ehcp ceased`` records that the plan ended, plan deadlines due after that day go."""
    return plan.ceased_on is None or due <= plan.ceased_on


def assessment_deadlines(facts: PupilFacts) -> list[Deadline]:
    """Regs 5(1): the LA decides whether to assess within 6 weeks of the request.
    Regs 13(2): the final plan (or a decision not to issue one) within 20 weeks, unless assessment was
    refused. Each request owns the decisions sent from its receipt until the next request."""
    out: list[Deadline] = []
    requests = sorted((r for r in facts.assessment_requests if not r.reassessment), key=lambda r: r.received_on)
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
    plan = latest_plan(facts)
    if plan is None:
        return []
    start = max(plan.issued_on, last_review_held(facts, plan.issued_on, plan.ceased_on or date.max)
                or plan.issued_on)
    due = end_of_months_starting_with(start, 12)
    if not _within_plan(plan, due):
        return []
    return [_make("annual_review", "annual_review", due, False, facts, staff_id=facts.teacher_id)]


def phase_transfer_review(facts: PupilFacts, transfer_years: tuple[int, ...], today: date) -> list[Deadline]:
    """Regs 18(1): in a transfer year the plan must be reviewed and amended by 15 February (31 March for
    transfer from Year 11 to post-16) of the calendar year in which the academic year ends; the last
    compliant day is the day before. Met by a plan-amended or no-amend decision dated in this academic
    year, on or before that day. RULES v2 (Regs 17): a pupil in a school nursery class moves from early
    years to school, so they transfer too, by 14 February of the year they start Reception."""
    plan = latest_plan(facts)
    year_group = facts.year_group
    if plan is None or year_group is None or (year_group not in transfer_years and year_group != NURSERY):
        return []
    year = academic_year_of(today)
    due = date(year + 1, 3, 30) if year_group == 11 else date(year + 1, 2, 14)
    if not _within_plan(plan, due):
        return []
    start = date(year, 9, 1)
    done = any(d.kind in ("plan-amended", "no-amend") and start <= d.sent_on <= due for d in facts.decisions)
    return [_make("phase_transfer_review", f"phase_transfer_review:{year}", due, done, facts,
                  detail="Nursery to Reception" if year_group == NURSERY else f"Year {year_group}")]


def review_meeting_deadlines(facts: PupilFacts) -> list[Deadline]:
    """Regs 20(3)-(4): invitations at least 2 weeks before the meeting; Regs 20(7): the report within
    2 weeks after it; Regs 20(10): the LA's decision (maintain, amend or cease) within 4 weeks after it.

    RULES v2: invitations are done when recorded as sent or once the meeting is held; the report when
    recorded as sent or once an LA decision dated on or after the meeting is recorded; the LA's decision by
    any decision dated on or after the meeting day. A ceased plan's deadlines due after it ended go."""
    out: list[Deadline] = []
    plan = latest_plan(facts)
    for m in facts.review_meetings:
        decided = m.held_on is not None and any(d.sent_on >= m.held_on for d in facts.decisions)
        if m.booked_for is not None:
            due = m.booked_for - timedelta(days=14)
            if plan is None or _within_plan(plan, due):
                out.append(_make("review_invitations", f"review_invitations:{m.id}", due,
                                 m.invited_on is not None or m.held_on is not None, facts,
                                 staff_id=facts.teacher_id))
        if m.held_on is not None:
            if plan is not None and not _within_plan(plan, m.held_on + weeks(2)):
                continue
            out.append(_make("review_report", f"review_report:{m.id}", m.held_on + weeks(2),
                             m.report_sent_on is not None or decided, facts, staff_id=facts.teacher_id))
            if plan is None or _within_plan(plan, m.held_on + weeks(4)):
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
        plan = latest_plan(facts)
        if plan is not None and not _within_plan(plan, due):
            continue
        out.append(_make("amended_plan", f"amended_plan:{d.id}", due, done, facts))
    return out


def appeal_due(sent_on: date, certificates: tuple[date, ...] = ()) -> date:
    """The last day to appeal a decision sent on ``sent_on`` (HESC r.20(1), r.12; Regs 33).

    Two months after the notice, or one month after a mediation certificate issued after it, whichever
    is later. A day in August moves to the first working day after 31 August, a day from 25 December
    to 1 January to the first working day after 1 January; then a non-working day moves to the next
    working day. ``certificates`` are the ones that belong to this decision (see ``linked_to``).
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


def _linked(x: date | Linked) -> Linked:
    return x if isinstance(x, Linked) else Linked(x)


def linked_to(decisions: tuple[Decision, ...], x: date | Linked) -> int | None:
    """RULES v2: a mediation certificate or an appeal belongs to the decision it names, or else to the latest
    appealable decision dated on or before it (the later-recorded one on a tie); None if there is none."""
    link = _linked(x)
    if link.decision_id is not None:
        return link.decision_id
    before = [d for d in decisions if d.kind in APPEALABLE and d.sent_on <= link.on]
    return max(before, key=lambda d: (d.sent_on, d.id)).id if before else None


def appeal_deadlines(facts: PupilFacts) -> list[Deadline]:
    """One appeal window per appealable LA decision, extended only by its own mediation certificates and
    met only by an appeal lodged against it (RULES v2)."""
    out: list[Deadline] = []
    for d in facts.decisions:
        if d.kind not in APPEALABLE:
            continue
        certificates = tuple(_linked(c).on for c in facts.mediation_certificates
                             if linked_to(facts.decisions, c) == d.id)
        due = appeal_due(d.sent_on, certificates)
        lodged = any(linked_to(facts.decisions, a) == d.id for a in facts.appeals_lodged)
        out.append(_make("appeal_deadline", f"appeal_deadline:{d.id}", due, lodged, facts, detail=d.kind,
                         extra={"decision": d.kind, "sent_on": d.sent_on.isoformat()}))
    return out


def reassessment_deadlines(facts: PupilFacts) -> list[Deadline]:
    """Regs 25: the LA decides whether to re-assess within 15 days of the request; Regs 27(3): after a
    decision to re-assess, the plan (amended, or a new one) within 14 weeks of that decision. A request owns
    the re-assessment decisions sent from its receipt until the next re-assessment request."""
    out: list[Deadline] = []
    requests = sorted((r for r in facts.assessment_requests if r.reassessment), key=lambda r: r.received_on)
    for i, req in enumerate(requests):
        until = requests[i + 1].received_on if i + 1 < len(requests) else date.max
        decided = any(d.kind in REASSESSMENT_DECISIONS and req.received_on <= d.sent_on < until
                      for d in facts.decisions)
        out.append(_make("reassessment_decision", f"reassessment_decision:{req.id}",
                         req.received_on + timedelta(days=15), decided, facts))
    for d in facts.decisions:
        if d.kind != "reassess":
            continue
        done = any(x.kind in ("plan-amended", "plan-issued") and x.sent_on >= d.sent_on and x.id != d.id
                   for x in facts.decisions) or any(p.issued_on >= d.sent_on for p in facts.plans)
        out.append(_make("reassessment_plan", f"reassessment_plan:{d.id}", d.sent_on + weeks(14), done, facts))
    return out


def tribunal_orders(facts: PupilFacts) -> list[Deadline]:
    """Regs 44(2): the LA carries out a tribunal order within 2 weeks (assess, name a school, reconsider),
    5 weeks (amend the plan) or 11 weeks (make a plan) of the order. Met by the matching LA step dated on
    or after the order."""
    out: list[Deadline] = []
    for o in facts.tribunal_orders:
        met_by = ORDER_MET_BY[o.kind]
        done = any(d.sent_on >= o.ordered_on and (met_by is None or d.kind in met_by) for d in facts.decisions)
        if o.kind == "make-plan":
            done = done or any(p.issued_on >= o.ordered_on for p in facts.plans)
        out.append(_make("tribunal_order", f"tribunal_order:{o.id}", o.ordered_on + weeks(TRIBUNAL_ORDERS[o.kind]),
                         done, facts, detail=o.kind, extra={"order": o.kind}))
    return out

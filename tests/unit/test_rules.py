"""The rule engine against shared/RULES.md, one deadline kind at a time.

Expected dates are worked out by hand from RULES.md (see the comments), not from the code.
"""

from datetime import date, timedelta

import pytest

from bot.calendar import SchoolCalendar, Term, estimate_terms
from bot.rules import ACT_BY_ONLY, KINDS, appeal_due, plan_in_force, pupil_deadlines, school_deadlines
from bot.rules.model import (
    APPEALABLE,
    AssessmentRequest,
    Deadline,
    Decision,
    Intervention,
    InterventionReview,
    Plan,
    PupilFacts,
    ReviewMeeting,
    SchoolFacts,
    SencoAppointment,
    SupportPeriod,
)

PUPIL = 7
TEACHER = 42

AUTUMN = Term(date(2025, 9, 3), date(2025, 12, 19), "Autumn 2025")
SPRING = Term(date(2026, 1, 5), date(2026, 3, 27), "Spring 2026")
SUMMER = Term(date(2026, 4, 13), date(2026, 7, 22), "Summer 2026")
NEXT_AUTUMN = Term(date(2026, 9, 2), date(2026, 12, 18), "Autumn 2026")
CAL = SchoolCalendar([AUTUMN, SPRING, SUMMER, NEXT_AUTUMN])

# The citation column of RULES.md, verbatim (italics dropped; the en dash in "20(3)–(4)" kept).
EXPECTED_KINDS: dict[str, tuple[str, str]] = {
    "parent_meeting": ("school", "CoP 6.65"),
    "intervention_review": ("school", "CoP 6.48, 6.54"),
    "assessment_decision": ("la", "Regs 5(1)"),
    "final_plan": ("la", "Regs 13(2)"),
    "annual_review": ("school", "CFA s44(1); Regs 18"),
    "phase_transfer_review": ("la", "Regs 18(1)"),
    "review_invitations": ("school", "Regs 20(3)\u2013(4)"),
    "review_report": ("school", "Regs 20(7)"),
    "review_decision": ("la", "Regs 20(10)"),
    "amended_plan": ("la", "Regs 22(3); R (L, M & P) v Devon CC [2022] EWHC 493"),
    "appeal_deadline": ("parent", "HESC r.20(1), r.12; Regs 33"),
    # RULES.md follows this with a parenthetical note on the NPQ / NASENCO transition; the engine
    # carries the citation proper and leaves the note to the kind's title and next step.
    "senco_qualification": ("school", "Regs 49(4) as amended by SI 2024/535"),
    "information_report": ("school", "CFA s69; Regs 51; CoP 6.79"),
    # RULES v2
    "reassessment_decision": ("la", "Regs 25"),
    "reassessment_plan": ("la", "Regs 27(3)"),
    "tribunal_order": ("la", "Regs 44(2)"),
    "npq_enrolment": ("school", "DfE NPQ delivery (advisory)"),
}


def facts(**kw) -> PupilFacts:
    return PupilFacts(pupil_id=PUPIL, teacher_id=TEACHER, **kw)


def run(
    f: PupilFacts, today: date, school: SchoolFacts | None = None, calendar: SchoolCalendar = CAL
) -> list[Deadline]:
    return pupil_deadlines(f, school or SchoolFacts(), calendar, today)


def of_kind(deadlines: list[Deadline], kind: str) -> list[Deadline]:
    return [d for d in deadlines if d.kind == kind]


def one(deadlines: list[Deadline], kind: str) -> Deadline:
    found = of_kind(deadlines, kind)
    assert len(found) == 1, found
    return found[0]


def assert_kind(d: Deadline, kind: str) -> None:
    duty, rule = EXPECTED_KINDS[kind]
    assert d.kind == kind
    assert d.duty == duty
    assert d.rule == rule


# ---------------------------------------------------------------------------------------------- the kinds table


def test_every_kind_in_rules_md_is_defined_with_its_duty_and_citation() -> None:
    assert set(KINDS) == set(EXPECTED_KINDS)
    for name, (duty, rule) in EXPECTED_KINDS.items():
        assert KINDS[name].name == name
        assert KINDS[name].duty == duty
        assert KINDS[name].rule == rule
        assert KINDS[name].title and KINDS[name].next_step


def test_en_dash_in_the_review_invitations_citation() -> None:
    assert KINDS["review_invitations"].rule == "Regs 20(3)–(4)"
    assert "\u2013" in KINDS["review_invitations"].rule and "-" not in KINDS["review_invitations"].rule


def test_act_by_only_kinds_are_the_ones_with_no_done_when() -> None:
    assert frozenset({"review_invitations", "review_report"}) == ACT_BY_ONLY


def test_appealable_decisions() -> None:
    assert frozenset(
        {"refuse-assessment", "refuse-plan", "plan-issued", "plan-amended", "no-amend", "cease", "refuse-reassessment"}
    ) == APPEALABLE


def test_a_full_case_produces_every_pupil_kind_with_its_duty_and_citation() -> None:
    f = facts(
        year_group=6,
        support=(SupportPeriod(date(2025, 9, 3)),),
        interventions=(Intervention(1, "Phonics", (InterventionReview(date(2025, 11, 7)),)),),
        assessment_requests=(AssessmentRequest(1, date(2025, 9, 10)),),
        decisions=(
            Decision(1, "assess", date(2025, 10, 15)),
            Decision(2, "plan-issued", date(2026, 1, 20)),
            Decision(3, "amend-proposed", date(2026, 3, 1)),
        ),
        plans=(Plan(1, date(2026, 1, 20)),),
        review_meetings=(ReviewMeeting(1, booked_for=date(2026, 2, 10), held_on=date(2026, 2, 10)),),
    )
    out = run(f, date(2025, 10, 1))
    # RULES v2's kinds have their own full case in test_rules_v2.py.
    pupil_kinds = set(EXPECTED_KINDS) - {"senco_qualification", "information_report", "npq_enrolment",
                                         "reassessment_decision", "reassessment_plan", "tribunal_order"}
    assert {d.kind for d in out} == pupil_kinds
    for d in out:
        assert_kind(d, d.kind)
        assert d.pupil_id == PUPIL
        assert d.key.startswith(f"p{PUPIL}:")
    assert [d.due for d in out] == sorted(d.due for d in out)
    assert len({d.key for d in out}) == len(out)


# ---------------------------------------------------------------------------------------------- status


def _deadline(kind: str, due: date, done: bool = False) -> Deadline:
    duty, rule = EXPECTED_KINDS[kind]
    return Deadline(key="k", kind=kind, due=due, duty=duty, rule=rule, done=done)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", sorted(set(EXPECTED_KINDS) - {"appeal_deadline"}))
def test_status_open_then_overdue(kind: str) -> None:
    d = _deadline(kind, date(2026, 3, 13))
    assert d.status(date(2026, 1, 1)) == "open"
    assert d.status(date(2026, 3, 13)) == "open"  # the due day itself is still in time
    assert d.status(date(2026, 3, 14)) == "overdue"


def test_status_appeal_lapses_instead_of_going_overdue() -> None:
    d = _deadline("appeal_deadline", date(2026, 3, 13))
    assert d.status(date(2026, 3, 13)) == "open"
    assert d.status(date(2026, 3, 14)) == "lapsed"


@pytest.mark.parametrize("kind", sorted(EXPECTED_KINDS))
def test_status_done_wins_before_and_after_the_due_day(kind: str) -> None:
    d = _deadline(kind, date(2026, 3, 13), done=True)
    assert d.status(date(2026, 1, 1)) == "done"
    assert d.status(date(2027, 1, 1)) == "done"


# ---------------------------------------------------------------------------------------------- parent_meeting

def test_parent_meeting_for_each_started_term_and_the_next() -> None:
    f = facts(support=(SupportPeriod(date(2025, 9, 10)),))
    out = of_kind(run(f, date(2025, 10, 1)), "parent_meeting")
    # autumn has started; spring is the next term to start; summer is not listed yet
    assert [d.due for d in out] == [AUTUMN.end, SPRING.end]
    assert [d.detail for d in out] == ["Autumn 2025", "Spring 2026"]
    assert [d.key for d in out] == ["p7:parent_meeting:2025-09-03", "p7:parent_meeting:2026-01-05"]
    for d in out:
        assert_kind(d, "parent_meeting")
        assert d.staff_id == TEACHER
        assert not d.done


def test_parent_meeting_later_in_the_year_lists_all_started_terms() -> None:
    f = facts(support=(SupportPeriod(date(2025, 9, 10)),))
    out = of_kind(run(f, date(2026, 5, 1)), "parent_meeting")
    assert [d.due for d in out] == [AUTUMN.end, SPRING.end, SUMMER.end, NEXT_AUTUMN.end]
    assert [d.status(date(2026, 5, 1)) for d in out] == ["overdue", "overdue", "open", "open"]


def test_parent_meeting_on_the_first_day_of_term_lists_it_as_started() -> None:
    f = facts(support=(SupportPeriod(date(2025, 9, 3)),))
    out = of_kind(run(f, date(2026, 1, 5)), "parent_meeting")
    assert [d.due for d in out] == [AUTUMN.end, SPRING.end, SUMMER.end]


def test_parent_meeting_before_any_term_lists_only_the_next() -> None:
    f = facts(support=(SupportPeriod(date(2025, 7, 1)),))
    out = of_kind(run(f, date(2025, 8, 1)), "parent_meeting")
    assert [d.due for d in out] == [AUTUMN.end]


@pytest.mark.parametrize(
    ("support_start", "autumn_listed"),
    [
        (date(2025, 11, 21), True),  # 19 Dec is exactly 28 days later
        (date(2025, 11, 22), False),  # 27 days: too short a time in that term
        (date(2025, 9, 3), True),
        (date(2025, 12, 19), False),  # started on the last day
    ],
)
def test_parent_meeting_28_day_rule(support_start: date, autumn_listed: bool) -> None:
    assert (AUTUMN.end - support_start).days >= 28 if autumn_listed else (AUTUMN.end - support_start).days < 28
    f = facts(support=(SupportPeriod(support_start),))
    out = of_kind(run(f, date(2025, 12, 1)), "parent_meeting")
    expected = [AUTUMN.end, SPRING.end] if autumn_listed else [SPRING.end]
    assert [d.due for d in out] == expected


def test_parent_meeting_only_for_terms_overlapping_the_support_period() -> None:
    # support ended in the autumn term: spring and summer do not overlap it
    f = facts(support=(SupportPeriod(date(2025, 9, 3), date(2025, 10, 31)),))
    out = of_kind(run(f, date(2026, 5, 1)), "parent_meeting")
    assert [d.due for d in out] == [AUTUMN.end]
    # support ending early in spring still overlaps spring
    f = facts(support=(SupportPeriod(date(2025, 9, 3), date(2026, 1, 10)),))
    out = of_kind(run(f, date(2026, 5, 1)), "parent_meeting")
    assert [d.due for d in out] == [AUTUMN.end, SPRING.end]
    # support starting in the Christmas holiday does not overlap autumn
    f = facts(support=(SupportPeriod(date(2025, 12, 22)),))
    out = of_kind(run(f, date(2026, 2, 1)), "parent_meeting")
    assert [d.due for d in out] == [SPRING.end, SUMMER.end]


def test_parent_meeting_with_two_support_periods() -> None:
    f = facts(support=(SupportPeriod(date(2025, 9, 3), date(2025, 9, 20)), SupportPeriod(date(2026, 2, 1))))
    out = of_kind(run(f, date(2026, 3, 1)), "parent_meeting")
    assert [d.due for d in out] == [AUTUMN.end, SPRING.end, SUMMER.end]


def test_no_support_no_parent_meetings() -> None:
    assert of_kind(run(facts(parent_meetings=(date(2025, 10, 1),)), date(2026, 1, 1)), "parent_meeting") == []


@pytest.mark.parametrize(
    ("meeting", "autumn_done"),
    [
        (date(2025, 9, 3), True),  # first day of term
        (date(2025, 12, 19), True),  # last day of term
        (date(2025, 10, 25), True),  # a Saturday inside the term still counts
        (date(2025, 9, 2), False),  # the day before term
        (date(2025, 12, 20), False),  # the day after term
    ],
)
def test_parent_meeting_done_by_a_meeting_dated_within_the_term(meeting: date, autumn_done: bool) -> None:
    f = facts(support=(SupportPeriod(date(2025, 9, 3)),), parent_meetings=(meeting,))
    autumn, spring = of_kind(run(f, date(2025, 12, 20)), "parent_meeting")
    assert autumn.done is autumn_done
    assert not spring.done
    assert autumn.status(date(2025, 12, 20)) == ("done" if autumn_done else "overdue")


def test_parent_meeting_status_open_on_the_last_day_then_overdue() -> None:
    f = facts(support=(SupportPeriod(date(2025, 9, 3)),))
    autumn = of_kind(run(f, date(2025, 12, 19)), "parent_meeting")[0]
    assert autumn.status(date(2025, 12, 19)) == "open"
    assert autumn.status(date(2025, 12, 20)) == "overdue"


def test_parent_meeting_with_estimated_terms() -> None:
    cal = SchoolCalendar(estimate_terms(2025))
    f = facts(support=(SupportPeriod(date(2025, 9, 15)),))
    out = of_kind(run(f, date(2025, 9, 20), calendar=cal), "parent_meeting")
    assert [d.due for d in out] == [date(2025, 12, 19), date(2026, 3, 27)]
    assert out[0].detail == "Autumn 2025/26 (estimated)"


# ---------------------------------------------------------------------------------------------- intervention_review


def test_intervention_review_due_on_the_review_date_done_when_reviewed() -> None:
    iv = Intervention(
        3, "Reading recovery",
        (
            InterventionReview(date(2025, 11, 7)),
            InterventionReview(date(2026, 2, 7), reviewed_on=date(2026, 2, 5)),  # a Saturday: not moved
        ),
        staff_id=9,
    )
    first, second = of_kind(run(facts(interventions=(iv,)), date(2025, 12, 1)), "intervention_review")
    assert (first.due, second.due) == (date(2025, 11, 7), date(2026, 2, 7))
    assert (first.key, second.key) == ("p7:intervention_review:3:0", "p7:intervention_review:3:1")
    assert first.status(date(2025, 11, 7)) == "open"
    assert first.status(date(2025, 12, 1)) == "overdue"
    assert second.status(date(2025, 12, 1)) == "done"
    assert first.staff_id == 9 and first.detail == "Reading recovery"
    assert first.extra == {"intervention_id": "3"}
    assert_kind(first, "intervention_review")


def test_intervention_review_falls_back_to_the_class_teacher() -> None:
    iv = Intervention(4, "Maths", (InterventionReview(date(2025, 11, 7)),))
    d = one(run(facts(interventions=(iv,)), date(2025, 10, 1)), "intervention_review")
    assert d.staff_id == TEACHER


# ---------------------------------------------------------------------------------------------- assessment


def test_assessment_decision_and_final_plan_dates() -> None:
    f = facts(assessment_requests=(AssessmentRequest(1, date(2025, 1, 10)),))
    out = run(f, date(2025, 2, 1))
    decision, final = one(out, "assessment_decision"), one(out, "final_plan")
    assert decision.due == date(2025, 2, 21)  # 10 Jan + 6 weeks (42 days)
    assert final.due == date(2025, 5, 30)  # 10 Jan + 20 weeks (140 days)
    assert decision.key == "p7:assessment_decision:1" and final.key == "p7:final_plan:1"
    assert_kind(decision, "assessment_decision")
    assert_kind(final, "final_plan")
    assert decision.status(date(2025, 2, 21)) == "open"
    assert decision.status(date(2025, 2, 22)) == "overdue"  # the LA is late: escalate
    assert final.status(date(2025, 5, 31)) == "overdue"


@pytest.mark.parametrize(
    ("received", "decision_due", "final_due"),
    [
        # weeks are calendar days: a bank holiday or the August holiday does not move the date
        (date(2026, 3, 23), date(2026, 5, 4), date(2026, 8, 10)),  # 4 May 2026 is a bank holiday
        (date(2025, 8, 7), date(2025, 9, 18), date(2025, 12, 25)),  # Christmas Day
        (date(2025, 1, 11), date(2025, 2, 22), date(2025, 5, 31)),  # received on a Saturday
    ],
)
def test_assessment_weeks_are_not_adjusted_for_holidays(received: date, decision_due: date, final_due: date) -> None:
    out = run(facts(assessment_requests=(AssessmentRequest(1, received),)), received)
    assert one(out, "assessment_decision").due == decision_due
    assert one(out, "final_plan").due == final_due


@pytest.mark.parametrize("kind", ["assess", "refuse-assessment"])
def test_assessment_decision_done_by_assess_or_refuse(kind: str) -> None:
    f = facts(assessment_requests=(AssessmentRequest(1, date(2025, 1, 10)),),
              decisions=(Decision(1, kind, date(2025, 3, 1)),))  # late, but recorded
    d = one(run(f, date(2025, 4, 1)), "assessment_decision")
    assert d.done and d.status(date(2025, 4, 1)) == "done"


def test_assessment_decision_not_done_by_an_earlier_or_unrelated_decision() -> None:
    f = facts(assessment_requests=(AssessmentRequest(1, date(2025, 1, 10)),),
              decisions=(Decision(1, "assess", date(2024, 12, 1)), Decision(2, "no-amend", date(2025, 1, 20))))
    d = one(run(f, date(2025, 4, 1)), "assessment_decision")
    assert not d.done


def test_final_plan_not_produced_when_assessment_refused() -> None:
    f = facts(assessment_requests=(AssessmentRequest(1, date(2025, 1, 10)),),
              decisions=(Decision(1, "refuse-assessment", date(2025, 2, 14)),))
    out = run(f, date(2025, 3, 1))
    assert one(out, "assessment_decision").done
    assert of_kind(out, "final_plan") == []
    # the refusal is appealable
    assert one(out, "appeal_deadline").extra["decision"] == "refuse-assessment"


def test_final_plan_open_after_a_decision_to_assess() -> None:
    f = facts(assessment_requests=(AssessmentRequest(1, date(2025, 1, 10)),),
              decisions=(Decision(1, "assess", date(2025, 2, 14)),))
    final = one(run(f, date(2025, 3, 1)), "final_plan")
    assert not final.done
    assert final.status(date(2025, 5, 30)) == "open"
    assert final.status(date(2025, 5, 31)) == "overdue"


@pytest.mark.parametrize(
    ("decisions", "plans"),
    [
        ((Decision(1, "assess", date(2025, 2, 14)), Decision(2, "plan-issued", date(2025, 5, 29))), ()),
        ((Decision(1, "assess", date(2025, 2, 14)), Decision(2, "refuse-plan", date(2025, 5, 1))), ()),
        ((Decision(1, "assess", date(2025, 2, 14)),), (Plan(1, date(2025, 6, 10)),)),  # late, but issued
    ],
)
def test_final_plan_done_by_a_plan_or_a_refusal_to_issue_one(
    decisions: tuple[Decision, ...], plans: tuple[Plan, ...]
) -> None:
    f = facts(assessment_requests=(AssessmentRequest(1, date(2025, 1, 10)),), decisions=decisions, plans=plans)
    final = one(run(f, date(2025, 7, 1)), "final_plan")
    assert final.done
    assert final.status(date(2025, 7, 1)) == "done"


def test_each_request_owns_the_decisions_until_the_next_request() -> None:
    f = facts(
        assessment_requests=(AssessmentRequest(2, date(2025, 1, 10)), AssessmentRequest(1, date(2024, 1, 10))),
        decisions=(Decision(1, "refuse-assessment", date(2024, 2, 1)), Decision(2, "assess", date(2025, 2, 1))),
    )
    out = run(f, date(2025, 3, 1))
    decisions = of_kind(out, "assessment_decision")
    assert [(d.key, d.due, d.done) for d in decisions] == [
        ("p7:assessment_decision:1", date(2024, 2, 21), True),
        ("p7:assessment_decision:2", date(2025, 2, 21), True),
    ]
    final = one(out, "final_plan")  # only the second request: the first was refused
    assert (final.key, final.due, final.done) == ("p7:final_plan:2", date(2025, 5, 30), False)


# ---------------------------------------------------------------------------------------------- annual_review


@pytest.mark.parametrize(
    ("issued", "expected"),
    [
        (date(2025, 3, 14), date(2026, 3, 13)),
        (date(2024, 2, 29), date(2025, 2, 28)),  # leap day
        (date(2023, 3, 1), date(2024, 2, 29)),
        (date(2025, 3, 31), date(2026, 3, 30)),  # month end
        (date(2025, 1, 1), date(2025, 12, 31)),
    ],
)
def test_annual_review_ends_the_12_months_starting_with_the_issue_date(issued: date, expected: date) -> None:
    d = one(run(facts(plans=(Plan(1, issued),)), issued), "annual_review")
    assert d.due == expected
    assert d.key == "p7:annual_review"
    assert d.staff_id == TEACHER
    assert_kind(d, "annual_review")


def test_annual_review_rolls_on_from_the_last_review_meeting() -> None:
    plan = Plan(1, date(2025, 3, 14))
    meetings = (ReviewMeeting(2, held_on=date(2026, 10, 1)), ReviewMeeting(1, held_on=date(2025, 11, 20)))
    d = one(run(facts(plans=(plan,), review_meetings=meetings), date(2026, 10, 2)), "annual_review")
    assert d.due == date(2027, 9, 30)
    d = one(run(facts(plans=(plan,), review_meetings=meetings[1:]), date(2026, 1, 1)), "annual_review")
    assert d.due == date(2026, 11, 19)


def test_annual_review_uses_the_issue_date_when_it_is_later_than_the_last_meeting() -> None:
    plan = Plan(1, date(2025, 3, 14))
    meetings = (ReviewMeeting(1, held_on=date(2025, 2, 1)),)
    d = one(run(facts(plans=(plan,), review_meetings=meetings), date(2025, 4, 1)), "annual_review")
    assert d.due == date(2026, 3, 13)


def test_annual_review_ignores_meetings_only_booked() -> None:
    plan = Plan(1, date(2025, 3, 14))
    meetings = (ReviewMeeting(1, booked_for=date(2026, 2, 1)),)
    d = one(run(facts(plans=(plan,), review_meetings=meetings), date(2026, 1, 1)), "annual_review")
    assert d.due == date(2026, 3, 13)


def test_annual_review_after_a_meeting_on_29_february() -> None:
    plan = Plan(1, date(2027, 3, 1))
    meetings = (ReviewMeeting(1, held_on=date(2028, 2, 29)),)
    d = one(run(facts(plans=(plan,), review_meetings=meetings), date(2028, 3, 1)), "annual_review")
    assert d.due == date(2029, 2, 28)


def test_annual_review_never_done_overdue_once_past() -> None:
    d = one(run(facts(plans=(Plan(1, date(2025, 3, 14)),)), date(2026, 3, 14)), "annual_review")
    assert not d.done
    assert d.status(date(2026, 3, 13)) == "open"
    assert d.status(date(2026, 3, 14)) == "overdue"


def test_ceased_plan_has_no_annual_review() -> None:
    f = facts(plans=(Plan(1, date(2025, 3, 14), ceased_on=date(2025, 12, 1)),),
              review_meetings=(ReviewMeeting(1, held_on=date(2025, 11, 1)),))
    assert plan_in_force(f) is None
    assert of_kind(run(f, date(2026, 1, 1)), "annual_review") == []


def test_annual_review_follows_the_plan_in_force() -> None:
    f = facts(plans=(Plan(1, date(2023, 3, 14), ceased_on=date(2024, 1, 1)), Plan(2, date(2025, 9, 1))))
    assert plan_in_force(f) == Plan(2, date(2025, 9, 1))
    assert one(run(f, date(2025, 9, 2)), "annual_review").due == date(2026, 8, 31)


def test_no_plan_no_annual_review() -> None:
    assert of_kind(run(facts(), date(2026, 1, 1)), "annual_review") == []


# ---------------------------------------------------------------------------------------------- phase_transfer_review

PLAN = (Plan(1, date(2023, 6, 1)),)


def _phase(year_group: int | None, today: date, school: SchoolFacts, **kw) -> list[Deadline]:
    return of_kind(run(facts(year_group=year_group, plans=PLAN, **kw), today, school), "phase_transfer_review")


@pytest.mark.parametrize(
    ("phase", "year_group", "expected_due"),
    [
        ("infant", 2, date(2026, 2, 14)),
        ("junior", 6, date(2026, 2, 14)),
        ("primary", 6, date(2026, 2, 14)),
        ("secondary", 11, date(2026, 3, 30)),
        ("all-through", 11, date(2026, 3, 30)),
    ],
)
def test_phase_transfer_defaults(phase: str, year_group: int, expected_due: date) -> None:
    school = SchoolFacts(phase=phase)
    (d,) = _phase(year_group, date(2025, 10, 1), school)
    assert d.due == expected_due
    assert d.detail == f"Year {year_group}"
    assert d.key == "p7:phase_transfer_review:2025"
    assert_kind(d, "phase_transfer_review")
    # every other year group in that phase: no phase transfer review
    for other in range(0, 14):
        if other != year_group:
            assert _phase(other, date(2025, 10, 1), school) == []


@pytest.mark.parametrize("phase", ["middle", "special"])
def test_middle_and_special_schools_have_no_default_transfer_years(phase: str) -> None:
    school = SchoolFacts(phase=phase)
    assert school.transfer_year_groups() == ()
    for year_group in range(0, 14):
        assert _phase(year_group, date(2025, 10, 1), school) == []


def test_explicit_transfer_years() -> None:
    middle = SchoolFacts(phase="middle", transfer_years=(4, 8))
    assert _phase(4, date(2025, 10, 1), middle)[0].due == date(2026, 2, 14)
    assert _phase(8, date(2025, 10, 1), middle)[0].due == date(2026, 2, 14)
    assert _phase(6, date(2025, 10, 1), middle) == []
    special = SchoolFacts(phase="special", transfer_years=(6, 11))
    assert _phase(6, date(2025, 10, 1), special)[0].due == date(2026, 2, 14)
    assert _phase(11, date(2025, 10, 1), special)[0].due == date(2026, 3, 30)  # Year 11 always 30 March
    # an explicit list replaces the phase default
    primary = SchoolFacts(phase="primary", transfer_years=(2,))
    assert _phase(2, date(2025, 10, 1), primary)[0].due == date(2026, 2, 14)
    assert _phase(6, date(2025, 10, 1), primary) == []


@pytest.mark.parametrize(
    ("today", "year_group", "expected_due"),
    [
        # the calendar year in which the academic year ends
        (date(2025, 9, 1), 6, date(2026, 2, 14)),
        (date(2026, 2, 14), 6, date(2026, 2, 14)),
        (date(2026, 8, 31), 6, date(2026, 2, 14)),
        (date(2026, 9, 1), 6, date(2027, 2, 14)),
        (date(2025, 8, 31), 11, date(2025, 3, 30)),
        (date(2025, 9, 1), 11, date(2026, 3, 30)),
        (date(2027, 12, 1), 11, date(2028, 3, 30)),
    ],
)
def test_phase_transfer_due_in_the_year_the_academic_year_ends(
    today: date, year_group: int, expected_due: date
) -> None:
    school = SchoolFacts(phase="all-through", transfer_years=(6, 11))
    (d,) = _phase(year_group, today, school)
    assert d.due == expected_due


def test_phase_transfer_due_day_is_not_moved_off_a_weekend() -> None:
    # "before 15 February": the last compliant day is 14 February, a Saturday in 2026
    (d,) = _phase(6, date(2025, 10, 1), SchoolFacts())
    assert d.due == date(2026, 2, 14) and d.due.weekday() == 5


@pytest.mark.parametrize(
    ("decision", "done"),
    [
        (Decision(1, "no-amend", date(2026, 2, 14)), True),  # on the due day
        (Decision(1, "plan-amended", date(2025, 9, 1)), True),  # first day of the academic year
        (Decision(1, "plan-amended", date(2026, 2, 15)), False),  # too late
        (Decision(1, "no-amend", date(2025, 8, 31)), False),  # last academic year
        (Decision(1, "amend-proposed", date(2026, 1, 10)), False),  # only a proposal
        (Decision(1, "cease", date(2026, 1, 10)), False),
    ],
)
def test_phase_transfer_done_by_an_amend_or_no_amend_decision_in_time(decision: Decision, done: bool) -> None:
    (d,) = _phase(6, date(2026, 3, 1), SchoolFacts(), decisions=(decision,))
    assert d.done is done
    assert d.status(date(2026, 3, 1)) == ("done" if done else "overdue")


def test_phase_transfer_year_11_done_on_30_march_not_31() -> None:
    school = SchoolFacts(phase="secondary")
    (d,) = _phase(11, date(2026, 4, 1), school, decisions=(Decision(1, "plan-amended", date(2026, 3, 30)),))
    assert d.done
    (d,) = _phase(11, date(2026, 4, 1), school, decisions=(Decision(1, "plan-amended", date(2026, 3, 31)),))
    assert not d.done
    assert d.status(date(2026, 3, 30)) == "open"
    assert d.status(date(2026, 3, 31)) == "overdue"


def test_phase_transfer_needs_a_plan_in_force_and_a_year_group() -> None:
    school = SchoolFacts(phase="primary")
    assert of_kind(run(facts(year_group=6), date(2025, 10, 1), school), "phase_transfer_review") == []
    ceased = (Plan(1, date(2023, 6, 1), ceased_on=date(2025, 7, 1)),)
    assert of_kind(run(facts(year_group=6, plans=ceased), date(2025, 10, 1), school), "phase_transfer_review") == []
    assert _phase(None, date(2025, 10, 1), school) == []


# ---------------------------------------------------------------------------------------------- review meetings


def test_review_invitations_14_days_before_a_booked_meeting() -> None:
    f = facts(review_meetings=(ReviewMeeting(5, booked_for=date(2026, 3, 10)),))
    out = run(f, date(2026, 1, 1))
    d = one(out, "review_invitations")
    assert d.due == date(2026, 2, 24)
    assert d.key == "p7:review_invitations:5"
    assert d.staff_id == TEACHER
    assert_kind(d, "review_invitations")
    assert not d.done  # "—": a date to act by
    assert d.status(date(2026, 2, 24)) == "open"
    assert d.status(date(2026, 2, 25)) == "overdue"
    # a meeting only booked has no report or LA decision yet
    assert of_kind(out, "review_report") == [] and of_kind(out, "review_decision") == []


def test_review_invitations_not_moved_off_a_bank_holiday() -> None:
    # 20 April 2026 - 14 days = 6 April 2026, Easter Monday
    f = facts(review_meetings=(ReviewMeeting(5, booked_for=date(2026, 4, 20)),))
    assert one(run(f, date(2026, 1, 1)), "review_invitations").due == date(2026, 4, 6)


def test_review_report_and_decision_after_a_held_meeting() -> None:
    f = facts(review_meetings=(ReviewMeeting(5, booked_for=date(2026, 3, 10), held_on=date(2026, 3, 10)),))
    out = run(f, date(2026, 3, 10))
    report, decision = one(out, "review_report"), one(out, "review_decision")
    assert one(out, "review_invitations").due == date(2026, 2, 24)
    assert report.due == date(2026, 3, 24)  # M + 2 weeks
    assert decision.due == date(2026, 4, 7)  # M + 4 weeks
    assert (report.key, decision.key) == ("p7:review_report:5", "p7:review_decision:5")
    assert_kind(report, "review_report")
    assert_kind(decision, "review_decision")
    assert report.staff_id == TEACHER
    assert not report.done
    assert report.status(date(2026, 3, 25)) == "overdue"
    assert decision.status(date(2026, 4, 7)) == "open"
    assert decision.status(date(2026, 4, 8)) == "overdue"


def test_review_report_not_moved_off_new_years_day() -> None:
    f = facts(review_meetings=(ReviewMeeting(5, held_on=date(2026, 12, 18)),))
    out = run(f, date(2026, 12, 18))
    assert one(out, "review_report").due == date(2027, 1, 1)
    assert one(out, "review_decision").due == date(2027, 1, 15)


@pytest.mark.parametrize(
    ("decision", "done"),
    [
        (Decision(1, "no-amend", date(2026, 3, 11)), True),
        (Decision(1, "amend-proposed", date(2026, 4, 20)), True),  # late, but recorded
        (Decision(1, "cease", date(2026, 3, 30)), True),
        (Decision(1, "refuse-assessment", date(2026, 3, 30)), True),  # "any LA decision"
        (Decision(1, "no-amend", date(2026, 3, 10)), True),  # RULES v2: the meeting day itself counts
        (Decision(1, "no-amend", date(2025, 3, 30)), False),  # last year's
    ],
)
def test_review_decision_done_by_any_la_decision_after_the_meeting(decision: Decision, done: bool) -> None:
    f = facts(review_meetings=(ReviewMeeting(5, held_on=date(2026, 3, 10)),), decisions=(decision,))
    d = one(run(f, date(2026, 5, 1)), "review_decision")
    assert d.done is done
    assert d.status(date(2026, 5, 1)) == ("done" if done else "overdue")


# ---------------------------------------------------------------------------------------------- amended_plan


@pytest.mark.parametrize(
    ("held", "expected"),
    [
        ((), date(2026, 5, 27)),  # no meeting: P + 8 weeks
        ((date(2026, 2, 10),), date(2026, 5, 5)),  # meeting + 12 weeks is earlier
        ((date(2026, 3, 20),), date(2026, 5, 27)),  # P + 8 weeks is earlier
        ((date(2026, 3, 4),), date(2026, 5, 27)),  # both the same day
        ((date(2026, 1, 5), date(2026, 3, 20)), date(2026, 5, 27)),  # the *last* meeting counts
        ((date(2026, 2, 10), date(2026, 4, 10)), date(2026, 5, 5)),  # a meeting after P does not
    ],
)
def test_amended_plan_earlier_of_8_weeks_and_12_weeks_after_the_meeting(held: tuple[date, ...], expected: date) -> None:
    meetings = tuple(ReviewMeeting(i, held_on=h) for i, h in enumerate(held))
    f = facts(decisions=(Decision(9, "amend-proposed", date(2026, 4, 1)),), review_meetings=meetings)
    d = one(run(f, date(2026, 4, 1)), "amended_plan")
    assert d.due == expected
    assert d.key == "p7:amended_plan:9"
    assert_kind(d, "amended_plan")


@pytest.mark.parametrize(
    ("later", "done"),
    [
        (Decision(10, "plan-amended", date(2026, 5, 20)), True),
        (Decision(10, "plan-amended", date(2026, 7, 1)), True),  # late, but issued
        (Decision(10, "plan-amended", date(2026, 3, 1)), False),  # before the proposal
        (Decision(10, "no-amend", date(2026, 5, 20)), False),
    ],
)
def test_amended_plan_done_by_plan_amended(later: Decision, done: bool) -> None:
    f = facts(decisions=(Decision(9, "amend-proposed", date(2026, 4, 1)), later))
    d = one(run(f, date(2026, 8, 1)), "amended_plan")
    assert d.done is done
    assert d.status(date(2026, 8, 1)) == ("done" if done else "overdue")


def test_amended_plan_status_open_on_the_day_overdue_after() -> None:
    d = one(run(facts(decisions=(Decision(9, "amend-proposed", date(2026, 4, 1)),)), date(2026, 4, 1)),
            "amended_plan")
    assert d.status(date(2026, 5, 27)) == "open"
    assert d.status(date(2026, 5, 28)) == "overdue"


# ---------------------------------------------------------------------------------------------- appeal_deadline


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        (date(2026, 1, 13), date(2026, 3, 13)),  # N + 2 months, a Friday
        (date(2026, 1, 14), date(2026, 3, 16)),  # 14 March 2026 is a Saturday -> Monday
        (date(2026, 1, 15), date(2026, 3, 16)),  # Sunday -> Monday
        # month end: 31 Dec + 2 months = 28/29 Feb
        (date(2023, 12, 31), date(2024, 2, 29)),
        (date(2027, 12, 31), date(2028, 2, 29)),
        (date(2025, 12, 31), date(2026, 3, 2)),  # 28 Feb 2026 is a Saturday
        (date(2026, 12, 31), date(2027, 3, 1)),  # 28 Feb 2027 is a Sunday
        (date(2026, 1, 31), date(2026, 3, 31)),
        # bank holidays
        (date(2026, 2, 6), date(2026, 4, 7)),  # Easter Monday -> Tuesday
        (date(2026, 2, 3), date(2026, 4, 7)),  # Good Friday -> over Easter -> Tuesday
        (date(2026, 3, 25), date(2026, 5, 26)),  # Spring bank holiday
        # August: the first working day after 31 August
        (date(2026, 6, 1), date(2026, 9, 1)),
        (date(2026, 6, 10), date(2026, 9, 1)),
        (date(2026, 6, 30), date(2026, 9, 1)),  # 31 Aug 2026 is a bank holiday anyway
        (date(2024, 6, 15), date(2024, 9, 2)),  # 1 Sep 2024 is a Sunday
        (date(2029, 6, 15), date(2029, 9, 3)),  # 1 Sep 2029 is a Saturday
        (date(2026, 5, 31), date(2026, 7, 31)),  # 31 July is not August
        # 25 December to 1 January: the first working day after 1 January
        (date(2026, 10, 25), date(2027, 1, 4)),  # 2 and 3 Jan 2027 are a weekend
        (date(2026, 10, 31), date(2027, 1, 4)),
        (date(2026, 11, 1), date(2027, 1, 4)),  # 1 January itself
        (date(2025, 10, 25), date(2026, 1, 2)),  # 2 Jan is a working day in England
        (date(2021, 11, 1), date(2022, 1, 4)),  # 3 Jan 2022 is the substitute New Year's Day
        (date(2026, 10, 24), date(2026, 12, 24)),  # Christmas Eve is a working day
        (date(2026, 11, 2), date(2027, 1, 4)),  # 2 Jan 2027 is a Saturday
    ],
)
def test_appeal_due(sent: date, expected: date) -> None:
    assert appeal_due(sent) == expected


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        # RULES.md applies the steps in order: the August / Christmas step looks at N + 2 months, and only
        # then is a non-working day moved on. So a Saturday just before the window moves into it.
        (date(2022, 10, 24), date(2022, 12, 28)),  # Sat 24 Dec 2022 -> Sun, Boxing Day, substitute -> Wed 28
        (date(2021, 5, 31), date(2021, 8, 2)),  # Sat 31 Jul 2021 -> Mon 2 Aug 2021
    ],
)
def test_appeal_due_steps_apply_in_the_order_written(sent: date, expected: date) -> None:
    assert appeal_due(sent) == expected


@pytest.mark.parametrize(
    ("certificates", "expected"),
    [
        ((date(2026, 3, 1),), date(2026, 4, 1)),  # C + 1 month is later than N + 2 months
        ((date(2026, 1, 20),), date(2026, 3, 13)),  # C + 1 month (20 Feb) is earlier: N + 2 months
        ((date(2026, 1, 13),), date(2026, 3, 13)),  # issued on N, not after it
        ((date(2025, 12, 1),), date(2026, 3, 13)),  # before N
        ((date(2026, 2, 20), date(2026, 3, 5)), date(2026, 4, 7)),  # the latest counts; 5 Apr is Easter Sunday
        ((date(2026, 7, 15),), date(2026, 9, 1)),  # C + 1 month in August
        ((date(2026, 11, 28),), date(2027, 1, 4)),  # C + 1 month on 28 December
        ((date(2026, 1, 31),), date(2026, 3, 13)),  # 31 Jan + 1 month = 28 Feb, earlier than 13 Mar
    ],
)
def test_appeal_due_with_mediation_certificate(certificates: tuple[date, ...], expected: date) -> None:
    assert appeal_due(date(2026, 1, 13), certificates) == expected


def test_mediation_certificate_month_end() -> None:
    # N + 2 months = 30 Jan 2026 (Fri); C = 31 Dec 2025 -> 31 Jan 2026 is a Saturday -> Mon 2 Feb
    assert appeal_due(date(2025, 11, 30), (date(2025, 12, 31),)) == date(2026, 2, 2)
    # C = 31 Jan 2028 -> 29 Feb 2028 (leap year, a Tuesday)
    assert appeal_due(date(2027, 12, 1), (date(2028, 1, 31),)) == date(2028, 2, 29)


@pytest.mark.parametrize("kind", sorted(APPEALABLE))
def test_every_appealable_decision_opens_an_appeal_window(kind: str) -> None:
    f = facts(decisions=(Decision(4, kind, date(2026, 1, 13)),), mediation_certificates=(date(2026, 3, 1),))
    d = one(run(f, date(2026, 1, 13)), "appeal_deadline")
    assert d.due == date(2026, 4, 1)
    assert d.key == "p7:appeal_deadline:4"
    assert d.detail == kind
    assert d.extra == {"decision": kind, "sent_on": "2026-01-13"}
    assert_kind(d, "appeal_deadline")


@pytest.mark.parametrize("kind", ["assess", "amend-proposed"])
def test_non_appealable_decisions_open_no_window(kind: str) -> None:
    f = facts(decisions=(Decision(4, kind, date(2026, 1, 13)),))
    assert of_kind(run(f, date(2026, 1, 13)), "appeal_deadline") == []


def test_appeal_status_open_lapsed_done() -> None:
    decision = Decision(4, "refuse-assessment", date(2026, 1, 13))
    d = one(run(facts(decisions=(decision,)), date(2026, 1, 13)), "appeal_deadline")
    assert d.status(date(2026, 3, 13)) == "open"
    assert d.status(date(2026, 3, 14)) == "lapsed"
    lodged = one(run(facts(decisions=(decision,), appeals_lodged=(date(2026, 3, 13),)), date(2026, 4, 1)),
                 "appeal_deadline")
    assert lodged.status(date(2026, 4, 1)) == "done"
    earlier = one(run(facts(decisions=(decision,), appeals_lodged=(date(2025, 6, 1),)), date(2026, 4, 1)),
                  "appeal_deadline")
    assert earlier.status(date(2026, 4, 1)) == "lapsed"  # an appeal lodged before N is another appeal


# ---------------------------------------------------------------------------------------------- senco_qualification


@pytest.mark.parametrize(
    ("appointed", "prior_months", "expected"),
    [
        (date(2025, 9, 1), 0, date(2028, 9, 1)),
        (date(2024, 2, 29), 0, date(2027, 2, 28)),  # no 29 Feb 2027
        (date(2024, 2, 29), 12, date(2027, 2, 28)),  # at most 12 months' earlier service: still applies
        (date(2009, 9, 2), 0, date(2012, 9, 2)),  # the first day *after* 1 Sep 2009
        (date(2025, 1, 4), 0, date(2028, 1, 4)),  # a Tuesday; weekends would not move it either
    ],
)
def test_senco_qualification_due_on_the_third_anniversary(appointed: date, prior_months: int, expected: date) -> None:
    school = SchoolFacts(senco_appointments=(SencoAppointment(3, 11, appointed, prior_months),))
    (d,) = of_kind(school_deadlines(school), "senco_qualification")
    assert d.due == expected
    assert d.key == "senco_qualification:3"
    assert d.staff_id == 11
    assert d.pupil_id is None
    assert_kind(d, "senco_qualification")
    assert d.status(expected) == "open"
    assert d.status(expected + timedelta(days=1)) == "overdue"


@pytest.mark.parametrize(
    ("appointed", "prior_months"),
    [
        (date(2009, 9, 1), 0),  # on 1 Sep 2009, not after it
        (date(2005, 1, 1), 0),
        (date(2025, 9, 1), 13),  # more than 12 months as a SENCO before
        (date(2025, 9, 1), 36),
    ],
)
def test_senco_qualification_exemptions(appointed: date, prior_months: int) -> None:
    school = SchoolFacts(senco_appointments=(SencoAppointment(3, 11, appointed, prior_months),))
    assert school_deadlines(school) == []


def test_senco_qualification_done_when_qualified() -> None:
    appointment = SencoAppointment(3, 11, date(2025, 9, 1), qualified_on=date(2027, 7, 1))
    (d,) = of_kind(school_deadlines(SchoolFacts(senco_appointments=(appointment,))), "senco_qualification")
    assert d.done
    assert d.status(date(2030, 1, 1)) == "done"


# ---------------------------------------------------------------------------------------------- information_report


def test_information_report_due_a_year_later() -> None:
    (d,) = school_deadlines(SchoolFacts(info_report_published=(date(2025, 9, 30),)))
    assert d.due == date(2026, 9, 30)
    assert d.key == "information_report:2025-09-30"
    assert not d.done
    assert_kind(d, "information_report")
    assert d.status(date(2026, 9, 30)) == "open"
    assert d.status(date(2026, 10, 1)) == "overdue"


def test_information_report_leap_day() -> None:
    (d,) = school_deadlines(SchoolFacts(info_report_published=(date(2024, 2, 29),)))
    assert d.due == date(2025, 2, 28)


def test_newer_information_report_marks_the_older_done() -> None:
    school = SchoolFacts(info_report_published=(date(2025, 9, 30), date(2024, 10, 1), date(2025, 9, 30)))
    out = [d for d in school_deadlines(school) if d.kind == "information_report"]
    assert [(d.due, d.done) for d in out] == [(date(2025, 10, 1), True), (date(2026, 9, 30), False)]
    assert out[0].status(date(2026, 1, 1)) == "done"  # republished, though late


def test_school_deadlines_sorted_by_due() -> None:
    school = SchoolFacts(
        senco_appointments=(SencoAppointment(1, 11, date(2024, 1, 8)),),
        info_report_published=(date(2025, 9, 30),),
    )
    out = school_deadlines(school)
    assert [(d.kind, d.due) for d in out] == [
        ("npq_enrolment", date(2024, 11, 1)),
        ("information_report", date(2026, 9, 30)),
        ("senco_qualification", date(2027, 1, 8)),
    ]

"""RULES v2: the new kinds and the decisions v1 was silent on (shared/RULES.md, "v2")."""

from datetime import date

import pytest

from bot.calendar import SchoolCalendar
from bot.rules import pupil_deadlines, school_deadlines
from bot.rules.model import (
    NURSERY,
    AssessmentRequest,
    Decision,
    Linked,
    Plan,
    PupilFacts,
    ReviewMeeting,
    SchoolFacts,
    SencoAppointment,
    TribunalOrder,
)

CAL = SchoolCalendar()


def run(f: PupilFacts, today: date, school: SchoolFacts | None = None) -> list:
    return pupil_deadlines(f, school or SchoolFacts(), CAL, today)


def of_kind(out: list, kind: str) -> list:
    return [d for d in out if d.kind == kind]


def one(out: list, kind: str):  # type: ignore[no-untyped-def]
    found = of_kind(out, kind)
    assert len(found) == 1, found
    return found[0]


PLAN = (Plan(1, date(2024, 3, 14)),)


def test_reassessment_decision_is_due_15_days_after_the_request() -> None:
    f = PupilFacts(7, plans=PLAN, assessment_requests=(AssessmentRequest(3, date(2026, 1, 20), reassessment=True),))
    out = run(f, date(2026, 1, 21))
    d = one(out, "reassessment_decision")
    assert (d.due, d.duty, d.rule, d.done) == (date(2026, 2, 4), "la", "Regs 25", False)
    # A re-assessment is not a first assessment: no 6- or 20-week clocks.
    assert of_kind(out, "assessment_decision") == [] and of_kind(out, "final_plan") == []


@pytest.mark.parametrize("kind", ["reassess", "refuse-reassessment"])
def test_reassessment_decision_done_by_either_decision(kind: str) -> None:
    f = PupilFacts(7, plans=PLAN, assessment_requests=(AssessmentRequest(3, date(2026, 1, 20), True),),
                   decisions=(Decision(9, kind, date(2026, 2, 1)),))
    assert one(run(f, date(2026, 3, 1)), "reassessment_decision").done


def test_reassessment_plan_14_weeks_after_reassess_done_by_plan_amended() -> None:
    decisions = (Decision(9, "reassess", date(2026, 2, 1)),)
    d = one(run(PupilFacts(7, plans=PLAN, decisions=decisions), date(2026, 2, 2)), "reassessment_plan")
    assert (d.due, d.rule) == (date(2026, 5, 10), "Regs 27(3)")
    assert not d.done
    amended = (*decisions, Decision(10, "plan-amended", date(2026, 4, 1)))
    assert one(run(PupilFacts(7, plans=PLAN, decisions=amended), date(2026, 4, 2)), "reassessment_plan").done


def test_refuse_reassessment_is_appealable() -> None:
    f = PupilFacts(7, plans=PLAN, decisions=(Decision(9, "refuse-reassessment", date(2026, 2, 2)),))
    assert one(run(f, date(2026, 2, 3)), "appeal_deadline").due == date(2026, 4, 2)


@pytest.mark.parametrize(("kind", "weeks", "met_by", "not_met_by"), [
    ("assess", 2, "reassess", "plan-amended"),
    ("name-school", 2, "plan-amended", "no-amend"),
    ("reconsider", 2, "no-amend", None),
    ("amend", 5, "plan-amended", "amend-proposed"),
    ("make-plan", 11, "plan-issued", "plan-amended"),
])
def test_tribunal_orders(kind: str, weeks: int, met_by: str, not_met_by: str | None) -> None:
    order = (TribunalOrder(4, date(2026, 3, 2), kind),)
    d = one(run(PupilFacts(7, tribunal_orders=order), date(2026, 3, 3)), "tribunal_order")
    assert (d.due, d.duty, d.rule) == (date(2026, 3, 2) + (date(2026, 1, 8) - date(2026, 1, 1)) * weeks, "la",
                                       "Regs 44(2)")
    assert not d.done
    met = PupilFacts(7, tribunal_orders=order, decisions=(Decision(1, met_by, date(2026, 3, 2)),))
    assert one(run(met, date(2026, 3, 3)), "tribunal_order").done
    before = PupilFacts(7, tribunal_orders=order, decisions=(Decision(1, met_by, date(2026, 3, 1)),))
    assert not one(run(before, date(2026, 3, 3)), "tribunal_order").done
    if not_met_by:
        other = PupilFacts(7, tribunal_orders=order, decisions=(Decision(1, not_met_by, date(2026, 3, 5)),))
        assert not one(run(other, date(2026, 3, 6)), "tribunal_order").done


@pytest.mark.parametrize(("appointed", "enrol_by"), [
    (date(2025, 9, 1), date(2026, 11, 1)),  # D = 1 Sep 2028; 1 Nov 2026 + 22 months = 1 Sep 2028
    (date(2025, 8, 31), date(2025, 11, 1)),  # D = 31 Aug 2028: the 2026 cohort finishes a day too late
    (date(2026, 1, 8), date(2026, 11, 1)),  # D = 8 Jan 2029
])
def test_npq_enrolment_latest_autumn_cohort(appointed: date, enrol_by: date) -> None:
    school = SchoolFacts(senco_appointments=(SencoAppointment(3, 11, appointed),))
    (d,) = [x for x in school_deadlines(school) if x.kind == "npq_enrolment"]
    assert d.due == enrol_by
    assert (d.duty, d.staff_id, d.done) == ("school", 11, False)
    assert "advisory" in d.rule


def test_npq_enrolment_done_when_enrolled_or_qualified() -> None:
    for a in (SencoAppointment(3, 11, date(2025, 9, 1), enrolled_on=date(2025, 10, 1)),
              SencoAppointment(3, 11, date(2025, 9, 1), qualified_on=date(2027, 6, 1))):
        (d,) = [x for x in school_deadlines(SchoolFacts(senco_appointments=(a,))) if x.kind == "npq_enrolment"]
        assert d.done


def test_no_npq_enrolment_without_a_qualification_duty() -> None:
    school = SchoolFacts(senco_appointments=(SencoAppointment(3, 11, date(2025, 9, 1), prior_months=13),))
    assert school_deadlines(school) == []


def test_nursery_pupil_with_a_plan_transfers_to_reception() -> None:
    f = PupilFacts(7, year_group=NURSERY, plans=(Plan(1, date(2025, 10, 1)),))
    d = one(run(f, date(2025, 11, 1), SchoolFacts(phase="secondary")), "phase_transfer_review")
    assert d.due == date(2026, 2, 14)
    assert "Nursery" in d.detail


def test_mediation_extends_only_the_latest_decision_on_or_before_it() -> None:
    decisions = (Decision(1, "refuse-assessment", date(2026, 1, 5)), Decision(2, "plan-issued", date(2026, 6, 1)))
    f = PupilFacts(7, decisions=decisions, mediation_certificates=(Linked(date(2026, 3, 1)),))
    out = {d.key: d for d in run(f, date(2026, 3, 2))}
    assert out["p7:appeal_deadline:1"].due == date(2026, 4, 1)  # C + 1 month beats N + 2 months (5 Mar)
    assert out["p7:appeal_deadline:2"].due == date(2026, 9, 1)  # N + 2 months is in August: 1 Sep; not extended


def test_mediation_named_decision_and_appeal_close_one_window() -> None:
    decisions = (Decision(1, "refuse-assessment", date(2026, 1, 5)), Decision(2, "refuse-plan", date(2026, 2, 2)))
    f = PupilFacts(7, decisions=decisions, mediation_certificates=(Linked(date(2026, 3, 20), 1),),
                   appeals_lodged=(Linked(date(2026, 3, 1)),))
    out = {d.key: d for d in run(f, date(2026, 3, 21))}
    assert out["p7:appeal_deadline:1"].due == date(2026, 4, 20)  # extended: named
    assert not out["p7:appeal_deadline:1"].done  # the appeal went to the latest one before it, d2
    assert out["p7:appeal_deadline:2"].done
    assert out["p7:appeal_deadline:2"].due == date(2026, 4, 2)  # not extended


def test_cease_decision_leaves_the_plan_in_force() -> None:
    f = PupilFacts(7, plans=(Plan(1, date(2025, 3, 14)),), decisions=(Decision(1, "cease", date(2026, 1, 10)),))
    out = run(f, date(2026, 1, 11))
    assert one(out, "annual_review").due == date(2026, 3, 13)
    assert one(out, "appeal_deadline").due == date(2026, 3, 10)


def test_ceased_plan_keeps_deadlines_due_by_its_end_only() -> None:
    ended = (Plan(1, date(2025, 3, 14), ceased_on=date(2026, 4, 1)),)
    assert one(run(PupilFacts(7, plans=ended), date(2026, 4, 2)), "annual_review").due == date(2026, 3, 13)
    early = (Plan(1, date(2025, 3, 14), ceased_on=date(2026, 1, 1)),)
    assert of_kind(run(PupilFacts(7, plans=early), date(2026, 1, 2)), "annual_review") == []


def test_invitations_and_report_done_when() -> None:
    booked = ReviewMeeting(5, booked_for=date(2026, 3, 10))
    assert not one(run(PupilFacts(7, plans=PLAN, review_meetings=(booked,)), date(2026, 3, 1)),
                   "review_invitations").done
    invited = ReviewMeeting(5, booked_for=date(2026, 3, 10), invited_on=date(2026, 2, 20))
    assert one(run(PupilFacts(7, plans=PLAN, review_meetings=(invited,)), date(2026, 3, 1)), "review_invitations").done
    held = ReviewMeeting(5, booked_for=date(2026, 3, 10), held_on=date(2026, 3, 10))
    out = run(PupilFacts(7, plans=PLAN, review_meetings=(held,)), date(2026, 3, 30))
    assert one(out, "review_invitations").done
    report = one(out, "review_report")
    assert not report.done and report.status(date(2026, 3, 30)) == "overdue"
    sent = ReviewMeeting(5, held_on=date(2026, 3, 10), report_sent_on=date(2026, 3, 20))
    assert one(run(PupilFacts(7, plans=PLAN, review_meetings=(sent,)), date(2026, 3, 30)), "review_report").done
    decided = PupilFacts(7, plans=PLAN, review_meetings=(ReviewMeeting(5, held_on=date(2026, 3, 10)),),
                         decisions=(Decision(1, "no-amend", date(2026, 3, 10)),))
    out = run(decided, date(2026, 3, 30))
    assert one(out, "review_report").done and one(out, "review_decision").done


def test_transfer_years_override_any_phase() -> None:
    f = PupilFacts(7, year_group=9, plans=PLAN)
    assert of_kind(run(f, date(2025, 10, 1), SchoolFacts(phase="secondary")), "phase_transfer_review") == []
    school = SchoolFacts(phase="secondary", transfer_years=(9,))
    assert one(run(f, date(2025, 10, 1), school), "phase_transfer_review").due == date(2026, 2, 14)


def test_invitations_and_report_stay_worth_acting_on_until_done_but_a_closed_appeal_window_does_not() -> None:
    """RULES v2: review invitations and the report have a "done when", so time alone never drops them; only a
    lapsed appeal window asks nothing more (HESC r.20(1))."""
    from bot.rules.citations import still_worth_acting_on

    due = date(2026, 2, 24)
    for kind in ("review_invitations", "review_report"):
        assert still_worth_acting_on(kind, due, date(2026, 9, 1))
    assert still_worth_acting_on("appeal_deadline", due, due)
    assert not still_worth_acting_on("appeal_deadline", due, date(2026, 2, 25))

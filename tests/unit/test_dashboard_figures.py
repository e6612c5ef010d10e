"""The dashboard's figures: on time / late arithmetic per LA, annual reviews, meetings by class, the register."""

from datetime import date

import pytest

from bot.dashboard import figures as f
from bot.rules.model import AssessmentRequest, Decision, Plan, PupilFacts, ReviewMeeting

TODAY = date(2026, 3, 2)


def clock(la: str, kind: str, due: str, met: str | None) -> f.Clock:
    return f.Clock(la, kind, date.fromisoformat(due), date.fromisoformat(met) if met else None)


def test_each_la_gets_its_own_on_time_late_and_open_counts_and_the_median_days_late() -> None:
    clocks = [
        clock("Kent", "assessment_decision", "2025-07-14", "2025-07-14"),  # on the day: on time
        clock("Kent", "assessment_decision", "2025-08-01", "2025-08-04"),  # 3 days late
        clock("Kent", "assessment_decision", "2025-09-01", "2025-09-11"),  # 10 days late
        clock("Kent", "assessment_decision", "2025-10-01", "2025-10-31"),  # 30 days late
        clock("Kent", "final_plan", "2026-02-01", None),  # open, 29 days late today
        clock("Kent", "final_plan", "2026-03-02", None),  # due today: still in time
        clock("Surrey", "review_decision", "2026-01-01", "2026-01-09"),  # 8 days late
        clock("Surrey", "review_decision", "2026-01-05", "2026-01-13"),  # 8 days late
        clock("Surrey", "review_decision", "2026-01-10", "2026-01-20"),  # 10 days late
        clock("Surrey", "review_decision", "2026-01-11", "2026-01-21"),  # 10 days late
        clock(f.NO_LA, "amended_plan", "2026-01-01", "2025-12-01"),  # early
        clock("Kent", "appeal_deadline", "2026-01-01", None),  # not an LA clock: ignored
    ]
    kent, surrey, unknown = f.la_timeliness(clocks, TODAY)
    assert [kent.la, surrey.la, unknown.la] == ["Kent", "Surrey", f.NO_LA]
    decision, plan = kent.clocks
    assert (decision.kind, decision.on_time, decision.late, decision.open_late, decision.open) == (
        "assessment_decision", 1, 3, 0, 0)
    assert decision.median_days_late == 10
    assert (plan.kind, plan.on_time, plan.late, plan.open_late, plan.open) == ("final_plan", 0, 0, 1, 1)
    assert plan.median_days_late is None
    assert (kent.on_time, kent.late, kent.open_late, kent.decided) == (1, 3, 1, 4)
    assert surrey.clocks[0].median_days_late == 9  # an even count: the mean of the middle two (8, 10)
    assert (unknown.on_time, unknown.late) == (1, 0)


def test_clocks_come_in_the_order_a_family_meets_them_and_las_in_name_order() -> None:
    clocks = [clock("surrey", "phase_transfer_review", "2026-02-14", None),
              clock(f.NO_LA, "final_plan", "2026-01-01", None),
              clock("Kent", "phase_transfer_review", "2026-02-14", None),
              clock("Kent", "assessment_decision", "2026-01-01", None)]
    figures = f.la_timeliness(clocks, TODAY)
    assert [x.la for x in figures] == ["Kent", "surrey", f.NO_LA]
    assert [c.kind for c in figures[0].clocks] == ["assessment_decision", "phase_transfer_review"]


def test_met_on_reads_the_day_each_clocks_done_when_first_held() -> None:
    facts = PupilFacts(
        pupil_id=1, year_group=6,
        assessment_requests=(AssessmentRequest(1, date(2025, 1, 6)), AssessmentRequest(2, date(2025, 9, 1))),
        decisions=(Decision(1, "assess", date(2025, 2, 20)),  # answers request 1
                   Decision(2, "plan-issued", date(2025, 6, 2)),
                   Decision(3, "amend-proposed", date(2025, 7, 1)),
                   Decision(4, "plan-amended", date(2025, 10, 1)),  # after the phase-transfer year began
                   Decision(5, "refuse-assessment", date(2025, 9, 20))),  # answers request 2
        plans=(Plan(1, date(2025, 6, 2)),),
        review_meetings=(ReviewMeeting(7, held_on=date(2025, 6, 20)),),
    )
    assert f.met_on("assessment_decision", 1, facts) == date(2025, 2, 20)
    assert f.met_on("final_plan", 1, facts) == date(2025, 6, 2)
    assert f.met_on("assessment_decision", 2, facts) == date(2025, 9, 20)
    assert f.met_on("review_decision", 7, facts) == date(2025, 7, 1)  # any decision after the meeting
    assert f.met_on("amended_plan", 3, facts) == date(2025, 10, 1)
    assert f.met_on("phase_transfer_review", 2025, facts) == date(2025, 10, 1)
    assert f.met_on("phase_transfer_review", 2026, facts) is None
    assert f.met_on("review_decision", 99, facts) is None


def test_a_step_taken_after_the_due_day_counts_as_met_late_not_open() -> None:
    c = clock("Kent", "phase_transfer_review", "2026-02-14", "2026-02-20")
    assert c.outcome(TODAY) == "late" and c.days_late(TODAY) == 6
    assert clock("Kent", "final_plan", "2026-02-14", None).days_late(TODAY) == 16


@pytest.mark.parametrize(("key", "expected"), [
    ("p12:review_decision:7", ("review_decision", 7)),
    ("p3:phase_transfer_review:2025", ("phase_transfer_review", 2025)),
    ("senco_qualification:4", ("senco_qualification", 4)),
    ("p3:annual_review", ("annual_review", None)),
])
def test_deadline_keys_name_their_fact(key: str, expected: tuple[str, int | None]) -> None:
    assert f.parse_key(key) == expected


def test_annual_reviews_held_on_time_late_and_overdue_now_in_the_last_12_months() -> None:
    plans = [
        # Issued 20 Mar 2024: first review due 19 Mar 2025, held 25 Mar (late); next due 24 Mar 2026 (in 8 weeks).
        f.PlanHistory("E.G.", date(2024, 3, 20), (date(2025, 3, 25),), booked_for=date(2026, 3, 18)),
        # Issued 15 Jan 2025: held 10 Jan 2026 (on time); next due 9 Jan 2027.
        f.PlanHistory("F.H.", date(2025, 1, 15), (date(2026, 1, 10),)),
        # Issued 10 Feb 2025, never reviewed: due 9 Feb 2026, overdue now.
        f.PlanHistory("G.I.", date(2025, 2, 10)),
        # Held on time twice, but the first more than 12 months ago: only the second counts.
        f.PlanHistory("J.K.", date(2023, 11, 1), (date(2024, 10, 1), date(2025, 9, 30))),
        # Due in exactly 8 weeks (27 Apr 2026) is still in the timeline; a day later is not.
        f.PlanHistory("L.M.", date(2025, 4, 28)),
        f.PlanHistory("N.O.", date(2025, 4, 29)),
    ]
    r = f.annual_reviews(plans, TODAY)
    assert (r.on_time, r.late, r.overdue_now) == (2, 1, 1)
    assert [(x.label, x.due, x.booked_for) for x in r.next_weeks] == [
        ("E.G.", date(2026, 3, 24), date(2026, 3, 18)), ("L.M.", date(2026, 4, 27), None)]


def test_parent_meetings_held_against_owed_by_class() -> None:
    rows = [f.MeetingRow("5B", True), f.MeetingRow("3A", False), f.MeetingRow("3a", True),
            f.MeetingRow(None, False), f.MeetingRow("3A", True)]
    by_class = f.meetings_by_class(rows)
    assert [(c.class_name, c.held, c.owed, c.missing) for c in by_class] == [
        ("3A", 1, 2, 1), ("3a", 1, 1, 0), ("5B", 1, 1, 0), ("No class", 0, 1, 1)]


def test_register_counts_provision_codes_and_needs_of_pupils_with_sen_only() -> None:
    reg = f.register([f.RegisterRow("N", None), f.RegisterRow("K", "SLCN"), f.RegisterRow("K", "SEMH"),
                      f.RegisterRow("E", "ASD"), f.RegisterRow("E", "SLCN"), f.RegisterRow("K", None)])
    assert reg.provision == {"N": 1, "K": 3, "E": 2}
    assert reg.needs == [("SLCN", 2), ("ASD", 1), ("SEMH", 1), ("not recorded", 1)]


def test_senco_status_reads_as_a_governor_would_say_it() -> None:
    waiting = f.SencoStatus("Sam", date(2025, 9, 1), None, None, date(2028, 9, 1), None)
    assert waiting.summary(TODAY) == "not yet qualified — due 01 Sep 2028; NPQ enrolment not recorded"
    assert waiting.ok(TODAY) and not waiting.ok(date(2028, 9, 2))
    done = f.SencoStatus("Sam", date(2025, 9, 1), date(2026, 1, 5), "npq", date(2028, 9, 1), None)
    assert done.summary(TODAY) == "qualified (NPQ for SENCOs, 05 Jan 2026)"
    assert f.InfoReportStatus(date(2025, 3, 1)).due == date(2026, 3, 1)
    assert not f.InfoReportStatus(date(2025, 3, 1)).ok(TODAY) and not f.InfoReportStatus(None).ok(TODAY)

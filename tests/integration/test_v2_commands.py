"""The RULES v2 commands through chat, on SQLite and PostgreSQL: what each records and the deadlines it makes."""

from datetime import date

from db import models as m


def test_future_facts_are_refused_with_the_command_to_plan_instead(staffed, probe):
    chat = staffed
    chat.ok("sue", "ehcp issued ava 2025-03-14")
    reply = probe.refused_unchanged(chat, "sue", "ehcp reviewed ava 2026-06-01")
    assert "in the future" in reply.title and "/sen ehcp booked" in reply.title
    for text in ("decision ava +1d no-amend", "appeal lodged ava tomorrow", "mediation ava certificate:+1w",
                 "support start ava +2d", "senco qualified @sue +1d", "settings info-report:+1d"):
        probe.refused_unchanged(chat, "admin", text)
    # Planning the same day is fine.
    chat.ok("sue", "ehcp booked ava 2026-06-01")


def test_a_review_held_before_the_plan_was_issued_is_refused(staffed, probe):
    chat = staffed
    chat.ok("sue", "ehcp issued ava 2025-03-14")
    reply = probe.refused_unchanged(chat, "sue", "ehcp reviewed ava 2025-03-01")
    assert "issued 14 Mar 2025" in reply.title


def test_ehcp_reviewed_in_march_does_not_hide_the_real_review(staffed, probe):
    """Issue 10: `ehcp reviewed ava 2026-06-01` typed in March used to move the review a year and hide the real one."""
    chat = staffed
    chat.ok("sue", "ehcp issued ava 2025-03-14")
    probe.refused_unchanged(chat, "sue", "ehcp reviewed ava 2026-06-01")
    assert ("annual_review", date(2026, 3, 13), False) in probe.deadlines(probe.pid("Ava Smith"))


def test_12_march_typed_on_30_november_is_the_march_just_gone(staffed, probe):
    chat = staffed
    chat.ok("sue", "meeting ava 12 March", today=date(2026, 11, 30))
    assert probe.rows(m.ParentMeeting)[-1].held_on == date(2026, 3, 12)


def test_reassessment_and_tribunal_order_commands(staffed, probe):
    chat = staffed
    ava = probe.pid("Ava Smith")
    probe.refused_unchanged(chat, "sue", "assessment requested ava 2026-02-02 re-assessment")  # no plan yet
    chat.ok("sue", "ehcp issued ava 2025-03-14")
    reply = chat.ok("sue", "assessment requested ava 2026-02-02 re-assessment")
    assert "re-assessment" in reply.title and "Regs 25" in reply.as_text()
    assert ("reassessment_decision", date(2026, 2, 17), False) in probe.deadlines(ava)
    chat.ok("sue", "decision ava 2026-02-10 reassess")
    assert ("reassessment_decision", date(2026, 2, 17), True) in probe.deadlines(ava)
    assert ("reassessment_plan", date(2026, 5, 19), False) in probe.deadlines(ava)
    chat.ok("sue", "tribunal order ava 2026-02-20 make-plan")
    assert ("tribunal_order", date(2026, 5, 8), False) in probe.deadlines(ava)
    probe.refused_unchanged(chat, "sue", "tribunal order ava 2026-02-20 approve")
    chat.ok("sue", "decision ava 2026-02-25 refuse-reassessment")
    assert "appeal_deadline" in {k for k, *_ in probe.deadlines(ava)}


def test_mediation_and_appeal_name_one_decision(staffed, probe):
    chat = staffed
    ava = probe.pid("Ava Smith")
    chat.ok("sue", "assessment requested ava 2025-09-01")
    first = chat.ok("sue", "assessment decided ava 2025-10-01 refuse")
    d1 = first.as_text().split("Reference ")[1].split()[0]
    chat.ok("sue", "decision ava 2025-11-03 refuse-plan")
    reply = chat.ok("sue", f"mediation ava certificate:2026-01-05 decision:{d1}")
    assert "refuse-assessment" in reply.title and d1 in reply.title
    windows = {d.detail: (d.due, d.done) for d in probe.rows(m.Deadline, pupil_id=ava, kind="appeal_deadline")}
    assert windows["refuse-assessment"] == (date(2026, 2, 5), False)  # 5 Jan + 1 month
    assert windows["refuse-plan"] == (date(2026, 1, 5), False)  # 3 Nov + 2 months (3 Jan a Saturday -> Mon 5 Jan)
    chat.ok("sue", "appeal lodged ava 2026-01-10")  # the latest on or before it: refuse-plan
    windows = {d.detail: d.done for d in probe.rows(m.Deadline, pupil_id=ava, kind="appeal_deadline")}
    assert windows == {"refuse-assessment": False, "refuse-plan": True}
    probe.refused_unchanged(chat, "sue", "appeal lodged ava 2026-01-12 decision:d99999")


def test_cease_is_not_ceased(staffed, probe):
    chat = staffed
    ava = probe.pid("Ava Smith")
    chat.ok("sue", "ehcp issued ava 2025-03-14")
    reply = chat.ok("sue", "decision ava 2026-01-10 cease")
    assert "/sen ehcp ceased" in reply.as_text()
    assert probe.one(m.EhcPlan, pupil_id=ava).ceased_on is None
    assert ("annual_review", date(2026, 3, 13), False) in probe.deadlines(ava)
    chat.ok("sue", "ehcp ceased ava 2026-03-01")
    assert "annual_review" not in {k for k, *_ in probe.deadlines(ava)}


def test_invitations_and_report_recorded(staffed, probe):
    chat = staffed
    ava = probe.pid("Ava Smith")
    chat.ok("sue", "ehcp issued ava 2025-03-14")
    probe.refused_unchanged(chat, "sue", "ehcp invited ava 2026-02-01")  # no meeting booked
    chat.ok("sue", "ehcp booked ava 2026-03-20")
    chat.ok("sue", "ehcp invited ava 2026-03-01")
    assert ("review_invitations", date(2026, 3, 6), True) in probe.deadlines(ava)
    chat.ok("sue", "ehcp reviewed ava 2026-03-20", today=date(2026, 3, 20))
    chat.ok("sue", "ehcp report-sent ava 2026-03-25", today=date(2026, 3, 25))
    assert ("review_report", date(2026, 4, 3), True) in probe.deadlines(ava)


def test_senco_enrolled_meets_the_npq_enrolment(chat, probe):
    chat.ok("admin", "staff add @sue role:senco")
    chat.ok("admin", "senco appointed @sue 2025-09-01")
    assert ("npq_enrolment", date(2026, 11, 1), False) in probe.deadlines(None)
    chat.ok("admin", "senco enrolled @sue 2026-02-01")
    assert ("npq_enrolment", date(2026, 11, 1), True) in probe.deadlines(None)


def test_transfer_years_cleared_by_a_phase_change(chat, probe):
    chat.ok("admin", "settings transfer-years:6,9")
    assert probe.one(m.School, id=probe.school_id).transfer_years == "6,9"
    chat.ok("admin", "settings phase:secondary")
    assert probe.one(m.School, id=probe.school_id).transfer_years is None


def test_nursery_pupil(chat, probe):
    chat.ok("admin", 'pupil add "Nia Nursery" year:N')
    chat.ok("admin", "ehcp issued nia 2025-10-01")
    assert ("phase_transfer_review", date(2026, 2, 14), False) in probe.deadlines(probe.pid("Nia Nursery"))


def test_a_phase_transfer_names_the_year_once_and_a_nursery_transfer_says_what_it_is(chat, probe):
    chat.ok("admin", 'pupil add "Eve Green" year:6 class:6D')
    chat.ok("admin", "ehcp issued eve 2025-10-01")
    chat.ok("admin", 'pupil add "Nia Nursery" year:N')
    chat.ok("admin", "ehcp issued nia 2025-10-01")
    text = chat.ok("admin", "due overdue").as_text()
    assert "Phase transfer: plan reviewed and amended — Eve Green (Year 6)\n" in text  # not "(Year 6) (Year 6)"
    assert "— Nia Nursery (Nursery) (Nursery to Reception)" in text
    assert "(Year 6)" in chat.ok("admin", "pupil show eve").as_text().split("Phase transfer")[1].split("\n")[0]

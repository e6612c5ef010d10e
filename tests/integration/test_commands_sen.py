"""SEN support, meetings, interventions, assessments, EHC plans, decisions, mediation and appeals (COMMANDS.md)."""

from datetime import date

import pytest

import db.models as m

TODAY = date(2026, 3, 2)


@pytest.fixture
def ava(chat, probe) -> int:
    chat.ok("admin", "staff add @alice role:teacher class:5B")
    chat.ok("admin", 'pupil add "Ava Smith" year:5 class:5B')
    return probe.pid("Ava Smith")


def test_support_start_and_end(chat, probe, ava):
    reply = chat.ok("admin", 'support start "Ava Smith" 2026-01-05')
    assert reply.title == "Ava Smith is on SEN support from Mon 05 Jan 2026."
    assert "Termly parent meeting (SEN support): Fri 27 Mar 2026 (open) — CoP 6.65" in reply.lines
    assert [(s.start, s.end) for s in probe.rows(m.SupportPeriod, pupil_id=ava)] == [(date(2026, 1, 5), None)]
    probe.refused_unchanged(chat, "admin", "support start ava 2026-02-01")  # already on support
    probe.refused_unchanged(chat, "admin", "support end ava 2025-12-01")  # before it started
    chat.ok("admin", "support end ava 2026-03-01")
    assert [(s.start, s.end) for s in probe.rows(m.SupportPeriod, pupil_id=ava)] == [
        (date(2026, 1, 5), date(2026, 3, 1))]
    probe.refused_unchanged(chat, "admin", "support end ava today")  # nothing to end
    probe.refused_unchanged(chat, "admin", "support start ava 2026-02-01")  # inside the earlier period
    probe.refused_unchanged(chat, "admin", "support start ava 2026-04-20")  # in the future
    chat.ok("admin", "support start ava 2026-04-20", today=date(2026, 4, 20))
    assert len(probe.rows(m.SupportPeriod, pupil_id=ava)) == 2


def test_meeting_with_and_note(chat, probe, ava):
    chat.ok("admin", 'meeting ava 2026-02-10 with:"mum and SALT" note:"met with mum and SALT"')
    chat.ok("admin", "meeting ava today")
    # COMMANDS v2: a meeting that has not happened yet is refused, saying what to do instead.
    reply = probe.refused_unchanged(chat, "admin", "meeting ava tomorrow with:dad")
    assert "in the future" in reply.title and "log it on the day" in reply.title
    rows = probe.rows(m.ParentMeeting, pupil_id=ava)
    admin = probe.one(m.Staff, handle="admin")
    assert [(x.held_on, x.attendees, x.note, x.recorded_by) for x in rows] == [
        (date(2026, 2, 10), "mum and SALT", "met with mum and SALT", admin.id),
        (TODAY, None, None, admin.id),
    ]
    probe.refused_unchanged(chat, "admin", 'meeting ava today who:"mum"')
    probe.refused_unchanged(chat, "admin", "meeting ava")
    probe.refused_unchanged(chat, "admin", 'meeting ava today note:"' + "x" * 2001 + '"')


def test_intervention_add_review_and_list(chat, probe, ava):
    bob_reply = chat.ok("admin", "staff add @bob role:teacher")
    assert "Added @bob" in bob_reply.title
    chat.ok("alice", 'intervention add ava "Lexia reading" review:+6w')
    chat.ok("admin", 'intervention add ava "Maths club" review:20/04/2026 start:2026-02-23 staff:@bob')
    rows = probe.rows(m.Intervention, pupil_id=ava)
    alice, bob = probe.one(m.Staff, handle="alice"), probe.one(m.Staff, handle="bob")
    assert [(iv.what, iv.start, iv.staff_id, iv.status) for iv in rows] == [
        ("Lexia reading", TODAY, alice.id, "active"),  # start defaults to today, staff to the asker
        ("Maths club", date(2026, 2, 23), bob.id, "active"),
    ]
    lexia, maths = rows
    reply = chat.ok("alice", "intervention list")
    assert [(i.title, i.detail) for i in reply.items] == [
        (f"Ava Smith (#{ava}): Lexia reading", "next review Mon 13 Apr 2026"),
        (f"Ava Smith (#{ava}): Maths club", "next review Mon 20 Apr 2026"),
    ]
    assert len(chat.ok("alice", "intervention list ava").items) == 2

    # continue (with next:, and with the 6-week default), stop, escalate
    reply = chat.ok("alice", 'intervention review ava "Lexia" today outcome:continue next:+4w')
    assert "Next review: Mon 30 Mar 2026." in reply.lines
    reply = chat.ok("alice", 'intervention review ava "Lexia reading" 2026-03-30 outcome:continue')
    assert "Next review: Mon 11 May 2026 (6 weeks on: give next:<date> to choose)." in reply.lines
    chat.ok("admin", 'intervention review ava "maths club" today outcome:escalate')
    reviews = probe.rows(m.InterventionReview, intervention_id=lexia.id)
    assert [(r.due, r.reviewed_on, r.outcome) for r in reviews] == [
        (date(2026, 4, 13), TODAY, "continue"),
        (date(2026, 3, 30), date(2026, 3, 30), "continue"),
        (date(2026, 5, 11), None, None),
    ]
    assert probe.one(m.Intervention, id=maths.id).status == "escalated"
    reply = chat.ok("admin", "intervention list")
    assert [i.detail for i in reply.items] == ["next review Mon 11 May 2026", "escalated"]
    chat.ok("alice", 'intervention review ava "Lexia" 2026-05-11 outcome:stop')
    assert probe.one(m.Intervention, id=lexia.id).status == "stopped"

    # refusals
    chat.ok("admin", 'intervention add ava "Lexia reading" review:+2w')  # a new one after the stop is fine
    for text in ('intervention add ava "Lexia reading" review:+2w',  # already running
                 'intervention add ava "Dance" review:2026-01-01 start:2026-02-01',  # review before start
                 'intervention add ava "Dance"',  # review: is required
                 'intervention add ava "Dance" review:+2w staff:@nobody',
                 'intervention review ava "Maths club" today outcome:continue',  # already ended
                 'intervention review ava "Yoga" today outcome:stop',
                 'intervention review ava "Lexia" today outcome:maybe',
                 'intervention review ava "Lexia" today outcome:stop next:+2w',
                 'intervention review ava "Lexia" today outcome:continue next:yesterday',
                 'intervention review ava "Lexia" today'):
        probe.refused_unchanged(chat, "admin", text)


def test_intervention_list_when_empty(chat, ava):
    assert chat.ok("admin", "intervention list").title == "No interventions yet."
    assert chat.ok("admin", "intervention list ava").title == "No interventions yet."


def test_assessment_requested_and_decided(chat, probe, ava):
    reply = chat.ok("admin", "assessment requested ava 2026-01-05")
    assert "LA decision on the EHC needs assessment request: Mon 16 Feb 2026 (overdue) — Regs 5(1)" in reply.lines
    assert "Final EHC plan (20-week limit): Mon 25 May 2026 (open) — Regs 13(2)" in reply.lines
    assert [r.received_on for r in probe.rows(m.AssessmentRequest, pupil_id=ava)] == [date(2026, 1, 5)]
    probe.refused_unchanged(chat, "admin", "assessment requested ava 2026-01-05")  # the same request twice
    chat.ok("admin", "assessment decided ava 2026-02-10 assess")
    assert [(d.kind, d.sent_on) for d in probe.rows(m.LaDecision, pupil_id=ava)] == [("assess", date(2026, 2, 10))]
    chat.ok("admin", "assessment requested ava 2026-02-20")
    reply = chat.ok("admin", "assessment decided ava 2026-02-25 REFUSE")
    assert "refused to assess" in reply.title
    assert any(line.startswith("Family's tribunal appeal deadline: Mon 27 Apr 2026") for line in reply.lines)
    assert [(d.kind, d.sent_on) for d in probe.rows(m.LaDecision, pupil_id=ava)][-1] == (
        "refuse-assessment", date(2026, 2, 25))
    probe.refused_unchanged(chat, "admin", "assessment decided ava today maybe")
    probe.refused_unchanged(chat, "admin", "assessment decided ava today")


def test_ehcp_issued_booked_reviewed_ceased(chat, probe, ava):
    reply = chat.ok("admin", 'ehcp issued ava 2026-02-20 la:"Kent County Council"')
    assert "Annual review of the EHC plan: Fri 19 Feb 2027 (open) — CFA s44(1); Regs 18" in reply.lines
    plan = probe.one(m.EhcPlan, pupil_id=ava)
    assert (plan.issued_on, plan.local_authority, plan.ceased_on) == (date(2026, 2, 20), "Kent County Council", None)
    assert [(d.kind, d.sent_on) for d in probe.rows(m.LaDecision, pupil_id=ava)] == [
        ("plan-issued", date(2026, 2, 20))]
    assert dict(chat.ok("admin", "pupil show ava").fields)["SEN"] == "EHC plan"
    probe.refused_unchanged(chat, "admin", "ehcp issued ava 2026-02-25")  # a plan is already in force

    reply = chat.ok("admin", "ehcp booked ava 2027-01-15")
    assert "Send annual review invitations and advice: Fri 01 Jan 2027 (open) — Regs 20(3)–(4)" in reply.lines
    chat.ok("admin", "ehcp booked ava 2027-01-22")  # re-booking moves the meeting not yet held
    assert [(x.booked_for, x.held_on) for x in probe.rows(m.ReviewMeeting, pupil_id=ava)] == [
        (date(2027, 1, 22), None)]
    later = date(2027, 1, 25)
    reply = chat.ok("admin", "ehcp reviewed ava 2027-01-21", today=later)
    assert "Send the annual review report: Thu 04 Feb 2027 (open) — Regs 20(7)" in reply.lines
    assert "LA decision after the annual review: Thu 18 Feb 2027 (open) — Regs 20(10)" in reply.lines
    assert "Annual review of the EHC plan: Thu 20 Jan 2028 (open) — CFA s44(1); Regs 18" in reply.lines
    assert [(x.booked_for, x.held_on) for x in probe.rows(m.ReviewMeeting, pupil_id=ava)] == [
        (date(2027, 1, 22), date(2027, 1, 21))]
    probe.refused_unchanged(chat, "admin", "ehcp reviewed ava 2027-01-21", today=later)  # the same meeting twice

    probe.refused_unchanged(chat, "admin", "ehcp ceased ava 2026-01-01")  # before the plan was issued
    chat.ok("admin", "ehcp ceased ava 2027-06-01", today=date(2027, 6, 2))
    assert probe.one(m.EhcPlan, pupil_id=ava).ceased_on == date(2027, 6, 1)
    assert dict(chat.ok("admin", "pupil show ava", today=date(2027, 6, 2)).fields)["SEN"] == "no SEN recorded"
    # a new plan once the old one ceased
    chat.ok("admin", "ehcp issued ava 2027-09-01 la:Medway", today=date(2027, 9, 2))
    assert len(probe.rows(m.EhcPlan, pupil_id=ava)) == 2


@pytest.mark.parametrize("kind", ["refuse-assessment", "refuse-plan", "plan-issued", "amend-proposed",
                                  "plan-amended", "no-amend", "cease"])
def test_decision_with_each_kind(chat, probe, ava, kind):
    if kind == "cease":
        chat.ok("admin", "ehcp issued ava 2025-06-01")
    reply = chat.ok("admin", f"decision ava 2026-02-10 {kind}")
    assert reply.title == f"Recorded the LA's {kind} decision for Ava Smith, sent Tue 10 Feb 2026."
    assert (kind, date(2026, 2, 10)) in [(d.kind, d.sent_on) for d in probe.rows(m.LaDecision, pupil_id=ava)]
    kinds = {k for k, _, _ in probe.deadlines(ava)}
    assert ("appeal_deadline" in kinds) == (kind != "amend-proposed")
    assert ("amended_plan" in kinds) == (kind == "amend-proposed")
    if kind == "plan-issued":
        assert probe.one(m.EhcPlan, pupil_id=ava).issued_on == date(2026, 2, 10)
    if kind == "cease":
        # RULES v2: the LA's decision to cease is appealable and leaves the plan in force.
        assert probe.one(m.EhcPlan, pupil_id=ava).ceased_on is None
        assert "annual_review" in kinds


def test_decision_refusals(chat, probe, ava):
    for text in ("decision ava 2026-02-10 assess",  # assess has its own spelling: assessment decided
                 "decision ava 2026-02-10 approve",
                 "decision ava 2026-02-10",
                 "decision ava refuse-plan"):
        probe.refused_unchanged(chat, "admin", text)


def test_mediation_certificate_and_appeal_lodged(chat, probe, ava):
    chat.ok("admin", "decision ava 2026-01-10 refuse-plan")
    reply = chat.ok("admin", "mediation ava certificate:2026-03-01")
    assert "Family's tribunal appeal deadline: Wed 01 Apr 2026 (open) — HESC r.20(1), r.12; Regs 33" in reply.lines
    assert [c.issued_on for c in probe.rows(m.MediationCertificate, pupil_id=ava)] == [date(2026, 3, 1)]
    probe.refused_unchanged(chat, "admin", "mediation ava 2026-03-01")  # certificate: is required
    chat.ok("admin", "appeal lodged ava 2026-03-02")
    assert [a.lodged_on for a in probe.rows(m.Appeal, pupil_id=ava)] == [TODAY]
    assert ("appeal_deadline", date(2026, 4, 1), True) in probe.deadlines(ava)
    # An appeal needs an appealable decision on or before its day.
    chat.ok("admin", 'pupil add "Ben Brown" year:6')
    reply = probe.refused_unchanged(chat, "admin", "appeal lodged ben today")
    assert "/sen decision" in reply.title


def test_done_and_snooze_of_no_such_reminder_are_refused_and_change_nothing(chat, probe, ava):
    """No reminder has been sent, so there is nothing to mark done or snooze: a clear refusal, nothing changed."""
    chat.ok("admin", "staff add @sue role:senco")
    chat.ok("admin", "staff add @lee role:leader")
    chat.ok("admin", "support start ava 2026-01-05")
    for text in ("done 912", "done D904", "done r12", "snooze 912 +1w", "snooze r3 +2d"):
        for who in ("admin", "sue", "alice", "lee"):
            reply = probe.refused_unchanged(chat, who, text)
            assert "reminder" in reply.title.lower() or "deadline" in reply.title.lower(), (who, text, reply.title)

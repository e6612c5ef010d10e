"""Every change writes an audit row: who, which action, which pupil; ids and action names only, no free text."""

import re
from datetime import date

import db.models as m

# (who, command, action, about Ava?) in an order where each command is valid.
CHANGES = [
    ("alice", 'pupil add "Ava Smith" year:5 class:5B upn:A123456789012 dob:2016-03-12', "pupil.add", True),
    ("alice", "support start ava 2026-01-05", "support.start", True),
    ("alice", 'meeting ava 2026-01-12 with:"Mrs Secretive" note:"private medical detail"', "meeting.add", True),
    ("alice", 'contact add ava "Jo Hidden" relation:mum phone:07700900123 email:jo@example.org prefers:email',
     "contact.add", True),
    ("alice", 'intervention add ava "Confidential Therapy" review:+6w', "intervention.add", True),
    ("alice", 'intervention review ava "Confidential" today outcome:continue', "intervention.review", True),
    ("alice", "support end ava today", "support.end", True),
    ("sue", "assessment requested ava 2025-09-10", "assessment.requested", True),
    ("sue", "assessment decided ava 2025-10-01 assess", "decision.assess", True),
    ("sue", "assessment requested ava 2026-01-10", "assessment.requested", True),
    ("sue", "assessment decided ava 2026-02-01 refuse", "decision.refuse-assessment", True),
    ("sue", 'ehcp issued ava 2026-02-10 la:"Secret County Council"', "decision.plan-issued", True),
    ("sue", "ehcp booked ava 2027-01-10", "review.booked", True),
    ("sue", "ehcp reviewed ava 2027-01-10", "review.held", True),
    ("sue", "decision ava 2027-01-20 amend-proposed", "decision.amend-proposed", True),
    ("sue", "decision ava 2027-02-20 plan-amended", "decision.plan-amended", True),
    ("sue", "decision ava 2027-02-21 no-amend", "decision.no-amend", True),
    ("sue", "decision ava 2027-02-22 refuse-plan", "decision.refuse-plan", True),
    ("sue", "mediation ava certificate:2027-03-01", "mediation.certificate", True),
    ("sue", "appeal lodged ava 2027-03-10", "appeal.lodged", True),
    ("sue", "ehcp ceased ava 2027-06-01", "ehcp.ceased", True),
    ("sue", "decision ava 2027-06-02 cease", "decision.cease", True),
    ("sue", "export ava", "pupil.export", True),
    ("sue", "pupil archive ava", "pupil.archive", True),
    ("admin", "staff add @newbie role:teacher name:\"Nosy Name\"", "staff.add", False),
    ("admin", "staff add @newbie role:senco", "staff.update", False),
    ("admin", 'term add "Secret Term Name" 2026-01-05 2026-03-31', "term.add", False),
    ("admin", "settings digest-day:friday reminders-channel:#private-sen", "settings.change", False),
    ("admin", "senco appointed @sue 2025-09-01", "senco.appointed", False),
    ("sue", "senco qualified @sue 2026-02-01", "senco.qualified", False),
    ("sue", "erase A123456789012 confirm:yes", "pupil.erase", True),
]
FREE_TEXT = ["Ava", "Smith", "A123456789012", "Mrs Secretive", "private medical detail", "Jo Hidden", "07700900123",
             "jo@example.org", "Confidential", "Secret County", "Nosy Name", "Secret Term", "private-sen"]


def test_every_change_writes_one_audit_row_with_ids_only(chat, probe):
    chat.today = date(2027, 7, 1)  # after every fact below: facts that happened can't be dated in the future
    chat.ok("admin", "staff add @alice role:teacher class:5B")
    chat.ok("admin", "staff add @sue role:senco")
    ava = None
    for who, text, action, about_ava in CHANGES:
        before = len(probe.audit())
        chat.ok(who, text)
        if ava is None:
            ava = probe.pid("Ava Smith")
        rows = probe.audit()[before:]
        assert [r.action for r in rows] == [action], text
        row = rows[0]
        assert row.pupil_id == (ava if about_ava else None), text
        assert row.staff_id == probe.one(m.Staff, handle=who).id, text
        assert row.school_id == probe.school_id
    # Nothing anyone typed reaches the audit trail: no names, no notes, no contact details.
    for row in probe.audit():
        assert re.fullmatch(r"[a-z]+\.[a-z-]+", row.action), row.action
        for column, value in row.model_dump().items():
            for secret in FREE_TEXT:
                assert secret not in str(value), (column, value)
    # The trail outlives the erased pupil: every row about Ava is still there, by id.
    assert len([r for r in probe.audit() if r.pupil_id == ava]) == sum(1 for *_, about in CHANGES if about)


def test_reads_of_a_pupil_are_audited_and_refusals_and_other_reads_are_not(staffed, probe):
    chat = staffed
    chat.ok("admin", "support start ava 2026-01-05")
    ava = probe.pid("Ava Smith")
    before = len(probe.audit())
    for who, text in [("admin", "pupil show ava"), ("admin", "pupil list"), ("alice", "contact list ava"),
                      ("alice", "intervention list"), ("lee", "due"), ("lee", "digest"), ("admin", "staff list"),
                      ("admin", "term list"), ("admin", "settings"), ("stranger", "help"), ("admin", "help due")]:
        chat.ok(who, text)
    read = probe.audit()[before:]
    # Reading a pupil's details and their parent contacts is audited (who, which pupil); lists are not.
    assert [(r.action, r.pupil_id, r.staff_id) for r in read] == [
        ("pupil.show", ava, probe.one(m.Staff, handle="admin").id),
        ("contact.list", ava, probe.one(m.Staff, handle="alice").id)]
    before = probe.audit()
    for who, text in [("alice", "pupil show ben"), ("lee", "pupil show ava"), ("stranger", "due"),
                      ("alice", "support start ava today"), ("admin", "meeting ava 31/02/2026"),
                      ("admin", "done D999")]:
        chat.refused(who, text)
    assert probe.audit() == before

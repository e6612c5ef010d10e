"""Correcting the record (COMMANDS v2): references, history, remove, fix, undo, pupil edit and the audit trail,
on SQLite and PostgreSQL. Every correction recomputes deadlines and withdraws pending reminders at once."""

import re
from datetime import UTC, date, datetime

import pytest

from bot.reminders.sweep import plan_all
from db import models as m


def ref_in(reply) -> str:  # type: ignore[no-untyped-def]
    """The reference a recording reply names ("Reference m12 …")."""
    found = re.search(r"Reference ([a-z][0-9]+)", reply.as_text())
    assert found, reply.as_text()
    return found.group(1)


@pytest.fixture
def ava(staffed, probe) -> int:
    return probe.pid("Ava Smith")


def test_every_recording_reply_names_its_reference(staffed, probe, ava):
    chat = staffed
    refs = [ref_in(chat.ok("sue", text)) for text in (
        "support start ava 2026-01-05", "meeting ava 2026-02-10", "assessment requested ava 2025-09-01",
        "ehcp issued ava 2025-10-01", "ehcp booked ava 2026-09-20", "decision ava 2026-01-10 no-amend",
        "mediation ava certificate:2026-02-01", "appeal lodged ava 2026-02-20", "tribunal order ava 2026-02-25 amend",
        'intervention add ava "Lexia" review:+6w')]
    assert [r[0] for r in refs] == ["s", "m", "a", "d", "r", "d", "c", "l", "t", "i"]
    assert len(set(refs)) == len(refs)
    history = chat.ok("alice", "history ava")
    for r in refs:
        assert any(item.title.startswith(f"{r}:") for item in history.items), r
    # Newest first.
    titles = [i.title for i in history.items]
    assert titles[0].startswith("r") and "booked for" in titles[0]


def test_remove_withdraws_the_fact_its_deadlines_and_pending_reminders(staffed, probe, engine, ava):
    chat = staffed
    ref = ref_in(chat.ok("sue", "assessment decided ava 2026-02-10 refuse"))
    assert "appeal_deadline" in {k for k, *_ in probe.deadlines(ava)}
    plan_all(engine, datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    pending = [r for r in probe.rows(m.Reminder, pupil_id=ava) if r.kind == "appeal_deadline"]
    assert pending and all(r.status == "pending" for r in pending)
    before = len(probe.audit())
    reply = chat.ok("sue", f"remove {ref}")
    assert "Removed" in reply.title and "refuse-assessment" in reply.title
    assert probe.rows(m.LaDecision, pupil_id=ava) == []
    assert "appeal_deadline" not in {k for k, *_ in probe.deadlines(ava)}
    assert {r.status for r in probe.rows(m.Reminder, pupil_id=ava) if r.kind == "appeal_deadline"} == {"withdrawn"}
    assert [a.action for a in probe.audit()[before:]] == ["fact.remove"]
    # A reference is never reused: it is gone for good.
    assert "no " + ref in probe.refused_unchanged(chat, "sue", f"remove {ref}").title.lower()


def test_remove_a_plan_issued_takes_both_spellings(staffed, probe, ava):
    chat = staffed
    ref = ref_in(chat.ok("sue", "ehcp issued ava 2025-10-01"))
    assert ref.startswith("d")
    chat.ok("sue", f"remove {ref}")
    assert probe.rows(m.EhcPlan, pupil_id=ava) == [] and probe.rows(m.LaDecision, pupil_id=ava) == []
    assert probe.deadlines(ava) == set()


def test_fix_moves_the_date_and_the_deadlines(staffed, probe, ava):
    chat = staffed
    ref = ref_in(chat.ok("sue", "ehcp issued ava 2025-03-14"))
    assert ("annual_review", date(2026, 3, 13), False) in probe.deadlines(ava)
    reply = chat.ok("sue", f"fix {ref} 2025-04-01")
    assert "was:" in reply.title
    assert probe.one(m.EhcPlan, pupil_id=ava).issued_on == date(2025, 4, 1)
    assert ("annual_review", date(2026, 3, 31), False) in probe.deadlines(ava)
    assert probe.audit()[-1].action == "fact.fix"
    # A fact that happened can't be moved into the future; nothing changes.
    probe.refused_unchanged(chat, "sue", f"fix {ref} 2026-12-01")
    probe.refused_unchanged(chat, "sue", "fix x9 2025-04-01")  # not a reference
    probe.refused_unchanged(chat, "sue", f"fix {ref} 31/02/2025")  # not a date


def test_roles_for_corrections(staffed, probe, ava):
    chat = staffed
    mine = ref_in(chat.ok("alice", "meeting ava 2026-02-10"))
    ben = ref_in(chat.ok("sue", "meeting ben 2026-02-10"))
    # A teacher corrects their own pupils' facts, and cannot even see another's.
    chat.ok("alice", f"fix {mine} 2026-02-11")
    probe.refused_unchanged(chat, "alice", f"remove {ben}")
    probe.refused_unchanged(chat, "alice", "history ben")
    probe.refused_unchanged(chat, "lee", f"remove {mine}")  # leaders read; they don't change facts
    chat.ok("sue", f"remove {ben}")  # the SENCO: everything
    # The audit trail is for the SENCO and admins.
    probe.refused_unchanged(chat, "alice", "audit ava")
    trail = chat.ok("sue", "audit ava")  # newest first; reads are audited too (issue 11), changes are what we check
    changes = [a for a in (i.title.rsplit(" — ", 1)[1] for i in trail.items) if not a.endswith((".read", ".show"))]
    assert changes[:2] == ["fact.fix", "meeting.add"]
    assert any("@alice" in i.title for i in trail.items)


def test_undo_reverses_the_last_change_of_your_own(staffed, probe, ava):
    chat = staffed
    chat.ok("sue", "support start ava 2026-01-05")
    ref = ref_in(chat.ok("sue", "meeting ava 2026-02-10"))
    assert ("parent_meeting", date(2026, 3, 27), True) in probe.deadlines(ava)
    chat.ok("alice", "meeting ava 2026-02-12")  # someone else's change is not yours to undo
    reply = chat.ok("sue", "undo")
    assert "meeting add" in reply.title
    assert [x.held_on for x in probe.rows(m.ParentMeeting, pupil_id=ava)] == [date(2026, 2, 12)]
    # Undo a removal: the fact comes back with its reference, and its deadline is met again.
    chat.ok("sue", f"remove {ref_in(chat.ok('sue', 'meeting ava 2026-02-20'))}")
    chat.ok("sue", "undo")
    assert sorted(x.held_on for x in probe.rows(m.ParentMeeting, pupil_id=ava)) == [date(2026, 2, 12),
                                                                                 date(2026, 2, 20)]
    # Undo a fix.
    chat.ok("alice", f"fix {ref_in(chat.ok('alice', 'meeting ava 2026-01-20'))} 2026-01-21")
    chat.ok("alice", "undo")
    assert date(2026, 1, 20) in {x.held_on for x in probe.rows(m.ParentMeeting, pupil_id=ava)}
    assert ref  # the first meeting's reference is gone with it
    probe.refused_unchanged(chat, "lee", "undo")  # nothing of their own to undo


def test_undo_refuses_an_erase_and_old_changes(staffed, probe, ava):
    chat = staffed
    chat.ok("sue", "erase ben confirm:yes")
    reply = probe.refused_unchanged(chat, "sue", "undo")
    assert "gone for good" in reply.title


def test_pupil_edit(staffed, probe, ava):
    chat = staffed
    reply = chat.ok("sue", 'pupil edit ava name:"Ava Smythe" year:6 class:6B need:spld need2:SLCN dob:2015-05-01')
    assert "Ava Smythe" in reply.title
    p = probe.one(m.Pupil, id=ava)
    assert (p.name, p.year_group, p.class_name, p.need, p.need2, p.dob) == (
        "Ava Smythe", 6, "6B", "SPLD", "SLCN", date(2015, 5, 1))
    probe.refused_unchanged(chat, "sue", "pupil edit ava need:XYZ")
    probe.refused_unchanged(chat, "sue", "pupil edit ava need:NSA")  # only for SEN support
    probe.refused_unchanged(chat, "sue", "pupil edit ava year:15")
    probe.refused_unchanged(chat, "sue", "pupil edit ava")
    chat.ok("sue", "pupil edit ava year:N")
    assert "Nursery" in chat.ok("sue", "pupil show ava").as_text()
    chat.ok("sue", "undo")
    assert probe.one(m.Pupil, id=ava).year_group == 6


def test_unknown_pupil_gets_closest_names_the_asker_may_see(staffed, probe):
    chat = staffed
    reply = chat.refused("sue", "history ava smyth")
    assert "Ava Smith" in reply.title
    # Alice does not teach Ben: never his name.
    reply = chat.refused("alice", "history ben brwn")
    assert "Ben" not in reply.title.replace("ben brwn", "")


def test_undo_of_a_pupil_add_that_later_facts_depend_on_is_refused_clearly(staffed, probe):
    chat = staffed
    chat.ok("alice", 'pupil add "Al Added" year:5')
    chat.ok("sue", "meeting al 2026-02-10")  # someone else records a fact about the new pupil
    reply = probe.refused_unchanged(chat, "alice", "undo")
    assert "can't be undone now" in reply.title

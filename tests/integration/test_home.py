"""``home``: the person's home view as a Reply (Slack's App Home renders it; Teams can too)."""

from typing import Any

from sqlmodel import Session, select

from db.models import Pupil


def test_home_lists_what_is_due_with_what_to_do_about_each(staffed: Any) -> None:
    chat = staffed
    chat.ok("sue", "support start ava 2026-01-05")
    chat.ok("sue", 'intervention add ava "Lexia reading" review:2026-03-09')
    reply = chat.ok("sue", "home")
    assert reply.title == "SEN deadlines"
    assert reply.lines[0].startswith("For Oak Primary, as of Mon 02 Mar 2026")
    assert [a.command for a in reply.actions] == ["/sen pupil add", "/sen meeting", "/sen intervention add"]
    by_kind = {i.title.split(": ", 1)[1].split(" — ")[0]: i for i in reply.items}
    meeting = by_kind["Termly parent meeting (SEN support)"]
    assert [a.command for a in meeting.actions] == [f"/sen meeting #{_ava(chat)} today"]
    review = next(i for t, i in by_kind.items() if t.startswith("Intervention review"))
    assert [a.command.rsplit(":", 1)[-1] for a in review.actions[:3]] == ["continue", "stop", "escalate"]
    assert review.actions[-1].label == "Open the pupil"
    assert {i.group for i in reply.items} <= {"Overdue", "Due in the next month"}


def test_home_for_a_teacher_a_leader_and_a_stranger(staffed: Any) -> None:
    chat = staffed
    chat.ok("sue", "support start ava 2026-01-05")
    chat.ok("sue", "support start ben 2026-01-05")
    alice = chat.ok("alice", "home")
    assert "your pupils and you" in alice.lines[0]
    assert any("Ava Smith" in i.title for i in alice.items) and not any("Ben Brown" in i.title for i in alice.items)
    lee = chat.ok("lee", "home")
    assert lee.actions == [] and all(i.actions == () for i in lee.items)  # leaders read, they don't record
    assert "not on this school's staff list" in chat.refused("stranger", "home").title


def _ava(chat: Any) -> int:
    with Session(chat.engine) as session:
        return session.exec(select(Pupil.id).where(Pupil.name == "Ava Smith")).one()

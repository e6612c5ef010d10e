"""Roles exactly as COMMANDS.md "Roles" says; every refusal leaves the database exactly as it was.

Cast (the ``staffed`` fixture): @alice teaches class 5B (Ava Smith); @bob is Ben Brown's named teacher;
Cara Diaz is nobody's; @sue is the SENCO, @lee a leader, @admin the admin; @stranger is not on the list.
"""

from datetime import date

import pytest
from sqlmodel import Session

import db.models as m
from bot.services.school import create_school
from db.engine import transaction

# Every pupil command, in an order that is valid once for a pupil with no record yet.
PUPIL_COMMANDS = [
    "pupil show {p}",
    "support start {p} 2026-01-05",
    'meeting {p} 2026-01-12 with:"mum" note:"agreed a reading plan"',
    'contact add {p} "Jo Parent" relation:mum phone:07700900123 email:jo@example.org prefers:phone',
    "contact list {p}",
    'intervention add {p} "Lexia" review:+6w start:2026-02-23',
    'intervention review {p} "Lexia" today outcome:continue next:+2w',
    "intervention list {p}",
    "support end {p} today",
    "assessment requested {p} 2025-10-01",
    "assessment decided {p} 2025-11-01 assess",
    'ehcp issued {p} 2026-01-05 la:"Kent"',
    "ehcp booked {p} 2026-02-10",
    "ehcp invited {p} 2026-01-26",
    "ehcp reviewed {p} 2026-02-10",
    "ehcp report-sent {p} 2026-02-12",
    "decision {p} 2026-02-15 amend-proposed",
    "decision {p} 2026-02-20 plan-amended",
    "mediation {p} certificate:2026-02-25",
    "appeal lodged {p} 2026-02-27",
    "tribunal order {p} 2026-02-28 amend",
    "pupil edit {p} need:SPLD",
    "history {p}",
    "ehcp ceased {p} 2026-03-01",
]
# Only the SENCO and admins: the record as a whole.
RECORD_COMMANDS = ["export {p}", "pupil archive {p}", "audit {p}", "erase {p} confirm:yes"]


def _refused_everywhere(chat, probe, who: str, pupil_refs: list[str], hidden: list[str] = ()) -> list:
    replies = []
    for ref in pupil_refs:
        texts = [template.format(p=ref) for template in PUPIL_COMMANDS + RECORD_COMMANDS]
        for text, reply in zip(texts, probe.refused_all(chat, who, texts), strict=True):
            for name in hidden:
                if name.lower() not in ref.lower():  # only what they typed may be echoed
                    assert name not in reply.as_text(), (who, text, reply.as_text())
            replies.append(reply)
    return replies


@pytest.mark.parametrize(("who", "pupil", "add"), [
    ("alice", "Ava Smith", None),  # by class
    ("bob", "Ben Brown", None),  # by name
    ("alice", "Al Added", 'pupil add "Al Added" year:5'),  # a teacher adds the pupils they teach
    ("bob", "Bo Class", 'pupil add "Bo Class" year:6 class:6C'),  # no class of his own: named teacher
    ("sue", "Cara Diaz", None),  # the SENCO: everyone
    ("admin", "Cara Diaz", None),  # an admin: everything a SENCO can
])
def test_staff_see_and_change_the_pupils_they_may(staffed, probe, who, pupil, add):
    chat = staffed
    if add:
        chat.ok(who, add)
    pid = probe.pid(pupil)
    for template in PUPIL_COMMANDS:
        chat.ok(who, template.format(p=f"#{pid}"))
    if who in ("sue", "admin"):
        for template in RECORD_COMMANDS:
            chat.ok(who, template.format(p=f"#{pid}"))
        assert probe.rows(m.Pupil, id=pid) == []
    else:
        for template in RECORD_COMMANDS:
            reply = probe.refused_unchanged(chat, who, template.format(p=f"#{pid}"))
            assert "Only a senco or an admin" in reply.title


def test_teachers_are_refused_pupils_they_do_not_teach(staffed, probe):
    chat = staffed
    # Give every pupil a full record first, so a refusal can't be about a missing fact.
    for ref in ("ava", "ben", "cara"):
        for template in PUPIL_COMMANDS[:9]:
            chat.ok("sue", template.format(p=ref))
    ids = {p.name: p.id for p in probe.rows(m.Pupil)}
    _refused_everywhere(chat, probe, "alice", ["ben", f"#{ids['Cara Diaz']}"], hidden=["Brown", "Diaz"])
    _refused_everywhere(chat, probe, "bob", ['"Ava Smith"'], hidden=["Diaz"])
    # What a teacher lists is only theirs.
    assert [i.title.split(" (#")[0] for i in chat.ok("alice", "pupil list").items] == ["Ava Smith"]
    assert [i.title.split(" (#")[0] for i in chat.ok("bob", "pupil list").items] == ["Ben Brown"]
    assert [i.title.split(":")[0] for i in chat.ok("alice", "intervention list").items] == [
        f"Ava Smith (#{ids['Ava Smith']})"]


def test_a_teacher_cannot_add_a_pupil_for_someone_else(staffed, probe):
    chat = staffed
    probe.refused_unchanged(chat, "alice", 'pupil add "Ned New" year:5 teacher:@bob')
    probe.refused_unchanged(chat, "alice", 'pupil add "Ned New" year:5 class:6C teacher:@bob')
    chat.ok("alice", 'pupil add "Ned New" year:5 class:5b teacher:@bob')  # in her class, whoever the teacher


def test_a_teacher_sees_and_changes_their_own_interventions_only(staffed, probe):
    chat = staffed
    chat.ok("sue", 'intervention add cara "Reading buddy" review:2026-03-16 staff:@alice')
    chat.ok("sue", 'intervention add cara "Speech therapy" review:2026-03-09')
    cara = probe.pid("Cara Diaz")
    # Alice runs one of Cara's interventions: she sees that one, and can review it ...
    reply = chat.ok("alice", "intervention list")
    assert [i.title for i in reply.items] == [f"Cara Diaz (#{cara}): Reading buddy"]
    assert [i.title for i in chat.ok("alice", "intervention list cara").items] == [
        f"Cara Diaz (#{cara}): Reading buddy"]
    chat.ok("alice", 'intervention review cara "Reading buddy" 2026-03-16 outcome:continue next:2026-04-20')
    assert ("intervention_review", date(2026, 4, 20), False) in probe.deadlines(cara)
    # ... but not the other one, nor anything else about Cara.
    reply = probe.refused_unchanged(chat, "alice", 'intervention review cara "Speech therapy" today outcome:stop')
    assert "Speech" in reply.title  # only what she typed
    assert "Speech" not in probe.refused_unchanged(chat, "alice", 'intervention review cara "S" today '
                                                                  'outcome:stop').title
    for text in ("pupil show cara", "meeting cara today", "contact list cara", "support start cara today",
                 'intervention add cara "More" review:+2w', "export cara"):
        probe.refused_unchanged(chat, "alice", text)
    # Bob runs nothing of Cara's: he can't even find her.
    reply = probe.refused_unchanged(chat, "bob", 'intervention review cara "Reading buddy" today outcome:stop')
    assert "Diaz" not in reply.title


def test_the_senco_sees_and_changes_everything(staffed, probe):
    chat = staffed
    names = [i.title.split(" (#")[0] for i in chat.ok("sue", "pupil list").items]
    assert names == ["Ava Smith", "Ben Brown", "Cara Diaz"]
    chat.ok("sue", 'pupil add "Sid New" year:2 teacher:@bob')
    chat.ok("sue", 'intervention add ava "Lexia" review:+2w staff:@alice')
    chat.ok("sue", 'intervention review ava "Lexia" today outcome:stop')
    chat.ok("sue", "settings")
    chat.ok("sue", "staff list")
    chat.ok("sue", "term list")
    for text in ("staff add @zed role:teacher", 'term add "Spring 2026" 2026-01-05 2026-03-31',
                 "settings digest-day:friday", "senco appointed @sue 2025-09-01"):
        reply = probe.refused_unchanged(chat, "sue", text)
        assert "Only an admin" in reply.title


def test_a_leader_reads_deadlines_and_digests_but_no_pupil_details(staffed, probe):
    chat = staffed
    chat.ok("sue", "support start ava 2026-01-05")
    chat.ok("sue", "assessment requested ben 2026-01-05")
    reply = chat.ok("lee", "due")
    assert "Ava Smith" in reply.as_text()  # the whole school's deadlines
    assert "Ben Brown" in chat.ok("lee", "due overdue").as_text()
    assert chat.ok("lee", "digest").lines
    chat.ok("lee", "settings")
    chat.ok("lee", "staff list")
    chat.ok("lee", "term list")
    ids = {p.name: p.id for p in probe.rows(m.Pupil)}
    for reply in _refused_everywhere(chat, probe, "lee", ["ava", f"#{ids['Ben Brown']}"]):
        # Said plainly: not "no such pupil, add one".
        assert "Leaders read deadlines and digests" in reply.title or "Only a senco" in reply.title, reply.title
    probe.refused_all(chat, "lee", [
        "pupil list", "intervention list", 'pupil add "Lee New" year:3', "staff add @zed role:teacher",
        'term add "Spring 2026" 2026-01-05 2026-03-31', "settings phase:junior", "senco appointed @lee 2025-09-01",
        "senco qualified @sue 2026-01-01"])


def test_the_admin_manages_staff_terms_and_settings(staffed, probe):
    chat = staffed
    chat.ok("admin", "staff add @zed role:leader")
    chat.ok("admin", 'term add "Spring 2026" 2026-01-05 2026-03-31')
    chat.ok("admin", "settings digest-day:friday")
    chat.ok("admin", "senco appointed @sue 2025-09-01")
    chat.ok("admin", "senco qualified @sue 2026-01-01")
    # A second admin made by the first can manage staff too.
    chat.ok("zed", "due")
    chat.ok("admin", "staff add @zed role:admin")
    chat.ok("zed", "staff add @yan role:teacher class:4A")
    for who in ("alice", "bob"):
        probe.refused_all(chat, who, ["staff add @zed role:teacher", 'term add "Spring 2026" 2026-01-05 2026-03-31',
                                      "settings digest-day:friday", "settings", "senco appointed @sue 2025-09-01",
                                      "senco qualified @sue 2026-01-01"])
    # A teacher can read the staff list and terms (to mention colleagues, to see the calendar).
    chat.ok("alice", "staff list")
    chat.ok("alice", "term list")
    chat.ok("alice", "due")
    chat.ok("alice", "digest")


STRANGER_COMMANDS = [
    'pupil add "Zed" year:5', "pupil show ava", "pupil list", "pupil archive ava", "support start ava today",
    "support end ava today", "meeting ava today", 'contact add ava "Jo"', "contact list ava",
    'intervention add ava "X" review:+1w', 'intervention review ava "X" today outcome:stop', "intervention list",
    "assessment requested ava today", "assessment decided ava today assess", "ehcp issued ava today",
    "ehcp booked ava today", "ehcp reviewed ava today", "ehcp ceased ava today", "decision ava today cease",
    "mediation ava certificate:today", "appeal lodged ava today", "senco appointed @admin today",
    "senco qualified @admin today", "due", "due week all", "digest", "feed", "done 1", "snooze 1 +1w",
    "staff add @stranger role:admin", "staff list", 'term add "T" 2026-09-01 2026-12-18', "term list",
    "settings", "settings phase:junior", "export ava", "erase ava",
]


def test_a_stranger_is_refused_everything_but_help(staffed, probe):
    chat = staffed
    for text, reply in zip(STRANGER_COMMANDS, probe.refused_all(chat, "stranger", STRANGER_COMMANDS), strict=True):
        assert "not on this school's staff list" in reply.title, (text, reply.title)
        assert "Ava" not in reply.as_text()
    chat.ok("stranger", "help")
    chat.ok("stranger", "help pupil add")
    # Someone who has been removed from the list (made inactive) is a stranger again.
    with Session(probe.engine) as s:
        alice = s.get(m.Staff, probe.one(m.Staff, handle="alice").id)
        alice.active = False
        s.add(alice)
        s.commit()
    assert "not on this school's staff list" in probe.refused_unchanged(chat, "alice", "pupil show ava").title


def test_schools_never_see_each_other(staffed, probe, engine):
    chat = staffed
    with transaction(engine) as session:
        elm = create_school(session, "Elm Academy", "elmadmin", "secondary", date(2026, 3, 2)).id
    chat.ok("admin", "support start ava 2026-01-05")
    ava = probe.pid("Ava Smith")
    # Elm's admin is a stranger at Oak, and Oak's pupils don't exist at Elm.
    probe.refused_unchanged(chat, "elmadmin", "pupil list")
    elm_chat = type(chat)(engine, elm)
    assert elm_chat.ok("elmadmin", "pupil list").title == "No pupils match."
    probe.refused_unchanged(elm_chat, "elmadmin", f"pupil show #{ava}")
    probe.refused_unchanged(elm_chat, "elmadmin", "meeting ava today")
    assert elm_chat.ok("elmadmin", "due term").items == []
    assert "Ava" not in "\n".join(elm_chat.ok("elmadmin", "digest").lines)
    # The same handle can be on both lists, with a role at each.
    elm_chat.ok("elmadmin", "staff add @alice role:senco")
    probe.refused_unchanged(chat, "alice", "pupil show ben")
    elm_chat.ok("elmadmin", 'pupil add "Ben Brown" year:11')
    assert [i.title.split(" (#")[0] for i in elm_chat.ok("alice", "pupil list").items] == ["Ben Brown"]

"""The authorization matrix (issue 11): every command × every role, on both databases, in one table.

Roles: the teacher of the pupil (@alice, class 5B: Ivo Quill and Nell Orchard), 5B's teaching assistant
(@tia, role ta), the teacher of another class (@carl, 6C: Ben Brown), the SENCO (@sue), a leader (@lee), an
admin (@admin), someone not on the staff list (@stranger), and another school's admin (@eve of Elm Academy,
typing Oak's pupils by number and by name).

Each case runs on a fresh pair of schools. An allowed command must be answered; any other must be refused,
change nothing, and not reveal a pupil the asker may not see — neither by number nor by a name's first
letters. Answers to people who may not see Oak's 5B (another class's teacher, another school) must not name
its pupils either. A test keeps the table complete: a new command without a row here fails it.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from integration.conftest import Probe
from sqlalchemy import Engine
from sqlmodel import Session, select

import db.models as m
from bot.commands import GRAMMAR
from bot.services.school import create_school
from db.engine import transaction

HANDLE = {"teacher": "alice", "ta": "tia", "other_teacher": "carl", "senco": "sue", "leader": "lee", "admin": "admin",
          "unknown": "stranger", "other_admin": "eve"}
ROLES = tuple(HANDLE)
ALL = frozenset(ROLES)
NOBODY: frozenset[str] = frozenset()
STAFF = ALL - {"unknown"}  # on a staff list: the other school's admin is on their own school's
PUPIL = frozenset({"teacher", "senco", "admin"})  # may see and change Ivo and Nell (COMMANDS.md "Roles")
# The teaching assistant of 5B sees its pupils, their contacts and interventions, and records and reviews
# interventions (COMMANDS.md v2); every other fact is refused.
SUPPORTS = PUPIL | {"ta"}
RECORD = frozenset({"senco", "admin"})  # the record as a whole: export, archive, erase, audit, chase
SCHOOL = STAFF - {"leader"}  # each in their own school: a teacher adds and lists the pupils they teach
SEN_LEADS = frozenset({"senco", "admin", "other_admin"})  # the register as a whole, of their own school
ADMINS = frozenset({"admin", "other_admin"})  # staff, terms, settings of their own school
LEADS = frozenset({"senco", "leader", "admin", "other_admin"})  # the whole school: feed, dashboard
# Who may not see Oak's 5B at all: nothing they are told may name its pupils.
BLIND = frozenset({"other_teacher", "unknown", "other_admin"})
HIDDEN = ("Ivo", "Quill", "Nell", "Orchard", "Ola", "Pine")

# command name → (what is typed, who is answered). {p} is Ivo Quill (on SEN support, an intervention
# "Lexia", a contact, a meeting, a refused assessment), {q} is Nell Orchard (an LA assessment requested in
# September, its decision overdue),
# {r} a reminder about Ivo posted to the reminders channel, {o} Ola Pine (5B, an EHC plan issued in June 2025,
# reviewed in January, the next review booked).
MATRIX: dict[str, tuple[str, frozenset[str]]] = {
    "help": ("help pupil add", ALL),
    "pupil add": ('pupil add "Zed New" year:5', SCHOOL - {"ta"}),  # a ta does not add pupils
    "pupil show": ("pupil show {p}", SUPPORTS),
    "pupil list": ("pupil list", SCHOOL),
    "pupil archive": ("pupil archive {p}", RECORD),
    "contact add": ('contact add {p} "Jo Parent" relation:mum phone:07700900123', SUPPORTS),
    "contact list": ("contact list {p}", SUPPORTS),
    "export": ("export {p}", RECORD),
    "audit": ("audit {p}", RECORD),
    "erase": ("erase {p}", RECORD),
    "support start": ("support start {q} 2026-02-02", PUPIL),
    "support end": ("support end {p} 2026-03-01", PUPIL),
    "meeting": ('meeting {p} 2026-02-20 with:"mum"', PUPIL),
    "intervention add": ('intervention add {p} "Maths" review:+6w', SUPPORTS),
    "intervention review": ('intervention review {p} "Lexia" 2026-03-01 outcome:continue next:+4w', SUPPORTS),
    "intervention list": ("intervention list {p}", SUPPORTS),
    "assessment requested": ("assessment requested {p} 2026-02-01", PUPIL),
    "assessment decided": ("assessment decided {q} 2026-02-20 assess", PUPIL),
    "ehcp issued": ('ehcp issued {p} 2026-02-25 la:"Kent"', PUPIL),
    "ehcp booked": ("ehcp booked {p} 2026-12-01", PUPIL),
    "ehcp reviewed": ("ehcp reviewed {p} 2026-03-01", PUPIL),
    "ehcp ceased": ("ehcp ceased {o} 2026-03-01", PUPIL),
    "decision": ("decision {p} 2026-03-01 amend-proposed", PUPIL),
    "mediation": ("mediation {p} certificate:2026-03-01", PUPIL),
    "appeal lodged": ("appeal lodged {p} 2026-03-01", PUPIL),
    "home": ("home", STAFF),
    "due": ("due term all", STAFF),
    "digest": ("digest", STAFF),
    "feed": ("feed school", LEADS),
    "feed rotate": ("feed rotate mine", STAFF),
    # A reminder to the channel: whoever teaches or supports the pupil, leaders, the SENCO and admins may act on it.
    "done": ("done {r}", SUPPORTS | {"leader"}),
    "snooze": ("snooze {r} +1w", SUPPORTS | {"leader"}),
    "staff add": ("staff add @newbie role:teacher class:3A", ADMINS),
    "staff list": ("staff list", STAFF),
    "staff remove": ("staff remove @lee", {"admin"}),
    "term add": ('term add "Summer 2026" 2026-04-13 2026-07-22', ADMINS),
    "term list": ("term list", STAFF),
    "settings": ("settings digest-day:tuesday", ADMINS),
    "senco appointed": ("senco appointed @sue 2026-02-01", {"admin"}),
    "senco qualified": ("senco qualified @sue 2026-01-10 award:npq", {"senco", "admin"}),
    "dashboard": ("dashboard", LEADS),
    "chase": ("chase {q}", RECORD),
    "census": ("census", SEN_LEADS),
    "export register": ("export register", SEN_LEADS),
    "provision": ("provision {p}", SUPPORTS),
    # Issue 10's commands. {m} is Ivo's parent meeting (its reference, like m12); corrections go as recording does.
    "ehcp invited": ("ehcp invited {o} 2026-02-20", PUPIL),
    "ehcp report-sent": ("ehcp report-sent {o} 2026-02-20", PUPIL),
    "tribunal order": ("tribunal order {p} 2026-03-01 amend", PUPIL),
    "senco enrolled": ("senco enrolled @sue 2026-01-10", {"senco", "admin"}),
    "history": ("history {p}", SUPPORTS),
    "remove": ("remove {m}", PUPIL),
    "fix": ("fix {m} 2026-01-13", PUPIL),
    # Everyone's last change here is a calendar link, which undo does not reverse (test_corrections covers undo).
    "undo": ("undo", NOBODY),
    "pupil edit": ("pupil edit {p} year:6", PUPIL),
    "term edit": ('term edit "Summer 2027" 2027-04-12 2027-07-20', {"admin"}),
    "term remove": ('term remove "Summer 2027"', {"admin"}),
    "closure add": ('closure add 2026-03-02 "INSET day"', ADMINS),
    "closure list": ("closure list", LEADS),
    "closure remove": ("closure remove 2026-02-16", {"admin"}),
}


@dataclass
class World:
    engine: Engine
    oak: Any  # tests/conftest.py's Chat, as the ``chat`` fixture gives it
    elm: Any
    probe: Probe
    refs: dict[str, str]

    def chat_for(self, role: str) -> Any:
        return self.elm if role == "other_admin" else self.oak


def _channel_reminder(engine: Engine, school: int, pupil_id: int) -> int:
    """A pending reminder about one of the pupil's deadlines, posted to the reminders channel."""
    with Session(engine) as session:
        deadline = session.exec(select(m.Deadline).where(m.Deadline.pupil_id == pupil_id, m.Deadline.done == False)  # noqa: E712
                                .order_by(m.Deadline.due)).first()
        assert deadline is not None
        row = m.Reminder(school_id=school, idempotency_key=f"matrix:{deadline.key}", kind=deadline.kind,
                         deadline_key=deadline.key, pupil_id=pupil_id, due_on=deadline.due, step="0",
                         step_on=deadline.due, send_on=deadline.due, recipient="channel",
                         next_attempt_at=datetime.now(UTC))
        session.add(row)
        session.commit()
        assert row.id is not None
        return row.id


@pytest.fixture
def world(engine: Engine, school: int, chat: Any) -> World:
    with transaction(engine) as session:
        elm = create_school(session, "Elm Academy", "eve", "primary", chat.today).id
    assert elm is not None
    oak = school
    for text in ("staff add @alice role:teacher class:5B", "staff add @carl role:teacher class:6C",
                 "staff add @tia role:ta class:5B", "staff add @sue role:senco", "staff add @lee role:leader",
                 "senco appointed @sue 2025-09-01",
                 'pupil add "Ivo Quill" year:5 class:5B', 'pupil add "Nell Orchard" year:5 class:5B',
                 'pupil add "Ben Brown" year:6 class:6C', "support start ivo 2026-01-05",
                 'intervention add ivo "Lexia" review:2026-03-09',
                 'contact add ivo "Jo Smith" relation:mum phone:07700900123',
                 "assessment requested nell 2025-09-01", "decision ivo 2026-02-10 refuse-assessment"):
        chat.ok("admin", text)
        if text == 'intervention add ivo "Lexia" review:2026-03-09':
            meeting = chat.ok("admin", 'meeting ivo 2026-01-12 with:"mum"').as_text()
    for text in ('term add "Summer 2027" 2027-04-12 2027-07-21', 'closure add 2026-02-16 "INSET day"',
                 'pupil add "Ola Pine" year:5 class:5B', 'ehcp issued ola 2025-06-02 la:"Kent"',
                 "ehcp reviewed ola 2026-01-20", "ehcp booked ola 2026-05-20"):
        chat.ok("admin", text)
    elm_chat = type(chat)(engine, elm)
    elm_chat.ok("eve", 'pupil add "Eli Elm" year:5')
    for role in STAFF:  # everyone has a calendar link, so "feed rotate" has something to replace
        (elm_chat if role == "other_admin" else chat).ok(HANDLE[role], "feed mine")
    probe = Probe(engine, oak)
    ivo, nell = probe.pid("Ivo Quill"), probe.pid("Nell Orchard")
    found = re.search(r"Reference (m[0-9]+)", meeting)
    assert found, meeting
    # r42 names one reminder message (COMMANDS v2; a bare number is a deadline's).
    refs = {"p": f"#{ivo}", "q": f"#{nell}", "o": f"#{probe.pid('Ola Pine')}",
            "r": f"r{_channel_reminder(engine, oak, ivo)}", "m": found.group(1)}
    return World(engine, chat, elm_chat, probe, refs)


def test_the_matrix_has_a_row_for_every_command() -> None:
    assert sorted(MATRIX) == sorted(c.name for c in GRAMMAR.commands)


def _hides_5b(reply_text: str, typed: str, who: str, text: str) -> None:
    for name in HIDDEN:
        if name.lower() not in typed.lower():  # only what they typed may be echoed
            assert name not in reply_text, f"@{who} was told about a pupil they may not see: {text!r} → {reply_text}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("command", list(MATRIX))
def test_every_command_for_every_role(world: World, command: str, role: str) -> None:
    template, allowed = MATRIX[command]
    who, chat = HANDLE[role], world.chat_for(role)
    text = template.format(**world.refs)
    if role in allowed:
        reply = chat.ok(who, text)
        if role in BLIND:
            _hides_5b(reply.as_text(), text, who, text)
        return
    reply = world.probe.refused_unchanged(chat, who, text)
    if role in BLIND | {"leader"}:
        _hides_5b(reply.as_text(), text, who, text)
        if "{p}" in template or "{q}" in template or "{o}" in template:
            # By name: the first letters of a pupil they may not see get no suggestion of who it is.
            by_name = template.format(p="iv", q="nel", o="ol", r=world.refs["r"], m=world.refs["m"])
            _hides_5b(world.probe.refused_unchanged(chat, who, by_name).as_text(), by_name, who, by_name)

"""The main scenario: a SEND team's year typed into ``sendbot chat``, then ``sendbot deadlines``.

Every expected date below is worked out by hand from RULES.md (never by calling the rule engine), so this
test checks the engine against the page, through the CLI, on SQLite and (when SENDBOT_TEST_DATABASE_URL is
set) on PostgreSQL.
"""

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e.helpers import Cli, sqlite_url

PG_URL = os.environ.get("SENDBOT_TEST_DATABASE_URL")
BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]

AS_OF = "2026-07-01"  # a Wednesday in the summer term of academic year 2025/26

TERMS_CSV = """name,start,end
Autumn 2025,2025-09-03,2025-12-19
Spring 2026,2026-01-05,2026-03-27
Summer 2026,2026-04-13,2026-07-22
Autumn 2026,2026-09-02,2026-12-18
"""

# Typed into one interactive `sendbot chat --as alice --today 2026-07-01` session.
COMMANDS = [
    'pupil add "Ava Smith" year:5',
    'pupil add "Ben Jones" year:3',
    'pupil add "Cara Patel" year:6',
    'pupil add "Dan Brown" year:4',
    'pupil add "Eve Green" year:2',
    'pupil add "Finn White" year:5',
    'pupil add "Gus Hill" year:4',
    'pupil add "Hana Lee" year:1',
    'pupil add "Ivy Nye" year:N',
    # Ava: SEN support, a parent meeting, two interventions.
    "/sen support start ava 2026-01-12",
    'meeting ava 10/02/2026 with:"mum"',
    'intervention add ava "Lexia reading" review:2026-05-15 start:2026-03-02',
    'intervention review ava "Lexia reading" 2026-05-14 outcome:continue next:2026-07-10',
    'intervention add ava "Numicon" review:19/06/2026',
    # Ben: assessment agreed, plan issued (the "decision … plan-issued" spelling).
    "assessment requested ben 2025-11-03",
    "assessment decided ben 2025-12-10 assess",
    "decision ben 16 Mar 2026 plan-issued",
    # RULES v2: a re-assessment request, and the LA agrees to re-assess.
    "assessment requested ben 2026-06-01 re-assessment",
    "decision ben 2026-06-10 reassess",
    # Cara: Year 6 in a primary school, plan issued 14 Mar 2025, review booked, no-amend sent 30 Jun 2026.
    "ehcp issued cara 14/03/2025",
    "ehcp booked cara 2026-07-20",
    "/sen decision cara 2026-06-30 no-amend",
    # Dan: plan, review meeting held, amendments proposed.
    'ehcp issued dan 2025-06-20 la:"Kent"',
    "ehcp reviewed dan 2026-05-06",
    "decision dan 2026-06-10 amend-proposed",
    # Eve: assessment refused ("assessment decided … refuse"), mediation, appeal lodged.
    "assessment requested eve 2026-02-02",
    "assessment decided eve 2026-03-09 refuse",
    "mediation eve certificate:2026-05-01",
    "appeal lodged eve 2026-05-28",
    # Finn: a request the LA has not answered.
    "assessment requested finn 2026-05-18",
    # Gus: the same refusal as Eve's, in the other spelling, and no mediation.
    "assessment requested gus 2026-02-02",
    "decision gus 2026-03-09 refuse-assessment",
    # RULES v2: the tribunal orders the LA to reconsider.
    "tribunal order gus 2026-06-15 reconsider",
    # Hana: a plan issued just before Christmas' appeal rule bites.
    "ehcp issued hana 2025-10-28",
    # RULES v2: the LA decides to cease the plan (appealable); the plan stays in force.
    "decision hana 2026-06-01 cease",
    # Ivy: in the school's nursery class with a plan: early years to Reception is a phase transfer.
    "ehcp issued ivy 2025-11-10",
    # The school: SENCOs and the SEN information report.
    "staff add @sara role:senco",
    "staff add @tom role:senco",
    "staff add @uma role:senco",
    "senco appointed @sara 2024-02-29 prior-months:6",
    "senco appointed @tom 2023-09-01",
    "senco qualified @tom 2026-01-20 award:npq",
    "senco appointed @uma 2025-01-06 prior-months:13",
    "settings info-report:2025-07-15",
]

SCHOOL, LA, PARENT = "school", "la", "parent"
RULE = {  # RULES.md, "citation" column
    "parent_meeting": "CoP 6.65",
    "intervention_review": "CoP 6.48, 6.54",
    "assessment_decision": "Regs 5(1)",
    "final_plan": "Regs 13(2)",
    "annual_review": "CFA s44(1); Regs 18",
    "phase_transfer_review": "Regs 18(1)",
    "review_invitations": "Regs 20(3)–(4)",
    "review_report": "Regs 20(7)",
    "review_decision": "Regs 20(10)",
    "amended_plan": "Regs 22(3); R (L, M & P) v Devon CC [2022] EWHC 493",
    "appeal_deadline": "HESC r.20(1), r.12; Regs 33",
    "senco_qualification": "Regs 49(4) as amended by SI 2024/535",
    "information_report": "CFA s69; Regs 51; CoP 6.79",
    "reassessment_decision": "Regs 25",
    "reassessment_plan": "Regs 27(3)",
    "tribunal_order": "Regs 44(2)",
    "npq_enrolment": "DfE NPQ delivery (advisory)",
}

# (pupil, kind, due, duty, status) as of Wed 1 Jul 2026, each worked out from RULES.md.
EXPECTED = [
    # Ava, on SEN support from Mon 12 Jan 2026. Autumn 2025 ended before support began: no deadline.
    # Spring 2026 ends 27 Mar, >= 28 days after 12 Jan; the 10 Feb meeting is inside it: done.
    ("Ava Smith", "parent_meeting", "2026-03-27", SCHOOL, "done"),
    # Summer 2026 (the current term) ends 22 Jul: no meeting yet, not yet past.
    ("Ava Smith", "parent_meeting", "2026-07-22", SCHOOL, "open"),
    # Autumn 2026 is the next term to start: listed too.
    ("Ava Smith", "parent_meeting", "2026-12-18", SCHOOL, "open"),
    # Lexia: first review due 15 May, reviewed 14 May (done); next review 10 Jul (open).
    ("Ava Smith", "intervention_review", "2026-05-15", SCHOOL, "done"),
    ("Ava Smith", "intervention_review", "2026-07-10", SCHOOL, "open"),
    # Numicon: review due 19 Jun, never reviewed: overdue.
    ("Ava Smith", "intervention_review", "2026-06-19", SCHOOL, "overdue"),
    # Ben: request 3 Nov 2025 + 6 weeks = 15 Dec 2025 (decided 10 Dec: done);
    # + 20 weeks = 23 Mar 2026 (plan issued 16 Mar: done).
    ("Ben Jones", "assessment_decision", "2025-12-15", LA, "done"),
    ("Ben Jones", "final_plan", "2026-03-23", LA, "done"),
    # Plan issued 16 Mar 2026: the 12 months starting with it end 15 Mar 2027.
    ("Ben Jones", "annual_review", "2027-03-15", SCHOOL, "open"),
    # Appeal against the plan: 16 Mar + 2 months = Sat 16 May 2026 -> next working day Mon 18 May; passed.
    ("Ben Jones", "appeal_deadline", "2026-05-18", PARENT, "lapsed"),
    # Cara: plan issued 14 Mar 2025 -> annual review due 13 Mar 2026, none held: overdue.
    ("Cara Patel", "annual_review", "2026-03-13", SCHOOL, "overdue"),
    # Year 6 in a primary school: phase transfer by 14 Feb 2026 (before 15 Feb); the no-amend decision of
    # 30 Jun 2026 is after that day, so it does not count: overdue.
    ("Cara Patel", "phase_transfer_review", "2026-02-14", LA, "overdue"),
    # Appeal against the plan: 14 Mar 2025 + 2 months = Wed 14 May 2025; passed.
    ("Cara Patel", "appeal_deadline", "2025-05-14", PARENT, "lapsed"),
    # Review meeting booked for Mon 20 Jul 2026: invitations 14 days before, Mon 6 Jul.
    ("Cara Patel", "review_invitations", "2026-07-06", SCHOOL, "open"),
    # Appeal against no-amend sent 30 Jun 2026: 30 Aug is in August -> first working day after 31 Aug
    # (itself the summer bank holiday) = Tue 1 Sep 2026.
    ("Cara Patel", "appeal_deadline", "2026-09-01", PARENT, "open"),
    # Dan: review meeting held Wed 6 May 2026 -> next annual review ends the 12 months starting 6 May 2026.
    ("Dan Brown", "annual_review", "2027-05-05", SCHOOL, "open"),
    # Appeal against the plan issued 20 Jun 2025: 20 Aug is in August -> Mon 1 Sep 2025; passed.
    ("Dan Brown", "appeal_deadline", "2025-09-01", PARENT, "lapsed"),
    # Meeting 6 May + 2 weeks = 20 May; RULES v2: done once a later LA decision is recorded (10 Jun).
    ("Dan Brown", "review_report", "2026-05-20", SCHOOL, "done"),
    # Meeting 6 May + 4 weeks = 3 Jun; a decision (amend-proposed, 10 Jun) came after the meeting: done.
    ("Dan Brown", "review_decision", "2026-06-03", LA, "done"),
    # amend-proposed 10 Jun + 8 weeks = 5 Aug, but meeting 6 May + 12 weeks = 29 Jul is earlier (Devon).
    ("Dan Brown", "amended_plan", "2026-07-29", LA, "open"),
    # Eve: request 2 Feb + 6 weeks = 16 Mar (refused 9 Mar: done); refused, so no final_plan.
    ("Eve Green", "assessment_decision", "2026-03-16", LA, "done"),
    # Appeal: later of 9 Mar + 2 months (9 May) and certificate 1 May + 1 month (Mon 1 Jun) = 1 Jun;
    # appeal lodged 28 May: done.
    ("Eve Green", "appeal_deadline", "2026-06-01", PARENT, "done"),
    # Finn: request 18 May + 6 weeks = Mon 29 Jun (no decision: overdue); + 20 weeks = 5 Oct.
    ("Finn White", "assessment_decision", "2026-06-29", LA, "overdue"),
    ("Finn White", "final_plan", "2026-10-05", LA, "open"),
    # Gus: as Eve, but no mediation: 9 Mar + 2 months = Sat 9 May -> Mon 11 May; passed.
    ("Gus Hill", "assessment_decision", "2026-03-16", LA, "done"),
    ("Gus Hill", "appeal_deadline", "2026-05-11", PARENT, "lapsed"),
    # Hana: plan issued 28 Oct 2025 -> annual review 27 Oct 2026.
    ("Hana Lee", "annual_review", "2026-10-27", SCHOOL, "open"),
    # Appeal: 28 Oct + 2 months = 28 Dec, within 25 Dec–1 Jan -> first working day after 1 Jan = Fri 2 Jan 2026.
    ("Hana Lee", "appeal_deadline", "2026-01-02", PARENT, "lapsed"),
    # The decision to cease (1 Jun): appealable, 1 Aug is in August -> Tue 1 Sep 2026; the annual review above
    # stays, because the plan is still in force.
    ("Hana Lee", "appeal_deadline", "2026-09-01", PARENT, "open"),
    # Ben's re-assessment: request 1 Jun + 15 days = 16 Jun (decided 10 Jun: done); reassess 10 Jun + 14 weeks
    # = 16 Sep.
    ("Ben Jones", "reassessment_decision", "2026-06-16", LA, "done"),
    ("Ben Jones", "reassessment_plan", "2026-09-16", LA, "open"),
    # Gus: the order to reconsider, 15 Jun + 2 weeks = 29 Jun, no LA decision since: overdue.
    ("Gus Hill", "tribunal_order", "2026-06-29", LA, "overdue"),
    # Ivy: plan issued 10 Nov 2025 -> annual review 9 Nov 2026; appeal 10 Jan 2026 is a Saturday -> Mon 12 Jan;
    # nursery to Reception: by 14 Feb 2026 (the year she starts Reception), no decision: overdue.
    ("Ivy Nye", "annual_review", "2026-11-09", SCHOOL, "open"),
    ("Ivy Nye", "appeal_deadline", "2026-01-12", PARENT, "lapsed"),
    ("Ivy Nye", "phase_transfer_review", "2026-02-14", LA, "overdue"),
    # Sara appointed 29 Feb 2024 (6 months' prior service): third anniversary, no 29 Feb 2027 -> 28 Feb 2027.
    (None, "senco_qualification", "2027-02-28", SCHOOL, "open"),
    # Tom appointed 1 Sep 2023 -> 1 Sep 2026; qualified 20 Jan 2026: done.
    # (Uma had 13 months as a SENCO before: no deadline.)
    (None, "senco_qualification", "2026-09-01", SCHOOL, "done"),
    # NPQ enrolment (advisory): the latest 1 Nov with 1 Nov + 22 months on or before the deadline. Sara (28 Feb
    # 2027): 1 Nov 2024 (-> 1 Sep 2026), not enrolled: overdue. Tom (1 Sep 2026): 1 Nov 2024; qualified: done.
    (None, "npq_enrolment", "2024-11-01", SCHOOL, "overdue"),
    (None, "npq_enrolment", "2024-11-01", SCHOOL, "done"),
    # Information report published 15 Jul 2025 -> review by 15 Jul 2026.
    (None, "information_report", "2026-07-15", SCHOOL, "open"),
]
KEYS = {"pupil", "kind", "due", "duty", "rule", "status"}


def _fresh_postgres(url: str) -> None:
    """Drop and recreate schema public: the CLI must build the whole database by itself."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend_cli(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cli]:
    if request.param == "sqlite":
        yield Cli(tmp_path, sqlite_url(tmp_path))
    else:
        assert PG_URL
        _fresh_postgres(PG_URL)
        yield Cli(tmp_path, PG_URL)


def _as_tuples(items: list[dict]) -> list[tuple]:
    return [(d["pupil"], d["kind"], d["due"], d["duty"], d["status"]) for d in items]


def test_the_full_scenario(backend_cli: Cli, tmp_path: Path) -> None:
    cli = backend_cli
    cli.ok("init", "--school", "Oak Primary", "--admin", "alice", "--phase", "primary", "--today", "2026-03-02")
    (tmp_path / "terms.csv").write_text(TERMS_CSV, encoding="utf-8")
    r = cli.ok("terms", "import", "--today", "2026-03-02", "terms.csv")
    assert "4 terms" in r.out
    cli.session(COMMANDS, today=AS_OF)

    r = cli.ok("deadlines", "--json", "--today", AS_OF)
    items = json.loads(r.out)
    assert isinstance(items, list)
    for d in items:
        assert set(d) == KEYS, f"unexpected keys in {d}"
        assert d["rule"] == RULE[d["kind"]], f"wrong citation in {d}"
    assert [d["due"] for d in items] == sorted(d["due"] for d in items), "not sorted by due"
    assert {d["kind"] for d in items} == set(RULE), "every RULES.md kind should appear in this scenario"
    assert sorted(_as_tuples(items), key=repr) == sorted(EXPECTED, key=repr)
    for d in items:
        if d["kind"] in ("senco_qualification", "information_report", "npq_enrolment"):
            assert d["pupil"] is None

    # --pupil filters to one pupil, by any of the ways of naming one.
    r = cli.ok("deadlines", "--json", "--pupil", "Dan", "--today", AS_OF)
    dan = json.loads(r.out)
    assert _as_tuples(dan) == sorted((e for e in EXPECTED if e[0] == "Dan Brown"), key=lambda e: e[2])
    r = cli.refused("deadlines", "--json", "--pupil", "Zed", "--today", AS_OF)
    assert "Zed" in r.text

    # Without --json: a table a person can read, one row per deadline.
    r = cli.ok("deadlines", "--today", AS_OF)
    lines = [line for line in r.out.splitlines() if line.strip()]
    header, rows = lines[0], lines[1:]
    for column in ("due", "status", "kind", "duty", "pupil", "rule"):
        assert column in header.lower()
    assert len(rows) == len(EXPECTED)
    assert [row[:10] for row in rows] == sorted(e[2] for e in EXPECTED), "rows sorted by due, due first"
    for pupil, kind, due, duty, status in EXPECTED:
        assert any(row.startswith(due) and kind in row and status in row and duty in row and (pupil or "-") in row
                   for row in rows), f"no row for {pupil} {kind} {due} {duty} {status}:\n{r.out}"
    assert not r.out.lstrip().startswith(("{", "[")), "the table must not be JSON"

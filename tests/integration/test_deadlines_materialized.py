"""Materialized deadlines: each fact-changing command leaves the ``deadline`` table right, in its own transaction,
and every RULES.md kind comes out of chat commands with the due date worked out by hand from RULES.md.

Today is Mon 2 Mar 2026 throughout; the estimated terms are autumn 2 Sep – 19 Dec 2025, spring 5 Jan –
27 Mar 2026, summer 13 Apr – 22 Jul 2026 (then 2026/27's).
"""

from datetime import date

import pytest
from sqlmodel import Session

import bot.rules
import db.models as m
from bot.services.reports import all_deadlines

TODAY = date(2026, 3, 2)
D = date


def test_each_command_leaves_the_deadline_table_right(chat, probe):
    # Year 3: as the scenario runs into later school years she is not yet in a transfer year.
    chat.ok("admin", 'pupil add "Ava Smith" year:3')
    ava = probe.pid("Ava Smith")
    assert probe.deadlines(ava) == set()
    expected: set[tuple[str, date, bool]] = set()

    def step(text: str, add=(), remove=()) -> None:
        if text.startswith(("intervention", "ehcp booked")):  # plans: recorded today
            chat.ok("admin", text)
        else:
            chat.record("admin", text)  # on the day it happened: facts can't be dated in the future
        expected.difference_update(remove)
        expected.update(add)
        assert probe.deadlines(ava) == expected, text

    PM = "parent_meeting"
    IR = "intervention_review"
    # Spring ends 27 Mar (>= 28 days after 5 Jan); the next term to start (summer) ends 22 Jul.
    step("support start ava 2026-01-05", add={(PM, D(2026, 3, 27), False), (PM, D(2026, 7, 22), False)})
    step("meeting ava 2026-02-10", remove={(PM, D(2026, 3, 27), False)}, add={(PM, D(2026, 3, 27), True)})
    step('intervention add ava "Lexia" review:2026-04-20', add={(IR, D(2026, 4, 20), False)})
    step('intervention review ava "Lexia" 2026-04-20 outcome:continue next:2026-06-01',
         remove={(IR, D(2026, 4, 20), False)}, add={(IR, D(2026, 4, 20), True), (IR, D(2026, 6, 1), False)})
    step('intervention review ava "Lexia" 2026-06-01 outcome:stop',
         remove={(IR, D(2026, 6, 1), False)}, add={(IR, D(2026, 6, 1), True)})
    # Support ended before the summer term: no summer meeting is due.
    step("support end ava 2026-03-01", remove={(PM, D(2026, 7, 22), False)})
    # Regs 5(1): R + 6 weeks; Regs 13(2): R + 20 weeks.
    step("assessment requested ava 2026-01-05",
         add={("assessment_decision", D(2026, 2, 16), False), ("final_plan", D(2026, 5, 25), False)})
    step("assessment decided ava 2026-02-10 assess",
         remove={("assessment_decision", D(2026, 2, 16), False)}, add={("assessment_decision", D(2026, 2, 16), True)})
    # The plan: final_plan met; annual review at the end of the 12 months starting 20 May 2026; appeal
    # window 20 May + 2 months = Mon 20 Jul 2026.
    step('ehcp issued ava 2026-05-20 la:"Kent"',
         remove={("final_plan", D(2026, 5, 25), False)},
         add={("final_plan", D(2026, 5, 25), True), ("annual_review", D(2027, 5, 19), False),
              ("appeal_deadline", D(2026, 7, 20), False)})
    # Mediation certificate 10 Jul: C + 1 month = 10 Aug, later than 20 Jul; August -> first working day
    # after 31 Aug, Tue 1 Sep 2026.
    step("mediation ava certificate:2026-07-10",
         remove={("appeal_deadline", D(2026, 7, 20), False)}, add={("appeal_deadline", D(2026, 9, 1), False)})
    step("appeal lodged ava 2026-08-01",
         remove={("appeal_deadline", D(2026, 9, 1), False)}, add={("appeal_deadline", D(2026, 9, 1), True)})
    # Review booked for Tue 20 Apr 2027: invitations 14 days before.
    step("ehcp booked ava 2027-04-20", add={("review_invitations", D(2027, 4, 6), False)})
    # Re-booking moves it.
    step("ehcp booked ava 2027-04-22",
         remove={("review_invitations", D(2027, 4, 6), False)}, add={("review_invitations", D(2027, 4, 8), False)})
    # Held on 21 Apr (the booked meeting): report + 2 weeks, LA decision + 4 weeks, and the annual review
    # rolls on to the end of the 12 months starting 21 Apr 2027.
    step("ehcp reviewed ava 2027-04-21",
         remove={("annual_review", D(2027, 5, 19), False), ("review_invitations", D(2027, 4, 8), False)},
         add={("review_report", D(2027, 5, 5), False), ("review_decision", D(2027, 5, 19), False),
              ("annual_review", D(2028, 4, 20), False), ("review_invitations", D(2027, 4, 8), True)})
    # Amendments proposed 1 May: the earlier of P + 8 weeks (26 Jun) and meeting + 12 weeks (14 Jul).
    step("decision ava 2027-05-01 amend-proposed",
         remove={("review_decision", D(2027, 5, 19), False), ("review_report", D(2027, 5, 5), False)},
         add={("review_decision", D(2027, 5, 19), True), ("amended_plan", D(2027, 6, 26), False),
              ("review_report", D(2027, 5, 5), True)})
    # Plan amended 10 Jun: appealable, 10 Aug -> August -> Wed 1 Sep 2027.
    step("decision ava 2027-06-10 plan-amended",
         remove={("amended_plan", D(2027, 6, 26), False)},
         add={("amended_plan", D(2027, 6, 26), True), ("appeal_deadline", D(2027, 9, 1), False)})
    # The LA decides to cease on 15 Jun: appealable (15 Aug -> August -> Wed 1 Sep 2027), and the plan stays in
    # force (RULES v2), so the annual review goes on.
    chat.record("admin", "decision ava 2027-06-15 cease")
    assert ("annual_review", D(2028, 4, 20), False) in probe.deadlines(ava)
    # Ceased 1 Jul: the plan ended; plan deadlines due after that day go (the annual review).
    chat.record("admin", "ehcp ceased ava 2027-07-01")
    assert ("annual_review", D(2028, 4, 20), False) not in probe.deadlines(ava)
    assert ("amended_plan", D(2027, 6, 26), True) in probe.deadlines(ava)
    appeals = sorted((d.due, d.done, d.detail) for d in probe.rows(m.Deadline, pupil_id=ava, kind="appeal_deadline"))
    assert appeals == [(D(2026, 9, 1), True, "plan-issued"), (D(2027, 9, 1), False, "cease"),
                       (D(2027, 9, 1), False, "plan-amended")]
    # Archive: every deadline goes; they don't come back on a refresh.
    chat.ok("admin", "pupil archive ava")
    assert probe.deadlines(ava) == set()
    chat.ok("admin", "due", today=D(2026, 3, 3))
    assert probe.deadlines(ava) == set()


def test_a_fact_and_its_deadlines_commit_together_or_not_at_all(chat, probe, monkeypatch):
    chat.ok("admin", 'pupil add "Ava Smith" year:5')
    ava = probe.pid("Ava Smith")

    def broken(*args, **kwargs):
        raise RuntimeError("rule engine down")

    monkeypatch.setattr(bot.rules, "pupil_deadlines", broken)
    before = probe.snapshot()
    reply = chat("admin", "support start ava 2026-01-05")
    assert not reply.ok and "nothing was changed" in reply.title
    assert probe.snapshot() == before  # no support period without its deadlines
    monkeypatch.undo()
    chat.ok("admin", "support start ava 2026-01-05")
    assert probe.rows(m.SupportPeriod, pupil_id=ava) and probe.deadlines(ava)


def test_a_command_on_another_day_materializes_as_of_that_day(chat, probe):
    chat.ok("admin", 'pupil add "Ava Smith" year:5')
    ava = probe.pid("Ava Smith")
    # As of 1 May 2026 the summer term has started; the next to start is autumn 2026 (ends 18 Dec).
    chat.ok("admin", "support start ava 2026-01-05", today=D(2026, 5, 1))
    assert probe.deadlines(ava) == {("parent_meeting", D(2026, 3, 27), False),
                                    ("parent_meeting", D(2026, 7, 22), False),
                                    ("parent_meeting", D(2026, 12, 18), False)}


def test_erase_removes_the_deadlines_and_leaves_others(chat, probe):
    chat.ok("admin", 'pupil add "Ava Smith" year:5')
    chat.ok("admin", 'pupil add "Ben Brown" year:5')
    chat.ok("admin", "support start ava 2026-01-05")
    chat.ok("admin", "support start ben 2026-01-05")
    ava, ben = probe.pid("Ava Smith"), probe.pid("Ben Brown")
    chat.ok("admin", "erase ava confirm:yes")
    assert probe.rows(m.Deadline, pupil_id=ava) == []
    assert len(probe.deadlines(ben)) == 2


# --- every kind, through all_deadlines ------------------------------------------------------------------


def _due(engine, school: int, today: date = TODAY) -> list:
    with Session(engine) as session:
        return all_deadlines(session, school, today)


def _got(items, name: str | None) -> set[tuple[str, date, str, str]]:
    return {(i.kind, i.due, i.duty, i.status) for i in items if i.pupil_name == name}


CITATIONS = {
    "parent_meeting": ("school", "CoP 6.65"),
    "intervention_review": ("school", "CoP 6.48, 6.54"),
    "assessment_decision": ("la", "Regs 5(1)"),
    "final_plan": ("la", "Regs 13(2)"),
    "annual_review": ("school", "CFA s44(1); Regs 18"),
    "phase_transfer_review": ("la", "Regs 18(1)"),
    "review_invitations": ("school", "Regs 20(3)–(4)"),
    "review_report": ("school", "Regs 20(7)"),
    "review_decision": ("la", "Regs 20(10)"),
    "amended_plan": ("la", "Regs 22(3); R (L, M & P) v Devon CC [2022] EWHC 493"),
    "appeal_deadline": ("parent", "HESC r.20(1), r.12; Regs 33"),
    "senco_qualification": ("school", "Regs 49(4) as amended by SI 2024/535"),
    "information_report": ("school", "CFA s69; Regs 51; CoP 6.79"),
    "reassessment_decision": ("la", "Regs 25"),
    "reassessment_plan": ("la", "Regs 27(3)"),
    "tribunal_order": ("la", "Regs 44(2)"),
    "npq_enrolment": ("school", "DfE NPQ delivery (advisory)"),
}


def test_every_kind_from_chat_commands_with_hand_computed_dates(chat, probe, engine, school):
    say = chat.record  # each fact on its day (or later): facts can't be dated in the future
    for name, year in [("Pia Parent", 3), ("Ivy Inter", 3), ("Abe Assess", 3), ("Ann Annual", 3),
                       ("Tom Transfer", 6), ("Rae Review", 3), ("Dev Devon", 3), ("Ada Appeal", 3),
                       ("Mo Mediate", 3), ("Rex Reassess", 3)]:
        say("admin", f'pupil add "{name}" year:{year}')
    # parent_meeting: support from the first day of autumn; autumn's meeting held.
    say("admin", "support start pia 2025-09-02")
    say("admin", "meeting pia 10/10/2025")
    # intervention_review: one due later this month, one already past.
    say("admin", 'intervention add ivy "Lexia" review:20/03/2026')
    say("admin", 'intervention add ivy "Maths" review:20/02/2026 start:2026-01-05')
    # assessment_decision (R + 6 weeks) and final_plan (R + 20 weeks).
    say("admin", "assessment requested abe 5 Jan 2026")
    # annual_review: a plan issued on 29 Feb 2024 -> the 12 months end on 28 Feb 2025.
    say("admin", "ehcp issued ann 29/02/2024")
    # phase_transfer_review: Year 6 at a primary school -> 14 February 2026 (15 Feb, the day before).
    say("admin", "ehcp issued tom 2025-06-10")
    # review_invitations / review_report / review_decision / amended_plan.
    say("admin", "ehcp issued rae 2025-05-01")
    say("admin", "ehcp booked rae 2026-04-20")
    say("admin", "ehcp reviewed rae 2026-04-21")
    say("admin", "decision rae 2026-05-10 amend-proposed")
    say("admin", "ehcp reviewed dev 2026-01-15")
    say("admin", "decision dev 2026-03-01 amend-proposed")
    # appeal_deadline: Easter Monday, Christmas, August and a weekend, and a mediation certificate.
    say("admin", "assessment decided ada 2026-02-06 refuse")
    say("admin", "decision ada 2026-10-27 refuse-plan")
    say("admin", "decision ada 2026-06-05 cease")
    say("admin", "decision ada 2026-02-11 plan-amended")
    say("admin", "decision mo 2026-01-10 no-amend")
    say("admin", "mediation mo certificate:2026-03-01")
    # RULES v2: a re-assessment (R + 15 days; then 14 weeks from the decision to re-assess) and a tribunal order.
    say("admin", "assessment requested ann 2026-02-20 re-assessment")
    say("admin", "ehcp issued rex 2025-01-10")
    say("admin", "assessment requested rex 2026-02-25 re-assessment")
    say("admin", "decision rex 2026-02-26 reassess")
    say("admin", "tribunal order mo 2026-02-02 amend")
    # senco_qualification and information_report belong to the school.
    say("admin", "staff add @sue role:teacher")
    say("admin", "senco appointed @sue 29/02/2024")
    say("admin", "settings info-report:2025-03-01")

    items = _due(engine, school)
    for i in items:
        assert (i.duty, i.rule) == CITATIONS[i.kind], i
    assert {i.kind for i in items} == set(CITATIONS)
    assert [i.due for i in items] == sorted(i.due for i in items)

    assert _got(items, "Pia Parent") == {
        ("parent_meeting", D(2025, 12, 19), "school", "done"),
        ("parent_meeting", D(2026, 3, 27), "school", "open"),
        ("parent_meeting", D(2026, 7, 22), "school", "open"),
    }
    assert _got(items, "Ivy Inter") == {
        ("intervention_review", D(2026, 3, 20), "school", "open"),
        ("intervention_review", D(2026, 2, 20), "school", "overdue"),
    }
    assert _got(items, "Abe Assess") == {
        ("assessment_decision", D(2026, 2, 16), "la", "overdue"),
        ("final_plan", D(2026, 5, 25), "la", "open"),
    }
    assert _got(items, "Ann Annual") == {
        ("annual_review", D(2025, 2, 28), "school", "overdue"),
        ("appeal_deadline", D(2024, 4, 29), "parent", "lapsed"),  # 29 Apr 2024 is a Monday
        ("reassessment_decision", D(2026, 3, 7), "la", "open"),  # R + 15 days (Regs 25)
    }
    assert _got(items, "Tom Transfer") == {
        ("phase_transfer_review", D(2026, 2, 14), "la", "overdue"),
        ("annual_review", D(2026, 6, 9), "school", "open"),
        # 10 Aug 2025 is in August: the first working day after 31 Aug is Mon 1 Sep 2025.
        ("appeal_deadline", D(2025, 9, 1), "parent", "lapsed"),
    }
    assert _got(items, "Rae Review") == {
        ("annual_review", D(2027, 4, 20), "school", "open"),
        ("appeal_deadline", D(2025, 7, 1), "parent", "lapsed"),
        # RULES v2: invitations are done once the meeting is held, the report once the LA decides after it.
        ("review_invitations", D(2026, 4, 6), "school", "done"),
        ("review_report", D(2026, 5, 5), "school", "done"),
        ("review_decision", D(2026, 5, 19), "la", "done"),  # the LA decided (amend-proposed) after the meeting
        # the earlier of P + 8 weeks (5 Jul) and meeting + 12 weeks (14 Jul)
        ("amended_plan", D(2026, 7, 5), "la", "open"),
    }
    assert _got(items, "Dev Devon") == {
        ("review_report", D(2026, 1, 29), "school", "done"),  # RULES v2: a later LA decision was recorded
        ("review_decision", D(2026, 2, 12), "la", "done"),  # late, but an LA decision came after the meeting
        # meeting + 12 weeks (9 Apr) is earlier than P + 8 weeks (26 Apr): R (L, M & P) v Devon CC
        ("amended_plan", D(2026, 4, 9), "la", "open"),
    }
    assert _got(items, "Ada Appeal") == {
        # 6 Feb + 2 months = Mon 6 Apr 2026, Easter Monday -> Tue 7 Apr
        ("appeal_deadline", D(2026, 4, 7), "parent", "open"),
        # 27 Oct + 2 months = 27 Dec -> first working day after 1 Jan 2027 (Sat 2nd) -> Mon 4 Jan
        ("appeal_deadline", D(2027, 1, 4), "parent", "open"),
        # 5 Jun + 2 months = 5 Aug -> first working day after 31 Aug -> Tue 1 Sep 2026
        ("appeal_deadline", D(2026, 9, 1), "parent", "open"),
        # 11 Feb + 2 months = Sat 11 Apr -> Mon 13 Apr
        ("appeal_deadline", D(2026, 4, 13), "parent", "open"),
    }
    assert _got(items, "Mo Mediate") == {
        # the later of 10 Jan + 2 months (10 Mar) and certificate + 1 month (1 Apr)
        ("appeal_deadline", D(2026, 4, 1), "parent", "open"),
        ("tribunal_order", D(2026, 3, 9), "la", "open"),  # an order to amend: O + 5 weeks (Regs 44(2))
    }
    assert _got(items, None) == {
        # advisory: the latest autumn NPQ cohort that ends (22 months on) by the deadline started 1 Nov 2024
        ("npq_enrolment", D(2024, 11, 1), "school", "overdue"),
        ("senco_qualification", D(2027, 2, 28), "school", "open"),  # third anniversary of 29 Feb 2024
        ("information_report", D(2026, 3, 1), "school", "overdue"),
    }

    # Then the facts that close them.
    say("admin", "meeting pia 2026-03-02")
    say("admin", 'intervention review ivy "Maths" 2026-02-27 outcome:stop')
    say("admin", "assessment decided abe 2026-02-20 assess")
    say("admin", "ehcp issued abe 2026-05-01")
    say("admin", "decision tom 2026-02-14 no-amend")
    say("admin", "decision rae 2026-06-20 plan-amended")
    say("admin", "appeal lodged ada 2026-03-02")
    say("admin", "senco qualified @sue 2026-01-31")
    say("admin", "settings info-report:2026-03-01")
    items = _due(engine, school)
    assert ("parent_meeting", D(2026, 3, 27), "school", "done") in _got(items, "Pia Parent")
    assert ("intervention_review", D(2026, 2, 20), "school", "done") in _got(items, "Ivy Inter")
    assert {("assessment_decision", D(2026, 2, 16), "la", "done"), ("final_plan", D(2026, 5, 25), "la", "done")} <= (
        _got(items, "Abe Assess"))
    assert ("phase_transfer_review", D(2026, 2, 14), "la", "done") in _got(items, "Tom Transfer")
    assert ("amended_plan", D(2026, 7, 5), "la", "done") in _got(items, "Rae Review")
    # RULES v2: an appeal lodged on 2 Mar meets the window of the latest appealable decision on or before it
    # (plan-amended, 11 Feb), and no other.
    ada = _got(items, "Ada Appeal")
    assert ("appeal_deadline", D(2026, 4, 7), "parent", "open") in ada
    assert ("appeal_deadline", D(2026, 4, 13), "parent", "done") in ada
    assert ("appeal_deadline", D(2026, 9, 1), "parent", "open") in ada
    assert ("reassessment_decision", D(2026, 3, 7), "la", "open") in _got(items, "Ann Annual")
    assert ("reassessment_decision", D(2026, 3, 12), "la", "done") in _got(items, "Rex Reassess")
    assert ("reassessment_plan", D(2026, 6, 4), "la", "open") in _got(items, "Rex Reassess")
    assert ("tribunal_order", D(2026, 3, 9), "la", "open") in _got(items, "Mo Mediate")
    assert _got(items, None) == {
        ("npq_enrolment", D(2024, 11, 1), "school", "done"),
        ("senco_qualification", D(2027, 2, 28), "school", "done"),
        ("information_report", D(2026, 3, 1), "school", "done"),
        ("information_report", D(2027, 3, 1), "school", "open"),
    }


@pytest.mark.parametrize(("settings", "year", "due"), [
    ("phase:secondary", 11, D(2026, 3, 30)),  # transfer to post-16: 31 March, so the 30th
    ("phase:all-through", 11, D(2026, 3, 30)),
    ("phase:infant", 2, D(2026, 2, 14)),
    ("phase:junior", 6, D(2026, 2, 14)),
    ("phase:middle transfer-years:8", 8, D(2026, 2, 14)),
    ("phase:special transfer-years:6,11", 11, D(2026, 3, 30)),
])
def test_phase_transfer_review_by_phase(chat, probe, engine, school, settings, year, due):
    chat.ok("admin", f'pupil add "Tia Transfer" year:{year}')
    chat.ok("admin", f'pupil add "Nia Nottransfer" year:{year - 1}')
    chat.ok("admin", "ehcp issued tia 2025-06-10")
    chat.ok("admin", "ehcp issued nia 2025-06-10")
    before = {k for k, *_ in probe.deadlines(probe.pid("Tia Transfer"))}
    assert ("phase_transfer_review" in before) == (year == 6)  # Oak Primary transfers Year 6
    chat.ok("admin", f"settings {settings}")
    tia = probe.pid("Tia Transfer")
    # Changing the phase recomputes at once.
    assert ("phase_transfer_review", due, False) in probe.deadlines(tia)
    items = _due(engine, school)
    status = "open" if due >= TODAY else "overdue"
    assert ("phase_transfer_review", due, "la", status) in _got(items, "Tia Transfer")
    assert "phase_transfer_review" not in {k for k, *_ in _got(items, "Nia Nottransfer")}
    # A no-amend decision in this academic year, on or before the day, meets it.
    chat.record("admin", f"decision tia {due.isoformat()} no-amend")
    assert ("phase_transfer_review", due, True) in probe.deadlines(tia)


def test_year_groups_advance_each_september(chat, probe, engine, school):
    chat.ok("admin", 'pupil add "Fay Five" year:5')
    chat.ok("admin", "ehcp issued fay 2025-06-10")
    assert "phase_transfer_review" not in {k for k, *_ in probe.deadlines(probe.pid("Fay Five"))}
    # In 2026/27 Fay is in Year 6: her transfer review is due 14 Feb 2027.
    items = _due(engine, school, D(2026, 9, 10))
    assert ("phase_transfer_review", D(2027, 2, 14), "la", "open") in _got(items, "Fay Five")

"""Teaching groups (many pupils × many groups × many staff), the ta role, census codes, the census pre-flight,
the register export and the provision map — through the command language, on SQLite and PostgreSQL."""

from datetime import date
from typing import Any

from bot.register.csv_import import read_register

SETS = {
    "Ava Smith": "10X1,10Y2",
    "Ben Brown": "10Y2",
    "Cara Diaz": "10Z3,10M1",
    "Dan Evans": "10M1",
    "Eve Ford": "11A1",  # taught by no one in the test
    "Finn Green": "10X1",
}


def secondary(chat: Any) -> Any:
    chat.ok("admin", "staff add @tom role:teacher class:10X1,10Y2,10Z3")
    chat.ok("admin", "staff add @tia role:ta class:10M1")
    chat.ok("admin", "staff add @sue role:senco")
    chat.ok("admin", "settings phase:secondary")
    for name, groups in SETS.items():
        chat.ok("admin", f'pupil add "{name}" year:10 class:{groups}')
    return chat


def names(reply_text: str) -> set[str]:
    return {n for n in SETS if n in reply_text}


def test_a_teacher_of_three_sets_sees_exactly_the_pupils_of_those_sets(chat: Any) -> None:
    secondary(chat)
    listed = chat.ok("tom", "pupil list").as_text()
    assert names(listed) == {"Ava Smith", "Ben Brown", "Cara Diaz", "Finn Green"}
    chat.ok("tom", "pupil show ava")  # in two of his sets
    chat.ok("tom", "pupil show cara")  # in one of his sets and one he does not teach
    refused = chat.refused("tom", "pupil show dan").as_text()  # only in 10M1
    assert "Dan" not in refused  # a refusal never reveals another class's pupil
    chat.refused("tom", "pupil show eve")
    assert names(chat.ok("tom", "pupil list class:10Y2").as_text()) == {"Ava Smith", "Ben Brown"}
    assert names(chat.ok("sue", "pupil list class:10M1").as_text()) == {"Cara Diaz", "Dan Evans"}


def test_a_ta_records_and_reviews_interventions_for_the_pupils_they_support_and_nothing_else(chat: Any) -> None:
    secondary(chat)
    assert names(chat.ok("tia", "pupil list").as_text()) == {"Cara Diaz", "Dan Evans"}
    chat.ok("tia", 'intervention add dan "Lego therapy" review:+6w')
    chat.ok("tia", 'intervention review dan "Lego therapy" today outcome:continue')
    assert "Teaching assistants record and review interventions" in chat.refused(
        "tia", "support start dan today").as_text()
    chat.refused("tia", "meeting dan today")
    chat.refused("tia", 'intervention add ava "Lexia" review:+6w')  # not a pupil they support
    assert "Teaching assistants" in chat.refused("tia", 'pupil add "New Pupil" year:10 class:10M1').as_text()


def test_groups_are_checked_and_stored_as_a_list(chat: Any) -> None:
    chat.refused("admin", 'pupil add "Gil Hart" year:9 class:9X!')
    r = chat.refused("admin", "staff add @ann role:teacher class:10X1,bad*group")
    assert "'bad*group' is not a class or set name" in r.as_text()
    chat.ok("admin", 'pupil add "Gil Hart" year:9 class:"9X1, 9y2 9X1"')
    assert "Class: 9X1,9y2" in chat.ok("admin", "pupil show gil").as_text()


def test_need_codes_are_shown_listed_and_refused_when_not_census_codes(chat: Any) -> None:
    chat.ok("admin", 'pupil add "Ava Smith" year:5 need:asd need2:slcn')
    chat.ok("admin", 'pupil add "Ben Brown" year:5 need:SEMH')
    shown = chat.ok("admin", "pupil show ava").as_text()
    assert "Primary need: ASD (Autistic spectrum disorder)" in shown
    assert "Secondary need: SLCN" in shown
    assert "Census provision: N" in shown
    chat.ok("admin", "support start ava 01/09/2025")
    assert "Census provision: K" in chat.ok("admin", "pupil show ava").as_text()
    listed = chat.ok("admin", "pupil list need:asd").as_text()
    assert "Ava Smith" in listed and "Ben Brown" not in listed
    assert "Ava Smith" in chat.ok("admin", "pupil list need:SLCN").as_text()
    r = chat.refused("admin", 'pupil add "Cara Diaz" year:5 need:AUTISM')
    assert "need: takes a census SEN type code: SPLD, MLD" in r.as_text()
    assert "give the primary need too" in chat.refused("admin", 'pupil add "Cara Diaz" year:5 need2:HI').as_text()
    chat.refused("admin", "pupil list need:XYZ")


def test_census_preflight_catches_each_listed_error(chat: Any) -> None:
    chat.ok("admin", 'pupil add "Nia Sahota" year:4 need:NSA')  # NSA without K
    chat.ok("admin", 'pupil add "Kit Jones" year:4')  # K without a primary need
    chat.ok("admin", "support start kit 01/09/2025")
    chat.ok("admin", 'pupil add "Eli Park" year:4')  # E without a primary need
    chat.ok("admin", "ehcp issued eli 01/06/2024")
    chat.ok("admin", 'pupil add "Ok Person" year:4 need:MLD')  # fine
    chat.ok("admin", "support start ok 01/09/2025")
    # E without a plan recorded, and a secondary need without a primary one, come from an MIS import (commands
    # refuse the second outright).
    rows, errors = read_register(
        "UPN,Forename,Surname,Year,SEN Provision,Primary Need,Secondary Need,EHC Plan Date\n"
        "A123456789012,Pat,Quinn,4,E,ASD,,\n")
    assert not errors
    from bot.register.csv_import import apply_register, operator
    from db.engine import transaction

    with transaction(chat.engine) as session:
        apply_register(session, operator(session, chat.school_id), rows, chat.today)
        from sqlmodel import select

        from db.models import Pupil
        ok = session.exec(select(Pupil).where(Pupil.name == "Ok Person")).one()
        ok.need, ok.need2 = None, "HI"  # as an older import or a direct edit could leave it
        session.add(ok)
    chat.refused("sue", "census")  # not on the staff list: no one but staff
    text = chat.ok("admin", "census").as_text()
    assert "Nia Sahota (#1) — Year 4, provision N" in text and "need NSA is only for SEN support (K)" in text
    assert "Kit Jones" in text and "provision K but no primary need" in text
    assert "Eli Park" in text and "provision E but no primary need" in text
    assert "Pat Quinn" in text and "provision E but no EHC plan recorded" in text
    assert "Ok Person" in text and "a secondary need but no primary need" in text
    assert "5 pupils would fail" in text


def test_census_and_register_export_are_for_the_senco_and_admins(chat: Any) -> None:
    secondary(chat)
    for who in ("tom", "tia"):
        chat.refused(who, "census")
        chat.refused(who, "export register")
    chat.ok("sue", "census")


def test_the_register_export_reads_back_in(chat: Any) -> None:
    chat.ok("admin", 'pupil add "Ava Smith" year:5 class:5B upn:A123456789012 dob:2016-01-02 need:ASD need2:HI')
    chat.ok("admin", "support start ava 01/09/2025")
    chat.ok("admin", 'pupil add "Ben Brown" year:6 need:SEMH')
    chat.ok("admin", "ehcp issued ben 03/03/2023")
    chat.ok("admin", "ehcp reviewed ben 01/02/2026")
    chat.ok("admin", 'pupil add "Cara Diaz" year:3')  # no SEN: not on the register
    reply = chat.ok("admin", "export register")
    assert reply.attachment is not None
    rows, errors = read_register(reply.attachment)
    assert not errors
    assert [(r.name, r.upn, r.year, r.class_name, r.dob, r.provision, r.need, r.need2, r.sen_start, r.plan_date,
             r.review_date) for r in rows] == [
        ("Ava Smith", "A123456789012", "5", "5B", date(2016, 1, 2), "K", "ASD", "HI", date(2025, 9, 1), None, None),
        ("Ben Brown", None, "6", None, None, "E", "SEMH", None, None, date(2023, 3, 3), date(2026, 2, 1)),
    ]


def test_a_group_intervention_shows_in_each_record_and_once_in_the_provision_totals(chat: Any) -> None:
    secondary(chat)
    chat.ok("admin", 'settings hourly-cost:"ta=18 teacher=40"')
    r = chat.ok("tia", 'intervention add cara "Talk Boost" review:+6w also:"dan" sessions:3 minutes:30 '
                       'start:2026-01-05')
    assert "for Cara Diaz, Dan Evans; 3×30 min a week" in r.as_text()
    for who in ("cara", "dan"):
        assert "Interventions running: Talk Boost" in chat.ok("sue", f"pupil show {who}").as_text()
    chat.ok("tom", 'intervention add ava "Lexia" review:+6w sessions:2 minutes:20 start:2026-01-05')
    chat.ok("tia", 'intervention add dan "Fine motor" review:+6w')  # no sessions: not counted
    pm = chat.ok("sue", "provision").as_text()
    # This term is the estimated spring term, 5 Jan – 27 Mar 2026: 60 school days = 12 weeks.
    # Talk Boost: 3 × 0.5 h × 12 = 18 h of TA time at £18 = £324, once; Lexia: 2 × 1/3 h × 12 = 8 h at £40 = £320.
    assert "Staff hours: 26.0" in pm, pm
    assert "Cost: £644.00" in pm, pm
    assert "Interventions: 2" in pm
    assert "Cara Diaz (#3): 18.0 h, £162.00" in pm  # half of the group's cost each
    assert "Dan Evans (#4): 18.0 h, £162.00" in pm
    assert "Ava Smith (#1): 8.0 h, £320.00" in pm
    assert "1 intervention without sessions:/minutes: left out" in pm
    one = chat.ok("sue", "provision dan").as_text()
    assert "Dan Evans" in one and "Cara Diaz" not in one
    tom = chat.ok("tom", "provision").as_text()
    assert "Ava Smith (#1)" in tom and "Dan Evans" not in tom  # a teacher sees only their pupils
    assert "hourly-cost:" in chat.refused("admin", "settings hourly-cost:ta=lots").as_text()


def test_a_teacher_of_several_sets_sees_the_deadlines_of_those_pupils_only(chat: Any) -> None:
    secondary(chat)
    for who in ("ava", "cara", "dan", "eve"):
        chat.ok("admin", f"support start {who} 01/02/2026")
    due = chat.ok("tom", "due term").as_text()
    assert names(due) == {"Ava Smith", "Cara Diaz"}
    assert names(chat.ok("tom", "due term all").as_text()) == {"Ava Smith", "Cara Diaz"}
    assert names(chat.ok("tia", "due term").as_text()) == {"Cara Diaz", "Dan Evans"}
    assert names(chat.ok("sue", "due term").as_text()) == {"Ava Smith", "Cara Diaz", "Dan Evans", "Eve Ford"}

"""Terms and closure days (RULES v2) on SQLite and PostgreSQL: terms never run out, half-terms and closures,
term edit/remove, and importing a half-term calendar."""

from datetime import date
from pathlib import Path

import icalendar

from bot.services.school import import_terms
from bot.term_import import read_calendar_file
from db import models as m
from db.engine import transaction


def test_a_school_left_running_for_three_years_still_gets_parent_meeting_deadlines(chat, probe):
    chat.ok("admin", 'pupil add "Ava Smith" year:1')
    chat.ok("admin", "support start ava 2026-01-05")
    ava = probe.pid("Ava Smith")
    later = date(2029, 3, 1)
    reply = chat.ok("admin", "due term all", today=later)
    assert "Termly parent meeting" in reply.as_text()
    # Every term that has started by then (three a year) and the next one to start.
    meetings = sorted(d for k, d, _ in probe.deadlines(ava) if k == "parent_meeting")
    assert [d for d in meetings if date(2028, 9, 1) <= d <= date(2029, 8, 31)] == [
        date(2028, 12, 15), date(2029, 3, 23), date(2029, 7, 20)]
    # The calendar holds that academic year and the next, all estimated, with half-terms.
    terms = probe.rows(m.Term)
    starts = {t.start.year if t.start.month >= 9 else t.start.year - 1 for t in terms}
    assert {2028, 2029} <= starts
    assert all(t.half_term_start for t in terms if t.estimated)


def test_term_add_with_a_half_term_edit_and_remove(chat, probe):
    chat.ok("admin", 'term add "Autumn 2026" 2026-09-03 2026-12-18 half-term:2026-10-26..2026-10-30')
    t = probe.one(m.Term, name="Autumn 2026")
    assert (t.half_term_start, t.half_term_end, t.estimated) == (date(2026, 10, 26), date(2026, 10, 30), False)
    assert "half-term" in chat.ok("admin", "term list").as_text()
    outside = 'term add "Spring 2027" 2027-01-04 2027-03-26 half-term:2027-04-01..2027-04-02'
    probe.refused_unchanged(chat, "admin", outside)
    probe.refused_unchanged(chat, "admin", 'term add "Spring 2027" 2027-01-04 2027-03-26 half-term:soon')
    probe.refused_unchanged(chat, "admin", 'term edit "Nope" 2026-09-03 2026-12-18')
    chat.ok("admin", 'term edit "Autumn 2026" 2026-09-02 2026-12-17')
    t = probe.one(m.Term, name="Autumn 2026")
    assert (t.start, t.end, t.half_term_start) == (date(2026, 9, 2), date(2026, 12, 17), date(2026, 10, 26))
    chat.ok("admin", 'term remove "Autumn 2026"')
    assert probe.rows(m.Term, name="Autumn 2026") == []
    # The year is not left without an autumn: estimated terms fill it again only if the year has none at all;
    # here spring and summer 2026/27 are still there, so the gap stays for a person to fill.
    assert probe.audit()[-1].action == "term.remove"


def test_a_year_with_no_terms_left_gets_estimated_ones_again(chat, probe):
    for t in probe.rows(m.Term):
        if t.start >= date(2026, 9, 1):
            chat.ok("admin", f'term remove "{t.name}"')
    names = [t.name for t in probe.rows(m.Term) if t.start >= date(2026, 9, 1)]
    assert len(names) == 3 and all("(estimated)" in n for n in names)


def test_closure_days(staffed, probe):
    chat = staffed
    chat.ok("admin", 'closure add 2026-09-01 "INSET day"')
    chat.ok("admin", 'closure add 2026-01-05 2026-01-06 "INSET"')
    listed = chat.ok("sue", "closure list")
    assert len(listed.items) == 2 and "INSET day" in listed.as_text()
    probe.refused_unchanged(chat, "admin", 'closure add 2026-09-01 "again"')  # already closed
    probe.refused_unchanged(chat, "admin", 'closure add 2026-09-03 2026-09-02 "backwards"')
    probe.refused_unchanged(chat, "admin", "closure add 2026-09-03")  # why?
    probe.refused_unchanged(chat, "alice", 'closure add 2026-09-10 "INSET"')  # admins only
    chat.ok("admin", "closure remove 2026-01-06")
    assert [(c.start, c.end) for c in probe.rows(m.Closure)] == [(date(2026, 9, 1), date(2026, 9, 1))]


HALF_TERMS_CSV = """name,start,end
Autumn 1,2026-09-03,2026-10-23
Autumn 2,2026-11-02,2026-12-18
Spring 1,2027-01-05,2027-02-12
Spring 2,2027-02-22,2027-03-26
Summer 1,2027-04-12,2027-05-28
Summer 2,2027-06-07,2027-07-21
"""


def test_importing_half_terms_gives_three_terms_and_the_right_parent_meetings(chat, probe, engine, school,
                                                                               tmp_path: Path):
    chat.ok("admin", 'pupil add "Ava Smith" year:1')
    chat.ok("admin", "support start ava 2026-01-05")
    path = tmp_path / "terms.csv"
    path.write_text(HALF_TERMS_CSV, encoding="utf-8")
    found = read_calendar_file(path)
    assert found.merged == 3 and len(found.terms) == 3
    with transaction(engine) as session:
        import_terms(session, school, found.terms, date(2026, 10, 1), found.closures)
    real = sorted((t.name, t.start, t.end, t.half_term_start, t.half_term_end)
                  for t in probe.rows(m.Term, estimated=False))
    assert real == sorted([
        ("Autumn 2026", date(2026, 9, 3), date(2026, 12, 18), date(2026, 10, 24), date(2026, 11, 1)),
        ("Spring 2027", date(2027, 1, 5), date(2027, 3, 26), date(2027, 2, 13), date(2027, 2, 21)),
        ("Summer 2027", date(2027, 4, 12), date(2027, 7, 21), date(2027, 5, 29), date(2027, 6, 6)),
    ])
    chat.ok("admin", "due", today=date(2027, 6, 1))
    ava = probe.pid("Ava Smith")
    in_year = [d for k, d, _ in probe.deadlines(ava)
               if k == "parent_meeting" and date(2026, 9, 1) <= d <= date(2027, 8, 31)]
    assert sorted(in_year) == [date(2026, 12, 18), date(2027, 3, 26), date(2027, 7, 21)]  # three, not six


def test_an_ics_with_inset_days_and_half_term_events(chat, probe, engine, school, tmp_path: Path):
    cal = icalendar.Calendar()
    cal.add("prodid", "-//sendbot tests//EN")
    cal.add("version", "2.0")
    for n, (summary, start, end) in enumerate([
        ("Autumn Term 2026", date(2026, 9, 2), date(2026, 12, 19)),
        ("Half Term", date(2026, 10, 26), date(2026, 10, 31)),
        ("INSET day", date(2026, 9, 2), date(2026, 9, 3)),
        ("Staff training day", date(2026, 11, 2), date(2026, 11, 3)),
    ]):
        event = icalendar.Event()
        event.add("uid", f"e{n}@test")
        event.add("summary", summary)
        event.add("dtstart", start)
        event.add("dtend", end)
        cal.add_component(event)
    path = tmp_path / "la.ics"
    path.write_bytes(cal.to_ical())
    found = read_calendar_file(path)
    assert [(t.name, t.half_term) for t in found.terms] == [
        ("Autumn Term 2026", (date(2026, 10, 26), date(2026, 10, 30)))]
    assert [(a, b) for a, b, _ in found.closures] == [(date(2026, 9, 2), date(2026, 9, 2)),
                                                       (date(2026, 11, 2), date(2026, 11, 2))]
    with transaction(engine) as session:
        import_terms(session, school, found.terms, date(2026, 3, 2), found.closures)
    assert len(probe.rows(m.Closure)) == 2


def test_an_admin_is_reminded_in_june_while_next_years_terms_are_estimates(chat, probe):
    june = chat.ok("admin", "digest", today=date(2026, 6, 8)).as_text()
    assert "Term dates for 2026/27 are still estimates" in june
    assert "still estimates" not in chat.ok("admin", "digest", today=date(2026, 5, 11)).as_text()
    chat.ok("admin", 'term add "Autumn 2026" 2026-09-03 2026-12-18', today=date(2026, 6, 8))
    assert "still estimates" not in chat.ok("admin", "digest", today=date(2026, 6, 9)).as_text()

"""The fast paths of issue 12 behave as the slow ones did: lookups, bounded lists, upkeep by the scheduler.

(How fast they are is measured by bench/run.py, never asserted here.)
"""

from datetime import date, timedelta

from sqlmodel import select

import db.models as m
from bot.services.deadlines import maintain
from db.engine import transaction

TODAY = date(2026, 3, 2)  # as the chat fixture acts


def words(engine, pupil_id: int) -> list[str]:
    with transaction(engine) as session:
        return list(session.exec(select(m.PupilNameWord.word).where(m.PupilNameWord.pupil_id == pupil_id)
                                 .order_by(m.PupilNameWord.position)).all())


def test_a_pupil_is_found_by_name_word_prefix_and_upn_without_revealing_others(staffed, probe):
    chat = staffed
    chat.ok("admin", 'pupil add "Ava Mae Smith" year:5 class:5B upn:A123456789012')
    ava = probe.pid("Ava Mae Smith")
    assert words(probe.engine, ava) == ["ava mae smith", "ava", "mae", "smith"]
    assert "Ava Mae Smith" in chat.ok("sue", "pupil show mae").title
    assert "Ava Mae Smith" in chat.ok("sue", 'pupil show "AVA MAE S"').title
    assert "Ava Mae Smith" in chat.ok("sue", 'pupil show "ava mae smith"').title
    assert "Ava Mae Smith" in chat.ok("sue", "pupil show a123456789012").title
    # "smith" is a word of two names: a clear question, naming both.
    reply = chat.refused("sue", "pupil show smith")
    assert "could be" in reply.title and "Ava Smith" in reply.title and "Ava Mae Smith" in reply.title
    # A typo gets a suggestion drawn from similar names.
    assert "Did you mean Cara Diaz" in chat.refused("sue", 'pupil show "cara diax"').title
    # Alice teaches 5B: Ben Brown (Bob's pupil) is no one to her, however he is asked for.
    for ref in ("brown", '"Ben Brown"', "be"):
        reply = chat.refused("alice", f"pupil show {ref}")
        assert "I don't know a pupil called" in reply.title and "(#" not in reply.title, reply.title
    # Erasing a pupil takes their name words with them.
    chat.ok("admin", "erase mae")
    assert words(probe.engine, ava) == []


def test_a_short_prefix_lists_a_few_and_says_how_many_more(chat, probe):
    for n in range(12):
        chat.ok("admin", f'pupil add "Zed Number{n:02d}" year:4')
    reply = chat.refused("admin", "pupil show zed")
    assert "Zed Number00" in reply.title and "Zed Number07" in reply.title
    assert "Zed Number08" not in reply.title and "and 4 more" in reply.title


def test_renaming_a_pupil_keeps_the_lookup_in_step(chat, probe, engine):
    chat.ok("admin", 'pupil add "Ava Smith" year:5')
    pid = probe.pid("Ava Smith")
    with transaction(engine) as session:
        pupil = session.get(m.Pupil, pid)
        assert pupil is not None
        pupil.name = "Ava Jones"
        session.add(pupil)
    assert "Ava Jones" in chat.ok("admin", "pupil show jon").title
    assert "I don't know a pupil called 'smith'" in chat.refused("admin", "pupil show smith").title


def test_a_long_due_list_shows_the_first_fifty_and_how_to_narrow_it(chat, probe):
    for n in range(55):
        chat.ok("admin", f'pupil add "Pupil Number{n:02d}" year:4')
        chat.ok("admin", f'intervention add Number{n:02d} "Reading" review:{(TODAY + timedelta(days=3)):%d/%m/%Y}')
    reply = chat.ok("admin", "due week")
    assert reply.title == "Due in the next 7 days (whole school): 55"
    assert len(reply.items) == 50
    assert reply.lines == ["Showing the first 50 of 55. Narrow it down: /sen due overdue or /sen due week mine."]
    # The home view (Slack's App Home, rebuilt after every change) too.
    home = chat.ok("admin", "home")
    assert len(home.items) == 50
    assert "…and 5 more: /sen due overdue or /sen due week shows a shorter list." in home.lines
    # The digest's sections are bounded the same way, and still count everything.
    text = chat.ok("admin", "digest").as_text()
    assert "*Due this week* (55)" in text and "… and 5 more" in text


def test_a_new_term_is_applied_by_the_scheduler_upkeep_not_a_command(chat, probe, engine):
    chat.ok("admin", 'pupil add "Ava Smith" year:5')
    chat.ok("admin", "support start ava 8/9/2025")
    ava = probe.pid("Ava Smith")
    terms = sorted((t.start, t.end) for t in probe.rows(m.Term, school_id=probe.school_id))
    summer = next(start for start, _ in terms if start > TODAY)
    after = next(start for start, _ in terms if start > summer)  # the term after: listed from summer on
    assert after not in {d for k, d, _ in probe.deadlines(ava)} | {e for k, e, _ in probe.deadlines(ava)}
    # An ordinary new day: nothing to recompute, the rows stay those of the spring term.
    chat.ok("admin", "due week", TODAY + timedelta(days=1))
    with transaction(engine) as session:
        assert session.get(m.School, probe.school_id).deadlines_as_of == TODAY  # type: ignore[union-attr]
    # The summer term begins: the scheduler's upkeep brings the school up to date, in batches of one pupil.
    assert maintain(engine, summer, batch=1) == 1
    assert maintain(engine, summer, batch=1) == 0  # already done: a second run changes nothing
    with transaction(engine) as session:
        school = session.get(m.School, probe.school_id)
        assert school is not None and school.deadlines_as_of == summer
        meetings = session.exec(select(m.Deadline).where(m.Deadline.pupil_id == ava,
                                                         m.Deadline.kind == "parent_meeting")).all()
    ends = {t_end for _, t_end in terms}
    assert len(meetings) >= 3 and all(d.due in ends for d in meetings)


def test_the_first_command_of_a_term_is_right_even_without_a_scheduler(chat, probe):
    chat.ok("admin", 'pupil add "Ava Smith" year:5')
    chat.ok("admin", "support start ava 8/9/2025")
    before = len(probe.deadlines(probe.pid("Ava Smith")))
    terms = sorted(t.start for t in probe.rows(m.Term, school_id=probe.school_id))
    summer = next(start for start in terms if start > TODAY)
    chat.ok("admin", "due week", summer)
    assert len(probe.deadlines(probe.pid("Ava Smith"))) == before + 1  # the next term's meeting is listed


def test_year_groups_move_on_at_a_new_academic_year(chat):
    chat.ok("admin", 'pupil add "Ava Smith" year:5')
    september = date(2026, 9, 7)
    assert "Year 6" in chat.ok("admin", "pupil show ava", september).as_text()


def test_a_very_long_due_list_stops_counting_and_still_shows_the_soonest(chat, engine):
    """Past 500, a list says "more than 500" rather than counting every row; the page is still the soonest
    deadlines, even one written last (docs/decisions.md, "Capped lists stop early")."""
    with transaction(engine) as session:
        for n in range(510):
            session.add(m.Deadline(school_id=chat.school_id, key=f"test:{n}", kind="senco_qualification",
                                   due=TODAY + timedelta(days=3 + n % 4), duty="school", rule="Regs 49(4)"))
        session.add(m.Deadline(school_id=chat.school_id, key="test:soonest", kind="senco_qualification",
                               due=TODAY + timedelta(days=1), duty="school", rule="Regs 49(4)", detail="the soonest"))
    reply = chat.ok("admin", "due week")
    assert reply.title == "Due in the next 7 days (whole school): more than 500"
    assert reply.lines == ["Showing the first 50 of more than 500. Narrow it down: /sen due overdue or "
                           "/sen due week mine."]
    assert len(reply.items) == 50 and "the soonest" in reply.items[0].title
    text = chat.ok("admin", "digest").as_text()
    assert "*Due this week* (more than 500)" in text and "… and more than 450 more" in text
    assert "…and more than 450 more: /sen due overdue" in " ".join(chat.ok("admin", "home").lines)

"""The words of the language through real commands: pupil references and every date form (COMMANDS.md, "Words")."""

from datetime import date

import pytest

import db.models as m

TODAY = date(2026, 3, 2)


@pytest.fixture
def pupils(chat, probe):
    chat.ok("admin", 'pupil add "Ava Smith" year:5 class:5B upn:A123456789012')
    chat.ok("admin", 'pupil add "Ava Jones" year:4')
    chat.ok("admin", 'pupil add "Ben Brown" year:6')
    return {p.name: p.id for p in probe.rows(m.Pupil)}


# --- pupil references ---------------------------------------------------------------------------------


@pytest.mark.parametrize("ref", ['"Ava Smith"', '"ava smith"', "smith", "Smi", "#{id}", "A123456789012",
                                 "a123456789012", '"Ava  Smith"'])
def test_every_pupil_reference_form_finds_the_pupil(chat, probe, pupils, ref):
    ref = ref.format(id=pupils["Ava Smith"])
    reply = chat.ok("admin", f"pupil show {ref}")
    assert reply.title == f"Ava Smith (#{pupils['Ava Smith']})"
    # ... and the same reference works in a command that changes something.
    chat.ok("admin", f"meeting {ref} today")
    assert len(probe.rows(m.ParentMeeting, pupil_id=pupils["Ava Smith"])) == 1


def test_a_unique_first_name_prefix_resolves(chat, pupils):
    assert chat.ok("admin", "pupil show be").title == f"Ben Brown (#{pupils['Ben Brown']})"
    assert chat.ok("admin", "pupil show BEN").title == f"Ben Brown (#{pupils['Ben Brown']})"


def test_an_ambiguous_prefix_is_refused_listing_the_candidates(chat, probe, pupils):
    reply = probe.refused_unchanged(chat, "admin", "support start ava today")
    assert f"Ava Smith (#{pupils['Ava Smith']})" in reply.title
    assert f"Ava Jones (#{pupils['Ava Jones']})" in reply.title
    assert "Ben Brown" not in reply.title
    assert probe.rows(m.SupportPeriod) == []


def test_an_unknown_name_is_refused_with_the_closest_names(chat, probe, pupils):
    reply = probe.refused_unchanged(chat, "admin", 'meeting "Ava Smyth" today')
    assert "I don't know a pupil called 'Ava Smyth'" in reply.title
    assert f"Ava Smith (#{pupils['Ava Smith']})" in reply.title
    reply = probe.refused_unchanged(chat, "admin", 'pupil show "Benn Brown"')
    assert f"Ben Brown (#{pupils['Ben Brown']})" in reply.title
    # Nothing close: point at the list.
    reply = probe.refused_unchanged(chat, "admin", "pupil show zebedee")
    assert "pupil list" in reply.title
    for bad in ("#0", "#999", "#x1", "#²", "#99999999999999999999"):
        reply = probe.refused_unchanged(chat, "admin", f"pupil show {bad}")
        assert "pupil" in reply.title


def test_a_teacher_cannot_resolve_pupils_they_do_not_teach(chat, probe, pupils):
    chat.ok("admin", "staff add @alice role:teacher class:5B")
    chat.ok("admin", 'pupil add "Ben Adams" year:5 class:5B')
    chat.ok("admin", 'pupil add "Bea Brown" year:2 upn:C123456789012')
    ben = pupils["Ben Brown"]
    # Ben Brown is not Alice's: "ben" is Ben Adams, not ambiguous with a pupil she can't see.
    assert chat.ok("alice", "pupil show ben").title.startswith("Ben Adams")
    for ref in ("bro", f"#{ben}", "C123456789012", '"Ben Brown"', '"Ben Brwn"', "jones"):
        commands = [f"pupil show {ref}", f"support start {ref} today", f"contact list {ref}", f"meeting {ref} today"]
        for command, reply in zip(commands, probe.refused_all(chat, "alice", commands), strict=True):
            text = reply.as_text()
            # The refusal names no pupil she can't see (only what she typed herself is echoed).
            for hidden in ("Brown", "Jones", "Bea", "Ava Jones"):
                if hidden.lower() not in ref.lower():
                    assert hidden not in text, (command, text)


# --- dates ---------------------------------------------------------------------------------------------

DATE_FORMS = {
    "2026-03-12": date(2026, 3, 12),
    "12/03/2026": date(2026, 3, 12),
    "12/3/26": date(2026, 3, 12),
    "12 Mar 2026": date(2026, 3, 12),
    "12 March 2026": date(2026, 3, 12),
    "12 March": date(2026, 3, 12),  # the next such day
    "12 mar": date(2026, 3, 12),
    "1 March": date(2027, 3, 1),  # 1 March 2026 has passed: the next one
    "2 March": date(2026, 3, 2),  # today is the next such day
    "today": TODAY,
    "TODAY": TODAY,
    "yesterday": date(2026, 3, 1),
    "tomorrow": date(2026, 3, 3),
    "+10d": date(2026, 3, 12),
    "+6w": date(2026, 4, 13),
    "+3m": date(2026, 6, 2),
    "-2w": date(2026, 2, 16),
    "3/4/2026": date(2026, 4, 3),  # day before month, always
}


# COMMANDS v2: for a fact that happened a bare day-month is the latest such day up to today.
HAPPENED_FORMS = {
    "2026-03-01": date(2026, 3, 1),
    "12/02/2026": date(2026, 2, 12),
    "1/2/26": date(2026, 2, 1),
    "1 Mar 2026": date(2026, 3, 1),
    "12 March": date(2025, 3, 12),  # 12 March 2026 is still to come: the latest one is last year's
    "1 March": date(2026, 3, 1),
    "2 March": date(2026, 3, 2),  # today counts
    "12/3": date(2025, 3, 12),
    "today": TODAY,
    "yesterday": date(2026, 3, 1),
    "-2w": date(2026, 2, 16),
    "-1m": date(2026, 2, 2),
}
FUTURE_FORMS = ["tomorrow", "+10d", "2026-03-12", "12 Mar 2026", "3/4/2026"]


def test_every_date_form_through_a_command(chat, probe, pupils):
    ava = pupils["Ava Smith"]
    for n, (form, expected) in enumerate(DATE_FORMS.items()):
        # As an option value for something planned (quoted when it has spaces) ...
        value = f'"{form}"' if " " in form else form
        chat.ok("admin", f'intervention add #{ava} "Lexia {n}" review:{value}')
        iv = probe.one(m.Intervention, pupil_id=ava, what=f"Lexia {n}")
        assert probe.one(m.InterventionReview, intervention_id=iv.id).due == expected, form
        # ... and it is the date the deadlines are computed from.
        assert ("intervention_review", expected, False) in probe.deadlines(ava), form
    # As a positional word (up to three words, unquoted) for a fact that happened ...
    for form, expected in HAPPENED_FORMS.items():
        chat.ok("admin", f"meeting #{ava} {form}")
        assert probe.rows(m.ParentMeeting, pupil_id=ava)[-1].held_on == expected, form
    # ... which may not be in the future: refused, saying what to do instead, and nothing is recorded.
    for form in FUTURE_FORMS:
        reply = probe.refused_unchanged(chat, "admin", f"meeting #{ava} {form}")
        assert "in the future" in reply.title and "log it on the day" in reply.title, (form, reply.title)


def test_dates_as_of_another_today(chat, probe, pupils):
    ava = pupils["Ava Smith"]
    chat.ok("admin", f"meeting #{ava} 12 March", today=date(2026, 3, 20))
    chat.ok("admin", f"meeting #{ava} 12 March", today=date(2026, 3, 11))  # the latest 12 March: last year's
    chat.ok("admin", f"meeting #{ava} -1m", today=date(2026, 3, 31))  # 31 Mar - 1 month: 28 Feb
    assert [x.held_on for x in probe.rows(m.ParentMeeting, pupil_id=ava)] == [
        date(2026, 3, 12), date(2025, 3, 12), date(2026, 2, 28)]
    # Planned: 31 Dec + 3 months is 31 Mar; a bare day-month is the next such day.
    chat.ok("admin", f'intervention add #{ava} "Lexia" review:+3m', today=date(2025, 12, 31))
    chat.ok("admin", f'intervention add #{ava} "Maths" review:"12 March"', today=date(2026, 3, 20))
    assert {r.due for r in probe.rows(m.InterventionReview)} == {date(2026, 3, 31), date(2027, 3, 12)}


def test_a_likely_month_first_date_is_taken_as_typed_and_said_in_words(chat, probe, pupils):
    """03/12 typed on 30 November is 3 December (last year's, for a meeting held); 12 March was more likely meant,
    so the reply says the date in words."""
    ava = pupils["Ava Smith"]
    reply = chat.ok("admin", f"meeting #{ava} 03/12", today=date(2026, 11, 30))
    assert probe.rows(m.ParentMeeting, pupil_id=ava)[-1].held_on == date(2025, 12, 3)
    assert "3 December 2025" in reply.as_text() and "12 March 2026" in reply.as_text()
    # An unambiguous one says nothing extra.
    reply = chat.ok("admin", f"meeting #{ava} 25/11/2026", today=date(2026, 11, 30))
    assert "If you meant" not in reply.as_text()


IMPOSSIBLE = ["31/02/2026", "2026-02-30", "29/02/2026", "31 Apr 2026", "30 February", "31/4/26", "32/01/2026",
              "12/13/2026", "0/1/2026", "2026-00-10"]


def test_impossible_dates_are_refused_never_rolled_over(chat, probe, pupils):
    ava = pupils["Ava Smith"]
    texts = [f"meeting #{ava} {bad}" for bad in IMPOSSIBLE]
    texts += [f'intervention add #{ava} "Lexia" review:"{bad}"' for bad in IMPOSSIBLE]
    for text, reply in zip(texts, probe.refused_all(chat, "admin", texts), strict=True):
        assert "not a real date" in reply.title, (text, reply.title)


def test_unreadable_dates_are_refused_saying_what_would_do(chat, probe, pupils):
    texts = [f"meeting #{pupils['Ava Smith']} {bad}" for bad in ("soon", "12 Marhc 2026", "2026/3", "next week",
                                                                 "12.3")]
    for reply in probe.refused_all(chat, "admin", texts):
        assert "2026-03-12" in reply.title or "Usage" in reply.title, reply.title


def test_dates_centuries_away_are_refused_not_crashed_on(chat, probe, pupils):
    ava = pupils["Ava Smith"]
    texts = [text for far in ("31/12/9999", "0001-01-01", "1/1/2200", "+99999d", "-99999d")
             for text in (f"decision #{ava} {far} refuse-plan", f"assessment requested #{ava} {far}",
                          f"senco appointed @admin {far}", f"settings info-report:{far}",
                          f"support start #{ava} {far}")]
    for text, reply in zip(texts, probe.refused_all(chat, "admin", texts), strict=True):
        assert "year" in reply.title or "too far" in reply.title, (text, reply.title)

"""staff, term, settings, senco, due, digest and help, exactly as COMMANDS.md writes them."""

from datetime import date, datetime

import pytest

import db.models as m
from bot.commands import GRAMMAR

TODAY = date(2026, 3, 2)


# --- staff -----------------------------------------------------------------------------------------------


def test_staff_add_every_form_and_list(chat, probe):
    chat.ok("admin", "staff add @alice role:teacher class:5B")
    chat.ok("admin", "staff add <@U123ABC|bob> role:teacher")
    chat.ok("admin", "staff add <@U456DEF> role:senco")
    chat.ok("admin", 'staff add carol role:leader name:"Carol Cole"')
    chat.ok("admin", "staff add @dave role:admin")
    got = {s.handle: (s.role, s.class_name, s.display_name) for s in probe.rows(m.Staff)}
    assert got == {"admin": ("admin", None, None), "alice": ("teacher", "5B", None),
                   "u123abc": ("teacher", None, "bob"), "u456def": ("senco", None, None),
                   "carol": ("leader", None, "Carol Cole"), "dave": ("admin", None, None)}
    # Adding someone again changes their role.
    reply = chat.ok("admin", "staff add @ALICE role:senco")
    assert reply.title == "Updated @alice as senco of class 5B."
    assert probe.one(m.Staff, handle="alice").role == "senco"
    reply = chat.ok("admin", "staff list")
    assert reply.title == "6 staff"
    assert "@u123abc (bob) — teacher" in [i.title for i in reply.items]
    assert "@alice — senco, class 5B" in [i.title for i in reply.items]
    # Someone added with a Slack mention can then act under their platform id.
    chat.ok("u123abc", "due")
    chat.ok("U123ABC", "due")


def test_staff_add_refusals(chat, probe):
    for text, why in {"staff add @x role:boss": "teacher, ta, senco, leader, admin",
                      "staff add @x": "role:",
                      "staff add @bad! role:teacher": "not a usable handle",
                      "staff add <#C123|general> role:teacher": "channel",
                      "staff add <!here> role:teacher": "group mention",
                      "staff add @admin role:teacher": "only admin",
                      "staff add @x role:teacher room:5B": "class:"}.items():
        reply = probe.refused_unchanged(chat, "admin", text)
        assert why in reply.as_text(), (text, reply.as_text())


# --- terms -----------------------------------------------------------------------------------------------


def _terms(probe) -> list[tuple[str, date, date, bool]]:
    return [(t.name, t.start, t.end, t.estimated) for t in sorted(probe.rows(m.Term), key=lambda t: t.start)]


def test_term_add_replaces_overlapping_estimates(chat, probe):
    before = _terms(probe)
    assert len(before) == 6 and all(est for *_, est in before)
    reply = chat.ok("admin", 'term add "Spring 2026" 2026-01-05 2026-03-31')
    assert reply.lines == ["It replaces 1 estimated term."]
    # A real term overlapping two estimates replaces both.
    reply = chat.ok("admin", 'term add "Summer and autumn" 2026-06-01 2026-09-30')
    assert reply.lines == ["It replaces 2 estimated terms."]
    assert _terms(probe) == [
        ("Autumn 2025/26 (estimated)", date(2025, 9, 2), date(2025, 12, 19), True),
        ("Spring 2026", date(2026, 1, 5), date(2026, 3, 31), False),
        ("Summer and autumn", date(2026, 6, 1), date(2026, 9, 30), False),
        ("Spring 2026/27 (estimated)", date(2027, 1, 4), date(2027, 3, 19), True),
        ("Summer 2026/27 (estimated)", date(2027, 4, 5), date(2027, 7, 22), True),
    ]
    reply = chat.ok("admin", "term list")
    assert reply.title == "5 terms"
    assert "Spring 2026: Mon 05 Jan 2026 – Tue 31 Mar 2026" in [i.title for i in reply.items]
    assert any("estimated" in line for line in reply.lines)


def test_term_add_refusals(chat, probe):
    chat.ok("admin", 'term add "Spring 2026" 2026-01-05 2026-03-31')
    for text, why in {'term add "Overlap" 2026-03-30 2026-04-20': "overlaps 'Spring 2026'",
                      'term add "Inside" 2026-02-01 2026-02-10': "overlaps 'Spring 2026'",
                      'term add "Backwards" 2026-04-20 2026-04-13': "before it starts",
                      'term add "Summer" 2026-04-13': "<end>",
                      'term add 2026-04-13 2026-07-20': "<end>",
                      'term add "Year" 2026-09-01 2027-07-20': "longer than a school term",
                      'term add "Bad" 2026-04-13 31/06/2026': "not a real date"}.items():
        reply = probe.refused_unchanged(chat, "admin", text)
        assert why in reply.as_text(), (text, reply.as_text())


def test_parent_meetings_follow_the_real_terms(chat, probe):
    chat.ok("admin", 'pupil add "Ava Smith" year:5')
    ava = probe.pid("Ava Smith")
    chat.ok("admin", "support start ava 2026-01-05")
    assert probe.deadlines(ava) == {("parent_meeting", date(2026, 3, 27), False),
                                    ("parent_meeting", date(2026, 7, 22), False)}
    chat.ok("admin", 'term add "Spring 2026" 2026-01-05 2026-03-31')
    assert probe.deadlines(ava) == {("parent_meeting", date(2026, 3, 31), False),
                                    ("parent_meeting", date(2026, 7, 22), False)}
    chat.ok("admin", 'term add "Summer 2026" 2026-04-14 2026-07-17')
    assert probe.deadlines(ava) == {("parent_meeting", date(2026, 3, 31), False),
                                    ("parent_meeting", date(2026, 7, 17), False)}
    # A meeting on a day of the real spring term (after the estimated one would have ended) meets it.
    chat.ok("admin", "meeting ava 2026-03-30")
    assert ("parent_meeting", date(2026, 3, 31), True) in probe.deadlines(ava)
    # A meeting in the holiday between real terms meets neither.
    chat.ok("admin", "meeting ava 2026-04-13")
    assert ("parent_meeting", date(2026, 7, 17), False) in probe.deadlines(ava)


# --- settings --------------------------------------------------------------------------------------------


def test_settings_show(chat, probe):
    chat.ok("admin", "staff add @sue role:senco")
    chat.ok("admin", "staff add @lee role:leader")
    for who in ("admin", "sue", "lee"):
        reply = chat.ok(who, "settings")
        assert reply.title == "Settings for Oak Primary"
        # Every key COMMANDS.md names, with its default (more may be shown).
        assert dict(reply.fields).items() >= {
            "phase": "primary", "transfer-years": "6", "info-report": "not recorded", "reminder-time": "08:00",
            "digest-day": "monday", "reminders-channel": "none", "names-in-feeds": "no"}.items()


@pytest.mark.parametrize(("option", "key", "shown"), [
    ("phase:secondary", "phase", "secondary"),
    ("phase:ALL-THROUGH", "phase", "all-through"),
    ("transfer-years:6,11", "transfer-years", "6,11"),
    ("transfer-years:R,Y2", "transfer-years", "0,2"),
    ('transfer-years:"6, 9"', "transfer-years", "6,9"),
    ("info-report:2025-09-01", "info-report", "2025-09-01"),
    ("reminder-time:07:30", "reminder-time", "07:30"),
    ("reminder-time:16", "reminder-time", "16:00"),
    ("digest-day:fri", "digest-day", "friday"),
    ("digest-day:Sunday", "digest-day", "sunday"),
    ("reminders-channel:#sen-team", "reminders-channel", "#sen-team"),
    ("names-in-feeds:yes", "names-in-feeds", "yes"),
])
def test_settings_change_each_key(chat, probe, option, key, shown):
    reply = chat.ok("admin", f"settings {option}")
    assert reply.title == "Settings changed."
    assert dict(reply.fields)[key] == shown
    assert dict(chat.ok("admin", "settings").fields)[key] == shown
    school = probe.one(m.School, id=probe.school_id)
    stored = {"phase": school.phase, "transfer-years": school.transfer_years,
              "info-report": school.settings.get("info-report-last")}.get(key, school.settings.get(key))
    assert stored == shown
    assert probe.audit()[-1].action == "settings.change"


def test_settings_change_several_at_once_and_refusals(chat, probe):
    chat.ok("admin", "settings phase:secondary digest-day:friday names-in-feeds:yes reminder-time:09:15")
    school = probe.one(m.School, id=probe.school_id)
    assert school.phase == "secondary"
    assert (school.settings["digest-day"], school.settings["names-in-feeds"], school.settings["reminder-time"]) == (
        "friday", "yes", "09:15")
    for text, why in {"settings phase:college": "primary, infant",
                      "settings transfer-years:6,15": "transfer-years",
                      "settings transfer-years:²": "transfer-years",
                      "settings reminder-time:25:00": "08:00",
                      "settings reminder-time:soon": "08:00",
                      "settings digest-day:someday": "monday",
                      "settings names-in-feeds:maybe": "yes, no",
                      "settings info-report:tomorrow": "future",
                      "settings info-report:31/02/2026": "not a real date",
                      "settings colour:blue": "digest-day:",
                      # every value is checked before any is stored
                      "settings digest-day:tuesday phase:college": "primary"}.items():
        reply = probe.refused_unchanged(chat, "admin", text)
        assert why in reply.as_text(), (text, reply.as_text())


# --- SENCO -----------------------------------------------------------------------------------------------


def test_senco_appointed_and_qualified(chat, probe):
    chat.ok("admin", "staff add @sue role:teacher")
    chat.ok("admin", "staff add @sam role:senco")
    reply = chat.ok("admin", "senco appointed @sue 2025-09-01")
    assert reply.lines == ["The NPQ for SENCOs must be gained by Fri 01 Sep 2028 (Regs 49(4))."]
    sue = probe.one(m.Staff, handle="sue")
    assert sue.role == "senco"  # the appointed SENCO sees the whole school
    a = probe.one(m.SencoAppointment, staff_id=sue.id)
    assert (a.appointed_on, a.prior_months, a.qualified_on) == (date(2025, 9, 1), 0, None)
    assert probe.deadlines(None) == {("senco_qualification", date(2028, 9, 1), False)}

    reply = chat.ok("admin", "senco appointed @sam 2026-01-10 prior-months:13")
    assert "No qualification deadline: more than 12 months as a SENCO before (Regs 49(4))." in reply.lines
    chat.ok("admin", "staff add <@U999|Old Hand> role:teacher")
    reply = chat.ok("admin", "senco appointed <@U999|Old Hand> 2009-09-01")  # not after 1 Sep 2009
    assert "No qualification deadline: appointed before 1 Sep 2009 (Regs 49(4))." in reply.lines
    assert probe.deadlines(None) == {("senco_qualification", date(2028, 9, 1), False)}

    reply = chat.ok("sue", "senco qualified @sue 2026-02-01 award:nasenco")
    assert reply.title == "Recorded the NASENCO award gained on Sun 01 Feb 2026. Well done!"
    a = probe.one(m.SencoAppointment, staff_id=sue.id)
    assert (a.qualified_on, a.award) == (date(2026, 2, 1), "nasenco")
    assert probe.deadlines(None) == {("senco_qualification", date(2028, 9, 1), True)}
    reply = chat.ok("admin", "senco qualified @sam 2026-02-01")
    assert "NPQ for SENCOs" in reply.title
    assert probe.one(m.SencoAppointment, staff_id=probe.one(m.Staff, handle="sam").id).award == "npq"


def test_senco_refusals(chat, probe):
    chat.ok("admin", "staff add @sue role:senco")
    for who, text, why in [
        ("admin", "senco appointed @nobody 2025-09-01", "not on the staff list"),
        ("admin", "senco appointed @sue 2025-09-01 prior-months:lots", "whole number"),
        ("admin", "senco appointed @sue 2025-09-01 prior-months:²", "whole number"),
        ("admin", "senco appointed @sue 2025-09-01 prior-months:99999999999999", "too big"),
        ("admin", "senco appointed @sue 2025-09-01 prior-months:601", "prior-months"),
        ("admin", "senco appointed @sue", "<date>"),
        ("sue", "senco appointed @sue 2025-09-01", "Only an admin can record a SENCO appointment; you are a senco."),
        ("admin", "senco qualified @sue 2026-02-01", "no SENCO appointment"),
        ("admin", "senco qualified @sue 2026-02-01 award:mba", "npq, nasenco"),
    ]:
        reply = probe.refused_unchanged(chat, who, text)
        assert why in reply.as_text(), (text, reply.as_text())
    chat.ok("admin", "senco appointed @sue 2025-09-01")
    probe.refused_unchanged(chat, "admin", "senco appointed @sue 2025-09-01")  # the same appointment twice
    reply = probe.refused_unchanged(chat, "sue", "senco qualified @sue 2027-09-01 award:nasenco")
    assert "award:npq" in reply.title


# --- due and digest --------------------------------------------------------------------------------------


@pytest.fixture
def busy(staffed, probe):
    """Deadlines spread over the windows, as of Mon 2 Mar 2026 (estimated spring term ends Fri 27 Mar)."""
    chat = staffed
    chat.ok("admin", 'intervention add ava "Lexia" review:2026-03-05 staff:@alice')
    chat.ok("admin", 'intervention add ava "Maths" review:2026-03-20 staff:@alice')
    chat.ok("admin", "support start ava 2026-01-05")  # parent meeting due 27 Mar
    chat.ok("admin", "assessment requested ben 2026-01-05")  # LA decision due 16 Feb: overdue
    chat.ok("admin", 'intervention add cara "Yoga" review:2026-03-04')  # run by the admin
    chat.ok("admin", 'intervention add cara "Chess" review:2026-03-31')
    chat.ok("admin", 'intervention add cara "Reading buddy" review:2026-03-06 staff:@alice')
    return chat


def _seen(reply) -> list[tuple[date, str]]:
    """(due, pupil's first name) of each listed deadline."""
    out = []
    for item in reply.items:
        due = datetime.strptime(item.title[:15], "%a %d %b %Y").date()
        who = item.title.split(" — ")[1].split()[0] if " — " in item.title else ""
        out.append((due, who))
    return out


ALL_WEEK = [(date(2026, 2, 16), "Ben"), (date(2026, 3, 4), "Cara"), (date(2026, 3, 5), "Ava"),
            (date(2026, 3, 6), "Cara")]
ALL_TERM = [*ALL_WEEK, (date(2026, 3, 20), "Ava"), (date(2026, 3, 27), "Ava")]
ALL_MONTH = [*ALL_TERM, (date(2026, 3, 31), "Cara")]


def test_due_each_window_for_the_whole_school(busy):
    assert _seen(busy.ok("admin", "due overdue")) == [(date(2026, 2, 16), "Ben")]
    assert _seen(busy.ok("admin", "due week")) == ALL_WEEK
    assert _seen(busy.ok("admin", "due month")) == ALL_MONTH
    assert _seen(busy.ok("admin", "due")) == ALL_MONTH  # month is the default
    assert _seen(busy.ok("admin", "due term")) == ALL_TERM
    assert _seen(busy.ok("admin", "due term all")) == ALL_TERM
    assert _seen(busy.ok("admin", "due all term")) == ALL_TERM  # the two words in either order
    assert _seen(busy.ok("sue", "due all")) == ALL_MONTH
    assert _seen(busy.ok("lee", "due")) == ALL_MONTH  # leaders read the whole school's deadlines
    reply = busy.ok("admin", "due overdue")
    assert reply.title == "Overdue (whole school): 1"
    assert "LA late — consider challenging." in reply.items[0].detail


def test_due_mine(busy):
    # Alice: Ava (her class) and the intervention she runs for Cara; "all" can't widen a teacher's view.
    alice = [(date(2026, 3, 5), "Ava"), (date(2026, 3, 6), "Cara"), (date(2026, 3, 20), "Ava"),
             (date(2026, 3, 27), "Ava")]
    assert _seen(busy.ok("alice", "due")) == alice
    assert _seen(busy.ok("alice", "due mine")) == alice
    assert _seen(busy.ok("alice", "due all")) == alice
    assert _seen(busy.ok("alice", "due week mine")) == alice[:2]
    assert busy.ok("alice", "due").title == "Due in the next month (yours): 4"
    # The admin's own: the interventions they run.
    assert _seen(busy.ok("admin", "due mine")) == [(date(2026, 3, 4), "Cara"), (date(2026, 3, 31), "Cara")]
    assert _seen(busy.ok("bob", "due overdue mine")) == [(date(2026, 2, 16), "Ben")]
    assert busy.ok("lee", "due mine").items == []
    assert busy.ok("lee", "due week mine").title == "Due in the next 7 days (yours): nothing. 🎉"


def test_due_refusals(busy, probe):
    for text in ("due soon", "due week mine extra", "due fortnight", "due week:mine"):
        probe.refused_unchanged(busy, "admin", text)


def test_digest(busy):
    reply = busy.ok("sue", "digest")
    assert reply.title == "Weekly SEN digest for Oak Primary, week of Mon 02 Mar 2026 — Spring 2025/26 (estimated)"
    text = "\n".join(reply.lines)
    sections = {line.split("*")[1]: line for line in reply.lines if line.startswith("*")}
    assert set(sections) >= {"Overdue — LA late: consider challenging", "Due this week", "Next four weeks",
                             "On SEN support, no parent meeting yet this term", "Interventions due for review"}
    assert sections["Overdue — LA late: consider challenging"].endswith("(1)")
    assert sections["Due this week"].endswith("(3)")
    assert sections["Next four weeks"].endswith("(3)")
    assert "Ava Smith (#" in sections["On SEN support, no parent meeting yet this term"]
    assert "Ben Brown" in text and "Cara Diaz" in text
    assert busy.ok("lee", "digest").lines == reply.lines  # leaders read the same digest
    # A teacher's digest has only their own pupils and interventions.
    mine = "\n".join(busy.ok("alice", "digest").lines)
    assert "Ava Smith" in mine and "Reading buddy" in mine
    assert "Ben Brown" not in mine and "Yoga" not in mine and "Chess" not in mine
    # A meeting this term takes Ava out of the "no parent meeting" list.
    busy.ok("alice", "meeting ava today")
    assert "no parent meeting" not in "\n".join(busy.ok("sue", "digest").lines)


def test_digest_with_nothing_due(chat):
    reply = chat.ok("admin", "digest")
    assert reply.lines == ["Nothing overdue and nothing due in the next four weeks."]
    probe_reply = chat.refused("admin", "digest now")
    assert "didn't expect" in probe_reply.title


# --- help ------------------------------------------------------------------------------------------------


def test_help_lists_every_command_for_anyone(chat, probe):
    for who in ("admin", "stranger"):
        reply = chat.ok(who, "help")
        text = reply.as_text()
        for command in GRAMMAR.commands:
            assert command.usage in text
    assert chat.ok("stranger", "").title == reply.title  # an empty command is help
    assert chat.ok("stranger", "/sen").title == reply.title
    assert chat.ok("stranger", "/sen HELP").title == reply.title


def test_help_on_each_command(chat):
    for command in GRAMMAR.commands:
        reply = chat.ok("stranger", f"help {command.name}")
        assert reply.title == f"Help: /sen {command.name}"
        assert command.usage in reply.as_text()
        assert command.summary in reply.as_text()


def test_help_on_a_family_and_unknown_topics(chat, probe):
    reply = chat.ok("admin", "help ehcp")
    assert reply.as_text().count("/sen ehcp ") == 4
    reply = probe.refused_unchanged(chat, "admin", "help pupl add")
    assert "pupil add" in reply.title and "/sen help" in reply.title
    reply = probe.refused_unchanged(chat, "admin", "frobnicate")
    assert "/sen help" in reply.title
    reply = probe.refused_unchanged(chat, "admin", "pupil frob")
    assert "pupil add, pupil show, pupil list, pupil archive" in reply.title

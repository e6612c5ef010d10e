"""The language as chat surfaces send it (COMMANDS.md, "Words"): the /sen prefix, any case, curly quotes,
and options: unknown ones are refused naming those that exist, for every command."""

from datetime import date

import db.models as m
from bot.commands import GRAMMAR


def test_the_sen_prefix_any_case_and_curly_quotes(chat, probe):
    chat.ok("admin", "/sen STAFF ADD @Alice ROLE:TEACHER CLASS:5B")
    chat.ok("admin", "/SEN PUPIL ADD “Ava Smith” YEAR:r Class:5B Teacher:@ALICE")
    chat.ok("admin", "  /sen   Support Start AVA TODAY  ")
    chat.ok("alice", "Intervention Add ava ‘Lexia reading’ Review:+6W")
    chat.ok("alice", 'intervention review AVA "LEXIA" Today Outcome:CONTINUE')
    chat.ok("admin", "ASSESSMENT REQUESTED ava 12 MAR 2026")
    chat.ok("admin", "Assessment Decided ava 13 mar 2026 REFUSE")
    chat.ok("admin", "/sen Decision ava Today PLAN-ISSUED")
    chat.ok("admin", 'contact add ava „Jo Smith“ PREFERS:TEXT phone:07700900123')
    ava = probe.pupil("Ava Smith")
    assert (ava.year_group, ava.class_name, ava.teacher_id) == (0, "5B", probe.one(m.Staff, handle="alice").id)
    assert probe.one(m.Intervention, pupil_id=ava.id).what == "Lexia reading"
    assert [(d.kind, d.sent_on) for d in probe.rows(m.LaDecision, pupil_id=ava.id)] == [
        ("refuse-assessment", date(2026, 3, 13)), ("plan-issued", date(2026, 3, 2))]
    assert probe.one(m.ParentContact, pupil_id=ava.id).prefers == "text"
    assert chat.ok("admin", "PUPIL LIST STATUS:EHCP").title == "1 pupil"
    assert chat.ok("admin", "Due WEEK ALL").ok


def test_an_unquoted_full_name_at_the_end_still_means_the_whole_name(chat, probe):
    chat.ok("admin", 'pupil add "Ava Smith" year:5')
    assert chat.ok("admin", "pupil show Ava Smith").title.startswith("Ava Smith")
    chat.ok("admin", "contact add ava Jo Smith relation:mum")
    assert probe.one(m.ParentContact).name == "Jo Smith"


def test_unknown_options_are_refused_naming_the_ones_that_exist(chat, probe):
    chat.ok("admin", 'pupil add "Ava Smith" year:5')
    texts = [f"{command.name} zzz:1" for command in GRAMMAR.commands]
    for command, reply in zip(GRAMMAR.commands, probe.refused_all(chat, "admin", texts), strict=True):
        if command.opts:
            for opt in command.opts:
                assert f"{opt.key}:" in reply.title, (command.name, reply.title)
        else:
            assert "takes no options" in reply.title, (command.name, reply.title)
    # A near miss is named.
    reply = probe.refused_unchanged(chat, "admin", 'intervention add ava "Lexia" reveiw:+2w')
    assert "Did you mean review:?" in reply.title
    reply = probe.refused_unchanged(chat, "admin", "pupil list class:5B class:6A")
    assert "given twice" in reply.title
    reply = probe.refused_unchanged(chat, "admin", "pupil list class:")
    assert "needs a value" in reply.title


def test_unexpected_words_and_unclosed_quotes_are_refused_with_the_usage(chat, probe):
    chat.ok("admin", 'pupil add "Ava Smith" year:5')
    for text, why in {"staff list now": "Usage: /sen staff list",
                      "support start ava today please": "Usage: /sen support start",
                      'meeting "Ava Smith today': "no closing quote",
                      "pupil": "needs a next word",
                      "pupil shwo ava": "Did you mean '/sen pupil show'?",
                      "suport start ava today": "Did you mean 'support'"}.items():
        reply = probe.refused_unchanged(chat, "admin", text)
        assert why in reply.as_text(), (text, reply.as_text())


def test_a_refusal_names_the_field_it_is_about(chat) -> None:  # type: ignore[no-untyped-def]
    """Refused/ParseError carry ``field=``: a form (a Slack modal, later an Adaptive Card) shows it there."""
    chat.ok("admin", 'pupil add "Ava Smith" year:5')
    assert chat.refused("admin", 'pupil add "Ben Jones" year:15').field == "year"
    assert chat.refused("admin", 'pupil add "Ben Jones" year:5 dob:31/02/2015').field == "dob"
    assert chat.refused("admin", "meeting ava 31/02/2026").field == "date"
    assert chat.refused("admin", 'meeting ava today with:"' + "x" * 300 + '"').field == "with"
    assert chat.refused("admin", "pupil add").field == "year"  # the required option is checked first
    assert chat.refused("admin", "pupil add year:5").field == "name"
    # About the request as a whole, not one field:
    assert chat.refused("admin", "frobnicate").field is None

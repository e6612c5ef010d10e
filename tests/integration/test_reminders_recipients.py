"""Who hears, and what they are told: the responsible person by direct message, the SENCO, leadership, the
school's private channel. Full names only in direct messages to staff who may see the pupil."""

import pytest
from reminders_support import Town
from sqlalchemy import Engine

from bot.reply import Reply


@pytest.fixture
def town(engine: Engine, chat, school: int) -> Town:  # type: ignore[no-untyped-def]
    return Town(engine, chat, school)


def messages(town: Town) -> dict[str, Reply]:
    """The reminders just sent, by recipient (digests, which carry no buttons, left out)."""
    return {o.to.handle if o.to.kind == "staff" else "#channel": o.reply for o in town.notifier.sent if o.buttons}


def test_names_only_in_direct_messages_to_staff_who_may_see_the_pupil(town: Town) -> None:
    town.chat.ok("admin", "settings reminders-channel:#sen-team")
    town.chat.ok("admin", 'settings remind:"intervention-review 0=responsible+leaders+channel"')
    town.chat.ok("admin", 'intervention add ava "Lexia" review:2026-03-04 staff:@bob')
    assert town.run("2026-03-04", "08:00") == [("#sen-team", "intervention_review", "0"),
                                               ("bob", "intervention_review", "0"),
                                               ("lee", "intervention_review", "0")]
    sent = messages(town)
    assert "Ava Smith" in sent["bob"].title
    for who in ("lee", "#channel"):
        text = sent[who].as_text()
        assert "Ava Smith" not in text and "Ava" not in text, who
        assert "A.S." in sent[who].title
    channel = dict(sent["#channel"].fields)
    assert channel["Responsible"] == "@bob"  # the channel is told who must act
    assert next(o for o in town.notifier.sent if o.to.kind == "channel").to.label == "#sen-team"


def test_what_a_reminder_says(town: Town) -> None:
    town.chat.ok("admin", 'intervention add ava "Lexia" review:2026-03-04 staff:@bob')
    town.run("2026-03-02", "08:00")  # two school days before
    [message] = [o for o in town.notifier.sent if o.buttons]
    reply = message.reply
    fields = dict(reply.fields)
    assert reply.title.startswith("Reminder: Intervention review — Ava Smith (#")
    assert fields["Due"] == "Wed 04 Mar 2026 (in 2 days)"
    assert fields["Who must act"] == "the school"
    assert fields["The law"] == "CoP 6.48, 6.54"
    assert fields["About"] == "Lexia"
    assert fields["Why now"] == "2 school days before"
    assert any(line.startswith("What to do: Review the intervention: /sen intervention review #") for line in
               reply.lines)
    rid = message.reminder_id
    assert [(a.label, a.command) for a in reply.actions] == [
        ("Done", f"/sen done {rid}"), ("Snooze 1 week", f"/sen snooze {rid} +1w"),
        ("Open", f"/sen pupil show #{town.rows(id=rid)[0].pupil_id}")]


def test_la_duties_go_to_the_senco_and_leadership_and_say_the_la_is_late(town: Town) -> None:
    town.chat.ok("admin", "assessment requested ava 2026-01-19")  # the LA must decide by Mon 2 Mar
    assert town.run("2026-03-02", "08:00") == [("lee", "assessment_decision", "0"),
                                               ("sue", "assessment_decision", "0")]
    assert dict(messages(town)["sue"].fields)["Who must act"] == "the local authority (LA)"
    assert town.run("2026-03-09", "08:00") == [("lee", "assessment_decision", "weekly"),
                                               ("sue", "assessment_decision", "weekly")]
    sue = messages(town)["sue"]
    assert sue.title.startswith("Overdue:")
    assert any("The LA is late. Consider challenging it" in line for line in sue.lines)


def test_an_appeal_window_reminds_when_it_opens_and_two_weeks_before_it_closes(town: Town) -> None:
    town.chat.ok("admin", "assessment requested ava 2026-01-05")
    town.chat.ok("admin", "assessment decided ava 2026-02-10 refuse")  # appealable until Fri 10 Apr
    assert town.run("2026-02-10", "08:00") == [("sue", "appeal_deadline", "opens")]
    sue = messages(town)["sue"]
    assert dict(sue.fields)["Why now"] == "when the LA's decision was sent"
    assert any("Make sure the family knows: the last day to appeal is" in line for line in sue.lines)
    assert dict(sue.fields)["Who must act"] == "the family"
    two_weeks_before = town.run("2026-03-27", "08:00")  # due Fri 10 Apr (Easter holiday): -2w = Fri 27 Mar
    assert two_weeks_before == [("sue", "appeal_deadline", "-2w")]


def test_the_senco_qualification_reminds_the_senco_and_leadership(town: Town) -> None:
    town.chat.ok("admin", "senco appointed @sue 2025-03-03")  # 12 months on: Tue 3 Mar 2026
    assert town.run("2026-03-03", "08:00") == [("lee", "senco_qualification", "opens+12m"),
                                               ("sue", "senco_qualification", "opens+12m")]
    fields = dict(messages(town)["lee"].fields)
    assert fields["Why now"] == "12 months after the SENCO was appointed"
    assert fields["SENCO"] == "@sue"


def test_with_no_channel_chosen_the_senco_hears_instead(town: Town) -> None:
    town.chat.ok("admin", 'settings remind:"intervention-review 0=channel"')
    town.chat.ok("admin", 'intervention add ava "Lexia" review:2026-03-04 staff:@bob')
    assert town.run("2026-03-04", "08:00") == [("sue", "intervention_review", "0")]


def test_the_responsible_person_falls_back_to_the_senco_then_the_admins(town: Town) -> None:
    town.chat.ok("admin", 'pupil add "Cara Diaz" year:3')  # no teacher
    town.chat.ok("admin", 'intervention add cara "Maths" review:2026-03-04')  # run by the admin who added it
    town.chat.ok("admin", 'support start cara 2025-09-01')
    town.chat.ok("admin", "staff add @sue role:teacher")  # no SENCO now
    sent = town.run("2026-03-04", "08:00")
    assert ("admin", "intervention_review", "0") in sent
    assert ("admin", "parent_meeting", "0") in sent  # autumn's meeting (no teacher): late, once, to the admin

"""The reminder policy is data each school can change with /sen settings; bad values are refused, naming the
problem, and change nothing."""

import pytest
from reminders_support import Town
from sqlalchemy import Engine
from sqlmodel import Session

from db import models as m


@pytest.fixture
def town(engine: Engine, chat, school: int) -> Town:  # type: ignore[no-untyped-def]
    return Town(engine, chat, school)


def stored(town: Town) -> dict:
    with Session(town.engine) as s:
        school = s.get(m.School, town.school)
        assert school is not None
        return dict(school.settings)


def test_the_defaults_are_rules_md_and_are_shown(town: Town) -> None:
    reply = town.chat.ok("admin", "settings")
    fields = dict(reply.fields)
    assert fields["remind annual-review"] == "-10w -4w 0=responsible+senco weekly=responsible+senco"
    assert fields["remind intervention-review"] == "-2sd 0"
    assert fields["remind senco-qualification"] == ("opens+12m=responsible+leaders opens+14m=responsible+leaders "
                                                    "-6m=responsible+leaders -1m=responsible+leaders")
    assert len([k for k in fields if k.startswith("remind ")]) == 17  # RULES v2 adds four kinds


def test_a_school_changes_one_kind_and_planning_follows(town: Town) -> None:
    town.chat.ok("admin", "ehcp issued ava 2025-06-11")  # annual review due Wed 10 Jun 2026
    reply = town.chat.ok("admin", 'settings remind:"annual-review -12w 0=senco"')
    assert dict(reply.fields)["remind annual-review (changed)"] == "-12w 0=senco"
    assert stored(town)["reminder-steps"] == {"annual_review": "-12w 0=senco"}
    assert town.run("2026-03-18", "08:00") == [("bob", "annual_review", "-12w")]
    assert town.run("2026-04-15", "08:00") == []  # -4w is gone
    assert town.run("2026-06-10", "08:00") == [("sue", "annual_review", "0")]
    town.chat.ok("admin", 'settings remind:"annual-review default"')
    assert "reminder-steps" not in stored(town) or stored(town)["reminder-steps"] == {}


def test_off_and_unquoted_commas(town: Town) -> None:
    town.chat.ok("admin", 'intervention add ava "Lexia" review:2026-03-04 staff:@bob')
    town.chat.ok("admin", "settings remind:intervention-review,off")
    assert town.run("2026-03-04", "08:00") == []
    town.chat.ok("admin", "settings remind:intervention-review,0=responsible+senco,-1d")
    assert dict(town.chat.ok("admin", "settings").fields)["remind intervention-review (changed)"] == \
        "0=responsible+senco -1d"


BAD_POLICIES = [
    ('"annual-reviw -4w"', "isn't a kind of deadline. Did you mean annual-review?"),
    ('"annual-review -4x"', "'-4x' isn't a reminder step"),
    ('"annual-review 0=head"', "'head' in '0=head' isn't someone to remind"),
    ('"annual-review opens"', "only appeal-deadline and senco-qualification have"),
    ('"annual-review -200w"', "too far from the day: keep it within 160 weeks"),
    ('"annual-review -4w -4w=senco"', "'-4w' is given twice"),
    ("annual-review", "Give the steps for annual-review"),
    ('"annual-review ' + " ".join(f"-{n}d" for n in range(1, 14)) + '"', "13 steps; 12 is the most"),
]


def test_bad_policies_are_refused_and_change_nothing(town: Town) -> None:
    before = stored(town)
    for value, says in BAD_POLICIES:
        reply = town.chat.refused("admin", f"settings remind:{value}")
        assert says in reply.title, (value, reply.title)
        assert stored(town) == before, value


def test_only_admins_change_the_policy(town: Town) -> None:
    before = stored(town)
    reply = town.chat.refused("sue", 'settings remind:"annual-review 0"')
    assert "Only an admin" in reply.title or "admin" in reply.title
    assert stored(town) == before


CHANNELS = [
    ("sen-team", "#sen-team"),
    ("#SEN-Team", "#sen-team"),
    ("<#C0123ABCD|sen-team>", "<#C0123ABCD|sen-team>"),  # the canonical channel token: kept exactly
    ("<#C0123ABCD>", "<#C0123ABCD>"),  # (a bare Slack id becomes this in the Slack adapter: test_slack_http.py)
    ("<#19:abc-DEF@thread.tacv2|SEN team>", "<#19:abc-DEF@thread.tacv2|SEN team>"),  # any surface's channel id
    ("none", ""),
]


def test_reminders_channel_is_read_as_people_type_it(town: Town) -> None:
    for typed, kept in CHANNELS:
        town.chat.ok("admin", f"settings reminders-channel:{typed}")
        assert stored(town)["reminders-channel"] == kept, typed


def test_a_channel_that_is_not_one_is_refused(town: Town) -> None:
    before = stored(town)
    reply = town.chat.refused("admin", 'settings reminders-channel:"sen team!"')
    assert "reminders-channel takes a channel" in reply.title
    assert stored(town) == before

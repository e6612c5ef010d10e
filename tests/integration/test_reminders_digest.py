"""The weekly SENCO digest: on the digest day at the reminder time (a school day), once per school per week."""

from datetime import date

import pytest
from reminders_support import Town
from sqlalchemy import Engine

DIGEST = ("sue", "digest", "digest")


@pytest.fixture
def town(engine: Engine, chat, school: int) -> Town:  # type: ignore[no-untyped-def]
    t = Town(engine, chat, school)
    t.run("2026-03-01", "12:00")  # Sunday: sendbot starts looking after the school
    return t


def digests(town: Town, day: str, hh_mm: str = "08:00") -> list[tuple[str, str, str]]:
    return [x for x in town.run(day, hh_mm, digests=True) if x[1] == "digest"]


def test_monday_at_the_reminder_time_once_to_the_senco(town: Town) -> None:
    town.chat.ok("admin", "assessment requested ava 2025-12-01")  # the LA's 6 weeks ran out on 12 Jan
    town.chat.ok("admin", 'intervention add ava "Lexia" review:2026-03-05 staff:@bob')
    assert digests(town, "2026-03-02", "07:59") == []
    assert digests(town, "2026-03-02", "08:00") == [DIGEST]
    [message] = [o for o in town.notifier.sent if town.rows(id=o.reminder_id)[0].kind == "digest"]
    reply = message.reply
    assert reply.title.startswith("Weekly SEN digest for Oak Primary, week of Mon 02 Mar 2026")
    text = reply.as_text()
    assert "Overdue — LA late: consider challenging" in text
    assert "Ava Smith" in text  # the SENCO sees names
    assert "Interventions due for review" in text
    assert not message.buttons
    assert digests(town, "2026-03-02", "12:00") == []
    assert digests(town, "2026-03-03", "08:00") == []
    assert digests(town, "2026-03-09", "08:00") == [DIGEST]


def test_digest_day_setting(town: Town) -> None:
    town.chat.ok("admin", "settings digest-day:fri")
    assert digests(town, "2026-03-02", "09:00") == []
    assert digests(town, "2026-03-05", "09:00") == []
    assert digests(town, "2026-03-06", "08:00") == [DIGEST]
    assert digests(town, "2026-03-09", "09:00") == []


def test_a_bank_holiday_monday_moves_it_to_tuesday_and_a_holiday_week_has_none(town: Town) -> None:
    town.run("2026-03-29", "12:00")
    # Estimated Easter holidays: 28 March – 12 April. No school day, no digest.
    for day in ("2026-03-30", "2026-04-01", "2026-04-06", "2026-04-10"):
        assert digests(town, day, "09:00") == [], day
    assert digests(town, "2026-04-13", "08:00") == [DIGEST]
    assert digests(town, "2026-05-04", "09:00") == []  # early May bank holiday
    assert digests(town, "2026-05-05", "08:00") == [DIGEST]
    assert digests(town, "2026-05-06", "08:00") == []


def test_after_downtime_this_weeks_digest_goes_late_once(town: Town) -> None:
    # Down all Monday and Tuesday.
    assert digests(town, "2026-03-04", "10:15") == [DIGEST]
    assert digests(town, "2026-03-05", "08:00") == []
    [row] = [r for r in town.rows(kind="digest")]
    assert row.send_on == date(2026, 3, 2) and row.status == "sent"


def test_a_school_taken_on_after_this_weeks_digest_gets_its_first_next_week(engine: Engine, chat,  # type: ignore[no-untyped-def]
                                                                           school: int) -> None:
    town = Town(engine, chat, school)  # no Sunday tick: the first look is Monday at 09:00
    assert digests(town, "2026-03-02", "09:00") == []
    assert digests(town, "2026-03-04", "09:00") == []
    assert digests(town, "2026-03-09", "08:00") == [DIGEST]


def test_with_no_senco_the_admins_get_it(engine: Engine, chat, school: int) -> None:  # type: ignore[no-untyped-def]
    town = Town(engine, chat, school)
    chat.ok("admin", "staff add @sue role:teacher")  # no SENCO any more
    town.run("2026-03-01", "12:00")
    assert digests(town, "2026-03-02", "08:00") == [("admin", "digest", "digest")]


def test_two_sencos_each_get_one(town: Town) -> None:
    town.chat.ok("admin", "staff add @sam role:senco")
    assert sorted(digests(town, "2026-03-02", "08:00")) == [("sam", "digest", "digest"), DIGEST]
    assert digests(town, "2026-03-02", "08:30") == []

"""What a served feed holds, read back with an independent parser (``ical``), on SQLite and PostgreSQL."""

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from e2e.feed_server import FeedServer, feed_path, parse, serve, unfolded
from sqlalchemy import Engine

from bot.services.access import Actor
from bot.services.reports import actionable, all_deadlines
from db import models as m
from db.engine import transaction

TODAY = date(2026, 3, 2)  # as the chat fixture acts


@pytest.fixture
def oak(chat):  # type: ignore[no-untyped-def]
    """Oak Primary on Mon 2 Mar 2026: leader @lena, teachers @bob (5B) and @tia (4A);
    Ava Smith (5B, @bob her named teacher): EHC plan issued 14 Mar 2025, SEN support since 5 Jan 2026, an
    intervention run by @tia;
    Ben Jones (4A): an EHC needs assessment requested on 23 Feb 2026."""
    for line in ("staff add @lena role:leader", "staff add @bob role:teacher class:5B",
                 "staff add @tia role:teacher class:4A",
                 'pupil add "Ava Smith" year:5 class:5B teacher:@bob', 'pupil add "Ben Jones" year:4 class:4A',
                 'ehcp issued ava 14/03/2025 la:"Kent"', "support start ava 2026-01-05",
                 'intervention add ava "Lexia reading" review:2026-04-13 staff:@tia',
                 "assessment requested ben 2026-02-23"):
        chat.ok("admin", line)
    return chat


@pytest.fixture
def server(db_url: str, oak) -> Iterator[FeedServer]:  # type: ignore[no-untyped-def]
    with serve(db_url, TODAY) as s:
        yield s


def fetch(server: FeedServer, path: str) -> tuple[bytes, dict[str, object]]:
    response = server.get(path)
    assert response.status_code == 200, response.text
    return response.content, dict(response.headers)


def by_summary(body: bytes) -> dict[str, object]:
    events = parse(body).events
    return {e.summary: e for e in events}


def test_one_all_day_event_per_open_or_overdue_deadline(oak, server: FeedServer, engine: Engine) -> None:
    oak.ok("admin", 'intervention add ben "Talk boost" review:2026-02-20 start:2026-01-05')  # overdue
    body, _ = fetch(server, feed_path(oak.ok("lena", "feed school")))
    events = parse(body).events
    with transaction(engine) as session:
        expected = [i for i in all_deadlines(session, oak.school_id, TODAY) if actionable(i, TODAY)]
        lapsed = [i for i in all_deadlines(session, oak.school_id, TODAY) if i.status == "lapsed"]
    assert {i.status for i in expected} == {"open", "overdue"}
    assert lapsed, "the scenario has a lapsed appeal window, which must not be in the feed"
    assert len(events) == len(expected) == 7
    assert sorted(e.dtstart for e in events) == sorted(i.due for i in expected)
    for e in events:
        assert type(e.dtstart) is date and e.dtend == e.dtstart + timedelta(days=1)  # all-day
    uids = [e.uid for e in events]
    assert len(set(uids)) == len(uids)
    review = by_summary(body)["Annual review due — A.S. (Year 5)"]
    assert review.dtstart == date(2026, 3, 13)  # the end of the 12 months starting 14 Mar 2025
    assert review.categories == ["Annual review"]
    assert "Who acts: the school" in review.description
    assert "CFA s44(1); Regs 18" in review.description
    assert "Book the review meeting" in review.description
    la = by_summary(body)["LA assessment decision due — B.J. (Year 4)"]
    assert la.dtstart == date(2026, 4, 6) and "local authority" in la.description  # 23 Feb + 6 weeks


def test_calendar_properties_and_line_lengths(oak, server: FeedServer) -> None:
    body, headers = fetch(server, feed_path(oak.ok("lena", "feed school")))
    cal = parse(body)
    assert cal.name == ["SEN deadlines — Oak Primary"]
    assert cal.refresh_interval == timedelta(hours=4)
    lines = unfolded(body)
    for wanted in ("NAME:SEN deadlines — Oak Primary", "X-WR-CALNAME:SEN deadlines — Oak Primary",
                   "REFRESH-INTERVAL;VALUE=DURATION:PT4H", "X-PUBLISHED-TTL:PT4H", "VERSION:2.0"):
        assert wanted in lines
    assert all(len(line.encode()) <= 75 for line in body.decode().split("\r\n"))
    assert headers["content-type"] == "text/calendar; charset=utf-8"


def test_initials_by_default_and_full_names_only_when_the_school_says_so(oak, server: FeedServer) -> None:
    path = feed_path(oak.ok("lena", "feed school"))
    body, headers = fetch(server, path)
    text = body.decode()
    assert "Ava" not in text and "Smith" not in text and "Ben Jones" not in text
    assert "A.S. (Year 5)" in text and "B.J. (Year 4)" in text
    oak.ok("admin", "settings names-in-feeds:yes")
    named, named_headers = fetch(server, path)
    assert named_headers["etag"] != headers["etag"]
    assert "Annual review due — Ava Smith (Year 5)" in by_summary(named)
    assert "Ben Jones" in named.decode()
    assert len(parse(named).events) == len(parse(body).events)


def test_uids_and_stamps_are_stable_across_renders(oak, server: FeedServer, db_url: str) -> None:
    path = feed_path(oak.ok("lena", "feed school"))
    first, headers = fetch(server, path)
    # A change elsewhere in the school makes a new version; the events already there stay exactly as they were.
    oak.ok("admin", 'pupil add "Cara Diaz" year:2')
    oak.ok("admin", "support start cara 2026-02-02")
    second, second_headers = fetch(server, path)
    assert second_headers["etag"] != headers["etag"]
    before = {e.uid: e for e in parse(first).events}
    after = {e.uid: e for e in parse(second).events}
    assert set(before) < set(after)
    for uid, e in before.items():
        assert (after[uid].dtstamp, after[uid].sequence, after[uid].dtstart, after[uid].summary) == \
               (e.dtstamp, e.sequence, e.dtstart, e.summary)
    # A fresh server (nothing cached) renders the same bytes with the same ETag.
    with serve(db_url, TODAY) as other:
        again, again_headers = fetch(other, path)
    assert again == second and again_headers["etag"] == second_headers["etag"]


def test_a_done_deadline_drops_out(oak, server: FeedServer) -> None:
    path = feed_path(oak.ok("lena", "feed school"))
    body, headers = fetch(server, path)
    assert "Intervention review due — A.S. (Year 5)" in by_summary(body)
    oak.ok("tia", 'intervention review ava "Lexia reading" today outcome:stop')
    response = server.get(path, **{"If-None-Match": headers["etag"]})  # type: ignore[arg-type]
    assert response.status_code == 200  # the old version no longer matches
    events = by_summary(response.content)
    assert "Intervention review due — A.S. (Year 5)" not in events
    assert len(parse(response.content).events) == len(parse(body).events) - 1


def test_a_moved_deadline_keeps_its_uid_and_bumps_its_sequence(oak, server: FeedServer) -> None:
    path = feed_path(oak.ok("lena", "feed school"))
    body, _ = fetch(server, path)
    review = by_summary(body)["Annual review due — A.S. (Year 5)"]
    assert review.sequence == 0
    oak.record("admin", "ehcp reviewed ava 2026-03-10")
    moved = {e.uid: e for e in parse(fetch(server, path)[0]).events}[review.uid]
    assert moved.dtstart == date(2027, 3, 9)
    assert moved.sequence == 1
    assert moved.dtstamp >= review.dtstamp  # from the row (one-second resolution)


def test_a_teachers_feed_holds_their_pupils_and_their_interventions(oak, server: FeedServer, engine: Engine) -> None:
    bob = by_summary(fetch(server, feed_path(oak.ok("bob", "feed")))[0])
    tia = by_summary(fetch(server, feed_path(oak.ok("tia", "feed mine")))[0])
    # Bob teaches 5B: Ava's deadlines, and not Ben's.
    assert "Annual review due — A.S. (Year 5)" in bob and "Intervention review due — A.S. (Year 5)" in bob
    assert not any("B.J." in s for s in bob)
    # Tia teaches 4A (Ben) and runs Ava's intervention, but does not teach Ava.
    assert "Intervention review due — A.S. (Year 5)" in tia and "LA assessment decision due — B.J. (Year 4)" in tia
    assert "Annual review due — A.S. (Year 5)" not in tia
    # What /sen due mine shows her (a month from 20 Mar: both of her deadlines) is in her feed.
    with transaction(engine) as session:
        from bot.services.reports import due
        from bot.services.school import actor_for

        actor: Actor = actor_for(session, oak.school_id, "tia")
        shown = {i.id for i in due(session, actor, "month", "mine", date(2026, 3, 20))}
    # "sendbot deadline D<id> (/sen done D<id>)": the one deadline number used everywhere (COMMANDS v2)
    in_feed = {int(re.search(r"sendbot deadline D([0-9]+)", e.description).group(1)) for e in tia.values()}
    assert shown and shown <= in_feed


def alarm_of(body: bytes, summary: str) -> timedelta | None:
    [event] = [e for e in parse(body).events if e.summary == summary]
    assert len(event.alarm) <= 1
    for alarm in event.alarm:
        assert alarm.action == "DISPLAY" and alarm.description == summary
        return alarm.trigger  # type: ignore[no-any-return]
    return None


REVIEW = "Annual review due — A.S. (Year 5)"
LA = "LA assessment decision due — B.J. (Year 4)"
LEXIA = "Intervention review due — A.S. (Year 5)"


def test_alarms_ring_where_the_reminder_policy_reminds_the_feeds_owner(oak, server: FeedServer) -> None:
    oak.ok("admin", "staff add @sam role:senco")
    leader = fetch(server, feed_path(oak.ok("lena", "feed school")))[0]
    senco = fetch(server, feed_path(oak.ok("sam", "feed school")))[0]
    bob = fetch(server, feed_path(oak.ok("bob", "feed mine")))[0]
    tia = fetch(server, feed_path(oak.ok("tia", "feed mine")))[0]
    # Ava's annual review: her named teacher at 10 weeks, the SENCO on the day, leadership not at all.
    assert alarm_of(bob, REVIEW) == timedelta(days=-70, hours=8)
    assert alarm_of(senco, REVIEW) == timedelta(hours=8)
    assert alarm_of(leader, REVIEW) is None
    # Ben's LA decision names no teacher: the SENCO and leadership hear on the day; his class teacher doesn't.
    assert alarm_of(leader, LA) == alarm_of(senco, LA) == timedelta(hours=8)
    assert alarm_of(tia, LA) is None
    # Ava's intervention: 2 school days before Mon 13 Apr 2026 is Thu 9 Apr, for Tia who runs it, not for Bob.
    assert alarm_of(tia, LEXIA) == timedelta(days=-4, hours=8)
    assert alarm_of(bob, LEXIA) is None
    assert alarm_of(leader, LEXIA) is None


def test_alarms_follow_the_schools_reminder_time_and_steps(oak, server: FeedServer) -> None:
    path = feed_path(oak.ok("bob", "feed mine"))
    _, headers = fetch(server, path)
    oak.ok("admin", "settings reminder-time:09:30")
    later, later_headers = fetch(server, path)
    assert later_headers["etag"] != headers["etag"]
    assert alarm_of(later, REVIEW) == timedelta(days=-70, hours=9, minutes=30)
    oak.ok("admin", 'settings remind:"annual-review -12w -2w"')
    changed, changed_headers = fetch(server, path)
    assert changed_headers["etag"] != later_headers["etag"]
    assert alarm_of(changed, REVIEW) == timedelta(days=-84, hours=9, minutes=30)
    oak.ok("admin", 'settings remind:"annual-review off"')
    assert alarm_of(fetch(server, path)[0], REVIEW) is None


def test_year_groups_move_on_in_september(oak, server: FeedServer) -> None:
    path = feed_path(oak.ok("lena", "feed school"))
    _, headers = fetch(server, path)
    server.set_today(date(2026, 9, 2))
    body, september = fetch(server, path)
    assert september["etag"] != headers["etag"]
    assert any(s.endswith("A.S. (Year 6)") for s in by_summary(body))


def test_review_invitations_stay_overdue_until_done_as_rules_v2_says(oak, server: FeedServer,
                                                                     engine: Engine) -> None:
    """RULES v2 gives invitations a "done when" (recorded, or the meeting held): no drop-out a week after."""
    oak.ok("admin", "ehcp booked ava 2026-03-10")  # invitations due 14 days before: Tue 24 Feb
    path = feed_path(oak.ok("lena", "feed school"))
    body, headers = fetch(server, path)
    invitations = [e for e in parse(body).events if e.summary.startswith("Annual review invitations due")]
    assert [e.dtstart for e in invitations] == [date(2026, 2, 24)]  # overdue, still shown
    version_before = data_version(engine, oak.school_id)
    server.set_today(date(2026, 3, 4))  # more than a week past: still not done, so still shown
    later, later_headers = fetch(server, path)
    assert data_version(engine, oak.school_id) == version_before
    assert later_headers["etag"] == headers["etag"]  # time alone changed nothing
    assert [e.dtstart for e in parse(later).events if e.summary.startswith("Annual review invitations due")] == [
        date(2026, 2, 24)]
    oak.ok("admin", "ehcp invited ava 2026-03-04", today=date(2026, 3, 4))  # recorded: done, so it goes
    done, _ = fetch(server, path)
    assert not any(e.summary.startswith("Annual review invitations due") for e in parse(done).events)
    assert len(parse(done).events) == len(parse(body).events) - 1


def data_version(engine: Engine, school_id: int) -> int:
    with transaction(engine) as session:
        school = session.get(m.School, school_id)
        assert school is not None
        return school.data_version

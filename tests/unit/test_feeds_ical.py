"""The feed's iCalendar writer: byte for byte what icalendar itself writes, and valid to another parser."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ical.calendar_stream import IcsCalendarStream

from bot.feeds import alarms
from bot.feeds.ical import CalendarInfo, FeedEvent, reference, render

INFO = CalendarInfo(name="SEN deadlines — St Mary's, Oak; Primary", description="Deadlines; with, specials",
                    uid="sendbot-feed-school-1", zone="Europe/London")
STAMP = datetime(2026, 3, 1, 10, 5, 3, 123456, tzinfo=UTC)

AWKWARD = [
    "Annual review due — A.S. (Year 5)",
    "x" * 200,
    "é" * 80,  # two-byte characters across fold points
    "中文" * 50,  # three-byte characters
    "😀" * 30,  # four-byte characters
    "a\\b;c,d\ne\r\nf\rg\\N h",  # every escape
    "a" * 73 + "\\" + "b" * 5,  # an escape right at the fold point
    "a" * 72 + ";" + "b" * 20,
    "^" * 100,
    "",
]


def event(i: int, text: str, alarm: timedelta | None = None) -> FeedEvent:
    return FeedEvent(uid=f"p{i}:annual_review,{i};x.school1@sendbot", day=date(2026, 1, 1) + timedelta(days=i),
                     stamp=STAMP, sequence=i % 3, summary=text, description=f"{text}\n{text[::-1]}",
                     category=text[:30] or "Annual review", alarm=alarm)


def test_render_is_icalendars_own_output_for_awkward_text() -> None:
    alarms_ = [None, timedelta(0), timedelta(hours=8), -timedelta(days=69, hours=16), timedelta(days=-4, hours=8)]
    events = [event(i, text, alarms_[i % len(alarms_)]) for i, text in enumerate(AWKWARD * 3)]
    assert render(INFO, events) == reference(INFO, events)
    assert render(INFO, []) == reference(INFO, [])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=160), min_size=1, max_size=4))
def test_render_matches_icalendar_for_any_text(texts: list[str]) -> None:
    events = [event(i, t) for i, t in enumerate(texts)]
    assert render(INFO, events) == reference(INFO, events)


# What a school's name or a calendar's description may hold: one line of any printable text (icalendar itself
# refuses a line break in a calendar's name).
ONE_LINE = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=120)


@settings(max_examples=150, deadline=None)
@given(ONE_LINE, ONE_LINE, st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=60))
def test_the_calendars_own_lines_match_icalendar_for_any_name(name: str, about: str, uid: str) -> None:
    info = CalendarInfo(name=f"SEN deadlines — {name}", description=about, uid=uid, zone="Europe/London")
    events = [event(1, "Annual review due", timedelta(hours=8))]
    assert render(info, events) == reference(info, events)


@settings(max_examples=300, deadline=None)
@given(st.timedeltas(min_value=timedelta(days=-800), max_value=timedelta(days=800)))
def test_any_alarm_offset_is_written_as_icalendar_writes_it(offset: timedelta) -> None:
    events = [event(1, "Annual review due", offset)]
    assert render(INFO, events) == reference(INFO, events)


def test_rendering_a_feed_does_not_import_icalendar() -> None:
    """Its import was most of a fresh server's first small feed (docs/performance.md): the writer needs none."""
    import subprocess
    import sys

    code = ("import sys; from datetime import date, datetime, timedelta, UTC; "
            "from bot.feeds.ical import CalendarInfo, FeedEvent, render; "
            "info = CalendarInfo('SEN deadlines — Oak', 'About', 'sendbot-feed-school-1', 'Europe/London'); "
            "ev = FeedEvent('u1', date(2026, 3, 2), datetime(2026, 3, 1, tzinfo=UTC), 0, 'Due', 'About', 'Review', "
            "timedelta(days=-3, hours=8)); "
            "body = render(info, [ev]); assert b'TRIGGER:-P2DT16H' in body; "
            "print('icalendar' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_an_independent_parser_reads_it_back() -> None:
    texts = [t for t in AWKWARD if t]
    body = render(INFO, [event(i, t, timedelta(hours=8)) for i, t in enumerate(texts)])
    cal = IcsCalendarStream.calendar_from_ics(body.decode())
    assert len(cal.events) == len(texts)
    for i, (e, text) in enumerate(zip(cal.events, texts, strict=True)):
        # ical and icalendar differ only on icalendar's documented "\N" spelling of a line break.
        assert e.summary == text.replace("\\N", "\n").replace("\r\n", "\n").replace("\r", "\n")
        assert e.dtstart == date(2026, 1, 1) + timedelta(days=i)
        assert e.dtstamp == STAMP.replace(microsecond=0)
        assert e.uid == f"p{i}:annual_review,{i};x.school1@sendbot"
    lines = body.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT4H" in lines and b"X-PUBLISHED-TTL:PT4H" in lines
    assert not any(line.startswith(b"BEGIN:VTIMEZONE") for line in lines)  # all-day dates need none


def test_nothing_in_a_rendering_depends_on_the_clock() -> None:
    events = [event(i, t) for i, t in enumerate(AWKWARD)]
    assert render(INFO, events) == render(INFO, events)
    assert b"DTSTAMP:20260301T100503Z" in render(INFO, events)


MINE = alarms.plan({}, "mine", "teacher")  # the default policy, for a teacher's own deadlines
ME = 7  # the feed's owner


@pytest.mark.parametrize(("kind", "due", "trigger"), [
    ("annual_review", date(2026, 3, 13), timedelta(days=-70, hours=8)),
    ("phase_transfer_review", date(2027, 2, 14), timedelta(days=-112, hours=8)),
    ("assessment_decision", date(2026, 4, 6), timedelta(hours=8)),
    ("appeal_deadline", date(2026, 5, 14), timedelta(days=-14, hours=8)),  # "opens" steps ring no calendar
    ("parent_meeting", date(2026, 3, 27), timedelta(days=-21, hours=8)),
    ("information_report", date(2026, 10, 1), timedelta(days=-28, hours=8)),
    # Two school days before Tuesday 7 Apr 2026: Friday 3 Apr (Good Friday) and Monday 6 Apr (Easter Monday)
    # are bank holidays, so Wednesday 1 Apr.
    ("intervention_review", date(2026, 4, 7), timedelta(days=-6, hours=8)),
    ("review_invitations", date(2026, 3, 16), timedelta(days=-5, hours=8)),  # Mon → the Wednesday before
    ("senco_qualification", date(2029, 9, 1), -(date(2029, 9, 1) - date(2029, 3, 1)) + timedelta(hours=8)),
])
def test_the_responsible_teacher_gets_the_policys_first_step(kind: str, due: date, trigger: timedelta) -> None:
    assert MINE.trigger(kind, due, ME, ME) == trigger
    assert MINE.trigger(kind, due, ME + 1, ME) is None  # someone else's deadline: no alarm for this teacher
    assert MINE.trigger(kind, due, None, ME) is None  # nobody named: the SENCO is reminded, not a teacher


def test_school_feeds_ring_for_what_the_policy_tells_leaders_or_the_senco() -> None:
    leader = alarms.plan({}, "school", "leader")
    senco = alarms.plan({}, "school", "senco")
    review = date(2026, 3, 13)
    assert leader.trigger("annual_review", review, None, ME) is None
    assert leader.trigger("annual_review", review, ME, ME) is None  # the school feed: not as the named teacher
    assert senco.trigger("annual_review", review, 3, ME) == timedelta(hours=8)  # "0=responsible+senco"
    assert senco.trigger("information_report", date(2026, 10, 1), None, ME) == timedelta(days=-28, hours=8)
    assert leader.trigger("phase_transfer_review", date(2027, 2, 14), 3, ME) == timedelta(days=-112, hours=8)
    assert alarms.plan({}, "school", "admin") == senco
    assert leader.trigger("no_such_kind", review, None, ME) is None
    # Nobody named: the SENCO is the responsible person, so their earliest "responsible" step rings.
    assert senco.trigger("intervention_review", date(2026, 4, 7), None, ME) == timedelta(days=-6, hours=8)
    assert senco.trigger("intervention_review", date(2026, 4, 7), 3, ME) is None


def test_the_schools_reminder_time_and_steps_move_the_alarms() -> None:
    custom = alarms.plan({"reminder-time": "07:45", "reminder-steps": {"annual_review": "-6w -1w"}}, "mine",
                         "teacher")
    assert custom.trigger("annual_review", date(2026, 3, 13), ME, ME) == timedelta(days=-42, hours=7, minutes=45)
    assert custom.signature != MINE.signature
    off = alarms.plan({"reminder-steps": {"annual_review": "off"}}, "mine", "teacher")
    assert off.trigger("annual_review", date(2026, 3, 13), ME, ME) is None
    channel = {"reminder-steps": {"annual_review": "-3w=channel"}}
    assert alarms.plan(channel, "school", "senco").trigger("annual_review", date(2026, 3, 13), 3, ME) == \
        timedelta(days=-21, hours=8)  # no reminders channel chosen: the SENCO hears its reminders
    with_channel = {**channel, "reminders-channel": "#send-team"}
    assert alarms.plan(with_channel, "school", "senco").trigger("annual_review", date(2026, 3, 13), 3, ME) is None


def test_a_bad_reminder_time_falls_back_to_eight() -> None:
    assert alarms.reminder_time({"reminder-time": "25:99"}) == time(8)
    assert alarms.reminder_time({}) == time(8)
    assert alarms.reminder_time({"reminder-time": "07:45"}) == time(7, 45)

"""The iCalendar document of a feed, built with ``icalendar``.

Every value is stable, so a calendar that polls sees a change only when a deadline changed: the UID comes
from the deadline's key, DTSTAMP from the row's ``updated_at``, SEQUENCE from the row (icalendar 7's
``Event.new`` would otherwise invent a random UID and stamp "now").

Two renderings of the same events, byte for byte (a test holds them to it):

- :func:`reference` builds every event as an ``icalendar.Event`` and lets icalendar serialise the lot.
  icalendar folds content lines one character at a time, about half a millisecond per event: 10,000
  deadlines take several seconds.
- :func:`render` writes the calendar's own properties and each event's few content lines directly, with the
  same escaping and folding icalendar uses, without importing icalendar. That is what the feed serves.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

# icalendar (about 3 MB, 0.15 s) is imported only by the reference rendering, never to serve a feed.
if TYPE_CHECKING:
    import icalendar

PRODID = "-//sendbot//SEN deadlines//EN"
REFRESH = timedelta(hours=4)  # REFRESH-INTERVAL and X-PUBLISHED-TTL: how often clients should poll


@dataclass(frozen=True)
class FeedEvent:
    """One deadline as a calendar shows it: an all-day event on its due day."""

    uid: str
    day: date
    stamp: datetime  # aware UTC: when the deadline row last changed
    sequence: int
    summary: str
    description: str
    category: str
    alarm: timedelta | None = None  # trigger relative to the start of the day (negative: before)


@dataclass(frozen=True)
class CalendarInfo:
    name: str
    description: str
    uid: str  # stable: icalendar's Calendar.new would otherwise make a random one on every render
    zone: str


def calendar(info: CalendarInfo) -> "icalendar.Calendar":
    """The VCALENDAR with its properties and no events."""
    import icalendar
    from icalendar import vDuration

    cal = icalendar.Calendar.new(prodid=PRODID, name=info.name, description=info.description, uid=info.uid)
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    # icalendar writes refresh_interval without VALUE=DURATION, which RFC 7986 requires; and a bare
    # timedelta for X-PUBLISHED-TTL is serialised as a date-time: pass vDuration, and the parameter, ourselves.
    cal.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH))
    # Every event is an all-day DATE (no times, so no VTIMEZONE is needed); the zone helps clients place alarms.
    cal.add("x-wr-timezone", info.zone)
    return cal


def event(ev: FeedEvent) -> "icalendar.Event":
    """One deadline as an icalendar Event (the reference for :func:`_event_lines`)."""
    import icalendar
    from icalendar.enums import CLASS, TRANSP

    e = icalendar.Event.new(
        uid=ev.uid, stamp=ev.stamp.astimezone(UTC), start=ev.day, end=ev.day + timedelta(days=1),
        sequence=ev.sequence, summary=ev.summary, description=ev.description, categories=[ev.category],
        classification=CLASS.PRIVATE, transparency=TRANSP.TRANSPARENT,
    )
    if ev.alarm is not None:
        alarm = icalendar.Alarm.new(description=ev.summary)
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", ev.alarm)
        e.add_component(alarm)
    return e


def reference(info: CalendarInfo, events: Iterable[FeedEvent]) -> bytes:
    """The feed rendered by icalendar alone: the definition :func:`render` must match."""
    cal = calendar(info)
    for ev in events:
        cal.add_component(event(ev))
    return cal.to_ical()


def render(info: CalendarInfo, events: Iterable[FeedEvent]) -> bytes:
    """The feed: the calendar's properties, then each event's content lines (icalendar is not imported: its
    import was a large share of a fresh server's first feed request)."""
    lines = _head(info)
    for ev in events:
        _event_lines(ev, lines)
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


# --- writing content lines the way icalendar does -----------------------------------------------------------

_SPECIAL = re.compile(r"[\\;,\r\n]")


def _text(value: str) -> str:
    """RFC 5545 TEXT escaping, in icalendar's order (its ``_escape_char``)."""
    if not _SPECIAL.search(value):
        return value
    return (
        value.replace("\\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> str:
    """Fold as icalendar does: pieces under 75 octets, whole characters, never ending on a lone ``\\`` or ``^``."""
    if len(line) < 75 and (line.isascii() or len(line.encode()) < 75):
        return line
    b = line.encode()
    pieces: list[bytes] = []
    start = 0
    while len(b) - start > 74:
        cut = start + 74
        while b[cut] & 0xC0 == 0x80:  # not inside a UTF-8 character
            cut -= 1
        if b[cut - 1] in b"\\^" and cut - 1 > start:  # keep an escape with what it escapes
            cut -= 1
        pieces.append(b[start:cut])
        start = cut
    pieces.append(b[start:])
    return b"\r\n ".join(pieces).decode()


def _head(info: CalendarInfo) -> list[str]:
    """The VCALENDAR's own lines as :func:`calendar` makes icalendar write them: its canonical properties, then
    the rest A–Z; DESCRIPTION is TEXT (escaped), the name and the older X-WR- copies are written as given."""
    refresh = _duration(REFRESH)
    return [
        "BEGIN:VCALENDAR", "VERSION:2.0", _fold(f"PRODID:{PRODID}"), "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
        _fold(f"DESCRIPTION:{_text(info.description)}"), _fold(f"X-WR-CALDESC:{info.description}"),
        _fold(f"NAME:{info.name}"), _fold(f"X-WR-CALNAME:{info.name}"),
        f"REFRESH-INTERVAL;VALUE=DURATION:{refresh}", _fold(f"UID:{_text(info.uid)}"),
        f"X-PUBLISHED-TTL:{refresh}", _fold(f"X-WR-TIMEZONE:{_text(info.zone)}"),
    ]


@lru_cache(maxsize=256)
def _duration(td: timedelta) -> str:
    """An RFC 5545 DURATION as icalendar's vDuration writes it: days, then hours, minutes and seconds."""
    sign = ""
    if td.days < 0:
        sign, td = "-", -td
    time_part = ""
    if td.seconds:
        hours, minutes, seconds = td.seconds // 3600, td.seconds % 3600 // 60, td.seconds % 60
        time_part = "T" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes or (hours and seconds) else "")
        time_part += f"{seconds}S" if seconds else ""
    if td.days == 0 and time_part:
        return f"{sign}P{time_part}"
    return f"{sign}P{td.days}D{time_part}"


@lru_cache(maxsize=4096)
def _day(d: date) -> str:
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


@lru_cache(maxsize=4096)
def _stamp(dt: datetime) -> str:
    u = dt.astimezone(UTC) if dt.tzinfo is not UTC else dt
    return f"{u.year:04d}{u.month:02d}{u.day:02d}T{u.hour:02d}{u.minute:02d}{u.second:02d}Z"


_ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=8192)
def _summary(summary: str) -> tuple[str, str]:
    """The event's SUMMARY line and its alarm's DESCRIPTION line (the same text): titles repeat a lot."""
    text = _text(summary)
    return _fold(f"SUMMARY:{text}"), _fold(f"DESCRIPTION:{text}")


@lru_cache(maxsize=64)
def _category(category: str) -> str:
    return _fold(f"CATEGORIES:{_text(category)}")


def _event_lines(ev: FeedEvent, out: list[str]) -> None:
    """Append one VEVENT's content lines: icalendar's property order (its canonical ones, then A–Z)."""
    summary_line, alarm_line = _summary(ev.summary)
    out.append("BEGIN:VEVENT")
    out.append(summary_line)
    out.append(f"DTSTART;VALUE=DATE:{_day(ev.day)}")
    out.append(f"DTEND;VALUE=DATE:{_day(ev.day + _ONE_DAY)}")
    out.append(f"DTSTAMP:{_stamp(ev.stamp)}")
    out.append(_fold(f"UID:{_text(ev.uid)}"))
    out.append(f"SEQUENCE:{ev.sequence}")
    out.append(_category(ev.category))
    out.append("CLASS:PRIVATE")
    out.append(_fold(f"DESCRIPTION:{_text(ev.description)}"))
    out.append("TRANSP:TRANSPARENT")
    if ev.alarm is not None:
        out.append("BEGIN:VALARM")
        out.append("ACTION:DISPLAY")
        out.append(alarm_line)
        out.append(f"TRIGGER:{_duration(ev.alarm)}")
        out.append("END:VALARM")
    out.append("END:VEVENT")

"""Reading a school's term dates from a file, for ``sendbot terms import FILE``.

Two formats: a spreadsheet saved as CSV (columns ``name``, ``start``, ``end``) and an iCalendar feed (``.ics``,
as local authorities and school websites publish term dates). Nothing is stored here: the caller decides
what to do with the terms. Every refusal is a ``ParseError`` naming the row or event at fault.
"""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path

import icalendar

from bot.calendar import Term
from bot.dates import ParseError, parse_absolute_date

_REQUIRED_COLUMNS = ("name", "start", "end")
_FULL_DATE_HINT = "a date such as 2026-01-05 or 05/01/2026"

# Summaries of the non-term events school calendars also carry (holidays, half terms, INSET and closure days).
_NOT_A_TERM = re.compile(
    r"holiday|half[\s-]*term|\binset\b|closure|\bclosed\b|\bbreak\b|vacation|training day|occasional day"
    r"|\bpd day\b|staff development",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Found:
    """A term and where it came from, so an overlap can be reported against the file."""

    term: Term
    where: str


def read_terms_file(path: Path) -> list[Term]:
    """The terms in ``path`` (``.csv`` or ``.ics``), sorted by start, none estimated.

    Refused with ``ParseError`` if the file cannot be read, holds no terms, has a bad row or event, or has
    terms that overlap (a school's real terms may not overlap).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".ics"):
        raise ParseError(
            f"I can't import terms from {path.name}: use a .csv file (columns name, start, end) "
            "or an .ics calendar file."
        )
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ParseError(f"I can't read {path}: {e.strerror or e}.") from None
    found = _read_csv(data) if suffix == ".csv" else _read_ics(data)
    if not found:
        what = "rows" if suffix == ".csv" else "term events (holidays, INSET days and timed events are skipped)"
        raise ParseError(f"{path.name} has no terms in it: I found no {what}.")
    found.sort(key=lambda f: (f.term.start, f.term.end))
    for earlier, later in pairwise(found):
        if later.term.start <= earlier.term.end:
            raise ParseError(
                f"{later.where}: {_describe(later.term)} overlaps {earlier.where}: {_describe(earlier.term)}. "
                "Terms may not overlap."
            )
    return [f.term for f in found]


def _describe(term: Term) -> str:
    return f'"{term.name}" ({term.start.isoformat()} to {term.end.isoformat()})'


# --------------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    # Excel on Windows saves CSV in cp1252 unless told otherwise; utf-8-sig also drops Excel's BOM.
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _read_csv(data: bytes) -> list[_Found]:
    text = _decode(data)
    first_line = text.lstrip().partition("\n")[0]
    # Spreadsheets in some locales separate with ";" (the comma being their decimal point).
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    columns: dict[str, int] = {}
    found: list[_Found] = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue  # blank lines, and the ",,," rows spreadsheets leave at the end
        # Rows are numbered as the spreadsheet shows them: the header is row 1 if it is on the first line.
        where = f"row {reader.line_num}"
        if header is None:
            header = [cell.strip().lower() for cell in row]
            missing = [c for c in _REQUIRED_COLUMNS if c not in header]
            if missing:
                raise ParseError(
                    f"{where}: the first row must be a header naming the columns name, start and end; "
                    f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing "
                    f"(found: {', '.join(cell for cell in header if cell) or 'nothing'})."
                )
            columns = {c: header.index(c) for c in _REQUIRED_COLUMNS}
            continue
        cells = {c: (row[i].strip() if i < len(row) else "") for c, i in columns.items()}
        if not cells["name"]:
            raise ParseError(f"{where}: the name is empty; every term needs one, e.g. Autumn 2025.")
        start = _csv_date(where, "start", cells["start"])
        end = _csv_date(where, "end", cells["end"])
        if end < start:
            raise ParseError(f"{where}: end {end.isoformat()} is before start {start.isoformat()}.")
        found.append(_Found(Term(start, end, cells["name"], estimated=False), f"{where} ({cells['name']})"))
    if header is None:
        raise ParseError("The file is empty: expected a header row name,start,end and one row per term.")
    return found


def _csv_date(where: str, column: str, value: str) -> date:
    if not value:
        raise ParseError(f"{where}: {column} is empty; expected {_FULL_DATE_HINT}.")
    try:
        # Only dates with their own year: "today" or "12 March" would mean different days on different days.
        return parse_absolute_date(value)
    except ParseError as e:
        raise ParseError(f"{where}: {column}: {e}") from None


# --------------------------------------------------------------------------------------------------
# iCalendar
# --------------------------------------------------------------------------------------------------


def _read_ics(data: bytes) -> list[_Found]:
    try:
        calendars = icalendar.Calendar.from_ical(data, multiple=True)
    except ValueError as e:
        raise ParseError(f"This is not a readable iCalendar (.ics) file: {e}") from None
    found: list[_Found] = []
    number = 0
    for calendar in calendars:
        for event in calendar.walk("VEVENT"):
            number += 1
            summary = str(event.get("SUMMARY", "")).strip()
            where = f'event {number} ("{summary}")' if summary else f"event {number}"
            if _NOT_A_TERM.search(summary):
                continue
            span = _event_days(event, where)
            if span is None:
                continue
            start, end = span
            name = summary or f"Term from {start.day} {start:%b %Y}"
            found.append(_Found(Term(start, end, name, estimated=False), where))
    return found


def _event_days(event: icalendar.Event, where: str) -> tuple[date, date] | None:
    """The first and last day (inclusive) an event covers, or None if it is not a whole-day event."""
    if str(event.get("STATUS", "")).upper() == "CANCELLED" or "RRULE" in event:
        return None  # a cancelled or repeating event is not a term
    for name, problem in event.errors:
        if name in ("DTSTART", "DTEND", "DURATION"):
            raise ParseError(f"{where}: {name} cannot be read ({problem}); expected a date such as 20260105.")
    if "DTSTART" not in event:
        raise ParseError(f"{where}: it has no DTSTART; a term event needs its first day as DTSTART.")
    start = event["DTSTART"].dt
    if "DTEND" in event:
        end = event["DTEND"].dt
    elif "DURATION" in event:
        end = start + event["DURATION"].dt
    else:
        end = None
    if isinstance(start, datetime):
        # Timed events (parents' evenings, trips) are not terms, unless they run midnight to midnight.
        if not isinstance(end, datetime) or end <= start or start.time() != time(0):
            return None
        if end.time() == time(0):
            last = end.date() - timedelta(days=1)
        elif end.time() >= time(23, 59):
            last = end.date()
        else:
            return None
        return start.date(), last
    if not isinstance(start, date):
        raise ParseError(f"{where}: DTSTART is not a date; expected a date such as 20260105.")
    if end is None:
        return start, start  # an all-day event with no end lasts one day (RFC 5545)
    if isinstance(end, datetime) or not isinstance(end, date):
        raise ParseError(f"{where}: DTSTART is a date but DTEND is not; expected both to be dates.")
    if end < start:
        raise ParseError(f"{where}: DTEND {end.isoformat()} is before DTSTART {start.isoformat()}.")
    # An all-day DTEND is the day after the last day; some producers write DTEND = DTSTART for one day.
    return start, max(start, end - timedelta(days=1))

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


# --------------------------------------------------------------------------------------------------
# Whole calendars: half-terms merged into terms, INSET days as closures (RULES v2)
# --------------------------------------------------------------------------------------------------

# Closure days a school calendar marks (INSET and the like): recorded as closures, not terms.
_CLOSURE = re.compile(r"\binset\b|training day|\bclosure\b|school closed|\bclosed\b|occasional day|\bpd day\b"
                      r"|staff development", re.IGNORECASE)
_HALF_TERM_EVENT = re.compile(r"half[\s-]*term", re.IGNORECASE)
_SEASON = re.compile(r"autumn|spring|summer", re.IGNORECASE)
# The half a name marks: "Autumn 1", "Autumn Term 2", "Spring (first half)", "Summer 2nd half", "Autumn ii".
_HALF_MARK = re.compile(r"\b(?:1|2|i|ii|one|two|first|second|1st|2nd|a|b)\b|\bhalf\b", re.IGNORECASE)


@dataclass(frozen=True)
class ImportedCalendar:
    """What an import file holds, ready to store: whole terms (with their half-terms) and closure days."""

    terms: list[Term]
    closures: list[tuple[date, date, str]]
    merged: int  # how many half-term pairs were merged into one term


def read_calendar_file(path: Path) -> ImportedCalendar:
    """Terms from ``path`` as ``read_terms_file`` reads them, with half-terms merged into whole terms (Autumn 1 +
    Autumn 2 -> Autumn, with its break), half-term events set as the break of the term they fall in, and INSET
    and other closure days (``.ics`` events, or ``.csv`` rows so named) read as closures."""
    path = Path(path)
    raw = read_terms_file(path)  # refuses an unreadable file, naming what is wrong
    closures: list[tuple[date, date, str]] = []
    breaks: list[tuple[date, date]] = []
    if path.suffix.lower() == ".ics":
        closures, breaks = _ics_closures_and_breaks(path.read_bytes())
    raw = read_terms_file(path)
    terms: list[Term] = []
    for t in raw:
        if _CLOSURE.search(t.name):  # a .csv row for an INSET day
            closures.append((t.start, t.end, t.name))
        else:
            terms.append(t)
    if not terms:
        raise ParseError(f"{path.name} has no terms in it, only closure days.")
    merged_terms, merged = merge_half_terms(terms)
    with_breaks = [_with_break(t, breaks) for t in merged_terms]
    return ImportedCalendar(with_breaks, sorted(closures), merged)


def merge_half_terms(terms: list[Term]) -> tuple[list[Term], int]:
    """Merge each pair of half-terms (Autumn 1 and Autumn 2) into one term with its half-term break between them.

    A pair is two terms in a row, in the same academic year, both named for the same season with a half marked
    (or, when a year holds six unnamed terms, the 1st and 2nd, 3rd and 4th, 5th and 6th). ``parent_meeting``
    counts whole terms, three a year, never half-terms (RULES v2). Returns (terms, pairs merged).
    """
    ordered = sorted(terms)
    out: list[Term] = []
    merged = 0
    i = 0
    by_year: dict[int, int] = {}
    for t in ordered:
        by_year[_academic_year(t.start)] = by_year.get(_academic_year(t.start), 0) + 1
    while i < len(ordered):
        a = ordered[i]
        b = ordered[i + 1] if i + 1 < len(ordered) else None
        if b is not None and _pair(a, b, by_year):
            out.append(Term(a.start, b.end, _whole_name(a), False,
                            (a.end + timedelta(days=1), b.start - timedelta(days=1))))
            merged += 1
            i += 2
            continue
        out.append(a)
        i += 1
    return out, merged


def _academic_year(d: date) -> int:
    return d.year if d.month >= 9 else d.year - 1


def _pair(a: Term, b: Term, by_year: dict[int, int]) -> bool:
    if _academic_year(a.start) != _academic_year(b.start) or (b.start - a.end).days > 21 or b.start <= a.end + \
            timedelta(days=1):
        return False
    sa, sb = _SEASON.search(a.name), _SEASON.search(b.name)
    if sa and sb:
        return sa.group(0).lower() == sb.group(0).lower() and bool(_HALF_MARK.search(_SEASON.sub("", a.name)))
    # Unnamed halves: six terms in the year, paired in order (a is 1st, 3rd or 5th of its year).
    return by_year.get(_academic_year(a.start)) == 6 and not sa and not sb


def _whole_name(first: Term) -> str:
    """The merged term's name: its season (from the name, or else from when it starts) and the year it starts."""
    season = _SEASON.search(first.name)
    word = season.group(0).title() if season else (
        "Autumn" if first.start.month >= 9 else "Spring" if first.start.month <= 3 else "Summer")
    return f"{word} {first.start.year}"


def _with_break(t: Term, breaks: list[tuple[date, date]]) -> Term:
    if t.half_term is not None:
        return t
    inside = [(a, b) for a, b in breaks if t.start < a and b < t.end]
    return Term(t.start, t.end, t.name, t.estimated, inside[0]) if inside else t


def _ics_closures_and_breaks(data: bytes) -> tuple[list[tuple[date, date, str]], list[tuple[date, date]]]:
    try:
        calendars = icalendar.Calendar.from_ical(data, multiple=True)
    except ValueError:
        return [], []
    closures: list[tuple[date, date, str]] = []
    breaks: list[tuple[date, date]] = []
    for calendar in calendars:
        for n, event in enumerate(calendar.walk("VEVENT"), start=1):
            summary = str(event.get("SUMMARY", "")).strip()
            if not (_CLOSURE.search(summary) or _HALF_TERM_EVENT.search(summary)):
                continue
            try:
                span = _event_days(event, f"event {n}")
            except ParseError:
                continue
            if span is None:
                continue
            if _HALF_TERM_EVENT.search(summary):
                breaks.append(span)
            else:
                closures.append((span[0], span[1], summary[:120] or "INSET day"))
    return closures, breaks

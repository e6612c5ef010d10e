"""Dates as people in English schools type them: day before month, ``today``, ``+2w``, ``12 Mar 2026``.

Pure (``today`` is always passed in) and neutral: used by the command language, term-date files and the CLI.
A refusal is a ``ParseError`` whose text is shown to the user as it is.
"""

import re
from datetime import date, timedelta

from bot.rules.dates import add_months, days_in_month


class ParseError(Exception):
    """A user-facing refusal: str(e) is a clear, specific sentence saying what is wrong and what would be accepted."""

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field  # the argument or option it is about (a form shows it by that field), if one

    def about(self, field: str) -> "ParseError":
        """Name the field this is about, unless a more precise part already did; returns itself to re-raise."""
        if self.field is None:
            self.field = field
        return self



_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MONTHS: dict[str, int] = {}
for _number, _name in enumerate(_MONTH_NAMES, start=1):
    _MONTHS[_name.lower()] = _number
    _MONTHS[_name[:3].lower()] = _number
_MONTHS["sept"] = 9

DATE_HINT = "Try 2026-03-12, 12/03/2026, 12 Mar 2026, today, +2w or -3d."

# re.ASCII: only 0-9 count as digits (int() would accept other scripts' digits too).
_YEAR_FIRST = re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})", re.ASCII)
_DAY_FIRST = re.compile(r"([0-9]{1,2})([-/.])([0-9]{1,2})\2([0-9]{4}|[0-9]{2})", re.ASCII)
_DAY_MONTH_NUMERIC = re.compile(r"([0-9]{1,2})/([0-9]{1,2})", re.ASCII)
_ORDINAL = r"(?:st|nd|rd|th)?"
# "12 March 2026", "12th of March, 2026". A two-digit year is not accepted with spaces: in "5 Jan 27 Mar" the 27
# is the next date's day, not the year 2027.
_NAMED = re.compile(rf"([0-9]{{1,2}}){_ORDINAL}(?: of)? ([a-z]+)\.?(?:,? ([0-9]{{4}}))?", re.ASCII)
# "12-Mar-2026" and "12-Mar-26", as spreadsheets write them; one word, so the short year is unambiguous.
_NAMED_HYPHEN = re.compile(rf"([0-9]{{1,2}}){_ORDINAL}-([a-z]+)-([0-9]{{4}}|[0-9]{{2}})", re.ASCII)
_RELATIVE = re.compile(r"([+-]) ?([0-9]{1,5}) ?(d|days?|w|wks?|weeks?|m|mths?|months?|y|yrs?|years?)", re.ASCII)
DAY_WORD = re.compile(rf"[0-9]{{1,2}}{_ORDINAL}", re.ASCII | re.IGNORECASE)


def parse_date(text: str, today: date) -> date:
    """A date as a person types it (COMMANDS.md, "Words"). Day before month, always; impossible dates refused."""
    result = read_date(text, today)
    if result is None:
        raise unreadable(text)
    return result


def parse_absolute_date(text: str) -> date:
    """Only the forms that carry their own year (``2026-03-12``, ``12/03/2026``, ``12 Mar 2026``).

    For files, where a date must mean the same whatever day it is read on.
    """
    norm = _normalise(text)
    result = _parse_fixed(norm, text.strip())
    if result is None:
        raise ParseError(
            f"I can't read '{text.strip()}' as a date. Give a full date with its year, e.g. 2026-03-12, "
            "12/03/2026 or 12 Mar 2026."
        )
    return result


def _normalise(text: str) -> str:
    return " ".join(text.lower().split())


def unreadable(text: str) -> ParseError:
    shown = text.strip()
    if not shown:
        return ParseError(f"A date is missing. {DATE_HINT}")
    norm = _normalise(shown)
    match = _NAMED.fullmatch(norm) or _NAMED_HYPHEN.fullmatch(norm)
    if match and match.group(2) not in _MONTHS:
        return ParseError(f"I can't read '{shown}' as a date: '{match.group(2)}' is not a month. {DATE_HINT}")
    return ParseError(f"I can't read '{shown}' as a date. {DATE_HINT}")


def read_date(text: str, today: date) -> date | None:
    """The date, or None when ``text`` is not in any date form; ParseError when it is a form but impossible."""
    norm = _normalise(text)
    shown = text.strip()
    if norm == "today":
        return today
    if norm == "yesterday":
        return today - timedelta(days=1)
    if norm == "tomorrow":
        return today + timedelta(days=1)
    match = _RELATIVE.fullmatch(norm)
    if match:
        return _relative(shown, today, match)
    fixed = _parse_fixed(norm, shown)
    if fixed is not None:
        return fixed
    match = _DAY_MONTH_NUMERIC.fullmatch(norm)
    if match:
        return _next_occurrence(shown, today, int(match.group(2)), int(match.group(1)))
    match = _NAMED.fullmatch(norm)
    if match and match.group(3) is None and match.group(2) in _MONTHS:
        return _next_occurrence(shown, today, _MONTHS[match.group(2)], int(match.group(1)))
    return None


def _parse_fixed(norm: str, shown: str) -> date | None:
    """The forms with a year of their own."""
    match = _YEAR_FIRST.fullmatch(norm)
    if match:
        return _make_date(shown, int(match.group(1)), int(match.group(3)), int(match.group(4)))
    match = _DAY_FIRST.fullmatch(norm)
    if match:
        return _make_date(shown, _full_year(match.group(4)), int(match.group(3)), int(match.group(1)))
    match = _NAMED.fullmatch(norm)
    if match and match.group(3) is not None and match.group(2) in _MONTHS:
        return _make_date(shown, int(match.group(3)), _MONTHS[match.group(2)], int(match.group(1)))
    match = _NAMED_HYPHEN.fullmatch(norm)
    if match and match.group(2) in _MONTHS:
        return _make_date(shown, _full_year(match.group(3)), _MONTHS[match.group(2)], int(match.group(1)))
    return None


def _full_year(digits: str) -> int:
    # A two-digit year is this century: 26 is 2026 (dates here are recent or near-future school events).
    return 2000 + int(digits) if len(digits) == 2 else int(digits)


def _check_day_month(shown: str, month: int, day: int) -> None:
    if not 1 <= month <= 12:
        raise ParseError(
            f"{shown} is not a real date: there is no month {month}. The day comes first: 12/03/2026 is 12 March 2026."
        )
    if day < 1:
        raise ParseError(f"{shown} is not a real date: there is no day {day}.")


def _make_date(shown: str, year: int, month: int, day: int) -> date:
    _check_day_month(shown, month, day)
    if year < 1:
        raise ParseError(f"{shown} is not a real date: there is no year {year}.")
    length = days_in_month(year, month)
    if day > length:
        # Refused, never rolled over into the next month.
        raise ParseError(f"{shown} is not a real date: {_MONTH_NAMES[month - 1]} {year} has {length} days.")
    return date(year, month, day)


def _next_occurrence(shown: str, today: date, month: int, day: int) -> date:
    """The first ``day``/``month`` on or after ``today`` (29 Feb waits for the next leap year)."""
    _check_day_month(shown, month, day)
    longest = 29 if month == 2 else days_in_month(2001, month)
    if day > longest:
        raise ParseError(f"{shown} is not a real date: {_MONTH_NAMES[month - 1]} has {longest} days.")
    for year in range(today.year, min(today.year + 9, 10000)):
        if day <= days_in_month(year, month) and date(year, month, day) >= today:
            return date(year, month, day)
    raise ParseError(f"{shown} is too far in the future. Give the year too, e.g. 12 Mar 2026.")


def _relative(shown: str, today: date, match: re.Match[str]) -> date:
    sign = 1 if match.group(1) == "+" else -1
    amount = sign * int(match.group(2))
    unit = match.group(3)[0]
    try:
        if unit == "d":
            return today + timedelta(days=amount)
        if unit == "w":
            return today + timedelta(weeks=amount)
        # Calendar months: the same day of the month, or the month's last day if it has no such day.
        return add_months(today, amount * (12 if unit == "y" else 1))
    except (OverflowError, ValueError):
        raise ParseError(f"{shown} is too far from today to be a date.") from None

"""Words of the chat command language: the tokenizer and the parsers for dates and staff references.

Pure: no database and no clock (``today`` is always passed in). Every refusal is a ``ParseError`` whose
text is shown to the user as it is, so each one says what was wrong and what would be accepted.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.rules.dates import add_months, days_in_month


class ParseError(Exception):
    """A user-facing refusal: str(e) is a clear, specific sentence saying what is wrong and what would be accepted."""


@dataclass(frozen=True)
class Token:
    text: str  # the word, unquoted; for an option, the value (unquoted)
    quoted: bool = False  # the word (or option value) was in quotes
    key: str | None = None  # set (lower-cased) when the token is an option key:value


# --------------------------------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------------------------------

# Chat clients autocorrect straight quotes into curly ones, so every variant opens and closes a group.
_DOUBLE_QUOTES = '"“”„'
_SINGLE_QUOTES = "'‘’"
# Digits and underscores are allowed after the first letter so that a slip like ``reminder_time:08:00`` still
# reaches the grammar as an (unknown) option, which is refused naming the real ones. A word starting with a
# digit (``08:00``) is never an option.
_OPTION_KEY = re.compile(r"([A-Za-z][A-Za-z0-9_-]*):")
# Slack's escaped entities: user and channel mentions, special mentions (<!here>) and links. Slack escapes a
# literal "<" as "&lt;", so a raw "<" followed by one of these is always an entity and may contain spaces.
_ANGLE_START = re.compile(r"<(?:[@#!]|[A-Za-z][A-Za-z0-9+.-]*:)")

_EXAMPLE_QUOTED = '"Ava Smith"'


def tokenize(text: str) -> list[Token]:
    """Split a command into words; quoted groups, ``key:value`` options and Slack mentions are one token each."""
    tokens: list[Token] = []
    n = len(text)
    i = 0
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            return tokens
        key: str | None = None
        start = i
        match = _OPTION_KEY.match(text, i)
        # "https://..." is a word, not an option called "https".
        if match and not text.startswith("//", match.end()):
            key = match.group(1).lower()
            start = match.end()
        value, quoted, i = _read_value(text, start)
        tokens.append(Token(value, quoted, key))


def _read_value(text: str, i: int) -> tuple[str, bool, int]:
    """Read one word (or option value) starting at ``i``; returns (value, quoted, index after it)."""
    n = len(text)
    if i < n and text[i] in _DOUBLE_QUOTES + _SINGLE_QUOTES:
        close = _closing_quote(text, i)
        if close is None:
            snippet = text[i:].strip()
            if len(snippet) > 40:
                snippet = snippet[:40] + "…"
            raise ParseError(
                f"There is an opening quote with no closing quote: {snippet}. "
                f"Put a quote after the last word of the group, e.g. {_EXAMPLE_QUOTED}."
            )
        return text[i + 1 : close], True, close + 1
    if i < n and _ANGLE_START.match(text, i):
        close = text.find(">", i)
        if close != -1:
            return text[i : close + 1], False, close + 1
    # A plain word runs to the next whitespace; quotes inside it (O'Brien, 5") are part of it.
    end = i
    while end < n and not text[end].isspace():
        end += 1
    return text[i:end], False, end


def _closing_quote(text: str, opening: int) -> int | None:
    """The index of the quote closing the group opened at ``opening``, or None if it is never closed."""
    n = len(text)
    if text[opening] in _DOUBLE_QUOTES:
        for k in range(opening + 1, n):
            if text[k] in _DOUBLE_QUOTES:
                return k
        return None
    # A single quote is also an apostrophe (O'Brien, O’Brien), so it only closes the group when it is not
    # followed by a letter or digit.
    for k in range(opening + 1, n):
        if text[k] in _SINGLE_QUOTES and (k + 1 == n or not text[k + 1].isalnum()):
            return k
    return None


# --------------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------------

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

_DATE_HINT = "Try 2026-03-12, 12/03/2026, 12 Mar 2026, today, +2w or -3d."

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
_DAY_WORD = re.compile(rf"[0-9]{{1,2}}{_ORDINAL}", re.ASCII | re.IGNORECASE)


def parse_date(text: str, today: date, past: bool = False) -> date:
    """A date as a person types it (COMMANDS.md, "Words"). Day before month, always; impossible dates refused.

    A bare day and month (``12 March``, ``12/3``) is the next such day from ``today``, or with ``past`` (a fact
    that happened) the latest such day up to ``today`` (COMMANDS v2)."""
    result = _parse(text, today, past)
    if result is None:
        raise _unreadable(text)
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


def take_date(tokens: list[Token], i: int, today: date, past: bool = False) -> tuple[date, int]:
    """Parse the date starting at ``tokens[i]``; returns (date, number of tokens consumed).

    A date may be spread over up to three plain words (``12 Mar 2026``); the longest reading wins. A quoted
    token is only ever read on its own, and options are never consumed.
    """
    if i >= len(tokens):
        raise ParseError(f"A date is missing. {_DATE_HINT}")
    if tokens[i].key is not None:
        raise ParseError(f"A date is missing before {_show(tokens[i])}. {_DATE_HINT}")
    for count in (3, 2):
        words = tokens[i : i + count]
        if len(words) < count or any(t.quoted or t.key is not None for t in words):
            continue
        result = _parse(" ".join(t.text for t in words), today, past)
        if result is not None:
            return result, count
    result = _parse(tokens[i].text, today, past)
    if result is not None:
        return result, 1
    # Name the words that were meant together ("12 Marhc"), not just the day number.
    shown = tokens[i].text
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    if not tokens[i].quoted and _DAY_WORD.fullmatch(shown) and nxt is not None and not nxt.quoted and nxt.key is None:
        shown = f"{shown} {nxt.text}"
    raise _unreadable(shown)


def _show(token: Token) -> str:
    value = f'"{token.text}"' if token.quoted else token.text
    return f"{token.key}:{value}" if token.key is not None else value


def _normalise(text: str) -> str:
    return " ".join(text.lower().split())


def _unreadable(text: str) -> ParseError:
    shown = text.strip()
    if not shown:
        return ParseError(f"A date is missing. {_DATE_HINT}")
    norm = _normalise(shown)
    match = _NAMED.fullmatch(norm) or _NAMED_HYPHEN.fullmatch(norm)
    if match and match.group(2) not in _MONTHS:
        return ParseError(f"I can't read '{shown}' as a date: '{match.group(2)}' is not a month. {_DATE_HINT}")
    return ParseError(f"I can't read '{shown}' as a date. {_DATE_HINT}")


def _parse(text: str, today: date, past: bool = False) -> date | None:
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
    occurrence = _last_occurrence if past else _next_occurrence
    match = _DAY_MONTH_NUMERIC.fullmatch(norm)
    if match:
        return occurrence(shown, today, int(match.group(2)), int(match.group(1)))
    match = _NAMED.fullmatch(norm)
    if match and match.group(3) is None and match.group(2) in _MONTHS:
        return occurrence(shown, today, _MONTHS[match.group(2)], int(match.group(1)))
    return None


def numeric_day_month(text: str) -> tuple[int, int, int | None] | None:
    """(day, month, year or None) when ``text`` is an all-numbers day-first date (``03/12``, ``3/12/26``)."""
    norm = _normalise(text)
    match = _DAY_FIRST.fullmatch(norm)
    if match:
        return int(match.group(1)), int(match.group(3)), _full_year(match.group(4))
    match = _DAY_MONTH_NUMERIC.fullmatch(norm)
    if match:
        return int(match.group(1)), int(match.group(2)), None
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


def _last_occurrence(shown: str, today: date, month: int, day: int) -> date:
    """The latest ``day``/``month`` on or before ``today`` (29 Feb: the last leap year's)."""
    _check_day_month(shown, month, day)
    longest = 29 if month == 2 else days_in_month(2001, month)
    if day > longest:
        raise ParseError(f"{shown} is not a real date: {_MONTH_NAMES[month - 1]} has {longest} days.")
    for year in range(today.year, max(today.year - 9, 0), -1):
        if day <= days_in_month(year, month) and date(year, month, day) <= today:
            return date(year, month, day)
    raise ParseError(f"{shown} is too far in the past. Give the year too, e.g. 12 Mar 2026.")


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


# --------------------------------------------------------------------------------------------------
# Staff references
# --------------------------------------------------------------------------------------------------

_USER_MENTION = re.compile(r"<@([A-Za-z0-9._-]+)(?:\|([^>]*))?>")
_STAFF_HINT = "Mention them (@alice) or give their handle."


def parse_staff_ref(text: str) -> tuple[str, str | None]:
    """A staff reference: (user id or handle, the label Slack sent with a mention, if any).

    ``<@U123ABC|alice>`` -> ("U123ABC", "alice"); ``@alice`` and ``alice`` -> ("alice", None). The case is
    kept: Slack ids are upper case and matching handles is the caller's business.
    """
    ref = text.strip()
    if not ref:
        raise ParseError(f"A staff member is missing. {_STAFF_HINT}")
    if ref.startswith("<"):
        match = _USER_MENTION.fullmatch(ref)
        if match:
            label = (match.group(2) or "").strip()
            return match.group(1), label or None
        if ref.startswith("<#"):
            raise ParseError(f"{ref} is a channel, not a person. {_STAFF_HINT}")
        if ref.startswith("<!"):
            raise ParseError(f"{ref} is a group mention, not one person. {_STAFF_HINT}")
        raise ParseError(f"I can't read {ref} as a person. {_STAFF_HINT}")
    if ref.startswith("@"):
        ref = ref[1:].strip()
        if not ref:
            raise ParseError(f"'@' on its own is not a person. {_STAFF_HINT}")
    return ref, None

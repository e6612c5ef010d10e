"""Words of the chat command language: the tokenizer, dates among words, and staff references.

Pure: no database and no clock (``today`` is always passed in); the date forms themselves are in
``bot.dates``. Every refusal is a ``ParseError`` whose text is shown to the user as it is, so each one says
what was wrong and what would be accepted.
"""

import re
from dataclasses import dataclass
from datetime import date

from bot.dates import DATE_HINT, DAY_WORD, ParseError, parse_date, read_date, unreadable
from bot.surface import MENTION

__all__ = ["ParseError", "Token", "parse_date", "parse_staff_ref", "take_date", "tokenize"]


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
# Dates among words
# --------------------------------------------------------------------------------------------------

def take_date(tokens: list[Token], i: int, today: date) -> tuple[date, int]:
    """Parse the date starting at ``tokens[i]``; returns (date, number of tokens consumed).

    A date may be spread over up to three plain words (``12 Mar 2026``); the longest reading wins. A quoted
    token is only ever read on its own, and options are never consumed.
    """
    if i >= len(tokens):
        raise ParseError(f"A date is missing. {DATE_HINT}")
    if tokens[i].key is not None:
        raise ParseError(f"A date is missing before {_show(tokens[i])}. {DATE_HINT}")
    for count in (3, 2):
        words = tokens[i : i + count]
        if len(words) < count or any(t.quoted or t.key is not None for t in words):
            continue
        result = read_date(" ".join(t.text for t in words), today)
        if result is not None:
            return result, count
    result = read_date(tokens[i].text, today)
    if result is not None:
        return result, 1
    # Name the words that were meant together ("12 Marhc"), not just the day number.
    shown = tokens[i].text
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    if not tokens[i].quoted and DAY_WORD.fullmatch(shown) and nxt is not None and not nxt.quoted and nxt.key is None:
        shown = f"{shown} {nxt.text}"
    raise unreadable(shown)


def _show(token: Token) -> str:
    value = f'"{token.text}"' if token.quoted else token.text
    return f"{token.key}:{value}" if token.key is not None else value


# --------------------------------------------------------------------------------------------------
# Staff references
# --------------------------------------------------------------------------------------------------

_STAFF_HINT = "Mention them (@alice) or give their handle."


def parse_staff_ref(text: str) -> tuple[str, str | None]:
    """A staff reference: (user id or handle, the label sent with a mention, if any).

    Mentions arrive as the core's canonical token ``<@id|label>`` (bot.surface): each adapter rewrites its
    platform's syntax into it (Slack's already is).

    ``<@U123ABC|alice>`` -> ("U123ABC", "alice"); ``@alice`` and ``alice`` -> ("alice", None). The case is
    kept: Slack ids are upper case and matching handles is the caller's business.
    """
    ref = text.strip()
    if not ref:
        raise ParseError(f"A staff member is missing. {_STAFF_HINT}")
    if ref.startswith("<"):
        match = MENTION.fullmatch(ref)
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

"""One grammar: the command definitions drive the parser, the usage lines and the help text.

A command is a few words (``pupil add``), positional arguments of known kinds and ``key:value``
options. Parsing turns text into plain values; resolving pupils and staff is the services' job.
"""

import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.commands.words import ParseError, Token, parse_date, parse_staff_ref, take_date, tokenize

# Kinds of value: pupil (a reference string), staff ((handle, display)), date, text (one word or a quoted
# phrase), choice (one of ``choices``), int, rest (every remaining word, joined).
ArgKind = str

# A date this many years or more from today is a slip of the keyboard (2062 for 2026), and the statutory
# arithmetic on it could run off the calendar (31/12/9999 + 2 months).
DATE_RANGE_YEARS = 100
_WHOLE_NUMBER = re.compile(r"\+?[0-9]{1,9}", re.ASCII)


@dataclass(frozen=True)
class Arg:
    name: str
    kind: ArgKind = "text"
    choices: tuple[str, ...] = ()
    optional: bool = False
    help: str = ""
    max_len: int = 0  # the longest value the database can store (0: not stored, no limit)

    @property
    def usage(self) -> str:
        shown = "|".join(self.choices) if self.choices else f"<{self.name}>"
        if self.kind == "text" and not self.choices and self.name not in ("reminder",):
            shown = f'"<{self.name}>"' if self.name in ("name", "what") else shown
        return f"[{shown}]" if self.optional else shown


@dataclass(frozen=True)
class Opt:
    key: str
    kind: ArgKind = "text"
    choices: tuple[str, ...] = ()
    required: bool = False
    placeholder: str = ""
    help: str = ""
    max_len: int = 0  # the longest value the database can store (0: not stored, no limit)

    @property
    def usage(self) -> str:
        value = "|".join(self.choices) if self.choices else f"<{self.placeholder or self.kind}>"
        if self.kind == "text" and not self.choices and self.placeholder in ("who", "text", "authority", "name"):
            value = f'"<{self.placeholder}>"'
        shown = f"{self.key}:{value}"
        return shown if self.required else f"[{shown}]"


@dataclass(frozen=True)
class Command:
    words: tuple[str, ...]
    summary: str
    handler: Callable[..., Any]
    args: tuple[Arg, ...] = ()
    opts: tuple[Opt, ...] = ()
    details: str = ""
    examples: tuple[str, ...] = ()
    anyone: bool = False  # may be used by people who are not (yet) on the staff list
    reads: bool = False  # only reads: a surface need not refresh what it shows (Slack's Home tab) afterwards

    @property
    def name(self) -> str:
        return " ".join(self.words)

    @property
    def usage(self) -> str:
        parts = ["/sen", *self.words, *(a.usage for a in self.args), *(o.usage for o in self.opts)]
        return " ".join(parts)

    def help(self) -> str:
        lines = [self.usage, f"  {self.summary}"]
        if self.details:
            lines.append(f"  {self.details}")
        for a in self.args:
            if a.help:
                lines.append(f"  {a.usage.strip('[]')}: {a.help}")
        for o in self.opts:
            if o.help:
                lines.append(f"  {o.key}: {o.help}")
        for e in self.examples:
            lines.append(f"  e.g. {e}")
        return "\n".join(lines)


@dataclass
class Parsed:
    command: Command
    values: dict[str, Any] = field(default_factory=dict)


class Grammar:
    def __init__(self, commands: list[Command]) -> None:
        self.commands = commands
        self.by_words = {c.words: c for c in commands}
        self.families = sorted({c.words[0] for c in commands})

    # --- finding the command ----------------------------------------------------------------------------

    def match(self, tokens: list[Token]) -> tuple[Command, int]:
        words = [t.text.lower() if t.key is None and not t.quoted else "" for t in tokens[:3]]
        for n in (3, 2, 1):
            if len(words) >= n and tuple(words[:n]) in self.by_words:
                return self.by_words[tuple(words[:n])], n
        if not words or not words[0]:
            raise ParseError(f"Start with a command, like /sen help. Commands: {', '.join(self.families)}.")
        first = words[0]
        family = [c for c in self.commands if c.words[0] == first]
        if family:
            sub = words[1] if len(words) > 1 else ""
            options = [c.words[1] for c in family if len(c.words) > 1]
            guess = difflib.get_close_matches(sub, options, n=1) if sub else []
            hint = f" Did you mean '/sen {first} {guess[0]}'?" if guess else ""
            what = f"'{sub}' isn't a {first} command." if sub else f"'{first}' needs a next word."
            raise ParseError(f"{what}{hint} Try: {', '.join(f'{first} {o}' for o in options)}.")
        guess = difflib.get_close_matches(first, self.families, n=2)
        hint = f" Did you mean {' or '.join(repr(g) for g in guess)}?" if guess else ""
        raise ParseError(f"I don't know the command '{first}'.{hint} Type /sen help to see them all.")

    # --- parsing ----------------------------------------------------------------------------------------

    def parse(self, text: str, today: date) -> Parsed:
        text = text.strip()
        # PostgreSQL can't store NUL, and no one means to type a control character: refuse, don't crash.
        bad = next((c for c in text if unicodedata.category(c) in ("Cc", "Cs") and not c.isspace()), None)
        if bad is not None:
            raise ParseError(f"Your message contains an invisible control character (U+{ord(bad):04X}). "
                             "Type it again without it.")
        if text.lower().startswith("/sen"):
            text = text[4:]
        tokens = tokenize(text)
        if not tokens:
            tokens = [Token("help")]
        command, used = self.match(tokens)
        rest = tokens[used:]
        words = [t for t in rest if t.key is None]
        options = [t for t in rest if t.key is not None]
        values: dict[str, Any] = {}
        self._options(command, options, values, today)
        self._positional(command, words, values, today)
        return Parsed(command, values)

    def _options(self, command: Command, options: list[Token], values: dict[str, Any], today: date) -> None:
        known = {o.key: o for o in command.opts}
        for tok in options:
            assert tok.key is not None
            opt = known.get(tok.key)
            if opt is None:
                if not known:
                    raise ParseError(f"/sen {command.name} takes no options like '{tok.key}:'. Usage: {command.usage}")
                guess = difflib.get_close_matches(tok.key, list(known), n=1)
                hint = f" Did you mean {guess[0]}:?" if guess else ""
                raise ParseError(f"Unknown option '{tok.key}:' for /sen {command.name}.{hint} "
                                 f"Options: {', '.join(k + ':' for k in known)}.")
            try:
                if opt.key in values:
                    raise ParseError(f"{opt.key}: is given twice; give it once.")
                if not tok.text:
                    raise ParseError(f"{opt.key}: needs a value, like {opt.usage.strip('[]')}.")
                _fits(tok.text, opt.max_len, f"{opt.key}:")
                values[opt.key] = self._value(opt.kind, opt.choices, tok.text, f"{opt.key}:", today)
            except ParseError as e:
                raise e.about(opt.key) from None
        for opt in command.opts:
            if opt.required and opt.key not in values:
                raise ParseError(f"/sen {command.name} needs {opt.usage}. Usage: {command.usage}", field=opt.key)

    def _positional(self, command: Command, words: list[Token], values: dict[str, Any], today: date) -> None:
        i = 0
        for arg in command.args:
            try:
                i = self._one(command, arg, words, values, today, i)
            except ParseError as e:
                raise e.about(arg.name) from None
        self._leftovers(command, words, values, i)

    def _one(self, command: Command, arg: Arg, words: list[Token], values: dict[str, Any], today: date,
             i: int) -> int:
        """Read ``arg`` from ``words[i]`` on; returns where the next argument starts."""
        if arg.kind == "rest":
            values[arg.name] = " ".join(t.text for t in words[i:]) or None
            return len(words)
        if i >= len(words):
            if arg.optional:
                return i
            raise ParseError(f"/sen {command.name} needs {arg.usage}. Usage: {command.usage}")
        if arg.optional and arg.choices and words[i].text.lower() not in arg.choices:
            # Optional choices may come in any order (``/sen due all week``).
            later = [a for a in command.args if a.optional and a.choices and a.name not in values
                     and words[i].text.lower() in a.choices]
            if later:
                return i
            raise ParseError(f"'{words[i].text}' isn't one of {', '.join(arg.choices)}. Usage: {command.usage}")
        if arg.kind == "date":
            values[arg.name], n = take_date(words, i, today)
            _near(values[arg.name], today)
            return i + n
        text = words[i].text
        last = arg is command.args[-1]
        if last and arg.kind in ("text", "pupil") and not arg.choices and not words[i].quoted:
            # A name typed without quotes as the last word of a command still means the whole name.
            text = " ".join(t.text for t in words[i:])
            i = len(words) - 1
        _fits(text, arg.max_len, f"<{arg.name}>")
        values[arg.name] = self._value(arg.kind, arg.choices, text, f"<{arg.name}>", today,
                                       quoted=words[i].quoted)
        return i + 1

    @staticmethod
    def _leftovers(command: Command, words: list[Token], values: dict[str, Any], i: int) -> None:
        if i < len(words):
            # Optional choices left unplaced because of their order get one more chance.
            for tok in words[i:]:
                slot = next((a for a in command.args if a.optional and a.choices and a.name not in values
                             and tok.text.lower() in a.choices), None)
                if slot is None:
                    extra = " ".join(f'"{t.text}"' if t.quoted else t.text for t in words[i:])
                    tip = " Put a name with spaces in quotes." if any(a.kind in ("pupil", "text")
                                                                      for a in command.args) else ""
                    raise ParseError(f"I didn't expect '{extra}'.{tip} Usage: {command.usage}")
                values[slot.name] = tok.text.lower()

    @staticmethod
    def _value(kind: ArgKind, choices: tuple[str, ...], text: str, label: str, today: date,
               quoted: bool = False) -> Any:
        if choices:
            lowered = text.lower()
            if lowered not in choices:
                raise ParseError(f"{label} takes {', '.join(choices)}; '{text}' isn't one of them.")
            return lowered
        if kind == "date":
            return _near(parse_date(text, today), today)
        if kind == "staff":
            return parse_staff_ref(text)
        if kind == "int":
            # Only 0-9: str.isdigit() also passes "²", which int() then rejects.
            if not _WHOLE_NUMBER.fullmatch(text.strip()):
                if text.strip().lstrip("+").isascii() and text.strip().lstrip("+").isdigit():
                    raise ParseError(f"{label} {text} is far too big: give a number like 6.")
                raise ParseError(f"{label} takes a whole number, like 6; '{text}' isn't one.")
            return int(text)
        if kind == "pupil" and not text.strip():
            raise ParseError('Which pupil? Give a name in quotes ("Ava Smith"), a unique prefix, #id or UPN.')
        return text

    # --- help -------------------------------------------------------------------------------------------

    def help(self, topic: str | None = None) -> tuple[str, list[str]]:
        """(title, lines) for /sen help and /sen help <command>."""
        if topic:
            wanted = tuple(topic.lower().removeprefix("/sen").split())
            found = [c for c in self.commands if c.words[: len(wanted)] == wanted]
            if not found:
                guess = difflib.get_close_matches(" ".join(wanted), [c.name for c in self.commands], n=2)
                hint = f" Did you mean {' or '.join(guess)}?" if guess else ""
                raise ParseError(f"There is no command '{topic}'.{hint} /sen help lists them all.")
            return f"Help: /sen {' '.join(wanted)}", [c.help() for c in found]
        lines = []
        for family in dict.fromkeys(c.words[0] for c in self.commands):
            for c in (c for c in self.commands if c.words[0] == family):
                lines.append(f"{c.usage}\n    {c.summary}")
        return "sendbot: log SEN support from chat and never miss a statutory deadline", lines


def _fits(text: str, limit: int, label: str) -> None:
    """Refuse a value longer than the database stores, naming the word and the limit."""
    if limit and len(text) > limit:
        raise ParseError(f"{label} is too long ({len(text)} characters): keep it to {limit} or fewer.")


def _near(d: date, today: date) -> date:
    if abs(d.year - today.year) >= DATE_RANGE_YEARS:
        raise ParseError(f"{d.isoformat()} is {DATE_RANGE_YEARS} years or more from today: check the year, "
                         "e.g. 12/03/2026.")
    return d

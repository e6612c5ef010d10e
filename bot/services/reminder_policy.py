"""Reminder policy: when to remind whom about each kind of deadline (RULES.md, "Reminder steps").

The table is data. A school changes one kind at a time with ``/sen settings remind:"<kind> <steps>"``; the
changes are stored in ``School.settings["reminder-steps"]`` as canonical text and everything else keeps the
defaults below. A step is ``WHEN`` or ``WHEN=WHO+WHO``:

- WHEN: ``-10w`` / ``-3d`` / ``-6m`` (weeks, days, months before the due day), ``-2sd`` (school days before),
  ``0`` (on the day), ``+3d`` (after it), ``weekly`` (every week while overdue), ``opens`` / ``opens+12m``
  (from when the duty began: the LA's decision for an appeal window, the appointment for a SENCO's
  qualification).
- WHO (default ``responsible``): ``responsible`` (the named teacher or intervention staff, else the SENCO),
  ``senco``, ``leaders``, ``channel`` (the school's ``reminders-channel``).

Pure: no database, no clock.
"""

import difflib
import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.calendar import SchoolCalendar
from bot.rules.citations import KINDS
from bot.rules.dates import add_months
from bot.services.errors import Refused

AUDIENCES = ("responsible", "senco", "leaders", "channel")
SETTINGS_KEY = "reminder-steps"  # where a school's changes live in School.settings
MAX_STEPS = 12

# Kinds whose duty has a known beginning, for "opens" steps: what the beginning is, in words.
OPENS = {
    "appeal_deadline": "the LA's decision was sent",
    "senco_qualification": "the SENCO was appointed",
}

# RULES.md, "Reminder steps". Where the page names no responsible person (LA duties, the information report),
# "responsible" falls back to the SENCO. Parent meetings reach the SENCO through the weekly digest instead.
DEFAULT_STEPS: dict[str, str] = {
    "annual_review": "-10w -4w 0=responsible+senco weekly=responsible+senco",
    "phase_transfer_review": "-16w=responsible+senco+leaders -6w=responsible+senco+leaders",
    "review_invitations": "-3sd 0",
    "review_report": "-3sd 0",
    "parent_meeting": "-3w 0",
    "intervention_review": "-2sd 0",
    "assessment_decision": "0=responsible+senco+leaders weekly=responsible+senco+leaders",
    "final_plan": "0=responsible+senco+leaders weekly=responsible+senco+leaders",
    "review_decision": "0=responsible+senco+leaders weekly=responsible+senco+leaders",
    "amended_plan": "0=responsible+senco+leaders weekly=responsible+senco+leaders",
    "appeal_deadline": "opens=responsible+senco -2w=responsible+senco",
    "senco_qualification": "opens+12m=responsible+leaders opens+14m=responsible+leaders "
                           "-6m=responsible+leaders -1m=responsible+leaders",
    "information_report": "-4w=responsible+senco+leaders",
}

_OFFSET = re.compile(r"([+-])([0-9]{1,4})(sd|d|w|m)", re.ASCII)
_OPENS = re.compile(r"opens(?:\+([0-9]{1,4})(d|w|m))?", re.ASCII)
# The furthest a step may be from its anchor: far enough for a SENCO's three years, near enough to catch slips.
_LIMITS = {"d": 1100, "w": 160, "m": 36, "sd": 60}
_UNIT_WORDS = {"d": ("day", "days"), "w": ("week", "weeks"), "m": ("month", "months"),
               "sd": ("school day", "school days")}
STEP_HELP = ("-10w, -3d, -6m (before the due day), -2sd (school days before), 0 (on the day), +3d (after), "
             "weekly (every week while overdue) or opens / opens+12m (from when the duty began)")


@dataclass(frozen=True)
class Step:
    """One reminder step: when (relative to an anchor) and to whom."""

    anchor: str  # "due", "opens" or "weekly"
    amount: int = 0  # signed; for "opens" never negative
    unit: str = "d"  # d, w, m or sd
    to: tuple[str, ...] = ("responsible",)  # in AUDIENCES order, no repeats

    @property
    def word(self) -> str:
        """The WHEN part, canonical: "-10w", "0", "weekly", "opens+12m"."""
        if self.anchor == "weekly":
            return "weekly"
        if self.anchor == "opens":
            return "opens" if self.amount == 0 else f"opens+{self.amount}{self.unit}"
        return "0" if self.amount == 0 else f"{self.amount:+d}{self.unit}"

    @property
    def text(self) -> str:
        return self.word if self.to == ("responsible",) else f"{self.word}={'+'.join(self.to)}"

    def describe(self) -> str:
        """In words, for messages: "4 weeks before", "on the day", "every week while overdue"."""
        if self.anchor == "weekly":
            return "every week while overdue"
        n = abs(self.amount)
        unit = _UNIT_WORDS[self.unit][0 if n == 1 else 1]
        if self.anchor == "opens":
            return "when it began" if n == 0 else f"{n} {unit} after it began"
        if self.amount == 0:
            return "on the day"
        return f"{n} {unit} {'before' if self.amount < 0 else 'after'}"

    def step_day(self, due: date, opens: date | None, calendar: SchoolCalendar) -> date | None:
        """The day this (non-weekly) step falls on, before moving to a school day; None if it has no anchor."""
        if self.anchor == "opens":
            return None if opens is None else shift(opens, self.amount, self.unit, calendar)
        return shift(due, self.amount, self.unit, calendar)


def shift(d: date, amount: int, unit: str, calendar: SchoolCalendar) -> date:
    if unit == "d":
        return d + timedelta(days=amount)
    if unit == "w":
        return d + timedelta(weeks=amount)
    if unit == "m":
        return add_months(d, amount)
    if amount <= 0:
        return calendar.school_days_before(d, -amount) if amount else d
    day = d
    for _ in range(amount):
        day = calendar.next_school_day(day, inclusive=False)
    return day


Policy = dict[str, tuple[Step, ...]]


def kind_word(kind: str) -> str:
    """How people type a kind in settings: annual-review."""
    return kind.replace("_", "-")


def parse_kind(text: str) -> str:
    kind = text.strip().lower().replace("-", "_")
    if kind in KINDS:
        return kind
    words = [kind_word(k) for k in KINDS]
    guess = difflib.get_close_matches(kind_word(kind), words, n=1)
    hint = f" Did you mean {guess[0]}?" if guess else ""
    raise Refused(f"'{text}' isn't a kind of deadline.{hint} Kinds: {', '.join(words)}.")


def parse_step(kind: str, text: str) -> Step:
    when, _, who = text.partition("=")
    when = when.strip().lower()
    audiences: list[str] = []
    if who:
        for part in who.lower().split("+"):
            part = part.strip()
            if part not in AUDIENCES:
                raise Refused(f"'{part or who}' in '{text}' isn't someone to remind: use "
                              f"{', '.join(AUDIENCES)} (joined with +, like 0=responsible+senco).")
            if part not in audiences:
                audiences.append(part)
    to = tuple(a for a in AUDIENCES if a in audiences) if audiences else ("responsible",)
    if when == "weekly":
        return Step("weekly", to=to)
    if when in ("0", "+0", "-0"):
        return Step("due", 0, "d", to)
    opens = _OPENS.fullmatch(when)
    if opens:
        if kind not in OPENS:
            raise Refused(f"'{when}' counts from when the duty began, which only "
                          f"{' and '.join(kind_word(k) for k in OPENS)} have. For {kind_word(kind)} count from "
                          "the due day, like -4w.")
        amount, unit = (int(opens.group(1)), opens.group(2)) if opens.group(1) else (0, "d")
        _check_limit(text, amount, unit)
        return Step("opens", amount, unit, to)
    offset = _OFFSET.fullmatch(when)
    if not offset:
        raise Refused(f"'{text}' isn't a reminder step. Use {STEP_HELP}; add =senco, =leaders, =channel … to "
                      "choose who hears (default: the responsible person).")
    amount = int(offset.group(2)) * (-1 if offset.group(1) == "-" else 1)
    _check_limit(text, abs(amount), offset.group(3))
    return Step("due", amount, offset.group(3), to)


def _check_limit(text: str, amount: int, unit: str) -> None:
    if amount > _LIMITS[unit]:
        raise Refused(f"'{text}' is too far from the day: keep it within {_LIMITS[unit]} "
                      f"{_UNIT_WORDS[unit][1]}.")


def parse_steps(kind: str, text: str) -> tuple[Step, ...]:
    """A kind's steps from text ("-10w -4w 0=responsible+senco weekly"); "off" means none."""
    words = [w for w in re.split(r"[\s,;]+", text.strip()) if w]
    if words == ["off"]:
        return ()
    if not words:
        raise Refused(f"Give the steps for {kind_word(kind)}, like {DEFAULT_STEPS[kind]} (or default, or off).")
    if len(words) > MAX_STEPS:
        raise Refused(f"That is {len(words)} steps; {MAX_STEPS} is the most a kind can have.")
    steps: list[Step] = []
    for word in words:
        step = parse_step(kind, word)
        if any(s.word == step.word for s in steps):
            raise Refused(f"'{step.word}' is given twice for {kind_word(kind)}: give each step once (join the "
                          "people with +, like 0=responsible+senco).")
        steps.append(step)
    return tuple(steps)


def format_steps(steps: tuple[Step, ...]) -> str:
    return " ".join(s.text for s in steps) if steps else "off"


DEFAULT_POLICY: Policy = {kind: parse_steps(kind, text) for kind, text in DEFAULT_STEPS.items()}


def policy_for(settings: dict) -> Policy:
    """The school's policy: the defaults, with the school's changes on top."""
    policy = dict(DEFAULT_POLICY)
    changes = settings.get(SETTINGS_KEY) or {}
    if isinstance(changes, dict):
        for kind, text in changes.items():
            if kind in KINDS and isinstance(text, str):
                try:
                    policy[kind] = parse_steps(kind, text)
                except Refused:
                    continue  # stored text is validated on the way in; never let an old value stop reminders
    return policy


def change_policy(settings: dict, value: str) -> dict[str, str]:
    """Apply one ``remind:`` setting ("<kind> <steps>", "<kind> default" or "<kind> off").

    Returns the school's new changes (kind → canonical steps); refuses, naming the problem, if anything is wrong.
    """
    words = [w for w in re.split(r"[\s,;]+", value.strip(), maxsplit=1) if w]
    if not words:
        raise Refused('remind: takes a kind of deadline and its steps, like remind:"annual-review -10w -4w '
                      '0=responsible+senco weekly=responsible+senco" (or "<kind> default", or "<kind> off").')
    kind = parse_kind(words[0].rstrip(":"))
    rest = words[1].strip() if len(words) > 1 else ""
    current = settings.get(SETTINGS_KEY) or {}
    changes = {k: v for k, v in current.items() if k in KINDS} if isinstance(current, dict) else {}
    if rest.lower() == "default":
        changes.pop(kind, None)
        return changes
    if not rest:
        raise Refused(f"Give the steps for {kind_word(kind)} after its name, like remind:\"{kind_word(kind)} "
                      f"{DEFAULT_STEPS[kind]}\" (or default, or off).")
    steps = parse_steps(kind, rest)
    text = format_steps(steps)
    if text == format_steps(DEFAULT_POLICY[kind]):
        changes.pop(kind, None)
    else:
        changes[kind] = text
    return changes


def describe_policy(settings: dict) -> list[tuple[str, str]]:
    """(label, steps) per kind, for /sen settings; changed kinds are marked."""
    changes = settings.get(SETTINGS_KEY) or {}
    policy = policy_for(settings)
    out = []
    for kind in DEFAULT_STEPS:
        mark = " (changed)" if isinstance(changes, dict) and kind in changes else ""
        out.append((f"remind {kind_word(kind)}{mark}", format_steps(policy[kind])))
    return out

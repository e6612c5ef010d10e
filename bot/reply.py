"""What the bot says, platform-neutral: adapters render a ``Reply`` as plain text, Block Kit or an Adaptive Card.

Also the few wording helpers every part that speaks shares (commands, reminders, feeds, adapters), so a date,
a year group or a pupil's initials read the same everywhere.
"""

from dataclasses import dataclass, field
from datetime import date

# Who must act, in the words a SENCO uses (the ``duty`` of a deadline).
DUTY = {"school": "school", "la": "LA", "parent": "family"}


def day(d: date | None) -> str:
    return d.strftime("%a %d %b %Y") if d else "—"


def year_label(year: int | None) -> str:
    if year is None:
        return ""
    return "Reception" if year == 0 else f"Year {year}"


def initials(name: str) -> str:
    return "".join(f"{part[0].upper()}." for part in name.split() if part)


@dataclass(frozen=True)
class Action:
    """A button: its label and the command text it runs."""

    label: str
    command: str
    primary: bool = False  # the one action most people will want (a surface may show it emphasised)


@dataclass(frozen=True)
class Item:
    """One entry of a list: a title line, an optional detail line, its own buttons, and the group it is in."""

    title: str
    detail: str = ""
    actions: tuple[Action, ...] = ()  # what to do about this entry (a surface shows them beside it)
    group: str = ""  # a heading the entry sits under ("Overdue"); entries of a group are consecutive


@dataclass
class Reply:
    title: str
    ok: bool = True  # False: the request was refused and nothing changed
    lines: list[str] = field(default_factory=list)
    fields: list[tuple[str, str]] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    private: bool = True  # only the asker sees it (pupil details are never shown to a channel)
    attachment: str | None = None  # a document to hand over (an export), rendered as a file or code block
    field: str | None = None  # a refusal about one argument or option (its name): forms show it by that field

    @classmethod
    def refused(cls, reason: str, *hints: str, field: str | None = None) -> "Reply":
        return cls(title=reason, ok=False, lines=list(hints), field=field)

    def as_text(self) -> str:
        """The plain-text rendering the console and the CLI print."""
        out = [self.title]
        out += [f"  {k}: {v}" for k, v in self.fields]
        out += self.lines
        group = ""
        for item in self.items:
            if item.group and item.group != group:
                group = item.group
                out.append(f"  {group}:")
            out.append(f"  • {item.title}")
            if item.detail:
                out.append(f"      {item.detail}")
        if self.actions:
            out.append("  Next: " + " | ".join(f"{a.label}: {a.command}" for a in self.actions))
        if self.attachment:
            out.append(self.attachment)
        return "\n".join(out)

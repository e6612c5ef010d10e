"""Forms for commands, derived from the grammar (pure): which fields a command's form has, which are
required, and the command text a form's answers stand for.

Every surface's forms (Slack modals, Teams Adaptive Cards) are built from these, so a form runs exactly the
command a person would type, with the same checks and refusals; only the layout belongs to the surface.
"""

from bot.commands.grammar import Command, Grammar
from bot.surface import mention

# The commands that have a form: recording one of these facts is worth a form with every detail.
FORM_COMMANDS: tuple[tuple[str, ...], ...] = (("pupil", "add"), ("meeting",), ("intervention", "add"))


def definition(grammar: Grammar, words: tuple[str, ...]) -> Command:
    return next(c for c in grammar.commands if c.words == words)


def fields(command: Command) -> tuple[str, ...]:
    """The form's fields, in the grammar's order: the arguments, then the options."""
    return tuple(a.name for a in command.args) + tuple(o.key for o in command.opts)


def required(command: Command) -> tuple[str, ...]:
    return tuple(a.name for a in command.args if not a.optional) + tuple(o.key for o in command.opts if o.required)


def quoted(value: str) -> str:
    """A value as one quoted word of the command language (which has no escapes for quotes inside)."""
    value = " ".join(value.split()) if "\n" not in value else value.strip()
    for q in '"“”„':
        value = value.replace(q, "'")
    return f'"{value}"'


def _pupil(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] in '"“”„' and value[-1] in '"“”„':
        value = value[1:-1]
    return quoted(value)


def word(kind: str, choices: tuple[str, ...], value: str) -> str:
    """One answer as a word of the command language, by the kind the grammar gives it."""
    if kind == "pupil":
        return _pupil(value)
    if kind == "staff":
        return mention(value)  # a picked person (their id on the surface): the canonical mention token
    if kind == "date" or choices or (value.isascii() and value.isalnum()):
        return value  # a date picker's ISO date, a choice, or one plain word (year R, class 5B)
    return quoted(value)


def command_text(command: Command, values: dict[str, str]) -> str:
    """The ``/sen`` command the answers stand for, built from the command's Arg/Opt definitions."""
    parts: list[str] = list(command.words)
    parts += [word(a.kind, a.choices, values[a.name]) for a in command.args if values.get(a.name)]
    parts += [f"{o.key}:{word(o.kind, o.choices, values[o.key])}" for o in command.opts if values.get(o.key)]
    return "/sen " + " ".join(parts)

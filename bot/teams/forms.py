"""Forms as Adaptive Cards for the commands that record a fact (pupil add, meeting, intervention add): pure.

Every field, which are required, and the command the answers make come from the grammar's Arg/Opt
definitions (``bot.commands.forms``, the same as Slack's modals); only the card layout is chosen here.
Submitting (``Action.Submit``; an ``Action.Execute`` invoke carries the same data) runs the command exactly
as if it had been typed. A refusal about one field (``Reply.field``) brings the form back, filled in, with
the refusal under that field.
"""

from datetime import date
from typing import Any

from bot.commands import GRAMMAR, forms
from bot.commands.grammar import Command
from bot.commands.words import ParseError, tokenize
from bot.reply import Reply
from bot.teams.cards import SCHEMA, VERSION, Card, _escape

FORM_KEY = "sendbot_form"  # in a submitted form's data: the command's words ("meeting", "pupil add")
TITLES = {("pupil", "add"): ("Add a pupil", "Add pupil"), ("meeting",): ("Log a parent meeting", "Log meeting"),
          ("intervention", "add"): ("Add an intervention", "Add intervention")}
_LABELS = {"name": "Pupil's full name", "year": "Year group", "class": "Class", "teacher": "Named teacher",
           "upn": "UPN", "dob": "Date of birth", "pupil": "Pupil", "date": "Held on", "with": "Who came",
           "note": "Note", "what": "Intervention", "review": "Review by", "start": "Started on", "staff": "Run by"}


def form_for(text: str) -> tuple[str, ...] | None:
    """The form to show for a command typed with nothing after it (``meeting``), else None."""
    try:
        tokens = tokenize(text.strip())
    except ParseError:
        return None
    if any(t.quoted or t.key for t in tokens):
        return None
    words = tuple(t.text.lower() for t in tokens)
    return words if words in forms.FORM_COMMANDS else None


def _input(kind: str, choices: tuple[str, ...], name: str, required: bool, help_text: str, max_len: int,
           value: str | None, today: date) -> dict[str, Any]:
    base: dict[str, Any] = {"id": name, "label": _LABELS.get(name, name.capitalize()), "isRequired": required}
    if required:
        base["errorMessage"] = f"{base['label']} is needed."
    if kind == "date":
        element = {"type": "Input.Date", **base}
        default = today.isoformat() if name == "date" else None
        if value or default:
            element["value"] = value or default
        return element
    if kind == "staff":  # Teams' people picker: answers with the person's Entra object id, their staff handle
        element = {"type": "Input.ChoiceSet", "style": "filtered", "choices": [],
                   "choices.data": {"type": "Data.Query", "dataset": "graph.microsoft.com/users"}, **base}
    elif choices:
        element = {"type": "Input.ChoiceSet", "style": "compact",
                   "choices": [{"title": c, "value": c} for c in choices], **base}
    else:
        element = {"type": "Input.Text", "isMultiline": name == "note", **base}
        if help_text:
            element["placeholder"] = help_text[:150]
        if max_len:
            element["maxLength"] = max_len
    if value:
        element["value"] = value
    return element


def card(words: tuple[str, ...], today: date, values: dict[str, str] | None = None,
         refused: Reply | None = None) -> Card:
    """The form's card, with ``values`` filled in; a refusal shows under its field (or at the top)."""
    command: Command = forms.definition(GRAMMAR, words)
    v = values or {}
    title, submit = TITLES.get(words, (command.summary, "Send"))
    body: list[dict[str, Any]] = [{"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium",
                                   "wrap": True}]
    field = refused.field if refused is not None and refused.field in forms.fields(command) else None
    if refused is not None and field is None:
        body.append({"type": "TextBlock", "text": _escape(refused.title), "color": "Attention", "wrap": True})
    needed = forms.required(command)
    specs = [(a.kind, a.choices, a.name, a.help, a.max_len) for a in command.args] + \
            [(o.kind, o.choices, o.key, o.help, o.max_len) for o in command.opts]
    for kind, choices, name, help_text, max_len in specs:
        body.append(_input(kind, choices, name, name in needed, help_text, max_len, v.get(name), today))
        if field == name and refused is not None:
            body.append({"type": "TextBlock", "text": _escape(" ".join([refused.title, *refused.lines])),
                         "color": "Attention", "wrap": True, "spacing": "None", "size": "Small"})
    return {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body,
            "actions": [{"type": "Action.Submit", "title": submit, "style": "positive",
                         "data": {FORM_KEY: " ".join(words)}}]}


def submitted(value: Any) -> tuple[tuple[str, ...], dict[str, str]] | None:
    """A submitted form: its command's words and the answers (field -> text), or None if it isn't one."""
    if not isinstance(value, dict) or not isinstance(value.get(FORM_KEY), str):
        return None
    words = tuple(value[FORM_KEY].split())
    if words not in forms.FORM_COMMANDS:
        return None
    names = forms.fields(forms.definition(GRAMMAR, words))
    return words, {k: str(value.get(k) or "").strip() for k in names}


def command(words: tuple[str, ...], values: dict[str, str]) -> str:
    return forms.command_text(forms.definition(GRAMMAR, words), values)

"""A ``Reply`` as an Adaptive Card (schema 1.5, what Teams renders): pure functions, no SDK, no database.

Buttons are ``Action.Submit`` whose data carries the command to run (``{"sendbot": "<command>"}``): the
adapter runs it exactly as if it had been typed, so a button can do nothing a typed command couldn't.
Teams limits shape the layout: a card must stay under ~28 KB, and Teams shows at most 6 actions in a row.
"""

from dataclasses import replace
from typing import Any

from bot.reply import Action, Item, Reply
from bot.teams.text import named

Card = dict[str, Any]

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
MAX_ACTIONS = 6
MAX_ITEMS = 40  # a longer list is cut, with a line saying how many more there are
SUBMIT_KEY = "sendbot"  # the key in Action.Submit data that holds the command


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": _escape(text), "wrap": True, **style}


def _escape(text: str) -> str:
    """TextBlocks read a subset of Markdown: keep what people typed literal (a pupil called *Ann* stays so)."""
    for ch in ("\\", "*", "_", "[", "]"):
        text = text.replace(ch, "\\" + ch)
    return text


def submit(action: Action) -> dict[str, Any]:
    """A button that runs ``action.command`` for whoever presses it (their own rights apply); the primary
    action is shown emphasised (Adaptive Cards' ``positive`` style)."""
    button = {"type": "Action.Submit", "title": action.label[:80], "data": {SUBMIT_KEY: action.command}}
    if action.primary:
        button["style"] = "positive"
    return button


def with_names(reply: Reply, names: dict[str, str]) -> Reply:
    """The reply with staff shown by display name where known (Entra object id -> name), see ``text.named``."""
    if not names:
        return reply
    return replace(reply, title=named(reply.title, names), lines=[named(x, names) for x in reply.lines],
                   fields=[(k, named(v, names)) for k, v in reply.fields],
                   items=[Item(named(i.title, names), named(i.detail, names), i.actions, i.group)
                          for i in reply.items])


def render(reply: Reply) -> Card:
    """The card for a reply: title, fields as facts, lines, items, an attachment in monospace, buttons."""
    body: list[dict[str, Any]] = [
        _text(reply.title, weight="Bolder", size="Medium", color="Default" if reply.ok else "Attention"),
    ]
    if reply.fields:
        body.append({"type": "FactSet", "facts": [{"title": _escape(k), "value": _escape(v)}
                                                  for k, v in reply.fields]})
    body += [_text(line, spacing="Small") for line in reply.lines if line.strip()]
    items = reply.items[:MAX_ITEMS]
    for item in items:
        block = [_text(item.title, spacing="None")]
        if item.detail:
            block.append(_text(item.detail, isSubtle=True, size="Small", spacing="None"))
        body.append({"type": "Container", "separator": True, "items": block})
    if len(reply.items) > len(items):
        body.append(_text(f"… and {len(reply.items) - len(items)} more (narrow the list to see them).",
                          isSubtle=True))
    if reply.attachment:
        body.append(_text(reply.attachment, fontType="Monospace", size="Small"))
    card: Card = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body,
                  "msteams": {"width": "Full"}}
    if reply.actions:
        card["actions"] = [submit(a) for a in reply.actions[:MAX_ACTIONS]]
    return card


def attachment(reply: Reply) -> dict[str, Any]:
    """The card wrapped as a Bot Framework attachment, ready for an activity's ``attachments``."""
    return {"contentType": CONTENT_TYPE, "content": render(reply)}


def command_of(value: Any) -> str | None:
    """The command an ``Action.Submit`` press carries (the activity's ``value``), or None if it isn't ours."""
    if isinstance(value, dict):
        command = value.get(SUBMIT_KEY)
        if isinstance(command, str) and command.strip():
            return command.strip()
    return None

"""The App Home tab: the ``home`` command's Reply (bot.commands.school.home), rendered as a Home view.

No queries and no use cases here: the command decides what a person sees and what each button does; this
only lays it out (pure).
"""

from typing import Any

from bot.reply import Action, Item, Reply
from bot.slack import render
from bot.slack.render import RUN_ACTION, context, mrkdwn, plain, section

View = dict[str, Any]
REFRESH = "sen_home_refresh"
COMMAND = "home"  # the command whose reply the tab shows
OPTION_VALUE = 150  # Slack's limit for an overflow option's value


def _button(action: Action, action_id: str) -> dict[str, Any]:
    return {"type": "button", "action_id": action_id, "text": plain(action.label, 75), "value": action.command}


def _accessory(item: Item, n: int) -> dict[str, Any] | None:
    """One action beside an item is a button; several are an overflow menu."""
    if not item.actions:
        return None
    if len(item.actions) == 1:
        return _button(item.actions[0], f"{RUN_ACTION}_home_{n}")
    options = [{"text": plain(a.label, 75), "value": a.command} for a in item.actions
               if len(a.command) <= OPTION_VALUE]
    return {"type": "overflow", "action_id": f"{RUN_ACTION}_home_{n}", "options": options}


def _item_block(item: Item, n: int) -> dict[str, Any]:
    block = section(f"{mrkdwn(item.title)}\n{mrkdwn(item.detail)}"[: render.SECTION_TEXT])
    accessory = _accessory(item, n)
    if accessory is not None:
        block["accessory"] = accessory
    return block


def home_view(reply: Reply) -> View:
    """The Home view of the ``home`` command's reply: header, who it is for, buttons, then items by group."""
    intro, *rest = reply.lines or [""]
    buttons = [_button(a, f"{RUN_ACTION}_home_top_{i}") for i, a in enumerate(reply.actions)]
    buttons.append({"type": "button", "action_id": REFRESH, "text": plain("Refresh", 75), "value": "refresh"})
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": plain(reply.title, 150)},
        context(mrkdwn(intro)),
        {"type": "actions", "block_id": "sen_home_actions", "elements": buttons},
        {"type": "divider"},
    ]
    group = None
    for n, item in enumerate(reply.items):
        if item.group != group:
            group = item.group
            count = sum(1 for i in reply.items if i.group == group)
            blocks.append(section(f"*{mrkdwn(group)}* ({count})"))
        blocks.append(_item_block(item, n))
    for line in rest:
        blocks.append(section(mrkdwn(line)) if not reply.items else context(mrkdwn(line)))
    return {"type": "home", "blocks": blocks[: render.VIEW_BLOCKS]}


def message_view(text: str) -> View:
    """A Home tab that only says something (not on the staff list, workspace not connected)."""
    return {"type": "home", "blocks": [{"type": "header", "text": plain("sendbot", 150)}, section(mrkdwn(text))]}

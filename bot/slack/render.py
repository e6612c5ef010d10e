"""A ``Reply`` as Block Kit: pure functions, no Slack client, no database.

Slack's limits shape the layout: at most 50 blocks in a message (100 in a view), 3,000 characters in a
section's text, 10 fields in a section, 75 characters in a button's label and 2,000 in its value.
"""

import re
from typing import Any

from bot.reply import Action, Reply
from bot.slack.text import escape, slack_user_id

Block = dict[str, Any]

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
SECTION_FIELDS = 10
BUTTON_LABEL = 75
BUTTON_VALUE = 2000
RUN_ACTION = "sen_run"  # prefix of every button that runs a /sen command (its value is the command)

# "@u0123abc" as the commands write a handle. Only handles that look like Slack ids (with a digit, as real
# ids have) become mentions, and never inside an email address ("jo@wandsworth.gov.uk").
_HANDLE = re.compile(r"(?<![\w.@])@([A-Za-z0-9._-]+)")


def _mention(match: re.Match[str]) -> str:
    handle = match.group(1)
    user_id = slack_user_id(handle)
    if user_id is None or not any(ch.isdigit() for ch in handle):
        return match.group(0)
    return f"<@{user_id}>"


def mrkdwn(text: str) -> str:
    """Our text as Slack mrkdwn: escaped, with staff handles that are Slack ids shown as mentions."""
    return _HANDLE.sub(_mention, escape(text))


def plain(text: str, limit: int) -> dict[str, Any]:
    """A plain_text object, cut to Slack's limit for where it goes."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return {"type": "plain_text", "text": text, "emoji": True}


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def chunks(pieces: list[str], limit: int = SECTION_TEXT, joiner: str = "\n") -> list[str]:
    """Join pieces into as few texts as fit under ``limit``; a piece longer than the limit is cut into parts."""
    out: list[str] = []
    current = ""
    for piece in pieces:
        while len(piece) > limit:
            if current:
                out.append(current)
                current = ""
            out.append(piece[:limit])
            piece = piece[limit:]
        candidate = f"{current}{joiner}{piece}" if current else piece
        if len(candidate) > limit:
            out.append(current)
            current = piece
        else:
            current = candidate
    if current:
        out.append(current)
    return out


def button(action: Action, index: int) -> Block | None:
    """A button that runs ``action.command`` as the person who clicks it; None if Slack can't carry it."""
    if len(action.command) > BUTTON_VALUE:
        return None
    out = {"type": "button", "action_id": f"{RUN_ACTION}_{index}", "text": plain(action.label, BUTTON_LABEL),
           "value": action.command}
    if action.primary:
        out["style"] = "primary"
    return out


def title_block(reply: Reply) -> Block:
    if reply.ok:
        return section(f"*{mrkdwn(reply.title)}*"[:SECTION_TEXT])
    return section(f":no_entry_sign: {mrkdwn(reply.title)}"[:SECTION_TEXT])


def body_blocks(reply: Reply) -> list[Block]:
    """Everything below the title, before the buttons."""
    out: list[Block] = []
    fields = [{"type": "mrkdwn", "text": f"*{mrkdwn(k)}*\n{mrkdwn(v)}"[:2000]} for k, v in reply.fields]
    for start in range(0, len(fields), SECTION_FIELDS):
        out.append({"type": "section", "fields": fields[start: start + SECTION_FIELDS]})
    out += [section(text) for text in chunks([mrkdwn(line) for line in reply.lines])]
    items = []
    for item in reply.items:
        text = f"• {mrkdwn(item.title)}"
        if item.detail:
            text += f"\n      {mrkdwn(item.detail)}"
        items.append(text)
    out += [section(text) for text in chunks(items)]
    if reply.attachment:
        # Each part is its own code block; the fences count towards the limit.
        out += [section(f"```{text}```") for text in chunks(escape(reply.attachment).split("\n"), SECTION_TEXT - 6)]
    return out


def action_blocks(reply: Reply) -> list[Block]:
    buttons = [b for i, a in enumerate(reply.actions[:25]) if (b := button(a, i)) is not None]
    return [{"type": "actions", "block_id": "sen_actions", "elements": buttons}] if buttons else []


def blocks(reply: Reply, *, limit: int = MESSAGE_BLOCKS) -> list[Block]:
    """The reply as Block Kit blocks: title, fields, lines, items, attachment, then its buttons."""
    head = [title_block(reply)]
    body = body_blocks(reply)
    tail = action_blocks(reply)
    room = limit - len(head) - len(tail)
    if len(body) > room:
        more = context("…and more than fits in one Slack message. Narrow it down (for example "
                       "/sen pupil list class:5B), or use sendbot on the server.")
        body = [*body[: room - 1], more]
    return head + body + tail


def fallback_text(reply: Reply) -> str:
    """The plain text Slack shows in notifications and to screen readers that skip blocks."""
    text = reply.title if reply.ok else f"Refused: {reply.title}"
    return text if len(text) <= 300 else text[:299] + "…"


def message(reply: Reply) -> dict[str, Any]:
    """An ephemeral message: only the person who asked sees it (pupil details, refusals, confirmations)."""
    return {"response_type": "ephemeral", "text": escape(fallback_text(reply)), "blocks": blocks(reply)}

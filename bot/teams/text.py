"""What a Teams user typed, as the grammar reads it: pure functions.

Teams sends a mention as ``<at>Name</at>`` in the text and the person in ``entities`` (type ``mention``).
The bot's own mention (in a channel you must @mention the bot) is removed; a mention of a colleague
becomes the canonical ``<@id|Name>`` the grammar already reads (their AAD object id when Teams gives it,
which is their staff handle in a Teams school). HTML that Teams wraps round text is dropped.
"""

import html
import re
from typing import Any

_TAGS = re.compile(r"<(?!@)[^>]*>")
_PREFIX = re.compile(r"^\s*/?sen\b", re.IGNORECASE)


def _mentions(entities: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return [e for e in entities or [] if isinstance(e, dict) and e.get("type") == "mention"]


def command_text(text: str | None, entities: list[dict[str, Any]] | None, bot_id: str | None) -> str:
    """The command in a message: the bot's mention and a leading ``/sen`` or ``sen`` removed."""
    out = text or ""
    for entity in _mentions(entities):
        tag = entity.get("text") or ""
        mentioned = entity.get("mentioned") or {}
        if not tag or tag not in out:
            continue
        if bot_id and mentioned.get("id") == bot_id:
            out = out.replace(tag, " ", 1)
            continue
        who = mentioned.get("aadObjectId") or mentioned.get("id") or ""
        name = " ".join(str(mentioned.get("name") or "").replace("|", " ").replace(">", " ").split())
        out = out.replace(tag, f"<@{who}|{name}>" if who else " ", 1)
    out = html.unescape(_TAGS.sub(" ", out.replace("<br>", "\n")))
    out = " ".join(out.split())
    out = _PREFIX.sub("", out, count=1).strip()
    return out or "help"


# An Entra object id as core writes a staff handle: "@<id>", sometimes followed by " (Display Name)".
_HANDLE = re.compile(r"@([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
                     r"(?: \(([^()]{1,200})\))?")


def named(text: str, names: dict[str, str]) -> str:
    """Staff named by their display name instead of their raw Entra object id, where the name is known: a
    SENCO reads "Jo Bloggs", not "@bbbbbbbb-0000-…". An id with no known name stays as it is."""

    def name(match: re.Match[str]) -> str:
        return match.group(2) or names.get(match.group(1)) or match.group(0)

    return _HANDLE.sub(name, text)

"""What the core knows about a chat surface, and nothing platform-specific: neutral, imported by all.

- :class:`Asker`: who sent a request and from where — platform, workspace id, user id (exact case) and the
  command prefix people type on that surface (``/sen`` in Slack, ``@sendbot`` in Teams, nothing in the
  console). Help and refusals are worded with that prefix.
- The canonical mention token ``<@id|label>``: each adapter rewrites its own mention syntax into it before
  the text reaches the grammar (Slack's ``<@U…|name>`` already is it; Teams' ``<at>…</at>`` entities are
  rewritten with :func:`mention`), and renders it back in its own syntax.
- The canonical channel token ``<#id|label>``, the same way: a surface that lets people pick a channel rewrites
  its own channel syntax into it (Slack's ``<#C…|name>`` already is it; a bare Slack channel id is rewritten
  by the Slack adapter), and the core keeps it exactly as given, id case and all. A channel typed as a
  name (``#sen-team``) is a name, whatever the surface.
"""

import re
from dataclasses import dataclass

CANONICAL_PREFIX = "/sen"  # how the core's own words (help, hints) write a command before the surface's prefix


@dataclass(frozen=True)
class Asker:
    platform: str  # "slack", "teams", "console"
    workspace: str | None  # the workspace's external id (Slack team id, Teams tenant id)
    user_id: str | None  # the user's id there, exact case
    prefix: str = CANONICAL_PREFIX  # what people type before a command on this surface
    install_url: str | None = None  # where an admin installs the app, when the surface installs by OAuth


MENTION = re.compile(r"<@([A-Za-z0-9._:-]+)(?:\|([^>]*))?>")


def mention(user_id: str, label: str | None = None) -> str:
    """The canonical mention token for a user id (and the name shown with it)."""
    return f"<@{user_id}|{label}>" if label else f"<@{user_id}>"


CHANNEL = re.compile(r"<#([A-Za-z0-9._:@-]+)(?:\|([^>]*))?>")


def channel(channel_id: str, label: str | None = None) -> str:
    """The canonical channel token for a surface's channel id (and the name shown with it)."""
    return f"<#{channel_id}|{label}>" if label else f"<#{channel_id}>"


def in_prefix(text: str, prefix: str) -> str:
    """The core's wording (which writes commands as ``/sen …``) with the asker's surface prefix instead."""
    if prefix == CANONICAL_PREFIX:
        return text
    shown = f"{prefix} " if prefix else ""
    return re.sub(r"(?<![\w/])/sen ", shown, text)

"""What Slack sends in a slash command's text, turned back into what the person typed.

With "escape channels, users, and links" on (``should_escape: true`` in the manifest) Slack sends a mention
as ``<@U0123ABC|alice>``, a link as ``<https://example.org|example.org>``, an email address as
``<mailto:jo@example.org|jo@example.org>``, and escapes ``&``, ``<`` and ``>`` as HTML entities. Mentions
stay as they are (the command language reads them); links become their text; entities are unescaped.
A picked channel (``<#C0123ABC|sen-team>``) already is the core's canonical channel token; a bare channel id
given to a channel option is rewritten into it (:func:`channel_ids`).
"""

import re

from bot.surface import channel

# A link entity: "<scheme:...>" or "<scheme:...|label>". Mentions (<@U1>), channels (<#C1>) and special
# mentions (<!here>) start with a sigil, not a letter, so they never match.
_LINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]*:[^<>|\s]*)(?:\|([^<>]*))?>")


def _link_text(match: re.Match[str]) -> str:
    target, label = match.group(1), match.group(2)
    if label:
        return label
    for scheme in ("mailto:", "tel:"):
        if target.lower().startswith(scheme):
            return target[len(scheme):]
    return target


def command_text(raw: str) -> str:
    """The command as typed: links replaced by their text, ``&amp;`` ``&lt;`` ``&gt;`` unescaped."""
    text = _LINK.sub(_link_text, raw)
    # &amp; last, so a typed "&lt;" (sent as "&amp;lt;") stays "&lt;".
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


# A bare Slack channel id given to a channel option ("reminders-channel:C0123ABCD", copied from the channel's
# details). Slack ids are upper case; the core would read a bare word as a channel name and lower-case it.
_BARE_CHANNEL = re.compile(r"(?<=channel:)([CG][A-Z0-9]{6,})(?=\s|$)")


def channel_ids(text: str) -> str:
    """Bare Slack channel ids given to a channel option, as the canonical channel token ``<#C…>``."""
    return _BARE_CHANNEL.sub(lambda found: channel(found.group(1)), text)


def escape(text: str) -> str:
    """Text safe inside Slack mrkdwn: only ``&``, ``<`` and ``>`` are special (Slack's own rule)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


SLACK_ID = re.compile(r"^[UW][A-Z0-9]{5,}$", re.IGNORECASE)


def slack_user_id(handle: str) -> str | None:
    """The Slack user id behind a staff handle added by mention (handles are lower-cased; Slack ids are
    upper case). Staff who have written to sendbot have an identity in its exact case instead."""
    return handle.upper() if SLACK_ID.match(handle) else None

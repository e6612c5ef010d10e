"""Reminders and digests into Slack: the notifier port (bot.reminders.notifier) for Slack.

``chat.postMessage`` through slack_sdk's ``AsyncWebClient`` (``base_url`` = ``SLACK_API_URL``), to a member
of staff by direct message (their Slack identity, picked by the routing notifier; else a handle that is a
Slack id) or to the school's reminders channel.

- Rate limits: slack_sdk's ``AsyncRateLimitErrorRetryHandler`` waits out a 429's ``Retry-After`` and tries
  again; 500/503 and dropped connections get one quick retry too. What still fails becomes a
  ``DeliveryError`` and the outbox retries later with backoff (or parks the message when retrying can't help).
- Pace: at most one message a second per channel (Slack's posting limit), applied by the outbox before it
  takes a sending slot, and shared by every replica on PostgreSQL (``outbox.Pacer``).
- Privacy: the client's own logger is held at WARNING, since at DEBUG slack_sdk logs request bodies.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.reminders.notifier import Address, DeliveryError, Outgoing, Sent
from bot.reply import Reply
from bot.slack.text import slack_user_id
from bot.surface import CHANNEL

log = logging.getLogger(__name__)
_client_log = logging.getLogger("bot.slack.notify.client")
_client_log.setLevel(logging.WARNING)

# Errors retrying cannot fix, with what an admin should do about them.
PERMANENT = {
    "channel_not_found": "the channel was not found: check reminders-channel and invite the app to it",
    "not_in_channel": "the app is not in that channel: invite it (/invite @sendbot)",
    "is_archived": "the channel is archived: choose another reminders-channel",
    "user_not_found": "that Slack user is not in this workspace",
    "user_disabled": "that Slack user's account is deactivated",
    "cannot_dm_bot": "that staff handle belongs to a bot",
    "invalid_auth": "the bot token is not valid: check SLACK_BOT_TOKEN or reinstall the app",
    "not_authed": "no bot token was sent: check SLACK_BOT_TOKEN",
    "token_revoked": "the bot token was revoked: reinstall the app",
    "account_inactive": "the bot token belongs to a deleted app or user: reinstall the app",
    "missing_scope": "the app lacks a permission (chat:write): reinstall it with the manifest",
    "restricted_action": "the workspace does not let the app post there",
    "invalid_blocks": "Slack rejected the message layout",
    "msg_too_long": "the message is too long for Slack",
}


def default_token_for(settings: Settings) -> Callable[[int], str | None]:
    """The bot token per school: SLACK_BOT_TOKEN, or (many workspaces) the school's installation."""
    try:
        from bot.slack.installations import token_for
    except ImportError:  # single-workspace installs need nothing more
        return lambda school_id: settings.slack_bot_token
    return token_for(settings)


def channel_for(to: Address) -> str:
    if to.kind == "staff":
        if to.platform == "slack" and to.user_id:
            # Their identity, exact case; a kept DM channel is the same conversation.
            return str((to.reference or {}).get("channel") or to.user_id)
        user_id = slack_user_id(to.handle)
        if user_id is None:
            raise DeliveryError(f"@{to.handle} has no Slack user id, so Slack can't reach them: re-add them by "
                                "their Slack mention (/sen staff add @Name role:…)", transient=False)
        return user_id
    picked = CHANNEL.fullmatch(to.handle.strip())  # the canonical channel token: its id is Slack's
    return picked.group(1) if picked else to.handle.strip()


def message_blocks(message: Outgoing) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text, blocks) for one reminder or digest: the reply's own actions are its buttons (they run
    their commands through the one button listener, like every other button)."""
    from bot.slack import render

    body = message.reply if message.buttons else replace(message.reply, actions=[])
    return render.fallback_text(message.reply), render.blocks(body)


def _plain_blocks(reply: Reply) -> list[dict[str, Any]]:
    text = reply.as_text()
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}]


class SlackNotifier:
    name = "slack"

    def __init__(self, settings: Settings, token_for: Callable[[int], str | None] | None = None, *,
                 min_interval: float = 1.0, rate_limit_retries: int = 2, timeout: int = 15) -> None:
        self.settings = settings
        self.token_for = token_for or default_token_for(settings)
        self.min_interval = min_interval
        self.rate_limit_retries = rate_limit_retries
        self.timeout = timeout
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._clients: dict[str, AsyncWebClient] = {}
        self._tokens: dict[int, tuple[str | None, float]] = {}

    def _client(self, token: str) -> AsyncWebClient:
        loop = asyncio.get_running_loop()
        # A session belongs to the event loop it was made in; a new loop (another asyncio.run) needs its own.
        if self._session is None or self._session.closed or self._loop is not loop:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
            self._loop = loop
            self._clients.clear()
        client = self._clients.get(token)
        if client is None:
            client = AsyncWebClient(
                token=token, base_url=self.settings.slack_api_url, session=self._session, timeout=self.timeout,
                logger=_client_log,
                retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=self.rate_limit_retries),
                                AsyncServerErrorRetryHandler(max_retry_count=1),
                                AsyncConnectionErrorRetryHandler(max_retry_count=1)])
            self._clients[token] = client
        return client

    async def _token(self, school_id: int) -> str | None:
        cached = self._tokens.get(school_id)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        token = await asyncio.to_thread(self.token_for, school_id)
        self._tokens[school_id] = (token, time.monotonic() + 300)  # an installation changes rarely
        return token

    @property
    def pace_interval(self) -> float:
        return self.min_interval

    def pace_key(self, message: Outgoing) -> str | None:
        """Slack allows about one message a second per channel; the outbox paces by this key before sending."""
        try:
            return f"slack:{message.school_id}:{channel_for(message.to)}"
        except DeliveryError:
            return None  # nowhere to post: send() says why, at once

    async def send(self, message: Outgoing) -> Sent:
        token = await self._token(message.school_id)
        if not token:
            raise DeliveryError("Slack is not connected for this school (no bot token): install the app or set "
                                "SLACK_BOT_TOKEN", transient=False)
        channel = channel_for(message.to)
        try:
            text, blocks = message_blocks(message)
        except ImportError:
            text, blocks = message.reply.title[:300], _plain_blocks(message.reply)
        try:
            response = await self._client(token).chat_postMessage(channel=channel, text=text, blocks=blocks,
                                                                   unfurl_links=False, unfurl_media=False)
        except SlackApiError as e:
            raise _classify(e) from None
        except (aiohttp.ClientError, TimeoutError) as e:
            raise DeliveryError(f"could not reach Slack ({e.__class__.__name__})", transient=True) from None
        return Sent(message_id=response.get("ts"), channel=response.get("channel"))

    async def close(self) -> None:
        if self._session is not None and not self._session.closed and self._loop is asyncio.get_running_loop():
            await self._session.close()
        self._session = None
        self._clients.clear()


def _classify(e: SlackApiError) -> DeliveryError:
    response = e.response
    status = getattr(response, "status_code", 0) or 0
    data = response.data if isinstance(getattr(response, "data", None), dict) else {}
    error = str(data.get("error") or "")
    if status == 429 or error == "ratelimited":
        headers = getattr(response, "headers", {}) or {}
        retry_after = None
        for k, v in headers.items():
            if k.lower() == "retry-after":
                value = v[0] if isinstance(v, list) else v
                try:
                    retry_after = float(value)
                except (TypeError, ValueError):
                    retry_after = None
        return DeliveryError("Slack is rate-limiting (429)", transient=True, retry_after=retry_after)
    if status >= 500:
        return DeliveryError(f"Slack answered {status}", transient=True)
    if error in PERMANENT:
        return DeliveryError(f"Slack refused it ({error}): {PERMANENT[error]}", transient=False)
    return DeliveryError(f"Slack refused it ({error or status})", transient=True)

"""Reminders and digests into Teams: the notifier port (bot.reminders.notifier) for Teams.

Proactive messages continue the conversation saved when the person installed the app or first wrote to it
(bot.teams.conversations), through the SDK's ``continue_conversation`` and its connector client.

- 429 and 5xx from the connector, and dropped connections, are ``transient``: the outbox retries with backoff
  (no sooner than Retry-After). 403/404 mean the app was removed or the chat is gone: the message is parked.
- Someone who never installed the app has no personal chat to post into: the reminder goes to the school's
  team channel instead, as a nudge that names no pupil, and the admins are told who needs the app.
"""

import contextlib
import logging
from typing import Any

import aiohttp
from microsoft_agents.activity import ChannelAccount, ConversationAccount, ConversationReference
from microsoft_agents.hosting.core import ConnectorClientBase, TurnContext
from sqlmodel import Session

from bot.config import Settings
from bot.reminders.notifier import DeliveryError, Outgoing, Sent
from bot.reply import Action, Reply
from bot.services.school import display_names, wants_digest_mail
from bot.teams import conversations
from bot.teams.app import TeamsAdapter, _card, auth_configuration
from bot.teams.cards import with_names
from db.engine import get_engine

log = logging.getLogger(__name__)

NOT_INSTALLED = ("{who} hasn't installed sendbot in Teams, so their reminders go to the team channel without "
                 "pupils' details. Ask them to add sendbot (Apps → Built for your org) and say hello to it.")


class TeamsNotifier:
    name = "teams"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = get_engine(settings.database_url)
        self.adapter = TeamsAdapter(auth_configuration(settings))
        self.told: set[tuple[int, str]] = set()
        self._graph: Any = None  # (school, handle) admins were told about in this process

    async def _post(self, ref: conversations.Ref, reply: Reply) -> str | None:
        reference = ConversationReference(
            channel_id="msteams", service_url=ref.service_url, agent=ChannelAccount(id=ref.bot_id),
            conversation=ConversationAccount(id=ref.conversation_id, tenant_id=ref.tenant_id))
        failure: list[BaseException] = []
        sent: list[str | None] = []

        async def callback(context: TurnContext) -> None:
            # A new message in the conversation (POST v3/conversations/{id}/activities), not a reply to the
            # synthetic continuation event that context.send_activity would address it to.
            try:
                client = context.services.get(ConnectorClientBase)
                if client is None:
                    raise DeliveryError("no connector client for this conversation", transient=True)
                activity = _card(reply)
                activity.conversation = reference.conversation
                activity.from_property = ChannelAccount(id=ref.bot_id)
                activity.service_url = ref.service_url
                response = await client.conversations.send_to_conversation(ref.conversation_id, activity)
                sent.append(response.id if response else None)
            except Exception as e:  # raised after the SDK's pipeline, which would swallow it
                failure.append(e)

        try:
            await self.adapter.continue_conversation(self.settings.teams_app_id or "",
                                                     reference.get_continuation_activity(), callback)
        except Exception as e:
            failure.append(e)
        if failure:
            raise _delivery_error(failure[0])
        return sent[0] if sent else None

    async def send(self, message: Outgoing) -> Sent:
        reply = message.reply
        if message.buttons and not reply.actions:
            n = message.reminder_id
            reply = Reply(reply.title, ok=reply.ok, lines=reply.lines, fields=reply.fields, items=reply.items,
                          actions=[Action("Done", f"/sen done {n}"), Action("Snooze 1 week", f"/sen snooze {n} +1w")])
        with Session(self.engine) as session:
            reply = with_names(reply, display_names(session, message.school_id))
        if message.to.kind == "staff":
            who = message.to.user_id or message.to.handle  # their Entra object id, from the routing notifier
            ref = conversations.find(self.engine, message.school_id, conversations.staff_key(who))
            if ref is not None:
                sent = Sent(message_id=await self._post(ref, reply), channel=ref.conversation_id[:64])
            else:
                sent = await self._fall_back(message)
            if not message.buttons:  # a weekly digest (reminders have buttons): by e-mail too, if they asked
                await self._mail_digest(message)
            return sent
        ref = conversations.find(self.engine, message.school_id, conversations.CHANNEL)
        if ref is None:
            raise DeliveryError("sendbot has not been added to the school's team in Teams, so there is no channel "
                                "to post in: add it to the team (docs/teams.md)", transient=False)
        return Sent(message_id=await self._post(ref, reply), channel=ref.conversation_id[:64])

    async def _fall_back(self, message: Outgoing) -> Sent:
        channel = conversations.find(self.engine, message.school_id, conversations.CHANNEL)
        who = message.to.label or f"@{message.to.handle}"
        if channel is None:
            raise DeliveryError(f"{who} has not installed sendbot in Teams and the app is in no team channel: "
                                "ask them to add it (docs/teams.md)", transient=False)
        nudge = Reply(f"{who}: sendbot has a reminder for you (#{message.reminder_id}).",
                      lines=["Add sendbot in Teams (Apps → Built for your org) and open a chat with it to see it: "
                             "pupils' details are only shown there."])
        message_id = await self._post(channel, nudge)
        key = (message.school_id, message.to.handle)
        if key not in self.told:
            self.told.add(key)
            for admin in conversations.admins_reachable(self.engine, message.school_id):
                ref = conversations.find(self.engine, message.school_id, conversations.staff_key(admin))
                if ref is not None:
                    try:
                        await self._post(ref, Reply(NOT_INSTALLED.format(who=who)))
                    except DeliveryError:
                        log.warning("could not tell an admin of school %s about a missing install",
                                    message.school_id)
        return Sent(message_id=message_id, channel=channel.conversation_id[:64])

    async def _mail_digest(self, message: Outgoing) -> None:
        """The digest by e-mail (Graph ``Mail.Send``) to someone who opted in. The chat message is already out,
        so a failure here is logged, not raised: the outbox must not send the chat message again."""
        sender = self.settings.graph_mail_sender
        if not sender or not self.settings.graph_writes_configured:
            return
        with Session(self.engine) as session:
            if not wants_digest_mail(session, message.school_id, message.to.handle):
                return
        user = message.to.user_id or message.to.handle
        from bot.teams import graph  # msgraph-sdk is heavy: imported only when a digest is mailed

        try:
            client = self._graph or graph.client(self.settings)
            self._graph = client
            await graph.send_digest_mail(client, sender, [await graph.address_of(client, user)],
                                         message.reply)
        except Exception as e:
            log.warning("digest e-mail for message %s not sent (%s)", message.reminder_id, e.__class__.__name__)

    async def close(self) -> None:
        return None


def _delivery_error(e: BaseException) -> DeliveryError:
    if isinstance(e, DeliveryError):
        return e
    if isinstance(e, aiohttp.ClientResponseError):
        retry_after = None
        with contextlib.suppress(ValueError):
            retry_after = float((e.headers or {}).get("Retry-After", ""))
        if e.status == 429 or e.status >= 500:
            return DeliveryError(f"Teams connector answered {e.status}", transient=True, retry_after=retry_after)
        if e.status in (401, 403):
            return DeliveryError(f"Teams refused the message ({e.status}): the app was removed from this chat, "
                                 "or TEAMS_APP_PASSWORD is wrong", transient=False)
        if e.status == 404:
            return DeliveryError("Teams no longer knows this conversation: the person must open sendbot again",
                                 transient=False)
        return DeliveryError(f"Teams connector answered {e.status}", transient=False)
    if isinstance(e, aiohttp.ClientError | TimeoutError | OSError):
        return DeliveryError(f"Teams connector unreachable ({e.__class__.__name__})", transient=True)
    return DeliveryError(f"sending to Teams failed ({e.__class__.__name__})", transient=True)


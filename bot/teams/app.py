"""``POST /api/messages``: Microsoft Teams through the Microsoft 365 Agents SDK, in the ``sendbot run`` app.

The SDK does the protocol: ``JwtTokenValidator`` checks the Bearer token (RS256 signature against the keys
Microsoft publishes, audience = TEAMS_APP_ID, issuer allow-list on, the token's tenant bound to its issuer),
``HttpAdapterBase`` (the framework-neutral adapter its aiohttp and FastAPI hosts share) runs the turn, and
its connector client posts the reply to the activity's ``serviceUrl`` with a token from MSAL (client secret).
This module adds the Starlette request shim, the tenant check and the turn itself: who is asking (their
Entra object id is their staff handle), which school, the command, and the Adaptive Card back.

Privacy: in a team channel or a group chat everyone would see the answer, so the bot answers there only
to say it answers in a personal chat; personal chats get the full reply. Logs carry ids, never text.
"""

import asyncio
import json
import logging
import warnings
from collections.abc import Mapping
from typing import Any

from jwt import PyJWTError
from microsoft_agents.activity import Activity, ActivityTypes, Attachment
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.core import HttpAdapterBase, TurnContext
from microsoft_agents.hosting.core.authorization import AgentAuthConfiguration, ClaimsIdentity, JwtTokenValidator
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.commands import answer
from bot.config import Settings
from bot.reply import Reply
from bot.services import tenancy
from bot.services.school import display_names
from bot.state import AppState
from bot.surface import Asker
from bot.teams import cards, conversations
from bot.teams import forms as teams_forms
from bot.teams.text import command_text
from db.engine import transaction

log = logging.getLogger(__name__)

ROUTE = "/api/messages"
PLATFORM = "teams"
COMMAND = "/sen"
NO_USER = "Teams didn't say who you are (no Entra object id), so sendbot can't act for you."
CHANNEL_NOTE = ("I answer in a personal chat only, so that pupils' details are never shown to a whole team or "
                "group. Open a chat with sendbot (its name in the app bar, then Chat) and type it there.")
ANONYMOUS_WARNING = ("TEAMS_ALLOW_ANONYMOUS_FOR_DEVELOPMENT is on: /api/messages accepts requests WITH NO TOKEN, "
                     "so anyone who can reach this port can act as any member of staff. Development only — "
                     "never with real pupils' data.")
SERVICE_CONNECTION = "SERVICE_CONNECTION"


def auth_configuration(settings: Settings) -> AgentAuthConfiguration:
    """TEAMS_APP_ID / TEAMS_APP_PASSWORD / TEAMS_TENANT_ID as the SDK's service connection."""
    if not settings.teams_app_id:
        raise ValueError("TEAMS_APP_ID is not set")
    return AgentAuthConfiguration(
        client_id=settings.teams_app_id, client_secret=settings.teams_app_password,
        tenant_id=settings.teams_tenant_id, connection_name=SERVICE_CONNECTION,
        anonymous_allowed=settings.teams_allow_anonymous_for_development,
        validate_issuer=True)


class StarletteRequest:
    """Starlette's request as the SDK's ``HttpRequestProtocol`` (body and claims already read)."""

    def __init__(self, request: Request, body: dict[str, Any], claims: ClaimsIdentity) -> None:
        self._request, self._body, self._claims = request, body, claims

    @property
    def method(self) -> str:
        return self._request.method

    @property
    def headers(self) -> Mapping[str, str]:
        return self._request.headers

    async def json(self) -> dict[str, Any]:
        return self._body

    def get_claims_identity(self) -> ClaimsIdentity:
        return self._claims

    def get_path_param(self, name: str) -> str:
        return self._request.path_params[name]


class TeamsAdapter(HttpAdapterBase):
    """The SDK's shared HTTP adapter; errors in a turn are logged by id, never echoed into the chat."""

    def __init__(self, config: AgentAuthConfiguration) -> None:
        super().__init__(connection_manager=MsalConnectionManager({SERVICE_CONNECTION: config}))

        async def on_turn_error(context: TurnContext, error: Exception) -> None:
            log.error("Teams turn failed (%s) in conversation %s", error.__class__.__name__,
                      context.activity.conversation.id if context.activity.conversation else "?")

        self.on_turn_error = on_turn_error


def tenant_of(activity: Activity) -> str | None:
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = (channel_data.get("tenant") or {}).get("id")
    return tenant or (activity.conversation.tenant_id if activity.conversation else None)


class TeamsBot:
    """One turn: find the school and the person, run the command, answer with a card."""

    def __init__(self, state: AppState) -> None:
        self.state = state
        self.settings = state.settings

    def school(self, tenant_id: str | None) -> int | None:
        """The school this tenant is linked to (``sendbot link teams <tenant>`` or a claim code), or None."""
        if not tenant_id:
            return None
        with Session(self.state.engine) as session:
            return tenancy.school_of(session, PLATFORM, tenant_id)

    def run(self, tenant_id: str | None, aad_object_id: str | None, text: str, name: str | None = None) -> Reply:
        """Run one command as this Teams user through core's ``answer`` (as Slack does): their Entra object id
        is their identity, the tenant the workspace; ``claim CODE`` connects a tenant not yet linked. Staff
        are shown by display name (``name`` is what Teams calls the asker, used if the school has none)."""
        if not aad_object_id and tenant_id and self.school(tenant_id) is not None:
            return Reply.refused(NO_USER)
        self.state.count("teams_commands")
        reply = answer(self.state.engine, Asker(PLATFORM, tenant_id, aad_object_id, COMMAND), text,
                       self.state.today())
        return cards.with_names(reply, self.names(tenant_id, aad_object_id, name))

    def names(self, tenant_id: str | None, aad_object_id: str | None, name: str | None) -> dict[str, str]:
        school_id = self.school(tenant_id)
        names = {aad_object_id: name} if aad_object_id and name else {}
        if school_id is not None:
            with Session(self.state.engine) as session:
                names.update(display_names(session, school_id))
        return names

    def remember(self, activity: Activity) -> None:
        """Save where this person (personal chat) or this team (channel) can be reached later."""
        tenant = tenant_of(activity)
        school_id = self.school(tenant)
        conversation = activity.conversation
        if school_id is None or conversation is None or not activity.service_url or not activity.recipient:
            return
        kind = conversation.conversation_type or "personal"
        if kind == "personal":
            user = activity.from_property
            if not user or not user.aad_object_id:
                return
            key = conversations.staff_key(user.aad_object_id)
        elif kind == "channel":
            key = conversations.CHANNEL
        else:
            return  # group chats are not a place for reminders
        ref = conversations.Ref(tenant or "", conversation.id, activity.service_url, activity.recipient.id)
        conversations.save(self.state.engine, school_id, key, ref)
        if kind == "personal" and activity.from_property and activity.from_property.aad_object_id:
            # The neutral conversation_ref too, so the routing notifier knows Teams reaches this person.
            with transaction(self.state.engine) as session:
                tenancy.remember_conversation(session, PLATFORM, tenant or "", activity.from_property.aad_object_id,
                                              {"conversation_id": ref.conversation_id,
                                               "service_url": ref.service_url, "bot_id": ref.bot_id})

    async def on_turn(self, context: TurnContext) -> None:
        activity = context.activity
        if activity.type == ActivityTypes.conversation_update:
            # Installed in a personal scope or a team: keep the reference, to remind people later. Nothing is
            # said until someone types (welcome cards are noise).
            added = [m.id for m in activity.members_added or []]
            if activity.recipient and activity.recipient.id in added:
                await asyncio.to_thread(self.remember, activity)
            return
        execute_invoke = activity.type == ActivityTypes.invoke and activity.name == "adaptiveCard/action"
        if activity.type != ActivityTypes.message and not execute_invoke:
            return
        # A button or form press: Action.Submit puts its data in the message's value; Action.Execute sends an
        # invoke whose value.action.data holds the same, and wants the answer as the invoke's response.
        value = activity.value
        if execute_invoke:
            value = ((activity.value or {}).get("action") or {}).get("data") if isinstance(activity.value, dict) \
                else None
        conversation_type = (activity.conversation.conversation_type if activity.conversation else None) or ""
        user = activity.from_property
        aad = user.aad_object_id if user else None
        if conversation_type not in ("", "personal"):
            await self._answer(context, execute_invoke, cards.render(Reply(CHANNEL_NOTE)))
            return
        form = teams_forms.submitted(value)
        command = cards.command_of(value)
        if form is not None:
            command = teams_forms.command(*form)
        elif command is None:
            entities = [e.model_dump(by_alias=True, exclude_none=True) if hasattr(e, "model_dump") else e
                        for e in activity.entities or []]
            bot_id = activity.recipient.id if activity.recipient else None
            command = command_text(activity.text, entities, bot_id)
            blank = teams_forms.form_for(command.removeprefix("/sen").strip())
            if blank is not None:  # "meeting" on its own: the form, with every field the command takes
                await asyncio.to_thread(self.remember, activity)
                await self._answer(context, execute_invoke, teams_forms.card(blank, self.state.today()))
                return
        reply = await asyncio.to_thread(self.run, tenant_of(activity), aad, command, user.name if user else None)
        await asyncio.to_thread(self.remember, activity)
        if form is not None and not reply.ok:  # the form again, filled in, the refusal at its field
            await self._answer(context, execute_invoke, teams_forms.card(form[0], self.state.today(), form[1], reply))
            return
        await self._answer(context, execute_invoke, cards.render(reply), reply)

    async def _answer(self, context: TurnContext, invoked: bool, card: cards.Card, reply: Reply | None = None) -> None:
        if invoked:  # Action.Execute: the card replaces the one pressed (the Universal Actions response)
            await context.send_activity(Activity(type=ActivityTypes.invoke_response, value={
                "status": 200, "body": {"statusCode": 200, "type": cards.CONTENT_TYPE, "value": card}}))
            return
        await context.send_activity(Activity(
            type=ActivityTypes.message, text=reply.title if reply is not None and not reply.ok else None,
            attachments=[Attachment(content_type=cards.CONTENT_TYPE, content=card)]))


def _card(reply: Reply) -> Activity:
    card = cards.attachment(reply)
    return Activity(type=ActivityTypes.message, text=reply.title if not reply.ok else None,
                    attachments=[Attachment(content_type=card["contentType"], content=card["content"])])


async def _authorize(header: str | None, config: AgentAuthConfiguration) -> ClaimsIdentity | None:
    """The caller's claims from the Bearer token (checked by the SDK), or None: refuse with 401."""
    validator = JwtTokenValidator(config)
    if not header:
        return validator.get_anonymous_claims() if config.ANONYMOUS_ALLOWED else None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    try:
        return await validator.validate_token(token.strip())
    except (PyJWTError, ValueError, KeyError) as e:
        log.warning("Teams request refused: token not valid (%s)", e.__class__.__name__)
        return None


def _quiet_library_logs() -> None:
    """The SDK logs an activity it can't read with its values (what someone typed) and, at INFO/DEBUG, ids and
    payloads: keep it at WARNING, and its activity model (which echoes input) silent."""
    for name in ("microsoft_agents", "msal", "azure", "httpx"):
        logger = logging.getLogger(name)
        if logger.level < logging.WARNING:  # NOTSET (inherit) included
            logger.setLevel(logging.WARNING)
    logging.getLogger("microsoft_agents.activity").setLevel(logging.CRITICAL + 1)


def routes(state: AppState) -> list[BaseRoute]:
    settings = state.settings
    _quiet_library_logs()
    config = auth_configuration(settings)
    if config.ANONYMOUS_ALLOWED:
        warnings.warn(ANONYMOUS_WARNING, stacklevel=1)
        log.error(ANONYMOUS_WARNING)
    adapter = TeamsAdapter(config)
    bot = TeamsBot(state)
    state.extras["teams_adapter"] = adapter
    state.extras["teams_bot"] = bot

    async def messages(request: Request) -> Response:
        claims = await _authorize(request.headers.get("authorization"), config)
        if claims is None:
            return JSONResponse({"error": "Invalid token or authentication failed."}, status_code=401)
        try:
            body = json.loads(await request.body())
        except ValueError:
            return JSONResponse({"error": "The body is not JSON."}, status_code=400)
        if not isinstance(body, dict):
            return JSONResponse({"error": "The body is not an activity."}, status_code=400)
        try:
            activity = Activity.model_validate(body)
        except ValueError:  # pydantic's ValidationError
            return JSONResponse({"error": "The body is not an activity."}, status_code=400)
        tenant = (tenant_of(activity) or "").lower()
        expected = (settings.teams_tenant_id or "").lower()
        if expected and tenant != expected:
            # Another organisation's Teams: its people are not this school's staff. Nothing is run.
            log.warning("Teams activity from another tenant refused")
            return JSONResponse({"error": "This bot serves one Microsoft 365 tenant."}, status_code=403)
        result = await adapter.process_request(StarletteRequest(request, body, claims), bot)
        if result.body is not None:
            return JSONResponse(result.body, status_code=result.status_code)
        return Response(status_code=result.status_code)

    return [Route(ROUTE, messages, methods=["POST"])]

"""The Bolt ``AsyncApp``: its listeners, the ``/slack/...`` routes and the Socket Mode service.

Modes come from the settings: a bot token + signing secret serve one workspace over HTTP
(``POST /slack/events``); an app-level token (``SLACK_APP_TOKEN``) adds Socket Mode, for schools behind a
firewall; a client id + secret serve many workspaces, installed through ``/slack/install``.

Every listener acknowledges first and does the slow work after (Slack waits 3 seconds at most); database
work runs in a worker thread so the event loop keeps answering. Replies are ephemeral: only the person who
asked sees them. Logs carry ids only: never command text, names or anything else a person typed.
"""

import asyncio
import contextlib
import logging
import os
import re
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.error import BoltError
from slack_bolt.oauth.async_callback_options import AsyncCallbackOptions, AsyncFailureArgs, AsyncSuccessArgs
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.commands import GRAMMAR, Reply, answer, execute
from bot.config import Settings
from bot.dates import ParseError
from bot.services import tenancy
from bot.services.errors import Refused
from bot.services.school import actor_for
from bot.slack import dedupe, guard, home, modals, render
from bot.slack.installations import ThreadedInstallationStore, ThreadedStateStore, installation_store, state_store
from bot.slack.render import RUN_ACTION
from bot.slack.text import channel_ids, command_text
from bot.state import AppState
from bot.surface import Asker
from db.engine import transaction

log = logging.getLogger(__name__)

PLATFORM = "slack"  # this surface's name in bot.services.tenancy
COMMAND = "/sen"
HOME_EVENT = "app_home_opened"  # the only event subscribed to (deploy/slack/manifest.yml)
SCOPES = ("commands", "chat:write", "users:read", "users:read.email")  # .email: the staff import; Slack asks
# users:read alongside it. chat.postMessage to a user id opens the DM itself: no im:write.
APOLOGY = ("Sorry — something went wrong on our side and nothing more was done. Please try again; if it keeps "
           "happening, tell your admin.")


def api_url(settings: Settings) -> str:
    """SLACK_API_URL with the trailing slash slack_sdk needs (it appends the method name)."""
    url = settings.slack_api_url.strip()
    return url if url.endswith("/") else url + "/"


def web_client(settings: Settings, token: str | None) -> AsyncWebClient:
    """Every Slack Web API client is built here, so SLACK_API_URL is honoured everywhere."""
    return AsyncWebClient(token=token, base_url=api_url(settings))


def _quiet_library_logs() -> None:
    """Bolt and slack_sdk log whole request and response bodies (pupil names, notes) at DEBUG: pin them to
    INFO or above, whatever the root logger is set to later."""
    floor = max(logging.INFO, logging.getLogger().getEffectiveLevel())
    for name in ("slack_bolt", "slack_sdk"):
        logger = logging.getLogger(name)
        if logger.level < logging.INFO:  # NOTSET (inherit) included
            logger.setLevel(floor)


@dataclass
class SlackRuntime:
    bolt: AsyncApp
    oauth: bool  # many workspaces, installed through /slack/install
    http: bool  # /slack/events is served (a signing secret is set)
    socket: bool  # Socket Mode (an app-level token is set)


class SlackBot:
    """The listeners' shared work: find the school, run the command, show the reply, refresh Home."""

    def __init__(self, state: AppState, oauth: bool) -> None:
        self.state = state
        self.oauth = oauth
        # Many workspaces: a new one connects by installing the app (an admin's act) or by a claim code.
        self.install_url = f"{state.settings.public_url.rstrip('/')}/slack/install" if oauth else None

    # --- synchronous work (run in a worker thread) ----------------------------------------------------

    def asker(self, team_id: str | None, user_id: str | None) -> Asker:
        return Asker(PLATFORM, team_id, user_id, COMMAND, self.install_url)

    def run(self, team_id: str | None, user_id: str | None, text: str) -> Reply:
        """Run one command as this Slack user: the core identifies them (bot.services.tenancy). Every way in
        (slash command, button, form) comes here, so Slack's channel ids are made canonical here."""
        self.state.count("slack_commands")
        return answer(self.state.engine, self.asker(team_id, user_id), channel_ids(text), self.state.today(),
                      limit=self.state.command_limit)

    def caller(self, team_id: str | None, user_id: str | None) -> tenancy.Caller | Reply:
        """Who this is (school and staff handle), or the refusal saying why nobody can act here."""
        try:
            with transaction(self.state.engine) as session:
                return tenancy.identify(session, PLATFORM, team_id, user_id, prefix=COMMAND,
                                        install_url=self.install_url)
        except Refused as e:
            return Reply.refused(str(e))

    def refusal_for(self, team_id: str | None, user_id: str | None) -> Reply | None:
        """Why this person can't use sendbot at all (workspace not connected, not on the staff list), or None."""
        caller = self.caller(team_id, user_id)
        if isinstance(caller, Reply):
            return caller
        try:
            with transaction(self.state.engine) as session:
                actor_for(session, caller.school_id, caller.handle)
        except Refused as e:
            return Reply.refused(str(e))
        return None

    def home_view(self, team_id: str | None, user_id: str) -> dict[str, Any]:
        """The Home tab: the ``home`` command's reply for this person, or why there is none."""
        caller = self.caller(team_id, user_id)
        if isinstance(caller, Reply):
            return home.message_view(caller.title)
        reply = execute(self.state.engine, caller.school_id, caller.handle, home.COMMAND, self.state.today())
        return home.home_view(reply) if reply.ok else home.message_view(reply.title)

    def changes_something(self, text: str) -> bool:
        try:
            parsed = GRAMMAR.parse(text, self.state.today())
        except ParseError:
            return False
        if parsed.command.name == "settings":
            return bool(parsed.values)
        return not parsed.command.reads  # after a change, the person's Home tab is published again

    # --- asynchronous work ----------------------------------------------------------------------------

    async def run_async(self, team_id: str | None, user_id: str | None, text: str) -> Reply:
        return await asyncio.to_thread(self.run, team_id, user_id, text)

    async def publish_home(self, client: AsyncWebClient, team_id: str | None, user_id: str | None) -> None:
        if not user_id:
            return
        try:
            view = await asyncio.to_thread(self.home_view, team_id, user_id)
            await client.views_publish(user_id=user_id, view=view)
            self.state.count("slack_home_published")
        except Exception as e:  # the Home tab is a convenience: never let it spoil the answer already given
            log.warning("publishing the Home tab failed (team %s, user %s): %s", team_id, user_id, _describe(e))

    async def after(self, client: AsyncWebClient, team_id: str | None, user_id: str | None, text: str,
                    reply: Reply) -> None:
        if reply.ok and self.changes_something(text):
            await self.publish_home(client, team_id, user_id)

    async def open_form(self, client: AsyncWebClient, body: dict[str, Any], form: modals.Form,
                        values: dict[str, str], team_id: str | None, user_id: str | None) -> None:
        """Open the form at once (its trigger id expires 3 s after the click), then check who is asking."""
        view = modals.form_view(form, self.state.today(), values)
        if (body.get("view") or {}).get("type") == "modal":
            opened = await client.views_push(trigger_id=body["trigger_id"], view=view)
        else:
            opened = await client.views_open(trigger_id=body["trigger_id"], view=view)
        refusal = await asyncio.to_thread(self.refusal_for, team_id, user_id)
        if refusal is not None:
            await client.views_update(view_id=opened["view"]["id"], view=modals.reply_view(refusal))

    async def show_in_view(self, client: AsyncWebClient, body: dict[str, Any], team_id: str | None,
                           user_id: str | None, text: str) -> Reply:
        """Answer a button with no message to reply to (App Home, a modal) in a modal."""
        current = body.get("view") or {}
        if current.get("type") == "modal":
            view_id = current["id"]
        else:
            # Open a "working on it" modal first: the trigger id would expire during slow work.
            opened = await client.views_open(trigger_id=body["trigger_id"], view=modals.loading_view())
            view_id = opened["view"]["id"]
        reply = await self.run_async(team_id, user_id, text)
        await client.views_update(view_id=view_id, view=modals.reply_view(reply))
        return reply


def _describe(error: BaseException) -> str:
    """An error for the log: its class, Slack's error code, and where it was raised — never its message,
    which may quote a request (and so a pupil's name)."""
    name = error.__class__.__name__
    response = getattr(error, "response", None)
    code = response.get("error") if hasattr(response, "get") else None
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if f"{os.sep}bot{os.sep}" in f.filename]  # the deepest line of sendbot's own
    frame = (ours or frames)[-1] if frames else None
    where = f" at {frame.filename}:{frame.lineno}" if frame else ""
    return f"{name}{f' ({code})' if code else ''}{where}"


def _payload_kind(body: dict[str, Any]) -> str:
    if body.get("command"):
        return "command"
    return str(body.get("type") or "request")


class Listeners:
    """One listener per kind of request (Bolt starter style): each acknowledges, then does its work.

    Methods, so each can be called on its own in a test with a mock ``ack``; :func:`register` attaches them.
    """

    def __init__(self, bot: SlackBot) -> None:
        self.bot = bot

    async def once_per_event(self, body: dict[str, Any], next: Callable[[], Awaitable[BoltResponse]]) -> BoltResponse:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not await asyncio.to_thread(dedupe.first_delivery, self.bot.state.engine, str(event_id),
                                                    body.get("team_id")):
            self.bot.state.count("slack_retries_dropped")
            return BoltResponse(status=200, body="")
        return await next()

    async def on_command(self, ack: Any, body: dict[str, Any], client: AsyncWebClient, respond: Any,
                         context: Any) -> None:
        await ack()
        text = command_text(body.get("text") or "")
        team_id, user_id = context.team_id, context.user_id
        form = modals.form_for(text)
        if form is not None and body.get("trigger_id"):
            await self.bot.open_form(client, body, form, {}, team_id, user_id)
            return
        reply = await self.bot.run_async(team_id, user_id, text)
        await respond(**render.message(reply))
        await self.bot.after(client, team_id, user_id, text, reply)

    async def on_button(self, ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient,
                        respond: Any, context: Any) -> None:
        await ack()
        text = action.get("value") or (action.get("selected_option") or {}).get("value") or ""
        team_id, user_id = context.team_id, context.user_id
        prefill = modals.prefill_for(text, self.bot.state.today())
        if prefill is not None and body.get("trigger_id"):
            await self.bot.open_form(client, body, prefill[0], prefill[1], team_id, user_id)
            return
        if body.get("response_url"):
            reply = await self.bot.run_async(team_id, user_id, text)
            await respond(**render.message(reply))
        else:
            reply = await self.bot.show_in_view(client, body, team_id, user_id, text)
        await self.bot.after(client, team_id, user_id, text, reply)

    async def on_refresh(self, ack: Any, client: AsyncWebClient, context: Any) -> None:
        await ack()
        await self.bot.publish_home(client, context.team_id, context.user_id)

    async def on_submit(self, ack: Any, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient,
                        context: Any) -> None:
        acked = False
        try:
            form = modals.FORMS.get(str(view.get("callback_id", "")).split(":", 1)[1])
            if form is None:
                acked = True
                await ack()
                return
            values = modals.answers((view.get("state") or {}).get("values") or {})
            errors = modals.missing(form, values)
            if errors:
                acked = True
                await ack(response_action="errors", errors=errors)
                return
            text = modals.command(form, values)
            reply = await self.bot.run_async(context.team_id, context.user_id, text)
            errors = None if reply.ok else modals.errors_for(form, reply)
            acked = True
            if errors:
                await ack(response_action="errors", errors=errors)
            else:
                await ack(response_action="update", view=modals.reply_view(reply, form.title))
            await self.bot.after(client, context.team_id, context.user_id, text, reply)
        except Exception:
            if not acked:
                await ack(response_action="update", view=modals.reply_view(Reply.refused(APOLOGY)))
            raise

    async def on_home_opened(self, event: dict[str, Any], client: AsyncWebClient, context: Any) -> None:
        if event.get("tab", "home") == "home":
            await self.bot.publish_home(client, context.team_id, event.get("user") or context.user_id)

    async def on_error(self, error: Exception, body: dict[str, Any], context: Any) -> None:
        kind = _payload_kind(body or {})
        team_id, user_id = context.get("team_id"), context.get("user_id")
        self.bot.state.count("slack_errors")
        log.error("Slack %s failed (team %s, user %s): %s", kind, team_id, user_id, _describe(error))
        if kind == "view_submission":
            return  # the listener has answered in the modal already
        try:
            if context.get("response_url") and context.get("respond"):
                await context["respond"](response_type="ephemeral", replace_original=False, text=APOLOGY)
            elif kind == "event_callback" and user_id and context.get("client"):
                await context["client"].views_publish(user_id=user_id, view=home.message_view(APOLOGY))
            elif user_id and context.get("client"):
                await context["client"].chat_postMessage(channel=user_id, text=APOLOGY)
        except Exception as e:
            log.warning("the apology could not be sent either (team %s, user %s): %s", team_id, user_id,
                        _describe(e))


def register(bolt: AsyncApp, bot: SlackBot) -> Listeners:
    """Attach every listener; one per kind of request."""
    listeners = Listeners(bot)
    bolt.middleware(listeners.once_per_event)
    bolt.command(COMMAND)(listeners.on_command)
    bolt.action(re.compile(f"^{RUN_ACTION}"))(listeners.on_button)
    bolt.action(home.REFRESH)(listeners.on_refresh)
    bolt.view(re.compile(f"^{modals.CALLBACK}:"))(listeners.on_submit)
    bolt.event(HOME_EVENT)(listeners.on_home_opened)
    bolt.error(listeners.on_error)
    return listeners


def build(state: AppState) -> SlackRuntime | None:
    """The Bolt app for these settings, or None when Slack is not configured."""
    settings = state.settings
    oauth = bool(settings.slack_client_id and settings.slack_client_secret)
    if not (settings.slack_bot_token or oauth):
        return None
    _quiet_library_logs()
    bot = SlackBot(state, oauth)
    kwargs: dict[str, Any] = {
        "name": "sendbot",
        # An empty secret verifies nothing: without one, /slack/events is not served at all (see routes).
        "signing_secret": settings.slack_signing_secret or "",
        "client": web_client(settings, None if oauth else settings.slack_bot_token),
    }
    if oauth:
        async def installed(args: AsyncSuccessArgs) -> BoltResponse:
            return await _installed(bot, args)

        async def failed(args: AsyncFailureArgs) -> BoltResponse:
            if isinstance(args.error, InstallRefused):
                log.warning("a Slack installation was refused")
                return _spent(_page(403, str(args.error)))
            log.warning("a Slack installation failed: %s", args.reason)
            return await args.default.failure(args)

        public = settings.public_url.rstrip("/")
        kwargs["oauth_flow"] = InstallFlow(bot, settings=AsyncOAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            scopes=list(SCOPES),
            user_scopes=[],
            redirect_uri=f"{public}/slack/oauth_redirect",
            install_path="/slack/install",
            redirect_uri_path="/slack/oauth_redirect",
            installation_store=ThreadedInstallationStore(installation_store(settings, state.engine)),
            state_store=ThreadedStateStore(state_store(state.engine)),
            callback_options=AsyncCallbackOptions(success=installed, failure=failed),
        ))
    bolt = AsyncApp(**kwargs)
    register(bolt, bot)
    return SlackRuntime(bolt=bolt, oauth=oauth, http=bool(settings.slack_signing_secret),
                        socket=bool(settings.slack_app_token))


LINK_COOKIE = "sendbot_install_link"  # carries an install link's code from /slack/install to the redirect


class InstallRefused(BoltError):
    """An install sendbot's rules refuse (bot.services.tenancy.install_workspace); its text says what to do."""


class InstallFlow(AsyncOAuthFlow):
    """Bolt's OAuth flow, with sendbot's rules decided before Slack's token is kept (none is kept if refused).

    ``/slack/install?link=CODE`` (``sendbot install-link``) is checked, then carried in a short-lived cookie to
    ``/slack/oauth_redirect``: Slack's authorize URL can't carry it, and its ``state`` is Bolt's own.
    """

    def __init__(self, bot: "SlackBot", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bot = bot

    async def handle_installation(self, request: AsyncBoltRequest) -> BoltResponse:
        code = (request.query.get("link") or [""])[0].strip()
        if code:
            try:
                await asyncio.to_thread(self._check, code)
            except Refused as e:
                return _page(403, str(e))
        response = await super().handle_installation(request)
        if code and re.fullmatch(r"[A-Za-z0-9-]{1,20}", code):
            response.headers["set-cookie"] = [*response.headers.get("set-cookie", []),
                                              f"{LINK_COOKIE}={code}; Secure; HttpOnly; Path=/slack/; Max-Age=600"]
        return response

    def _check(self, code: str) -> None:
        with transaction(self.bot.state.engine) as session:
            tenancy.check_install_link(session, code)

    async def store_installation(self, request: AsyncBoltRequest, installation: Installation) -> None:
        if not installation.team_id or not installation.user_id:
            raise InstallRefused("sendbot is installed per workspace: install it into each school's workspace, "
                                 "not across a whole Enterprise Grid organisation.")
        cookies = SimpleCookie()
        for header in request.headers.get("cookie", []):
            cookies.load(header)
        link = cookies[LINK_COOKIE].value if LINK_COOKIE in cookies else None
        try:
            done = await asyncio.to_thread(_install, self.bot, installation.team_id, installation.user_id, link)
        except Refused as e:
            raise InstallRefused(str(e)) from None
        await super().store_installation(request, installation)
        request.context["sendbot_installed"] = done
        self.bot.state.count("slack_installs")
        log.warning("Slack workspace %s installed (school %s%s)", installation.team_id, done.school_id,
                    ", installer pending" if done.pending else "")


async def _installed(bot: "SlackBot", args: AsyncSuccessArgs) -> BoltResponse:
    """After the installation is kept: Bolt's success page, or what a pending admin must ask for."""
    done = args.request.context.get("sendbot_installed")
    if isinstance(done, tenancy.Installed) and done.pending:
        if done.admin_user_id and args.installation.bot_token:
            await _tell_admin(bot, args.installation.bot_token, done.admin_user_id, args.installation.user_id,
                              done.handle)
        return _spent(_page(200, done.confirm_text(COMMAND)))
    return _spent(await args.default.success(args))


def _spent(response: BoltResponse) -> BoltResponse:
    """Forget the install link's cookie once the redirect is answered, so a later install doesn't reuse it."""
    response.headers["set-cookie"] = [*response.headers.get("set-cookie", []),
                                      f"{LINK_COOKIE}=; Secure; HttpOnly; Path=/slack/; Max-Age=0"]
    return response


async def _tell_admin(bot: "SlackBot", token: str, admin_user_id: str, installer_id: str, handle: str) -> None:
    """A direct message to the school's admin: someone installed and awaits their word (ids only)."""
    text = (f"<@{installer_id}> installed sendbot in this workspace and asks to be an admin of the school. If they "
            f"should be, type: {COMMAND} staff add @{handle} role:admin  (otherwise do nothing: they can't use "
            "sendbot).")
    try:
        await web_client(bot.state.settings, token).chat_postMessage(channel=admin_user_id, text=text)
    except Exception as e:  # the install stands; the installer's page says whom to ask
        log.warning("couldn't tell the admin about a pending admin: %s", e.__class__.__name__)


def _install(bot: "SlackBot", team_id: str, installer: str, link: str | None) -> tenancy.Installed:
    """The workspace's school for an install, by sendbot's rules (bot.services.tenancy.install_workspace)."""
    engine = bot.state.engine
    try:
        with transaction(engine) as session:
            return tenancy.install_workspace(session, PLATFORM, team_id, installer, link)
    except IntegrityError:
        # The same workspace finished installing twice at once: the other one bound it (and used the link).
        with transaction(engine) as session:
            return tenancy.install_workspace(session, PLATFORM, team_id, installer, None)


def _page(status: int, text: str) -> BoltResponse:
    from html import escape

    body = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>sendbot</title></head>"
            f"<body><h1>sendbot</h1><p>{escape(text)}</p></body></html>")
    return BoltResponse(status=status, body=body, headers={"Content-Type": "text/html; charset=utf-8"})


def routes(state: AppState) -> list[BaseRoute]:
    """``/slack/events`` (signed requests) and, with OAuth, ``/slack/install`` and ``/slack/oauth_redirect``."""
    runtime = build(state)
    if runtime is None:
        return []
    state.extras["slack"] = runtime
    handler = AsyncSlackRequestHandler(runtime.bolt)

    async def endpoint(request: Request) -> Response:
        state.count("slack_requests")
        return await handler.handle(request)

    out: list[BaseRoute] = []
    if runtime.http:
        # Size, shape, signature and replay are checked before Bolt sees the request (bot/slack/guard.py).
        checked = guard.guarded(endpoint, state.engine, state.settings.slack_signing_secret or "", state.count)
        out.append(Route("/slack/events", checked, methods=["POST"]))
    if runtime.oauth:
        out += [Route("/slack/install", endpoint, methods=["GET"]),
                Route("/slack/oauth_redirect", endpoint, methods=["GET"])]
    return out


async def socket_mode_service(state: AppState) -> Callable[[], Awaitable[None]]:
    """Socket Mode: Slack delivers over a WebSocket that we open, so no inbound HTTP is needed.

    One replica only: Socket Mode spreads events over connections, it does not copy them to each.
    """
    runtime: SlackRuntime | None = state.extras.get("slack")
    token = state.settings.slack_app_token
    if runtime is None or not token:
        async def nothing() -> None:
            return None

        return nothing
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(runtime.bolt, app_token=token)
    task = asyncio.create_task(_keep_connecting(handler))

    async def stop() -> None:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        with contextlib.suppress(Exception):
            await handler.close_async()

    return stop


async def _keep_connecting(handler: Any) -> None:
    """Connect, retrying with back-off: the web server (health, feeds) stays up while Slack is unreachable."""
    delay = 1.0
    while True:
        try:
            await handler.connect_async()
            log.warning("Slack Socket Mode connected")
            return
        except asyncio.CancelledError:
            raise
        except Exception as e:
            log.warning("Slack Socket Mode could not connect (%s); retrying in %.0f s", _describe(e), delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 60.0)


def connection_help(settings: Settings) -> list[str]:
    """What ``sendbot run`` says about Slack when Slack is configured."""
    public = settings.public_url.rstrip("/")
    lines = []
    if settings.slack_client_id and settings.slack_client_secret:
        lines.append(f"Slack: many workspaces. Install into a workspace from {public}/slack/install "
                     "(the person who installs becomes the school's admin).")
    if settings.slack_app_token:
        lines.append("Slack: Socket Mode (no inbound connection needed); run one copy of sendbot only.")
    if settings.slack_signing_secret:
        lines.append(f"Slack: request URL for commands, interactivity and events: {public}/slack/events")
    elif not settings.slack_app_token:
        lines.append("Slack: SLACK_SIGNING_SECRET is not set, so Slack's requests can't be verified and "
                     "/slack/events is off. Set it (Basic Information > App Credentials), or use Socket Mode "
                     "with SLACK_APP_TOKEN.")
    return lines

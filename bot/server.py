"""The composition root: which surfaces, services and notifier ``sendbot run`` wires together.

The only module that knows every surface. A new surface (Teams) adds its routes and its notifier here
and nowhere else in the core (docs/surfaces.md).
"""

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from starlette.applications import Starlette

from bot.config import Settings, get_settings
from bot.state import Routes, Service

if TYPE_CHECKING:
    from bot.reminders.notifier import Notifier


def routes_for(settings: Settings) -> list[Routes]:
    """The surfaces served over HTTP: iCal feeds and the dashboard always; Slack when configured (it decides
    itself); Teams when TEAMS_APP_ID is set (only then is anything from Microsoft imported: it lives in
    sendbot[microsoft])."""
    from bot.dashboard.http import routes as dashboard_routes
    from bot.doctor import readiness_routes
    from bot.feeds.http import routes as feed_routes
    from bot.slack.app import routes as slack_routes
    from bot.slack.health import auth_test

    # /readyz checks each configured surface's credentials (Slack's auth.test).
    makers: list[Routes] = [feed_routes, slack_routes, dashboard_routes, readiness_routes(auth_test)]
    if settings.teams_configured:
        from bot.teams.app import routes as teams_routes

        makers.append(teams_routes)
    return makers


def build_app(settings: Settings | None = None, *, today: Callable[[], date] | None = None,
              services: list[Service] | None = None) -> Starlette:
    """The web app with every surface's routes (``bot.web.create_app`` knows none of them)."""
    from bot.web import create_app

    settings = settings or get_settings()
    return create_app(settings, today=today, services=services, routes=routes_for(settings))


def notifier_for(settings: Settings) -> "Notifier":
    """How reminders reach people: per recipient, the surface of their identity (``RoutingNotifier``).

    The surfaces configured here each bring their notifier (Slack now; Teams adds its own line); with none,
    the console prints reminders as they fire.
    """
    from bot.reminders.notifier import ConsoleNotifier, Notifier, Route, RoutingNotifier
    from bot.services import tenancy
    from db.engine import get_engine, transaction

    notifiers: dict[str, Notifier] = {}
    if settings.slack_configured:
        from bot.slack.notify import SlackNotifier

        notifiers["slack"] = SlackNotifier(settings)
    if settings.teams_configured:
        from bot.teams.notify import TeamsNotifier  # only now is anything from Microsoft imported

        notifiers["teams"] = TeamsNotifier(settings)
    if not notifiers:
        return ConsoleNotifier()
    engine = get_engine(settings.database_url)

    def routes(staff_id: int) -> list[Route]:
        with transaction(engine) as session:
            return [Route(r.platform, r.user_id, r.reference) for r in tenancy.reachable(session, staff_id)]

    def school_surfaces(school_id: int) -> list[str]:
        with transaction(engine) as session:
            return tenancy.surfaces_of(session, school_id)

    return RoutingNotifier(notifiers, routes, school_surfaces)


def services_for(settings: Settings) -> list[Service]:
    """Background services to run inside the server (the scheduler; Slack Socket Mode when configured)."""
    from bot.reminders.scheduler import reminder_service

    # The reminders clock: plan, deliver (Slack when configured, else printed here) and weekly digests.
    from bot.security.retention import retention_service

    services: list[Service] = [reminder_service(settings, notifier=notifier_for(settings)), retention_service]
    if settings.graph_calendar_mailbox and settings.graph_writes_configured:
        from bot.teams.graph import calendar_service  # msgraph-sdk: only when the calendar is configured

        services.append(calendar_service(settings))
    if settings.slack_app_token:
        from bot.slack.app import socket_mode_service

        services.append(socket_mode_service)
    if settings.wonde_configured:
        from bot.register.wonde import nightly_service

        services.append(nightly_service(settings))  # the SEN register from the MIS, nightly
    return services


def connection_help(settings: Settings) -> list[str]:
    """Lines telling an IT lead how to connect a chat platform, when none is configured (and loud warnings)."""
    lines: list[str] = []
    if settings.slack_configured:
        from bot.slack.app import connection_help as slack_help

        lines += slack_help(settings)
    if settings.teams_configured:
        lines.append(f"Teams: POST /api/messages, for the Entra app {settings.teams_app_id} (docs/teams.md).")
        if settings.teams_allow_anonymous_for_development:
            lines += ["!" * 100, "WARNING: TEAMS_ALLOW_ANONYMOUS_FOR_DEVELOPMENT is on: /api/messages accepts requests "
                      "WITH NO TOKEN,", "so anyone who can reach this port can act as any member of staff. "
                      "Development only: never with real pupils' data.", "!" * 100]
    if lines:
        return lines
    return [
        "No Slack or Teams credentials are set, so only the local parts run (feeds, health).",
        "To connect Slack, see docs/slack.md. Meanwhile talk to sendbot locally: sendbot chat --as <handle>",
        "Reminders and digests are printed here as they fire, until Slack is connected (docs/reminders.md).",
    ]

"""What ``sendbot run`` starts besides the web app, chosen from the settings."""

from bot.config import Settings
from bot.web import Service


def services_for(settings: Settings) -> list[Service]:
    """Background services to run inside the server (the scheduler; Slack Socket Mode when configured)."""
    from bot.reminders.scheduler import reminder_service

    # The reminders clock: plan, deliver (Slack when configured, else printed here) and weekly digests.
    from bot.security.retention import retention_service

    services: list[Service] = [reminder_service(settings), retention_service]
    if settings.slack_app_token:
        from bot.slack.app import socket_mode_service

        services.append(socket_mode_service)
    return services


def connection_help(settings: Settings) -> list[str]:
    """Lines telling an IT lead how to connect a chat platform, when none is configured."""
    if settings.slack_configured:
        from bot.slack.app import connection_help as slack_help

        return slack_help(settings)
    return [
        "No Slack or Teams credentials are set, so only the local parts run (feeds, health).",
        "To connect Slack, see docs/slack.md. Meanwhile talk to sendbot locally: sendbot chat --as <handle>",
        "Reminders and digests are printed here as they fire, until Slack is connected (docs/reminders.md).",
    ]

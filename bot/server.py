"""What ``sendbot run`` starts besides the web app, chosen from the settings."""

from bot.config import Settings
from bot.web import Service


def services_for(settings: Settings) -> list[Service]:
    """Background services to run inside the server (the scheduler; Slack Socket Mode when configured)."""
    return []


def connection_help(settings: Settings) -> list[str]:
    """Lines telling an IT lead how to connect a chat platform, when none is configured."""
    return [
        "No Slack or Teams credentials are set, so only the local parts run (feeds, health).",
        "To connect Slack, see docs/slack.md. Meanwhile talk to sendbot locally: sendbot chat --as <handle>",
    ]

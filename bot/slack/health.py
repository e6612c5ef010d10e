"""Is the Slack bot token good? ``auth.test`` through slack_sdk (kept here: only adapters import a chat SDK)."""

from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings


@dataclass
class AuthResult:
    ok: bool
    detail: str  # ids only: the workspace id, or Slack's error code
    server_time: datetime | None = None  # Slack's clock (its Date header), to spot a skewed server clock


def auth_test(settings: Settings, timeout: int = 10) -> AuthResult:
    if not settings.slack_bot_token:
        return AuthResult(False, "no SLACK_BOT_TOKEN")
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=timeout)
    try:
        response = client.auth_test()
    except SlackApiError as e:
        return AuthResult(False, f"Slack refused the token ({e.response.get('error', 'error')})",
                          _date(e.response.headers))
    except Exception as e:  # unreachable, DNS, TLS …
        return AuthResult(False, f"Slack's API at {settings.slack_api_url} can't be reached ({e.__class__.__name__})")
    return AuthResult(True, f"workspace {response.get('team_id')}, bot user {response.get('user_id')}",
                      _date(response.headers))


def _date(headers: dict | None) -> datetime | None:
    for key, value in (headers or {}).items():
        if key.lower() == "date":
            try:
                return parsedate_to_datetime(value if isinstance(value, str) else value[0])
            except (TypeError, ValueError, IndexError):
                return None
    return None

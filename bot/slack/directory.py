"""Slack user ids by e-mail (``users.lookupByEmail``, scope ``users:read.email``), for the staff import."""

from collections.abc import Iterable

from bot.config import Settings
from bot.register.directory import DirectoryError


def slack_lookup(settings: Settings, emails: Iterable[str], token: str | None = None) -> dict[str, str | None]:
    """Slack user ids by e-mail (None: no Slack user has it). Needs the ``users:read.email`` scope."""
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError
    from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

    token = token or settings.slack_bot_token
    if not token:
        raise DirectoryError("Slack is not configured (SLACK_BOT_TOKEN), so staff can't be matched to Slack users.")
    client = WebClient(token=token, base_url=settings.slack_api_url, timeout=10)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))  # honours Retry-After
    out: dict[str, str | None] = {}
    for email in emails:
        try:
            out[email] = client.users_lookupByEmail(email=email)["user"]["id"]
        except SlackApiError as e:
            error = e.response.get("error", "")
            if error == "users_not_found":
                out[email] = None
            elif error == "missing_scope":
                raise DirectoryError("Slack refused: the app lacks the users:read.email scope. Add it in the app's "
                                     "OAuth settings and reinstall.") from None
            else:
                raise DirectoryError(f"Slack refused the e-mail lookup ({error or 'no reason given'}).") from None
    return out

"""Settings from ``SENDBOT_*`` environment variables (and a ``.env`` file, if present).

Slack's own variable names (``SLACK_BOT_TOKEN`` …) are accepted as they are, as Slack's docs use them.
"""

from functools import lru_cache

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, f"SENDBOT_{name}")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SENDBOT_", env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = "sqlite:///sendbot.db"
    timezone: str = "Europe/London"
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = "http://127.0.0.1:8080"
    log_level: str = "WARNING"
    # "production" refuses to store parent contacts or Slack tokens without an encryption key.
    mode: str = "development"
    # One Fernet key, or several separated by commas (the first encrypts; all decrypt): bot/security/crypto.py
    encryption_key: str | None = None
    # Abuse limits (issue 11), per process (bot/ratelimit.py): chat commands per person, feed requests per link.
    commands_per_minute: int = Field(default=30, ge=1)
    feed_requests_per_minute: int = Field(default=30, ge=1)

    # Slack. HTTP mode: bot token + signing secret. Socket Mode: add an app-level token. Many workspaces
    # (OAuth): client id + secret (+ signing secret). SLACK_API_URL points the Web API client elsewhere
    # (tests, air-gapped proxies).
    slack_bot_token: str | None = Field(default=None, validation_alias=_env("SLACK_BOT_TOKEN"))
    slack_signing_secret: str | None = Field(default=None, validation_alias=_env("SLACK_SIGNING_SECRET"))
    slack_app_token: str | None = Field(default=None, validation_alias=_env("SLACK_APP_TOKEN"))
    slack_client_id: str | None = Field(default=None, validation_alias=_env("SLACK_CLIENT_ID"))
    slack_client_secret: str | None = Field(default=None, validation_alias=_env("SLACK_CLIENT_SECRET"))
    slack_api_url: str = Field(default="https://slack.com/api/", validation_alias=_env("SLACK_API_URL"))

    @property
    def slack_configured(self) -> bool:
        return bool(self.slack_bot_token or self.slack_client_id)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

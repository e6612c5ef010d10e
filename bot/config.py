"""Settings from ``SENDBOT_*`` environment variables and a settings file, the same for every subcommand.

Where they come from, strongest first: the environment; ``SENDBOT_ENV_FILE`` if set (else ``.env`` in the
working directory, then ``/etc/sendbot/sendbot.env``, the file the systemd unit and docs/admin.md use). So
``sendbot init`` typed in a shell on the server reads the same database URL as the service that runs it.

Slack's own variable names (``SLACK_BOT_TOKEN`` …) are accepted as they are, as Slack's docs use them.
Every field here must be listed in ``deploy/.env.example`` and docs/admin.md (a test checks).
"""

import os
from functools import lru_cache
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SYSTEM_ENV_FILE = "/etc/sendbot/sendbot.env"


def env_files() -> tuple[str, ...]:
    """The settings files read, weakest first (pydantic-settings lets later files override earlier ones)."""
    chosen = os.environ.get("SENDBOT_ENV_FILE")
    if chosen:
        return (chosen,)
    return (SYSTEM_ENV_FILE, ".env")


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, f"SENDBOT_{name}")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SENDBOT_", env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = "sqlite:///sendbot.db"
    # PostgreSQL's password on its own, so it never has to be escaped into the URL by hand.
    database_password: str | None = None
    timezone: str = "Europe/London"
    host: str = "127.0.0.1"
    port: int = 8080
    # Unset, it follows host and port (http://127.0.0.1:8080), so feed links match `sendbot run --port`.
    public_url: str = ""
    log_level: str = "WARNING"
    log_format: Literal["text", "json"] = "text"
    # How old the scheduler's last tick may be before /readyz says "not ready".
    heartbeat_max_age: int = 300
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

    @model_validator(mode="after")
    def _derived(self) -> "Settings":
        if self.database_password:
            from sqlalchemy.engine import make_url

            # SQLAlchemy escapes it (@, :, /, % …) when it renders the URL.
            self.database_url = make_url(self.database_url).set(password=self.database_password).render_as_string(
                hide_password=False)
        if not self.public_url:
            shown = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
            self.public_url = f"http://{shown}:{self.port}"
        self.public_url = self.public_url.rstrip("/")
        return self

    # Microsoft Graph (app-only), for the staff directory lookup. GRAPH_BASE_URL and GRAPH_AUTHORITY point it
    # elsewhere (tests).
    graph_tenant_id: str | None = Field(default=None, validation_alias=_env("GRAPH_TENANT_ID"))
    graph_client_id: str | None = Field(default=None, validation_alias=_env("GRAPH_CLIENT_ID"))
    graph_client_secret: str | None = Field(default=None, validation_alias=_env("GRAPH_CLIENT_SECRET"))
    graph_base_url: str = Field(default="https://graph.microsoft.com/v1.0", validation_alias=_env("GRAPH_BASE_URL"))
    graph_authority: str = Field(default="https://login.microsoftonline.com", validation_alias=_env("GRAPH_AUTHORITY"))

    # Wonde, the MIS API: the nightly sync runs when both are set. WONDE_API_URL points it elsewhere (tests).
    wonde_token: str | None = Field(default=None, validation_alias=_env("WONDE_TOKEN"))
    wonde_school_id: str | None = Field(default=None, validation_alias=_env("WONDE_SCHOOL_ID"))
    wonde_api_url: str = Field(default="https://api.wonde.com/v1.0/", validation_alias=_env("WONDE_API_URL"))

    @property
    def graph_configured(self) -> bool:
        return bool(self.graph_tenant_id and self.graph_client_id and self.graph_client_secret)

    @property
    def wonde_configured(self) -> bool:
        return bool(self.wonde_token and self.wonde_school_id)

    @property
    def slack_configured(self) -> bool:
        return bool(self.slack_bot_token or self.slack_client_id)

    # Microsoft Teams (the sendbot[microsoft] extra): the Entra app registration of the Azure Bot resource.
    # The names are those of docs/teams.md; they are mapped onto the Agents SDK's connection settings.
    teams_app_id: str | None = Field(default=None, validation_alias=_env("TEAMS_APP_ID"))
    teams_app_password: str | None = Field(default=None, validation_alias=_env("TEAMS_APP_PASSWORD"))
    teams_tenant_id: str | None = Field(default=None, validation_alias=_env("TEAMS_TENANT_ID"))
    # Development only: accept activities with no token (the Agents Playground / Bot Emulator). Never in a
    # school: anyone who can reach the port could then act as any member of staff. sendbot run warns loudly.
    teams_allow_anonymous_for_development: bool = Field(
        default=False, validation_alias=_env("TEAMS_ALLOW_ANONYMOUS_FOR_DEVELOPMENT"))

    # Microsoft Graph writes (the GRAPH_* credentials above, or the Teams app's): statutory deadlines into a
    # shared mailbox's calendar, and the weekly digest by e-mail.
    graph_calendar_mailbox: str | None = Field(default=None, validation_alias=_env("GRAPH_CALENDAR_MAILBOX"))
    graph_mail_sender: str | None = Field(default=None, validation_alias=_env("GRAPH_MAIL_SENDER"))

    @property
    def teams_configured(self) -> bool:
        return bool(self.teams_app_id)

    @property
    def graph_writes_configured(self) -> bool:
        """Credentials for Graph (its own, else the Teams app's) and a mailbox to write to."""
        return bool((self.graph_client_id or self.teams_app_id)
                    and (self.graph_client_secret or self.teams_app_password)
                    and (self.graph_tenant_id or self.teams_tenant_id)
                    and (self.graph_calendar_mailbox or self.graph_mail_sender))

    @property
    def chat_configured(self) -> bool:
        """A chat platform is connected (Slack or Teams)."""
        return self.slack_configured or self.teams_configured


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment and the settings files, with ``overrides`` (command-line options) on top."""
    return Settings(_env_file=env_files(), **overrides)  # type: ignore[call-arg]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()

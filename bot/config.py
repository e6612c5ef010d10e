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

    # Microsoft Teams (the sendbot[microsoft] extra): the Entra app registration of the Azure Bot resource.
    # The names are those of docs/teams.md; they are mapped onto the Agents SDK's connection settings.
    teams_app_id: str | None = Field(default=None, validation_alias=_env("TEAMS_APP_ID"))
    teams_app_password: str | None = Field(default=None, validation_alias=_env("TEAMS_APP_PASSWORD"))
    teams_tenant_id: str | None = Field(default=None, validation_alias=_env("TEAMS_TENANT_ID"))
    # Development only: accept activities with no token (the Agents Playground / Bot Emulator). Never in a
    # school: anyone who can reach the port could then act as any member of staff. sendbot run warns loudly.
    teams_allow_anonymous_for_development: bool = Field(
        default=False, validation_alias=_env("TEAMS_ALLOW_ANONYMOUS_FOR_DEVELOPMENT"))

    # Microsoft Graph (same Entra app unless GRAPH_CLIENT_ID is set): statutory deadlines into a shared
    # mailbox's calendar, and the weekly digest by e-mail. GRAPH_BASE_URL points the client elsewhere (tests).
    graph_client_id: str | None = Field(default=None, validation_alias=_env("GRAPH_CLIENT_ID"))
    graph_client_secret: str | None = Field(default=None, validation_alias=_env("GRAPH_CLIENT_SECRET"))
    graph_tenant_id: str | None = Field(default=None, validation_alias=_env("GRAPH_TENANT_ID"))
    graph_calendar_mailbox: str | None = Field(default=None, validation_alias=_env("GRAPH_CALENDAR_MAILBOX"))
    graph_mail_sender: str | None = Field(default=None, validation_alias=_env("GRAPH_MAIL_SENDER"))
    graph_base_url: str = Field(default="https://graph.microsoft.com/v1.0",
                                validation_alias=_env("GRAPH_BASE_URL"))

    @property
    def teams_configured(self) -> bool:
        return bool(self.teams_app_id)

    @property
    def graph_configured(self) -> bool:
        return bool((self.graph_client_id or self.teams_app_id)
                    and (self.graph_client_secret or self.teams_app_password)
                    and (self.graph_tenant_id or self.teams_tenant_id)
                    and (self.graph_calendar_mailbox or self.graph_mail_sender))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

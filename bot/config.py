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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

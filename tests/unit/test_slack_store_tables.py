"""Our declarations of Bolt's store tables must match slack_sdk's own builders column for column, except the
token columns, which are wider: tokens are stored encrypted and a Fernet token is longer than the token."""

import pytest
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData
from sqlmodel import SQLModel

from bot.slack.storage import TOKEN_COLUMN  # importing it declares Slack's tables on SQLModel.metadata

TOKENS = {"bot_token", "bot_refresh_token", "user_token", "user_refresh_token"}

theirs = MetaData()
BUILT = {
    "slack_installations": SQLAlchemyInstallationStore.build_installations_table(theirs, "slack_installations"),
    "slack_bots": SQLAlchemyInstallationStore.build_bots_table(theirs, "slack_bots"),
    "slack_oauth_states": SQLAlchemyOAuthStateStore.build_oauth_states_table(theirs, "slack_oauth_states"),
}


def _shape(table, widened: bool = False):  # type: ignore[no-untyped-def]
    columns = [(c.name, f"String(length={TOKEN_COLUMN})" if widened and c.name in TOKENS else repr(c.type),
                c.nullable, c.primary_key) for c in table.columns]
    indexes = sorted((i.name, tuple(c.name for c in i.columns), bool(i.unique)) for i in table.indexes)
    return columns, indexes


@pytest.mark.parametrize("name", sorted(BUILT))
def test_store_table_matches_slack_sdk(name: str) -> None:
    assert _shape(SQLModel.metadata.tables[name]) == _shape(BUILT[name], widened=True)


def test_an_encrypted_token_fits_the_widened_columns() -> None:
    from cryptography.fernet import Fernet

    longest = "xoxe.xoxp-1-" + "A" * 400  # rotating tokens are the longest Slack issues
    assert len(Fernet(Fernet.generate_key()).encrypt(longest.encode())) <= TOKEN_COLUMN
    assert TOKEN_COLUMN > 200

"""Every table sendbot stores: the core's (``db.models``) and each chat surface's own (``bot/<surface>/storage.py``).

Import this before migrating, comparing the schema, copying or rotating keys: importing a surface's storage
module declares its tables on ``SQLModel.metadata``, adds its migrations folder to the one Alembic chain and
registers the columns it encrypts. A new surface adds one line here. Nothing here imports a chat SDK.
"""

from sqlmodel import SQLModel

import db.models  # noqa: F401  (the core's tables)
from bot.slack import storage as slack_storage
from bot.teams import storage as teams_storage
from db.engine import SCHEMA_HEAD, alembic_config, migrate, migrate_to, schema_is_current

SURFACE_STORAGE = (slack_storage, teams_storage)
METADATA = SQLModel.metadata

__all__ = ["METADATA", "SCHEMA_HEAD", "SURFACE_STORAGE", "alembic_config", "migrate", "migrate_to",
           "schema_is_current"]

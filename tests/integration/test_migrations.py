"""Alembic owns the schema: the migrations build exactly the tables the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel

import db.models  # noqa: F401
from db.engine import SCHEMA_HEAD, alembic_config, migrate, schema_is_current


def test_schema_head_constant_matches_alembic_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert script.get_current_head() == SCHEMA_HEAD


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_migrate_is_idempotent_and_current(db_url: str, engine: Engine) -> None:
    migrate(db_url)
    assert schema_is_current(db_url)
    tables = set(inspect(engine).get_table_names())
    assert {"school", "staff", "pupil", "deadline", "audit_log", "term", "la_decision"} <= tables

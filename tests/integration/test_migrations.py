"""Alembic owns the schema: the migrations build exactly the tables the models describe."""

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from bot.tables import METADATA, SCHEMA_HEAD, alembic_config, migrate, migrate_to, schema_is_current

ROOT = Path(__file__).resolve().parents[2]


def test_schema_head_constant_matches_alembic_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert script.get_current_head() == SCHEMA_HEAD


def test_each_surface_keeps_its_own_migrations_in_one_chain() -> None:
    """Slack's and Teams' tables are migrated from their own folders, with the revision ids a database that
    already ran them has recorded, in the one linear chain (no branch: a single head, each revision one parent)."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert Path(script.get_revision("0004").path) == ROOT / "bot/slack/migrations/0004_slack.py"
    assert Path(script.get_revision("0011_teams").path) == ROOT / "bot/teams/migrations/0011_teams.py"
    assert list(script.get_heads()) == [SCHEMA_HEAD] and list(script.get_bases()) == ["0001"]
    assert all(isinstance(r.down_revision, str) for r in script.walk_revisions() if r.revision != "0001")


def test_the_core_alone_refuses_to_migrate_without_the_surfaces() -> None:
    """db never imports bot: without bot.tables the chain has holes, and migrating says so plainly."""
    done = subprocess.run([sys.executable, "-c", "from db.engine import migrate; migrate('sqlite://')"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode != 0 and "import bot.tables before migrating" in done.stderr


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), METADATA)
    assert diff == [], f"models and migrations differ: {diff}"


def test_migrate_is_idempotent_and_current(db_url: str, engine: Engine) -> None:
    migrate(db_url)
    assert schema_is_current(db_url)
    tables = set(inspect(engine).get_table_names())
    assert {"school", "staff", "pupil", "deadline", "audit_log", "term", "la_decision"} <= tables


def test_0005_carries_the_slack_binding_over_and_back(db_url: str, engine: Engine) -> None:
    """A school bound to a Slack team, with Slack-id handles, keeps both as workspace and identities."""
    migrate_to(db_url, "0004", down=True)
    try:
        with engine.begin() as c:
            c.execute(text("INSERT INTO school (id, name, zone, phase, settings, slack_team_id, data_version, "
                           "created_at) VALUES (1, 'Oak', 'Europe/London', 'primary', '{}', 'T0OAK0001', 0, "
                           ":now), (2, 'Elm', 'Europe/London', 'primary', '{}', NULL, 0, :now)"),
                      {"now": "2026-03-02 08:00:00"})
            c.execute(text("INSERT INTO staff (id, school_id, handle, role, active, created_at) VALUES "
                           "(1, 1, 'u0admin01', 'admin', true, :now), (2, 1, 'alice', 'senco', true, :now), "
                           "(3, 2, 'u0elm0001', 'admin', true, :now)"), {"now": "2026-03-02 08:00:00"})
        migrate_to(db_url, "0005_identity")
        with engine.connect() as c:
            assert c.execute(text("SELECT platform, external_id, school_id FROM chat_workspace")).all() == [
                ("slack", "T0OAK0001", 1)]
            # Exact case again (Slack ids are upper case); a console handle and an unbound school get none.
            assert c.execute(text("SELECT staff_id, user_id FROM staff_identity")).all() == [(1, "U0ADMIN01")]
            assert "slack_team_id" not in {col["name"] for col in inspect(c).get_columns("school")}
        migrate_to(db_url, "0004", down=True)
        with engine.connect() as c:
            assert c.execute(text("SELECT id, slack_team_id FROM school ORDER BY id")).all() == [
                (1, "T0OAK0001"), (2, None)]
            assert "chat_workspace" not in inspect(c).get_table_names()
    finally:
        with engine.begin() as c:
            c.execute(text("DELETE FROM staff"))
            c.execute(text("DELETE FROM school"))
        migrate_to(db_url, "head")
    assert schema_is_current(db_url)

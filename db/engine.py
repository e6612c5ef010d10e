"""Engines, sessions and migrations."""

import atexit
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session

MIGRATIONS = Path(__file__).parent / "migrations"

# Each chat surface keeps its own tables' migrations in its own folder (bot/<surface>/migrations) and registers
# it here when its storage module is imported; bot/tables.py imports them all. One linear chain runs through
# every folder, so the core's chain is incomplete until they are registered.
SURFACE_MIGRATIONS: list[Path] = []


def register_migrations(folder: Path) -> None:
    """Add a surface's migrations folder to the chain (idempotent)."""
    if folder not in SURFACE_MIGRATIONS:
        SURFACE_MIGRATIONS.append(folder)


def normalise_url(url: str) -> str:
    """Let people write postgresql:// and still get psycopg 3 (SQLAlchemy's default is psycopg2)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    """The engine for ``url``. ``hide_parameters``: a database error's text (which reaches the log) never
    carries the bound values — pupils' names, notes, phone numbers."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            # WAL lets the scheduler read while a chat command writes; SQLite leaves FKs off by default.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        # Close the pooled connections when the process ends, so SQLite checkpoints its WAL into the file (a
        # copied or backed-up .db then holds every commit; interpreter shutdown does not promise to close them).
        atexit.register(engine.dispose)
        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception (a refusal included)."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    if not SURFACE_MIGRATIONS:
        # Without them Alembic fails with a missing revision; say what is wrong instead.
        raise RuntimeError("The surfaces' migrations are not registered: import bot.tables before migrating.")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Several folders, split on os.pathsep (path_separator; older Alembic reads version_path_separator).
    folders = [MIGRATIONS / "versions", *SURFACE_MIGRATIONS]
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(str(f).replace("%", "%%") for f in folders))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


# The newest migration; a test checks it matches Alembic's head, so a new migration must update it.
SCHEMA_HEAD = "0014_speed3"


def schema_is_current(url: str) -> bool:
    """A cheap check (one query) that the database exists and is at the newest migration."""
    from sqlalchemy import inspect, text

    engine = get_engine(url)
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return False
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == SCHEMA_HEAD


def migrate(url: str) -> None:
    """Bring the schema up to the newest migration (creating the SQLite file if needed)."""
    migrate_to(url, "head")


def migrate_to(url: str, revision: str, *, down: bool = False) -> None:
    """Upgrade (or, with ``down``, downgrade) the schema to ``revision``, in one transaction."""
    from alembic import command

    engine = get_engine(url)
    config = alembic_config(url)
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            # Batch mode rebuilds a table to alter it (copy, drop, rename); with foreign keys enforced, dropping
            # a table others point at fails. The pragma only works outside a transaction (Alembic's batch docs).
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                (command.downgrade if down else command.upgrade)(config, revision)
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()
    if not down:
        analyze(engine)


def analyze(engine: Engine) -> None:
    """Refresh the query planner's statistics (after migrations and bulk changes).

    SQLite never gathers statistics by itself: without them it picks the school-wide deadline index for a
    one-pupil query (72 ms instead of 2.6 ms at 100k deadlines). ``analysis_limit`` keeps ANALYZE to a sample
    of each index, so it takes milliseconds even on a large school. PostgreSQL's autovacuum would get there
    too, but not straight after a migration.
    """
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA analysis_limit=1000")
        connection.exec_driver_sql("ANALYZE")

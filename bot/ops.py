"""Operating the database: does it exist, back it up, restore it, copy it to another server.

Errors are :class:`OpsError` with a sentence that says what to do; the CLI prints them as they are.
SQLite is copied with its online backup API (safe while ``sendbot run`` writes); PostgreSQL with
``pg_dump``/``pg_restore`` in their custom format. ``copy_database`` moves every row, table by table in
foreign-key order, into a freshly migrated database (SQLite to PostgreSQL, the usual move).
"""

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import DateTime, MetaData, inspect, select, text
from sqlalchemy.engine import make_url

from db.engine import get_engine, migrate, normalise_url

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
BATCH = 1000


class OpsError(Exception):
    """Something an operator must fix; the message says what."""


class NoDatabase(OpsError):
    """The configured database does not exist (or holds no sendbot schema)."""


def safe_url(url: str) -> str:
    try:
        return make_url(normalise_url(url)).render_as_string(hide_password=True)
    except Exception:
        return "(the configured database)"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases, or SQLite in memory)."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _how_to_create() -> str:
    return ("Set SENDBOT_DATABASE_URL (environment, .env or /etc/sendbot/sendbot.env) if you meant another, "
            'or create it: sendbot init --school "Oak Primary" --admin <handle>')


def check_database_exists(url: str) -> None:
    """Raise :class:`NoDatabase` unless ``url`` is a sendbot database (never creates one)."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise NoDatabase(f"No sendbot database at {path.resolve()} (SENDBOT_DATABASE_URL={safe_url(url)}). "
                         + _how_to_create())
    try:
        with get_engine(url).connect() as connection:
            has_schema = inspect(connection).has_table("alembic_version")
    except Exception as e:
        raise OpsError(f"Can't open the database {safe_url(url)}: {reason(e)}") from None
    if not has_schema:
        raise NoDatabase(f"The database {safe_url(url)} has no sendbot tables yet. " + _how_to_create())


def reason(e: BaseException) -> str:
    """The first line of what went wrong, without SQLAlchemy's wrapping."""
    cause = getattr(e, "orig", None) or e
    lines = str(cause).strip().splitlines()
    return lines[0].strip() if lines else cause.__class__.__name__


def has_data(url: str) -> bool:
    """Whether the database holds any school (an empty or missing one does not)."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        return False
    with get_engine(url).connect() as connection:
        if not inspect(connection).has_table("school"):
            return False
        return connection.execute(text("SELECT 1 FROM school LIMIT 1")).first() is not None


# --- backup and restore ------------------------------------------------------------------------------------


def backup(url: str, file: Path) -> str:
    """Write a consistent copy of the database to ``file``; returns what kind of backup it is."""
    if file.exists():
        raise OpsError(f"{file} exists already; choose a new file name (backups are never overwritten).")
    check_database_exists(url)
    path = sqlite_path(url)
    if path is not None:
        source = sqlite3.connect(path)
        target = sqlite3.connect(file)
        try:
            with target:
                source.backup(target)  # the online backup API: a consistent snapshot even while sendbot writes
        finally:
            target.close()
            source.close()
        return "SQLite"
    _pg_tool("pg_dump", url, ["--format=custom", "--no-owner", f"--file={file}"])
    return "PostgreSQL (pg_dump custom format)"


def restore(url: str, file: Path, *, replace: bool = False) -> str:
    """Put the backup ``file`` into the configured database, then upgrade its schema if it is older."""
    if not file.is_file():
        raise OpsError(f"No backup file at {file}.")
    with file.open("rb") as f:
        head = f.read(16)
    if has_data(url) and not replace:
        raise OpsError(f"The database {safe_url(url)} already holds a school. Restoring replaces everything in "
                       "it: add --replace if that is what you want (back it up first).")
    path = sqlite_path(url)
    if head.startswith(SQLITE_MAGIC):
        if path is None:
            raise OpsError("This is a SQLite backup and the configured database is PostgreSQL. Restore it into a "
                           "SQLite file, then move it across: SENDBOT_DATABASE_URL=sqlite:///restored.db sendbot "
                           "restore FILE, then sendbot copy --to <postgresql URL> (docs/admin.md).")
        _check_sqlite_backup(file)
        get_engine(url).dispose()
        source = sqlite3.connect(file)
        target = sqlite3.connect(path)
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
        get_engine(url).dispose()
    elif head.startswith(PGDUMP_MAGIC):
        if path is not None:
            raise OpsError("This is a PostgreSQL backup (pg_dump) and the configured database is SQLite. Set "
                           "SENDBOT_DATABASE_URL to a PostgreSQL database to restore it there.")
        get_engine(url).dispose()
        _pg_tool("pg_restore", url, ["--clean", "--if-exists", "--no-owner", "--single-transaction", str(file)])
    else:
        raise OpsError(f"{file} is not a sendbot backup: expected a SQLite file or a pg_dump custom-format file "
                       "(made by sendbot backup).")
    migrate(url)
    return "SQLite" if path is not None else "PostgreSQL"


def _check_sqlite_backup(file: Path) -> None:
    connection = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
    try:
        found = connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone()
    finally:
        connection.close()
    if found is None:
        raise OpsError(f"{file} is a SQLite file but not a sendbot database (it has no alembic_version table).")


def _pg_tool(tool: str, url: str, args: list[str]) -> None:
    """Run pg_dump or pg_restore against ``url``; the password goes in the environment, never argv."""
    program = shutil.which(tool)
    if program is None:
        raise OpsError(f"{tool} is not installed here. Install PostgreSQL's client tools (Debian/Ubuntu: "
                       f"apt install postgresql-client, the same major version as the server), or run {tool} "
                       "where they are installed (docs/admin.md, Back up).")
    parsed = make_url(normalise_url(url))
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    where = [f"--host={parsed.host or 'localhost'}", f"--port={parsed.port or 5432}",
             f"--dbname={parsed.database}"]
    if parsed.username:
        where.append(f"--username={parsed.username}")
    done = subprocess.run([program, *where, "--no-password", *args], env=env, capture_output=True, text=True,
                          timeout=3600)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise OpsError(f"{tool} failed: {lines[-1] if lines else f'exit {done.returncode}'}")


# --- copy to another database ----------------------------------------------------------------------------


def copy_database(source_url: str, target_url: str, *,
                  progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Copy every row of the sendbot database at ``source_url`` into ``target_url`` (made or upgraded to
    the same schema first, and refused if it already holds a school). Returns rows copied per table."""
    if normalise_url(source_url) == normalise_url(target_url):
        raise OpsError("--to is the database sendbot already uses; give the new database's URL.")
    check_database_exists(source_url)
    try:
        make_url(normalise_url(target_url))
    except Exception:
        raise OpsError(f"--to: '{target_url}' is not a database URL; expected e.g. "
                       "postgresql+psycopg://sendbot@127.0.0.1:5432/sendbot or sqlite:////var/lib/sendbot/new.db"
                       ) from None
    migrate(source_url)  # both at the newest schema, so the tables match column for column
    try:
        if has_data(target_url):
            raise OpsError(f"{safe_url(target_url)} already holds a school; copy into an empty database.")
        migrate(target_url)
    except OpsError:
        raise
    except Exception as e:
        raise OpsError(f"Can't open the database {safe_url(target_url)}: {reason(e)}") from None
    source, target = get_engine(source_url), get_engine(target_url)
    source_meta, target_meta = MetaData(), MetaData()
    source_meta.reflect(source)
    target_meta.reflect(target)
    copied: dict[str, int] = {}
    with source.connect() as reading, target.begin() as writing:
        for table in source_meta.sorted_tables:  # parents before children (foreign keys)
            if table.name == "alembic_version" or table.name not in target_meta.tables:
                continue
            into = target_meta.tables[table.name]
            aware = {c.name for c in into.columns if isinstance(c.type, DateTime) and c.type.timezone}
            names = [c.name for c in table.columns if c.name in into.columns]
            rows = reading.execute(select(*(table.c[n] for n in names))).mappings()
            count = 0
            while batch := rows.fetchmany(BATCH):
                writing.execute(into.insert(), [_fit(dict(row), aware) for row in batch])
                count += len(batch)
            copied[table.name] = count
            if progress is not None:
                progress(table.name, count)
        if target.dialect.name == "postgresql":
            _reset_sequences(writing, target_meta)
    return copied


def _fit(row: dict[str, object], aware: set[str]) -> dict[str, object]:
    # SQLite keeps instants without a zone; they were written as UTC.
    for name in aware:
        value = row.get(name)
        if isinstance(value, datetime) and value.tzinfo is None:
            row[name] = value.replace(tzinfo=UTC)
    return row


def _reset_sequences(connection, metadata: MetaData) -> None:  # type: ignore[no-untyped-def]
    """Point each id sequence past the copied ids, so the next insert does not collide."""
    for table in metadata.sorted_tables:
        for column in table.primary_key.columns:
            sequence = connection.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                          {"t": table.name, "c": column.name}).scalar()
            if sequence:
                connection.execute(text(f'SELECT setval(:s, COALESCE((SELECT MAX("{column.name}") FROM '
                                        f'"{table.name}"), 0) + 1, false)'), {"s": sequence})


def database_kind(url: str) -> str:
    return "SQLite" if sqlite_path(url) is not None else make_url(normalise_url(url)).get_backend_name()


__all__ = ["NoDatabase", "OpsError", "backup", "check_database_exists", "copy_database", "restore"]

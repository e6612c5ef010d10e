"""Shared fixtures. Database tests run on SQLite always, and on PostgreSQL too when
SENDBOT_TEST_DATABASE_URL points at a server (CI sets it)."""

import os
import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bot.commands import Reply, execute
from bot.tables import migrate
from db.engine import get_engine

PG_URL = os.environ.get("SENDBOT_TEST_DATABASE_URL")
BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]
TODAY = date(2026, 3, 2)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test (much faster than migrating every time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate(f"sqlite:///{path}")
    get_engine(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture(scope="session")
def pg_migrated() -> str:
    assert PG_URL
    engine = get_engine(PG_URL)
    with engine.begin() as c:
        c.execute(text("DROP SCHEMA public CASCADE"))
        c.execute(text("CREATE SCHEMA public"))
    migrate(PG_URL)
    return PG_URL


def _truncate_all(engine: Engine) -> None:
    with engine.begin() as c:
        tables = [r[0] for r in c.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"))]
        if tables:
            c.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: a fresh SQLite file, or the PostgreSQL test database emptied."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "sendbot.db"
        shutil.copy(template, path)
        url = f"sqlite:///{path}"
        yield url
        get_engine(url).dispose()
    else:
        url = request.getfixturevalue("pg_migrated")
        _truncate_all(get_engine(url))
        yield url


@pytest.fixture
def engine(db_url: str) -> Engine:
    return get_engine(db_url)


class Chat:
    """Talk to sendbot as a member of staff, the way the console adapter does."""

    def __init__(self, engine: Engine, school_id: int, today: date = TODAY) -> None:
        self.engine = engine
        self.school_id = school_id
        self.today = today

    def __call__(self, handle: str, text: str, today: date | None = None) -> Reply:
        return execute(self.engine, self.school_id, handle, text, today or self.today)

    def ok(self, handle: str, text: str, today: date | None = None) -> Reply:
        reply = self(handle, text, today)
        assert reply.ok, f"{text!r} was refused: {reply.as_text()}"
        return reply

    def refused(self, handle: str, text: str, today: date | None = None) -> Reply:
        reply = self(handle, text, today)
        assert not reply.ok, f"{text!r} should have been refused but replied: {reply.as_text()}"
        return reply

    def record(self, handle: str, text: str) -> Reply:
        """Record a fact as of the day it happened (or later): a fact that happened can't be dated in the
        future (COMMANDS v2), so a scenario that records one ahead of ``today`` runs that command on its day."""
        return self.ok(handle, text, max([self.today, *dates_in(text)]))


_DATES = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b|\b(\d{1,2})/(\d{1,2})/(\d{4})\b")


def dates_in(text: str) -> list[date]:
    """The full dates written in a command (2026-03-12, 12/03/2026)."""
    out = []
    for match in _DATES.finditer(text):
        y, mo, d, d2, mo2, y2 = match.groups()
        out.append(date(int(y), int(mo), int(d)) if y else date(int(y2), int(mo2), int(d2)))
    return out


@pytest.fixture
def school(engine: Engine) -> int:
    """A school with estimated terms and an admin @admin (as sendbot init makes it)."""
    from bot.services.school import create_school
    from db.engine import transaction

    with transaction(engine) as session:
        s = create_school(session, "Oak Primary", "admin", "primary", TODAY)
        assert s.id is not None
        return s.id


@pytest.fixture
def chat(engine: Engine, school: int) -> Chat:
    return Chat(engine, school)

"""Helpers for the command-language integration tests: look at what the database holds after a command.

``probe`` reads tables directly (never through the services, which refresh deadlines on read), so a test
sees exactly what the command's own transaction stored. ``staffed`` adds the cast the role tests use.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, inspect
from sqlmodel import Session, SQLModel, select

import db.models as m
from bot.commands import Reply


class Probe:
    def __init__(self, engine: Engine, school_id: int) -> None:
        self.engine = engine
        self.school_id = school_id

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table, ordered by primary key: equal snapshots mean nothing changed."""
        out: dict[str, list[tuple[Any, ...]]] = {}
        with self.engine.connect() as c:
            for table in SQLModel.metadata.sorted_tables:
                pk = list(table.primary_key.columns)
                out[table.name] = [tuple(r) for r in c.execute(table.select().order_by(*pk))]
        return out

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.snapshot().items()}

    def rows(self, model: type, **where: Any) -> list[Any]:
        with Session(self.engine) as s:
            query = select(model)
            for key, value in where.items():
                query = query.where(getattr(model, key) == value)
            return list(s.exec(query.order_by(model.id)).all())

    def one(self, model: type, **where: Any) -> Any:
        found = self.rows(model, **where)
        assert len(found) == 1, f"expected one {model.__name__} with {where}, found {len(found)}"
        return found[0]

    def pupil(self, name: str) -> m.Pupil:
        return self.one(m.Pupil, name=name)

    def pid(self, name: str) -> int:
        pupil_id = self.pupil(name).id
        assert pupil_id is not None
        return pupil_id

    def deadlines(self, pupil_id: int | None) -> set[tuple[str, date, bool]]:
        """The stored deadline rows of one pupil (or the school's own, for None): (kind, due, done)."""
        rows = self.rows(m.Deadline, school_id=self.school_id)
        return {(d.kind, d.due, d.done) for d in rows if d.pupil_id == pupil_id}

    def audit(self) -> list[m.AuditLog]:
        return self.rows(m.AuditLog)

    @contextmanager
    def unchanged(self) -> Iterator[None]:
        """Everything inside (refused commands, usually) must leave every table exactly as it was."""
        before = self.snapshot()
        yield
        assert self.snapshot() == before, "refused commands changed the database"

    def refused_all(self, chat: Any, handle: str, texts: list[str]) -> list[Reply]:
        """Run many commands that must each be refused; together they must change nothing."""
        with self.unchanged():
            replies = [chat.refused(handle, text) for text in texts]
        for text, reply in zip(texts, replies, strict=True):
            assert "something went wrong" not in reply.title, f"{text!r} crashed instead of refusing"
        return replies

    def refused_unchanged(self, chat: Any, handle: str, text: str, today: date | None = None) -> Reply:
        """Run a command that must be refused, and check it left every table exactly as it was."""
        before = self.snapshot()
        reply = chat.refused(handle, text, today)
        assert "something went wrong" not in reply.title, f"{text!r} crashed instead of refusing"
        assert self.snapshot() == before, f"{text!r} was refused but changed the database"
        return reply


@pytest.fixture
def probe(engine: Engine, school: int) -> Probe:
    assert "deadline" in inspect(engine).get_table_names()
    return Probe(engine, school)


@pytest.fixture
def staffed(chat: Any) -> Any:
    """Oak Primary with staff of every role and three pupils.

    @alice teaches class 5B (so Ava Smith, in 5B); @bob is Ben Brown's named teacher; Cara Diaz has no
    class or teacher. @sue is the SENCO, @lee a leader, @admin the admin; @stranger is not on the list.
    """
    chat.ok("admin", "staff add @alice role:teacher class:5B")
    chat.ok("admin", "staff add @bob role:teacher")
    chat.ok("admin", "staff add @sue role:senco")
    chat.ok("admin", "staff add @lee role:leader")
    chat.ok("admin", 'pupil add "Ava Smith" year:5 class:5B')
    chat.ok("admin", 'pupil add "Ben Brown" year:6 teacher:@bob')
    chat.ok("admin", 'pupil add "Cara Diaz" year:3')
    return chat

"""The hot queries use their indexes, on SQLite and on PostgreSQL.

The statements are not copied here: they are captured while real commands run (a pupil looked up by name,
word, UPN and #id; /sen due; the digest; a recorded fact; the reminder sweep), then each one that reads
the big tables is EXPLAINed with its own parameters. A full scan of ``deadline``, ``pupil`` or
``pupil_name_word`` fails the test. PostgreSQL would rightly scan tables this small, so sequential scans are
switched off for the EXPLAIN: the question is whether an index *can* answer the query.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, event

from bot.reminders.sweep import plan_all

BIG = ("deadline", "pupil", "pupil_name_word")


@contextmanager
def captured(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def plan_of(engine: Engine, statement: str, parameters: Any) -> list[str]:
    """The database's own plan for this statement, one line per step (PostgreSQL: sequential scans off)."""
    with engine.connect() as c:
        if engine.dialect.name == "sqlite":
            return [row[-1] for row in c.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]
        c.exec_driver_sql("SET enable_seqscan = off")
        plan = [row[0] for row in c.exec_driver_sql(f"EXPLAIN {statement}", parameters)]
        c.exec_driver_sql("RESET enable_seqscan")
        return plan


def full_scans(engine: Engine, statement: str, parameters: Any) -> list[str]:
    """The big tables this statement reads end to end, per the database's own plan."""
    plan = plan_of(engine, statement, parameters)
    if engine.dialect.name == "sqlite":
        # "SCAN deadline" (no index at all); "SEARCH … USING INDEX" is what we want.
        return [p for p in plan if re.match(rf"SCAN ({'|'.join(BIG)})\b(?! USING)", p)]
    return [p for p in plan if re.search(rf"Seq Scan on ({'|'.join(BIG)})\b", p)]


def test_hot_queries_read_by_index(staffed, engine, probe):
    chat = staffed
    chat.ok("admin", 'pupil add "Dan Evans" year:4 upn:A123456789012 class:5B')
    chat.ok("sue", "support start ava 8/9/2025")
    chat.ok("sue", "ehcp issued ben 1/6/2025")
    chat.ok("sue", 'intervention add cara "Reading" review:9/3/2026')
    ben = probe.pid("Ben Brown")
    with captured(engine) as statements:
        for who, text in [
            ("sue", 'pupil show "Ava Smith"'), ("sue", "pupil show smi"), ("sue", "pupil show a123456789012"),
            ("sue", f"pupil show #{ben}"), ("alice", "pupil show ava"),
            ("sue", "due week"), ("sue", "due month"), ("alice", "due week"), ("sue", "digest"),
            ("alice", "digest"), ("sue", "meeting ava 2/3/2026"),
        ]:
            chat.ok(who, text)
        plan_all(engine, datetime(2026, 3, 2, 9, 30, tzinfo=UTC), force=True)
    hot = [(s, p) for s, p in statements if re.search(rf"\b(FROM|JOIN) ({'|'.join(BIG)})\b", s)]
    assert len(hot) > 20  # the commands above did read the big tables
    scanning = {s: scans for s, p in hot if (scans := full_scans(engine, s, p))}
    assert not scanning, "\n\n".join(f"{s}\n  -> {scans}" for s, scans in scanning.items())


def test_a_teachers_lists_read_their_pupils_and_their_own_deadlines(staffed, engine, probe):
    """A teacher sees a few hundred of a school's pupils: their lists and digest read those pupils' deadlines
    (by pupil) and their own (by member of staff), never the school's deadlines in date order (which, at
    10,000 pupils, read most of the school to find a teacher's 50)."""
    chat = staffed
    chat.ok("sue", "support start ava 8/9/2025")
    chat.ok("sue", "ehcp issued ava 1/6/2025")
    chat.ok("sue", "support start cara 8/9/2025")
    with captured(engine) as statements:
        for text in ("due week", "due month", "due overdue", "due term", "digest"):
            chat.ok("alice", text)
    lists = [(s, p) for s, p in statements if re.search(r"\bFROM deadline\b", s)]
    assert len(lists) >= 10  # each list and digest section read the deadlines
    plans = {s: plan_of(engine, s, p) for s, p in lists}
    school_wide = {s: plan for s, plan in plans.items()
                   if any(re.search(r"\bix_deadline_school_(kind_)?due\b", line) for line in plan)}
    assert not school_wide, "\n\n".join(f"{s}\n  -> {plan}" for s, plan in school_wide.items())
    for s, plan in plans.items():
        # Both reads, each by its own index: the pupils' deadlines, and the teacher's own.
        assert any(re.search(r"\bix_deadline_pupil_(kind_)?due\b", line) for line in plan), (s, plan)
        assert any(re.search(r"\bix_deadline_staff_(kind_)?due\b", line) for line in plan), (s, plan)

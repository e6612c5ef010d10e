"""No pupil data in the logs when the database fails mid-command.

SQLAlchemy's error text carries the statement's bound parameters (a pupil's name, a note, a phone number)
unless the engine hides them; ``execute`` logs that error. A trigger makes the database refuse the write,
as a full disk or a lost connection would.
"""

import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

FAIL_SQLITE = ("CREATE TRIGGER fail_writes_{table} BEFORE INSERT ON {table} "
               "BEGIN SELECT RAISE(ABORT, 'the disk is on fire'); END")
FAIL_PG_FUNCTION = ("CREATE OR REPLACE FUNCTION fail_writes() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'the disk is on fire'; END; $$ LANGUAGE plpgsql")
FAIL_PG = "CREATE TRIGGER fail_writes_{table} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION fail_writes()"


@pytest.fixture
def failing(engine: Engine) -> Iterator[object]:
    tables: list[str] = []

    def fail(table: str) -> None:
        with engine.begin() as c:
            if engine.dialect.name == "postgresql":
                c.execute(text(FAIL_PG_FUNCTION))
                c.execute(text(FAIL_PG.format(table=table)))
            else:
                c.execute(text(FAIL_SQLITE.format(table=table)))
        tables.append(table)

    yield fail
    with engine.begin() as c:
        for table in tables:
            c.execute(text(f"DROP TRIGGER IF EXISTS fail_writes_{table}" + (
                f" ON {table}" if engine.dialect.name == "postgresql" else "")))


@pytest.mark.parametrize("level", [logging.INFO, logging.WARNING])
def test_a_database_failure_logs_no_pupil_data(chat, failing, caplog: pytest.LogCaptureFixture,  # type: ignore[no-untyped-def]
                                               level: int) -> None:
    chat.ok("admin", 'pupil add "Ava Smith" year:5')
    failing("pupil")
    failing("parent_meeting")
    with caplog.at_level(level):
        added = chat("admin", 'pupil add "Zed Secretname" year:5 upn:A123456789012')
        met = chat("admin", 'meeting ava today with:"Mrs Quill" note:"disclosed at home 07700900555"')
    assert not added.ok and "something went wrong" in added.title
    assert not met.ok and "something went wrong" in met.title
    assert caplog.records, "the failures are logged"
    logged = caplog.text
    for secret in ("Secretname", "A123456789012", "Quill", "disclosed", "07700900555"):
        assert secret not in logged, f"{secret} reached the log"
    assert "hidden" in logged  # SQLAlchemy says the parameters were hidden; the statement shape stays useful

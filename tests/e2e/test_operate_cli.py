"""Operating sendbot from the command line: one settings source, no stray databases, doctor, backup and
restore, and copying to another database. Each runs ``sendbot`` in a subprocess, as an admin would."""

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from db.engine import get_engine
from e2e.helpers import TODAY, Cli
from e2e.slack_support import BOT_TOKEN, SECRET, FakeSlack, Server

PG_URL = os.environ.get("SENDBOT_TEST_DATABASE_URL")


def names(cli: Cli) -> list[str]:
    out = cli.chat("pupil list").out
    return sorted(n for n in ("Ava Smith", "Ben Jones", "Cara Diaz") if n in out)


@pytest.mark.parametrize("command", [("chat", "--as", "alice", "help"), ("remind",), ("deadlines",), ("outbox",)])
def test_commands_other_than_init_and_run_never_create_a_database(tmp_path: Path, command: tuple[str, ...]) -> None:
    cli = Cli(tmp_path, None)  # no SENDBOT_DATABASE_URL: the default, ./sendbot.db
    result = cli.refused(*command)
    assert not (tmp_path / "sendbot.db").exists()
    assert str(tmp_path / "sendbot.db") in result.err  # which database it looked for
    assert "SENDBOT_DATABASE_URL" in result.err and "sendbot init" in result.err  # and how to make one


def test_every_subcommand_reads_the_same_settings_file(tmp_path: Path) -> None:
    settings = tmp_path / "etc" / "sendbot.env"
    settings.parent.mkdir()
    data = tmp_path / "data"
    data.mkdir()
    settings.write_text(f"SENDBOT_DATABASE_URL=sqlite:///{data / 'school.db'}\n")
    elsewhere = tmp_path / "somewhere-else"
    elsewhere.mkdir()
    cli = Cli(elsewhere, None)
    cli.extra_env["SENDBOT_ENV_FILE"] = str(settings)
    made = cli.ok("init", "--school", "Oak Primary", "--admin", "alice", "--today", TODAY)
    assert str(data / "school.db") in made.out
    assert (data / "school.db").exists() and not (elsewhere / "sendbot.db").exists()
    cli.chat('pupil add "Ava Smith" year:5')
    assert names(cli) == ["Ava Smith"]
    assert not (elsewhere / "sendbot.db").exists()


def test_a_dot_env_in_the_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"SENDBOT_DATABASE_URL=sqlite:///{tmp_path / 'from-dotenv.db'}\n")
    cli = Cli(tmp_path, None)
    cli.ok("init", "--school", "Oak Primary", "--admin", "alice", "--today", TODAY)
    assert (tmp_path / "from-dotenv.db").exists() and not (tmp_path / "sendbot.db").exists()


def test_backup_and_restore_round_trip(tmp_path: Path, db_url: str) -> None:
    cli = Cli(tmp_path, db_url)
    cli.ok("init", "--school", "Oak Primary", "--admin", "alice", "--today", TODAY)
    cli.chat('pupil add "Ava Smith" year:5')
    file = tmp_path / "before.backup"
    made = cli.ok("backup", str(file))
    assert file.exists() and "sendbot restore" in made.out
    assert "exists already" in cli.refused("backup", str(file)).err  # a backup is never overwritten
    cli.chat('pupil add "Ben Jones" year:3')
    assert names(cli) == ["Ava Smith", "Ben Jones"]

    refused = cli.refused("restore", str(file))
    assert "--replace" in refused.err
    assert names(cli) == ["Ava Smith", "Ben Jones"]  # refusing changed nothing

    cli.ok("restore", str(file), "--replace")
    assert names(cli) == ["Ava Smith"]
    cli.chat('pupil add "Cara Diaz" year:2')  # ids carry on after the restored ones
    assert names(cli) == ["Ava Smith", "Cara Diaz"]


def test_restore_refuses_what_is_not_a_backup(tmp_path: Path) -> None:
    cli = Cli(tmp_path, f"sqlite:///{tmp_path / 'sendbot.db'}")
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database")
    assert "not a sendbot backup" in cli.refused("restore", str(junk)).err
    assert "No backup file" in cli.refused("restore", str(tmp_path / "missing.db")).err
    assert not (tmp_path / "sendbot.db").exists()


def test_backup_of_postgresql_without_pg_dump_says_what_to_install(tmp_path: Path) -> None:
    if not PG_URL:
        pytest.skip("needs SENDBOT_TEST_DATABASE_URL (PostgreSQL) to have a database to back up")
    cli = Cli(tmp_path, PG_URL)
    cli.ok("migrate")
    cli.extra_env["PATH"] = str(tmp_path / "no-tools")  # a PATH without pg_dump
    result = cli.refused("backup", str(tmp_path / "x.dump"))
    assert "pg_dump is not installed" in result.err and "postgresql-client" in result.err


def test_copy_moves_everything_to_another_database(tmp_path: Path, db_url: str) -> None:
    source = Cli(tmp_path, f"sqlite:///{tmp_path / 'trial.db'}")
    source.ok("init", "--school", "Oak Primary", "--admin", "alice", "--today", TODAY)
    source.session(['pupil add "Ava Smith" year:5', "support start ava 2026-01-05",
                    'intervention add ava "Lexia" review:+6w', 'pupil add "Ben Jones" year:3'])
    before = source.ok("deadlines", "--json", "--today", TODAY).out
    copied = source.ok("copy", "--to", db_url)
    assert "Copied" in copied.out and "SENDBOT_DATABASE_URL" in copied.out

    target = Cli(tmp_path, db_url)
    assert target.ok("deadlines", "--json", "--today", TODAY).out == before
    target.chat('pupil add "Cara Diaz" year:2')  # new rows get new ids (sequences moved past the copied ones)
    assert names(target) == ["Ava Smith", "Ben Jones", "Cara Diaz"]

    again = source.refused("copy", "--to", db_url)
    assert "already holds a school" in again.err
    assert names(target) == ["Ava Smith", "Ben Jones", "Cara Diaz"]


def test_copy_refuses_a_bad_target(tmp_path: Path) -> None:
    cli = Cli(tmp_path, f"sqlite:///{tmp_path / 'sendbot.db'}")
    cli.ok("init", "--school", "Oak Primary", "--admin", "alice", "--today", TODAY)
    assert "not a database URL" in cli.refused("copy", "--to", "over there").err
    assert "already uses" in cli.refused("copy", "--to", f"sqlite:///{tmp_path / 'sendbot.db'}").err


# --- doctor ------------------------------------------------------------------------------------------------


def test_doctor_on_a_fresh_machine_says_what_to_fix(tmp_path: Path) -> None:
    cli = Cli(tmp_path, None)
    result = cli("doctor", "--offline")
    assert result.code == 1
    assert "FAIL database" in result.out and "sendbot init" in result.out
    assert "slack: not configured" in result.out
    assert not (tmp_path / "sendbot.db").exists()


def test_doctor_checks_a_working_install_end_to_end(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'sendbot.db'}"
    cli = Cli(tmp_path, db)
    cli.ok("init", "--school", "Oak Primary", "--admin", "alice", "--today", TODAY)
    fake = FakeSlack().start()
    from bot.config import Settings

    server = Server(Settings(database_url=db)).start()
    try:
        cli.extra_env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake.api_url,
                             SENDBOT_PUBLIC_URL=server.url)
        result = cli("doctor", "--today", TODAY)
        fake.failing["auth.test"] = "token_revoked"
        revoked = cli("doctor", "--today", TODAY)
    finally:
        server.stop()
        fake.stop()
    out = result.out
    assert "ok   database" in out and "ok   migrations" in out
    assert "ok   slack: auth.test: workspace T0SCHOOL1" in out
    assert f"ok   public address: {server.url}/healthz answered 200" in out
    assert "within" in out and "of Slack's clock" in out
    # sendbot init made estimated terms: a warning with what to do, not a failure.
    assert "WARN term dates: estimated term dates" in out and "sendbot terms import" in out
    assert result.code == 0, result
    assert revoked.code == 1 and "FAIL slack" in revoked.out and "token_revoked" in revoked.out
    assert "fix: Copy the Bot User OAuth Token" in revoked.out


def test_doctor_reports_missing_terms_and_a_stale_schema(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'sendbot.db'}"
    cli = Cli(tmp_path, db)
    cli.ok("init", "--school", "Oak Primary", "--admin", "alice", "--today", TODAY)
    engine = get_engine(db)
    with engine.begin() as c:
        c.execute(text("DELETE FROM term"))
        c.execute(text("UPDATE alembic_version SET version_num = '0003'"))
    engine.dispose()
    result = cli("doctor", "--offline", "--today", TODAY)
    assert result.code == 1
    assert "FAIL migrations" in result.out and "sendbot migrate" in result.out
    assert "FAIL term dates: no term dates for school 1 2025/26, school 1 2026/27" in result.out


def test_doctor_flags_half_configured_slack(tmp_path: Path) -> None:
    cli = Cli(tmp_path, None)
    cli.extra_env["SLACK_BOT_TOKEN"] = "xoxb-1"
    result = cli("doctor", "--offline")
    assert "FAIL configuration" in result.out and "SLACK_SIGNING_SECRET" in result.out


def test_doctor_and_backup_leave_no_database_behind(tmp_path: Path) -> None:
    cli = Cli(tmp_path, None)
    assert "No sendbot database" in cli.refused("backup", str(tmp_path / "b.db")).err
    assert not (tmp_path / "sendbot.db").exists() and not (tmp_path / "b.db").exists()

"""``sendbot link`` and the claim code ``sendbot init`` prints: the only ways a chat workspace becomes a school."""

import re
import sqlite3
from pathlib import Path

from e2e.helpers import TODAY, Cli

CODE = re.compile(r"/sen claim ([A-Z0-9]{4}-[A-Z0-9]{4})")


def rows(directory: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(directory / "sendbot.db") as db:
        return db.execute(sql).fetchall()


def test_init_prints_a_one_time_claim_code_stored_only_hashed(cli: Cli, tmp_path: Path) -> None:
    r = cli.ok("init", "--school", "Oak Primary", "--admin", "alice", "--today", TODAY)
    code = CODE.search(r.out)
    assert code, r.out
    assert "sendbot link slack|teams" in r.out
    stored = rows(tmp_path, "SELECT code_hash, used_at FROM claim_code")
    assert len(stored) == 1 and stored[0][1] is None
    assert code.group(1) not in stored[0][0] and code.group(1).replace("-", "") not in stored[0][0]
    again = CODE.search(cli.ok("claim-code", "--today", TODAY).out)
    assert again and again.group(1) != code.group(1)


def test_link_binds_a_workspace_to_the_school_once(cli: Cli, tmp_path: Path) -> None:
    cli.ok("init", "--school", "Oak Primary", "--admin", "alice", "--today", TODAY)
    r = cli.ok("link", "slack", "T0OAK0001", "--today", TODAY)
    assert "Slack workspace T0OAK0001 is now school 1" in r.out
    cli.ok("link", "slack", "T0OAK0001")  # again: nothing changes
    assert rows(tmp_path, "SELECT platform, external_id, school_id, linked_how FROM chat_workspace") == [
        ("slack", "T0OAK0001", 1, "link")]


def test_link_refuses_what_it_cannot_do_and_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    cli.ok("init", "--school", "Oak Primary", "--admin", "alice", "--today", TODAY)
    cli.ok("init", "--school", "Elm Academy", "--admin", "erin", "--today", TODAY)
    several = cli.refused("link", "slack", "T0OAK0001")
    assert "--school" in several.text and "Traceback" not in several.text
    unknown = cli.refused("link", "discord", "X1", "--school", "1")
    assert "use slack or teams" in unknown.text
    cli.ok("link", "teams", "72f988bf-86f1-41af-91ab-2d7cd011db47", "--school", "Elm Academy")
    taken = cli.refused("link", "teams", "72f988bf-86f1-41af-91ab-2d7cd011db47", "--school", "1")
    assert "already linked to school #2" in taken.text
    assert rows(tmp_path, "SELECT platform, external_id, school_id FROM chat_workspace") == [
        ("teams", "72f988bf-86f1-41af-91ab-2d7cd011db47", 2)]

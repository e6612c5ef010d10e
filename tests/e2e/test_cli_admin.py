"""``sendbot migrate``, ``sendbot terms import`` and ``sendbot run``."""

import re
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.request
from contextlib import closing
from pathlib import Path

import pytest

from e2e.helpers import SENDBOT, TODAY, Cli, clean_env

# --- migrate ---------------------------------------------------------------------------------------------


def test_migrate_creates_the_schema_and_can_run_again(cli: Cli, tmp_path: Path) -> None:
    first = cli.ok("migrate")
    assert (tmp_path / "sendbot.db").is_file()
    assert "up to date" in first.out
    again = cli.ok("migrate", "--today", TODAY)
    assert "up to date" in again.out


def test_encryption_rotate_reaches_every_surface_s_tokens(cli: Cli, tmp_path: Path) -> None:
    """The command line knows every surface's encrypted columns (Slack registers its Bolt tokens from its own
    storage module): a Slack bot token stored before a key was set is encrypted by the rotation."""
    from cryptography.fernet import Fernet

    cli.ok("migrate")
    with closing(sqlite3.connect(tmp_path / "sendbot.db")) as c:
        c.execute("INSERT INTO slack_bots (client_id, app_id, team_id, bot_token, is_enterprise_install, "
                  "installed_at) VALUES ('1.2', 'A0APP', 'T0OAK0001', 'xoxb-plain-token', 0, '2026-03-02')")
        c.commit()
    key = Fernet.generate_key().decode()
    cli.extra_env["SENDBOT_ENCRYPTION_KEY"] = key
    result = cli.ok("encryption", "rotate")
    assert "1 value(s) in slack_bots" in result.out
    with closing(sqlite3.connect(tmp_path / "sendbot.db")) as c:
        [(stored,)] = c.execute("SELECT bot_token FROM slack_bots").fetchall()
    assert stored != "xoxb-plain-token" and Fernet(key).decrypt(stored.encode()) == b"xoxb-plain-token"


def test_an_unreachable_database_is_one_friendly_line_without_the_password(tmp_path: Path) -> None:
    r = Cli(tmp_path, "postgresql+psycopg://sendbot:s3cret@127.0.0.1:1/sendbot").refused(
        "chat", "--as", "alice", "help")
    assert "s3cret" not in r.text
    assert "database" in r.text
    assert len(r.text.strip().splitlines()) == 1, r.text
    r = Cli(tmp_path, f"sqlite:///{tmp_path}/no/such/dir/sendbot.db").refused("migrate")
    assert len(r.text.strip().splitlines()) == 1, r.text


# --- terms import ----------------------------------------------------------------------------------------

ICS = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Kent County Council//Term dates//EN\r
BEGIN:VEVENT\r
UID:autumn-2026@example.org\r
DTSTAMP:20260101T000000Z\r
SUMMARY:Autumn Term 2026\r
DTSTART;VALUE=DATE:20260902\r
DTEND;VALUE=DATE:20261219\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:half-term@example.org\r
DTSTAMP:20260101T000000Z\r
SUMMARY:October half term\r
DTSTART;VALUE=DATE:20261026\r
DTEND;VALUE=DATE:20261031\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:spring-2027@example.org\r
DTSTAMP:20260101T000000Z\r
SUMMARY:Spring Term 2027\r
DTSTART;VALUE=DATE:20270104\r
DTEND;VALUE=DATE:20270327\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_terms_import_reads_an_ics_calendar(school_cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "kent.ics").write_text(ICS, encoding="utf-8", newline="")
    r = school_cli.ok("terms", "import", "--today", TODAY, "kent.ics")
    assert "2 terms" in r.out  # the half term is a holiday, not a term
    assert "replaced" in r.out  # the estimated autumn and spring terms it overlaps
    r = school_cli.chat("term list")
    # All-day DTEND is the day after the last day (RFC 5545).
    assert "Autumn Term 2026: Wed 02 Sep 2026 – Fri 18 Dec 2026" in r.out
    assert "Spring Term 2027: Mon 04 Jan 2027 – Fri 26 Mar 2027" in r.out
    assert "half term" not in r.out
    assert not re.search(r"Autumn 2026/27 \(estimated\)", r.out), "the real term replaces the estimate"


def test_terms_import_reads_a_csv_and_refuses_to_import_it_twice(school_cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "terms.csv").write_text("Name,Start,End\nSummer 2026,13/04/2026,22/07/2026\n", encoding="utf-8")
    r = school_cli.ok("terms", "import", "--today", TODAY, "terms.csv")
    assert "1 term" in r.out
    r = school_cli.refused("terms", "import", "--today", TODAY, "terms.csv")
    assert "Summer 2026" in r.text and "overlap" in r.text


# One of each way a file goes wrong at the CLI (tests/unit/test_term_import.py covers every bad row).
@pytest.mark.parametrize(("name", "content", "expect"), [
    ("wrong-header.csv", "title,from,to\nAutumn 2026,2026-09-02,2026-12-18\n", "name, start"),
    ("terms.xlsx", "PK\x03\x04 not really a spreadsheet", ".csv"),
    ("broken.ics", "this is not a calendar\n", "iCalendar"),
])
def test_terms_import_refuses_a_bad_file_with_a_clear_message(school_cli: Cli, tmp_path: Path, name: str,
                                                               content: str, expect: str) -> None:
    (tmp_path / name).write_text(content, encoding="utf-8")
    r = school_cli.refused("terms", "import", "--today", TODAY, name)
    assert expect in r.text
    assert len(r.text.strip().splitlines()) == 1, f"one clear line, please:\n{r.text}"


def test_terms_import_refuses_a_missing_file(school_cli: Cli) -> None:
    r = school_cli.refused("terms", "import", "nowhere.csv")
    assert "nowhere.csv" in r.text


# --- run -------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_run_in_an_empty_directory_creates_my_school_and_serves(tmp_path: Path) -> None:
    """No configuration at all: sendbot.db in the working directory, a school "My School" with the local
    user as its admin, a health endpoint; Ctrl-C stops it cleanly."""
    port = _free_port()
    env = clean_env(None, LOGNAME="jsmith", USER="jsmith")  # no SENDBOT_DATABASE_URL: the default
    proc = subprocess.Popen([*SENDBOT, "run", "--port", str(port), "--today", TODAY], cwd=tmp_path, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        health = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                    health = (response.status, response.read().decode())
                    break
            except OSError:
                time.sleep(0.2)
        assert health is not None, f"no answer on /healthz (exit {proc.poll()})"
        assert health[0] == 200 and '"ok"' in health[1]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
    assert "Traceback" not in out + err, out + err
    assert proc.returncode == 0, f"exit {proc.returncode}:\n{out}\n{err}"
    assert "My School" in out and "@jsmith" in out
    assert f"http://127.0.0.1:{port}" in out, "it says where it is running"
    assert (tmp_path / "sendbot.db").is_file()

    # The school it made is in that file, with jsmith as its admin.
    with closing(sqlite3.connect(tmp_path / "sendbot.db")) as db:
        rows = db.execute("SELECT school.name, staff.handle, staff.role FROM school JOIN staff "
                          "ON staff.school_id = school.id").fetchall()
    assert rows == [("My School", "jsmith", "admin")]

"""A Slack-only (or chat-less) install imports nothing from Microsoft: no start-up time, no memory for it."""

import subprocess
import sys

from e2e.helpers import clean_env

MICROSOFT = ("microsoft_agents", "msgraph", "azure", "kiota", "msal")


def imported(stderr: str) -> list[str]:
    """Module names from ``-X importtime`` output."""
    names = []
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.append(line.rsplit("|", 1)[1].strip())
    return names


def microsoft_in(names: list[str]) -> list[str]:
    return [n for n in names if n.split(".")[0] in MICROSOFT]


def test_the_cli_help_imports_nothing_from_microsoft(tmp_path) -> None:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "bot.cli", "--help"], cwd=tmp_path,
                          env=clean_env(f"sqlite:///{tmp_path}/s.db"), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = imported(proc.stderr)
    assert "typer" in names and "bot" in names  # the measurement itself works (bot.cli runs as __main__)
    assert microsoft_in(names) == []


SERVER = """
import sys
from bot.config import Settings
from bot.server import build_app, services_for
settings = Settings(database_url=sys.argv[1], slack_bot_token="xoxb-1", slack_signing_secret="s"{extra})
build_app(settings, services=services_for(settings))
print(sorted({{m.split(".")[0] for m in sys.modules}}))
"""


def test_a_slack_only_server_imports_nothing_from_microsoft_and_teams_does(tmp_path) -> None:
    db = f"sqlite:///{tmp_path}/s.db"
    subprocess.run([sys.executable, "-m", "bot.cli", "--help"], env=clean_env(db), capture_output=True, check=True)
    slack = subprocess.run([sys.executable, "-c", SERVER.format(extra=""), db], cwd=tmp_path, env=clean_env(db),
                           capture_output=True, text=True, timeout=120)
    assert slack.returncode == 0, slack.stderr[-2000:]
    assert "slack_bolt" in slack.stdout and not [m for m in MICROSOFT if f"'{m}" in slack.stdout]
    teams = subprocess.run([sys.executable, "-c", SERVER.format(extra=', teams_app_id="a", teams_tenant_id="t"'), db],
                           cwd=tmp_path, env=clean_env(db), capture_output=True, text=True, timeout=120)
    assert teams.returncode == 0, teams.stderr[-2000:]
    assert "'microsoft_agents'" in teams.stdout  # so the check above could fail


def test_every_table_is_known_without_importing_a_chat_sdk(tmp_path) -> None:
    """bot/tables.py (what migrations, copies and key rotation import) knows Slack's and Teams' tables from their
    storage modules, which are plain SQLModel: no Slack SDK, and no [microsoft] extra, is loaded for them."""
    code = ("import sys, bot.tables as t; print(sorted(t.METADATA.tables)); "
            "print(sorted({m.split('.')[0] for m in sys.modules}))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=clean_env(f"sqlite:///{tmp_path}/s.db"),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    tables, modules = proc.stdout.splitlines()
    for name in ("slack_installations", "slack_event", "slack_request_seen", "teams_conversation", "graph_event",
                 "school"):
        assert f"'{name}'" in tables
    assert not [m for m in (*MICROSOFT, "slack_sdk", "slack_bolt") if f"'{m}'" in modules]

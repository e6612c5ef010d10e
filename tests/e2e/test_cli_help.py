"""Help honesty: what ``--help`` and ``/sen help`` say matches what the program accepts."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import typer

from bot.cli import app
from bot.commands import GRAMMAR
from e2e.helpers import Cli, Result

# Options the product pages promise, per subcommand (COMMANDS.md, README.md).
PROMISED = {
    ("init",): {"--school", "--admin", "--phase", "--today"},
    ("chat",): {"--as", "--today"},
    ("deadlines",): {"--json", "--pupil", "--today"},
    ("migrate",): {"--today"},
    ("run",): {"--today"},
    ("terms", "import"): {"--today"},
    ("link",): {"--school", "--today"},
    ("claim-code",): {"--school", "--today"},
    # issue 13 (COMMANDS.md v2, docs/onboarding.md)
    ("import", "register"): {"--dry-run", "--school", "--map", "--archive-missing", "--today"},
    ("import", "staff"): {"--school", "--today"},
    ("sync", "wonde"): {"--dry-run", "--school", "--today"},
}


def _commands(command: Any, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """Every command and group of the typer app, by its words."""
    found = {path: command}
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        found.update(_commands(sub, (*path, name)))
    return found


ALL = _commands(typer.main.get_command(app))
LEAVES = {path: c for path, c in ALL.items() if not getattr(c, "commands", None)}


def _options(command: Any) -> set[str]:
    return {o for p in command.params if getattr(p, "param_type_name", "") == "option" for o in p.opts}


def test_every_subcommand_the_pages_promise_exists_with_its_options() -> None:
    for path, options in PROMISED.items():
        assert path in LEAVES, f"sendbot {' '.join(path)} is missing"
        assert options <= _options(LEAVES[path]), f"sendbot {' '.join(path)} lacks {options - _options(LEAVES[path])}"


def test_every_subcommand_takes_today() -> None:
    for path, command in LEAVES.items():
        assert "--today" in _options(command), f"sendbot {' '.join(path)} does not take --today (COMMANDS.md)"


def test_help_for_sendbot_and_every_subcommand(tmp_path: Path) -> None:
    cli = Cli(tmp_path, f"sqlite:///{tmp_path}/sendbot.db")
    with ThreadPoolExecutor(max_workers=4) as pool:
        results: dict[tuple[str, ...], Result] = dict(zip(
            ALL, pool.map(lambda path: cli(*path, "--help"), ALL), strict=True))
    for path, r in results.items():
        assert r.code == 0, f"sendbot {' '.join(path)} --help failed:\n{r}"
        for name in getattr(ALL[path], "commands", {}):
            assert name in r.out, f"sendbot {' '.join(path)} --help does not list {name}"
        if path in LEAVES:
            for option in _options(LEAVES[path]):
                assert option in r.out, f"sendbot {' '.join(path)} --help does not mention {option}"
    assert not (tmp_path / "sendbot.db").exists(), "--help must not create a database"


def test_chat_help_lists_every_command(school_cli: Cli) -> None:
    r = school_cli.chat("help")
    for command in GRAMMAR.commands:
        assert command.usage in r.out, f"/sen help does not show {command.usage}"
        assert command.summary in r.out


def test_help_on_each_command(school_cli: Cli) -> None:
    r = school_cli.session([f"help {command.name}" for command in GRAMMAR.commands])
    for command in GRAMMAR.commands:
        assert f"Help: /sen {command.name}" in r.out
        assert command.help() in r.out
    r = school_cli.chat_refused("help frobnicate")
    assert "frobnicate" in r.text


def test_help_starts_without_the_settings_database_or_web_stacks() -> None:
    """``sendbot --help`` imports only what it prints with (issue 12: start-up time). Checked in a fresh
    interpreter, since this test process has imported everything already."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "sys.argv = ['sendbot', '--help']\n"
        "from bot.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = {'pydantic_settings', 'sqlalchemy', 'sqlmodel', 'starlette', 'uvicorn', 'slack_bolt', 'holidays',\n"
        "         'rich', 'apscheduler', 'icalendar'}\n"
        "print(sorted({name.split('.')[0] for name in sys.modules} & heavy), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert "Usage: sendbot" in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "[]"

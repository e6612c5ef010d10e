"""The import rule of docs/architecture.md, as import-linter contracts (pyproject.toml, [tool.importlinter]).

Surfaces (adapters) → reminders/feeds → commands → services → rules and storage; the neutral modules
(bot.reply, bot.dates, bot.state, …) import none of those; only adapters import a chat SDK; no import
cycles between sibling modules. A new surface that reached into the core the wrong way fails here, with
import-linter's own explanation of which import chain broke which contract.
"""

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONTRACTS = [c["id"] for c in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]]


def test_the_import_rule_is_declared() -> None:
    assert {"layers", "neutral", "sdk", "acyclic", "storage"} <= set(CONTRACTS)


@pytest.mark.parametrize("contract", CONTRACTS)
def test_contract_is_kept(contract: str) -> None:
    run = subprocess.run([str(LINT_IMPORTS), "--no-cache", "--contract", contract], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and "1 kept, 0 broken" in run.stdout, run.stdout + run.stderr


def test_the_grammar_says_which_commands_only_read() -> None:
    """Surfaces ask the grammar (``Command.reads``), not a list of their own, whether a command changed anything."""
    from bot.commands import GRAMMAR

    reads = {c.name for c in GRAMMAR.commands if c.reads}
    assert {"help", "pupil show", "pupil list", "due", "digest", "export"} <= reads
    assert not reads & {"pupil add", "meeting", "done", "snooze", "staff add", "settings"}


@pytest.mark.parametrize("page", ["architecture.md", "surfaces.md"])
def test_the_pages_name_only_what_exists(page: str) -> None:
    """Every ``bot.…`` name and ``bot/…`` path docs/architecture.md and docs/surfaces.md give is real."""
    import importlib
    import re

    text = (ROOT / "docs" / page).read_text()
    for dotted in set(re.findall(r"\bbot(?:\.[A-Za-z_]+)+", text)):
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            try:
                target = importlib.import_module(".".join(parts[:cut]))
            except ModuleNotFoundError:
                continue
            for attr in parts[cut:]:
                assert hasattr(target, attr), f"{page} names {dotted}, which does not exist"
                target = getattr(target, attr)
            break
    for path in set(re.findall(r"`((?:bot|db)/[a-z_/]+(?:\.py)?)`", text)):
        if "teams" not in path:  # the surface still to write
            assert (ROOT / path).exists(), f"{page} names {path}, which does not exist"

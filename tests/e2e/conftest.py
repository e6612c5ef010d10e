"""Fixtures for the end-to-end tests (the helpers are in e2e/helpers.py)."""

import shutil
from pathlib import Path

import pytest

from e2e.helpers import TODAY, Cli, sqlite_url


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """``sendbot`` in an empty directory of its own, with a SQLite database there (not created yet)."""
    return Cli(tmp_path, sqlite_url(tmp_path))


@pytest.fixture(scope="session")
def school_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database made once by ``sendbot init`` and a few chat commands; tests get their own copy."""
    where = tmp_path_factory.mktemp("e2e-template")
    c = Cli(where, sqlite_url(where))
    c.ok("init", "--school", "Oak Primary", "--admin", "alice", "--today", TODAY)
    c.session([
        "staff add @bob role:teacher class:5B",
        'pupil add "Ava Smith" year:5 class:5B',
        'pupil add "Amir Khan" year:R',
        'pupil add "Ben Jones" year:3',
    ])
    return where / "sendbot.db"


@pytest.fixture
def school_cli(tmp_path: Path, school_template: Path) -> Cli:
    """``sendbot`` in its own directory, with a copy of Oak Primary: admin @alice, teacher @bob (5B) and
    pupils Ava Smith (5B), Amir Khan and Ben Jones."""
    shutil.copy(school_template, tmp_path / "sendbot.db")
    return Cli(tmp_path, sqlite_url(tmp_path))

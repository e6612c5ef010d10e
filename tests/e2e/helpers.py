"""End-to-end tests: run the ``sendbot`` command in a subprocess, exactly as a user would.

Each test works in its own ``tmp_path`` directory with ``SENDBOT_DATABASE_URL`` pointing at a SQLite file
there (or at the PostgreSQL test database, for the main scenario, when ``SENDBOT_TEST_DATABASE_URL`` is set).
Every call is checked for a Python traceback: whatever a user types, sendbot answers in words.
"""

import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_SCRIPT = shutil.which("sendbot", path=str(Path(sys.executable).parent))
SENDBOT: list[str] = [_SCRIPT] if _SCRIPT else [sys.executable, "-m", "bot.cli"]

TODAY = "2026-03-02"  # a Monday in the spring term


@dataclass
class Result:
    args: tuple[str, ...]
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err

    def __str__(self) -> str:
        return (f"$ sendbot {' '.join(self.args)}\n(exit {self.code})\n"
                f"--- stdout ---\n{self.out}--- stderr ---\n{self.err}")


def clean_env(database_url: str | None, **extra: str) -> dict[str, str]:
    """The caller's environment without any SENDBOT_* setting, plus the database URL and ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENDBOT_")}
    env.update(PYTHONIOENCODING="utf-8", COLUMNS="200", NO_COLOR="1", TERM="dumb")
    if database_url is not None:
        env["SENDBOT_DATABASE_URL"] = database_url
    env.update(extra)
    return env


class Cli:
    """Runs ``sendbot`` in one working directory against one database."""

    def __init__(self, cwd: Path, database_url: str | None) -> None:
        self.cwd = cwd
        self.database_url = database_url
        self.extra_env: dict[str, str] = {}

    def __call__(self, *args: str, input: str | None = None, timeout: float = 60) -> Result:
        proc = subprocess.run(
            [*SENDBOT, *args], cwd=self.cwd, env=clean_env(self.database_url, **self.extra_env), input=input,
            stdin=None if input is not None else subprocess.DEVNULL, capture_output=True, text=True,
            encoding="utf-8", timeout=timeout,
        )
        result = Result(tuple(args), proc.returncode, proc.stdout, proc.stderr)
        assert "Traceback" not in result.text, f"a traceback reached the user:\n{result}"
        return result

    def ok(self, *args: str, input: str | None = None) -> Result:
        result = self(*args, input=input)
        assert result.code == 0, f"expected exit 0:\n{result}"
        return result

    def refused(self, *args: str, input: str | None = None) -> Result:
        """A refusal: non-zero exit, with a reason printed (one short message, not a stack of output)."""
        result = self(*args, input=input)
        assert result.code != 0, f"expected a refusal (non-zero exit):\n{result}"
        assert result.text.strip(), f"refused without saying why:\n{result}"
        return result

    def chat(self, text: str, *, as_: str = "alice", today: str = TODAY) -> Result:
        return self.ok("chat", "--as", as_, "--today", today, text)

    def chat_refused(self, text: str, *, as_: str = "alice", today: str = TODAY) -> Result:
        return self.refused("chat", "--as", as_, "--today", today, text)

    def session(self, lines: Iterable[str], *, as_: str = "alice", today: str = TODAY) -> Result:
        """An interactive ``sendbot chat`` fed on stdin; every command must be carried out."""
        script = "".join(f"{line}\n" for line in lines) + "quit\n"
        result = self.ok("chat", "--as", as_, "--today", today, input=script)
        assert "Refused" not in result.text, f"a command in the session was refused:\n{result}"
        return result


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'sendbot.db'}"

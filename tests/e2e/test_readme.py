"""The README stays true: every ``sendbot …`` command line and ``/sen …`` form it shows works.

Fenced code blocks are examples: each ``/sen`` line must parse, each ``sendbot`` line must name a real
subcommand with real options, and the tour is run as written. Inline code (`` `sendbot migrate` ``, `` `/sen
term add` ``) names commands: the words must exist.
"""

import re
import shlex
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import typer

from bot.cli import app
from bot.commands import GRAMMAR
from e2e.helpers import TODAY, Cli

README = Path(__file__).resolve().parents[2] / "README.md"
PLACEHOLDER = re.compile(r"[<…]|\.\.\.|\b[A-Z]{3,}\b")  # <command>, "…", HANDLE, FILE


def _readme() -> str:
    if not README.exists():
        pytest.skip("README.md is not written yet")
    return README.read_text(encoding="utf-8")


def _fenced_lines(text: str) -> list[str]:
    lines, inside = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            inside = not inside
            continue
        if inside and line.strip():
            lines.append(line.strip())
    return lines


def _prose_lines(text: str) -> list[str]:
    out, inside = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            inside = not inside
        elif not inside:
            out.append(line)
    return out


def _sendbot_invocations(line: str) -> list[list[str]]:
    """The ``sendbot`` calls in a shell line (``a && .venv/bin/sendbot run`` holds one)."""
    calls = []
    for segment in re.split(r"&&|\|\||;|\|", line):
        try:
            words = shlex.split(segment)
        except ValueError:
            continue
        if words and Path(words[0]).name == "sendbot":
            calls.append(words[1:])
    return calls


def _examples(text: str) -> tuple[list[str], list[list[str]]]:
    """(/sen forms, sendbot argument lists) shown as examples: code blocks and lines starting with them."""
    lines = _fenced_lines(text) + [line.strip() for line in _prose_lines(text)
                                   if line.strip().startswith(("sendbot ", "/sen "))]
    sen = [line for line in lines if line.startswith("/sen ")]
    sendbot = [call for line in lines for call in _sendbot_invocations(line)]
    return sen, sendbot


def _inline(text: str) -> tuple[list[str], list[list[str]]]:
    spans = [s.strip() for line in _prose_lines(text) for s in re.findall(r"`([^`]+)`", line)]
    sen = [s for s in spans if s.startswith("/sen")]
    sendbot = [shlex.split(s)[1:] for s in spans if s.startswith("sendbot")]
    return sen, sendbot


def _resolve(args: list[str]) -> tuple[Any, list[str], list[str]]:
    """(the click command, the words naming it, the rest) for ``sendbot ARGS``."""
    command: Any = typer.main.get_command(app)
    words: list[str] = []
    rest = list(args)
    while rest and getattr(command, "commands", None) and not rest[0].startswith("-"):
        if PLACEHOLDER.search(rest[0]):
            return None, words, rest  # "sendbot <command> --help": any command
        assert rest[0] in command.commands, f"README shows `sendbot {' '.join(args)}`: no subcommand {rest[0]!r}"
        command = command.commands[rest[0]]
        words.append(rest.pop(0))
    return command, words, rest


def _check_sendbot(args: list[str]) -> None:
    command, words, rest = _resolve(args)
    if command is None:
        return
    known = {o for p in command.params for o in getattr(p, "opts", ())} | {"--help"}
    for word in rest:
        if word.startswith("--"):
            option = word.split("=")[0]
            assert option in known, f"README shows `sendbot {' '.join(args)}`: {' '.join(words)} has no {option}"
    if words == ["chat"] and rest and not rest[-1].startswith("-") and not PLACEHOLDER.search(rest[-1]):
        GRAMMAR.parse(rest[-1], date.fromisoformat(TODAY))


def test_readme_sen_examples_parse() -> None:
    sen, _ = _examples(_readme())
    assert sen, "the README shows no /sen examples"
    for line in sen:
        GRAMMAR.parse(line, date.fromisoformat(TODAY))  # raises ParseError, naming the problem


def test_readme_sendbot_command_lines_exist() -> None:
    text = _readme()
    _, calls = _examples(text)
    _, inline = _inline(text)
    assert calls, "the README shows no sendbot command lines"
    for args in calls + inline:
        _check_sendbot(args)


def test_readme_inline_sen_forms_name_real_commands() -> None:
    sen, _ = _inline(_readme())
    names = {c.words for c in GRAMMAR.commands}
    for span in sen:
        words = tuple(w.lower() for w in span.removeprefix("/sen").split() if not PLACEHOLDER.search(w))
        if not words:
            continue  # "/sen …": the language in general
        assert any(words[:n] in names for n in (1, 2, 3)) or any(w[: len(words)] == words for w in names), (
            f"README mentions `{span}`: no such command")


@pytest.mark.parametrize("tour_day", [TODAY, date.today().isoformat(), "2027-11-30", "2028-07-31"])
def test_readme_tour_runs_as_written(cli: Cli, tour_day: str) -> None:
    """The README's sendbot lines (but `run`, which serves until stopped) and then all its /sen examples, in
    order, as the admin the README's init makes: every one is carried out, on any day (its dates are relative)."""
    sen, calls = _examples(_readme())
    runnable = [args for args in calls if args and args[0] != "run" and not any(PLACEHOLDER.search(a) for a in args)]
    inits = [args for args in runnable if args[0] == "init"]
    assert inits, "the README shows no sendbot init"
    admin = inits[0][inits[0].index("--admin") + 1]
    for args in [*inits, *(a for a in runnable if a[0] != "init")]:
        if args[0] == "deadlines" and sen:
            cli.session(sen, as_=admin, today=tour_day)  # the deadlines lines come after the tour in the README
            sen = []
        _, words, rest = _resolve(args)
        today = ["--today", tour_day] if "--today" not in args else []
        cli.ok(*words, *today, *rest)
    if sen:
        cli.session(sen, as_=admin, today=tour_day)

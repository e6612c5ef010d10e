"""deploy/ and the operator's docs stay honest: every setting documented, every command shown parses, the
compose file validates, the image runs unprivileged, the systemd unit matches docs/admin.md."""

import configparser
import contextlib
import re
import shlex
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
import typer

from bot.cli import app
from bot.commands import GRAMMAR
from bot.commands.words import ParseError
from bot.config import SYSTEM_ENV_FILE, Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DOCS = [ROOT / "docs" / "admin.md", ROOT / "docs" / "guide.md"]
TODAY = date(2026, 3, 2)


def env_names(name: str) -> list[str]:
    """The names a setting is read from (Slack's own, or SENDBOT_…)."""
    field = Settings.model_fields[name]
    alias = field.validation_alias
    if alias is not None:
        return [str(c) for c in alias.choices]  # type: ignore[union-attr]
    return [f"SENDBOT_{name.upper()}"]


def test_every_setting_is_in_env_example_and_admin_docs() -> None:
    example = (DEPLOY / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, re.MULTILINE))
    admin = (ROOT / "docs" / "admin.md").read_text()
    for name in Settings.model_fields:
        names = env_names(name)
        assert listed & set(names), f"{names[0]} is not in deploy/.env.example"
        assert any(f"`{n}`" in admin for n in names), f"{names[0]} is not documented in docs/admin.md"
    # and nothing in the example that sendbot (or compose) does not read
    known = {n for f in Settings.model_fields for n in env_names(f)} | {"POSTGRES_PASSWORD"}
    assert listed <= known, f"deploy/.env.example lists unknown settings: {listed - known}"


def test_env_example_values_are_accepted(tmp_path: Path) -> None:
    settings = Settings(_env_file=DEPLOY / ".env.example")  # type: ignore[call-arg]
    assert settings.database_url == "sqlite:////var/lib/sendbot/sendbot.db"
    assert not settings.slack_configured  # empty Slack values mean "not configured"


# --- every command shown in the docs parses --------------------------------------------------------------

COMMAND = typer.main.get_command(app)


def _code_lines(path: Path) -> list[str]:
    lines, inside = [], False
    for line in path.read_text().splitlines():
        if line.startswith("```"):
            inside = not inside
        elif inside and line.strip():
            lines.append(line.strip())
    return lines


def _sendbot_args(line: str) -> list[list[str]]:
    """The arguments of each `sendbot …` call in a shell line (after sudo, env, docker compose run …)."""
    found = []
    for segment in re.split(r"&&|;|\|", line):
        words = shlex.split(segment, comments=True)
        for i, word in enumerate(words):
            if (word == "sendbot" or word.endswith("/bin/sendbot")) and i + 1 < len(words) \
                    and not words[i - 1 if i else 0].startswith("-"):
                found.append(words[i + 1:])
                break
    return found


def _parse(args: list[str]) -> None:
    """Parse (never run) ``sendbot ARGS`` with the real command: an unknown command or option, or a bad value,
    raises typer's errors (``typer.TyperException``)."""
    command, words, name = COMMAND, args, "sendbot"
    while hasattr(command, "get_command") and words and not words[0].startswith("-"):
        sub = command.get_command(command.make_context(name, [], resilient_parsing=True), words[0])
        if sub is None:
            raise typer.BadParameter(f"no such command '{words[0]}'")
        command, name, words = sub, words[0], words[1:]
    with contextlib.suppress(typer.Exit):  # --help
        command.make_context(name, list(words))


def test_every_sendbot_command_in_the_docs_parses() -> None:
    seen = 0
    for path in [*DOCS, ROOT / "README.md", ROOT / "docs" / "slack.md"]:
        for line in _code_lines(path):
            for args in _sendbot_args(line):
                seen += 1
                try:
                    _parse(list(args))
                except typer.TyperException as e:
                    if "does not exist" in str(e):  # a file the reader will have (terms.csv, a backup)
                        continue
                    raise AssertionError(f"{path.name}: `{line}` does not parse: {e}") from None
    assert seen >= 15


def test_every_chat_command_in_the_docs_parses() -> None:
    seen = 0
    for path in DOCS:
        for line in _code_lines(path):
            if line.startswith("/sen "):
                seen += 1
                try:
                    GRAMMAR.parse(line, TODAY)
                except ParseError as e:
                    raise AssertionError(f"{path.name}: `{line}` is refused: {e}") from None
    assert seen >= 30


# --- deploy/ -----------------------------------------------------------------------------------------------


def _compose() -> list[str] | None:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_compose_validates_with_postgresql_two_replicas_and_a_safe_password(tmp_path: Path) -> None:
    compose = _compose()
    if compose is None:
        pytest.skip("neither `docker compose` (the compose plugin) nor `docker-compose` is installed; "
                    ".ci/run installs Debian's docker-compose when it can")
    yaml = pytest.importorskip("yaml")
    project = tmp_path / "deploy"
    shutil.copytree(DEPLOY, project)
    password = "p@ss:w/rd%40#x"
    env = (DEPLOY / ".env.example").read_text().replace("POSTGRES_PASSWORD=CHANGE-ME",
                                                        f"POSTGRES_PASSWORD='{password}'")
    (project / ".env").write_text(env)
    done = subprocess.run([*compose, "-f", str(project / "compose.yml"), "config"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    config = yaml.safe_load(done.stdout)
    services = config["services"]
    replicas = [s for s in services.values() if s.get("command") in (None, ["sendbot", "run"])
                and "build" in s]
    assert len(replicas) == 2
    assert services["db"]["image"].startswith("postgres:")
    for s in replicas:
        environment = s["environment"]
        url = environment["SENDBOT_DATABASE_URL"]
        assert url.startswith("postgresql+psycopg://sendbot@db:") and password not in url
        assert environment["SENDBOT_DATABASE_PASSWORD"] == password
        assert environment["SENDBOT_HOST"] == "0.0.0.0"
        Settings(database_url=url, database_password=environment["SENDBOT_DATABASE_PASSWORD"])
        assert "migrate" in s["depends_on"]
    url = Settings(database_url=replicas[0]["environment"]["SENDBOT_DATABASE_URL"],
                   database_password=password).database_url
    from sqlalchemy.engine import make_url

    assert make_url(url).password == password  # escaped once, read back exactly
    assert services["db"]["environment"]["POSTGRES_PASSWORD"] == password
    assert services["migrate"]["command"] == ["sendbot", "migrate"]


def test_the_image_runs_unprivileged_with_a_writable_volume_and_a_health_check_on_its_port() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    instructions = [line.split(None, 1) for line in re.sub(r"\\\n", " ", text).splitlines()
                    if line.strip() and not line.startswith("#")]
    by = {}
    for keyword, rest in instructions:
        by.setdefault(keyword, []).append(rest)
    assert by["USER"] == ["sendbot"]
    assert by["VOLUME"] == ['["/data"]']
    assert any("chown sendbot:sendbot /data" in r for r in by["RUN"])
    assert by["WORKDIR"][-1] == "/data"  # sendbot starts where it may write
    assert any("SENDBOT_DATABASE_URL=sqlite:////data/sendbot.db" in r for r in by["ENV"])
    health = by["HEALTHCHECK"][0]
    assert "8080" not in health and "s().port" in health and "/healthz" in health
    assert by["CMD"] == ['["sendbot", "run"]']


def test_the_systemd_unit_matches_docs_admin() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(DEPLOY / "sendbot.service")
    service = unit["Service"]
    admin = (ROOT / "docs" / "admin.md").read_text()
    assert service["User"] == "sendbot" and "useradd --system --user-group" in admin
    assert service["StateDirectory"] == "sendbot"
    assert service["WorkingDirectory"] == "/var/lib/sendbot"
    assert service["EnvironmentFile"] == SYSTEM_ENV_FILE  # the file every `sendbot` command also reads
    program = service["ExecStart"].split()[0]
    venv = program.removesuffix("/bin/sendbot")
    assert f"python3 -m venv {venv}\n" in admin and f"{venv}/bin/pip install" in admin  # the docs make it
    assert service["ExecStart"] == f"{program} run"
    assert f"install -m 640 -o root -g sendbot /srv/sendbot-src/deploy/.env.example {SYSTEM_ENV_FILE}" in admin
    assert service["KillSignal"] == "SIGTERM"
    example = (DEPLOY / ".env.example").read_text()
    assert "SENDBOT_DATABASE_URL=sqlite:////var/lib/sendbot/sendbot.db" in example

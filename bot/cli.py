"""The ``sendbot`` command: a thin layer over the library. Library errors become friendly messages here."""

import getpass
import json
import logging
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from bot.config import get_settings

app = typer.Typer(
    help="sendbot: SEN support logging and statutory deadline reminders for schools in England.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
terms_app = typer.Typer(help="Import the school's term dates.", no_args_is_help=True)
app.add_typer(terms_app, name="terms")

TodayOpt = Annotated[
    str | None,
    typer.Option("--today", help="Act and answer as of this day (YYYY-MM-DD, 12/03/2026, +2w …): previews, tests."),
]
SchoolOpt = Annotated[
    str | None, typer.Option("--school", help="The school's name or number, when the database holds several.")
]


class CliError(Exception):
    """A problem to report in one line, with exit status 1."""


def _real_today() -> date:
    return datetime.now(ZoneInfo(get_settings().timezone)).date()


def _today(value: str | None) -> date:
    if value is None:
        return _real_today()
    from bot.commands.tokens import ParseError, parse_date

    try:
        return parse_date(value, _real_today())
    except ParseError as e:
        raise CliError(f"--today: {e}") from None


def _url() -> str:
    return get_settings().database_url


def _engine():  # type: ignore[no-untyped-def]
    from db.engine import get_engine, migrate, schema_is_current

    url = _url()
    try:
        if not schema_is_current(url):
            migrate(url)
    except Exception as e:  # an unreachable server, a read-only file …
        raise CliError(f"Can't open the database {_safe(url)}: {e.__class__.__name__}: {e}") from None
    return get_engine(url)


def _safe(url: str) -> str:
    """The URL without a password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(the configured database)"


def _school_id(engine, wanted: str | None) -> int:  # type: ignore[no-untyped-def]
    from sqlmodel import Session, select

    from db.models import School

    with Session(engine) as session:
        schools = session.exec(select(School).order_by(School.id)).all()
    if not schools:
        raise CliError('No school yet. Create one: sendbot init --school "Oak Primary" --admin <your handle>')
    if wanted is None:
        if len(schools) > 1:
            raise CliError("This database holds several schools; choose one with --school: "
                           + ", ".join(f"{s.id} ({s.name})" for s in schools))
        assert schools[0].id is not None
        return schools[0].id
    for s in schools:
        if str(s.id) == wanted or s.name.lower() == wanted.lower():
            assert s.id is not None
            return s.id
    raise CliError(f"No school '{wanted}'. Schools: " + ", ".join(f"{s.id} ({s.name})" for s in schools))


def _run(fn):  # type: ignore[no-untyped-def]
    """Call ``fn``; turn library errors into one friendly line and exit status 1."""
    from bot.commands.tokens import ParseError
    from bot.services.errors import Refused

    try:
        return fn()
    except (CliError, Refused, ParseError) as e:
        typer.echo(f"sendbot: {e}", err=True)
        raise typer.Exit(1) from None


@app.callback()
def _setup() -> None:
    logging.basicConfig(level=get_settings().log_level.upper(), format="%(levelname)s %(name)s: %(message)s")


@app.command()
def init(
    school: Annotated[str, typer.Option("--school", help="The school's name.")],
    admin: Annotated[str, typer.Option("--admin", help="Chat handle or Slack/Teams user id of the first admin.")],
    phase: Annotated[str, typer.Option("--phase", help="primary, infant, junior, middle, secondary, all-through "
                                                        "or special (decides phase-transfer years).")] = "primary",
    today: TodayOpt = None,
) -> None:
    """Create a school (and the database, if none) and make HANDLE its first admin."""

    def go() -> None:
        from bot.services.school import create_school
        from db.engine import transaction

        day = _today(today)
        engine = _engine()
        with transaction(engine) as session:
            s = create_school(session, school, admin, phase.lower(), day)
            name, sid = s.name, s.id
        typer.echo(f"Created {name} (school {sid}) with @{admin.lower()} as admin, in {_safe(_url())}.")
        typer.echo("Added ESTIMATED term dates for this and next academic year: replace them with your real "
                   "dates (/sen term add, or sendbot terms import FILE).")
        typer.echo(f'Try it: sendbot chat --as {admin.lower()} "help"')

    _run(go)


@app.command()
def chat(
    as_: Annotated[str, typer.Option("--as", help="Whose chat handle to speak as.")],
    text: Annotated[str | None, typer.Argument(help="One command, e.g. 'pupil add \"Ava Smith\" year:5'. "
                                                    "Leave it out for an interactive session.")] = None,
    today: TodayOpt = None,
    school: SchoolOpt = None,
) -> None:
    """Run one chat command (exit 0 if carried out, 1 if refused), or chat interactively."""
    from bot.console import Console

    def go() -> int:
        engine = _engine()
        console = Console(engine, _school_id(engine, school), as_, _today(today) if today else None)
        if text is not None:
            return 0 if console.say(text) else 1
        console.interactive()
        return 0

    raise typer.Exit(_run(go))


@app.command()
def deadlines(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array (see COMMANDS.md).")] = False,
    pupil: Annotated[str | None, typer.Option("--pupil", help="Only this pupil (name, prefix, #id or UPN).")] = None,
    today: TodayOpt = None,
    school: SchoolOpt = None,
) -> None:
    """List every deadline (all statuses), sorted by due date."""

    def go() -> None:
        from bot.services.access import Actor
        from bot.services.reports import all_deadlines
        from db.engine import transaction

        day = _today(today)
        engine = _engine()
        sid = _school_id(engine, school)
        operator = Actor(staff_id=0, school_id=sid, handle="operator", role="admin")
        with transaction(engine) as session:
            items = all_deadlines(session, sid, day, pupil, operator)
        if as_json:
            typer.echo(json.dumps([{"pupil": i.pupil_name, "kind": i.kind, "due": i.due.isoformat(),
                                    "duty": i.duty, "rule": i.rule, "status": i.status} for i in items], indent=2))
            return
        if not items:
            typer.echo("No deadlines.")
        for i in items:
            typer.echo(f"{i.due.isoformat()}  {i.status:<8} {i.kind:<22} {i.duty:<7} {i.pupil_name or '-':<24} "
                       f"{i.rule}")

    _run(go)


@app.command()
def migrate(today: TodayOpt = None) -> None:
    """Create or upgrade the database schema to the newest version."""

    def go() -> None:
        from db.engine import migrate as do_migrate

        _today(today)
        try:
            do_migrate(_url())
        except Exception as e:
            raise CliError(f"Migration failed on {_safe(_url())}: {e.__class__.__name__}: {e}") from None
        typer.echo(f"Database {_safe(_url())} is up to date.")

    _run(go)


@terms_app.command("import")
def terms_import(
    file: Annotated[Path, typer.Argument(help="A .csv (name,start,end) or .ics of term dates.", exists=True,
                                         dir_okay=False, readable=True)],
    today: TodayOpt = None,
    school: SchoolOpt = None,
) -> None:
    """Import real term dates; they replace the estimated terms they overlap."""

    def go() -> None:
        from bot.services.school import import_terms
        from bot.term_import import read_terms_file
        from db.engine import transaction

        day = _today(today)
        terms = read_terms_file(file)
        engine = _engine()
        sid = _school_id(engine, school)
        with transaction(engine) as session:
            added, replaced = import_terms(session, sid, terms, day)
        typer.echo(f"Imported {added} term{'s' if added != 1 else ''}"
                   + (f"; replaced {replaced} estimated." if replaced else "."))

    _run(go)


@app.command()
def run(
    host: Annotated[str | None, typer.Option("--host", help="Address to listen on (SENDBOT_HOST, default "
                                                            "127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port to listen on (SENDBOT_PORT, default 8080).")] = None,
    today: TodayOpt = None,
) -> None:
    """Start sendbot: the web server (Slack, feeds, health) and the scheduler.

    With an empty database it first creates a school called "My School" with you as its admin, so it
    starts with no configuration at all.
    """

    def go() -> None:
        import uvicorn

        from bot.server import connection_help, services_for
        from bot.web import create_app

        settings = get_settings()
        fixed = _today(today) if today else None
        engine = _engine()
        _ensure_a_school(engine, fixed or _real_today())
        app_ = create_app(settings, today=(lambda: fixed) if fixed else None, services=services_for(settings))
        h, p = host or settings.host, port or settings.port
        typer.echo(f"sendbot is listening on http://{h}:{p} (health: /healthz). Ctrl-C stops it.")
        for line in connection_help(settings):
            typer.echo(line)
        uvicorn.run(app_, host=h, port=p, log_level="warning")

    _run(go)


def _ensure_a_school(engine, day: date) -> None:  # type: ignore[no-untyped-def]
    from sqlmodel import Session, select

    from bot.services.school import create_school
    from db.engine import transaction
    from db.models import School

    with Session(engine) as session:
        if session.exec(select(School)).first() is not None:
            return
    me = _local_handle()
    with transaction(engine) as session:
        create_school(session, "My School", me, "primary", day)
    typer.echo(f'Created "My School" with you (@{me}) as its admin, and estimated term dates. '
               f'Talk to it locally: sendbot chat --as {me}')


def _local_handle() -> str:
    import re

    try:
        name = getpass.getuser()
    except Exception:
        name = "admin"
    name = re.sub(r"[^A-Za-z0-9._-]", "", name).lower()
    return name or "admin"


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()

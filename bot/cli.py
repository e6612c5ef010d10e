"""The ``sendbot`` command: a thin layer over the library. Library errors become friendly messages here."""

import getpass
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer

if TYPE_CHECKING:
    from bot.config import Settings


def get_settings() -> "Settings":
    """The settings, imported on first use: ``sendbot --help`` must not pay for pydantic-settings."""
    from bot.config import get_settings as settings

    return settings()


app = typer.Typer(
    help="sendbot: SEN support logging and statutory deadline reminders for schools in England.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: rich's help formatter (and markdown-it under it) is most of the start-up time.
    rich_markup_mode=None,
)
terms_app = typer.Typer(help="Import the school's term dates.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(terms_app, name="terms")
teams_app = typer.Typer(help="Microsoft Teams: the app package to upload (docs/teams.md).", no_args_is_help=True)
app.add_typer(teams_app, name="teams")
import_app = typer.Typer(help="Import the SEN register or the staff list from an MIS export (CSV).",
                         no_args_is_help=True, rich_markup_mode=None)
app.add_typer(import_app, name="import")
sync_app = typer.Typer(help="Bring the register in line with the school's MIS.", no_args_is_help=True,
                       rich_markup_mode=None)
app.add_typer(sync_app, name="sync")

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
    from bot.dates import ParseError, parse_date

    try:
        return parse_date(value, _real_today())
    except ParseError as e:
        raise CliError(f"--today: {e}") from None


def _url() -> str:
    return get_settings().database_url


def _engine(create: bool = False):  # type: ignore[no-untyped-def]
    """The configured database, upgraded if its schema is old. Only ``create`` (init, run, migrate) may make a
    new one: elsewhere a missing database is an error that says which one was looked for."""
    from bot.ops import OpsError, check_database_exists
    from bot.tables import migrate, schema_is_current
    from db.engine import get_engine

    url = _url()
    if not create:
        try:
            check_database_exists(url)
        except OpsError as e:  # missing, or unreachable: either way one line that says which database
            raise CliError(str(e)) from None
    try:
        if not schema_is_current(url):
            migrate(url)
    except Exception as e:  # an unreachable server, a read-only file …
        raise CliError(f"Can't open the database {_safe(url)}: {_reason(e)}") from None
    return get_engine(url)


def _reason(e: Exception) -> str:
    """The first line of what went wrong, without SQLAlchemy's wrapping (its class, SQL and help link)."""
    cause = getattr(e, "orig", None) or e  # a driver's error wrapped by SQLAlchemy
    lines = str(cause).strip().splitlines()
    return lines[0].strip() if lines else cause.__class__.__name__


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
    from bot.dates import ParseError
    from bot.services.errors import Refused

    try:
        return fn()
    except (CliError, Refused, ParseError) as e:
        typer.echo(f"sendbot: {e}", err=True)
        raise typer.Exit(1) from None


@app.callback()
def _setup() -> None:
    from bot.logs import setup_logging

    setup_logging(get_settings())


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
        engine = _engine(create=True)
        with transaction(engine) as session:
            s = create_school(session, school, admin, phase.lower(), day)
            name, sid = s.name, s.id
        handle = admin.strip().removeprefix("@").lower()
        typer.echo(f"Created {name} (school {sid}) with @{handle} as admin, in {_safe(_url())}.")
        typer.echo("Added ESTIMATED term dates for this and next academic year: replace them with your real "
                   "dates (/sen term add, or sendbot terms import FILE).")
        typer.echo(f'Try it: sendbot chat --as {handle} "help"')
        assert sid is not None
        _print_claim_code(engine, sid)

    _run(go)


def _print_claim_code(engine, school_id: int) -> None:  # type: ignore[no-untyped-def]
    from bot.services import tenancy
    from db.engine import transaction

    with transaction(engine) as session:
        admin = tenancy.admin_of(session, school_id)
        if admin is None:
            raise CliError(f"School {school_id} has no active admin to make a claim code for.")
        code = tenancy.issue_claim_code(session, school_id, admin.staff_id)
    typer.echo(f"To connect a Slack or Teams workspace to this school, type there, once, within 7 days: "
               f"/sen claim {code}  (in Teams: @sendbot claim {code}). It makes you this school's admin "
               f"@{admin.handle} there. Or, on this server: sendbot link slack|teams <workspace-id>.")


@app.command()
def link(
    platform: Annotated[str, typer.Argument(help="slack or teams.")],
    workspace: Annotated[str, typer.Argument(help="The workspace's id: a Slack team id (T0123ABC) or a Teams "
                                                  "tenant id.")],
    school: SchoolOpt = None,
    today: TodayOpt = None,
) -> None:
    """Connect a chat workspace to a school (only an admin's act binds one; a stranger's request never does)."""

    def go() -> None:
        from bot.services import tenancy
        from db.engine import transaction

        _today(today)
        engine = _engine()
        sid = _school_id(engine, school)
        with transaction(engine) as session:
            row = tenancy.link_workspace(session, platform.strip().lower(), workspace, sid)
            name = tenancy.platform_name(row.platform)
        typer.echo(f"{name} workspace {workspace.strip()} is now school {sid}: its staff can use sendbot there.")

    _run(go)


@app.command("claim-code")
def claim_code(school: SchoolOpt = None, today: TodayOpt = None) -> None:
    """Print a new one-time code that connects a chat workspace to the school (/sen claim CODE there)."""

    def go() -> None:
        _today(today)
        engine = _engine()
        _print_claim_code(engine, _school_id(engine, school))

    _run(go)


@app.command("install-link")
def install_link(school: SchoolOpt = None, today: TodayOpt = None) -> None:
    """Print a one-time Slack install link for the school (OAuth): whoever installs with it becomes its admin."""

    def go() -> None:
        from bot.services import tenancy
        from db.engine import transaction

        _today(today)
        settings = get_settings()
        if not (settings.slack_client_id and settings.slack_client_secret):
            raise CliError("Install links are for Slack OAuth: set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET first "
                           "(docs/slack.md). With one workspace, use sendbot link slack <team id> instead.")
        engine = _engine()
        sid = _school_id(engine, school)
        with transaction(engine) as session:
            admin = tenancy.admin_of(session, sid)
            if admin is None:
                raise CliError(f"School {sid} has no active admin to make an install link for.")
            code = tenancy.issue_claim_code(session, sid, admin.staff_id)
        typer.echo(f"Give this link to @{admin.handle}, school {sid}'s admin; it works once, within 7 days:")
        typer.echo(f"  {settings.public_url}/slack/install?link={code}")
        typer.echo(f"Whoever installs sendbot into a Slack workspace with it becomes @{admin.handle} there, and that "
                   "workspace this school's.")

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
            return
        typer.echo(f"{'DUE':<10}  {'STATUS':<8} {'KIND':<22} {'DUTY':<7} {'PUPIL':<24} RULE")
        for i in items:
            typer.echo(f"{i.due.isoformat()}  {i.status:<8} {i.kind:<22} {i.duty:<7} {i.pupil_name or '-':<24} "
                       f"{i.rule}")

    _run(go)


@app.command()
def migrate(today: TodayOpt = None) -> None:
    """Create or upgrade the database schema to the newest version."""

    def go() -> None:
        from bot.tables import migrate as do_migrate

        _today(today)
        try:
            do_migrate(_url())
        except Exception as e:
            raise CliError(f"Migration failed on {_safe(_url())}: {_reason(e)}") from None
        typer.echo(f"Database {_safe(_url())} is up to date.")

    _run(go)


@teams_app.command("package")
def teams_package(
    developer: Annotated[str, typer.Option("--developer", help="Publisher shown in Teams: the school or trust, "
                                                               "up to 32 characters.")],
    out: Annotated[Path, typer.Option("--out", help="The zip to write, or a folder for sendbot-teams.zip.")] = Path(
        "sendbot-teams.zip"),
    app_id: Annotated[str | None, typer.Option("--app-id", help="Entra application (client) id (default: "
                                                                 "TEAMS_APP_ID).")] = None,
    public_url: Annotated[str | None, typer.Option("--public-url", help="The https address sendbot is served at "
                                                                         "(default: SENDBOT_PUBLIC_URL).")] = None,
    today: TodayOpt = None,  # every subcommand takes it (COMMANDS.md); the package does not depend on the day
) -> None:
    """Write the Teams app package (manifest.json + icons) to upload in the Teams admin centre or sideload."""

    def go() -> None:
        from bot.teams.package import write_package

        settings = get_settings()
        chosen = app_id or settings.teams_app_id
        if not chosen:
            raise CliError("No app id: set TEAMS_APP_ID or pass --app-id (Azure portal → App registrations).")
        written = write_package(out, chosen, public_url or settings.public_url, developer)
        typer.echo(f"Wrote {written}: upload it in the Teams admin centre (Manage apps → Upload) or sideload it "
                   "(docs/teams.md).")

    _run(go)


@teams_app.command("calendar")
def teams_calendar(today: TodayOpt = None, school: SchoolOpt = None) -> None:
    """Make GRAPH_CALENDAR_MAILBOX's calendar match the open statutory deadlines (create, move, delete)."""

    def go() -> None:
        import asyncio

        from bot.teams.graph import client, sync_calendar

        settings = get_settings()
        if not settings.graph_calendar_mailbox:
            raise CliError("Set GRAPH_CALENDAR_MAILBOX to the shared mailbox whose calendar gets the deadlines "
                           "(docs/teams.md).")
        engine = _engine()
        sid = _school_id(engine, school)
        try:
            graph = client(settings)
        except ValueError as e:
            raise CliError(str(e)) from None
        report = asyncio.run(sync_calendar(engine, graph, sid, settings.graph_calendar_mailbox, _today(today)))
        typer.echo(str(report))

    _run(go)


@terms_app.command("import")
def terms_import(
    file: Annotated[Path, typer.Argument(help="A .csv (name,start,end) or .ics of term dates.", exists=True,
                                         dir_okay=False, readable=True)],
    today: TodayOpt = None,
    school: SchoolOpt = None,
) -> None:
    """Import real term dates; they replace the estimated terms they overlap. Half-terms (Autumn 1, Autumn 2)
    merge into whole terms with their break; INSET days in an .ics become closure days."""

    def go() -> None:
        from bot.services.school import import_terms
        from bot.term_import import read_calendar_file
        from db.engine import transaction

        day = _today(today)
        found = read_calendar_file(file)
        engine = _engine()
        sid = _school_id(engine, school)
        with transaction(engine) as session:
            added, replaced = import_terms(session, sid, found.terms, day, found.closures)
        typer.echo(f"Imported {added} term{'s' if added != 1 else ''}"
                   + (f"; replaced {replaced} estimated." if replaced else "."))
        if found.merged:
            whole = f"{found.merged} term{'s' if found.merged != 1 else ''}"
            typer.echo(f"Merged {found.merged * 2} half-terms into {whole} with their half-term breaks (parent "
                       "meetings count whole terms, three a year).")
        breaks = sum(1 for t in found.terms if t.half_term)
        if breaks > found.merged:
            typer.echo(f"Set {breaks - found.merged} half-term break{'s' if breaks - found.merged != 1 else ''} from "
                       "the file's half-term events.")
        if found.closures:
            typer.echo(f"Recorded {len(found.closures)} closure day{'s' if len(found.closures) != 1 else ''} "
                       "(INSET and the like): not school days for reminders.")

    _run(go)


@app.command()
def run(
    host: Annotated[str | None, typer.Option("--host", help="Address to listen on (SENDBOT_HOST, default "
                                                            "127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port to listen on (SENDBOT_PORT, default 8080).")] = None,
    today: TodayOpt = None,
) -> None:
    """Start sendbot: the web server (Slack, feeds, health) and the scheduler.

    With an empty database and no chat platform configured it first creates a school called "My School"
    with you as its admin, so a trial needs no configuration. With Slack or Teams configured it never
    invents an admin: it prints how to make the first one.
    """

    def go() -> None:
        import os

        import uvicorn

        from bot.security.crypto import KEYRING, KeyMissing
        from bot.server import build_app, connection_help, services_for

        # --host/--port become settings, so everything (feed links, Slack's URLs) agrees with them.
        for name, value in (("SENDBOT_HOST", host), ("SENDBOT_PORT", port)):
            if value is not None:
                os.environ[name] = str(value)
        from bot.config import get_settings as cached_settings

        cached_settings.cache_clear()
        settings = get_settings()
        try:
            encryption = KEYRING.startup()  # refuses to start in production without a key
        except (KeyMissing, ValueError) as e:  # ValueError: a value that is not a Fernet key, named by position
            raise CliError(str(e)) from None
        fixed = _today(today) if today else None
        engine = _engine(create=True)
        _ensure_a_school(engine, fixed or _real_today(), settings.chat_configured)
        app_ = build_app(settings, today=(lambda: fixed) if fixed else None, services=services_for(settings))
        h, p = settings.host, settings.port
        typer.echo(f"sendbot is listening on http://{h}:{p} (health: /healthz, ready: /readyz). "
                   "Ctrl-C stops it.")
        for line in [*encryption, *connection_help(settings)]:
            typer.echo(line)
        # uvicorn stops on SIGTERM/SIGINT: it finishes requests in flight, then the app's services stop
        # (the scheduler lets a delivery batch finish and releases its claims).
        uvicorn.run(app_, host=h, port=p, log_level="warning", log_config=None,  # our handlers (JSON or text)
                    timeout_graceful_shutdown=30)

    _run(go)


def _ensure_a_school(engine, day: date, chat_configured: bool) -> None:  # type: ignore[no-untyped-def]
    from sqlmodel import Session, select

    from bot.services.school import create_school
    from db.engine import transaction
    from db.models import School

    with Session(engine) as session:
        if session.exec(select(School)).first() is not None:
            return
    if chat_configured:
        # Inventing an admin here would give the school to whoever runs the server, not the SENCO.
        typer.echo(f"No school yet in {_safe(_url())}. Make the first one, with its first admin (in Slack: "
                   "their member ID, Profile > More > Copy member ID), with the same settings as this server:")
        typer.echo('  sendbot init --school "Oak Primary" --admin U0123ABC45 --phase primary')
        typer.echo("It prints a one-time code that connects the workspace (/sen claim CODE); or link it here with "
                   "sendbot link slack <workspace id>. Until then chat says how to get set up (docs/admin.md).")
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


# --- reminders (issue 4): sendbot remind, sendbot reminders --preview, sendbot outbox ----------------------


def _reminder_clock(today: str | None):  # type: ignore[no-untyped-def]
    """Now; or, with --today, the end of that day (so everything due that day counts)."""
    from datetime import UTC, time

    if today is None:
        return lambda: datetime.now(UTC)
    moment = datetime.combine(_today(today), time(23, 59), tzinfo=ZoneInfo(get_settings().timezone)).astimezone(UTC)
    return lambda: moment


@app.command()
def remind(today: TodayOpt = None, school: SchoolOpt = None) -> None:
    """Plan and send every reminder and digest due by now (with --today: by the end of that day), then exit.

    For cron-driven installs and for operators. Safe beside a running `sendbot run`: a second run sends
    nothing more. Sends to Slack when SLACK_BOT_TOKEN (or OAuth) is set, otherwise prints the messages.
    """

    def go() -> None:
        import asyncio

        from bot.reminders.scheduler import run_once
        from bot.server import notifier_for

        clock = _reminder_clock(today)
        engine = _engine()
        ids = [_school_id(engine, school)] if school else None
        report = asyncio.run(run_once(engine, notifier_for(get_settings()), clock, school_ids=ids))
        d = report.delivery
        planned = report.plan.planned + report.digests.digests
        typer.echo(f"Planned {planned} new message{'s' if planned != 1 else ''}; sent {d.sent}"
                   + (f"; {d.retrying} will be retried" if d.retrying else "")
                   + (f"; {d.withdrawn} withdrawn (no longer wanted)" if d.withdrawn else "") + ".")
        if d.parked:
            typer.echo(f"sendbot: {d.parked} message{'s' if d.parked != 1 else ''} could not be delivered and "
                       f"{'were' if d.parked != 1 else 'was'} parked: see sendbot outbox.", err=True)

    _run(go)


@app.command()
def reminders(
    preview: Annotated[bool, typer.Option("--preview", help="List what would be sent, to whom, when.")] = False,
    start: Annotated[str | None, typer.Option("--from", help="First day (default: today).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day (default: two weeks after --from).")] = None,
    today: TodayOpt = None,
    school: SchoolOpt = None,
) -> None:
    """Preview the reminders and digests that would be sent between two days, if nothing changes."""

    def go() -> None:
        from datetime import UTC, time, timedelta

        from sqlmodel import select

        from bot.dates import ParseError, parse_date
        from bot.reminders.messages import step_words
        from bot.reminders.preview import preview as plan_preview
        from bot.reminders.steps import school_zone
        from bot.reply import initials
        from bot.rules.citations import KINDS
        from db.engine import transaction
        from db.models import Pupil, School, Staff

        if not preview:
            raise CliError("Add --preview (and --from/--to) to list what would be sent; sendbot outbox lists what "
                           "was sent or is stuck.")
        day = _today(today)
        try:
            first = parse_date(start, day) if start else day
            last = parse_date(end, day) if end else first + timedelta(days=13)
        except ParseError as e:
            raise CliError(f"--from/--to: {e}") from None
        if last < first:
            raise CliError(f"--to ({last.isoformat()}) is before --from ({first.isoformat()}).")
        if (last - first).days > 366:
            raise CliError("Preview at most a year at a time.")
        engine = _engine()
        sid = _school_id(engine, school)
        # As of the start of --today (what is already due shows first), or now.
        now = (datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(get_settings().timezone)).astimezone(UTC)
               if today else datetime.now(UTC))
        with transaction(engine) as session:
            s = session.get(School, sid)
            assert s is not None
            lines = plan_preview(session, s, first, last, now)
            zone = school_zone(s)
            pupils = {p.id: p for p in session.exec(select(Pupil).where(Pupil.school_id == sid)).all()}
            staff = {f"staff:{x.id}": x for x in session.exec(select(Staff).where(Staff.school_id == sid)).all()}
            channel = str(s.settings.get("reminders-channel") or "")
            name = s.name
        if first < day:
            typer.echo(f"(Past days are in the outbox: sendbot outbox --all. Previewing from {day.isoformat()}.)")
        typer.echo(f"{name}: what would be sent from {first:%a %d %b %Y} to {last:%a %d %b %Y}, if nothing changes.")
        for line in lines:
            when = line.at.astimezone(zone)
            who = (f"{channel} (channel)" if line.recipient == "channel"
                   else f"@{staff[line.recipient].handle} (DM)" if line.recipient in staff else line.recipient)
            if line.kind == "digest":
                what = "Weekly SEN digest"
            else:
                pupil = pupils.get(line.pupil_id)
                about = f" — {initials(pupil.name)} (#{pupil.id})" if pupil else ""
                due = f", due {line.due:%d %b %Y}" if line.due else ""
                what = f"{KINDS[line.kind].title}{about}{due} · {step_words(line.kind, line.step, line.due or day)}"
            typer.echo(f"{when:%a %d %b %H:%M}  {who:<24} {what}")
        typer.echo(f"{len(lines)} message{'s' if len(lines) != 1 else ''}.")

    _run(go)


@app.command()
def outbox(
    show_all: Annotated[bool, typer.Option("--all", help="Also list pending and recent messages.")] = False,
    retry: Annotated[str | None, typer.Option("--retry", help="Try parked messages again: a number, or 'all'.")]
    = None,
    today: TodayOpt = None,
    school: SchoolOpt = None,
) -> None:
    """The reminders outbox: how many messages are sent, waiting or parked, and why parked ones failed."""

    def go() -> None:
        from datetime import UTC

        from bot.reminders import outbox as box

        _today(today)
        engine = _engine()
        sid = _school_id(engine, school) if school else None
        if retry is not None:
            wanted = retry.strip().lstrip("#").lower()
            if wanted != "all" and not (wanted.isascii() and wanted.isdigit()):
                raise CliError(f"--retry takes a message number or 'all'; '{retry}' isn't one.")
            n = box.requeue(engine, datetime.now(UTC), None if wanted == "all" else [int(wanted)], sid)
            if wanted != "all" and n == 0:
                raise CliError(f"Message {wanted} is not parked, so there is nothing to retry.")
            typer.echo(f"{n} parked message{'s' if n != 1 else ''} will be tried again on the next delivery "
                       "(sendbot remind, or within a minute under sendbot run).")
            return
        counts = box.status_counts(engine, sid)
        order = ("sent", "pending", "sending", "parked", "snoozed", "withdrawn")
        summary = ", ".join(f"{counts.get(k, 0)} {k}" for k in order if counts.get(k)) or "empty"
        typer.echo(f"Outbox: {summary}.")
        statuses = ("parked", "pending", "sending", "sent", "withdrawn", "snoozed") if show_all else ("parked",)
        rows = box.listed(engine, statuses, sid, limit=200 if show_all else 1000)
        if not rows:
            if not show_all:
                typer.echo("Nothing is parked: every message was delivered or is waiting its turn.")
            return
        from sqlmodel import Session, col, select

        from db.models import Staff

        ids = {int(r.recipient.split(":", 1)[1]) for r in rows if r.recipient.startswith("staff:")}
        with Session(engine) as session:
            who = {f"staff:{x.id}": f"@{x.handle}"
                   for x in session.exec(select(Staff).where(col(Staff.id).in_(ids))).all()}
        who["channel"] = "the channel"
        typer.echo(f"{'NO.':>6}  {'STATUS':<9} {'SCHOOL':>6}  {'KIND':<22} {'TO':<16} {'TRIES':>5}  WHY")
        for r in rows:
            why = r.last_error or ("sent " + r.sent_at.strftime("%Y-%m-%d %H:%M UTC") if r.sent_at else "")
            to = who.get(r.recipient, r.recipient)
            typer.echo(f"{r.id:>6}  {r.status:<9} {r.school_id:>6}  {r.kind:<22} {to:<16} {r.attempts:>5}  {why}")
        if counts.get("parked"):
            typer.echo("Fix the cause (the reason says what), then: sendbot outbox --retry all")

    _run(go)


def _register_security() -> None:
    from bot.security.cli import register

    register(app, _run, _engine, lambda value: _today(value))


_register_security()
# --- operating it (issue 14): doctor, backup, restore, copy ---------------------------------------------------


@app.command()
def doctor(
    offline: Annotated[bool, typer.Option("--offline", help="Skip checks that call out (the public address).")]
    = False,
    today: TodayOpt = None,
) -> None:
    """Check the set-up: configuration, database, migrations, Slack, Teams, public address, clock, term dates.

    Each problem comes with what to do about it. Exit 1 if any check failed.
    """

    def go() -> int:
        from bot.doctor import run_checks
        from bot.slack.health import auth_test

        checks = run_checks(get_settings(), _today(today), public=not offline, slack_auth=auth_test)
        marks = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL", "skip": "-   "}
        for c in checks:
            typer.echo(f"{marks[c.status]} {c.name}: {c.detail}")
            if c.fix and c.status != "ok":
                typer.echo(f"     fix: {c.fix}")
        failed = sum(c.failed for c in checks)
        typer.echo("All good." if not failed else f"{failed} check{'s' if failed != 1 else ''} failed.")
        return 1 if failed else 0

    raise typer.Exit(_run(go))


def _ops(fn):  # type: ignore[no-untyped-def]
    import bot.tables  # noqa: F401  (backup, restore and copy migrate: every surface's migrations and tables)
    from bot.ops import OpsError

    def go():  # type: ignore[no-untyped-def]
        try:
            return fn()
        except OpsError as e:
            raise CliError(str(e)) from None

    return _run(go)


@app.command()
def backup(
    file: Annotated[Path, typer.Argument(help="Where to write the backup (a new file).", dir_okay=False)],
    today: TodayOpt = None,
) -> None:
    """Back up the database to FILE (SQLite: a consistent copy while sendbot runs; PostgreSQL: pg_dump)."""

    def go() -> None:
        from bot.ops import backup as do_backup

        _today(today)
        kind = do_backup(_url(), file)
        typer.echo(f"Backed up {_safe(_url())} to {file} ({kind}). It holds pupil data: keep it as safe as the "
                   "database. Restore with: sendbot restore FILE")

    _ops(go)


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(help="A file made by sendbot backup.", dir_okay=False)],
    replace: Annotated[bool, typer.Option("--replace", help="Replace a database that already holds a school.")]
    = False,
    today: TodayOpt = None,
) -> None:
    """Restore the database from FILE (made by sendbot backup), then upgrade its schema if it is older.

    Stop sendbot run first; restart it afterwards.
    """

    def go() -> None:
        from bot.ops import restore as do_restore

        _today(today)
        do_restore(_url(), file, replace=replace)
        typer.echo(f"Restored {file} into {_safe(_url())}; the schema is up to date.")

    _ops(go)


@app.command()
def copy(
    to: Annotated[str, typer.Option("--to", help="The new, empty database's URL, e.g. "
                                                 "postgresql+psycopg://sendbot@127.0.0.1:5432/sendbot.")],
    today: TodayOpt = None,
) -> None:
    """Copy everything from the configured database into another one (SQLite to PostgreSQL, say).

    Stop sendbot run first; then point SENDBOT_DATABASE_URL at the new database and start it again.
    """

    def go() -> None:
        from bot.ops import copy_database, safe_url

        _today(today)
        copied = copy_database(_url(), to)
        rows = sum(copied.values())
        typer.echo(f"Copied {rows} rows in {len(copied)} tables from {_safe(_url())} to {safe_url(to)}.")
        typer.echo(f"Next: set SENDBOT_DATABASE_URL={safe_url(to)} (with its password) and restart sendbot.")

    _ops(go)


# --- the SEN register from the school's MIS (bot/register; docs/onboarding.md) --------------------------------

FileArg = Annotated[Path, typer.Argument(help="The CSV file exported from the MIS.", exists=True, dir_okay=False,
                                         readable=True)]


def _read(file: Path) -> str:
    raw = file.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):  # Excel on Windows saves CSV as cp1252 unless told otherwise
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CliError(f"{file} is not a text file: export the register as CSV.")


def _mapping(pairs: list[str] | None) -> dict[str, str]:
    from bot.register.headers import FIELDS

    out: dict[str, str] = {}
    for pair in pairs or []:
        column, sep, fieldname = pair.rpartition("=")
        if not sep or not column.strip() or fieldname.strip() not in FIELDS:
            raise CliError(f"--map takes COLUMN=FIELD, where FIELD is one of {', '.join(FIELDS)}; '{pair}' isn't.")
        out[column.strip()] = fieldname.strip()
    return out


def _echo_list(title: str, items: list[str], limit: int = 50) -> None:
    if not items:
        return
    typer.echo(f"{title} ({len(items)}):")
    for item in items[:limit]:
        typer.echo(f"  {item}")
    if len(items) > limit:
        typer.echo(f"  … and {len(items) - limit} more")


@import_app.command("register")
def import_register(
    file: FileArg,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would change, and change nothing.")] = False,
    archive_missing: Annotated[bool, typer.Option("--archive-missing", help="Archive pupils on sendbot's register "
                                                                            "who are not in the file.")] = False,
    map_: Annotated[list[str] | None, typer.Option("--map", help="COLUMN=FIELD for a column sendbot does not "
                                                                 "recognise, e.g. --map \"Stage=provision\".")] = None,
    today: TodayOpt = None,
    school: SchoolOpt = None,
) -> None:
    """Import the SEN register from an MIS export: pupils, year, groups, census codes, support and plan dates."""
    def go() -> None:
        from sqlmodel import Session

        from bot.register.csv_import import apply_register, operator, read_register

        day = _today(today)
        rows, errors = read_register(_read(file), _mapping(map_))
        if errors:
            _echo_list("Rows that could not be read", [str(e) for e in errors])
            raise CliError(f"{len(errors)} row{'s' if len(errors) != 1 else ''} could not be read, so nothing was "
                           "imported: fix them in the MIS or the file and run the import again.")
        engine = _engine()
        sid = _school_id(engine, school)
        with Session(engine, expire_on_commit=False) as session:
            try:
                report = apply_register(session, operator(session, sid), rows, day, archive_missing=archive_missing)
            except BaseException:
                session.rollback()
                raise
            if dry_run:
                session.rollback()
            else:
                session.commit()
        verb = "Would add" if dry_run else "Added"
        typer.echo(f"{'Dry run: nothing was changed. ' if dry_run else ''}{len(rows)} rows read.")
        _echo_list(f"{verb} pupils", report.added)
        _echo_list("Would update" if dry_run else "Updated", report.updated)
        _echo_list("Would record" if dry_run else "Recorded", report.facts)
        _echo_list("Different in the file (sendbot's record kept; change it with a command if the file is right)",
                   report.differences)
        _echo_list("Warnings", report.warnings)
        if report.archived:
            _echo_list("Would archive" if dry_run else "Archived (not in the file)", report.archived)
        elif report.missing:
            _echo_list("On sendbot's register but not in the file (archive them with --archive-missing)",
                       report.missing)
        if report.skipped:
            typer.echo(f"{report.skipped} row{'s' if report.skipped != 1 else ''} with no SEN (N) and no record in "
                       "sendbot skipped.")
        if not report.changed:
            typer.echo(f"Nothing {'would change' if dry_run else 'changed'}: the register already matches the file "
                       f"({report.unchanged} pupils).")

    _run(go)


@import_app.command("staff")
def import_staff(
    file: FileArg,
    today: TodayOpt = None,
    school: SchoolOpt = None,
) -> None:
    """Import the staff list (name, email, role, class) and match each person to their chat user by e-mail."""
    def go() -> None:
        from bot.config import get_settings
        from bot.register.csv_import import operator
        from bot.register.directory import DirectoryError
        from bot.register.staff_import import apply_staff, read_staff
        from bot.slack.directory import slack_lookup
        from db.engine import transaction

        _today(today)
        rows, errors = read_staff(_read(file))
        if errors:
            _echo_list("Rows that could not be read", [str(e) for e in errors])
            raise CliError(f"{len(errors)} row{'s' if len(errors) != 1 else ''} could not be read, so nothing was "
                           "imported.")
        settings = get_settings()
        engine = _engine()
        sid = _school_id(engine, school)
        emails = [r.email for r in rows]
        found: dict[str, str | None] = dict.fromkeys(emails)
        asked = []
        try:
            if settings.slack_configured:
                from bot.slack.notify import default_token_for

                token = default_token_for(settings)(sid)  # SLACK_BOT_TOKEN, or the school's installation
                if token:
                    asked.append("Slack")
                    found.update({k: v for k, v in slack_lookup(settings, emails, token).items() if v})
            if settings.graph_configured:
                from bot.teams.directory import graph_lookup

                asked.append("Microsoft 365")
                missing = [e for e in emails if not found[e]]
                found.update({k: v for k, v in graph_lookup(settings, missing).items() if v})
        except DirectoryError as e:
            raise CliError(f"{e} Nothing was imported.") from None
        with transaction(engine) as session:
            report = apply_staff(session, operator(session, sid), rows, found)
        typer.echo(f"{len(rows)} staff read.")
        _echo_list("Added", report.added)
        _echo_list("Updated", report.updated)
        if not asked:
            typer.echo("No chat platform is configured, so no one was matched to a chat user: they can use the "
                       "console handles shown, or be matched after Slack or Teams is set up (run this again).")
        else:
            _echo_list(f"No {' or '.join(asked)} user has these e-mails (add them by mention: /sen staff add "
                       "@Name role:…)", report.unmatched)
        if not (report.added or report.updated):
            typer.echo(f"Nothing changed: the staff list already matches the file ({report.unchanged} staff).")

    _run(go)


@sync_app.command("wonde")
def sync_wonde(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would change, and change nothing.")] = False,
    today: TodayOpt = None,
    school: SchoolOpt = None,
) -> None:
    """Bring the register in line with the MIS through Wonde (WONDE_TOKEN, WONDE_SCHOOL_ID): SEN pupils, their
    groups and census codes, and the classes staff teach. Facts recorded in sendbot are never overwritten."""
    def go() -> None:
        from bot.config import get_settings
        from bot.register.wonde import WondeError, run_sync

        settings = get_settings()
        if not settings.wonde_configured:
            raise CliError("Wonde is not set up: set WONDE_TOKEN and WONDE_SCHOOL_ID (the school approves sendbot "
                           "in Wonde first).")
        day = _today(today)
        engine = _engine()
        sid = _school_id(engine, school)
        try:
            result = run_sync(engine, settings, sid, day, dry_run=dry_run)
        except WondeError as e:
            raise CliError(f"{e} Nothing was changed.") from None
        report = result.report
        typer.echo(f"{'Dry run: nothing was changed. ' if dry_run else ''}Read {result.students} students and "
                   f"{result.employees} employees from Wonde"
                   + (f" (waited {result.waited} time{'s' if result.waited != 1 else ''} when Wonde asked us to "
                      "slow down)." if result.waited else "."))
        _echo_list("Would add pupils" if dry_run else "Added pupils", report.added)
        _echo_list("Would update" if dry_run else "Updated", report.updated + result.staff_changes)
        _echo_list("Would record" if dry_run else "Recorded", report.facts)
        _echo_list("Different in the MIS (sendbot's record kept; change it with a command if the MIS is right)",
                   report.differences)
        _echo_list("Not read", result.skipped + report.warnings)
        _echo_list("On sendbot's register but not in the MIS", report.missing)
        if not (report.changed or result.staff_changes):
            typer.echo("Nothing changed: the register already matches the MIS.")

    _run(go)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()

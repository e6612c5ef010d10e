"""``sendbot import register|staff`` and ``sendbot sync wonde``: thin typer commands over bot/register.

Mounted on the ``sendbot`` app by bot/cli.py; the shared helpers (engine, --today, --school, friendly errors)
are bot/cli.py's, imported when a command runs.
"""

from pathlib import Path
from typing import Annotated

import typer

import_app = typer.Typer(help="Import the SEN register or the staff list from an MIS export (CSV).",
                         no_args_is_help=True)
sync_app = typer.Typer(help="Bring the register in line with the school's MIS.", no_args_is_help=True)

TodayOpt = Annotated[str | None, typer.Option("--today", help="Act as of this day (YYYY-MM-DD, 12/03/2026 …).")]
SchoolOpt = Annotated[str | None, typer.Option("--school", help="The school's name or number, when the database "
                                                                "holds several.")]
FileArg = Annotated[Path, typer.Argument(help="The CSV file exported from the MIS.", exists=True, dir_okay=False,
                                         readable=True)]


def _read(file: Path) -> str:
    from bot.cli import CliError

    raw = file.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):  # Excel on Windows saves CSV as cp1252 unless told otherwise
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CliError(f"{file} is not a text file: export the register as CSV.")


def _mapping(pairs: list[str] | None) -> dict[str, str]:
    from bot.cli import CliError
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
    from bot.cli import CliError, _engine, _run, _school_id, _today

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
    from bot.cli import CliError, _engine, _run, _school_id, _today

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
    from bot.cli import CliError, _engine, _run, _school_id, _today

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

"""``sendbot encryption …`` and ``sendbot retention``: thin commands over bot.security."""

from typing import Annotated

import typer

encryption_app = typer.Typer(help="Encryption at rest of parent contacts and Slack tokens (SENDBOT_ENCRYPTION_KEY).",
                             no_args_is_help=True)


TodayOpt = Annotated[str | None, typer.Option("--today", help="Act as of this day (unused here; every sendbot "
                                                               "subcommand takes it).")]


@encryption_app.command("new-key")
def new_key(today: TodayOpt = None) -> None:
    """Print a new Fernet key for SENDBOT_ENCRYPTION_KEY (keep it secret, and backed up apart from the data)."""
    from bot.security.crypto import new_key as make

    typer.echo(make())


def register(app: typer.Typer, run, engine, today) -> None:  # type: ignore[no-untyped-def]
    """Add these commands to the ``sendbot`` app (``run``, ``engine`` and ``today`` are bot.cli's helpers)."""
    app.add_typer(encryption_app, name="encryption")

    @encryption_app.command("rotate")
    def rotate(today: TodayOpt = None) -> None:
        """Re-encrypt every stored contact and Slack token with the first key in SENDBOT_ENCRYPTION_KEY
        (after putting a new key first); then the old keys can be removed."""

        def go() -> None:
            from bot.security.crypto import CannotDecrypt, KeyMissing, rotate_stored

            try:
                # engine() is bot.cli's: it imports bot.tables, so every surface has registered its encrypted columns.
                counts = rotate_stored(engine())
            except (CannotDecrypt, KeyMissing) as e:
                typer.echo(f"sendbot: {e}. Nothing was changed.", err=True)
                raise typer.Exit(1) from None
            typer.echo("Re-encrypted with the first key: " + ", ".join(f"{n} value(s) in {t}"
                                                                      for t, n in counts.items()))

        run(go)

    @app.command("retention")
    def retention(
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Only report what would be removed.")] = False,
        today: Annotated[str | None, typer.Option("--today", help="Act as of this day (YYYY-MM-DD …).")] = None,
    ) -> None:
        """Apply the retention rules now: remove left pupils' SEN records past date of birth + retention-years
        (default 31) and reminders older than 90 days; report what was removed."""

        def go() -> None:
            from bot.security.retention import apply_retention

            report = apply_retention(engine(), today(value=today), dry_run=dry_run)
            for line in report.lines():
                typer.echo(line)

        run(go)

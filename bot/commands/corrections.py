"""history, remove, fix, undo, pupil edit and audit: correcting the record (COMMANDS v2)."""

from typing import Any

from bot.commands.context import Ctx
from bot.commands.grammar import Arg, Command, Opt
from bot.reply import Item, Reply
from bot.services import corrections as svc
from bot.services.lookup import find_pupil

PUPIL = Arg("pupil", "pupil", help='a name in quotes ("Ava Smith"), a unique prefix (ava), #id or a UPN')
REF = Arg("ref", help="the fact's reference, e.g. m12 (/sen history <pupil> lists them)")


def history(ctx: Ctx, v: dict[str, Any]) -> Reply:
    pupil = find_pupil(ctx.session, ctx.actor, v["pupil"], include_archived=True)
    rows = svc.history(ctx.session, ctx.actor, pupil)
    if not rows:
        return Reply(f"Nothing is recorded about {pupil.name} (#{pupil.id}) yet.")
    return Reply(f"The record of {pupil.name} (#{pupil.id}), newest first: {len(rows)}",
                 items=[Item(f"{ref}: {what}") for ref, _, what in rows],
                 lines=["Correct one with /sen fix <ref> <date>, or withdraw it with /sen remove <ref>."])


def remove(ctx: Ctx, v: dict[str, Any]) -> Reply:
    what, pupil = svc.remove(ctx.session, ctx.actor, v["ref"], ctx.today)
    return Reply(f"Removed {v['ref'].lower()} from {pupil.name}'s record: {what}.",
                 lines=["Deadlines and reminders are recomputed. /sen undo puts it back."])


def fix(ctx: Ctx, v: dict[str, Any]) -> Reply:
    before, after, pupil = svc.fix(ctx.session, ctx.actor, v["ref"], v["date"], ctx.today)
    return Reply(f"Corrected {v['ref'].lower()} for {pupil.name}: {after} (was: {before}).",
                 lines=["Deadlines and reminders are recomputed. /sen undo puts it back."])


def undo(ctx: Ctx, v: dict[str, Any]) -> Reply:
    what = svc.undo(ctx.session, ctx.actor, ctx.today)
    return Reply(f"Undone: your last change ({what}). Deadlines and reminders are recomputed.")


EDIT_KEYS = ("name", "year", "class", "teacher", "upn", "dob", "need", "need2")


def pupil_edit(ctx: Ctx, v: dict[str, Any]) -> Reply:
    changes = {k: v[k] for k in EDIT_KEYS if k in v}
    pupil, done = svc.edit_pupil(ctx.session, ctx.actor, v["pupil"], changes, ctx.today)
    return Reply(f"Updated {pupil.name} (#{pupil.id}): {', '.join(done)}.")


COMMANDS = [
    Command(("history",), "Every recorded fact about a pupil, with its reference, newest first.", history,
            args=(PUPIL,), examples=("/sen history ava",), reads=True),
    Command(("remove",), "Withdraw a fact recorded by mistake (audited; deadlines recompute).", remove, args=(REF,),
            examples=("/sen remove m12",)),
    Command(("fix",), "Correct a fact's date (audited; deadlines recompute).", fix,
            args=(REF, Arg("date", "date")), examples=("/sen fix m12 2026-03-12",)),
    Command(("undo",), "Undo your own last change (within 24 hours).", undo),
    Command(("pupil", "edit"), "Correct a pupil's details.", pupil_edit, args=(PUPIL,),
            opts=(Opt("name", placeholder="name", max_len=200), Opt("year", placeholder="N|R|1..14"),
                  Opt("class", placeholder="c", max_len=200,
                      help="the classes or sets, e.g. 10X1,10Y2"), Opt("teacher", "staff", placeholder="staff"),
                  Opt("upn", placeholder="upn", max_len=13), Opt("dob", "date", placeholder="date", past=True),
                  Opt("need", placeholder="code", help="census SEN type: " + ", ".join(svc.NEED_CODES)),
                  Opt("need2", placeholder="code", help="secondary need, as need:")),
            examples=('/sen pupil edit ava year:6 class:6B need:SPLD',)),
]

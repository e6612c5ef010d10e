"""term edit, term remove and closure days (RULES v2, "Half-terms and closures")."""

from datetime import date
from typing import Any

from bot.commands.context import Ctx
from bot.commands.grammar import Arg, Command, Opt
from bot.dates import ParseError, parse_date
from bot.reply import Item, Reply, day
from bot.services import terms as svc

HALF_TERM = Opt("half-term", placeholder="date..date", help="the half-term break inside the term, e.g. "
                "2026-10-26..2026-10-30")


def half_term(text: str | None, today: date) -> tuple[date, date] | None:
    """``2026-10-26..2026-10-30`` (or one day); either date in any form a date takes."""
    if not text:
        return None
    first, sep, last = text.partition("..")
    try:
        a = parse_date(first, today)
        b = parse_date(last, today) if sep else a
    except ParseError as e:
        raise ParseError(f"half-term: {e} Give it as <first day>..<last day>, e.g. half-term:2026-10-26..2026-10-30.")\
            from None
    return a, b


def term_edit(ctx: Ctx, v: dict[str, Any]) -> Reply:
    term = svc.edit_term(ctx.session, ctx.actor, v["name"], v["start"], v["end"], ctx.today,
                         half_term(v.get("half-term"), ctx.today))
    half = (f"; half-term {day(term.half_term_start)} – {day(term.half_term_end)}"
            if term.half_term_start else "")
    return Reply(f"Changed {term.name}: {day(term.start)} to {day(term.end)}{half}.",
                 lines=["Parent-meeting deadlines and reminders follow the new dates."])


def term_remove(ctx: Ctx, v: dict[str, Any]) -> Reply:
    name = svc.remove_term(ctx.session, ctx.actor, v["name"], ctx.today)
    return Reply(f"Removed the term {name}.",
                 lines=["A school year left with no terms gets estimated ones, so parent meetings never stop."])


def closure_add(ctx: Ctx, v: dict[str, Any]) -> Reply:
    c = svc.add_closure(ctx.session, ctx.actor, v["start"], v.get("end"), v["reason"], ctx.today)
    when = day(c.start) if c.start == c.end else f"{day(c.start)} to {day(c.end)}"
    return Reply(f"Recorded a closure: {when} ({c.reason}). Reminders skip it.")


def closure_list(ctx: Ctx, v: dict[str, Any]) -> Reply:
    rows = svc.list_closures(ctx.session, ctx.actor)
    if not rows:
        return Reply("No closure days recorded.", lines=['Add one: /sen closure add 2026-09-01 "INSET day"'])
    return Reply(f"{len(rows)} closure{'s' if len(rows) != 1 else ''}",
                 items=[Item(f"{day(c.start)}{' – ' + day(c.end) if c.end != c.start else ''}: {c.reason}")
                        for c in rows])


def closure_remove(ctx: Ctx, v: dict[str, Any]) -> Reply:
    c = svc.remove_closure(ctx.session, ctx.actor, v["date"], ctx.today)
    return Reply(f"Removed the closure on {day(c.start)} ({c.reason}).")


NAME = Arg("name", help="the term's name, in quotes", max_len=120)

COMMANDS = [
    Command(("term", "edit"), "Change a term's dates (and its half-term).", term_edit,
            args=(NAME, Arg("start", "date"), Arg("end", "date")), opts=(HALF_TERM,),
            examples=('/sen term edit "Autumn 2026" 2026-09-03 2026-12-18 half-term:2026-10-26..2026-10-30',)),
    Command(("term", "remove"), "Remove a term.", term_remove, args=(NAME,),
            examples=('/sen term remove "Autumn 2026"',)),
    Command(("closure", "add"), "Record INSET or other closure days (not school days for reminders).", closure_add,
            args=(Arg("start", "date"), Arg("end", "date", optional=True),
                  Arg("reason", help="why, in quotes", max_len=120)),
            examples=('/sen closure add 2026-09-01 "INSET day"', '/sen closure add 2026-09-01 2026-09-02 "INSET"')),
    Command(("closure", "list"), "List the closure days.", closure_list, reads=True),
    Command(("closure", "remove"), "Remove a closure day.", closure_remove, args=(Arg("date", "date"),)),
]

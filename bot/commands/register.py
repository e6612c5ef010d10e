"""census, export register and provision: the register as a SENCO reports it."""

from typing import Any

from bot.commands.context import Ctx
from bot.commands.grammar import Arg, Command, Opt
from bot.register import provision as prov
from bot.register import service as svc
from bot.reply import Item, Reply, year_label
from bot.rules.census import NEEDS


def census(ctx: Ctx, v: dict[str, Any]) -> Reply:
    problems = svc.census_preflight(ctx.session, ctx.actor, ctx.today)
    if not problems:
        return Reply("Nothing on the register would fail the census checks sendbot knows.",
                     lines=["Checked: NSA only with K; E with a plan recorded; K and E with a primary need; a "
                            "secondary need only with a primary one."])
    items = [Item(f"{e.pupil.name} (#{e.pupil.id}) — {year_label(e.year)}, provision {e.provision}",
                  "; ".join(p.message for p in ps)) for e, ps in problems]
    return Reply(f"{len(items)} pupil{'s' if len(items) != 1 else ''} would fail the January census checks",
                 items=items,
                 lines=["Correct the MIS and import the register again (sendbot import register), or record a "
                        "missing plan here: /sen ehcp issued <pupil> <date>."])


def export_register(ctx: Ctx, v: dict[str, Any]) -> Reply:
    text, n = svc.register_csv(ctx.session, ctx.actor, ctx.today)
    return Reply(f"The SEN register: {n} pupil{'s' if n != 1 else ''} (CSV, for governors and Ofsted; it reads "
                 "back in with sendbot import register).", attachment=text)


def _money(x: float) -> str:
    return f"£{x:,.2f}"


def provision(ctx: Ctx, v: dict[str, Any]) -> Reply:
    pm = prov.provision_map(ctx.session, ctx.actor, ctx.today, ref=v.get("pupil"), need=v.get("need"),
                            class_name=v.get("class"))
    term = f"{pm.term.name}{' (estimated)' if pm.term.estimated else ''}"
    if not pm.pupils:
        return Reply(f"No timed interventions this term ({term}) for what you asked.",
                     lines=['Give interventions sessions: and minutes: (/sen intervention add … sessions:3 '
                            'minutes:30) so they count here.'])
    items = [Item(f"{x.pupil.name} (#{x.pupil.id}): {x.hours:.1f} h, {_money(x.cost)}", ", ".join(x.interventions))
             for x in pm.pupils]
    lines = ["By primary need: " + "; ".join(
        f"{n}: {h:.1f} h, {_money(c)}" for n, (h, c) in pm.by_need.items())]
    if pm.unpriced:
        lines.append(f"No hourly cost set for {', '.join(pm.unpriced)}: those hours are costed at £0. Set it with "
                     "/sen settings hourly-cost:\"ta=18 teacher=38\".")
    if pm.untimed:
        lines.append(f"{pm.untimed} intervention{'s' if pm.untimed != 1 else ''} without sessions:/minutes: "
                     "left out.")
    return Reply(f"Provision this term ({term}, {pm.term.start:%d %b} – {pm.term.end:%d %b %Y})",
                 fields=[("Interventions", str(pm.interventions)), ("Staff hours", f"{pm.total_hours:.1f}"),
                         ("Cost", _money(pm.total_cost))], items=items, lines=lines)


COMMANDS = [
    Command(("census",), "Pupils whose SEN data would fail the January school census checks.", census),
    Command(("export", "register"), "The SEN register as CSV (for governors and Ofsted).", export_register),
    Command(("provision",), "Hours and cost of interventions this term, per pupil, per need and in total.",
            provision, args=(Arg("pupil", "pupil", optional=True, help="one pupil (name, #id or UPN)"),),
            opts=(Opt("need", placeholder="code", help=f"one primary need: {', '.join(NEEDS)}"),
                  Opt("class", placeholder="c", help="one class or set")),
            examples=("/sen provision", "/sen provision need:ASD", "/sen provision class:10X1")),
]

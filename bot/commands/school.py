"""due, digest, feed, reminders, staff, terms, settings, SENCO appointments."""

from typing import Any

from bot.commands.context import Ctx, day, deadline_item
from bot.commands.grammar import Arg, Command, Opt
from bot.commands.reply import Item, Reply
from bot.rules.school import SENCO_DUTY_START
from bot.services import reports
from bot.services import school as svc
from bot.services.errors import Refused
from bot.services.school import SETTING_KEYS


def due(ctx: Ctx, v: dict[str, Any]) -> Reply:
    window = v.get("window") or "month"
    scope = v.get("scope") or ("mine" if ctx.actor.role == "teacher" else "all")
    items = reports.due(ctx.session, ctx.actor, window, scope, ctx.today)
    label = {"overdue": "Overdue", "week": "Due in the next 7 days", "month": "Due in the next month",
             "term": "Due by the end of term"}[window]
    whose = "yours" if scope == "mine" else "whole school"
    if not items:
        return Reply(f"{label} ({whose}): nothing. 🎉" if window != "overdue" else f"Nothing overdue ({whose}).")
    return Reply(f"{label} ({whose}): {len(items)}", items=[deadline_item(i, ctx.today) for i in items])


def digest(ctx: Ctx, v: dict[str, Any]) -> Reply:
    d = reports.digest(ctx.session, ctx.actor, ctx.today)
    lines: list[str] = []

    def section(title: str, items: list[reports.DueItem]) -> None:
        if items:
            lines.append(f"*{title}* ({len(items)})")
            for i in items:
                it = deadline_item(i, ctx.today)
                lines.append(f"  • {it.title}\n      {it.detail}")

    section("Overdue — school duties", d.overdue_school)
    section("Overdue — LA late: consider challenging", d.overdue_la)
    section("Due this week", d.this_week)
    section("Next four weeks", d.next_four_weeks)
    if d.no_meeting_this_term:
        names = ", ".join(f"{name} (#{pid})" for pid, name in d.no_meeting_this_term)
        lines.append(f"*On SEN support, no parent meeting yet this term* ({len(d.no_meeting_this_term)}): {names}")
    section("Interventions due for review", d.interventions_due)
    section("Appeal windows open", d.appeals_open)
    if d.senco:
        section("SENCO qualification", d.senco)
    if not lines:
        lines.append("Nothing overdue and nothing due in the next four weeks.")
    term = f" — {d.term_name}" if d.term_name else ""
    return Reply(f"Weekly SEN digest for {d.school}, week of {day(ctx.today)}{term}", lines=lines)


def feed(ctx: Ctx, v: dict[str, Any]) -> Reply:
    raise Refused("iCal feeds are not switched on in this version yet: they arrive with the web server. "
                  "Meanwhile /sen due and /sen digest show the same deadlines.")


def reminder_done(ctx: Ctx, v: dict[str, Any]) -> Reply:
    raise Refused("Reminders are not switched on in this version yet, so there is no reminder to mark done. "
                  "Record the fact itself instead (e.g. /sen meeting, /sen ehcp reviewed).")


def reminder_snooze(ctx: Ctx, v: dict[str, Any]) -> Reply:
    raise Refused("Reminders are not switched on in this version yet, so there is nothing to snooze.")


def staff_add(ctx: Ctx, v: dict[str, Any]) -> Reply:
    handle, display = v["staff"]
    staff, created = svc.add_staff(ctx.session, ctx.actor, handle, v.get("name") or display, v["role"],
                                   v.get("class"))
    verb = "Added" if created else "Updated"
    of_class = f" of class {staff.class_name}" if staff.class_name else ""
    return Reply(f"{verb} @{staff.handle} as {staff.role}{of_class}.")


def staff_list(ctx: Ctx, v: dict[str, Any]) -> Reply:
    rows = svc.list_staff(ctx.session, ctx.actor)
    return Reply(f"{len(rows)} staff", items=[
        Item(f"@{s.handle}{' (' + s.display_name + ')' if s.display_name else ''} — {s.role}"
             f"{', class ' + s.class_name if s.class_name else ''}") for s in rows])


def term_add(ctx: Ctx, v: dict[str, Any]) -> Reply:
    term, replaced = svc.add_term(ctx.session, ctx.actor, v["name"], v["start"], v["end"], ctx.today)
    extra = [f"It replaces {replaced} estimated term{'s' if replaced != 1 else ''}."] if replaced else []
    return Reply(f"Added {term.name}: {day(term.start)} to {day(term.end)}.", lines=extra)


def term_list(ctx: Ctx, v: dict[str, Any]) -> Reply:
    terms = svc.list_terms(ctx.session, ctx.actor)
    if not terms:
        return Reply("No terms yet.", lines=['Add one: /sen term add "Autumn 2026" 2026-09-03 2026-12-18'])
    lines = []
    if any(t.estimated for t in terms):
        lines.append("Terms marked (estimated) are guesses: replace them with your real dates (/sen term add, or "
                     "sendbot terms import FILE).")
    return Reply(f"{len(terms)} terms", lines=lines,
                 items=[Item(f"{t.name}: {day(t.start)} – {day(t.end)}") for t in terms])


def settings(ctx: Ctx, v: dict[str, Any]) -> Reply:
    changes = {k: val for k, val in v.items() if k in SETTING_KEYS}
    if changes:
        svc.change_settings(ctx.session, ctx.actor, changes, ctx.today)
    elif ctx.actor.role == "teacher":
        raise Refused("Settings are for admins, the SENCO and leaders to see, and for admins to change.")
    school = svc.get_school(ctx.session, ctx.actor.school_id)
    view = svc.settings_view(school)
    title = "Settings changed." if changes else f"Settings for {school.name}"
    return Reply(title, fields=list(view.items()),
                 lines=[] if changes else ["Change one with /sen settings key:value, e.g. digest-day:friday"])


def senco_appointed(ctx: Ctx, v: dict[str, Any]) -> Reply:
    handle, display = v["staff"]
    a = svc.senco_appointed(ctx.session, ctx.actor, handle, display, v["date"], v.get("prior-months") or 0)
    if a.appointed_on <= SENCO_DUTY_START or a.prior_months > 12:
        why = ("appointed before 1 Sep 2009" if a.appointed_on <= SENCO_DUTY_START
               else "more than 12 months as a SENCO before")
        note = f"No qualification deadline: {why} (Regs 49(4))."
    else:
        deadlines = [i for i in reports.all_deadlines(ctx.session, ctx.actor.school_id, ctx.today)
                     if i.kind == "senco_qualification" and i.staff_id == a.staff_id and i.status != "done"]
        note = f"The NPQ for SENCOs must be gained by {day(deadlines[-1].due)} (Regs 49(4))." if deadlines else ""
    return Reply(f"Recorded the SENCO appointment on {day(a.appointed_on)}.", lines=[note] if note else [])


def senco_qualified(ctx: Ctx, v: dict[str, Any]) -> Reply:
    handle, display = v["staff"]
    award = v.get("award") or "npq"
    svc.senco_qualified(ctx.session, ctx.actor, handle, display, v["date"], award)
    label = "NPQ for SENCOs" if award == "npq" else "NASENCO award"
    return Reply(f"Recorded the {label} gained on {day(v['date'])}. Well done!")


STAFF = Arg("staff", "staff", help="a mention (@alice, <@U123ABC>) or a handle")
DATE = Arg("date", "date")

COMMANDS = [
    Command(("due",), "What is due: overdue, this week, this month or this term; yours or the school's.", due,
            args=(Arg("window", choices=("overdue", "week", "month", "term"), optional=True),
                  Arg("scope", choices=("mine", "all"), optional=True)),
            examples=("/sen due week", "/sen due overdue all")),
    Command(("digest",), "The weekly SEN digest, now.", digest),
    Command(("feed",), "An iCal subscription link (only you see it).", feed,
            args=(Arg("which", choices=("mine", "school"), optional=True),)),
    Command(("done",), "Mark a reminder done.", reminder_done, args=(Arg("reminder", "text"),)),
    Command(("snooze",), "Snooze a reminder.", reminder_snooze,
            args=(Arg("reminder", "text"), Arg("for", "text", help="+Nd or +Nw, e.g. +1w"))),
    Command(("staff", "add"), "Add a member of staff (or change their role).", staff_add, args=(STAFF,),
            opts=(Opt("role", choices=("teacher", "senco", "leader", "admin"), required=True),
                  Opt("class", placeholder="c", help="the class a teacher teaches"),
                  Opt("name", placeholder="name", help="their name as colleagues know it")),
            examples=("/sen staff add @alice role:teacher class:5B",)),
    Command(("staff", "list"), "List the staff sendbot knows.", staff_list),
    Command(("term", "add"), "Add a real term (replaces estimated terms it overlaps).", term_add,
            args=(Arg("name", help="the term's name, in quotes"), Arg("start", "date"), Arg("end", "date")),
            examples=('/sen term add "Autumn 2026" 2026-09-03 2026-12-18',)),
    Command(("term", "list"), "List the school's terms.", term_list),
    Command(("settings",), "Show or change the school's settings.", settings,
            opts=(Opt("phase", choices=("primary", "infant", "junior", "middle", "secondary", "all-through",
                                        "special")),
                  Opt("transfer-years", placeholder="years", help="year groups that transfer, e.g. 6,11"),
                  Opt("info-report", "date", placeholder="date", help="when the SEN information report was "
                                                                    "last published"),
                  Opt("reminder-time", placeholder="HH:MM"), Opt("digest-day", placeholder="day"),
                  Opt("reminders-channel", placeholder="channel"),
                  Opt("names-in-feeds", choices=("yes", "no")))),
    Command(("senco", "appointed"), "Record a SENCO's appointment (starts the 3-year qualification clock).",
            senco_appointed, args=(STAFF, DATE),
            opts=(Opt("prior-months", "int", placeholder="n", help="months already served as a SENCO elsewhere"),)),
    Command(("senco", "qualified"), "Record a SENCO's qualification.", senco_qualified, args=(STAFF, DATE),
            opts=(Opt("award", choices=("npq", "nasenco")),)),
]

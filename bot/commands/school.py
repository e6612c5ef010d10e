"""due, digest, feed, reminders, staff, terms, settings, SENCO appointments."""

from typing import Any

from bot.commands.context import Ctx, deadline_item
from bot.commands.grammar import Arg, Command, Opt
from bot.reply import Action, Item, Reply, day
from bot.rules.citations import how_to_record
from bot.rules.school import SENCO_DUTY_START
from bot.services import reports
from bot.services import school as svc
from bot.services.errors import Refused
from bot.services.school import SETTING_KEYS


def due(ctx: Ctx, v: dict[str, Any]) -> Reply:
    window = v.get("window") or "month"
    scope = v.get("scope") or ("mine" if ctx.actor.classroom else "all")
    items = reports.due(ctx.session, ctx.actor, window, scope, ctx.today)
    label = {"overdue": "Overdue", "week": "Due in the next 7 days", "month": "Due in the next month",
             "term": "Due by the end of term"}[window]
    whose = "yours" if scope == "mine" else "whole school"
    if window == "overdue":
        if not items:
            return Reply(f"Nothing overdue ({whose}).")
        title = f"{label} ({whose}): {items.counted}"
        lines = []
    else:
        # Say what is listed: the window's deadlines and, counted apart, those already overdue (the list is
        # capped, so the overdue count is its own query).
        if not items:
            return Reply(f"{label} ({whose}): nothing, and nothing overdue. 🎉")
        late = reports.due(ctx.session, ctx.actor, "overdue", scope, ctx.today, limit=1)
        if items.total > reports.COUNTED:  # a long list is not counted to the end (docs/decisions.md)
            title = f"{label} ({whose}): {items.counted}, {late.counted} of them overdue"
        else:
            title = f"{label} ({whose}): {items.total - late.total} due, and {late.total} overdue"
        lines = ["Overdue first, then what is due; /sen done D<number> or /sen snooze D<number> +1w answers one."]
    if items.more:
        lines.append(f"Showing the first {len(items)} of {items.counted}. Narrow it down: {_narrower(window, scope)}.")
    return Reply(title, lines=lines, items=[deadline_item(i, ctx.today) for i in items])


def _narrower(window: str, scope: str) -> str:
    """What to type for a shorter list (the long list is capped: docs/decisions.md, "Bounded lists")."""
    shorter = [w for w in ("overdue", "week") if w != window]
    hints = [f"/sen due {w}{' mine' if scope == 'mine' else ''}" for w in shorter]
    if scope != "mine":
        hints.append(f"/sen due {window} mine")
    return " or ".join(hints)


HOME_LIMIT = 80  # a surface's home view holds about a hundred blocks: the rest is headings and buttons


def home(ctx: Ctx, v: dict[str, Any]) -> Reply:
    """The person's home view: what is overdue and due in the next month, each with what to do about it.

    Teachers see their pupils' deadlines and their own; the SENCO, admins and leaders see the school's. A
    surface renders it where it shows a home (Slack's App Home tab).
    """
    actor = ctx.actor
    items = reports.due(ctx.session, actor, "month", "mine" if actor.classroom else "all", ctx.today)
    whose = "your pupils and you" if actor.classroom else svc.get_school(ctx.session, actor.school_id).name
    shown: list[Item] = []
    for item in items[:HOME_LIMIT]:
        entry = deadline_item(item, ctx.today)
        group = "Overdue" if item.status == "overdue" else "Due in the next month"
        shown.append(Item(entry.title, entry.detail, _home_actions(item, actor.role), group))
    lines = [f"For {whose}, as of {day(ctx.today)}. Only you see this."]
    if not items:
        lines.append("Nothing overdue and nothing due in the next month. 🎉")
    elif items.total > len(shown):
        # Home is rebuilt after every change, so it stays small (docs/decisions.md, "Bounded lists").
        hidden = f"more than {reports.COUNTED - len(shown)}" if items.total > reports.COUNTED \
            else str(items.total - len(shown))
        lines.append(f"…and {hidden} more: /sen due overdue or /sen due week shows a shorter "
                     "list.")
    actions = [] if actor.role == "leader" else [
        Action("Add a pupil", "/sen pupil add"), Action("Log a parent meeting", "/sen meeting"),
        Action("Add an intervention", "/sen intervention add")]
    # Overdue first, then the rest, each group in date order (reports.due sorts by date).
    shown.sort(key=lambda i: i.group != "Overdue")
    return Reply("SEN deadlines", lines=lines, items=shown, actions=actions)


def _home_actions(item: reports.DueItem, role: str) -> tuple[Action, ...]:
    """Beside an item: record it (a meeting, an intervention review), else open the pupil; nothing for leaders
    (they read deadlines, not pupil records) or school-level dates."""
    if item.pupil_id is None or role == "leader":
        return ()
    recording = [Action(label, command) for label, command in how_to_record(item.kind, item.pupil_id, item.detail)
                 ] if item.kind in ("parent_meeting", "intervention_review") else []
    if item.kind == "intervention_review" and recording:
        recording.append(Action("Open the pupil", f"/sen pupil show #{item.pupil_id}"))
    return tuple(recording) or (Action("Open", f"/sen pupil show #{item.pupil_id}"),)


def digest(ctx: Ctx, v: dict[str, Any]) -> Reply:
    d = reports.digest(ctx.session, ctx.actor, ctx.today)
    lines: list[str] = []

    def section(title: str, items: reports.DueList) -> None:
        if items:
            lines.append(f"*{title}* ({items.counted})")
            for i in items:
                it = deadline_item(i, ctx.today)
                lines.append(f"  • {it.title}\n      {it.detail}")
            if items.more:
                lines.append(f"  … and {items.more_counted} more: /sen due overdue, /sen due week or /sen due month "
                             "lists them.")

    section("Overdue — school duties", d.overdue_school)
    section("Overdue — LA late: consider challenging", d.overdue_la)
    section("Due this week", d.this_week)
    section("Next four weeks", d.next_four_weeks)
    if d.no_meeting_this_term:
        names = ", ".join(f"{name} (#{pid})" for pid, name in d.no_meeting_this_term)
        shown, total = len(d.no_meeting_this_term), d.no_meeting_total
        if total > reports.COUNTED:
            names += f" and more than {reports.COUNTED - shown} more"
        elif total > shown:
            names += f" and {total - shown} more"
        counted = f"more than {reports.COUNTED}" if total > reports.COUNTED else str(total)
        lines.append(f"*On SEN support, no parent meeting yet this term* ({counted}): {names}")
    section("Interventions due for review", d.interventions_due)
    section("Appeal windows open", d.appeals_open)
    if d.senco:
        section("SENCO qualification", d.senco)
    if d.terms_to_confirm is not None:
        y = d.terms_to_confirm
        lines.append(f"*Term dates for {y}/{str(y + 1)[-2:]} are still estimates.* An admin should add the real ones "
                     "before September: /sen term add \"<name>\" <start> <end>, or sendbot terms import FILE.")
    if not lines:
        lines.append("Nothing overdue and nothing due in the next four weeks.")
    term = f" — {d.term_name}" if d.term_name else ""
    return Reply(f"Weekly SEN digest for {d.school}, week of {day(ctx.today)}{term}", lines=lines)


def _feed_reply(title: str, issued: list[Any]) -> Reply:
    from bot.config import get_settings
    from bot.services.feed_links import feed_url

    public_url = get_settings().public_url
    lines: list[str] = []
    for i in issued:
        lines.append(f"{'Your pupils and interventions' if i.scope == 'mine' else 'The whole school'}: "
                     f"{feed_url(public_url, i.token)}")
    lines.append("Subscribe from the web: Outlook → Add calendar → Subscribe from web; Google Calendar → Other "
                 "calendars + → From URL; Apple Calendar → File → New Calendar Subscription.")
    lines.append("Keep the link to yourself: anyone who has it can read these deadlines. /sen feed rotate "
                 "replaces it.")
    return Reply(title, lines=lines, private=True)


def feed(ctx: Ctx, v: dict[str, Any]) -> Reply:
    from bot.services import feed_links as tokens

    scope = v.get("which") or ("school" if ctx.actor.reads_school_deadlines else "mine")
    issued = tokens.issue(ctx.session, ctx.actor, scope)
    what = "your own pupils' and interventions'" if scope == "mine" else "the whole school's"
    return _feed_reply(f"Your calendar link for {what} SEN deadlines (only you can see this):", [issued])


def feed_rotate(ctx: Ctx, v: dict[str, Any]) -> Reply:
    from bot.services import feed_links as tokens

    issued = tokens.rotate(ctx.session, ctx.actor, v.get("which"))
    if not issued:
        return Reply("Your school calendar link is switched off: the school feed is for leaders, the SENCO and "
                     "admins. /sen feed mine gives you your own.")
    return _feed_reply("New calendar link (the old one has stopped working; only you can see this):", issued)


def reminder_done(ctx: Ctx, v: dict[str, Any]) -> Reply:
    from bot.services import reminders as actions

    return actions.done(ctx.session, ctx.actor, v["reminder"], ctx.today)


def reminder_snooze(ctx: Ctx, v: dict[str, Any]) -> Reply:
    from bot.services import reminders as actions

    return actions.snooze(ctx.session, ctx.actor, v["reminder"], v["for"], ctx.today)


def staff_add(ctx: Ctx, v: dict[str, Any]) -> Reply:
    handle, display = v["staff"]
    staff, created = svc.add_staff(ctx.session, ctx.actor, handle, v.get("name") or display, v["role"],
                                   v.get("class"))
    verb = "Added" if created else "Updated"
    of_class = f" of class {staff.class_name}" if staff.class_name else ""
    return Reply(f"{verb} @{staff.handle} as {staff.role}{of_class}.")


def staff_remove(ctx: Ctx, v: dict[str, Any]) -> Reply:
    handle, display = v["staff"]
    staff, links = svc.remove_staff(ctx.session, ctx.actor, handle, display)
    feeds = f" and their {links} calendar link{'s' if links != 1 else ''} switched off" if links else ""
    return Reply(f"Removed @{staff.handle}: they can no longer use sendbot here{feeds}.",
                 lines=["Their pupils keep their class and deadlines; /sen staff add brings them back."])


def staff_list(ctx: Ctx, v: dict[str, Any]) -> Reply:
    rows = svc.list_staff(ctx.session, ctx.actor)
    return Reply(f"{len(rows)} staff", items=[
        Item(f"@{s.handle}{' (' + s.display_name + ')' if s.display_name else ''} — {s.role}"
             f"{', class ' + s.class_name if s.class_name else ''}") for s in rows])


def term_add(ctx: Ctx, v: dict[str, Any]) -> Reply:
    from bot.commands.terms import half_term

    term, replaced = svc.add_term(ctx.session, ctx.actor, v["name"], v["start"], v["end"], ctx.today,
                                  half_term(v.get("half-term"), ctx.today))
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
                 items=[Item(f"{t.name}: {day(t.start)} – {day(t.end)}",
                             f"half-term {day(t.half_term_start)} – {day(t.half_term_end)}"
                             if t.half_term_start else "") for t in terms])


def settings(ctx: Ctx, v: dict[str, Any]) -> Reply:
    changes = {k: val for k, val in v.items() if k in SETTING_KEYS}
    mail = v.get("digest-mail")
    if mail is not None:  # a personal choice, open to everyone: the weekly digest by e-mail too
        svc.set_digest_mail(ctx.session, ctx.actor, mail == "yes")
        if not changes:
            return Reply("You will get the weekly digest by e-mail too." if mail == "yes"
                         else "You will no longer get the weekly digest by e-mail.")
    if changes:
        svc.change_settings(ctx.session, ctx.actor, changes, ctx.today)
    elif ctx.actor.classroom:
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


def senco_enrolled(ctx: Ctx, v: dict[str, Any]) -> Reply:
    handle, display = v["staff"]
    svc.senco_enrolled(ctx.session, ctx.actor, handle, display, v["date"])
    return Reply(f"Recorded that the SENCO started the NPQ for SENCOs on {day(v['date'])}.")


STAFF = Arg("staff", "staff", help="a mention (@alice, <@U123ABC>) or a handle")
DATE = Arg("date", "date")

COMMANDS = [
    Command(("home",), "Your home view: what is overdue and due in the next month, with what to do.", home,
            reads=True),
    Command(("due",), "What is due: overdue, this week, this month or this term; yours or the school's.", due,
            args=(Arg("window", choices=("overdue", "week", "month", "term"), optional=True),
                  Arg("scope", choices=("mine", "all"), optional=True)),
            examples=("/sen due week", "/sen due overdue all"), reads=True),
    Command(("digest",), "The weekly SEN digest, now.", digest, reads=True),
    Command(("feed",), "An iCal subscription link (only you see it).", feed,
            args=(Arg("which", choices=("mine", "school"), optional=True,
                      help="mine: your pupils and interventions; school: everything (leaders, SENCO, admins)"),),
            examples=("/sen feed school", "/sen feed mine"), reads=True),
    Command(("feed", "rotate"), "Replace your calendar link; the old one stops working.", feed_rotate,
            args=(Arg("which", choices=("mine", "school"), optional=True),)),
    Command(("done",), "Mark a deadline's reminders done (or get the command that records it).", reminder_done,
            args=(Arg("reminder", "text", help="the deadline number, like D17 (shown in /sen due and on reminders)"),),
            examples=("/sen done D17",)),
    Command(("snooze",), "Snooze a reminder: no more about it until then.", reminder_snooze,
            args=(Arg("reminder", "text", help="the deadline number, like D17 (shown in /sen due and on reminders)"),
                  Arg("for", "text", help="+Nd or +Nw, from 1 day to 8 weeks, e.g. +1w")),
            examples=("/sen snooze D17 +1w",)),
    Command(("staff", "add"), "Add a member of staff (or change their role).", staff_add, args=(STAFF,),
            opts=(Opt("role", choices=("teacher", "ta", "senco", "leader", "admin"), required=True),
                  Opt("class", placeholder="c", help="the classes or sets they teach or support, e.g. 10X1,10Y2",
                      max_len=200),
                  Opt("name", placeholder="name", help="their name as colleagues know it", max_len=200)),
            examples=("/sen staff add @alice role:teacher class:5B",)),
    Command(("staff", "list"), "List the staff sendbot knows.", staff_list, reads=True),
    Command(("staff", "remove"), "Remove a member of staff (they leave; their calendar links stop).",
            staff_remove, args=(STAFF,), examples=("/sen staff remove @bob",)),
    Command(("term", "add"), "Add a real term (replaces estimated terms it overlaps).", term_add,
            args=(Arg("name", help="the term's name, in quotes", max_len=120), Arg("start", "date"),
                  Arg("end", "date")),
            opts=(Opt("half-term", placeholder="date..date",
                      help="the half-term break inside the term, e.g. 2026-10-26..2026-10-30"),),
            examples=('/sen term add "Autumn 2026" 2026-09-03 2026-12-18',)),
    Command(("term", "list"), "List the school's terms.", term_list, reads=True),
    Command(("settings",), "Show or change the school's settings.", settings,
            opts=(Opt("phase", choices=("primary", "infant", "junior", "middle", "secondary", "all-through",
                                        "special")),
                  Opt("transfer-years", placeholder="years", help="year groups that transfer, e.g. 6,11"),
                  Opt("info-report", "date", placeholder="date", past=True,
                      help="when the SEN information report was last published"),
                  Opt("reminder-time", placeholder="HH:MM"), Opt("digest-day", placeholder="day"),
                  Opt("reminders-channel", placeholder="channel", max_len=80),
                  Opt("names-in-feeds", choices=("yes", "no")),
                  Opt("digest-mail", choices=("yes", "no"),
                      help="yours alone: the weekly digest by e-mail as well (Microsoft 365 schools, docs/teams.md)"),
                  Opt("retention-years", placeholder="years", help="SEN records of a pupil who has left are kept "
                                                                   "until date of birth + this many years (31)"),
                  Opt("hourly-cost", placeholder="role=£", max_len=200,
                      help="what an hour of staff time costs, per role, for the provision map: \"ta=18 teacher=38\""),
                  Opt("remind", placeholder="steps", max_len=400,
                      help='when to remind whom about a kind of deadline: "<kind> <steps>", "<kind> default" '
                           'or "<kind> off". Steps: -10w, -3d, -6m, -2sd (school days), 0 (the day), weekly '
                           '(while overdue), opens+12m; add =senco, =leaders, =channel, =responsible+senco … '
                           "to choose who hears (default: the responsible person). See docs/reminders.md.")),
            examples=("/sen settings reminder-time:07:45 digest-day:friday",
                      '/sen settings remind:"annual-review -12w -4w 0=responsible+senco weekly=responsible+senco"',
                      '/sen settings remind:"parent-meeting default"')),
    Command(("senco", "appointed"), "Record a SENCO's appointment (starts the 3-year qualification clock).",
            senco_appointed, args=(STAFF, DATE),
            opts=(Opt("prior-months", "int", placeholder="n", help="months already served as a SENCO elsewhere"),)),
    Command(("senco", "enrolled"), "The SENCO started the NPQ for SENCOs.", senco_enrolled, args=(STAFF, DATE),
            happened="Record it once the course has started."),
    Command(("senco", "qualified"), "Record a SENCO's qualification.", senco_qualified, args=(STAFF, DATE),
            happened="Record it once it has been awarded.",
            opts=(Opt("award", choices=("npq", "nasenco"),
                      help="npq (the NPQ for SENCOs, the default) or nasenco (counts only if begun before 1 Sep 2024 "
                           "and completed before 1 Sep 2027: SI 2024/535)"),)),
]

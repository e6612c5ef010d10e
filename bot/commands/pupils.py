"""pupil, contact, export and erase."""

from typing import Any

from bot.commands.context import Ctx, deadline_item
from bot.commands.grammar import Arg, Command, Opt
from bot.reply import Action, Item, Reply, day, year_label
from bot.rules.census import NEEDS, provision_code
from bot.services import pupils as svc
from bot.services.reports import all_deadlines


def pupil_add(ctx: Ctx, v: dict[str, Any]) -> Reply:
    p = svc.add_pupil(ctx.session, ctx.actor, v["name"], v["year"], ctx.today, class_name=v.get("class"),
                      teacher=v.get("teacher"), upn=v.get("upn"), dob=v.get("dob"), need=v.get("need"),
                      need2=v.get("need2"))
    return Reply(f"Added {p.name} (#{p.id}), {year_label(p.year_group)}.",
                 lines=["Next: if they need SEN support, record it so the termly parent meetings are tracked."],
                 actions=[Action("Start SEN support", f"/sen support start #{p.id} today"),
                          Action("Show", f"/sen pupil show #{p.id}")])


def pupil_show(ctx: Ctx, v: dict[str, Any]) -> Reply:
    view = svc.show_pupil(ctx.session, ctx.actor, v["pupil"], ctx.today)
    p = view.pupil
    status = {"support": "SEN support", "ehcp": "EHC plan", "none": "no SEN recorded"}[view.status]
    fields = [("Year", year_label(view.year)), ("SEN", status),
              ("Census provision", provision_code(view.status))]
    if p.need:
        fields.append(("Primary need", f"{p.need} ({NEEDS[p.need]})"))
    if p.need2:
        fields.append(("Secondary need", f"{p.need2} ({NEEDS[p.need2]})"))
    if p.class_name:
        fields.append(("Class", p.class_name))
    if view.teacher:
        fields.append(("Teacher", f"@{view.teacher.handle}"))
    if p.upn:
        fields.append(("UPN", p.upn))
    if p.archived:
        fields.append(("Archived", "yes"))
    if view.meetings:
        fields.append(("Last parent meeting", day(view.meetings[-1].held_on)))
    fields.append(("Parent contacts", str(len(view.contacts))))
    items = [deadline_item(i, ctx.today)
             for i in all_deadlines(ctx.session, ctx.actor.school_id, ctx.today, f"#{p.id}", ctx.actor)
             if i.status in ("open", "overdue")]
    running = [iv for iv in view.interventions if iv.status == "active"]
    lines = [f"Interventions running: {', '.join(iv.what for iv in running)}"] if running else []
    lines.append("Deadlines:" if items else "No open deadlines.")
    return Reply(f"{p.name} (#{p.id})", fields=fields, lines=lines, items=items,
                 actions=[Action("Log a parent meeting", f"/sen meeting #{p.id} today"),
                          Action("Add an intervention", f"/sen intervention add #{p.id} \"<what>\" review:+6w")])


def pupil_list(ctx: Ctx, v: dict[str, Any]) -> Reply:
    rows = svc.list_pupils(ctx.session, ctx.actor, v.get("class"), v.get("status"), ctx.today, need=v.get("need"))
    label = {"support": "SEN support", "ehcp": "EHC plan", "none": ""}
    items = [Item(f"{p.name} (#{p.id}) — {year_label(y)}{', ' + p.class_name if p.class_name else ''}"
                  f"{' — ' + label[s] if label[s] else ''}{' — ' + p.need if p.need else ''}"
                  f"{'/' + p.need2 if p.need2 else ''}") for p, y, s in rows]
    if not items:
        return Reply("No pupils match.", lines=["Add one: /sen pupil add \"<name>\" year:<R|1..14>"])
    return Reply(f"{len(items)} pupil{'s' if len(items) != 1 else ''}", items=items)


def pupil_archive(ctx: Ctx, v: dict[str, Any]) -> Reply:
    p = svc.archive_pupil(ctx.session, ctx.actor, v["pupil"])
    return Reply(f"Archived {p.name} (#{p.id}): no more deadlines or reminders. Their record is kept; "
                 f"/sen erase #{p.id} deletes it.")


def contact_add(ctx: Ctx, v: dict[str, Any]) -> Reply:
    p, c = svc.add_contact(ctx.session, ctx.actor, v["pupil"], v["name"], v.get("relation"), v.get("phone"),
                           v.get("email"), v.get("prefers"))
    return Reply(f"Added a parent contact for {p.name}: {c.name}{' (' + c.relation + ')' if c.relation else ''}.")


def contact_list(ctx: Ctx, v: dict[str, Any]) -> Reply:
    p, contacts = svc.list_contacts(ctx.session, ctx.actor, v["pupil"])
    if not contacts:
        return Reply(f"No parent contacts for {p.name} yet.",
                     lines=[f"Add one: /sen contact add #{p.id} \"<name>\" relation:mum phone:<p>"])
    items = []
    for c in contacts:
        bits = [x for x in (c.phone, c.email) if x]
        pref = f" · prefers {c.prefers}" if c.prefers else ""
        items.append(Item(f"{c.name}{' (' + c.relation + ')' if c.relation else ''}", " · ".join(bits) + pref))
    return Reply(f"Parent contacts for {p.name}", items=items)


def export(ctx: Ctx, v: dict[str, Any]) -> Reply:
    from bot.security.audit import as_csv, as_json

    data = svc.export_pupil(ctx.session, ctx.actor, v["pupil"])
    fmt = v.get("format") or "json"
    return Reply(f"Everything sendbot holds about {data['pupil']['name']} (#{data['pupil']['id']}), as {fmt.upper()} "
                 "(only you can see this):",
                 attachment=as_csv(data) if fmt == "csv" else as_json(data), private=True)


def audit(ctx: Ctx, v: dict[str, Any]) -> Reply:
    from bot.security.audit import SHOWN, audit_trail

    pupil, rows = audit_trail(ctx.session, ctx.actor, v["pupil"])
    newest = list(reversed(rows))[:SHOWN]
    items = [Item(f"{row.at:%d %b %Y %H:%M} UTC — {who} — {row.action}") for row, who in newest]
    more = [f"Showing the newest {SHOWN} of {len(rows)}; /sen export #{pupil.id} has them all."] \
        if len(rows) > SHOWN else []
    return Reply(f"Audit trail of {pupil.name} (#{pupil.id}): {len(rows)} entr{'y' if len(rows) == 1 else 'ies'}",
                 lines=more, items=items, private=True)


def erase(ctx: Ctx, v: dict[str, Any]) -> Reply:
    if v.get("confirm") != "yes":
        # COMMANDS v2: nothing is erased until confirmed. Check who may erase first, so the question is honest.
        p = svc.erase_check(ctx.session, ctx.actor, v["pupil"])
        return Reply(f"This erases {p.name} (#{p.id}) and everything recorded about them, for good: it can't be "
                     "undone. Nothing has been erased yet.",
                     lines=[f"To go ahead: /sen erase #{p.id} confirm:yes"])
    name = svc.erase_pupil(ctx.session, ctx.actor, v["pupil"])
    return Reply(f"Erased {name} and everything recorded about them. The audit log keeps only that a record "
                 "was erased, and by whom.")


PUPIL = Arg("pupil", "pupil", help='a name in quotes ("Ava Smith"), a unique prefix (ava), #id or a UPN')

COMMANDS = [
    Command(("pupil", "add"), "Add a pupil you support.", pupil_add,
            args=(Arg("name", help="the pupil's full name, in quotes", max_len=200),),
            opts=(Opt("year", required=True, placeholder="R|1..14", help="year group: R or 1 to 14"),
                  Opt("class", placeholder="c", max_len=200, help="class or teaching groups, e.g. 10X1,10Y2"),
                  Opt("teacher", "staff", placeholder="staff"),
                  Opt("upn", placeholder="upn"), Opt("dob", "date", placeholder="date"),
                  Opt("need", placeholder="code", help="primary census SEN type, e.g. ASD, SLCN, SEMH"),
                  Opt("need2", placeholder="code", help="secondary census SEN type")),
            examples=('/sen pupil add "Ava Smith" year:5 class:5B teacher:@alice',)),
    Command(("pupil", "show"), "Show a pupil's SEN record and open deadlines.", pupil_show, args=(PUPIL,), reads=True),
    Command(("pupil", "list"), "List the pupils you can see.", pupil_list,
            opts=(Opt("class", placeholder="c"), Opt("status", choices=("support", "ehcp", "none")),
                  Opt("need", placeholder="code", help="a census SEN type code, e.g. ASD")), reads=True),
    Command(("pupil", "archive"), "Archive a pupil who has left: deadlines and reminders stop.", pupil_archive,
            args=(PUPIL,)),
    Command(("contact", "add"), "Add a parent or carer contact.", contact_add,
            args=(PUPIL, Arg("name", help="the contact's name, in quotes", max_len=200)),
            opts=(Opt("relation", placeholder="r", max_len=60), Opt("phone", placeholder="p", max_len=40),
                  Opt("email", placeholder="e", max_len=254),
                  Opt("prefers", choices=("phone", "email", "text"))),
            examples=('/sen contact add ava "Jo Smith" relation:mum phone:07700900123 prefers:text',)),
    Command(("contact", "list"), "List a pupil's parent contacts.", contact_list, args=(PUPIL,), reads=True),
    Command(("export",), "Export everything held about a pupil (subject access request), as JSON or CSV.", export,
            args=(PUPIL,), opts=(Opt("format", choices=("json", "csv")),), reads=True),
    Command(("audit",), "Who did what to a pupil's record, and when (SENCO and admins).", audit, args=(PUPIL,),
            reads=True),
    Command(("erase",), "Erase a pupil's record for good (right to erasure); asks to confirm first.", erase,
            args=(PUPIL,), opts=(Opt("confirm", choices=("yes",), help="yes: erase now (asked for first)"),)),
]

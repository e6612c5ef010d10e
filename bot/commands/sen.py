"""SEN support, parent meetings, interventions, assessments, EHC plans, decisions and appeals."""

from typing import Any

from bot.commands.context import Ctx
from bot.commands.grammar import Arg, Command, Opt
from bot.reply import Action, Item, Reply, day
from bot.rules.model import DECISION_KINDS
from bot.services import records as svc
from bot.services.reports import all_deadlines

PUPIL = Arg("pupil", "pupil", help='a name in quotes ("Ava Smith"), a unique prefix (ava), #id or a UPN')
DATE = Arg("date", "date", help="2026-03-12, 12/03/2026, 12 Mar 2026, today, +2w, -3d …")
DECISIONS = tuple(k for k in DECISION_KINDS if k != "assess")


def _next(ctx: Ctx, pupil_id: int | None, kinds: tuple[str, ...]) -> list[str]:
    """One line per open deadline of these kinds the change produced: the user sees the consequence."""
    lines = []
    for i in all_deadlines(ctx.session, ctx.actor.school_id, ctx.today, f"#{pupil_id}", ctx.actor):
        if i.kind in kinds and i.status in ("open", "overdue"):
            lines.append(f"{i.title}: {day(i.due)} ({i.status}) — {i.rule}")
    return lines


def support_start(ctx: Ctx, v: dict[str, Any]) -> Reply:
    p = svc.support_start(ctx.session, ctx.actor, v["pupil"], v["date"], ctx.today)
    return Reply(f"{p.name} is on SEN support from {day(v['date'])}.",
                 lines=["Tell the parents (CoP 6.43); meet them at least termly (CoP 6.65).",
                        *_next(ctx, p.id, ("parent_meeting",))])


def support_end(ctx: Ctx, v: dict[str, Any]) -> Reply:
    p = svc.support_end(ctx.session, ctx.actor, v["pupil"], v["date"], ctx.today)
    return Reply(f"SEN support for {p.name} ended {day(v['date'])}.")


def meeting(ctx: Ctx, v: dict[str, Any]) -> Reply:
    p = svc.record_meeting(ctx.session, ctx.actor, v["pupil"], v["date"], v.get("with"), v.get("note"), ctx.today)
    future = " (that date is in the future)" if v["date"] > ctx.today else ""
    return Reply(f"Logged a parent meeting for {p.name} on {day(v['date'])}{future}.")


def intervention_add(ctx: Ctx, v: dict[str, Any]) -> Reply:
    from bot.register.provision import add_group_intervention

    refs = [v["pupil"], *(r.strip() for r in (v.get("also") or "").split(",") if r.strip())]
    made = add_group_intervention(ctx.session, ctx.actor, refs, v["what"], v["review"], v.get("start"),
                                  v.get("staff"), v.get("sessions"), v.get("minutes"), ctx.today)
    p, iv = made[0]
    who = ", ".join(x.name for x, _ in made) if len(made) > 1 else p.name
    timing = f" {iv.sessions_per_week}×{iv.minutes_per_session} min a week;" if iv.sessions_per_week else ""
    return Reply(f"Added \"{iv.what}\" for {who};{timing} review by {day(v['review'])}.",
                 actions=[Action("Review", f"/sen intervention review #{p.id} \"{iv.what}\" today outcome:continue")])


def intervention_review(ctx: Ctx, v: dict[str, Any]) -> Reply:
    p, iv, nxt = svc.review_intervention(ctx.session, ctx.actor, v["pupil"], v["what"], v["date"], v["outcome"],
                                         v.get("next"), ctx.today)
    lines = []
    if v["outcome"] == "continue":
        default = "" if v.get("next") else " (6 weeks on: give next:<date> to choose)"
        lines.append(f"Next review: {day(nxt)}{default}.")
    elif v["outcome"] == "escalate":
        lines.append("Escalated: talk to the SENCO about more support or an EHC needs assessment.")
    return Reply(f"Reviewed \"{iv.what}\" for {p.name} on {day(v['date'])}: {v['outcome']}.", lines=lines)


def intervention_list(ctx: Ctx, v: dict[str, Any]) -> Reply:
    rows = svc.list_interventions(ctx.session, ctx.actor, v.get("pupil"))
    if not rows:
        return Reply("No interventions yet.",
                     lines=['Add one: /sen intervention add <pupil> "<what>" review:<date>'])
    items = [Item(f"{p.name} (#{p.id}): {iv.what}",
                  f"next review {day(nxt)}" if iv.status == "active" and nxt else iv.status) for p, iv, nxt in rows]
    return Reply(f"{len(rows)} intervention{'s' if len(rows) != 1 else ''}", items=items)


def assessment_requested(ctx: Ctx, v: dict[str, Any]) -> Reply:
    p = svc.assessment_requested(ctx.session, ctx.actor, v["pupil"], v["date"], ctx.today)
    return Reply(f"Recorded an EHC needs assessment request for {p.name}, received {day(v['date'])}.",
                 lines=_next(ctx, p.id, ("assessment_decision", "final_plan")))


def assessment_decided(ctx: Ctx, v: dict[str, Any]) -> Reply:
    kind = "assess" if v["decision"] == "assess" else "refuse-assessment"
    p = svc.record_decision(ctx.session, ctx.actor, v["pupil"], v["date"], kind, ctx.today)
    what = "agreed to assess" if kind == "assess" else "refused to assess"
    return Reply(f"Recorded: the LA {what} {p.name} ({day(v['date'])}).",
                 lines=_next(ctx, p.id, ("final_plan", "appeal_deadline")))


def decision(ctx: Ctx, v: dict[str, Any]) -> Reply:
    p = svc.record_decision(ctx.session, ctx.actor, v["pupil"], v["date"], v["decision"], ctx.today,
                            local_authority=v.get("la"))
    return Reply(f"Recorded the LA's {v['decision']} decision for {p.name}, sent {day(v['date'])}.",
                 lines=_next(ctx, p.id, ("appeal_deadline", "amended_plan", "annual_review")))


def ehcp_issued(ctx: Ctx, v: dict[str, Any]) -> Reply:
    v = {**v, "decision": "plan-issued"}
    return decision(ctx, v)


def ehcp_ceased(ctx: Ctx, v: dict[str, Any]) -> Reply:
    v = {**v, "decision": "cease"}
    return decision(ctx, v)


def ehcp_booked(ctx: Ctx, v: dict[str, Any]) -> Reply:
    p = svc.review_booked(ctx.session, ctx.actor, v["pupil"], v["date"], ctx.today)
    return Reply(f"Booked {p.name}'s annual review meeting for {day(v['date'])}.",
                 lines=_next(ctx, p.id, ("review_invitations",)))


def ehcp_reviewed(ctx: Ctx, v: dict[str, Any]) -> Reply:
    p = svc.review_held(ctx.session, ctx.actor, v["pupil"], v["date"], ctx.today)
    return Reply(f"Recorded {p.name}'s annual review meeting on {day(v['date'])}.",
                 lines=_next(ctx, p.id, ("review_report", "review_decision", "annual_review")))


def mediation(ctx: Ctx, v: dict[str, Any]) -> Reply:
    p = svc.mediation_certificate(ctx.session, ctx.actor, v["pupil"], v["certificate"], ctx.today)
    return Reply(f"Recorded a mediation certificate for {p.name}, issued {day(v['certificate'])}.",
                 lines=_next(ctx, p.id, ("appeal_deadline",)))


def appeal_lodged(ctx: Ctx, v: dict[str, Any]) -> Reply:
    p = svc.appeal_lodged(ctx.session, ctx.actor, v["pupil"], v["date"], ctx.today)
    return Reply(f"Recorded that {p.name}'s family lodged an appeal on {day(v['date'])}.")


COMMANDS = [
    Command(("support", "start"), "SEN support begins: parents must be told; termly meetings start.",
            support_start, args=(PUPIL, DATE), examples=("/sen support start ava 2026-09-07",)),
    Command(("support", "end"), "SEN support ends.", support_end, args=(PUPIL, DATE)),
    Command(("meeting",), "A parent meeting was held.", meeting, args=(PUPIL, DATE),
            opts=(Opt("with", placeholder="who", help="who came, e.g. \"mum and SALT\"", max_len=200),
                  Opt("note", placeholder="text", help="a short note (shown only to staff who can see the pupil)",
                      max_len=2000)),
            examples=('/sen meeting ava today with:"mum" note:"agreed reading plan"',)),
    Command(("intervention", "add"), "Start an intervention with a review date.", intervention_add,
            args=(PUPIL, Arg("what", help="what the intervention is, in quotes", max_len=200)),
            opts=(Opt("review", "date", required=True, placeholder="date"), Opt("start", "date", placeholder="date"),
                  Opt("staff", "staff", placeholder="staff", help="who runs it (default: you)"),
                  Opt("also", placeholder="pupils", max_len=2000,
                      help="a group intervention: the other pupils, comma-separated (\"ben, #12\")"),
                  Opt("sessions", "int", placeholder="n", help="sessions a week (for the provision map)"),
                  Opt("minutes", "int", placeholder="n", help="minutes a session (for the provision map)")),
            examples=('/sen intervention add ava "Lexia reading" review:+6w staff:@bob',
                      '/sen intervention add ava "Talk Boost" review:+6w also:"ben, #12" sessions:3 minutes:30 '
                      'staff:@tia')),
    Command(("intervention", "review"), "Record an intervention review and its outcome.", intervention_review,
            args=(PUPIL, Arg("what", help="the intervention, in quotes"), DATE),
            opts=(Opt("outcome", choices=("continue", "stop", "escalate"), required=True),
                  Opt("next", "date", placeholder="date", help="the next review (continue only; default 6 weeks)"))),
    Command(("intervention", "list"), "List running interventions and their next reviews.", intervention_list,
            args=(Arg("pupil", "pupil", optional=True),), reads=True),
    Command(("assessment", "requested"), "An EHC needs assessment was asked of the LA.", assessment_requested,
            args=(PUPIL, DATE)),
    Command(("assessment", "decided"), "The LA decided whether to assess (refuse is appealable).",
            assessment_decided, args=(PUPIL, DATE, Arg("decision", choices=("assess", "refuse")))),
    Command(("ehcp", "issued"), "The final EHC plan was issued (same as decision … plan-issued).", ehcp_issued,
            args=(PUPIL, DATE), opts=(Opt("la", placeholder="authority", help="the local authority", max_len=120),)),
    Command(("ehcp", "booked"), "The annual review meeting is planned.", ehcp_booked, args=(PUPIL, DATE)),
    Command(("ehcp", "reviewed"), "The annual review meeting was held.", ehcp_reviewed, args=(PUPIL, DATE)),
    Command(("ehcp", "ceased"), "The LA ceased the EHC plan (appealable).", ehcp_ceased, args=(PUPIL, DATE)),
    Command(("decision",), "Record a decision the LA sent.", decision,
            args=(PUPIL, DATE, Arg("decision", choices=DECISIONS)),
            examples=("/sen decision ava 2026-05-02 amend-proposed",)),
    Command(("mediation",), "A mediation certificate was issued (extends the appeal window).", mediation,
            args=(PUPIL,), opts=(Opt("certificate", "date", required=True, placeholder="date"),)),
    Command(("appeal", "lodged"), "The family lodged a tribunal appeal.", appeal_lodged, args=(PUPIL, DATE)),
]

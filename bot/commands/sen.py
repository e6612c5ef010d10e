"""SEN support, parent meetings, interventions, assessments, EHC plans, decisions and appeals."""

from typing import Any

from bot.commands.context import Ctx
from bot.commands.grammar import Arg, Command, Opt
from bot.reply import Action, Item, Reply, day
from bot.rules.model import DECISION_KINDS, TRIBUNAL_ORDERS
from bot.services import records as svc
from bot.services.refs import ref_of
from bot.services.reports import all_deadlines
from db import models as m

PUPIL = Arg("pupil", "pupil", help='a name in quotes ("Ava Smith"), a unique prefix (ava), #id or a UPN')
DATE = Arg("date", "date", help="2026-03-12, 12/03/2026, 12 Mar 2026, today, +2w, -3d …")
DECISIONS = tuple(k for k in DECISION_KINDS if k != "assess")
# COMMANDS v2: a fact that happened can't be dated in the future; what to do instead.
LATER = "Record it once it has happened (today or an earlier date)."


def _name(ctx: Ctx, row: object) -> str:
    pupil = ctx.session.get(m.Pupil, row.pupil_id)  # type: ignore[attr-defined]
    return pupil.name if pupil else "the pupil"


def _ref(row: object) -> str:
    return f"Reference {ref_of(row)} (to correct it: /sen fix {ref_of(row)} <date>, or /sen remove {ref_of(row)})."


def _next(ctx: Ctx, pupil_id: int | None, kinds: tuple[str, ...]) -> list[str]:
    """One line per open deadline of these kinds the change produced: the user sees the consequence."""
    lines = []
    for i in all_deadlines(ctx.session, ctx.actor.school_id, ctx.today, f"#{pupil_id}", ctx.actor):
        if i.kind in kinds and i.status in ("open", "overdue"):
            lines.append(f"{i.title}: {day(i.due)} ({i.status}) — {i.rule}")
    return lines


def support_start(ctx: Ctx, v: dict[str, Any]) -> Reply:
    row = svc.support_start(ctx.session, ctx.actor, v["pupil"], v["date"], ctx.today)
    return Reply(f"{_name(ctx, row)} is on SEN support from {day(v['date'])}.",
                 lines=["Tell the parents (CoP 6.43); meet them at least termly (CoP 6.65).",
                        *_next(ctx, row.pupil_id, ("parent_meeting",)), _ref(row)])


def support_end(ctx: Ctx, v: dict[str, Any]) -> Reply:
    row = svc.support_end(ctx.session, ctx.actor, v["pupil"], v["date"], ctx.today)
    return Reply(f"SEN support for {_name(ctx, row)} ended {day(v['date'])}.", lines=[_ref(row)])


def meeting(ctx: Ctx, v: dict[str, Any]) -> Reply:
    row = svc.record_meeting(ctx.session, ctx.actor, v["pupil"], v["date"], v.get("with"), v.get("note"),
                             ctx.today)
    return Reply(f"Logged a parent meeting for {_name(ctx, row)} on {day(v['date'])}.", lines=[_ref(row)])


def intervention_add(ctx: Ctx, v: dict[str, Any]) -> Reply:
    from bot.register.provision import add_group_intervention

    refs = [v["pupil"], *(r.strip() for r in (v.get("also") or "").split(",") if r.strip())]
    made = add_group_intervention(ctx.session, ctx.actor, refs, v["what"], v["review"], v.get("start"),
                                  v.get("staff"), v.get("sessions"), v.get("minutes"), ctx.today)
    p, iv = made[0]
    who = ", ".join(x.name for x, _ in made) if len(made) > 1 else p.name
    refs_made = [_ref(iv)] if len(made) == 1 else [f"{x.name}: {_ref(y)}" for x, y in made]
    timing = f" {iv.sessions_per_week}×{iv.minutes_per_session} min a week;" if iv.sessions_per_week else ""
    return Reply(f"Added \"{iv.what}\" for {who};{timing} review by {day(v['review'])}.",
                 lines=refs_made,
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
    return Reply(f"Reviewed \"{iv.what}\" for {p.name} on {day(v['date'])}: {v['outcome']}.",
                 lines=[*lines, f"Reference {ref_of(iv)}."])


def intervention_list(ctx: Ctx, v: dict[str, Any]) -> Reply:
    rows = svc.list_interventions(ctx.session, ctx.actor, v.get("pupil"))
    if not rows:
        return Reply("No interventions yet.",
                     lines=['Add one: /sen intervention add <pupil> "<what>" review:<date>'])
    items = [Item(f"{p.name} (#{p.id}): {iv.what}",
                  f"next review {day(nxt)}" if iv.status == "active" and nxt else iv.status) for p, iv, nxt in rows]
    return Reply(f"{len(rows)} intervention{'s' if len(rows) != 1 else ''}", items=items)


def assessment_requested(ctx: Ctx, v: dict[str, Any]) -> Reply:
    again = v.get("kind") == "re-assessment"
    row = svc.assessment_requested(ctx.session, ctx.actor, v["pupil"], v["date"], ctx.today, reassessment=again)
    what = "an EHC re-assessment request" if again else "an EHC needs assessment request"
    kinds = ("reassessment_decision",) if again else ("assessment_decision", "final_plan")
    return Reply(f"Recorded {what} for {_name(ctx, row)}, received {day(v['date'])}.",
                 lines=[*_next(ctx, row.pupil_id, kinds), _ref(row)])


def assessment_decided(ctx: Ctx, v: dict[str, Any]) -> Reply:
    kind = "assess" if v["decision"] == "assess" else "refuse-assessment"
    row = svc.record_decision(ctx.session, ctx.actor, v["pupil"], v["date"], kind, ctx.today)
    what = "agreed to assess" if kind == "assess" else "refused to assess"
    return Reply(f"Recorded: the LA {what} {_name(ctx, row)} ({day(v['date'])}).",
                 lines=[*_next(ctx, row.pupil_id, ("final_plan", "appeal_deadline")), _ref(row)])


def decision(ctx: Ctx, v: dict[str, Any]) -> Reply:
    row = svc.record_decision(ctx.session, ctx.actor, v["pupil"], v["date"], v["decision"], ctx.today,
                              local_authority=v.get("la"))
    lines = _next(ctx, row.pupil_id, ("appeal_deadline", "amended_plan", "annual_review", "reassessment_plan"))
    if v["decision"] == "cease":
        lines.append("The plan stays in force until it ends: record that with /sen ehcp ceased <pupil> <date>.")
    return Reply(f"Recorded the LA's {v['decision']} decision for {_name(ctx, row)}, sent {day(v['date'])}.",
                 lines=[*lines, _ref(row)])


def ehcp_issued(ctx: Ctx, v: dict[str, Any]) -> Reply:
    v = {**v, "decision": "plan-issued"}
    return decision(ctx, v)


def ehcp_ceased(ctx: Ctx, v: dict[str, Any]) -> Reply:
    row = svc.plan_ceased(ctx.session, ctx.actor, v["pupil"], v["date"], ctx.today)
    return Reply(f"Recorded that {_name(ctx, row)}'s EHC plan ended on {day(v['date'])}; plan deadlines due after "
                 "that day are gone.", lines=[_ref(row)])


def ehcp_booked(ctx: Ctx, v: dict[str, Any]) -> Reply:
    row = svc.review_booked(ctx.session, ctx.actor, v["pupil"], v["date"], ctx.today)
    return Reply(f"Booked {_name(ctx, row)}'s annual review meeting for {day(v['date'])}.",
                 lines=[*_next(ctx, row.pupil_id, ("review_invitations",)), _ref(row)])


def ehcp_reviewed(ctx: Ctx, v: dict[str, Any]) -> Reply:
    row = svc.review_held(ctx.session, ctx.actor, v["pupil"], v["date"], ctx.today)
    return Reply(f"Recorded {_name(ctx, row)}'s annual review meeting on {day(v['date'])}.",
                 lines=[*_next(ctx, row.pupil_id, ("review_report", "review_decision", "annual_review")), _ref(row)])


def ehcp_invited(ctx: Ctx, v: dict[str, Any]) -> Reply:
    row = svc.review_invited(ctx.session, ctx.actor, v["pupil"], v["date"], ctx.today)
    return Reply(f"Recorded that invitations to {_name(ctx, row)}'s annual review went out on {day(v['date'])}.",
                 lines=[f"Reference {ref_of(row)} (the review meeting)."])


def ehcp_report_sent(ctx: Ctx, v: dict[str, Any]) -> Reply:
    row = svc.review_report_sent(ctx.session, ctx.actor, v["pupil"], v["date"], ctx.today)
    return Reply(f"Recorded that {_name(ctx, row)}'s annual review report was sent on {day(v['date'])}.",
                 lines=[f"Reference {ref_of(row)} (the review meeting)."])


def tribunal_order(ctx: Ctx, v: dict[str, Any]) -> Reply:
    row = svc.tribunal_order(ctx.session, ctx.actor, v["pupil"], v["date"], v["order"], ctx.today)
    return Reply(f"Recorded the tribunal's order ({v['order']}) for {_name(ctx, row)}, dated {day(v['date'])}.",
                 lines=[*_next(ctx, row.pupil_id, ("tribunal_order",)), _ref(row)])


def mediation(ctx: Ctx, v: dict[str, Any]) -> Reply:
    row, d = svc.mediation_certificate(ctx.session, ctx.actor, v["pupil"], v["certificate"], ctx.today,
                                       v.get("decision"))
    return Reply(f"Recorded a mediation certificate for {_name(ctx, row)}, issued {day(v['certificate'])}, "
                 f"about the {d.kind} decision of {day(d.sent_on)} ({ref_of(d)}).",
                 lines=[*_next(ctx, row.pupil_id, ("appeal_deadline",)), _ref(row)])


def appeal_lodged(ctx: Ctx, v: dict[str, Any]) -> Reply:
    row, d = svc.appeal_lodged(ctx.session, ctx.actor, v["pupil"], v["date"], ctx.today, v.get("decision"))
    return Reply(f"Recorded that {_name(ctx, row)}'s family lodged an appeal on {day(v['date'])} against the "
                 f"{d.kind} decision of {day(d.sent_on)} ({ref_of(d)}).", lines=[_ref(row)])


COMMANDS = [
    Command(("support", "start"), "SEN support begins: parents must be told; termly meetings start.",
            support_start, args=(PUPIL, DATE), examples=("/sen support start ava 2026-09-07",),
            happened=LATER),
    Command(("support", "end"), "SEN support ends.", support_end, args=(PUPIL, DATE), happened=LATER),
    Command(("meeting",), "A parent meeting was held.", meeting, args=(PUPIL, DATE),
            happened="A meeting still to come isn't logged yet: log it on the day it is held.",
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
    Command(("assessment", "requested"), "An EHC needs assessment (or a re-assessment) was asked of the LA.",
            assessment_requested,
            args=(PUPIL, DATE, Arg("kind", choices=("re-assessment",), optional=True,
                                   help="re-assessment: a pupil with a plan (Regs 24)")),
            examples=("/sen assessment requested ava 2026-01-12", "/sen assessment requested ava today re-assessment")),
    Command(("assessment", "decided"), "The LA decided whether to assess (refuse is appealable).",
            assessment_decided, args=(PUPIL, DATE, Arg("decision", choices=("assess", "refuse"))), happened=LATER),
    Command(("ehcp", "issued"), "The final EHC plan was issued (same as decision … plan-issued).", ehcp_issued,
            args=(PUPIL, DATE), opts=(Opt("la", placeholder="authority", help="the local authority", max_len=120),),
            happened=LATER),
    Command(("ehcp", "booked"), "The annual review meeting is planned.", ehcp_booked, args=(PUPIL, DATE)),
    Command(("ehcp", "reviewed"), "The annual review meeting was held.", ehcp_reviewed, args=(PUPIL, DATE),
            happened="To plan the meeting, book it: /sen ehcp booked <pupil> <date>."),
    Command(("ehcp", "invited"), "Invitations to the annual review meeting were sent.", ehcp_invited,
            args=(PUPIL, DATE), happened=LATER),
    Command(("ehcp", "report-sent"), "The annual review report was sent.", ehcp_report_sent,
            args=(PUPIL, DATE), happened=LATER),
    Command(("ehcp", "ceased"), "The EHC plan ended (the LA's decision to cease is /sen decision … cease).",
            ehcp_ceased, args=(PUPIL, DATE), happened=LATER),
    Command(("decision",), "Record a decision the LA sent.", decision,
            args=(PUPIL, DATE, Arg("decision", choices=DECISIONS)),
            examples=("/sen decision ava 2026-05-02 amend-proposed",), happened=LATER),
    Command(("tribunal", "order"), "The tribunal ordered the LA to act (Regs 44).", tribunal_order,
            args=(PUPIL, DATE, Arg("order", choices=tuple(TRIBUNAL_ORDERS))),
            examples=("/sen tribunal order ava 2026-05-02 amend",), happened=LATER),
    Command(("mediation",), "A mediation certificate was issued (extends one decision's appeal window).", mediation,
            args=(PUPIL,), opts=(Opt("certificate", "date", required=True, placeholder="date"),
                                 Opt("decision", placeholder="ref", help="the decision it is about, e.g. d4 "
                                     "(default: the latest appealable one on or before it)")),
            happened=LATER),
    Command(("appeal", "lodged"), "The family lodged a tribunal appeal.", appeal_lodged, args=(PUPIL, DATE),
            opts=(Opt("decision", placeholder="ref", help="the decision appealed, e.g. d4 (default: the latest "
                      "appealable one on or before it)"),), happened=LATER),
]

"""Each deadline kind with who acts, its citation and a plain-English title (RULES.md)."""

from dataclasses import dataclass
from datetime import date, timedelta

from bot.rules.model import Duty


@dataclass(frozen=True)
class Kind:
    name: str
    duty: Duty
    rule: str
    title: str
    next_step: str


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("parent_meeting", "school", "CoP 6.65", "Termly parent meeting (SEN support)",
             "Meet the parents this term and log it: /sen meeting <pupil> <date>"),
        Kind("intervention_review", "school", "CoP 6.48, 6.54", "Intervention review",
             "Review the intervention: /sen intervention review <pupil> \"<what>\" <date> outcome:…"),
        Kind("assessment_decision", "la", "Regs 5(1)", "LA decision on the EHC needs assessment request",
             "Chase the LA if no decision has arrived; record it: /sen assessment decided …"),
        Kind("final_plan", "la", "Regs 13(2)", "Final EHC plan (20-week limit)",
             "Chase the LA if late; record the plan: /sen ehcp issued <pupil> <date>"),
        Kind("annual_review", "school", "CFA s44(1); Regs 18", "Annual review of the EHC plan",
             "Book the review meeting (advice takes 6 weeks): /sen ehcp booked <pupil> <date>"),
        Kind("phase_transfer_review", "la", "Regs 18(1)", "Phase transfer: plan reviewed and amended",
             "Make sure the review is held early enough for the LA to amend the plan by the deadline"),
        Kind("review_invitations", "school", "Regs 20(3)–(4)", "Send annual review invitations and advice",
             "Invite parents, LA and professionals at least 2 weeks before the meeting"),
        Kind("review_report", "school", "Regs 20(7)", "Send the annual review report",
             "Send the report to the LA and everyone invited within 2 weeks of the meeting"),
        Kind("review_decision", "la", "Regs 20(10)", "LA decision after the annual review",
             "Chase the LA if late; record it: /sen decision <pupil> <date> no-amend|amend-proposed|cease"),
        Kind("amended_plan", "la", "Regs 22(3); R (L, M & P) v Devon CC [2022] EWHC 493",
             "Amended EHC plan issued", "Chase the LA if late; record it: /sen decision <pupil> <date> plan-amended"),
        Kind("appeal_deadline", "parent", "HESC r.20(1), r.12; Regs 33", "Family's tribunal appeal deadline",
             "Make sure the family knows the date; record an appeal: /sen appeal lodged <pupil> <date>"),
        Kind("senco_qualification", "school", "Regs 49(4) as amended by SI 2024/535",
             "SENCO qualification (NPQ for SENCOs) due",
             "Make sure the SENCO is enrolled on the NPQ for SENCOs; record it: /sen senco qualified …"),
        Kind("information_report", "school", "CFA s69; Regs 51; CoP 6.79", "SEN information report review",
             "Review and republish the SEN information report; record it: /sen settings info-report:<date>"),
    )
}

# Kinds that have no "done when": they are dates to act by (RULES.md "—").
ACT_BY_ONLY = frozenset({"review_invitations", "review_report"})

# How long an act-by date with nothing to record stays worth acting on after it passes (RULES.md: these drop out
# of /sen due, the digest, feeds and reminders a week after the day).
ACT_BY_GRACE = timedelta(days=7)


def still_worth_acting_on(kind: str, due: date, today: date) -> bool:
    """Whether a not-done deadline still asks anything of anyone on ``today`` — the one definition that
    /sen due, the digest, the Home tab, feeds and reminders all use.

    A family's appeal window that has closed (HESC r.20(1): the appeal must be made by the date) asks nothing
    more; nor does an act-by date with nothing to record (RULES.md "—": review invitations, the review report)
    once a week has passed.
    """
    if kind == "appeal_deadline" and today > due:
        return False
    return not (kind in ACT_BY_ONLY and due < today - ACT_BY_GRACE)


# How to record what closes each kind, as commands ready to run (the date may need changing): one definition for
# the reminder's Done answer and the Home tab's buttons. "{p}" is the pupil (#id), "{what}" an intervention's
# name, "{senco}" the SENCO's handle.
RECORD: dict[str, tuple[tuple[str, str], ...]] = {
    "parent_meeting": (("Log meeting", "/sen meeting {p} today"),),
    "intervention_review": tuple((f"Reviewed today: {o}", '/sen intervention review {p} "{what}" today outcome:' + o)
                                 for o in ("continue", "stop", "escalate")),
    "annual_review": (("Record the review meeting", "/sen ehcp reviewed {p} today"),),
    "phase_transfer_review": (("Plan amended", "/sen decision {p} today plan-amended"),
                              ("No amendments", "/sen decision {p} today no-amend")),
    "assessment_decision": (("LA will assess", "/sen assessment decided {p} today assess"),
                            ("LA refused", "/sen assessment decided {p} today refuse")),
    "final_plan": (("Plan issued", "/sen ehcp issued {p} today"),),
    "review_decision": (("No amendments", "/sen decision {p} today no-amend"),
                        ("Amendments proposed", "/sen decision {p} today amend-proposed")),
    "amended_plan": (("Amended plan issued", "/sen decision {p} today plan-amended"),),
    "appeal_deadline": (("Appeal lodged", "/sen appeal lodged {p} today"),),
    "senco_qualification": (("Qualified", "/sen senco qualified @{senco} today award:npq"),),
    "information_report": (("Report published", "/sen settings info-report:today"),),
}


def how_to_record(kind: str, pupil_id: int | None, what: str = "", senco: str | None = None) -> list[tuple[str, str]]:
    """(label, command) pairs that record what closes a deadline of ``kind`` (none for act-by-only kinds)."""
    what = what.replace('"', "'")
    if kind == "intervention_review" and not what:
        return []
    return [(label, template.format(p=f"#{pupil_id}", what=what, senco=senco or "<senco>"))
            for label, template in RECORD.get(kind, ())]


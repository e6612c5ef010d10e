"""Each deadline kind with who acts, its citation and a plain-English title (RULES.md)."""

from dataclasses import dataclass

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
        Kind("reassessment_decision", "la", "Regs 25", "LA decision on the EHC re-assessment request",
             "Chase the LA if late; record it: /sen decision <pupil> <date> reassess|refuse-reassessment"),
        Kind("reassessment_plan", "la", "Regs 27(3)", "EHC plan after re-assessment (14 weeks)",
             "Chase the LA if late; record it: /sen decision <pupil> <date> plan-amended"),
        Kind("tribunal_order", "la", "Regs 44(2)", "LA to carry out the tribunal's order",
             "Chase the LA if late; record what it did: /sen decision <pupil> <date> …"),
        Kind("npq_enrolment", "school", "DfE NPQ delivery (advisory)",
             "Enrol the SENCO on the NPQ for SENCOs (advisory)",
             "Enrol on the autumn NPQ cohort; record it: /sen senco enrolled <staff> <date>"),
    )
}

# Kinds that v1 gave no "done when" (dates to act by). RULES v2 gives them one (recorded, or the meeting
# held / a later LA decision), so they are done or overdue like the rest; the name stays for the places
# that keep a long-past one out of short lists.
ACT_BY_ONLY = frozenset({"review_invitations", "review_report"})

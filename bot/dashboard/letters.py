"""Chase letters to a local authority that has missed a statutory deadline (pure: facts in, text out).

Plain, polite and factual: what the school recorded, the regulation and the date it required, and a request
for a date. sendbot never sends a letter; the SENCO copies it into the school's own email or letterhead.
"""

from dataclasses import dataclass
from datetime import date

from bot.dashboard.figures import Clock
from bot.reply import initials
from bot.rules.model import PupilFacts
from db import models as m

# What the law requires, in the words of the regulation, for each LA clock (SEND Regulations 2014).
REGULATION: dict[str, str] = {
    "assessment_decision": "Regulation 5(1) of the SEND Regulations 2014 requires the local authority to decide "
                           "whether to carry out an EHC needs assessment, and to tell the child's parent, within "
                           "6 weeks of receiving the request",
    "final_plan": "Regulation 13(2) of the SEND Regulations 2014 requires the final EHC plan (or notice that a plan "
                  "will not be issued) within 20 weeks of the request for assessment",
    "review_decision": "Regulation 20(10) of the SEND Regulations 2014 requires the local authority to decide "
                       "whether to keep, amend or cease the EHC plan, and to notify the parent, within 4 weeks of "
                       "the annual review meeting",
    "amended_plan": "Regulation 22(3) of the SEND Regulations 2014 requires the amended EHC plan to be issued as "
                    "soon as practicable and within 8 weeks of the proposed amendments being sent (and, after "
                    "R (L, M & P) v Devon CC [2022] EWHC 493, within 12 weeks of the review meeting)",
    "phase_transfer_review": "Regulation 18(1) of the SEND Regulations 2014 requires the EHC plan of a child "
                             "moving between phases of education to be reviewed and amended before 15 February "
                             "(before 31 March for a young person moving on from Year 11) of the year of transfer",
}
SUBJECT: dict[str, str] = {
    "assessment_decision": "decision on the request for an EHC needs assessment",
    "final_plan": "final EHC plan",
    "review_decision": "decision following the annual review",
    "amended_plan": "amended EHC plan",
    "phase_transfer_review": "amended EHC plan for the phase transfer",
}


@dataclass(frozen=True)
class Letter:
    kind: str
    pupil_label: str
    subject: str
    body: str
    due: date

    @property
    def text(self) -> str:
        return f"Subject: {self.subject}\n\n{self.body}"


def _d(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def _facts_recorded(clock: Clock, facts: PupilFacts) -> str:
    ref = clock.ref
    if clock.kind in ("assessment_decision", "final_plan"):
        req = next((r for r in facts.assessment_requests if r.id == ref), None)
        if req is not None:
            return ("Our records show that the request for an EHC needs assessment was received on "
                    f"{_d(req.received_on)}.")
    if clock.kind == "review_decision":
        meeting = next((r for r in facts.review_meetings if r.id == ref and r.held_on), None)
        if meeting is not None and meeting.held_on is not None:
            return f"The annual review meeting was held on {_d(meeting.held_on)}."
    if clock.kind == "amended_plan":
        proposed = next((d for d in facts.decisions if d.id == ref), None)
        if proposed is not None:
            return f"The proposed amendments to the EHC plan were sent on {_d(proposed.sent_on)}."
    if clock.kind == "phase_transfer_review" and facts.year_group is not None:
        return f"The child is in Year {facts.year_group} and moves to the next phase of education this year."
    return "Our records show the steps leading to this deadline."


def letter_for(clock: Clock, pupil: m.Pupil, facts: PupilFacts, school_name: str, today: date, *,
               names: bool = True) -> Letter:
    """The letter chasing one overdue LA deadline, as of ``today``."""
    who = pupil.name if names else initials(pupil.name)
    ident = f"{who}" + (f" (date of birth {_d(pupil.dob)})" if names and pupil.dob else "") + \
        (f", UPN {pupil.upn}" if names and pupil.upn else "")
    to = clock.la if clock.la and clock.la != "LA not recorded" else "the local authority"
    days = (today - clock.due).days
    subject = f"{ident}: {SUBJECT[clock.kind]}, due {_d(clock.due)}"
    body = "\n\n".join([
        f"Dear SEN team at {to},",
        f"I am writing from {school_name} about {ident}" + ("" if ident.endswith(".") else "."),
        _facts_recorded(clock, facts),
        f"{REGULATION[clock.kind]}. In this case the last day was {_d(clock.due)}. As of {_d(today)} we have not "
        f"received it; that is {days} day{'s' if days != 1 else ''} after the date the regulation sets.",
        "Please could you tell us the date by which it will be sent, and let us know if there is anything you "
        "need from the school to complete it.",
        "Thank you for your help.",
        f"Yours faithfully,\n\nSENCO, {school_name}",
    ])
    return Letter(clock.kind, who, subject, body, clock.due)

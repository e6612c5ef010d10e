"""References for recorded facts (COMMANDS v2): a letter for the kind of fact and the row's number.

``m12`` is parent meeting 12, ``d4`` LA decision 4. Rows are numbered by the database and a number is
never given to another row of the same table, so a reference names one fact for good.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from db import models as m


@dataclass(frozen=True)
class FactKind:
    letter: str
    table: type
    what: str  # how a SENCO would name it
    date_field: str  # the date /sen fix corrects
    happened: bool = True  # a fact that happened (its date may not be in the future)


FACT_KINDS: tuple[FactKind, ...] = (
    FactKind("s", m.SupportPeriod, "SEN support", "start"),
    FactKind("m", m.ParentMeeting, "parent meeting", "held_on"),
    FactKind("k", m.ParentContact, "parent contact", ""),
    FactKind("i", m.Intervention, "intervention", "start", happened=False),
    FactKind("n", m.InterventionReview, "intervention review", "reviewed_on"),
    FactKind("a", m.AssessmentRequest, "assessment request", "received_on"),
    FactKind("d", m.LaDecision, "LA decision", "sent_on"),
    FactKind("p", m.EhcPlan, "EHC plan", "issued_on"),
    FactKind("r", m.ReviewMeeting, "annual review meeting", "held_on"),
    FactKind("c", m.MediationCertificate, "mediation certificate", "issued_on"),
    FactKind("l", m.Appeal, "appeal lodged", "lodged_on"),
    FactKind("t", m.TribunalOrder, "tribunal order", "ordered_on"),
)
BY_LETTER = {k.letter: k for k in FACT_KINDS}
BY_TABLE = {k.table: k for k in FACT_KINDS}


def ref_of(row: Any) -> str:
    """The reference of a recorded fact, e.g. ``m12``."""
    return f"{BY_TABLE[type(row)].letter}{row.id}"


def fact_date(row: Any) -> date | None:
    """The day a fact is dated (a review meeting: held, else booked)."""
    if isinstance(row, m.ReviewMeeting):
        return row.held_on or row.booked_for
    if isinstance(row, m.InterventionReview):
        return row.reviewed_on or row.due
    field = BY_TABLE[type(row)].date_field
    return getattr(row, field) if field else None

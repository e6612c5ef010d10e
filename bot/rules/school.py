"""Deadlines that belong to the school rather than to one pupil."""

from datetime import date

from bot.rules.citations import KINDS
from bot.rules.dates import add_months, add_years
from bot.rules.model import Deadline, SchoolFacts

# Regs 49(4) applies to SENCOs appointed after this day.
SENCO_DUTY_START = date(2009, 9, 1)
# SI 2024/535: the NASENCO award counts only if completed before this day.
NASENCO_LAST_DAY = date(2027, 8, 31)


def _make(kind: str, key: str, due: date, done: bool, **kw) -> Deadline:
    k = KINDS[kind]
    return Deadline(key=key, kind=kind, due=due, duty=k.duty, rule=k.rule, done=done, **kw)


def senco_qualification(school: SchoolFacts) -> list[Deadline]:
    """Regs 49(4), as amended by SI 2024/535: a SENCO appointed after 1 September 2009 who has not
    been a SENCO for more than 12 months in total before must gain the NPQ for SENCOs within three
    years of appointment (the NASENCO award counts only if begun before 1 September 2024 and completed
    before 1 September 2027). Due on the third anniversary of appointment."""
    out: list[Deadline] = []
    for a in school.senco_appointments:
        if a.appointed_on <= SENCO_DUTY_START or a.prior_months > 12:
            continue
        out.append(_make("senco_qualification", f"senco_qualification:{a.id}", add_years(a.appointed_on, 3),
                         a.qualified_on is not None, staff_id=a.staff_id))
    return out


def npq_enrolment(school: SchoolFacts) -> list[Deadline]:
    """Advisory, not law (RULES v2, DfE NPQ delivery): the NPQ for SENCOs runs one autumn cohort a year and
    takes 18 months plus up to 4 for the result, so a SENCO must start by 1 November of the latest year Y
    with 1 November Y + 22 months on or before the qualification deadline D. Met by the qualification or by
    recording the enrolment."""
    out: list[Deadline] = []
    for d in senco_qualification(school):
        a = next(x for x in school.senco_appointments if d.key == f"senco_qualification:{x.id}")
        year = d.due.year
        while add_months(date(year, 11, 1), 22) > d.due:
            year -= 1
        out.append(_make("npq_enrolment", f"npq_enrolment:{a.id}", date(year, 11, 1),
                         a.qualified_on is not None or a.enrolled_on is not None, staff_id=a.staff_id))
    return out


def information_report(school: SchoolFacts) -> list[Deadline]:
    """CFA s69, Regs 51, CoP 6.79: the SEN information report is published and updated annually. Each
    publication is due for renewal a year later; a newer publication meets it."""
    published = sorted(set(school.info_report_published))
    return [
        _make("information_report", f"information_report:{d.isoformat()}", add_years(d, 1),
              any(later > d for later in published))
        for d in published
    ]

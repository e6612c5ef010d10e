"""Materialized deadlines: facts in, rules run, rows upserted, all in the caller's transaction.

When a pupil's facts change, that pupil's deadlines are recomputed at once. A deadline's status is
worked out when it is read; what the rules take from "today" is only the term and the academic year
(``rules_epoch``), so a new day changes nothing, and a new term or year is applied by ``maintain`` in the
background, in small batches.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, delete, select, update

from bot import rules
from bot.calendar import SchoolCalendar
from bot.calendar import Term as CalendarTerm
from bot.rules import model as rm
from bot.rules.dates import academic_year_of, current_year_group
from db import models as m
from db.engine import analyze, transaction


def school_calendar(session: Session, school_id: int) -> SchoolCalendar:
    terms = session.exec(select(m.Term).where(m.Term.school_id == school_id)).all()
    return SchoolCalendar(CalendarTerm(t.start, t.end, t.name, t.estimated) for t in terms)


def transfer_years(school: m.School) -> tuple[int, ...] | None:
    if not school.transfer_years:
        return None
    return tuple(int(x) for x in school.transfer_years.split(",") if x.strip())


def school_facts(session: Session, school: m.School) -> rm.SchoolFacts:
    appointments = session.exec(select(m.SencoAppointment).where(m.SencoAppointment.school_id == school.id)).all()
    reports = session.exec(select(m.InfoReport.published_on).where(m.InfoReport.school_id == school.id)).all()
    return rm.SchoolFacts(
        phase=school.phase,
        transfer_years=transfer_years(school),
        senco_appointments=tuple(
            rm.SencoAppointment(a.id or 0, a.staff_id, a.appointed_on, a.prior_months, a.qualified_on)
            for a in appointments
        ),
        info_report_published=tuple(reports),
    )


def _grouped(session: Session, table: type, pupil_ids: list[int]) -> dict[int, list]:
    rows = session.exec(select(table).where(col(table.pupil_id).in_(pupil_ids))).all()
    out: dict[int, list] = defaultdict(list)
    for row in rows:
        out[row.pupil_id].append(row)
    return out


def pupil_facts(session: Session, pupils: list[m.Pupil], today: date) -> dict[int, rm.PupilFacts]:
    """Load every fact about these pupils with one query per table."""
    ids = [p.id for p in pupils if p.id is not None]
    if not ids:
        return {}
    support = _grouped(session, m.SupportPeriod, ids)
    meetings = _grouped(session, m.ParentMeeting, ids)
    interventions = _grouped(session, m.Intervention, ids)
    requests = _grouped(session, m.AssessmentRequest, ids)
    decisions = _grouped(session, m.LaDecision, ids)
    plans = _grouped(session, m.EhcPlan, ids)
    reviews = _grouped(session, m.ReviewMeeting, ids)
    certificates = _grouped(session, m.MediationCertificate, ids)
    appeals = _grouped(session, m.Appeal, ids)
    iv_ids = [iv.id for ivs in interventions.values() for iv in ivs]
    iv_reviews: dict[int, list[m.InterventionReview]] = defaultdict(list)
    if iv_ids:
        for r in session.exec(
            select(m.InterventionReview).where(col(m.InterventionReview.intervention_id).in_(iv_ids))
        ).all():
            iv_reviews[r.intervention_id].append(r)
    out: dict[int, rm.PupilFacts] = {}
    for p in pupils:
        assert p.id is not None
        out[p.id] = rm.PupilFacts(
            pupil_id=p.id,
            year_group=current_year_group(p.year_group, p.year_recorded_in, today),
            teacher_id=p.teacher_id,
            support=tuple(rm.SupportPeriod(s.start, s.end) for s in support[p.id]),
            parent_meetings=tuple(x.held_on for x in meetings[p.id]),
            interventions=tuple(
                rm.Intervention(
                    iv.id,
                    iv.what,
                    tuple(
                        rm.InterventionReview(r.due, r.reviewed_on)
                        for r in sorted(iv_reviews[iv.id], key=lambda r: (r.due, r.id))
                    ),
                    iv.staff_id,
                )
                for iv in interventions[p.id]
            ),
            assessment_requests=tuple(rm.AssessmentRequest(r.id, r.received_on) for r in requests[p.id]),
            decisions=tuple(rm.Decision(d.id, d.kind, d.sent_on) for d in decisions[p.id]),
            plans=tuple(rm.Plan(x.id, x.issued_on, x.ceased_on) for x in plans[p.id]),
            review_meetings=tuple(rm.ReviewMeeting(x.id, x.booked_for, x.held_on) for x in reviews[p.id]),
            mediation_certificates=tuple(c.issued_on for c in certificates[p.id]),
            appeals_lodged=tuple(a.lodged_on for a in appeals[p.id]),
        )
    return out


def _upsert(session: Session, school: m.School, existing: Iterable[m.Deadline], fresh: list[rm.Deadline]) -> bool:
    """Make the stored rows match ``fresh``; return whether anything changed.

    Pending reminders of a deadline that moved, was met or went away are withdrawn in the same
    transaction, so a reminder never goes out about a fact that was just recorded.
    """
    by_key = {row.key: row for row in existing}
    changed = False
    stale: dict[str, str] = {}  # deadline key -> why its pending reminders are withdrawn
    now = datetime.now(UTC)
    for d in fresh:
        row = by_key.pop(d.key, None)
        if row is None:
            session.add(m.Deadline(school_id=school.id, pupil_id=d.pupil_id, staff_id=d.staff_id, key=d.key,
                                   kind=d.kind, due=d.due, duty=d.duty, rule=d.rule, done=d.done,
                                   detail=d.detail[:200], updated_at=now))
            changed = True
            continue
        values = {"due": d.due, "done": d.done, "staff_id": d.staff_id, "detail": d.detail[:200], "rule": d.rule,
                  "duty": d.duty}
        if any(getattr(row, k) != v for k, v in values.items()):
            if d.done and not row.done:
                stale[row.key] = "the deadline was met"
            elif row.due != d.due:
                stale[row.key] = f"the due date moved to {d.due.isoformat()}"
            if row.due != d.due:
                row.sequence += 1
            for k, v in values.items():
                setattr(row, k, v)
            row.updated_at = now
            session.add(row)
            changed = True
    for gone in by_key.values():
        stale[gone.key] = "the deadline no longer applies"
        session.delete(gone)
        changed = True
    withdraw_reminders(session, school.id, stale)
    return changed


def withdraw_reminders(session: Session, school_id: int | None, reasons: dict[str, str]) -> None:
    """Withdraw the pending reminders of these deadlines (key -> reason), so none is sent about them."""
    for reason in set(reasons.values()):
        keys = [k for k, r in reasons.items() if r == reason]
        session.exec(
            update(m.Reminder)
            .where(col(m.Reminder.school_id) == school_id, col(m.Reminder.status) == "pending",
                   col(m.Reminder.deadline_key).in_(keys))
            .values(status="withdrawn", last_error=reason)
        )


def recompute_pupils(session: Session, school: m.School, pupils: list[m.Pupil], today: date,
                     calendar: SchoolCalendar | None = None, facts: rm.SchoolFacts | None = None) -> bool:
    """Recompute the deadlines of these pupils (archived pupils have none)."""
    calendar = calendar or school_calendar(session, school.id)
    facts = facts or school_facts(session, school)
    live = [p for p in pupils if not p.archived]
    by_pupil = pupil_facts(session, live, today)
    ids = [p.id for p in pupils]
    existing: dict[int, list[m.Deadline]] = defaultdict(list)
    if ids:
        for row in session.exec(select(m.Deadline).where(col(m.Deadline.pupil_id).in_(ids))).all():
            existing[row.pupil_id].append(row)
    changed = False
    for p in pupils:
        fresh = [] if p.archived else rules.pupil_deadlines(by_pupil[p.id], facts, calendar, today)
        changed |= _upsert(session, school, existing[p.id], fresh)
    if changed:
        school.data_version += 1
        session.add(school)
    session.flush()
    return changed


def recompute_pupil(session: Session, school: m.School, pupil: m.Pupil, today: date) -> None:
    recompute_pupils(session, school, [pupil], today)


def recompute_school_level(session: Session, school: m.School) -> None:
    existing = session.exec(
        select(m.Deadline).where(m.Deadline.school_id == school.id, col(m.Deadline.pupil_id).is_(None))
    ).all()
    if _upsert(session, school, existing, rules.school_deadlines(school_facts(session, school))):
        school.data_version += 1
        session.add(school)
    session.flush()


def refresh_school(session: Session, school: m.School, today: date) -> None:
    """Recompute every deadline of the school as of ``today``."""
    pupils = list(session.exec(select(m.Pupil).where(m.Pupil.school_id == school.id)).all())
    recompute_pupils(session, school, pupils, today)
    recompute_school_level(session, school)
    school.deadlines_as_of = today
    session.add(school)
    session.flush()


def rules_epoch(calendar: SchoolCalendar, day: date) -> tuple[int, date | None]:
    """What of "today" the rules read: the academic year (year groups, phase transfer reviews) and the
    latest term to have started (which terms' parent meetings are listed). Two days with the same epoch
    give the same deadlines, so a new day needs no recompute; only a new term or year does."""
    started = [t.start for t in calendar.terms if t.start <= day]
    return academic_year_of(day), max(started, default=None)


def is_fresh(session: Session, school: m.School, today: date) -> bool:
    if school.deadlines_as_of == today:
        return True
    if school.deadlines_as_of is None:
        return False
    calendar = school_calendar(session, school.id)
    return rules_epoch(calendar, school.deadlines_as_of) == rules_epoch(calendar, today)


def ensure_fresh(session: Session, school: m.School, today: date) -> None:
    """Make sure the rows are those of ``today``'s term and academic year.

    On an ordinary day this is one small query (the terms). On the first day of a term or year the
    scheduler's ``maintain`` has normally recomputed the school already, in small batches; only where no
    scheduler runs (the console, a one-off ``sendbot chat --today``) does the first command do it.
    """
    if not is_fresh(session, school, today):
        refresh_school(session, school, today)


def maintain(engine: Engine, today: date, *, batch: int = 500, school_ids: list[int] | None = None) -> int:
    """Date-driven upkeep, in the background: bring each school whose term or academic year changed since its
    rows were computed up to ``today``, ``batch`` pupils per transaction, so no person's command waits for a
    whole-school recompute and no lock is held for long. Returns the number of schools brought up to date.

    Recomputing a pupil twice gives the same rows, so a run cut short is simply done again.
    """
    done = 0
    with transaction(engine) as session:
        query = select(m.School.id)
        if school_ids is not None:
            query = query.where(col(m.School.id).in_(school_ids))
        ids = [sid for sid in session.exec(query).all() if sid is not None]
    for school_id in ids:
        with transaction(engine) as session:
            school = session.get(m.School, school_id)
            if school is None or is_fresh(session, school, today):
                continue
        after = 0
        while True:
            with transaction(engine) as session:
                school = session.get(m.School, school_id)
                assert school is not None
                pupils = list(session.exec(
                    select(m.Pupil).where(m.Pupil.school_id == school_id, col(m.Pupil.id) > after)
                    .order_by(col(m.Pupil.id)).limit(batch)
                ).all())
                if not pupils:
                    recompute_school_level(session, school)
                    school.deadlines_as_of = today
                    session.add(school)
                    break
                recompute_pupils(session, school, pupils, today)
                after = pupils[-1].id or after
        done += 1
    if done:
        analyze(engine)
    return done


def remove_pupil_deadlines(session: Session, pupil_id: int) -> None:
    rows = session.exec(select(m.Deadline).where(col(m.Deadline.pupil_id) == pupil_id)).all()
    if rows:
        withdraw_reminders(session, rows[0].school_id, {r.key: "the pupil's record was archived or erased"
                                                        for r in rows})
    session.exec(delete(m.Deadline).where(col(m.Deadline.pupil_id) == pupil_id))

"""Recording SEN facts about a pupil. Each use case: check access, store the fact, recompute, audit."""

from datetime import date, timedelta

from sqlmodel import Session, col, select

from bot.rules.dates import weeks
from bot.rules.model import DECISION_KINDS
from bot.services.access import Actor
from bot.services.audit import audit
from bot.services.errors import Refused
from bot.services.lookup import find_pupil, find_staff
from bot.services.pupils import touch
from db import models as m

# A held review is taken to be the booked one if it is within this of the booked day.
REBOOK_WINDOW = timedelta(weeks=8)
# An intervention that continues without a next review date is reviewed again after this.
DEFAULT_NEXT_REVIEW = weeks(6)


def _pupil(session: Session, actor: Actor, ref: str, doing: str) -> m.Pupil:
    pupil = find_pupil(session, actor, ref)
    actor.require_pupil(pupil, doing)
    if actor.role == "ta" and "intervention" not in doing:
        # A teaching assistant records and reviews interventions; the other facts are the teacher's or SENCO's.
        raise Refused(f"Teaching assistants record and review interventions; ask {pupil.name}'s teacher or the "
                      f"SENCO to {doing}.")
    return pupil


def _done(session: Session, actor: Actor, pupil: m.Pupil, action: str, today: date) -> None:
    audit(session, actor, actor.school_id, action, pupil.id)
    session.flush()
    touch(session, actor, pupil, today)


# --- SEN support and parent meetings ---------------------------------------------------------------------


def support_start(session: Session, actor: Actor, ref: str, start: date, today: date) -> m.Pupil:
    pupil = _pupil(session, actor, ref, "record SEN support")
    periods = session.exec(select(m.SupportPeriod).where(m.SupportPeriod.pupil_id == pupil.id)).all()
    open_period = next((p for p in periods if p.end is None), None)
    if open_period is not None:
        raise Refused(f"{pupil.name} has been on SEN support since {open_period.start:%d %b %Y}. To change the date, "
                      f"end it first: /sen support end #{pupil.id} <date>.")
    if any(p.end is not None and p.start <= start <= p.end for p in periods):
        raise Refused(f"{start:%d %b %Y} falls inside an earlier support period for {pupil.name}.")
    session.add(m.SupportPeriod(school_id=actor.school_id, pupil_id=pupil.id, start=start))
    _done(session, actor, pupil, "support.start", today)
    return pupil


def support_end(session: Session, actor: Actor, ref: str, end: date, today: date) -> m.Pupil:
    pupil = _pupil(session, actor, ref, "record SEN support")
    period = session.exec(select(m.SupportPeriod).where(m.SupportPeriod.pupil_id == pupil.id,
                                                        col(m.SupportPeriod.end).is_(None))).first()
    if period is None:
        raise Refused(f"{pupil.name} is not on SEN support, so there is nothing to end. Start it with "
                      f"/sen support start #{pupil.id} <date>.")
    if end < period.start:
        raise Refused(f"SEN support for {pupil.name} started {period.start:%d %b %Y}; it can't end before that.")
    period.end = end
    session.add(period)
    _done(session, actor, pupil, "support.end", today)
    return pupil


def record_meeting(session: Session, actor: Actor, ref: str, held_on: date, attendees: str | None,
                   note: str | None, today: date) -> m.Pupil:
    pupil = _pupil(session, actor, ref, "log a parent meeting")
    if note is not None and len(note) > 2000:
        raise Refused("That note is too long: keep it under 2,000 characters.")
    session.add(m.ParentMeeting(school_id=actor.school_id, pupil_id=pupil.id, held_on=held_on,
                                attendees=attendees, note=note, recorded_by=actor.staff_id))
    _done(session, actor, pupil, "meeting.add", today)
    return pupil


# --- interventions ---------------------------------------------------------------------------------------


def add_intervention(session: Session, actor: Actor, ref: str, what: str, review: date, start: date | None,
                     staff: tuple[str, str | None] | None, today: date) -> tuple[m.Pupil, m.Intervention]:
    pupil = _pupil(session, actor, ref, "add an intervention")
    what = " ".join(what.split())
    if not what:
        raise Refused("Say what the intervention is, in quotes: \"Lexia reading\".")
    if start is not None and review < start:
        raise Refused(f"The review ({review:%d %b %Y}) is before the start ({start:%d %b %Y}).")
    staff_id = actor.staff_id
    if staff is not None:
        staff_id = find_staff(session, actor.school_id, *staff).id
    running = session.exec(select(m.Intervention).where(m.Intervention.pupil_id == pupil.id,
                                                        m.Intervention.status == "active")).all()
    if any(iv.what.lower() == what.lower() for iv in running):
        raise Refused(f"{pupil.name} already has a running intervention called \"{what}\". Review it with "
                      f"/sen intervention review #{pupil.id} \"{what}\" <date> outcome:continue|stop|escalate.")
    iv = m.Intervention(school_id=actor.school_id, pupil_id=pupil.id, what=what, start=start or today,
                        staff_id=staff_id)
    session.add(iv)
    session.flush()
    assert iv.id is not None
    session.add(m.InterventionReview(school_id=actor.school_id, intervention_id=iv.id, due=review))
    _done(session, actor, pupil, "intervention.add", today)
    return pupil, iv


def _intervention_pupil(session: Session, actor: Actor, ref: str, doing: str) -> tuple[m.Pupil, bool]:
    """The pupil, for staff who can see them or a teacher who runs one of their interventions (COMMANDS.md,
    Roles: a teacher changes "their own interventions"). Returns (pupil, whether only their own count)."""
    runs: set[int] = set()
    if actor.classroom:
        runs = set(session.exec(select(m.Intervention.pupil_id).where(
            m.Intervention.school_id == actor.school_id, m.Intervention.staff_id == actor.staff_id)).all())
    pupil = find_pupil(session, actor, ref, also=runs)
    if actor.can_see(pupil):
        return pupil, False
    if pupil.id not in runs:
        actor.require_pupil(pupil, doing)
    return pupil, True


def _find_intervention(session: Session, pupil: m.Pupil, what: str, staff_id: int | None = None) -> m.Intervention:
    """The pupil's intervention called ``what`` (or a prefix); only those run by ``staff_id``, when given."""
    query = select(m.Intervention).where(m.Intervention.pupil_id == pupil.id)
    if staff_id is not None:
        query = query.where(m.Intervention.staff_id == staff_id)
    ivs = session.exec(query).all()
    wanted = " ".join(what.lower().split())
    exact = [iv for iv in ivs if iv.what.lower() == wanted]
    found = exact or [iv for iv in ivs if iv.what.lower().startswith(wanted)]
    active = [iv for iv in found if iv.status == "active"]
    found = active or found
    if len(found) == 1:
        return found[0]
    names = ", ".join(f"\"{iv.what}\"" for iv in ivs) or "none yet"
    if not found:
        raise Refused(f"{pupil.name} has no intervention called \"{what}\". Their interventions: {names}.")
    raise Refused(f"\"{what}\" could be {', '.join(repr(iv.what) for iv in found)}: give more of the name.")


def review_intervention(session: Session, actor: Actor, ref: str, what: str, reviewed_on: date, outcome: str,
                        next_review: date | None, today: date) -> tuple[m.Pupil, m.Intervention, date | None]:
    """Record a review. ``continue`` plans the next review (``next:`` or 6 weeks on); stop/escalate end it."""
    pupil, own_only = _intervention_pupil(session, actor, ref, "review an intervention")
    iv = _find_intervention(session, pupil, what, actor.staff_id if own_only else None)
    assert iv is not None and iv.id is not None
    if iv.status != "active":
        raise Refused(f"\"{iv.what}\" for {pupil.name} has already ended ({iv.status}). Add a new intervention "
                      "to start it again.")
    if next_review is not None and outcome != "continue":
        raise Refused(f"next: only goes with outcome:continue; an intervention that ends with {outcome} has no "
                      "next review.")
    if next_review is not None and next_review <= reviewed_on:
        raise Refused(f"The next review ({next_review:%d %b %Y}) must come after this one ({reviewed_on:%d %b %Y}).")
    review = session.exec(select(m.InterventionReview).where(m.InterventionReview.intervention_id == iv.id,
                                                             col(m.InterventionReview.reviewed_on).is_(None))
                          .order_by(m.InterventionReview.due)).first()
    if review is None:
        review = m.InterventionReview(school_id=actor.school_id, intervention_id=iv.id, due=reviewed_on)
    review.reviewed_on = reviewed_on
    review.outcome = outcome
    session.add(review)
    if outcome == "continue":
        next_review = next_review or reviewed_on + DEFAULT_NEXT_REVIEW
        session.add(m.InterventionReview(school_id=actor.school_id, intervention_id=iv.id, due=next_review))
    else:
        iv.status = "stopped" if outcome == "stop" else "escalated"
        session.add(iv)
    _done(session, actor, pupil, "intervention.review", today)
    return pupil, iv, next_review


def list_interventions(session: Session, actor: Actor, ref: str | None) -> list[tuple[m.Pupil, m.Intervention,
                                                                                       date | None]]:
    """Running interventions with their next review date: one pupil's, or all the person may see."""
    query = select(m.Intervention, m.Pupil).join(m.Pupil, m.Pupil.id == m.Intervention.pupil_id).where(
        m.Intervention.school_id == actor.school_id, col(m.Pupil.archived).is_(False))
    if ref is not None:
        pupil, _ = _intervention_pupil(session, actor, ref, "see interventions")
        query = query.where(m.Intervention.pupil_id == pupil.id)
    elif actor.role == "leader":
        raise Refused("Leaders read deadlines and digests; intervention lists are for teachers and the SENCO.")
    out = []
    for iv, pupil in session.exec(query.order_by(m.Pupil.name, m.Intervention.what)).all():
        if not (actor.can_see(pupil) or iv.staff_id == actor.staff_id):
            continue
        pending = session.exec(select(m.InterventionReview.due).where(
            m.InterventionReview.intervention_id == iv.id, col(m.InterventionReview.reviewed_on).is_(None))).first()
        out.append((pupil, iv, pending))
    return out


# --- EHC needs assessment, plans and reviews -------------------------------------------------------------


def assessment_requested(session: Session, actor: Actor, ref: str, received_on: date, today: date) -> m.Pupil:
    pupil = _pupil(session, actor, ref, "record an assessment request")
    dup = session.exec(select(m.AssessmentRequest).where(m.AssessmentRequest.pupil_id == pupil.id,
                                                         m.AssessmentRequest.received_on == received_on)).first()
    if dup is not None:
        raise Refused(f"A request received on {received_on:%d %b %Y} is already recorded for {pupil.name}.")
    session.add(m.AssessmentRequest(school_id=actor.school_id, pupil_id=pupil.id, received_on=received_on))
    _done(session, actor, pupil, "assessment.requested", today)
    return pupil


def record_decision(session: Session, actor: Actor, ref: str, sent_on: date, kind: str, today: date,
                    local_authority: str | None = None) -> m.Pupil:
    """An LA decision. ``plan-issued`` also starts an EHC plan and ``cease`` ends it: one fact, two spellings.

    Decisions are recorded even when the earlier steps were not (a school may join part-way through a
    family's journey); only a second plan while one is in force is refused.
    """
    if kind not in DECISION_KINDS:
        raise Refused(f"'{kind}' is not an LA decision. Choose one of: {', '.join(DECISION_KINDS[1:])}.")
    pupil = _pupil(session, actor, ref, "record an LA decision")
    plans = session.exec(select(m.EhcPlan).where(m.EhcPlan.pupil_id == pupil.id)).all()
    live = [p for p in plans if p.ceased_on is None]
    if kind == "plan-issued":
        if live:
            raise Refused(f"{pupil.name} already has an EHC plan (issued {live[0].issued_on:%d %b %Y}). To record "
                          "a change, use /sen decision … plan-amended.")
        session.add(m.EhcPlan(school_id=actor.school_id, pupil_id=pupil.id, issued_on=sent_on,
                              local_authority=local_authority))
    elif kind == "cease" and live:
        if sent_on < live[0].issued_on:
            raise Refused(f"The plan was issued {live[0].issued_on:%d %b %Y}; it can't cease before that.")
        live[0].ceased_on = sent_on
        session.add(live[0])
    session.add(m.LaDecision(school_id=actor.school_id, pupil_id=pupil.id, kind=kind, sent_on=sent_on))
    _done(session, actor, pupil, f"decision.{kind}", today)
    return pupil


def review_booked(session: Session, actor: Actor, ref: str, day: date, today: date) -> m.Pupil:
    """Book the annual review meeting; booking again moves a meeting not yet held."""
    pupil = _pupil(session, actor, ref, "book a review meeting")
    pending = session.exec(select(m.ReviewMeeting).where(m.ReviewMeeting.pupil_id == pupil.id,
                                                         col(m.ReviewMeeting.held_on).is_(None))).first()
    if pending is not None:
        pending.booked_for = day
        session.add(pending)
    else:
        session.add(m.ReviewMeeting(school_id=actor.school_id, pupil_id=pupil.id, booked_for=day))
    _done(session, actor, pupil, "review.booked", today)
    return pupil


def review_held(session: Session, actor: Actor, ref: str, day: date, today: date) -> m.Pupil:
    pupil = _pupil(session, actor, ref, "record a review meeting")
    meetings = session.exec(select(m.ReviewMeeting).where(m.ReviewMeeting.pupil_id == pupil.id)).all()
    if any(x.held_on == day for x in meetings):
        raise Refused(f"A review meeting on {day:%d %b %Y} is already recorded for {pupil.name}.")
    pending = next((x for x in meetings if x.held_on is None and x.booked_for is not None
                    and abs(x.booked_for - day) <= REBOOK_WINDOW), None)
    if pending is not None:
        pending.held_on = day
        session.add(pending)
    else:
        session.add(m.ReviewMeeting(school_id=actor.school_id, pupil_id=pupil.id, held_on=day))
    _done(session, actor, pupil, "review.held", today)
    return pupil


def mediation_certificate(session: Session, actor: Actor, ref: str, issued_on: date, today: date) -> m.Pupil:
    pupil = _pupil(session, actor, ref, "record a mediation certificate")
    session.add(m.MediationCertificate(school_id=actor.school_id, pupil_id=pupil.id, issued_on=issued_on))
    _done(session, actor, pupil, "mediation.certificate", today)
    return pupil


def appeal_lodged(session: Session, actor: Actor, ref: str, lodged_on: date, today: date) -> m.Pupil:
    pupil = _pupil(session, actor, ref, "record an appeal")
    decided = session.exec(select(m.LaDecision).where(m.LaDecision.pupil_id == pupil.id,
                                                      m.LaDecision.sent_on <= lodged_on)).all()
    if not any(d.kind != "assess" and d.kind != "amend-proposed" for d in decided):
        raise Refused(f"No appealable LA decision on or before {lodged_on:%d %b %Y} is recorded for {pupil.name}. "
                      f"Record it first: /sen decision #{pupil.id} <date> refuse-assessment|refuse-plan|"
                      "plan-issued|plan-amended|no-amend|cease.")
    session.add(m.Appeal(school_id=actor.school_id, pupil_id=pupil.id, lodged_on=lodged_on))
    _done(session, actor, pupil, "appeal.lodged", today)
    return pupil

"""What a feed shows: which deadlines, and how each reads in a calendar.

A feed holds one all-day event per open or overdue deadline the feed's owner sees (done ones, lapsed appeal
windows and act-by dates more than a week past drop out, as in /sen due). ``school`` feeds show the whole
school (leaders, the SENCO, admins); ``mine`` feeds what ``/sen due mine`` shows that member of staff.

:func:`version` names the content without reading it: everything the rendered bytes depend on, so equal
versions mean equal bytes. It is the ETag, the render cache's key and the Last-Modified trigger.
"""

import hashlib
from datetime import UTC, date
from functools import lru_cache

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from bot.feeds import alarms
from bot.feeds.ical import CalendarInfo, FeedEvent
from bot.reply import initials, year_label
from bot.rules import ACT_BY_ONLY, KINDS
from bot.rules.citations import ACT_BY_GRACE
from bot.rules.dates import academic_year_of, current_year_group
from bot.services.access import Actor
from bot.services.reports import seen_by
from db import models as m

# Bump when what an event says changes (wording, properties): every calendar then fetches the feed again.
RENDER_VERSION = "1"

# Short calendar titles and categories, by kind (the long titles are in bot.rules.citations).
LABELS: dict[str, tuple[str, str]] = {
    "parent_meeting": ("Termly parent meeting due", "Parent meeting"),
    "intervention_review": ("Intervention review due", "Intervention review"),
    "assessment_decision": ("LA assessment decision due", "LA decision"),
    "final_plan": ("Final EHC plan due from the LA", "EHC plan"),
    "annual_review": ("Annual review due", "Annual review"),
    "phase_transfer_review": ("Phase transfer plan due from the LA", "Phase transfer"),
    "review_invitations": ("Annual review invitations due", "Annual review"),
    "review_report": ("Annual review report due", "Annual review"),
    "review_decision": ("LA decision after annual review due", "LA decision"),
    "amended_plan": ("Amended EHC plan due from the LA", "EHC plan"),
    "appeal_deadline": ("Family's appeal deadline", "Appeal"),
    "senco_qualification": ("SENCO qualification due", "SENCO"),
    "information_report": ("SEN information report review due", "Information report"),
}
WHO_ACTS = {"school": "the school", "la": "the local authority (LA)", "parent": "the family"}


def names_shown(school: m.School) -> bool:
    return str(school.settings.get("names-in-feeds", "no")).lower() == "yes"


def actor_of(staff: m.Staff) -> Actor:
    assert staff.id is not None
    return Actor(staff.id, staff.school_id, staff.handle, staff.role, staff.class_name, staff.display_name)


def calendar_info(school: m.School, token: m.FeedToken) -> CalendarInfo:
    if token.scope == "school":
        name = f"SEN deadlines — {school.name}"
        about = "Statutory SEND deadlines for the whole school, from sendbot."
        uid = f"sendbot-feed-school-{school.id}"
    else:
        name = f"My SEN deadlines — {school.name}"
        about = "Statutory SEND deadlines for your pupils and interventions, from sendbot."
        uid = f"sendbot-feed-mine-{school.id}-{token.staff_id}"
    return CalendarInfo(name=name, description=about, uid=uid, zone=school.zone)


def _passed(today: date):  # type: ignore[no-untyped-def]
    """Deadlines time takes out of feeds: ``rules.still_worth_acting_on`` said in SQL (the same two cases)."""
    d = m.Deadline
    return or_(and_(d.kind == "appeal_deadline", d.due < today),
               and_(col(d.kind).in_(sorted(ACT_BY_ONLY)), d.due < today - ACT_BY_GRACE))


def _dropped_by_time(session: Session, school_id: int, today: date) -> int:
    """How many not-done deadlines time has taken out of the feed.

    With the data unchanged this only grows as days pass, so it changes exactly when a deadline drops out.
    """
    d = m.Deadline
    query = select(func.count()).select_from(d).where(d.school_id == school_id, col(d.done).is_(False),
                                                      _passed(today))
    return int(session.exec(query).one())


def version(session: Session, school: m.School, token: m.FeedToken, staff: m.Staff, today: date) -> str:
    """The feed's data version: equal versions render equal bytes (call after ensure_fresh)."""
    mine = token.scope == "mine"
    parts = [
        RENDER_VERSION, school.id, school.name, school.zone, school.data_version, token.scope,
        # Whose deadlines a "mine" feed holds depends on its owner and their class; the alarms on their role.
        *([staff.id, staff.class_name] if mine else []), staff.role,
        names_shown(school), alarms.plan(school.settings, token.scope, staff.role).signature,
        academic_year_of(today),  # year groups in the titles move on 1 September
        _dropped_by_time(session, school.id or 0, today),
    ]
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:40]


def cache_key(school: m.School, token: m.FeedToken, staff: m.Staff, feed_version: str) -> tuple[object, ...]:
    """Which rendering serves this feed: a school feed's is shared by its role (alarms differ by role); a "mine"
    feed's is its owner's. All but the last item name the feed; the last, its version."""
    return (school.id, token.scope, token.staff_id if token.scope == "mine" else staff.role, feed_version)


def events(session: Session, school: m.School, token: m.FeedToken, staff: m.Staff, today: date) -> list[FeedEvent]:
    """The feed's events, soonest first (call after ensure_fresh, in the same transaction as version).

    Read as plain tuples, not ORM objects: a school feed may hold 10,000 deadlines and is rendered cold.
    """
    d, p = m.Deadline, m.Pupil
    query = (
        select(d.id, d.key, d.kind, d.due, d.duty, d.rule, d.detail, d.sequence, d.updated_at, d.pupil_id,
               d.staff_id, p.name, p.year_group, p.year_recorded_in)
        .join(p, col(p.id) == d.pupil_id, isouter=True)
        .where(d.school_id == school.id, col(d.done).is_(False), ~_passed(today))
        .order_by(d.due, d.kind, d.id)
    )
    if token.scope == "mine":
        # What /sen due mine shows this member of staff, decided by the database (reports.seen_by).
        theirs = seen_by(actor_of(staff), mine=True)
        if theirs is not None:
            query = query.where(theirs)
    rows = session.connection().execute(query).all()
    names = names_shown(school)
    alarm = alarms.plan(school.settings, token.scope, staff.role)
    school_id = school.id
    out = []
    owner = staff.id or 0
    for (id_, key, kind, due, duty, rule, detail, sequence, updated_at, pupil_id, named, name, year_group,
         year_recorded_in) in rows:
        title, category, about = _kind_text(kind, duty, rule)
        lines = [about]
        if detail:
            lines.append(f"About: {detail}")
        if pupil_id is not None:
            year = current_year_group(year_group, year_recorded_in, today)
            who = name if names else _initials(name)
            title = f"{title} — {who} ({year_label(year)})"
            lines.append(f"Pupil: #{pupil_id} (/sen pupil show #{pupil_id})")
        lines.append(f"sendbot deadline #{id_}")
        out.append(FeedEvent(
            uid=f"{key}.school{school_id}@sendbot", day=due,
            stamp=updated_at if updated_at.tzinfo else updated_at.replace(tzinfo=UTC), sequence=sequence,
            summary=title, description="\n".join(lines), category=category,
            alarm=alarm.trigger(kind, due, named, owner)))
    return out


@lru_cache(maxsize=256)
def _kind_text(kind: str, duty: str, rule: str) -> tuple[str, str, str]:
    """(title, category, the description's first lines): who acts, the law, the next step."""
    k = KINDS[kind]
    title, category = LABELS.get(kind, (k.title, k.title))
    about = f"Who acts: {WHO_ACTS.get(duty, duty)}\nLaw: {rule}\nNext step: {k.next_step}"
    return title, category, about


@lru_cache(maxsize=8192)
def _initials(name: str) -> str:
    return initials(name)


"""The tables. Every row belongs to a school; every query is scoped by it.

No ``from __future__ import annotations`` here: SQLModel needs real annotations at class creation.
Dates are ``date`` (statutory deadlines are days); instants are timezone-aware UTC.
"""

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Index,
    UniqueConstraint,
    event,
    inspect,
)
from sqlmodel import Field, SQLModel

from db.crypto import EncryptedText


def utcnow() -> datetime:
    return datetime.now(UTC)


class School(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    zone: str = Field(default="Europe/London", max_length=64)
    phase: str = Field(default="primary", max_length=20)
    transfer_years: str | None = Field(default=None, max_length=60)  # "6,11"; None = the phase's default
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The day the materialized deadlines were last computed for; a read on another day refreshes them.
    deadlines_as_of: date | None = None
    data_version: int = 0  # bumped whenever a deadline row changes (feeds' ETag, caches)
    created_at: datetime = Field(default_factory=utcnow)


class Staff(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("school_id", "handle"),)
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    handle: str = Field(max_length=64)  # lower-cased chat handle or platform user id (U0123ABC)
    display_name: str | None = Field(default=None, max_length=200)
    role: str = Field(default="teacher", max_length=20)  # teacher | ta | senco | leader | admin
    # The teaching groups they teach or support, comma-separated ("10X1,10Y2"): see bot/register/groups.py.
    class_name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254)  # from the staff import, to match chat users
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


# --- Surfaces: who, where, how to reach (DESIGN.md "Surfaces as equals"; migration 0005_identity) ---------


class ChatWorkspace(SQLModel, table=True):
    """A chat workspace (Slack team, Teams tenant) bound to a school, only ever by an admin's explicit act."""

    __tablename__ = "chat_workspace"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)  # a surface's name (bot.services.tenancy.PLATFORMS)
    external_id: str = Field(max_length=64)  # the platform's own id, exact case (Slack: T0123ABC)
    school_id: int = Field(foreign_key="school.id", index=True)
    linked_how: str = Field(default="link", max_length=16)  # link (sendbot link) | claim (a code) | install
    linked_at: datetime = Field(default_factory=utcnow)


class StaffIdentity(SQLModel, table=True):
    """Who a platform user is: (platform, workspace, user id in its exact case) → a member of staff."""

    __tablename__ = "staff_identity"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    platform: str = Field(max_length=16)
    workspace_id: int = Field(foreign_key="chat_workspace.id")
    user_id: str = Field(max_length=128)  # exact case: Slack U0123ABC, a Teams AAD object id
    created_at: datetime = Field(default_factory=utcnow)


class ConversationRef(SQLModel, table=True):
    """How to reach one identity proactively (Slack: the DM channel; Teams: the conversation reference)."""

    __tablename__ = "conversation_ref"
    id: int | None = Field(default=None, primary_key=True)
    identity_id: int = Field(foreign_key="staff_identity.id", unique=True)
    reference: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)


class ClaimCode(SQLModel, table=True):
    """A one-time code (``sendbot init`` prints it) an admin redeems in a new workspace: ``claim CODE``.

    Only its SHA-256 is stored; it expires, and it binds one workspace once.
    """

    __tablename__ = "claim_code"
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    staff_id: int = Field(foreign_key="staff.id")  # the admin the code was made for: the redeemer becomes them
    code_hash: str = Field(max_length=64, unique=True)
    expires_at: datetime
    used_at: datetime | None = None
    workspace_id: int | None = Field(default=None, foreign_key="chat_workspace.id")
    created_at: datetime = Field(default_factory=utcnow)


class Pupil(SQLModel, table=True):
    __table_args__ = (
        Index("ix_pupil_school_name", "school_id", "name"),
        Index("ix_pupil_school_upn", "school_id", "upn"),
    )
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    name: str = Field(max_length=200)
    upn: str | None = Field(default=None, max_length=13)
    dob: date | None = None
    year_group: int  # -1 = nursery, 0 = Reception, as recorded
    year_recorded_in: int  # the academic year (its starting calendar year) the year group was recorded in
    # Registration group and teaching groups, comma-separated ("10X", or "10X1,10Y2" in a secondary school).
    class_name: str | None = Field(default=None, max_length=200)
    teacher_id: int | None = Field(default=None, foreign_key="staff.id")
    archived: bool = False
    # School census SEN type codes (primary and secondary need); see bot/register/census.py.
    need: str | None = Field(default=None, max_length=5)
    need2: str | None = Field(default=None, max_length=5)
    mis_provision: str | None = Field(default=None, max_length=1)  # N, K or E as the MIS last said; None: typed
    mis_id: str | None = Field(default=None, max_length=64)  # the MIS's own id (Wonde), for the nightly sync
    created_at: datetime = Field(default_factory=utcnow)


class PupilNameWord(SQLModel, table=True):
    """The lower-cased words of a pupil's name (position 0: the whole name), so a lookup by name, prefix or
    any word's prefix is an indexed query rather than a scan of the school. Kept in step with ``Pupil.name``
    by the mapper events below; no foreign key, so erasing a pupil needs no ordering."""

    __tablename__ = "pupil_name_word"
    __table_args__ = (Index("ix_pupil_name_word_lookup", "school_id", "word", "pupil_id"),)
    pupil_id: int = Field(primary_key=True)
    position: int = Field(primary_key=True)
    school_id: int
    word: str = Field(max_length=200)


def name_words(name: str) -> list[str]:
    """The search keys of a name: the whole name (spaces squeezed), then each word, lower-cased."""
    words = name.lower().split()
    return [" ".join(words), *words]


def _write_name_words(connection, pupil: Pupil) -> None:  # type: ignore[no-untyped-def]
    table = PupilNameWord.__table__
    connection.execute(table.delete().where(table.c.pupil_id == pupil.id))
    connection.execute(table.insert(), [
        {"pupil_id": pupil.id, "position": n, "school_id": pupil.school_id, "word": w[:200]}
        for n, w in enumerate(name_words(pupil.name))
    ])


@event.listens_for(Pupil, "after_insert")
def _pupil_inserted(_mapper, connection, pupil: Pupil) -> None:  # type: ignore[no-untyped-def]
    _write_name_words(connection, pupil)


@event.listens_for(Pupil, "after_update")
def _pupil_updated(_mapper, connection, pupil: Pupil) -> None:  # type: ignore[no-untyped-def]
    if inspect(pupil).attrs.name.history.has_changes():
        _write_name_words(connection, pupil)


@event.listens_for(Pupil, "after_delete")
def _pupil_deleted(_mapper, connection, pupil: Pupil) -> None:  # type: ignore[no-untyped-def]
    table = PupilNameWord.__table__
    connection.execute(table.delete().where(table.c.pupil_id == pupil.id))


class SupportPeriod(SQLModel, table=True):
    __tablename__ = "support_period"
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    pupil_id: int = Field(foreign_key="pupil.id", index=True)
    start: date
    end: date | None = None


class ParentMeeting(SQLModel, table=True):
    __tablename__ = "parent_meeting"
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    pupil_id: int = Field(foreign_key="pupil.id", index=True)
    held_on: date
    attendees: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000)
    recorded_by: int | None = Field(default=None, foreign_key="staff.id")


class ParentContact(SQLModel, table=True):
    __tablename__ = "parent_contact"
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    pupil_id: int = Field(foreign_key="pupil.id", index=True)
    # name, phone and email are stored encrypted (bot/security/crypto.py): Fernet tokens, hence Text.
    name: str = Field(sa_column=Column(EncryptedText, nullable=False))
    relation: str | None = Field(default=None, max_length=60)
    phone: str | None = Field(default=None, sa_column=Column(EncryptedText))
    email: str | None = Field(default=None, sa_column=Column(EncryptedText))
    prefers: str | None = Field(default=None, max_length=10)


class Intervention(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    pupil_id: int = Field(foreign_key="pupil.id", index=True)
    what: str = Field(max_length=200)
    start: date | None = None
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    status: str = Field(default="active", max_length=20)  # active | stopped | escalated
    # The provision map: a group intervention is one row per pupil sharing ``group_id`` (the first row's id),
    # so it shows in each member's record and is costed once.
    group_id: int | None = Field(default=None, index=True)
    sessions_per_week: int | None = None
    minutes_per_session: int | None = None


class InterventionReview(SQLModel, table=True):
    """One planned review of an intervention and, once held, its outcome (the outcome history)."""

    __tablename__ = "intervention_review"
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    intervention_id: int = Field(foreign_key="intervention.id", index=True)
    due: date
    reviewed_on: date | None = None
    outcome: str | None = Field(default=None, max_length=20)  # continue | stop | escalate


class AssessmentRequest(SQLModel, table=True):
    __tablename__ = "assessment_request"
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    pupil_id: int = Field(foreign_key="pupil.id", index=True)
    received_on: date
    reassessment: bool = False  # a re-assessment request for a pupil with a plan (Regs 24)


class LaDecision(SQLModel, table=True):
    __tablename__ = "la_decision"
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    pupil_id: int = Field(foreign_key="pupil.id", index=True)
    kind: str = Field(max_length=30)
    sent_on: date


class EhcPlan(SQLModel, table=True):
    __tablename__ = "ehc_plan"
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    pupil_id: int = Field(foreign_key="pupil.id", index=True)
    issued_on: date
    local_authority: str | None = Field(default=None, max_length=120)
    ceased_on: date | None = None


class ReviewMeeting(SQLModel, table=True):
    __tablename__ = "review_meeting"
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    pupil_id: int = Field(foreign_key="pupil.id", index=True)
    booked_for: date | None = None
    held_on: date | None = None
    invited_on: date | None = None
    report_sent_on: date | None = None


class MediationCertificate(SQLModel, table=True):
    __tablename__ = "mediation_certificate"
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    pupil_id: int = Field(foreign_key="pupil.id", index=True)
    issued_on: date
    decision_id: int | None = None  # the decision it belongs to when named (decision:d4); else the latest before it


class Appeal(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    pupil_id: int = Field(foreign_key="pupil.id", index=True)
    lodged_on: date
    decision_id: int | None = None  # as for MediationCertificate


class TribunalOrder(SQLModel, table=True):
    """An order of the First-tier Tribunal the LA must carry out (Regs 44)."""

    __tablename__ = "tribunal_order"
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    pupil_id: int = Field(foreign_key="pupil.id", index=True)
    ordered_on: date
    kind: str = Field(max_length=20)  # assess | make-plan | amend | name-school | reconsider


class Closure(SQLModel, table=True):
    """Days the school is closed inside a term (INSET and the like): not school days."""

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    start: date
    end: date
    reason: str = Field(default="", max_length=120)


class Term(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    name: str = Field(max_length=120)
    start: date
    end: date
    estimated: bool = False
    half_term_start: date | None = None  # the half-term break inside the term (not school days)
    half_term_end: date | None = None


class SencoAppointment(SQLModel, table=True):
    __tablename__ = "senco_appointment"
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    appointed_on: date
    prior_months: int = 0
    qualified_on: date | None = None
    award: str | None = Field(default=None, max_length=20)  # npq | nasenco
    enrolled_on: date | None = None  # started the NPQ for SENCOs (/sen senco enrolled)


class InfoReport(SQLModel, table=True):
    """A publication of the school's SEN information report (CFA s69)."""

    __tablename__ = "info_report"
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    published_on: date


class Deadline(SQLModel, table=True):
    """A materialized deadline: recomputed with its pupil's facts, read by due date."""

    __table_args__ = (
        UniqueConstraint("school_id", "key"),
        Index("ix_deadline_school_due", "school_id", "due"),
        Index("ix_deadline_school_kind_due", "school_id", "kind", "due"),
        # The digest's overdue sections, by duty (0014_speed3): LA deadlines are few among the school's overdue.
        Index("ix_deadline_school_duty_due", "school_id", "duty", "due"),
        # A teacher's lists read their pupils' deadlines and their own, by due date (0014_speed3).
        Index("ix_deadline_pupil_due", "pupil_id", "due"),
        Index("ix_deadline_pupil_kind_due", "pupil_id", "kind", "due"),
        Index("ix_deadline_staff_due", "staff_id", "due"),
        Index("ix_deadline_staff_kind_due", "staff_id", "kind", "due"),
    )
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    pupil_id: int | None = Field(default=None, foreign_key="pupil.id")
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    key: str = Field(max_length=120)
    kind: str = Field(max_length=40)
    due: date
    duty: str = Field(max_length=10)
    rule: str = Field(max_length=120)
    done: bool = False
    detail: str = Field(default="", max_length=200)
    sequence: int = 0  # bumped when the due day moves (iCal SEQUENCE)
    updated_at: datetime = Field(default_factory=utcnow)


class AuditLog(SQLModel, table=True):
    """Who did what, when, to which pupil. Ids and action names only: never names or free text."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    pupil_id: int | None = None  # no foreign key: the trail outlives an erased pupil
    action: str = Field(max_length=60)
    at: datetime = Field(default_factory=utcnow)


class ChangeLog(SQLModel, table=True):
    """What one person's change did, so /sen undo can reverse it (issue 10; migration 0006_record).

    ``undo`` lists the steps that reverse it (rows to delete, restore or set back), or is None when the change
    can't be undone that way (an erase, a settings change). Row values only, as the fact tables hold them.
    """

    __tablename__ = "change_log"
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    pupil_id: int | None = None  # no foreign key: the log outlives an erased pupil
    action: str = Field(max_length=60)
    undo: list[Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    undone: bool = False
    at: datetime = Field(default_factory=utcnow, index=True)


# --- iCal feeds (issue 5; migration 0002) ------------------------------------------------------------------


class FeedToken(SQLModel, table=True):
    """A calendar subscription link (/feeds/<token>.ics) of one member of staff.

    Only the SHA-256 of the token is kept, so a copy of the database holds no working link.
    """

    __tablename__ = "feed_token"
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    scope: str = Field(max_length=10)  # mine | school
    token_hash: str = Field(max_length=64, unique=True)  # hex SHA-256 of the token
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None  # rotated, or the member of staff was removed
    # The version of the feed last served and when it first was (the feed's Last-Modified).
    served_version: str | None = Field(default=None, max_length=64)
    modified_at: datetime | None = None


# --- reminders, outbox and digests (issue 4; migration 0003) ---------------------------------------------


class Reminder(SQLModel, table=True):
    """The outbox: one message to one recipient, for one reminder step of a deadline (or a weekly digest).

    ``idempotency_key`` names the (deadline, step, due date, recipient), so planning twice is a no-op.
    Ids only: the text is rendered at delivery from the deadline, so an erased pupil leaves no name here.
    Status: pending → sending (claimed) → sent; or parked (gave up, ``last_error`` says why), withdrawn (the
    deadline moved, was done or went away), snoozed.
    """

    __tablename__ = "reminder"
    __table_args__ = (
        UniqueConstraint("school_id", "idempotency_key"),
        Index("ix_reminder_status_next", "status", "next_attempt_at"),
        Index("ix_reminder_school_deadline", "school_id", "deadline_key", "due_on"),
    )
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    idempotency_key: str = Field(max_length=255)
    kind: str = Field(max_length=40)  # a deadline kind, or "digest"
    # No foreign keys to deadline or pupil: deadline rows come and go as facts change, and erase deletes pupils.
    deadline_key: str | None = Field(default=None, max_length=120)
    pupil_id: int | None = None
    due_on: date | None = None
    step: str = Field(max_length=40)  # the policy step, e.g. "-4w", "weekly", "snoozed", "digest"
    step_on: date  # the day the step falls on, before moving to a school day
    send_on: date  # the school day it is sent on
    recipient: str = Field(max_length=40)  # "staff:<id>" or "channel"
    status: str = Field(default="pending", max_length=12)
    attempts: int = 0
    next_attempt_at: datetime
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    message_id: str | None = Field(default=None, max_length=64)  # the platform's id (Slack: the message ts)
    channel_id: str | None = Field(default=None, max_length=64)
    last_error: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(default_factory=utcnow)


class ReminderHold(SQLModel, table=True):
    """A snooze (until a day) or a "done" (for good) on one deadline's reminders to one recipient."""

    __tablename__ = "reminder_hold"
    __table_args__ = (UniqueConstraint("school_id", "deadline_key", "due_on", "recipient"),)
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    deadline_key: str = Field(max_length=120)
    due_on: date
    recipient: str = Field(max_length=40)
    until: date | None = None  # None: no more reminders about this deadline to this recipient
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = Field(default_factory=utcnow)


class ReminderSweep(SQLModel, table=True):
    """What each school's reminders were last planned from, so an unchanged school is not planned again."""

    __tablename__ = "reminder_sweep"
    school_id: int = Field(foreign_key="school.id", primary_key=True)
    fingerprint: str = Field(max_length=64)
    planned_at: datetime
    since: datetime  # the first planning: a digest whose moment came before it was never "missed"
    data_version: int = 0  # the school's data_version planned from (0013_speed2)
    # Wall-clock time the deadlines were last read: a later sweep whose only change is the data_version plans
    # the deadlines updated since (less a margin for transactions still open then).
    checked_at: datetime | None = None


class ChannelPace(SQLModel, table=True):
    """When a conversation may next be posted to (PostgreSQL replicas share the pace; outbox.Pacer)."""

    __tablename__ = "channel_pace"
    channel: str = Field(primary_key=True, max_length=200)  # "<surface>:<school id>:<conversation>" (Notifier.pace_key)
    next_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


# --- the SEN dashboard's sign-in (issue 15; migration 0010_dashboard) ---------------------------------------


class DashboardLink(SQLModel, table=True):
    """A one-time sign-in link sent by /sen dashboard: 256 random bits, stored as their SHA-256, spent once."""

    __tablename__ = "dashboard_link"
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class DashboardSession(SQLModel, table=True):
    """A signed-in dashboard session (the cookie holds the token; only its SHA-256 is kept)."""

    __tablename__ = "dashboard_session"
    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    ended_at: datetime | None = None  # signed out


# Each chat surface's own tables live in its own folder (bot/<surface>/storage.py, with its migrations), never
# here: bot/tables.py imports them all together with these.

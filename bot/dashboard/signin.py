"""Signing in to the dashboard: a one-time link from /sen dashboard, then a session cookie.

The link's token is 256 random bits (:mod:`secrets`), kept only as its SHA-256, valid for 10 minutes and
spent by the first POST that presents it (the link's GET page only shows a button, so a chat app's link
preview cannot use it up). Spending it starts a session whose token lives in an ``HttpOnly`` cookie and,
again, only as a hash in the database. Each use case is one transaction (the caller's session).
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, delete, select, update

from bot.dashboard.load import require_dashboard
from bot.services.access import Actor
from bot.services.audit import audit
from db import models as m

LINK_LIFETIME = timedelta(minutes=10)
SESSION_LIFETIME = timedelta(hours=8)  # a school day; then /sen dashboard again
TOKEN_BYTES = 32  # 256 bits
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # token_urlsafe(32)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def link_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/dashboard/signin/{token}"


def issue_link(session: Session, actor: Actor, now: datetime | None = None) -> str:
    """A new sign-in link token for the asker (leaders, the SENCO and admins)."""
    require_dashboard(actor)
    now = now or datetime.now(UTC)
    forget_expired(session, actor.school_id, now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(m.DashboardLink(school_id=actor.school_id, staff_id=actor.staff_id, token_hash=_hash(token),
                                created_at=now, expires_at=now + LINK_LIFETIME))
    audit(session, actor, actor.school_id, "dashboard.link")
    return token


def forget_expired(session: Session, school_id: int, now: datetime) -> None:
    """Delete the school's links and sessions that expired over a day ago: they can never be used again."""
    cutoff = now - timedelta(days=1)
    for table in (m.DashboardLink, m.DashboardSession):
        session.exec(delete(table).where(col(table.school_id) == school_id, col(table.expires_at) < cutoff))


def _staff_ok(session: Session, school_id: int, staff_id: int) -> m.Staff | None:
    staff = session.get(m.Staff, staff_id)
    if staff is None or not staff.active or staff.school_id != school_id or staff.role not in ("leader", "senco",
                                                                                                 "admin"):
        return None
    return staff


def _live_link(session: Session, token: str, now: datetime) -> m.DashboardLink | None:
    if not TOKEN_SHAPE.match(token):
        return None
    wanted = _hash(token)
    row = session.exec(select(m.DashboardLink).where(m.DashboardLink.token_hash == wanted)).first()
    if row is None or not hmac.compare_digest(row.token_hash, wanted) or row.used_at is not None:
        return None
    if _aware(row.expires_at) <= now:
        return None
    return row


def link_is_live(session: Session, token: str, now: datetime | None = None) -> bool:
    """Whether the link could still be spent (for the page that shows the Continue button)."""
    row = _live_link(session, token, now or datetime.now(UTC))
    return row is not None and _staff_ok(session, row.school_id, row.staff_id) is not None


@dataclass(frozen=True)
class Started:
    token: str  # the cookie's value
    school_id: int
    staff_id: int
    expires_at: datetime


def spend_link(session: Session, token: str, now: datetime | None = None) -> Started | None:
    """Use the link once: mark it used and start a session. None for an unknown, used, expired or
    malformed link, or one whose owner may no longer see the dashboard."""
    now = now or datetime.now(UTC)
    row = _live_link(session, token, now)
    if row is None:
        return None
    # Mark it used, guarded by "still unused", so two racing POSTs cannot both start a session.
    spent = session.exec(update(m.DashboardLink).where(col(m.DashboardLink.id) == row.id,
                                                       col(m.DashboardLink.used_at).is_(None))
                         .values(used_at=now))
    if spent.rowcount != 1:
        return None
    if _staff_ok(session, row.school_id, row.staff_id) is None:
        return None
    cookie = secrets.token_urlsafe(TOKEN_BYTES)
    expires = now + SESSION_LIFETIME
    session.add(m.DashboardSession(school_id=row.school_id, staff_id=row.staff_id, token_hash=_hash(cookie),
                                   created_at=now, expires_at=expires))
    session.add(m.AuditLog(school_id=row.school_id, staff_id=row.staff_id, action="dashboard.signin"))
    return Started(cookie, row.school_id, row.staff_id, expires)


def actor_for_session(session: Session, cookie: str | None, now: datetime | None = None) -> Actor | None:
    """The signed-in member of staff for a session cookie, or None."""
    if not cookie or not TOKEN_SHAPE.match(cookie):
        return None
    now = now or datetime.now(UTC)
    wanted = _hash(cookie)
    row = session.exec(select(m.DashboardSession).where(m.DashboardSession.token_hash == wanted)).first()
    if (row is None or not hmac.compare_digest(row.token_hash, wanted) or row.ended_at is not None
            or _aware(row.expires_at) <= now):
        return None
    staff = _staff_ok(session, row.school_id, row.staff_id)
    if staff is None or staff.id is None:
        return None
    return Actor(staff.id, staff.school_id, staff.handle, staff.role, staff.class_name, staff.display_name)


def end_session(session: Session, cookie: str | None, now: datetime | None = None) -> None:
    if not cookie or not TOKEN_SHAPE.match(cookie):
        return
    row = session.exec(select(m.DashboardSession).where(m.DashboardSession.token_hash == _hash(cookie))).first()
    if row is not None and row.ended_at is None:
        row.ended_at = now or datetime.now(UTC)
        session.add(row)

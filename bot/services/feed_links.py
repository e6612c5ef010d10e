"""Feed tokens: the secret part of a calendar subscription link.

A token is 256 random bits from :mod:`secrets`. Only its SHA-256 is stored; a request's token is hashed and
looked up by that hash, then compared with :func:`hmac.compare_digest`, so neither the database nor the
response time tells anything about a valid token.
"""

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from bot.services.access import Actor
from bot.services.audit import audit
from bot.services.errors import Refused
from db import models as m

SCOPES = ("mine", "school")
TOKEN_BYTES = 32  # 256 bits
# token_urlsafe(32) is 43 characters of the URL-safe base64 alphabet; anything else is not one of ours.
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def new_token() -> str:
    import secrets

    return secrets.token_urlsafe(TOKEN_BYTES)


def fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def feed_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/feeds/{token}.ics"


@dataclass(frozen=True)
class Issued:
    """A token just made: the only moment the token itself exists outside the caller's calendar."""

    token: str
    scope: str
    row: m.FeedToken


def _require_scope(actor: Actor, scope: str) -> None:
    if scope not in SCOPES:
        raise Refused(f"A feed is mine or school; '{scope}' isn't one of them.")
    if scope == "school" and not actor.reads_school_deadlines:
        raise Refused("The school feed is for leaders, the SENCO and admins. /sen feed mine gives you a calendar "
                      "of your own pupils' deadlines and your interventions.")


def active_tokens(session: Session, staff_id: int, scope: str | None = None) -> list[m.FeedToken]:
    query = select(m.FeedToken).where(m.FeedToken.staff_id == staff_id, col(m.FeedToken.revoked_at).is_(None))
    if scope is not None:
        query = query.where(m.FeedToken.scope == scope)
    return list(session.exec(query.order_by(m.FeedToken.scope, m.FeedToken.id)).all())


def _issue(session: Session, actor: Actor, scope: str) -> Issued:
    token = new_token()
    row = m.FeedToken(school_id=actor.school_id, staff_id=actor.staff_id, scope=scope, token_hash=fingerprint(token))
    session.add(row)
    session.flush()
    return Issued(token, scope, row)


def issue(session: Session, actor: Actor, scope: str) -> Issued:
    """A new link for the asker. Refused if they already have one for this scope: it cannot be shown again."""
    _require_scope(actor, scope)
    existing = active_tokens(session, actor.staff_id, scope)
    if existing:
        made = existing[0].created_at
        raise Refused(
            f"You already have a {scope} calendar link (made {made:%d %b %Y}). sendbot keeps only a fingerprint "
            f"of it, so it can't show it again. Lost it? /sen feed rotate {scope} makes a new link and switches "
            "the old one off.")
    issued = _issue(session, actor, scope)
    audit(session, actor, actor.school_id, f"feed.issue.{scope}")
    return issued


def rotate(session: Session, actor: Actor, scope: str | None) -> list[Issued]:
    """Replace the asker's link (of one scope, or all they have): the old link stops working at once."""
    if scope is not None:
        _require_scope(actor, scope)
    old = active_tokens(session, actor.staff_id, scope)
    if not old:
        which = f"a {scope} calendar link" if scope else "a calendar link"
        raise Refused(f"You don't have {which} to replace. /sen feed {scope or ''}".rstrip() + " makes one.")
    now = datetime.now(UTC)
    scopes = []
    for row in old:
        row.revoked_at = now
        session.add(row)
        if row.scope not in scopes:
            scopes.append(row.scope)
    session.flush()
    # A leader demoted to teacher can no longer have a school link: rotating that one only switches it off.
    fresh = [_issue(session, actor, s) for s in scopes if s == "mine" or actor.reads_school_deadlines]
    audit(session, actor, actor.school_id, "feed.rotate")
    return fresh


def revoke_for_staff(session: Session, staff_id: int) -> int:
    """Switch off every link of a member of staff (they were removed). Returns how many were live."""
    rows = active_tokens(session, staff_id)
    now = datetime.now(UTC)
    for row in rows:
        row.revoked_at = now
        session.add(row)
    session.flush()
    return len(rows)


def resolve(session: Session, token: str) -> m.FeedToken | None:
    """The live token row for a token from a URL, or None (unknown, malformed or revoked)."""
    if not TOKEN_SHAPE.match(token):
        return None
    wanted = fingerprint(token)
    row = session.exec(select(m.FeedToken).where(m.FeedToken.token_hash == wanted)).first()
    if row is None or not hmac.compare_digest(row.token_hash, wanted) or row.revoked_at is not None:
        return None
    return row

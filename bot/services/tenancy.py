"""Who is asking, from which workspace: the neutral identity and tenancy every surface uses.

A surface (Slack, Teams, …) knows three things about a request: its platform, the workspace's external id
(Slack team id, Teams tenant id) and the user's id there. This module turns them into a school and a member
of staff, and nothing else does:

- :func:`link_workspace` binds a workspace to a school: only ever an admin's explicit act (``sendbot link``,
  a claim code, an OAuth install). An unknown workspace's own request never binds it.
- :func:`identify` answers ``(platform, workspace, user id)`` with a :class:`Caller`, or raises
  :class:`NotLinked` (a ``Refused`` whose text names the exact way to link the workspace).
- :func:`issue_claim_code` / :func:`claim_workspace`: the one-time code ``sendbot init`` prints, redeemed from
  the new workspace (``/sen claim CODE``); stored hashed, single-use, expiring.
- :func:`remember_conversation` / :func:`reachable`: how to reach a member of staff proactively.

User ids are kept in their exact case (Slack ``U0123ABC``; Teams ids are case-sensitive). One transaction
each: every function takes the caller's session.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from bot.services.access import Actor
from bot.services.audit import audit
from bot.services.errors import Refused
from bot.services.lookup import staff_by_handle
from bot.services.school import create_school, valid_handle
from db import models as m

# The surfaces sendbot knows, by how their people name them (a platform list: the one place names appear).
PLATFORMS = {"slack": "Slack", "teams": "Microsoft Teams"}
CLAIM_VALID = timedelta(days=7)
CLAIM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: the code is read off a terminal


@dataclass(frozen=True)
class Caller:
    """Who a request is from: the school, and the staff handle ``bot.commands.execute`` acts as.

    ``staff_id`` is None for someone not on the staff list; ``execute`` then refuses them by name.
    """

    school_id: int
    handle: str
    staff_id: int | None = None


class NotLinked(Refused):
    """The workspace is bound to no school; the text says exactly how an admin links it."""


def platform_name(platform: str) -> str:
    if platform not in PLATFORMS:
        raise Refused(f"'{platform}' is not a chat platform sendbot knows: use {' or '.join(PLATFORMS)}.")
    return PLATFORMS[platform]


def workspace(session: Session, platform: str, external_id: str) -> m.ChatWorkspace | None:
    return session.exec(select(m.ChatWorkspace).where(m.ChatWorkspace.platform == platform,
                                                      m.ChatWorkspace.external_id == external_id)).first()


def school_of(session: Session, platform: str, external_id: str | None) -> int | None:
    """The school a workspace is bound to, or None."""
    found = workspace(session, platform, external_id) if external_id else None
    return found.school_id if found else None


def not_linked_text(platform: str, external_id: str | None, prefix: str, *, install_url: str | None = None) -> str:
    """Why an unknown workspace is refused, and the exact ways an admin links it."""
    name = platform_name(platform)
    ways = [f"an admin types {prefix} claim CODE here, with the one-time code `sendbot init` printed",
            f"or runs `sendbot link {platform} {external_id or '<workspace id>'}` on the sendbot server"]
    if install_url:
        ways.insert(0, f"install the app from {install_url}")
        ways[1] = "or " + ways[1]
    return (f"This {name} workspace isn't connected to a school in sendbot yet, so nothing was done. To connect "
            f"it, {', '.join(ways)}.")


def link_workspace(session: Session, platform: str, external_id: str, school_id: int | None = None, *,
                   how: str = "link") -> m.ChatWorkspace:
    """Bind a workspace to a school (an admin's explicit act). Linking it again to the same school is a no-op.

    Without ``school_id``, the database's only school is meant; with several, the admin must say which.
    """
    platform_name(platform)
    external_id = external_id.strip()
    if not external_id or len(external_id) > 64 or any(c.isspace() for c in external_id):
        raise Refused(f"'{external_id}' is not a workspace id: give the id exactly as {platform_name(platform)} "
                      "shows it (Slack: the team id, like T0123ABC; Teams: the tenant id).")
    if school_id is None:
        ids = session.exec(select(m.School.id).order_by(m.School.id).limit(2)).all()
        if len(ids) != 1:
            raise Refused("There is no school yet: create one with sendbot init." if not ids else
                          "There is more than one school here: say which one (sendbot link … --school N).")
        school_id = ids[0]
    elif session.get(m.School, school_id) is None:
        raise Refused(f"There is no school #{school_id}.")
    existing = workspace(session, platform, external_id)
    if existing is not None:
        if existing.school_id != school_id:
            raise Refused(f"{platform_name(platform)} workspace {external_id} is already linked to school "
                          f"#{existing.school_id}; a workspace belongs to one school.")
        return existing
    row = m.ChatWorkspace(platform=platform, external_id=external_id, school_id=school_id, linked_how=how)
    session.add(row)
    session.flush()
    audit(session, None, school_id, f"workspace.{how}.{platform}")
    return row


def identify(session: Session, platform: str, external_id: str | None, user_id: str | None, *,
             prefix: str = "/sen", install_url: str | None = None) -> Caller:
    """The school and member of staff behind a request, or ``NotLinked`` / ``Refused``.

    A known identity (platform, workspace, exact user id) is its member of staff. A member of staff added by
    mention before they ever wrote (their handle is their platform id, lower-cased) is recognised once and
    their identity recorded in its exact case. Anyone else is a stranger of that school, refused by
    ``execute`` in words that name the school's admin as the way in.
    """
    found = workspace(session, platform, external_id) if external_id else None
    if found is None:
        raise NotLinked(not_linked_text(platform, external_id, prefix, install_url=install_url))
    if not user_id:
        raise Refused(f"{platform_name(platform)} didn't say who you are, so sendbot can't act for you. Please "
                      "try again.")
    assert found.id is not None
    known = session.exec(select(m.Staff).join(m.StaffIdentity, col(m.Staff.id) == m.StaffIdentity.staff_id)
                         .where(m.StaffIdentity.workspace_id == found.id, m.StaffIdentity.user_id == user_id)).first()
    if known is not None:
        return Caller(found.school_id, known.handle, known.id if known.active else None)
    staff = staff_by_handle(session, found.school_id, user_id)
    if staff is None:
        return Caller(found.school_id, user_id.lower())
    assert staff.id is not None
    _add_identity(session, found, staff.id, user_id)
    return Caller(found.school_id, staff.handle, staff.id)


def _add_identity(session: Session, ws: m.ChatWorkspace, staff_id: int, user_id: str) -> None:
    """Record an identity; a second request from the same person at the same moment finds it there already."""
    assert ws.id is not None
    maker = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(maker(m.StaffIdentity).values(
        school_id=ws.school_id, staff_id=staff_id, platform=ws.platform, workspace_id=ws.id, user_id=user_id,
        created_at=datetime.now(UTC)).on_conflict_do_nothing(index_elements=["workspace_id", "user_id"]))


def _hash(code: str) -> str:
    return hashlib.sha256("".join(code.upper().split()).replace("-", "").encode()).hexdigest()


def issue_claim_code(session: Session, school_id: int, staff_id: int, now: datetime | None = None) -> str:
    """A one-time code for the school's admin to connect a workspace (``/sen claim CODE`` from inside it).

    40 random bits in 8 easy characters, shown once as ``ABCD-EFGH``; only the hash is kept; valid 7 days.
    """
    now = now or datetime.now(UTC)
    raw = "".join(secrets.choice(CLAIM_ALPHABET) for _ in range(8))
    session.add(m.ClaimCode(school_id=school_id, staff_id=staff_id, code_hash=_hash(raw),
                            expires_at=now + CLAIM_VALID))
    session.flush()
    return f"{raw[:4]}-{raw[4:]}"


def claim_workspace(session: Session, platform: str, external_id: str | None, user_id: str | None, code: str,
                    now: datetime | None = None) -> Caller:
    """Redeem a claim code from inside a workspace: it becomes the code's school, the redeemer its admin.

    Refused (and nothing changes) for an unknown, used or expired code, or a workspace already linked.
    """
    now = now or datetime.now(UTC)
    name = platform_name(platform)
    if not external_id or not user_id:
        raise Refused(f"{name} didn't say which workspace or person this is, so nothing was claimed.")
    if workspace(session, platform, external_id) is not None:
        raise Refused(f"This {name} workspace is already connected to a school; a claim code isn't needed.")
    row = session.exec(select(m.ClaimCode).where(m.ClaimCode.code_hash == _hash(code))).first()
    if row is None or row.used_at is not None or _aware(row.expires_at) < now:
        why = "has been used already" if row is not None and row.used_at is not None else (
            "has expired" if row is not None else "is not one sendbot issued")
        raise Refused(f"That claim code {why}, so nothing was connected. Ask whoever runs sendbot for a new one "
                      "(`sendbot claim-code`), or for `sendbot link` on the server.")
    ws = link_workspace(session, platform, external_id, row.school_id, how="claim")
    _add_identity(session, ws, row.staff_id, user_id)
    row.used_at, row.workspace_id = now, ws.id
    session.add(row)
    staff = session.get(m.Staff, row.staff_id)
    assert staff is not None
    return Caller(row.school_id, staff.handle, staff.id)


def _aware(instant: datetime) -> datetime:
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)


def install_workspace(session: Session, platform: str, external_id: str, team_name: str | None,
                      installer_id: str, today: date) -> tuple[int, bool]:
    """An OAuth install (an admin's act): the workspace's school, created if new, the installer its admin.

    Returns (school id, created). Installing again (new scopes, a new token) changes nobody's role.
    """
    existing = workspace(session, platform, external_id)
    if existing is not None:
        return existing.school_id, False
    base = " ".join((team_name or "").split()) or "School"
    for school_name in (base, f"{base} ({external_id})"):
        try:
            # create_school refuses a taken name before it writes anything, so nothing needs undoing.
            school = create_school(session, school_name, valid_handle(installer_id), "primary", today)
        except Refused:
            continue  # a school of that name exists already: try the name with the workspace id
        assert school.id is not None
        ws = link_workspace(session, platform, external_id, school.id, how="install")
        admin = staff_by_handle(session, school.id, installer_id)
        assert admin is not None and admin.id is not None
        _add_identity(session, ws, admin.id, installer_id)
        return school.id, True
    raise Refused(f"Couldn't create a school for this workspace: schools called '{base}' already exist.")


def remember_conversation(session: Session, platform: str, external_id: str, user_id: str,
                          reference: dict[str, Any]) -> bool:
    """Keep how to reach this identity proactively (Slack: its DM channel; Teams: the conversation reference).

    Returns False (and keeps nothing) when the workspace or the person is unknown.
    """
    ws = workspace(session, platform, external_id)
    if ws is None or ws.id is None:
        return False
    identity = session.exec(select(m.StaffIdentity).where(m.StaffIdentity.workspace_id == ws.id,
                                                          m.StaffIdentity.user_id == user_id)).first()
    if identity is None or identity.id is None:
        return False
    row = session.exec(select(m.ConversationRef).where(m.ConversationRef.identity_id == identity.id)).first()
    if row is None:
        row = m.ConversationRef(identity_id=identity.id, reference=reference)
    row.reference, row.updated_at = dict(reference), datetime.now(UTC)
    session.add(row)
    return True


@dataclass(frozen=True)
class Reach:
    """One way to reach a member of staff: a surface, the workspace there, their user id, and the reference."""

    platform: str
    workspace: str
    user_id: str
    reference: dict[str, Any]


def reachable(session: Session, staff_id: int) -> list[Reach]:
    """Every identity of a member of staff, newest first (the routing notifier picks the surface)."""
    rows = session.exec(
        select(m.StaffIdentity, m.ChatWorkspace, m.ConversationRef)
        .join(m.ChatWorkspace, col(m.ChatWorkspace.id) == m.StaffIdentity.workspace_id)
        .outerjoin(m.ConversationRef, col(m.ConversationRef.identity_id) == m.StaffIdentity.id)
        .where(m.StaffIdentity.staff_id == staff_id)
        .order_by(col(m.StaffIdentity.id).desc())
    ).all()
    return [Reach(ws.platform, ws.external_id, identity.user_id, dict(ref.reference) if ref else {})
            for identity, ws, ref in rows]


def surfaces_of(session: Session, school_id: int) -> list[str]:
    """The platforms a school's workspaces are on, first linked first."""
    rows = session.exec(select(m.ChatWorkspace.platform).where(m.ChatWorkspace.school_id == school_id)
                        .order_by(m.ChatWorkspace.id)).all()
    return list(dict.fromkeys(rows))


def workspaces_of(session: Session, school_id: int, platform: str) -> list[str]:
    """The external ids of a school's workspaces on one platform, first linked first."""
    return list(session.exec(select(m.ChatWorkspace.external_id).where(
        m.ChatWorkspace.school_id == school_id, m.ChatWorkspace.platform == platform)
        .order_by(m.ChatWorkspace.id)).all())


def admin_of(session: Session, school_id: int) -> Actor | None:
    """The school's first active admin (the one a claim code is made for)."""
    staff = session.exec(select(m.Staff).where(m.Staff.school_id == school_id, m.Staff.role == "admin",
                                               col(m.Staff.active).is_(True)).order_by(m.Staff.id)).first()
    if staff is None or staff.id is None:
        return None
    return Actor(staff.id, school_id, staff.handle, staff.role, staff.class_name, staff.display_name)


__all__ = ["PLATFORMS", "Caller", "NotLinked", "Reach", "claim_workspace", "identify",
           "install_workspace", "issue_claim_code", "link_workspace", "not_linked_text", "reachable",
           "remember_conversation", "school_of", "surfaces_of", "workspaces_of"]

"""Which school a Slack workspace (team id) is.

Single workspace (a bot token, HTTP or Socket Mode): the first request from a team no school has claimed
binds it to the only school not yet bound to a workspace, if there is exactly one. Many workspaces (OAuth):
installing creates the workspace's school, named after the team, with the installing person as its admin.
"""

import logging
from datetime import date

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select, update

from bot.services.errors import Refused
from bot.services.school import create_school
from db.engine import transaction
from db.models import School

log = logging.getLogger(__name__)

NOT_CONNECTED = ("This Slack workspace isn't connected to a school in sendbot yet. Ask whoever runs sendbot to "
                 "set it up (docs/slack.md).")
NOT_INSTALLED = ("This Slack workspace isn't connected to a school in sendbot yet: install the app again from "
                 "{url}/slack/install.")


def school_for_team(engine: Engine, team_id: str | None, *, bind_unclaimed: bool) -> int | None:
    """The school of this workspace, or None. With ``bind_unclaimed``, a lone unbound school is claimed."""
    if not team_id:
        return None
    found = _bound(engine, team_id)
    if found is not None or not bind_unclaimed:
        return found
    with Session(engine) as session:
        unbound = session.exec(select(School.id).where(col(School.slack_team_id).is_(None)).limit(2)).all()
    if len(unbound) == 1:
        try:
            with transaction(engine) as session:
                claimed = session.exec(update(School).where(col(School.id) == unbound[0],
                                                            col(School.slack_team_id).is_(None))
                                       .values(slack_team_id=team_id)).rowcount
        except IntegrityError:
            claimed = 0  # the team was bound to another school meanwhile
        if claimed:
            log.warning("Slack workspace %s is now school %s", team_id, unbound[0])
    # Whether this request bound it, a concurrent one did, or nobody could: ask again.
    return _bound(engine, team_id)


def _bound(engine: Engine, team_id: str) -> int | None:
    with Session(engine) as session:
        return session.exec(select(School.id).where(School.slack_team_id == team_id)).first()


def school_for_installation(engine: Engine, team_id: str, team_name: str | None, installer: str,
                            today: date) -> tuple[int, bool]:
    """The school of a workspace that has just installed the app: (school id, created).

    A new workspace gets a new school named after the team, and the installing person becomes its admin.
    Installing again (new scopes, a new token) changes nobody's role.
    """
    existing = _bound(engine, team_id)
    if existing is not None:
        return existing, False
    base = " ".join((team_name or "").split()) or "School"
    for name in (base, f"{base} ({team_id})"):
        try:
            with transaction(engine) as session:
                school = create_school(session, name, installer, "primary", today)
                school.slack_team_id = team_id
                session.add(school)
                session.flush()
                assert school.id is not None
                school_id = school.id
            log.warning("Slack workspace %s installed sendbot: created school %s", team_id, school_id)
            return school_id, True
        except Refused:
            continue  # a school of that name exists already: try the name with the team id
        except IntegrityError:
            # The same workspace finished installing twice at once.
            again = _bound(engine, team_id)
            if again is not None:
                return again, False
            raise
    raise Refused(f"Couldn't create a school for this workspace: schools called '{base}' already exist.")

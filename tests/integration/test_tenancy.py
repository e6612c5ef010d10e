"""Neutral identity and tenancy (bot.services.tenancy) and the routing notifier that reaches people by it."""

import asyncio
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from bot.commands import Asker, answer
from bot.reminders.notifier import Address, ConsoleNotifier, Outgoing, Route, RoutingNotifier
from bot.reply import Reply
from bot.services import tenancy
from bot.services.errors import Refused
from db import models as m
from db.engine import transaction

TODAY = date(2026, 3, 2)

TEAM = "T0OAK0001"


def staff_id(engine: Engine, handle: str) -> int:
    with transaction(engine) as session:
        row = session.exec(select(m.Staff).where(m.Staff.handle == handle)).one()
        assert row.id is not None
        return row.id


def test_identify_keeps_the_exact_case_and_knows_strangers(chat, engine: Engine, school: int) -> None:  # type: ignore[no-untyped-def]
    chat.ok("admin", "staff add <@U0BOB0001|bob> role:teacher")
    with transaction(engine) as session:
        tenancy.link_workspace(session, "slack", TEAM, school)
    with transaction(engine) as session:
        bob = tenancy.identify(session, "slack", TEAM, "U0BOB0001")
        stranger = tenancy.identify(session, "slack", TEAM, "U0NOBODY1")
    assert (bob.school_id, bob.handle, bob.staff_id) == (school, "u0bob0001", staff_id(engine, "u0bob0001"))
    assert (stranger.school_id, stranger.staff_id) == (school, None)
    with transaction(engine) as session:
        identities = session.exec(select(m.StaffIdentity.user_id)).all()
        # Another workspace's user with the same letters in another case is someone else.
        with pytest.raises(tenancy.NotLinked, match="sendbot link slack T0ELM0001"):
            tenancy.identify(session, "slack", "T0ELM0001", "U0BOB0001")
    assert identities == ["U0BOB0001"]


def test_answer_refuses_an_unlinked_workspace_in_the_askers_prefix(engine: Engine, school: int) -> None:
    reply = answer(engine, Asker("teams", "tenant-1", "aad-1", "@sendbot"), "due", TODAY)
    assert not reply.ok
    assert "Microsoft Teams workspace isn't connected" in reply.title
    assert "@sendbot claim CODE" in reply.title and "sendbot link teams tenant-1" in reply.title
    with transaction(engine) as session:
        assert session.exec(select(m.ChatWorkspace)).all() == []


def test_help_and_refusals_use_the_askers_surface_prefix(engine: Engine, school: int) -> None:
    with transaction(engine) as session:
        tenancy.link_workspace(session, "teams", "tenant-1", school)
    admin = staff_id(engine, "admin")
    with transaction(engine) as session:
        session.add(m.StaffIdentity(school_id=school, staff_id=admin, platform="teams",
                                    workspace_id=tenancy.workspace(session, "teams", "tenant-1").id,
                                    user_id="AAD-Admin"))
    shown = answer(engine, Asker("teams", "tenant-1", "AAD-Admin", "@sendbot"), "help", TODAY).as_text()
    assert "@sendbot help pupil add" in shown and "/sen " not in shown
    refused = answer(engine, Asker("teams", "tenant-1", "aad-admin", "@sendbot"), "due", TODAY)
    assert not refused.ok and "@sendbot staff add" in refused.title  # ids are exact case: someone else


def test_a_claim_code_is_single_use_and_expires(engine: Engine, school: int) -> None:
    admin = staff_id(engine, "admin")
    now = datetime.now(UTC)
    with transaction(engine) as session:
        old = tenancy.issue_claim_code(session, school, admin, now - tenancy.CLAIM_VALID - timedelta(minutes=1))
        code = tenancy.issue_claim_code(session, school, admin, now)
    with pytest.raises(Refused, match="has expired"), transaction(engine) as session:
        tenancy.claim_workspace(session, "slack", TEAM, "U0ADMIN01", old)
    with transaction(engine) as session:
        caller = tenancy.claim_workspace(session, "slack", TEAM, "U0ADMIN01", code)
    assert (caller.school_id, caller.handle) == (school, "admin")
    with pytest.raises(Refused, match="already connected"), transaction(engine) as session:
        tenancy.claim_workspace(session, "slack", TEAM, "U0OTHER01", code)
    with pytest.raises(Refused, match="has been used already"), transaction(engine) as session:
        tenancy.claim_workspace(session, "slack", "T0ELM0001", "U0OTHER01", code)
    with transaction(engine) as session:
        assert tenancy.identify(session, "slack", TEAM, "U0ADMIN01").staff_id == admin


def test_routing_picks_each_recipients_surface(engine: Engine, school: int, chat) -> None:  # type: ignore[no-untyped-def]
    chat.ok("admin", "staff add @sue role:senco")
    admin, sue = staff_id(engine, "admin"), staff_id(engine, "sue")
    with transaction(engine) as session:
        tenancy.link_workspace(session, "slack", TEAM, school)
        tenancy.link_workspace(session, "teams", "tenant-1", school)
        session.add(m.StaffIdentity(school_id=school, staff_id=sue, platform="teams",
                                    workspace_id=tenancy.workspace(session, "teams", "tenant-1").id,
                                    user_id="AAD-Sue"))
    with transaction(engine) as session:
        assert tenancy.remember_conversation(session, "teams", "tenant-1", "AAD-Sue", {"conversation": "c-1"})
        assert not tenancy.remember_conversation(session, "teams", "tenant-1", "AAD-Nobody", {"x": 1})

    def routes(sid: int) -> list[Route]:
        with transaction(engine) as session:
            return [Route(r.platform, r.user_id, r.reference) for r in tenancy.reachable(session, sid)]

    def surfaces(school_id: int) -> list[str]:
        with transaction(engine) as session:
            return tenancy.surfaces_of(session, school_id)

    slack, teams = ConsoleNotifier(io.StringIO()), ConsoleNotifier(io.StringIO())
    router = RoutingNotifier({"slack": slack, "teams": teams}, routes, surfaces)

    def send(to: Address) -> None:
        asyncio.run(router.send(Outgoing(1, school, to, Reply("Due soon"))))

    send(Address("staff", "sue", "@sue", staff_id=sue))
    send(Address("staff", "admin", "@admin", staff_id=admin))  # no identity yet: the school's first surface
    send(Address("channel", "#sen-team", "#sen-team"))
    assert [(o.to.platform, o.to.user_id, o.to.reference) for o in teams.sent] == [
        ("teams", "AAD-Sue", {"conversation": "c-1"})]
    assert [(o.to.handle, o.to.platform) for o in slack.sent] == [("admin", "slack"), ("#sen-team", "slack")]

"""Handles are typed with or without the @ people put before them, in any case."""

from datetime import date

from sqlalchemy import Engine

from bot.commands import execute
from bot.services.school import create_school
from db.engine import transaction


def test_an_admin_given_with_an_at_sign_can_then_chat_without_it(engine: Engine) -> None:
    with transaction(engine) as session:
        school = create_school(session, "Elm Primary", "@Alice", "primary", date(2026, 3, 2))
        sid = school.id
    assert sid is not None
    reply = execute(engine, sid, "alice", 'pupil add "Ava Smith" year:5', date(2026, 3, 2))
    assert reply.ok, reply.as_text()
    staff = execute(engine, sid, "alice", "staff add @Bob role:teacher", date(2026, 3, 2))
    assert staff.ok and "@bob" in staff.title

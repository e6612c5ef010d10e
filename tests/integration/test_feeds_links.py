"""/sen feed, /sen feed rotate and /sen staff remove: who gets a calendar link, and how it is kept."""

import hashlib
from collections.abc import Iterator

import pytest
from e2e.feed_server import feed_path, token_of
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from bot.config import get_settings
from db import models as m

pytestmark = pytest.mark.usefixtures("school")


@pytest.fixture
def staffed(chat) -> object:  # type: ignore[no-untyped-def]
    """@admin (admin), @lena (leader), @sam (senco), @bob (teacher of 5B), @tia (teacher of 4A)."""
    for line in ("staff add @lena role:leader", "staff add @sam role:senco", "staff add @bob role:teacher class:5B",
                 "staff add @tia role:teacher class:4A"):
        chat.ok("admin", line)
    return chat


@pytest.fixture
def public_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = "https://sendbot.oak-primary.example"
    monkeypatch.setenv("SENDBOT_PUBLIC_URL", url + "/")
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def tokens(engine: Engine) -> list[m.FeedToken]:
    with Session(engine) as s:
        return list(s.exec(select(m.FeedToken).order_by(m.FeedToken.id)).all())


def everything_stored(engine: Engine) -> str:
    """Every value of every row of every table, as one string."""
    from sqlmodel import SQLModel

    out = []
    with engine.connect() as c:
        for table in SQLModel.metadata.sorted_tables:
            for row in c.execute(table.select()):
                out.append(" ".join(str(v) for v in row))
    return "\n".join(out)


def test_a_leader_gets_a_private_school_link_on_the_public_url(staffed, engine: Engine, public_url: str) -> None:
    reply = staffed.ok("lena", "feed")
    assert reply.private
    path = feed_path(reply)
    assert f"{public_url}/feeds/" in reply.as_text()  # the configured address, without a doubled slash
    assert "Outlook" in reply.as_text() and "Google" in reply.as_text() and "Apple" in reply.as_text()
    [row] = tokens(engine)
    assert (row.scope, row.revoked_at) == ("school", None)
    assert row.staff_id == staffed_id(engine, "lena")
    token = token_of(path)
    assert len(token) == 43  # 32 random bytes, URL-safe base64
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()


def staffed_id(engine: Engine, handle: str) -> int:
    with Session(engine) as s:
        staff = s.exec(select(m.Staff).where(m.Staff.handle == handle)).one()
        assert staff.id is not None
        return staff.id


def test_the_token_itself_is_stored_nowhere(staffed, engine: Engine) -> None:
    issued = [token_of(feed_path(staffed.ok(h, f"feed {scope}"))) for h, scope in
              (("lena", "school"), ("bob", "mine"), ("sam", "mine"))]
    stored = everything_stored(engine)
    for token in issued:
        assert token not in stored
        assert hashlib.sha256(token.encode()).hexdigest() in stored
    assert len(set(issued)) == 3


def test_tokens_are_random_each_time(staffed, engine: Engine) -> None:
    first = token_of(feed_path(staffed.ok("lena", "feed school")))
    second = token_of(feed_path(staffed.ok("lena", "feed rotate school")))
    third = token_of(feed_path(staffed.ok("sam", "feed school")))
    assert len({first, second, third}) == 3


@pytest.mark.parametrize(("who", "scope"), [("admin", "school"), ("sam", "school"), ("lena", "school"),
                                            ("bob", "mine")])
def test_without_a_word_staff_get_the_feed_their_role_reads(staffed, engine: Engine, who: str, scope: str) -> None:
    staffed.ok(who, "feed")
    [row] = tokens(engine)
    assert row.scope == scope


def test_a_teacher_may_not_have_the_school_feed_and_nothing_changes(staffed, engine: Engine) -> None:
    reply = staffed.refused("bob", "feed school")
    assert "leaders" in reply.title and "/sen feed mine" in reply.title
    assert tokens(engine) == []


def test_asking_again_cannot_show_the_link_again_and_points_to_rotate(staffed, engine: Engine) -> None:
    staffed.ok("lena", "feed school")
    reply = staffed.refused("lena", "feed school")
    assert "/sen feed rotate school" in reply.title
    assert "/feeds/" not in reply.as_text()
    assert len(tokens(engine)) == 1
    # A different scope is a different link.
    staffed.ok("lena", "feed mine")
    assert sorted(t.scope for t in tokens(engine)) == ["mine", "school"]


def test_rotate_replaces_the_link_and_switches_the_old_one_off(staffed, engine: Engine) -> None:
    old = token_of(feed_path(staffed.ok("lena", "feed school")))
    reply = staffed.ok("lena", "feed rotate")
    assert reply.private
    new = token_of(feed_path(reply))
    assert new != old
    rows = tokens(engine)
    assert [(t.scope, t.revoked_at is None) for t in rows] == [("school", False), ("school", True)]
    assert rows[1].token_hash == hashlib.sha256(new.encode()).hexdigest()


def test_rotate_of_one_scope_leaves_the_other(staffed, engine: Engine) -> None:
    staffed.ok("sam", "feed school")
    staffed.ok("sam", "feed mine")
    staffed.ok("sam", "feed rotate mine")
    live = [t.scope for t in tokens(engine) if t.revoked_at is None]
    assert sorted(live) == ["mine", "school"]
    assert len(tokens(engine)) == 3
    reply = staffed.ok("sam", "feed rotate")  # both at once
    assert reply.as_text().count("/feeds/") == 2
    assert len([t for t in tokens(engine) if t.revoked_at is None]) == 2


def test_rotate_with_no_link_is_refused(staffed, engine: Engine) -> None:
    reply = staffed.refused("bob", "feed rotate")
    assert "/sen feed" in reply.title
    assert staffed.refused("lena", "feed rotate school")
    assert tokens(engine) == []


def test_a_leader_moved_to_teacher_loses_the_school_link_on_rotate(staffed, engine: Engine) -> None:
    staffed.ok("lena", "feed school")
    staffed.ok("admin", "staff add @lena role:teacher class:6C")
    reply = staffed.ok("lena", "feed rotate")
    assert "switched off" in reply.title and "/feeds/" not in reply.as_text()
    assert all(t.revoked_at is not None for t in tokens(engine))


def test_unknown_staff_get_no_link(chat, engine: Engine) -> None:
    chat.refused("stranger", "feed mine")
    assert tokens(engine) == []


# --- /sen staff remove --------------------------------------------------------------------------------------


def test_removing_staff_revokes_their_links_and_access(staffed, engine: Engine) -> None:
    staffed.ok("lena", "feed school")
    staffed.ok("lena", "feed mine")
    staffed.ok("sam", "feed school")
    reply = staffed.ok("admin", "staff remove @lena")
    assert "@lena" in reply.title and "2 calendar links" in reply.title
    by_staff = {(t.staff_id, t.scope): t.revoked_at for t in tokens(engine)}
    lena, sam = staffed_id(engine, "lena"), staffed_id(engine, "sam")
    assert by_staff[(lena, "school")] is not None and by_staff[(lena, "mine")] is not None
    assert by_staff[(sam, "school")] is None
    staffed.refused("lena", "due")  # no longer on the staff list
    assert "@lena" not in staffed.ok("admin", "staff list").as_text()
    with engine.connect() as c:
        actions = [r[0] for r in c.execute(text("SELECT action FROM audit_log ORDER BY id"))]
    assert "staff.remove" in actions


def test_staff_added_back_come_without_their_old_links(staffed, engine: Engine) -> None:
    staffed.ok("lena", "feed school")
    staffed.ok("admin", "staff remove lena")
    staffed.ok("admin", "staff add @lena role:leader")
    assert all(t.revoked_at is not None for t in tokens(engine))
    staffed.ok("lena", "feed school")  # a fresh link, since the old one is off
    assert len([t for t in tokens(engine) if t.revoked_at is None]) == 1


def test_only_admins_remove_staff(staffed, engine: Engine) -> None:
    staffed.ok("bob", "feed mine")
    for who in ("sam", "lena", "bob"):
        reply = staffed.refused(who, "staff remove @bob")
        assert "admin" in reply.title
    assert all(t.revoked_at is None for t in tokens(engine))


def test_the_last_admin_cannot_be_removed(staffed, engine: Engine) -> None:
    reply = staffed.refused("admin", "staff remove @admin")
    assert "only admin" in reply.title
    staffed.ok("admin", "staff add @ann role:admin")
    staffed.ok("ann", "staff remove @admin")  # now there is another
    staffed.refused("ann", "staff remove @ann")
    staffed.refused("admin", "due")


def test_removing_someone_unknown_is_refused(staffed) -> None:
    reply = staffed.refused("admin", "staff remove @nobody")
    assert "not on the staff list" in reply.title

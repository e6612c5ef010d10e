"""Abuse limits (issue 11): chat commands per person, feed requests per link, through the real HTTP server.

Both limits count per process (bot/ratelimit.py); the settings here are small so a handful of requests reach
them. Nothing here measures time: each test sends one more request than the limit allows in a minute.
"""

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from db.models import Pupil
from e2e.feed_server import feed_path, serve
from e2e.helpers import TODAY
from e2e.slack_support import FakeSlack, Server, SlackClient, make_school, settings_for, text_of


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    f = FakeSlack().start()
    yield f
    f.stop()


def _said(fake: FakeSlack, key: str) -> str:
    data = fake.wait_for("respond", key)[0].data
    return data.get("text", "") + text_of(data.get("blocks", []))


def test_a_person_sending_too_many_commands_is_asked_to_wait_and_nothing_changes(db_url: str, fake: FakeSlack,
                                                                                  engine: Engine) -> None:
    make_school(engine)
    server = Server(settings_for(db_url, fake, commands_per_minute=3)).start()
    slack = SlackClient(server.url, fake)
    try:
        for name in ("Ava Smith", "Ben Brown", "Cara Diaz"):
            _, _, key = slack.command(f'pupil add "{name}" year:5')
            assert name in _said(fake, key)
        response, _, key = slack.command('pupil add "Dan Extra" year:5')
        assert response.status_code == 200  # acknowledged as usual; the answer explains
        said = _said(fake, key)
        assert "up to 3 a minute" in said and "try again" in said and "nothing was changed" in said
        with Session(engine) as session:
            assert sorted(p.name for p in session.exec(select(Pupil))) == ["Ava Smith", "Ben Brown", "Cara Diaz"]
        # Someone else in the same workspace is not held up by it.
        _, _, key = slack.command("help", user="U0SOMEONE")
        assert "a minute" not in _said(fake, key)
    finally:
        slack.close()
        server.stop()


def test_a_feed_link_polled_too_often_gets_429_and_other_links_still_work(db_url: str, chat) -> None:  # type: ignore[no-untyped-def]
    chat.ok("admin", "staff add @lena role:leader")
    busy, other = feed_path(chat.ok("lena", "feed school")), feed_path(chat.ok("admin", "feed mine"))
    with serve(db_url, date.fromisoformat(TODAY), feed_requests_per_minute=2) as server:
        assert [server.get(busy).status_code for _ in range(2)] == [200, 200]
        refused = server.get(busy)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert b"BEGIN:VCALENDAR" not in refused.content
        assert server.get(other).status_code == 200
        assert server.counter("feed_rate_limited") == 1

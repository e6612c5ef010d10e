"""``sendbot sync wonde`` against a fake Wonde: pagination, a 429 honoured, null fields tolerated, only SEN
pupils stored, staff groups from the MIS, idempotent, and facts recorded in sendbot never overwritten."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e.helpers import TODAY, Cli, sqlite_url
from e2e.wonde_support import FakeWonde, student


@pytest.fixture
def wonde() -> Iterator[FakeWonde]:
    w = FakeWonde(
        students=[
            student(1, "Ava", "Smith", 10, ["10X1", "10Y2"], "K", ["ASD", "SLCN"], upn="A123456789012",
                    sen_start="2025-09-08"),
            student(2, "Ben", "Brown", 10, ["10Y2"], "E", ["SEMH"], plan="2024-06-03"),
            student(3, "Cara", "Diaz", 9, ["9M1"], "N", []),  # no SEN: not stored
            student(4, "Dan", "Evans", 9, ["9M1"], None, []),  # SEN details not granted: null
            student(5, "Eve", "Ford", 11, ["11A1"], "K", ["MLD"], sen_start="2024-01-10"),
        ],
        employees=[{"id": "E1", "forename": "Tom", "surname": "Hardy",
                    "contact_details": {"data": {"emails": {"email": "t.hardy@oak.example.org"}}},
                    "classes": {"data": [{"name": "10X1"}, {"name": "11A1"}]}},
                   {"id": "E2", "forename": "No", "surname": "Email", "contact_details": {"data": None}}])
    w.start()
    yield w
    w.stop()


def test_a_sync_reads_every_page_waits_when_told_and_stores_only_sen_pupils(tmp_path: Path, wonde: FakeWonde) -> None:
    c = Cli(tmp_path, sqlite_url(tmp_path))
    c.extra_env = wonde.env()
    c.ok("init", "--school", "Oak Academy", "--admin", "alice", "--phase", "secondary", "--today", TODAY)
    staff = tmp_path / "staff.csv"
    staff.write_text("Name,Email,Role\nTom Hardy,t.hardy@oak.example.org,teacher\n")
    c.ok("import", "staff", str(staff), "--today", TODAY)
    # Eve's SEN support was typed in sendbot with another start date: the sync must not overwrite it.
    c.ok("chat", "--as", "alice", "--today", TODAY, 'pupil add "Eve Ford" year:11')
    c.ok("chat", "--as", "alice", "--today", TODAY, "support start eve 01/02/2024")

    r = c.ok("sync", "wonde", "--today", TODAY)
    assert "Read 5 students and 2 employees from Wonde (waited 1 time when Wonde asked us to slow down)" in r.out
    pages = [p for p, status in wonde.requests if p.startswith("students")]
    assert [p.split("&")[0] for p in pages] == ["students?page=1", "students?page=2", "students?page=2",
                                                "students?page=3"]
    assert all("include=extended_details,education_details,classes,year,sen_needs" in p for p in pages)
    assert [s for _, s in wonde.requests if _.startswith("students")] == [200, 429, 200, 200]
    added = r.out.split("Added pupils (")[1]
    assert "Ava Smith" in added and "Ben Brown" in added
    assert "Cara Diaz" not in r.out and "Dan Evans" not in r.out  # no SEN, or not granted: not stored
    assert "Ava Smith (#2): SEN support from 08 Sep 2025" in r.out
    assert "Ben Brown (#3): EHC plan issued 03 Jun 2024" in r.out
    assert "SEN support started 10 Jan 2024 in the file, 01 Feb 2024 in sendbot — kept" in r.out
    assert "@t.hardy: classes — → 10X1,11A1" in r.out, r.out
    tom = c.ok("chat", "--as", "t.hardy", "--today", TODAY, "pupil list").out
    assert "Ava Smith" in tom and "Eve Ford" in tom and "Ben Brown" not in tom  # his sets, from the MIS

    ava = c.ok("chat", "--as", "alice", "--today", TODAY, "pupil show A123456789012").out
    assert "Class: 10X1,10Y2" in ava and "Primary need: ASD" in ava and "Secondary need: SLCN" in ava

    wonde.requests.clear()
    again = c.ok("sync", "wonde", "--today", TODAY)
    assert "Nothing changed: the register already matches the MIS." in again.out, again.out
    # The school withdraws access to SEN details: null fields change nothing and contradict nothing.
    for s in wonde.students:
        s["extended_details"] = {"data": None}
        s["sen_needs"] = None
    withdrawn = c.ok("sync", "wonde", "--today", TODAY)
    assert "Nothing changed" in withdrawn.out and "Different" not in withdrawn.out, withdrawn.out
    assert "Primary need: ASD" in c.ok("chat", "--as", "alice", "--today", TODAY, "pupil show A123456789012").out


def test_a_refused_token_is_one_line_and_changes_nothing(tmp_path: Path, wonde: FakeWonde) -> None:
    c = Cli(tmp_path, sqlite_url(tmp_path))
    c.extra_env = {**wonde.env(), "WONDE_TOKEN": "wrong"}
    c.ok("init", "--school", "Oak Academy", "--admin", "alice", "--today", TODAY)
    r = c.refused("sync", "wonde", "--today", TODAY)
    assert "Wonde refused the token" in r.text and "Nothing was changed" in r.text
    c.extra_env = {}
    assert "set WONDE_TOKEN and WONDE_SCHOOL_ID" in c.refused("sync", "wonde", "--today", TODAY).text


def test_sendbot_run_syncs_nightly_at_half_past_three_when_wonde_is_configured(tmp_path: Path,
                                                                              wonde: FakeWonde) -> None:
    import asyncio
    from datetime import date

    from bot.config import Settings
    from bot.server import services_for
    from bot.services.school import create_school
    from bot.state import AppState
    from bot.tables import migrate
    from db.engine import get_engine, transaction

    url = sqlite_url(tmp_path)
    migrate(url)
    engine = get_engine(url)
    with transaction(engine) as session:
        create_school(session, "Oak Academy", "alice", "secondary", date(2026, 3, 2))
    settings = Settings(database_url=url, wonde_token="wonde-test-token", wonde_school_id="A1930499544",
                        wonde_api_url=wonde.url, timezone="Europe/London")
    assert len(services_for(Settings(database_url=url))) + 1 == len(services_for(settings))
    state = AppState(settings=settings, engine=engine, today=lambda: date(2026, 3, 2))

    async def scenario() -> None:
        stop = await services_for(settings)[-1](state)
        try:
            job = state.extras["wonde"].get_job("wonde")
            assert str(job.trigger) == "cron[hour='3', minute='30']"
            assert job.next_run_time.hour == 3 and job.next_run_time.minute == 30
            await job.func()  # what the scheduler runs at 03:30
        finally:
            await stop()

    asyncio.run(scenario())
    c = Cli(tmp_path, url)
    listed = c.ok("chat", "--as", "alice", "--today", TODAY, "pupil list").out
    assert "Ava Smith" in listed and "Ben Brown" in listed and "Cara Diaz" not in listed
    engine.dispose()

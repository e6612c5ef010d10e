"""Benchmark: a school feed of 10,000+ open deadlines, served over real HTTP.

    python bench/feeds.py                      # SQLite in a temporary directory
    python bench/feeds.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench   # emptied first!

Builds a school whose pupils' facts (SEN support, interventions, EHC plans) materialize into at least
10,000 open deadlines, runs the app under uvicorn on a loopback port, and times:

- a cold GET (nothing cached: query, build, render), and its query and render parts on their own;
- the same feed rendered by icalendar alone (what the writer must equal byte for byte);
- warm GETs (the rendered bytes from the cache) and conditional GETs answered 304.

It prints the timings and their ratios. No assertions: numbers depend on the machine.
"""

import argparse
import os
import statistics
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import text
from sqlmodel import Session, select

from bot.config import Settings
from bot.feeds import content, ical
from bot.server import build_app
from bot.services.access import Actor
from bot.services.deadlines import refresh_school
from bot.services.feed_links import Issued, issue
from bot.services.reports import actionable, all_deadlines
from bot.services.school import create_school
from bot.tables import migrate
from db import models as m
from db.engine import get_engine, transaction

TODAY = date(2026, 3, 2)


def build_school(url: str, pupils: int) -> tuple[int, Issued, int]:
    """A school with ``pupils`` pupils' facts; returns (school id, a leader's feed token, open deadlines)."""
    engine = get_engine(url)
    with transaction(engine) as session:
        school = create_school(session, "Bench Academy", "admin", "all-through", TODAY)
        assert school.id is not None
        leader = m.Staff(school_id=school.id, handle="lena", role="leader")
        teacher = m.Staff(school_id=school.id, handle="bob", role="teacher", class_name="5B")
        session.add_all([leader, teacher])
        session.flush()
        for n in range(pupils):
            taught = n % 30 == 0  # a few pupils are @bob's
            p = m.Pupil(school_id=school.id, name=f"Pupil Number{n}", year_group=n % 12, year_recorded_in=2025,
                        class_name="5B" if taught else f"C{n % 40}", teacher_id=teacher.id if taught else None)
            session.add(p)
            session.flush()
            assert p.id is not None
            session.add(m.SupportPeriod(school_id=school.id, pupil_id=p.id, start=date(2025, 9, 8)))
            for k in range(2):
                iv = m.Intervention(school_id=school.id, pupil_id=p.id, what=f"Reading, phonics & maths {k}",
                                    staff_id=teacher.id)
                session.add(iv)
                session.flush()
                assert iv.id is not None
                session.add(m.InterventionReview(school_id=school.id, intervention_id=iv.id,
                                                 due=TODAY + timedelta(days=7 + (n * 3 + k * 11) % 200)))
            if n % 4 == 0:
                session.add(m.EhcPlan(school_id=school.id, pupil_id=p.id,
                                      issued_on=date(2025, 4, 1) + timedelta(days=n % 300)))
        session.flush()
        refresh_school(session, school, TODAY)
        actor = Actor(leader.id or 0, school.id, "lena", "leader")
        open_count = len([i for i in all_deadlines(session, school.id, TODAY) if actionable(i, TODAY)])
        token = issue(session, actor, "school")
        return school.id, token, open_count


def timed(fn, repeat: int = 1, before=None) -> tuple[float, float, object]:  # type: ignore[no-untyped-def]
    """(best, median) seconds of ``repeat`` calls, and the last result; ``before`` runs untimed before each."""
    times, result = [], None
    for _ in range(repeat):
        if before is not None:
            before()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), result


def forget_renderings(app_state: object) -> None:
    """Make the next request cold: no rendered feed, and none of the per-title memos warm."""
    app_state.extras["feed_cache"].clear()  # type: ignore[attr-defined]
    for memo in (content._kind_text, content._initials, ical._summary, ical._category, ical._day, ical._stamp,
                 ical._duration):
        memo.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a PostgreSQL URL (its tables are emptied); default: SQLite")
    parser.add_argument("--pupils", type=int, default=2100, help="pupils to create (default 2100: 10,000+ deadlines)")
    parser.add_argument("--repeat", type=int, default=5, help="cold renders to time (default 5)")
    parser.add_argument("--no-reference", action="store_true", help="skip the slow icalendar-only rendering")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    if args.database_url:
        with get_engine(url).begin() as c:
            c.execute(text("DROP SCHEMA public CASCADE"))
            c.execute(text("CREATE SCHEMA public"))
    migrate(url)
    print(f"database: {url.split('@')[-1]}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    t_setup = time.perf_counter()
    school_id, token, open_count = build_school(url, args.pupils)
    print(f"set-up: {args.pupils} pupils, {open_count} open deadlines ({time.perf_counter() - t_setup:.1f} s)")

    # One link polled as fast as it can be: the per-link rate limit (issue 11) would answer 429s, so it is lifted.
    app = build_app(Settings(database_url=url, feed_requests_per_minute=10**9), today=lambda: TODAY)
    state = app.state.sendbot
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    link = f"http://127.0.0.1:{port}/feeds/{token.token}.ics"
    try:
        with httpx.Client(timeout=120) as client:
            # The very first request of the process: nothing cached, nothing compiled, nothing memoized.
            first_ever, _, first = timed(lambda: client.get(link))
            assert first.status_code == 200  # type: ignore[attr-defined]
            body = first.content  # type: ignore[attr-defined]
            etag = first.headers["etag"]  # type: ignore[attr-defined]
            cold, cold_median, again = timed(lambda: client.get(link), args.repeat,
                                             before=lambda: forget_renderings(state))
            assert again.content == body  # type: ignore[attr-defined]
            renders = state.counters.get("feed_renders", 0)
            warm, warm_median, _ = timed(lambda: client.get(link), repeat=15)
            t304, t304_median, r304 = timed(lambda: client.get(link, headers={"If-None-Match": etag}), repeat=30)
            assert r304.status_code == 304  # type: ignore[attr-defined]
            assert state.counters.get("feed_renders", 0) == renders, "a warm or 304 answer rendered"
    finally:
        server.should_exit = True
        thread.join(timeout=10)

    # The parts of a cold answer, on their own.
    engine = get_engine(url)
    with Session(engine) as session:
        school = session.get(m.School, school_id)
        row = session.exec(select(m.FeedToken).where(m.FeedToken.id == token.row.id)).one()
        staff = session.get(m.Staff, row.staff_id)
        assert school is not None and staff is not None
        t_query, _, evs = timed(lambda: content.events(session, school, row, staff, TODAY), args.repeat,
                                before=lambda: forget_renderings(state))
        info = content.calendar_info(school, row)
    t_render, _, rendered = timed(lambda: ical.render(info, evs), args.repeat,  # type: ignore[arg-type]
                                  before=lambda: forget_renderings(state))
    assert rendered == body

    print(f"feed: {len(evs)} events, {len(body) / 1e6:.1f} MB")  # type: ignore[arg-type]
    print(f"first GET of the process:                 {first_ever * 1000:8.1f} ms")
    print(f"cold GET (query, build, render, send):    {cold * 1000:8.1f} ms best, {cold_median * 1000:.1f} ms median "
          f"of {args.repeat}")
    print(f"  of which: query and build the events    {t_query * 1000:8.1f} ms best")
    print(f"            render the bytes              {t_render * 1000:8.1f} ms best")
    print(f"warm GET (cached bytes):                  {warm * 1000:8.1f} ms best, {warm_median * 1000:.1f} ms median")
    print(f"conditional GET answered 304:             {t304 * 1000:8.1f} ms best, {t304_median * 1000:.1f} ms median")
    print(f"ratio cold / warm GET (medians):  {cold_median / warm_median:6.1f}x")
    print(f"ratio cold / 304 (medians):       {cold_median / t304_median:6.1f}x")
    if not args.no_reference:
        t_ref, _, ref = timed(lambda: ical.reference(info, evs))  # type: ignore[arg-type]
        same = "identical bytes" if ref == body else "DIFFERENT BYTES"
        print(f"icalendar alone renders the same feed in {t_ref * 1000:8.1f} ms ({same}); "
              f"ratio icalendar alone / sendbot writer: {t_ref / t_render:5.1f}x")
    tmp.cleanup()


if __name__ == "__main__":
    main()

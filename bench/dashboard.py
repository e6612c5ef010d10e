"""Benchmark: the SEN dashboard of a large school, built and rendered.

    python bench/dashboard.py                  # 600 pupils, SQLite in a temporary directory
    python bench/dashboard.py --pupils 2000

Seeds a school whose pupils are on SEN support (half with a parent meeting this term) or have EHC plans
from several LAs with assessment requests, review meetings and decisions; then times, with the deadlines
already fresh for the day: the figures (``build``, which reads the rows), the page (charts and template), and
counts the SQL statements ``build`` runs. It prints numbers and ratios; no assertions.
"""

import argparse
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import event

from bot.dashboard.http import render
from bot.dashboard.load import build
from bot.dashboard.view import page_context
from bot.services.deadlines import refresh_school
from bot.services.school import actor_for, create_school
from bot.tables import migrate
from db import models as m
from db.engine import get_engine, transaction

TODAY = date(2026, 3, 2)
LAS = ("Kent", "Surrey", "Medway", "East Sussex", None)


def seed(url: str, pupils: int) -> int:
    engine = get_engine(url)
    with transaction(engine) as s:
        school = create_school(s, "Bench Academy", "admin", "primary", TODAY)
        s.add(m.Staff(school_id=school.id, handle="lena", role="leader"))
        sid = school.id
        assert sid is not None
        for i in range(pupils):
            p = m.Pupil(school_id=sid, name=f"Pupil {i} Bench", year_group=1 + i % 6, year_recorded_in=2025,
                        class_name=f"{1 + i % 6}{'ABC'[i % 3]}")
            s.add(p)
            s.flush()
            if i % 3:
                s.add(m.SupportPeriod(school_id=sid, pupil_id=p.id, start=date(2026, 1, 5)))
                if i % 2:
                    s.add(m.ParentMeeting(school_id=sid, pupil_id=p.id,
                                          held_on=date(2026, 2, 1) + timedelta(i % 20)))
                continue
            req = date(2024, 6, 3) + timedelta(days=i % 200)
            s.add(m.AssessmentRequest(school_id=sid, pupil_id=p.id, received_on=req))
            s.add(m.LaDecision(school_id=sid, pupil_id=p.id, kind="assess",
                               sent_on=req + timedelta(days=30 + i % 25)))
            issued = req + timedelta(days=120 + i % 60)
            s.add(m.EhcPlan(school_id=sid, pupil_id=p.id, issued_on=issued, local_authority=LAS[i % len(LAS)]))
            held = issued + timedelta(days=340 + i % 50)
            if held < TODAY:
                s.add(m.ReviewMeeting(school_id=sid, pupil_id=p.id, held_on=held))
                if i % 4:
                    s.add(m.LaDecision(school_id=sid, pupil_id=p.id, kind="no-amend",
                                       sent_on=held + timedelta(days=20 + i % 20)))
        school_row = s.get(m.School, sid)
        assert school_row is not None
        refresh_school(s, school_row, TODAY)
    return sid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pupils", type=int, default=600)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        migrate(url)
        started = time.perf_counter()
        sid = seed(url, args.pupils)
        print(f"seeded {args.pupils} pupils in {time.perf_counter() - started:.1f} s")
        engine = get_engine(url)
        statements = [0]

        @event.listens_for(engine, "before_cursor_execute")
        def _count(*_: object) -> None:
            statements[0] += 1

        figures, pages = [], []
        for _ in range(args.runs):
            statements[0] = 0
            t0 = time.perf_counter()
            with transaction(engine) as s:
                view = build(s, actor_for(s, sid, "lena"), TODAY)
            t1 = time.perf_counter()
            html = render("dashboard.html", **page_context(view)).body
            t2 = time.perf_counter()
            figures.append(t1 - t0)
            pages.append(t2 - t1)
        deadlines = sum(len(x.clocks) for x in view.la)
        fig, page = statistics.median(figures), statistics.median(pages)
        print(f"figures (build): median {fig * 1000:.1f} ms, {statements[0]} SQL statements; "
              f"page: median {page * 1000:.1f} ms, {len(html) / 1024:.0f} KiB")
        print(f"LAs: {len(view.la)}, clock rows: {deadlines}, letters: {len(view.letters)}, "
              f"classes: {len(view.meetings)}; page/figures ratio {page / fig:.2f}")
        engine.dispose()


if __name__ == "__main__":
    main()

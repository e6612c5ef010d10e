"""How reads of materialized deadlines compare with recomputing them, as a school grows.

Run: python bench/deadlines.py [--pupils 2000] [--url sqlite:///…]

Prints ratios, not pass/fail: the point of materializing is that `/sen due` and the digest cost what is
due, not the size of the school, while a fact change recomputes one pupil only.
"""

import argparse
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlmodel import Session, select

from bot.services import reports
from bot.services.access import Actor
from bot.services.deadlines import recompute_pupil, refresh_school
from bot.services.school import create_school
from bot.tables import migrate
from db import models as m
from db.engine import get_engine, transaction

TODAY = date(2026, 3, 2)


def seed(url: str, pupils: int) -> int:
    engine = get_engine(url)
    with transaction(engine) as session:
        school = create_school(session, "Bench Academy", "admin", "secondary", TODAY)
        sid = school.id
        assert sid is not None
        for n in range(pupils):
            p = m.Pupil(school_id=sid, name=f"Pupil {n:05d}", year_group=7 + n % 5, year_recorded_in=2025)
            session.add(p)
            session.flush()
            session.add(m.SupportPeriod(school_id=sid, pupil_id=p.id, start=date(2025, 9, 8)))
            if n % 4 == 0:
                session.add(m.EhcPlan(school_id=sid, pupil_id=p.id, issued_on=TODAY - timedelta(days=300 + n % 90)))
                session.add(m.LaDecision(school_id=sid, pupil_id=p.id, kind="plan-issued",
                                         sent_on=TODAY - timedelta(days=300 + n % 90)))
    return sid


def timed(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pupils", type=int, default=2000)
    parser.add_argument("--url", default=None, help="database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    migrate(url)
    sid = seed(url, args.pupils)
    engine = get_engine(url)
    actor = Actor(staff_id=1, school_id=sid, handle="admin", role="admin")

    def full_refresh() -> None:
        with transaction(engine) as session:
            school = session.get(m.School, sid)
            assert school is not None
            school.deadlines_as_of = None
            refresh_school(session, school, TODAY)

    def one_pupil() -> None:
        with transaction(engine) as session:
            school = session.get(m.School, sid)
            pupil = session.exec(select(m.Pupil).where(m.Pupil.school_id == sid)).first()
            assert school is not None and pupil is not None
            recompute_pupil(session, school, pupil, TODAY)

    def due_week() -> None:
        with Session(engine) as session:
            reports.due(session, actor, "week", "all", TODAY)

    refresh = timed(full_refresh, 1)
    pupil = timed(one_pupil)
    read = timed(due_week)
    with Session(engine) as session:
        rows = len(session.exec(select(m.Deadline.id).where(m.Deadline.school_id == sid)).all())
    print(f"{args.pupils} pupils, {rows} deadline rows on {engine.dialect.name}")
    print(f"recompute the whole school: {refresh * 1000:8.1f} ms")
    print(f"recompute one pupil:        {pupil * 1000:8.1f} ms  (whole school / one pupil = {refresh / pupil:6.0f}x)")
    print(f"/sen due week (read):       {read * 1000:8.1f} ms  (whole school / read      = {refresh / read:6.0f}x)")


if __name__ == "__main__":
    main()

"""The speed benchmark: one command, one table. Prints figures and writes them to bench/results/.

Run: python bench/run.py [--size 10k|100k|1m] [--url postgresql+psycopg://…]

The school is built through the project's own code: staff through ``/sen staff add``, pupils and their
facts as rows, then every deadline materialized by ``refresh_school`` (the same code a fact change runs),
then ``ANALYZE``. ``--size`` is the number of deadlines, roughly: about ten per pupil, so 100k is a school of
10,000 pupils. Commands run through ``bot.commands.execute`` (parse, transaction, use case, reply), as the
SENCO and as a teacher. Figures are printed, never asserted (docs/performance.md explains each one).
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import col, func, select

from bot.commands import execute
from bot.reminders.sweep import plan_all
from bot.services.deadlines import maintain, refresh_school
from bot.services.school import create_school
from db import models as m
from db.engine import analyze, get_engine, migrate, transaction

TODAY = date(2026, 3, 2)  # a Monday in the spring term
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
FIRST = ["Ava", "Ben", "Chloe", "Dev", "Ella", "Finn", "Grace", "Hari", "Isla", "Jack", "Kai", "Lily", "Mia",
         "Noah", "Olivia", "Priya", "Quinn", "Ravi", "Sofia", "Theo", "Uma", "Vik", "Willow", "Xander", "Yara",
         "Zak", "Amir", "Bella", "Cara", "Dina", "Eli", "Faye", "Gus", "Hana", "Ivy", "Jon", "Kemi", "Leo",
         "Maya", "Nia", "Omar", "Pia", "Rosa", "Sam", "Tara", "Umar", "Vera", "Wes", "Yusuf", "Zoe"]
SYLLABLES = ["ash", "brook", "clay", "dun", "el", "fair", "gold", "hart", "ing", "kirk", "lan", "mor", "nor",
             "ock", "pen", "ridge", "stan", "thorn", "wood", "ley"]


def surname(n: int) -> str:
    a, b = divmod(n, len(SYLLABLES))
    return (SYLLABLES[a % len(SYLLABLES)] + SYLLABLES[b]).capitalize()


def name_of(n: int) -> str:
    """A unique made-up name per pupil number (no real pupil data)."""
    return f"{FIRST[n % len(FIRST)]} {surname(n // len(FIRST))}"


def build(url: str, deadlines: int) -> tuple[int, int, float]:
    """Create the school; returns (school id, pupils, seconds to build)."""
    start = time.perf_counter()
    engine = get_engine(url)
    pupils = max(10, deadlines // 10)
    with transaction(engine) as session:
        school = create_school(session, "Bench Academy", "admin", "secondary", TODAY)
        sid = school.id
        assert sid is not None
    for text in ("/sen staff add @senco role:senco", "/sen staff add @teacher role:teacher class:7A"):
        assert execute(engine, sid, "admin", text, TODAY).ok
    with transaction(engine) as session:
        teacher = session.exec(select(m.Staff).where(m.Staff.handle == "teacher")).one()
        for n in range(pupils):
            p = m.Pupil(school_id=sid, name=name_of(n), year_group=7 + n % 5, year_recorded_in=2025,
                        class_name=f"{7 + n % 5}{'ABCDEFGH'[n // 5 % 8]}",
                        teacher_id=teacher.id if n % 40 == 0 else None)
            session.add(p)
            session.flush()
            session.add(m.SupportPeriod(school_id=sid, pupil_id=p.id, start=date(2023, 9, 8)))
            if n % 3 == 0:
                issued = TODAY - timedelta(days=30 + n % 330)
                session.add(m.EhcPlan(school_id=sid, pupil_id=p.id, issued_on=issued))
                session.add(m.LaDecision(school_id=sid, pupil_id=p.id, kind="plan-issued", sent_on=issued))
                session.add(m.ReviewMeeting(school_id=sid, pupil_id=p.id, held_on=issued + timedelta(days=200)))
            if n % 2 == 0:
                iv = m.Intervention(school_id=sid, pupil_id=p.id, what="Reading", staff_id=teacher.id)
                session.add(iv)
                session.flush()
                for k in range(3):
                    session.add(m.InterventionReview(school_id=sid, intervention_id=iv.id,
                                                     due=TODAY + timedelta(days=-60 + 42 * k + n % 42)))
    with transaction(engine) as session:
        school = session.get(m.School, sid)
        assert school is not None
        refresh_school(session, school, TODAY)
    analyze(engine)
    return sid, pupils, time.perf_counter() - start


def percentiles(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def help_time() -> float:
    exe = Path(sys.executable).with_name("sendbot")
    best = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run([str(exe), "--help"], check=True, capture_output=True)
        best.append(time.perf_counter() - start)
    return statistics.median(best) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="10k")
    parser.add_argument("--url", default=None, help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    url = args.url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    migrate(url)
    engine = get_engine(url)
    sid, pupils, built = build(url, SIZES[args.size])
    with transaction(engine) as session:
        rows = session.exec(select(func.count()).select_from(m.Deadline)).one()
        some = session.exec(select(m.Pupil).where(m.Pupil.school_id == sid, col(m.Pupil.teacher_id).is_not(None))
                            .order_by(col(m.Pupil.id).desc())).first()
    assert some is not None
    results: dict[str, object] = {"size": args.size, "pupils": pupils, "deadlines": rows,
                                  "database": engine.dialect.name, "build_s": round(built, 1)}
    table: list[tuple[str, str]] = []

    def command(who: str, text: str) -> None:
        if pupils > 20_000:
            return  # commands are measured at 10k and 100k; the 1m size is for the sweep
        reply = execute(engine, sid, who, text, TODAY)
        assert reply.ok or "could be" in reply.title, (text, reply.title)  # a clear "which one?" counts
        p50, p99 = percentiles(lambda: execute(engine, sid, who, text, TODAY), args.runs)
        key = f"{who}: {text}"
        results[key] = {"p50_ms": round(p50, 2), "p99_ms": round(p99, 2)}
        table.append((key, f"p50 {p50:7.1f} ms   p99 {p99:7.1f} ms"))

    for who in ("senco", "teacher"):
        command(who, f'pupil show "{some.name}"')
        command(who, f"pupil show #{some.id}")
        command(who, f"pupil show {some.name.split()[1].lower()}")  # a surname: "could be … and 42 more"
        command(who, "due week")
        command(who, "due month")
        command(who, "digest")

    # The first command of a new day (same term): no recompute, just the read.
    start = time.perf_counter()
    assert execute(engine, sid, "senco", "due week", TODAY + timedelta(days=1)).ok
    first = (time.perf_counter() - start) * 1000
    results["first command of a new day_ms"] = round(first, 1)
    table.append(("first command of a new day (senco: due week)", f"{first:7.1f} ms"))

    # A new term: the scheduler's maintain brings the school up to date in batches, then the first command.
    summer = TODAY + timedelta(days=60)
    start = time.perf_counter()
    maintain(engine, summer)
    upkeep = time.perf_counter() - start
    start = time.perf_counter()
    assert execute(engine, sid, "senco", "due week", summer).ok
    first_term = (time.perf_counter() - start) * 1000
    results["maintain new term (background)_s"] = round(upkeep, 2)
    results["first command of a new term_ms"] = round(first_term, 1)
    table.append(("new term: maintain (scheduler, background)", f"{upkeep:7.2f} s in batches of 500 pupils"))
    table.append(("new term: first command after maintain", f"{first_term:7.1f} ms"))

    # The sweep: plan every reminder due by 09:00 on a school day.
    now = datetime(2026, 5, 5, 8, 30, tzinfo=UTC)
    start = time.perf_counter()
    report = plan_all(engine, now, force=True)
    sweep = time.perf_counter() - start
    start = time.perf_counter()
    plan_all(engine, now, force=True)
    again = time.perf_counter() - start
    results["sweep_s"] = round(sweep, 3)
    results["sweep rows written"] = report.planned
    results["sweep again (nothing new)_s"] = round(again, 3)
    table.append(("sweep (plan reminders due now)", f"{sweep:7.3f} s, {report.planned} rows written"))
    table.append(("sweep again (all written already)", f"{again:7.3f} s"))

    help_ms = help_time()
    results["sendbot --help_ms"] = round(help_ms, 1)
    table.append(("sendbot --help (median of 5, subprocess)", f"{help_ms:7.1f} ms"))

    print(f"\n{args.size}: {pupils} pupils, {rows} deadlines on {engine.dialect.name} (built in {built:.0f} s)")
    width = max(len(k) for k, _ in table)
    for key, value in table:
        print(f"  {key:<{width}}  {value}")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    path = out / f"{args.size}-{engine.dialect.name}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"written to {path}")


if __name__ == "__main__":
    main()

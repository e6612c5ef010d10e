"""How long importing the SEN register takes: the first import of the 300-row fixture, and a re-import.

Run: python bench/register_import.py [--url sqlite:///…]

Prints times and the ratio re-import / first import (a re-import records no facts, so it should be cheaper).
"""

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from bot.register.csv_import import apply_register, operator, read_register
from bot.services.school import create_school
from bot.tables import migrate
from db.engine import get_engine, transaction

TODAY = date(2026, 3, 2)
FIXTURE = Path(__file__).parent.parent / "tests" / "fixtures" / "register_300.csv"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", help="a database URL (default: a new SQLite file)")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    migrate(url)
    engine = get_engine(url)
    with transaction(engine) as session:
        sid = create_school(session, "Bench Academy", "admin", "secondary", TODAY).id
    assert sid is not None
    text = FIXTURE.read_text()
    start = time.perf_counter()
    rows, errors = read_register(text)
    read_s = time.perf_counter() - start
    assert not errors
    timings = []
    for _ in range(2):
        start = time.perf_counter()
        with transaction(engine) as session:
            report = apply_register(session, operator(session, sid), rows, TODAY)
        timings.append(time.perf_counter() - start)
    print(f"read {len(rows)} rows: {read_s * 1000:.1f} ms")
    print(f"first import: {timings[0]:.2f} s ({timings[0] / len(rows) * 1000:.1f} ms a row)")
    print(f"re-import (nothing changes: {not report.changed}): {timings[1]:.2f} s; "
          f"ratio re-import/first = {timings[1] / timings[0]:.2f}")


if __name__ == "__main__":
    main()

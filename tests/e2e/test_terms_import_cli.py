"""`sendbot terms import` with a half-term calendar: three whole terms a year, and it says what it did."""

import json
from pathlib import Path

from e2e.helpers import Cli

HALF_TERMS = """name,start,end
Autumn 1,2026-09-03,2026-10-23
Autumn 2,2026-11-02,2026-12-18
Spring 1,2027-01-05,2027-02-12
Spring 2,2027-02-22,2027-03-26
Summer 1,2027-04-12,2027-05-28
Summer 2,2027-06-07,2027-07-21
"""


def test_importing_half_terms_merges_them_and_parent_meetings_count_whole_terms(cli: Cli, tmp_path: Path) -> None:
    cli.ok("init", "--school", "Oak Primary", "--admin", "alice", "--today", "2026-07-01")
    (tmp_path / "halves.csv").write_text(HALF_TERMS, encoding="utf-8")
    r = cli.ok("terms", "import", "halves.csv", "--today", "2026-07-01")
    assert "Imported 3 terms" in r.out
    assert "Merged 6 half-terms into 3 terms" in r.out
    listed = cli.chat("term list", today="2026-07-01").out
    assert "half-term" in listed and "Autumn 1" not in listed
    cli.chat('pupil add "Ava Smith" year:3', today="2026-07-01")
    cli.chat("support start ava 2026-06-01", today="2026-07-01")
    r = cli.ok("deadlines", "--json", "--today", "2027-07-01")
    meetings = [d["due"] for d in json.loads(r.out)
                if d["kind"] == "parent_meeting" and "2026-09" <= d["due"] < "2027-09"]
    assert meetings == ["2026-12-18", "2027-03-26", "2027-07-21"]

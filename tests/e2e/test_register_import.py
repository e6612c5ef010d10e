"""``sendbot import register``: a realistic 300-row MIS export in one command, idempotent, and leaving the same
deadlines as typing the same facts by hand (tests/fixtures/register_300.csv, made up: no real pupil)."""

import csv
import json
from pathlib import Path

import pytest

from e2e.helpers import TODAY, Cli, sqlite_url

FIXTURE = Path(__file__).parent.parent / "fixtures" / "register_300.csv"


def _school(where: Path) -> Cli:
    where.mkdir()
    c = Cli(where, sqlite_url(where))
    c.ok("init", "--school", "Oak Academy", "--admin", "alice", "--phase", "secondary", "--today", TODAY)
    return c


def _iso(uk: str) -> str:
    d, m, y = uk.split("/")
    return f"{y}-{m}-{d}"


def _by_hand() -> list[str]:
    """The chat commands a SENCO would type for the same facts, read straight from the fixture's columns."""
    lines = []
    with FIXTURE.open(newline="") as f:
        for row in csv.DictReader(f):
            provision = {"EHC Plan": "E"}.get(row["SEN Provision"], row["SEN Provision"])
            if provision == "N":
                continue  # not on the SEN register
            year = row["Year"].removeprefix("Year ")
            needs = f" need:{row['Primary Need']}" if row["Primary Need"] else ""
            needs += f" need2:{row['Secondary Need']}" if row["Secondary Need"] else ""
            upn = row["UPN"]
            lines.append(f'pupil add "{row["Preferred Forename"]} {row["Legal Surname"]}" year:{year} '
                         f'class:{row["Reg Group"]} upn:{upn} dob:{_iso(row["Date of Birth"])}{needs}')
            if provision == "K" and row["SEN Start Date"]:
                lines.append(f"support start {upn} {_iso(row['SEN Start Date'])}")
            if provision == "E" and row["EHC Plan Date"]:
                lines.append(f"ehcp issued {upn} {_iso(row['EHC Plan Date'])}")
                if row["Last Annual Review Date"]:
                    lines.append(f"ehcp reviewed {upn} {_iso(row['Last Annual Review Date'])}")
    return lines


def test_a_300_row_export_imports_in_one_command_idempotently_with_the_deadlines_typing_would_give(
        tmp_path: Path) -> None:
    imported = _school(tmp_path / "imported")
    dry = imported.ok("import", "register", str(FIXTURE), "--dry-run", "--today", TODAY)
    assert "Dry run: nothing was changed" in dry.out
    assert "Would add pupils (" in dry.out
    assert all(d["pupil"] is None for d in json.loads(imported.ok("deadlines", "--json", "--today", TODAY).out))

    first = imported.ok("import", "register", str(FIXTURE), "--today", TODAY)
    added = int(first.out.split("Added pupils (")[1].split(")")[0])
    hand = _by_hand()
    assert added == sum(1 for line in hand if line.startswith("pupil add")) > 250
    assert "with no SEN (N) and no record in sendbot skipped" in first.out

    again = imported.ok("import", "register", str(FIXTURE), "--today", TODAY)
    assert "Nothing changed: the register already matches the file" in again.out, again.out
    assert "Added" not in again.out and "Recorded" not in again.out

    typed = _school(tmp_path / "typed")
    typed.session(hand, today=TODAY)

    def deadlines(c: Cli) -> list[dict[str, str]]:
        return json.loads(c.ok("deadlines", "--json", "--today", TODAY).out)

    by_import, by_hand = deadlines(imported), deadlines(typed)
    assert len([d for d in by_import if d["pupil"]]) > 300  # every pupil on the register has deadlines
    assert by_import == by_hand
    # The census codes went in too.
    listed = imported.ok("chat", "--as", "alice", "--today", TODAY, "pupil list need:ASD").out
    assert "ASD" in listed and "pupils" in listed


def test_a_changed_export_updates_and_says_what_and_lists_pupils_no_longer_in_it(tmp_path: Path) -> None:
    c = _school(tmp_path / "school")
    small = tmp_path / "small.csv"
    rows = FIXTURE.read_text().splitlines()
    small.write_text("\n".join(rows[:11]) + "\n")
    c.ok("import", "register", str(small), "--today", TODAY)
    header, first, *rest = rows[:11]
    cells = first.split(",")
    name = f"{cells[3]} {cells[1]}"
    cells[5] = "8Z"  # moved reg group
    cells[10] = "01/09/2024"  # a different SEN start date from the one recorded
    changed = tmp_path / "changed.csv"
    changed.write_text("\n".join([header, ",".join(cells), *rest[:-1]]) + "\n")
    r = c.ok("import", "register", str(changed), "--today", TODAY)
    assert f"{name} (#1): class 8E → 8Z" in r.out
    assert "SEN support started 01 Sep 2024 in the file, 23 Jan 2025 in sendbot — kept" in r.out
    gone = rest[-1].split(",")
    assert f"{gone[3]} {gone[1]}" in r.out.split("not in the file")[1]
    shown = c.ok("chat", "--as", "alice", "--today", TODAY, f"pupil show {cells[0]}").out
    assert "8Z" in shown and "Census provision: K" in shown
    r = c.ok("import", "register", str(changed), "--archive-missing", "--today", TODAY)
    assert "Archived (not in the file) (1)" in r.out
    assert f"{gone[3]} {gone[1]}" not in c.ok("chat", "--as", "alice", "--today", TODAY, "pupil list").out


@pytest.mark.parametrize(("line", "reason"), [
    ("A123456789012,Smith,Ava,,5,5B,31/02/2015,K,ASD,,01/09/2025,,", "date of birth '31/02/2015' is not a date"),
    ("A123456789012,Smith,Ava,,5,5B,,K,AUT,,01/09/2025,,", "need: takes a census SEN type code"),
    ("A123456789012,Smith,Ava,,5,5B,,Q,ASD,,01/09/2025,,", "SEN provision 'Q' is not one of K"),
    ("NOTAUPN,Smith,Ava,,5,5B,,K,ASD,,01/09/2025,,", "UPN 'NOTAUPN' is not a UPN"),
    ("A123456789012,Smith,Ava,,,5B,,K,ASD,,01/09/2025,,", "no year group"),
])
def test_an_unreadable_row_is_reported_with_its_line_and_nothing_is_imported(tmp_path: Path, line: str,
                                                                             reason: str) -> None:
    c = _school(tmp_path / "school")
    header = FIXTURE.read_text().splitlines()[0]
    good = "B123456789012,Jones,Ben,,6,6A,,K,MLD,,01/10/2025,,"
    f = tmp_path / "bad.csv"
    f.write_text(f"{header}\n{good}\n{line}\n")
    r = c.refused("import", "register", str(f), "--today", TODAY)
    assert f"line 3: {reason}" in r.text, r.text
    assert "nothing was imported" in r.text
    assert "No pupils match" in c.ok("chat", "--as", "alice", "--today", TODAY, "pupil list").out


def test_headers_of_other_exports_and_map(tmp_path: Path) -> None:
    c = _school(tmp_path / "school")
    f = tmp_path / "arbor.csv"
    f.write_text("Student Name;NC Year;Registration Group;Stage;SEN Need 1;Sen Support Start Date\n"
                 "\"Khan, Amir\";9;9K;SEN Support;SLCN;2025-09-10\n")
    r = c.refused("import", "register", str(f), "--today", TODAY)
    assert "I can't find the SEN provision column" in r.text and '--map "Your Column=provision"' in r.text
    r = c.ok("import", "register", str(f), "--map", "Stage=provision", "--today", TODAY)
    assert "Amir Khan (#1)" in r.out and "SEN support from 10 Sep 2025" in r.out
    bad = c.refused("import", "register", str(f), "--map", "Stage=sen_stage", "--today", TODAY)
    assert "--map takes COLUMN=FIELD, where FIELD is one of upn, forename" in bad.text
    nameless = tmp_path / "nameless.csv"
    nameless.write_text("Pupil Ref,Year\nx,5\n")
    r = c.refused("import", "register", str(nameless), "--today", TODAY)
    assert "I can't find the pupils' names in the header row (Pupil Ref, Year)" in r.text

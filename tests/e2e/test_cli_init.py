"""``sendbot init``: creates the database and the school, and refuses what it can't do."""

from pathlib import Path

from e2e.helpers import Cli


def test_init_creates_the_database_and_the_school(cli: Cli, tmp_path: Path) -> None:
    assert not (tmp_path / "sendbot.db").exists()
    r = cli.ok("init", "--school", "Oak Primary", "--admin", "Alice", "--phase", "secondary", "--today", "2026-03-02")
    assert (tmp_path / "sendbot.db").is_file()
    assert "Oak Primary" in r.out
    assert "@alice" in r.out  # handles are case-insensitive
    assert "estimated" in r.out.lower(), "init must say its term dates are estimates"

    # The school exists with the chosen phase, alice is its admin, and the estimated terms are for the
    # academic year of --today (2025/26) and the next (2026/27).
    r = cli.session(["settings", "staff list", "term list"], as_="alice")
    assert "Oak Primary" in r.out
    assert "phase: secondary" in r.out
    assert "transfer-years: 11" in r.out
    assert "@alice — admin" in r.out
    assert "estimated" in r.out.lower()
    assert "Sep 2025" in r.out and "Jul 2027" in r.out


def test_a_second_init_with_the_same_name_is_refused(school_cli: Cli) -> None:
    # school_cli's database already holds Oak Primary, made by `sendbot init`.
    r = school_cli.refused("init", "--school", "Oak Primary", "--admin", "bob")
    assert "Oak Primary" in r.text and "already" in r.text


def test_a_second_init_differing_only_in_case_is_refused(school_cli: Cli) -> None:
    school_cli.refused("init", "--school", "oak  PRIMARY", "--admin", "bob")


def test_init_refuses_a_bad_phase_listing_the_phases(school_cli: Cli) -> None:
    r = school_cli.refused("init", "--school", "Elm Infants", "--admin", "alice", "--phase", "nursery")
    assert "nursery" in r.text
    for phase in ("primary", "infant", "junior", "middle", "secondary", "all-through", "special"):
        assert phase in r.text


def test_init_refuses_an_unusable_handle_and_an_impossible_today(school_cli: Cli) -> None:
    r = school_cli.refused("init", "--school", "Elm", "--admin", "not a handle!")
    assert "not a handle!" in r.text
    r = school_cli.refused("init", "--school", "Elm", "--admin", "alice", "--today", "31/02/2026")
    assert "31/02/2026" in r.text

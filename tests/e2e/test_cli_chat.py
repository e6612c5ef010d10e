"""``sendbot chat``: exit 0 when the command was carried out, non-zero with the reason when refused."""

from e2e.helpers import TODAY, Cli


def test_chat_carries_out_a_command_with_or_without_the_leading_sen(school_cli: Cli) -> None:
    r = school_cli.chat('/sen pupil add "Cleo Ward" year:4 dob:12/3/16')
    assert "Cleo Ward" in r.out
    # --today goes after the subcommand's name, in any order among its options (COMMANDS.md's own example).
    r = school_cli.ok("chat", "--today", TODAY, "--as", "alice", "PUPIL LIST")
    for name in ("Ava Smith", "Amir Khan", "Ben Jones", "Cleo Ward"):
        assert name in r.out


def test_chat_refuses_an_unknown_command(school_cli: Cli) -> None:
    r = school_cli.chat_refused("frobnicate ava")
    assert "frobnicate" in r.text
    assert "help" in r.text


def test_chat_refuses_an_unknown_option_naming_the_valid_ones(school_cli: Cli) -> None:
    r = school_cli.chat_refused('pupil add "Cleo Ward" year:4 colour:red')
    assert "colour" in r.text
    for option in ("year:", "class:", "teacher:", "upn:", "dob:"):
        assert option in r.text


def test_chat_refuses_an_impossible_date_and_changes_nothing(school_cli: Cli) -> None:
    r = school_cli.chat_refused('pupil add "Cleo Ward" year:4 dob:30/02/2016')
    assert "30/02/2016" in r.text
    r = school_cli.chat("pupil list")
    assert "Cleo" not in r.out, "a date that does not exist is refused, never rolled over"


def test_chat_refuses_an_unknown_or_ambiguous_pupil(school_cli: Cli) -> None:
    r = school_cli.chat_refused('pupil show "Ava Smyth"')
    assert "Ava Smyth" in r.text
    assert "Ava Smith" in r.text, "an unknown pupil is refused with the closest names"
    r = school_cli.chat_refused("pupil show a")
    assert "Ava Smith" in r.text and "Amir Khan" in r.text, "an ambiguous pupil is refused listing the candidates"


def test_chat_refuses_a_stranger(school_cli: Cli) -> None:
    r = school_cli.refused("chat", "--as", "mallory", "--today", TODAY, "pupil list")
    assert "mallory" in r.text
    assert "staff add" in r.text
    assert "Ava" not in r.text  # a stranger learns nothing about pupils


def test_chat_refuses_a_teacher_outside_their_class(school_cli: Cli) -> None:
    # bob teaches 5B (Ava's class); Ben is not his.
    r = school_cli.chat_refused("support start ben 2026-03-02", as_="bob")
    assert "Ben" in r.text or "ben" in r.text


def test_chat_before_any_school_exists_says_how_to_make_one(cli: Cli) -> None:
    r = cli.refused("chat", "--as", "alice", "--today", TODAY, "help")
    assert "sendbot init" in r.text


def test_chat_without_text_reads_commands_from_stdin(school_cli: Cli) -> None:
    r = school_cli.ok("chat", "--as", "alice", "--today", TODAY, input="help\npupil list\nquit\n")
    assert "/sen pupil add" in r.out  # help
    assert "3 pupils" in r.out and "Ava Smith" in r.out  # pupil list
    assert "Refused" not in r.text


def test_an_interactive_chat_ends_at_end_of_input_and_survives_refusals(school_cli: Cli) -> None:
    r = school_cli.ok("chat", "--as", "alice", "--today", TODAY, input="frobnicate\npupil show zed\n\npupil list")
    assert r.text.count("Refused") == 2
    assert "Ava Smith" in r.out

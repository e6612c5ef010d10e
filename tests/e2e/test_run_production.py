"""``SENDBOT_MODE=production``: ``sendbot run`` refuses to start without an encryption key (issue 11)."""

from pathlib import Path

from .helpers import Cli


def test_sendbot_run_in_production_without_a_key_refuses_to_start_and_creates_nothing(cli: Cli,
                                                                                        tmp_path: Path) -> None:
    cli.extra_env = {"SENDBOT_MODE": "production"}
    # --port 0: if the refusal ever broke, a server would start on an ephemeral port and the run would time out.
    result = cli.refused("run", "--port", "0")
    assert "SENDBOT_ENCRYPTION_KEY is not set" in result.text
    assert "sendbot encryption new-key" in result.text  # says how to make one
    assert "listening" not in result.text
    assert not (tmp_path / "sendbot.db").exists()  # refused before any database or school was made


def test_an_invalid_key_is_refused_by_name_not_with_a_traceback(cli: Cli) -> None:
    cli.extra_env = {"SENDBOT_MODE": "production", "SENDBOT_ENCRYPTION_KEY": "not-a-key"}
    result = cli.refused("run", "--port", "0")
    assert "SENDBOT_ENCRYPTION_KEY" in result.text
    assert "listening" not in result.text

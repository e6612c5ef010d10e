"""The core knows no chat surface: issue 8's check, ``grep -r slack bot/services bot/commands bot/reminders
bot/rules db``, finds only what the allow-list below names.

The allow-list is exact on purpose. A platform's *name* is data the core must hold (which surface a workspace
is on); the three released migrations are history a database has already run, never rewritten
(docs/architecture.md, "Migrations"). Anything else means Slack's shape leaked into the core: move it into
``bot/slack/`` (its storage, its migrations, its syntax rewrite) instead of adding it here.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = ("bot/services", "bot/commands", "bot/reminders", "bot/rules", "db")
WORD = "slack"  # case-sensitive, as the grep

# file -> the exact lines (stripped) allowed to contain the word; None: the whole file (a released revision).
ALLOWED: dict[str, set[str] | None] = {
    # (a) The platform names the core stores in chat_workspace.platform / staff_identity.platform.
    "bot/services/tenancy.py": {'PLATFORMS = {"slack": "Slack", "teams": "Microsoft Teams"}'},
    # (b) Applied migrations are history: they created, carried over and dropped school.slack_team_id (0001,
    # 0005_identity) and created slack_request_seen and encrypted Slack's tokens (0008_security). Changing them
    # would change what a fresh database gets compared with one migrated before; they stay as released.
    "db/migrations/versions/0001_initial_schema.py": None,
    "db/migrations/versions/0005_identity.py": None,
    "db/migrations/versions/0008_security.py": None,
}


def hits(root: Path) -> list[tuple[str, int, str]]:
    """Every line under the core folders containing the word: (file, line number, line), like grep -rn."""
    found = []
    for folder in CORE:
        for path in sorted((root / folder).rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue  # a binary file (grep says "Binary file matches"; none is kept in these folders)
            for number, line in enumerate(text.splitlines(), 1):
                if WORD in line:
                    found.append((path.relative_to(root).as_posix(), number, line.strip()))
    return found


def unexpected(root: Path) -> list[tuple[str, int, str]]:
    out = []
    for file, number, line in hits(root):
        allowed = ALLOWED.get(file, set())
        if allowed is not None and line not in allowed:
            out.append((file, number, line))
    return out


def test_the_core_names_no_chat_surface_beyond_the_allow_list() -> None:
    assert unexpected(ROOT) == [], "Slack's shape in the core: move it into bot/slack/ (docs/surfaces.md)"


def test_every_allowed_entry_is_still_needed() -> None:
    """An allow-list entry nothing matches any more is removed, so the list stays minimal."""
    matched = {file for file, _, _ in hits(ROOT)}
    assert set(ALLOWED) <= matched
    lines = {(file, line) for file, _, line in hits(ROOT)}
    assert all((file, line) in lines for file, allowed in ALLOWED.items() for line in allowed or ())


def test_a_slack_word_added_to_the_core_is_caught(tmp_path: Path) -> None:
    for folder in CORE:
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "bot/services/tenancy.py").write_text(
        'PLATFORMS = {"slack": "Slack", "teams": "Microsoft Teams"}\nDEFAULT = "slack"\n')
    (tmp_path / "bot/services/school.py").write_text("def slack_channel(text: str) -> str: ...\n")
    (tmp_path / "db/migrations/versions").mkdir(parents=True)
    (tmp_path / "db/migrations/versions/0005_identity.py").write_text("slack_team_id\n")  # released history
    (tmp_path / "db/migrations/versions/0014_more.py").write_text('op.drop_table("slack_event")\n')  # a new one
    assert unexpected(tmp_path) == [
        ("bot/services/school.py", 1, "def slack_channel(text: str) -> str: ..."),
        ("bot/services/tenancy.py", 2, 'DEFAULT = "slack"'),
        ("db/migrations/versions/0014_more.py", 1, 'op.drop_table("slack_event")'),
    ]

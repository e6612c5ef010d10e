"""The Slack app manifests in deploy/slack/ ask for what the app handles, and no more."""

import re
from pathlib import Path

import pytest

from bot.slack.app import COMMAND, HOME_EVENT, SCOPES

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "slack"


def listed(text: str, key: str) -> list[str]:
    """The '- item' lines under ``key:`` (comments dropped), as a small YAML list reader."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == f"{key}:")
    indent = len(lines[start]) - len(lines[start].lstrip())
    out = []
    for line in lines[start + 1:]:
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        item = line.split("#")[0].strip()
        if item.startswith("- "):
            out.append(item[2:].strip())
    return out


def setting(text: str, key: str) -> list[str]:
    return [m.strip().strip("'\"") for m in re.findall(rf"^\s*(?:- )?{key}:\s*([^#\n]+)", text, re.MULTILINE)]


@pytest.mark.parametrize("name", ["manifest.yml", "manifest.socket-mode.yml"])
def test_manifest_matches_the_app(name: str) -> None:
    text = (DEPLOY / name).read_text(encoding="utf-8")
    assert setting(text, "command") == [COMMAND]
    assert setting(text, "should_escape") == ["true"]  # mentions arrive as user ids
    assert setting(text, "home_tab_enabled") == ["true"]
    assert setting(text, "is_enabled") == ["true"]  # interactivity: buttons and modals
    assert listed(text, "bot") == list(SCOPES)
    assert listed(text, "bot_events") == [HOME_EVENT]
    assert "usage_hint" in text


def test_http_manifest_points_every_request_at_slack_events() -> None:
    text = (DEPLOY / "manifest.yml").read_text(encoding="utf-8")
    assert setting(text, "socket_mode_enabled") == ["false"]
    assert setting(text, "url") == ["https://sendbot.example.org/slack/events"]
    assert setting(text, "request_url") == ["https://sendbot.example.org/slack/events"] * 2
    assert listed(text, "redirect_urls") == ["https://sendbot.example.org/slack/oauth_redirect"]


def test_socket_mode_manifest_needs_no_public_address() -> None:
    text = (DEPLOY / "manifest.socket-mode.yml").read_text(encoding="utf-8")
    assert setting(text, "socket_mode_enabled") == ["true"]
    assert "https://" not in text.split("_metadata:")[1]


def test_every_scope_asked_for_is_used_and_no_more() -> None:
    """The Web API methods sendbot calls need only these scopes (im:write was never used)."""
    bot = Path(__file__).resolve().parents[2] / "bot"
    called = set()
    for path in bot.rglob("*.py"):
        called |= set(re.findall(r"\.(chat_\w+|views_\w+|users_\w+|conversations_\w+|im_\w+)\(", path.read_text()))
    assert called, "the scan found the Web API calls"
    needs = {"chat_postMessage": "chat:write", "chat_update": "chat:write",  # views.* need no scope
             "users_lookupByEmail": "users:read.email"}
    for method in called:
        assert method.startswith("views_") or method in needs, f"{method} needs a scope not asked for"
    wanted = {"commands", *(needs[m] for m in called if m in needs)}
    if "users:read.email" in wanted:
        wanted.add("users:read")  # Slack grants users:read.email only together with users:read
    assert set(SCOPES) == wanted

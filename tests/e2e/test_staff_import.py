"""``sendbot import staff``: the staff list from a CSV, matched to Slack users by e-mail through Slack's
``users.lookupByEmail`` (a fake Slack Web API on loopback, reached through SLACK_API_URL)."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e.helpers import TODAY, Cli, sqlite_url
from e2e.slack_support import BOT_TOKEN, FakeSlack

STAFF = """Name,Email,Role,Classes
Tom Hardy,T.Hardy@oak.example.org,Teacher,"10X1,10Y2,10Z3"
Tia Lowe,t.lowe@oak.example.org,Teaching Assistant,10M1
Sue Patel,s.patel@oak.example.org,senco,
Max Supply,max@supply.example.org,teacher,11A1
"""


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    f = FakeSlack(users={"t.hardy@oak.example.org": "U0TOM0001", "t.lowe@oak.example.org": "U0TIA0001",
                         "s.patel@oak.example.org": "U0SUE0001"}).start()
    yield f
    f.stop()


def _school(tmp_path: Path, fake: FakeSlack) -> Cli:
    c = Cli(tmp_path, sqlite_url(tmp_path))
    c.extra_env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": fake.api_url}
    c.ok("init", "--school", "Oak Academy", "--admin", "alice", "--phase", "secondary", "--today", TODAY)
    return c


def test_staff_are_matched_to_slack_users_by_email_and_the_unmatched_are_reported(tmp_path: Path,
                                                                                  fake: FakeSlack) -> None:
    c = _school(tmp_path, fake)
    f = tmp_path / "staff.csv"
    f.write_text(STAFF)
    r = c.ok("import", "staff", str(f), "--today", TODAY)
    assert "Tom Hardy (@u0tom0001, teacher)" in r.out
    assert "Tia Lowe (@u0tia0001, ta)" in r.out
    unmatched = r.out.split("No Slack user has these e-mails")[1]
    assert "Max Supply <max@supply.example.org>" in unmatched and "Tom" not in unmatched
    lookups = fake.recorded("api", "users.lookupByEmail")
    assert sorted(x.data["email"] for x in lookups) == sorted(
        ["t.hardy@oak.example.org", "t.lowe@oak.example.org", "s.patel@oak.example.org", "max@supply.example.org"])
    assert all(x.token == BOT_TOKEN for x in lookups)
    # Tom, as Slack will name him, now sees the pupils of his three sets.
    c.ok("chat", "--as", "alice", "--today", TODAY, 'pupil add "Ava Smith" year:10 class:10Y2')
    c.ok("chat", "--as", "alice", "--today", TODAY, 'pupil add "Dan Evans" year:10 class:10M1')
    tom = c.ok("chat", "--as", "U0TOM0001", "--today", TODAY, "pupil list").out
    assert "Ava Smith" in tom and "Dan Evans" not in tom
    again = c.ok("import", "staff", str(f), "--today", TODAY)
    assert "Nothing changed: the staff list already matches the file (4 staff)" in again.out


def test_a_bad_row_or_a_missing_scope_imports_nothing(tmp_path: Path, fake: FakeSlack) -> None:
    c = _school(tmp_path, fake)
    f = tmp_path / "staff.csv"
    f.write_text(STAFF + "No Email,,teacher,\nRole Less,r@oak.example.org,caretaker,\n")
    r = c.refused("import", "staff", str(f), "--today", TODAY)
    assert "line 6: no e-mail address" in r.text
    assert "line 7: role 'caretaker' is not one of teacher, ta, senco, leader, admin" in r.text
    fake.failing["users.lookupByEmail"] = "missing_scope"
    f.write_text(STAFF)
    r = c.refused("import", "staff", str(f), "--today", TODAY)
    assert "users:read.email scope" in r.text and "Nothing was imported" in r.text
    assert "Tom" not in c.ok("chat", "--as", "alice", "--today", TODAY, "staff list").out


def test_with_graph_configured_staff_slack_does_not_know_are_matched_to_microsoft_365_users(
        tmp_path: Path, fake: FakeSlack) -> None:
    from e2e.graph_support import FakeGraph

    graph = FakeGraph(tmp_path, users={"max@supply.example.org": "6f1c2d3e-0000-4000-8000-00000000abcd"}).start()
    try:
        c = _school(tmp_path, fake)
        c.extra_env.update(graph.env())
        f = tmp_path / "staff.csv"
        f.write_text(STAFF + "Nobody Known,nobody@oak.example.org,teacher,\n")
        r = c.ok("import", "staff", str(f), "--today", TODAY)
        assert "Max Supply (@6f1c2d3e-0000-4000-8000-00000000abcd, teacher)" in r.out, r.out
        unmatched = r.out.split("No Slack or Microsoft 365 user has these e-mails")[1]
        assert "nobody@oak.example.org" in unmatched and "max@" not in unmatched
        asked = [p for m, p, _ in graph.requests if p.startswith("/v1.0/users/")]
        # Only the two Slack did not know are asked of Graph, each with the token from the client-credentials flow.
        assert sorted(asked) == ["/v1.0/users/max@supply.example.org", "/v1.0/users/nobody@oak.example.org"]
        token_calls = [form for m, p, form in graph.requests if p.endswith("/oauth2/v2.0/token")]
        assert token_calls and token_calls[0]["grant_type"] == "client_credentials"
        assert token_calls[0]["scope"].startswith("https://graph.microsoft.com/.default")
        graph.forbidden = True
        f.write_text(STAFF + "Other Person,other@oak.example.org,teacher,\n")
        r = c.refused("import", "staff", str(f), "--today", TODAY)
        assert "User.Read.All" in r.text and "Nothing was imported" in r.text
    finally:
        graph.stop()

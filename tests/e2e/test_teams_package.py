"""``sendbot teams package``: the zip Teams accepts, and clear refusals for what it wouldn't."""

import json
import zipfile
from pathlib import Path

from e2e.helpers import Cli
from e2e.teams_support import APP_ID

PNG = b"\x89PNG\r\n\x1a\n"


def test_the_package_holds_a_filled_manifest_and_both_icons(cli: Cli, tmp_path: Path) -> None:
    cli.extra_env.update(TEAMS_APP_ID=APP_ID, SENDBOT_PUBLIC_URL="https://sendbot.oak.sch.uk/")
    result = cli.ok("teams", "package", "--developer", "Oak Primary", "--out", str(tmp_path / "out"))
    zip_path = tmp_path / "out" / "sendbot-teams.zip"
    assert str(zip_path) in result.text
    with zipfile.ZipFile(zip_path) as z:
        assert sorted(z.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(z.read("manifest.json"))
        icons = {name: z.read(name) for name in ("color.png", "outline.png")}
    assert manifest["manifestVersion"] == "1.25" and "v1.25" in manifest["$schema"]
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert manifest["developer"]["name"] == "Oak Primary"
    assert manifest["developer"]["privacyUrl"] == "https://sendbot.oak.sch.uk/privacy"
    assert manifest["validDomains"] == ["sendbot.oak.sch.uk"]
    assert "${" not in json.dumps(manifest)
    for name, data in icons.items():
        assert data.startswith(PNG), name
    # Teams wants a 192x192 colour icon and a 32x32 outline: the PNG header says the size.
    assert int.from_bytes(icons["color.png"][16:20], "big") == 192
    assert int.from_bytes(icons["outline.png"][16:20], "big") == 32


def test_bad_values_are_refused_with_what_would_do(cli: Cli, tmp_path: Path) -> None:
    out = str(tmp_path / "x.zip")
    no_id = cli.refused("teams", "package", "--developer", "Oak", "--out", out)
    assert "TEAMS_APP_ID" in no_id.text
    bad_id = cli.refused("teams", "package", "--developer", "Oak", "--app-id", "my-bot", "--out", out)
    assert "00000000-0000-0000-0000-000000000000" in bad_id.text
    http = cli.refused("teams", "package", "--developer", "Oak", "--app-id", APP_ID, "--public-url",
                       "http://sendbot.oak.sch.uk", "--out", out)
    assert "https" in http.text
    assert not (tmp_path / "x.zip").exists()

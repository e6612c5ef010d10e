"""``sendbot teams package``: the Teams app zip (manifest.json + two icons) an admin uploads or sideloads.

The manifest in ``deploy/teams/manifest.json`` (schema 1.25) has ``${...}`` placeholders; this fills them from
the settings and checks what Teams would otherwise reject only at upload time. Pure standard library: no
Microsoft import, so it works without the extra.
"""

import json
import re
import string
import uuid
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

from bot.services.errors import Refused

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "teams"
ICONS = ("color.png", "outline.png")
_PLACEHOLDER = re.compile(r"\$\{[A-Z_]+\}")


def manifest(app_id: str, public_url: str, developer: str, template: Path | None = None) -> dict:
    """The manifest for this bot: its Entra app id, where it is served, who publishes it."""
    try:
        app_id = str(uuid.UUID(app_id.strip()))
    except ValueError:
        raise Refused(f"'{app_id}' is not an Entra application (client) id: it looks like "
                      "00000000-0000-0000-0000-000000000000 (Azure portal → App registrations → Overview).") from None
    url = public_url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise Refused(f"'{public_url}' is not a public https:// address: Teams only talks to https "
                      "(set SENDBOT_PUBLIC_URL, e.g. https://sendbot.oak.sch.uk).")
    developer = " ".join(developer.split())
    if not developer or len(developer) > 32:
        raise Refused("The publisher name (--developer) must be 1 to 32 characters, like \"Oak Primary\".")
    text = (template or DEPLOY / "manifest.json").read_text(encoding="utf-8")
    values = {"TEAMS_APP_ID": app_id, "PUBLIC_URL": url, "PUBLIC_HOST": parts.hostname,
              "SCHOOL_OR_TRUST_NAME": developer}
    filled = string.Template(text).safe_substitute({k: json.dumps(v)[1:-1] for k, v in values.items()})
    left = _PLACEHOLDER.findall(filled)
    assert not left, f"unfilled placeholders {left}"
    return json.loads(filled)


def write_package(out: Path, app_id: str, public_url: str, developer: str) -> Path:
    """Write the zip (manifest.json and the icons at its root, as Teams requires) and return its path."""
    data = manifest(app_id, public_url, developer)
    out = out if out.suffix == ".zip" else out / "sendbot-teams.zip"
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("manifest.json", json.dumps(data, indent=2, ensure_ascii=False))
        for icon in ICONS:
            z.write(DEPLOY / icon, icon)
    return out

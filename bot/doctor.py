"""Is this sendbot set up right? ``sendbot doctor`` runs every check; ``/readyz`` runs the quick ones.

Each check answers ok, warn or fail, says what it found (ids and counts only) and, when not ok, what to do.
"""

import asyncio
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.config import Settings, env_files
from bot.ops import reason, safe_url

if TYPE_CHECKING:
    from bot.state import AppState

CLOCK_SKEW_LIMIT = 300  # seconds: Slack refuses signatures older than five minutes


@dataclass
class Check:
    name: str
    status: str  # ok | warn | fail | skip
    detail: str
    fix: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "fail"


def check_configuration(settings: Settings) -> Check:
    read = [f for f in env_files() if Path(f).is_file()]
    where = "settings files read: " + (", ".join(read) if read else "none (environment only)")
    problems: list[str] = []
    if settings.slack_bot_token and not (settings.slack_signing_secret or settings.slack_app_token):
        problems.append("SLACK_BOT_TOKEN is set without SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN "
                        "(Socket Mode): set one of them")
    if settings.slack_client_id and not (settings.slack_client_secret and settings.slack_signing_secret):
        problems.append("SLACK_CLIENT_ID needs SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET too")
    if settings.slack_bot_token and settings.slack_client_id:
        problems.append("set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID (many workspaces), not both")
    if problems:
        return Check("configuration", "fail", where, "; ".join(problems) + " (docs/admin.md, Configure).")
    if (settings.slack_signing_secret or settings.slack_client_id) and not settings.slack_app_token \
            and not settings.public_url.startswith("https://"):
        return Check("configuration", "warn", f"{where}; SENDBOT_PUBLIC_URL is {settings.public_url}",
                     "Slack only calls HTTPS addresses: set SENDBOT_PUBLIC_URL to the https:// address of your "
                     "reverse proxy.")
    return Check("configuration", "ok", where)


def check_database(settings: Settings) -> Check:
    from bot.ops import NoDatabase, check_database_exists

    url = settings.database_url
    try:
        check_database_exists(url)
    except NoDatabase as e:
        return Check("database", "fail", str(e).split(". ")[0], "Check SENDBOT_DATABASE_URL, or create the school: "
                     'sendbot init --school "…" --admin <handle>.')
    except Exception as e:
        return Check("database", "fail", f"{safe_url(url)}: {reason(e)}",
                     "Check SENDBOT_DATABASE_URL, that the server runs and accepts this user and password.")
    return Check("database", "ok", f"{safe_url(url)} answers")


def check_migrations(settings: Settings) -> Check:
    from db.engine import SCHEMA_HEAD, schema_is_current

    try:
        current = schema_is_current(settings.database_url)
    except Exception as e:
        return Check("migrations", "fail", f"can't read the schema version: {reason(e)}",
                     "Fix the database check first.")
    if not current:
        return Check("migrations", "fail", f"the schema is not at {SCHEMA_HEAD}",
                     "Run: sendbot migrate (sendbot run does it too; back up first: sendbot backup FILE).")
    return Check("migrations", "ok", f"schema at {SCHEMA_HEAD}")


class AuthAnswer(Protocol):
    ok: bool
    detail: str
    server_time: datetime | None


def check_slack(settings: Settings, auth_test: Callable[[Settings], AuthAnswer]) -> tuple[Check, datetime | None]:
    """``auth_test`` is the Slack adapter's (bot.slack.health): this module imports no chat SDK or surface."""
    if settings.slack_client_id:
        return Check("slack", "ok", "many workspaces (OAuth): each workspace's token is checked when it is used"), None
    if not settings.slack_bot_token:
        return Check("slack", "skip", "not configured (console only)",
                     "To connect Slack, follow docs/slack.md."), None
    result = auth_test(settings)
    if not result.ok:
        return Check("slack", "fail", result.detail,
                     "Copy the Bot User OAuth Token (xoxb-…) again from the app's OAuth & Permissions page into "
                     "SLACK_BOT_TOKEN; if the app was uninstalled, reinstall it (docs/slack.md)."), result.server_time
    return Check("slack", "ok", f"auth.test: {result.detail}"), result.server_time


def check_teams(settings: Settings) -> Check:
    fields = {k: v for k, v in settings.model_dump().items() if k.startswith(("teams_", "microsoft_"))}
    if not fields or not any(fields.values()):
        return Check("teams", "skip", "not configured")
    missing = sorted(k.upper() for k, v in fields.items() if not v)
    if missing:
        return Check("teams", "fail", "Teams is partly configured", f"Set {', '.join(missing)} (docs/admin.md).")
    return Check("teams", "ok", "credentials present")


def check_public_url(settings: Settings, timeout: float = 5.0) -> Check:
    url = f"{settings.public_url}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            code = response.status
    except Exception as e:
        code_or_error = getattr(e, "code", None) or e.__class__.__name__
        return Check("public address", "fail", f"{url} did not answer ({code_or_error})",
                     "Is sendbot run running? Does the reverse proxy pass requests to it? Is SENDBOT_PUBLIC_URL the "
                     "address calendars and Slack use?")
    return Check("public address", "ok" if code == 200 else "warn", f"{url} answered {code}")


def check_clock(settings: Settings, reference: datetime | None) -> Check:
    try:
        zone = ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return Check("clock", "fail", f"unknown time zone '{settings.timezone}'",
                     "Set SENDBOT_TIMEZONE to an IANA name, e.g. Europe/London.")
    now = datetime.now(UTC)
    detail = f"{now.astimezone(zone):%Y-%m-%d %H:%M %Z} in {settings.timezone}"
    if reference is not None:
        skew = abs((now - reference).total_seconds())
        if skew > CLOCK_SKEW_LIMIT:
            return Check("clock", "fail", f"{detail}; {skew:.0f} s away from Slack's clock",
                         "Turn on time synchronisation (NTP: timedatectl set-ntp true); Slack refuses requests "
                         "signed more than five minutes away.")
        detail += f"; within {skew:.0f} s of Slack's clock"
    return Check("clock", "ok", detail)


def check_terms(settings: Settings, today: date) -> Check:
    from sqlmodel import Session, select

    from db.engine import get_engine
    from db.models import School, Term

    this_year = today.year if today.month >= 9 else today.year - 1  # academic years start in September
    years = {this_year: f"{this_year}/{str(this_year + 1)[2:]}", this_year + 1: f"{this_year + 1}/"
             f"{str(this_year + 2)[2:]}"}
    try:
        with Session(get_engine(settings.database_url)) as session:
            schools = session.exec(select(School.id)).all()
            terms = session.exec(select(Term.school_id, Term.start, Term.estimated)).all()
    except Exception as e:
        return Check("term dates", "fail", f"can't read terms: {reason(e)}", "Fix the database check first.")
    if not schools:
        return Check("term dates", "warn", "no school yet", 'Create one: sendbot init --school "…" --admin <handle>.')
    missing, estimated = [], []
    for school_id in schools:
        for year, label in years.items():
            in_year = [t for t in terms if t.school_id == school_id
                       and date(year, 8, 1) <= t.start < date(year + 1, 8, 1)]
            if not in_year:
                missing.append(f"school {school_id} {label}")
            elif any(t.estimated for t in in_year):
                estimated.append(f"school {school_id} {label}")
    if missing:
        return Check("term dates", "fail", "no term dates for " + ", ".join(missing),
                     "Add them: sendbot terms import terms.csv (name,start,end) or /sen term add.")
    if estimated:
        return Check("term dates", "warn", "estimated term dates for " + ", ".join(estimated),
                     "Replace them with the real ones: sendbot terms import terms.csv, or /sen term add.")
    return Check("term dates", "ok", f"real term dates for {', '.join(years.values())}")


def run_checks(settings: Settings, today: date, *, public: bool = True,
               slack_auth: Callable[[Settings], AuthAnswer]) -> list[Check]:
    """Every check, in the order an admin fixes them."""
    checks = [check_configuration(settings), check_database(settings)]
    database_ok = not checks[-1].failed
    checks.append(check_migrations(settings) if database_ok
                  else Check("migrations", "skip", "database unreachable"))
    slack, slack_time = check_slack(settings, slack_auth)
    checks += [slack, check_teams(settings)]
    checks.append(check_public_url(settings) if public else Check("public address", "skip", "not checked"))
    checks.append(check_clock(settings, slack_time))
    checks.append(check_terms(settings, today) if database_ok else Check("term dates", "skip", "database unreachable"))
    return checks


# --- /readyz ----------------------------------------------------------------------------------------------


class _Cached:
    """A slow check (Slack's auth.test) done at most every ``seconds``, so probes don't hammer Slack."""

    def __init__(self, fn: Callable[[], Check], seconds: float = 300.0) -> None:
        self.fn, self.seconds = fn, seconds
        self.value: Check | None = None
        self.at = 0.0

    def __call__(self) -> Check:
        if self.value is None or time.monotonic() - self.at > self.seconds or self.value.failed:
            self.value, self.at = self.fn(), time.monotonic()
        return self.value


def readiness(state: "AppState", slack: Callable[[], Check]) -> list[Check]:
    settings = state.settings
    checks = [check_database(settings)]
    if not checks[0].failed:
        checks.append(check_migrations(settings))
    scheduler = state.extras.get("reminders")
    if scheduler is not None:
        limit = settings.heartbeat_max_age
        if state.heartbeat is None:
            started = time.monotonic() - state.started
            checks.append(Check("scheduler", "ok" if started < limit else "fail",
                                f"no tick yet ({started:.0f} s after start)"))
        else:
            age = (datetime.now(UTC) - state.heartbeat).total_seconds()
            checks.append(Check("scheduler", "ok" if age <= limit else "fail", f"last tick {age:.0f} s ago",
                                "" if age <= limit else "The scheduler is stuck: restart sendbot; see the log."))
    if settings.slack_bot_token:
        checks.append(slack())
    return checks


def readiness_routes(slack_auth: Callable[[Settings], AuthAnswer]) -> Callable[["AppState"], list[BaseRoute]]:
    """``/readyz``, as a route maker for ``create_app`` (the composition root passes the Slack check)."""

    def make(state: "AppState") -> list[BaseRoute]:
        return routes(state, slack_auth)

    return make


def routes(state: "AppState", slack_auth: Callable[[Settings], AuthAnswer]) -> list[BaseRoute]:
    slack = _Cached(lambda: check_slack(state.settings, slack_auth)[0])

    async def readyz(request: Request) -> Response:
        checks = await asyncio.to_thread(readiness, state, slack)
        ready = not any(c.failed for c in checks)
        body = {"status": "ready" if ready else "not ready",
                "checks": {c.name: {"status": c.status, "detail": c.detail, **({"fix": c.fix} if c.fix else {})}
                           for c in checks}}
        return JSONResponse(body, status_code=200 if ready else 503)

    return [Route("/readyz", readyz)]

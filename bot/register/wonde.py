"""Wonde, the MIS API most English schools' MIS data is reached through: students, employees and classes.

What this relies on, from Wonde's public API documentation and its official clients: the base URL
``https://api.wonde.com/v1.0/schools/{school id}/…``, a bearer token, lists as ``{"data": [...], "meta":
{"pagination": {"next": <url or null>}}}`` followed page by page, and ``include=`` for related objects
(``extended_details``, ``education_details``, ``classes``, ``year``, ``sen_needs``, ``employees``). A field the
school has not granted comes back null or absent and is tolerated. The exact names of the SEN fields inside
those objects are read leniently (see :func:`_student_row`), since the school's granted scopes decide them.
HTTP 429 is answered by waiting as ``Retry-After`` says (capped) and asking again.
"""

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from bot.register.csv_import import RegisterRow, parse_provision
from bot.rules.census import need_code
from bot.services.groups import join_groups

STUDENT_INCLUDES = "extended_details,education_details,classes,year,sen_needs"
MAX_WAIT = 60  # seconds: a longer Retry-After means try tonight's run again, not hang
MAX_TRIES = 5
SYNC_LOCK = 0x5E4E  # first key of the advisory lock one replica takes to sync a school (reminders use 0x5E4D)
NIGHTLY_AT = (3, 30)  # local time: after MIS overnight jobs, and outside the 01:00–02:00 hour the clocks repeat


class WondeError(Exception):
    """Wonde could not be read: the reason, in words."""


class WondeClient:
    def __init__(self, base_url: str, token: str, school_id: str, *, sleep: Callable[[float], None] = time.sleep,
                 timeout: float = 30) -> None:
        self.base = base_url.rstrip("/") + f"/schools/{urllib.parse.quote(school_id)}/"
        self.token = token
        self.sleep = sleep
        self.timeout = timeout
        self.waited = 0  # times a 429 made us wait

    def _get(self, url: str) -> dict[str, Any]:
        for _ in range(MAX_TRIES):
            request = urllib.request.Request(url, headers={"Authorization": f"Bearer {self.token}",
                                                           "Accept": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return json.loads(response.read().decode("utf-8"))
            except urllib.error.HTTPError as e:
                if e.code == 429:
                    self.waited += 1
                    self.sleep(min(MAX_WAIT, _seconds(e.headers.get("Retry-After"))))
                    continue
                if e.code in (401, 403):
                    raise WondeError("Wonde refused the token (WONDE_TOKEN), or the school has not granted access "
                                     "to this data.") from None
                raise WondeError(f"Wonde answered HTTP {e.code}.") from None
            except (urllib.error.URLError, TimeoutError, json.JSONDecodeError) as e:
                raise WondeError(f"Wonde could not be reached ({e.__class__.__name__}).") from None
        raise WondeError(f"Wonde kept asking us to slow down (HTTP 429, {MAX_TRIES} times): try again later.")

    def pages(self, path: str, **params: str) -> Iterator[dict[str, Any]]:
        """Every object of a list, following ``meta.pagination.next``."""
        url: str | None = self.base + path + ("?" + urllib.parse.urlencode(params) if params else "")
        while url:
            body = self._get(url)
            yield from body.get("data") or []
            url = ((body.get("meta") or {}).get("pagination") or {}).get("next")

    def students(self) -> Iterator[dict[str, Any]]:
        return self.pages("students", include=STUDENT_INCLUDES, per_page="200")

    def employees(self) -> Iterator[dict[str, Any]]:
        return self.pages("employees", include="contact_details,classes", per_page="200")


def _seconds(value: str | None) -> float:
    try:
        return max(0.0, float(value or 1))
    except ValueError:
        return 1.0


def _data(obj: Any) -> Any:
    """Wonde wraps an included object as ``{"data": …}``; absent or null when not granted."""
    if isinstance(obj, dict) and "data" in obj:
        return obj["data"]
    return obj


def _date(value: Any) -> date | None:
    """Wonde dates come as ``{"date": "2014-09-01 00:00:00.000000", …}`` or a plain string; None if absent."""
    if isinstance(value, dict):
        value = value.get("date")
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _student_row(line: int, s: dict[str, Any]) -> RegisterRow | None:
    """A Wonde student as a register row, or None when it can't be read (reported by the caller)."""
    forename = s.get("forename") or s.get("legal_forename") or ""
    surname = s.get("surname") or s.get("legal_surname") or ""
    name = " ".join(f"{forename} {surname}".split())
    if not name:
        return None
    education = _data(s.get("education_details")) or {}
    extended = _data(s.get("extended_details")) or {}
    year = _data(s.get("year")) or {}
    year_code = str(year.get("code") or year.get("name") or education.get("current_nc_year") or "").strip()
    if year_code.upper().startswith("N") or not year_code:
        return None  # nursery, or not granted: nothing to place the pupil by
    classes = [c.get("name") for c in (_data(s.get("classes")) or []) if isinstance(c, dict) and c.get("name")]
    status = extended.get("sen_status") or extended.get("sen_provision") if isinstance(extended, dict) else None
    # Not granted (null) is "unknown", not "no SEN": it must neither add a pupil nor contradict sendbot.
    provision = parse_provision(str(status)) if status is not None else None
    needs = sorted((n for n in (_data(s.get("sen_needs")) or []) if isinstance(n, dict)),
                   key=lambda n: n.get("rank") or 99)
    codes = [c for c in (need_code(str(n.get("code") or n.get("type") or "")) for n in needs) if c]
    upn = (education.get("upn") or "").upper() or None
    return RegisterRow(
        line=line, name=name[:200], upn=upn, year=year_code.removeprefix("Y").removeprefix("Year ").strip(),
        class_name=join_groups(classes), dob=_date(s.get("date_of_birth")), provision=provision,
        need=codes[0] if codes else None, need2=codes[1] if len(codes) > 1 and codes[1] != codes[0] else None,
        sen_start=_date(extended.get("sen_start_date")), plan_date=_date(extended.get("ehcp_start_date")
                                                                         or extended.get("sen_ehcp_date")),
        review_date=_date(extended.get("ehcp_last_review_date")), mis_id=str(s.get("id") or "") or None)


def read_students(students: Iterator[dict[str, Any]]) -> tuple[list[RegisterRow], list[str]]:
    """Register rows from Wonde students, and a note for each one that could not be read."""
    from bot.services.errors import Refused
    from bot.services.lookup import UPN
    from bot.services.pupils import check_groups, parse_year

    rows, skipped = [], []
    for i, s in enumerate(students, start=1):
        row = _student_row(i, s)
        if row is None:
            skipped.append(f"student {s.get('id', i)}: no name or year group")
            continue
        try:
            parse_year(row.year or "")
            if row.upn and not UPN.match(row.upn):
                row.upn = None  # not a UPN: match by the MIS id and name instead
            row.class_name = check_groups(row.class_name)
        except Refused as e:
            skipped.append(f"student {s.get('id', i)}: {e}")
            continue
        rows.append(row)
    return rows, skipped


def employee_groups(employees: Iterator[dict[str, Any]]) -> dict[str, str | None]:
    """E-mail → the classes they teach (comma-separated), from Wonde employees."""
    out: dict[str, str | None] = {}
    for e in employees:
        contact = _data(e.get("contact_details")) or {}
        emails = _data(contact.get("emails")) or contact.get("emails") or {}
        email = (emails.get("email") or emails.get("work") or "") if isinstance(emails, dict) else ""
        if not email:
            continue
        names = [c.get("name") for c in (_data(e.get("classes")) or []) if isinstance(c, dict) and c.get("name")]
        out[email.lower()] = join_groups(names)
    return out


def apply_staff_groups(session: Any, actor: Any, groups: dict[str, str | None]) -> list[str]:
    """Set the teaching groups of staff whose e-mail the MIS knows. Returns what changed, in words."""
    from sqlmodel import select

    from db import models as m

    changed = []
    for s in session.exec(select(m.Staff).where(m.Staff.school_id == actor.school_id, m.Staff.active)).all():
        if not s.email or s.email.lower() not in groups:
            continue
        new = groups[s.email.lower()]
        if new != s.class_name:
            changed.append(f"@{s.handle}: classes {s.class_name or '—'} → {new or '—'}")
            s.class_name = new
            session.add(s)
    return changed


class SyncResult:
    def __init__(self, report: Any, students: int, employees: int, skipped: list[str], staff_changes: list[str],
                 waited: int) -> None:
        self.report, self.students, self.employees = report, students, employees
        self.skipped, self.staff_changes, self.waited = skipped, staff_changes, waited


def run_sync(engine: Any, settings: Any, school_id: int, today: date, *, dry_run: bool = False) -> SyncResult:
    """Read Wonde (network, outside any transaction), then apply it in one transaction (rolled back if dry)."""
    from sqlalchemy import text
    from sqlmodel import Session

    from bot.register.csv_import import apply_register, operator

    client = WondeClient(settings.wonde_api_url, settings.wonde_token, settings.wonde_school_id)
    students = list(client.students())
    employees = list(client.employees())
    rows, skipped = read_students(iter(students))
    groups = employee_groups(iter(employees))
    with Session(engine, expire_on_commit=False) as session:
        try:
            if session.get_bind().dialect.name == "postgresql" and not session.execute(
                    text("SELECT pg_try_advisory_xact_lock(:ns, :sid)"), {"ns": SYNC_LOCK, "sid": school_id}).scalar():
                raise WondeError("Another replica is syncing this school with Wonde right now.")
            actor = operator(session, school_id)
            report = apply_register(session, actor, rows, today)
            staff_changes = apply_staff_groups(session, actor, groups)
        except BaseException:
            session.rollback()
            raise
        if dry_run:
            session.rollback()
        else:
            session.commit()
    # Only SEN-relevant pupils are stored; a pupil with no SEN who is not on the register is not news.
    return SyncResult(report, len(students), len(employees), skipped, staff_changes, client.waited)


def nightly_service(settings: Any) -> Any:
    """The nightly Wonde sync as a service of ``sendbot run`` (bot.state.Service), when Wonde is configured.

    One cron job at 03:30 school time in an in-memory APScheduler store (as the reminders clock); it syncs the
    database's school (a deployment serving several schools runs ``sendbot sync wonde --school N`` per school).
    """
    import asyncio
    import logging

    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    log = logging.getLogger(__name__)

    async def start(state: Any) -> Any:
        scheduler = AsyncIOScheduler(timezone=settings.timezone, job_defaults={"coalesce": True, "max_instances": 1,
                                                                               "misfire_grace_time": 3600})

        async def job() -> None:
            from sqlmodel import Session, select

            from db.models import School

            with Session(state.engine) as session:
                ids = [s.id for s in session.exec(select(School)).all()]
            if len(ids) != 1:
                log.warning("wonde: the nightly sync needs exactly one school in the database; found %s", len(ids))
                return
            try:
                result = await asyncio.to_thread(run_sync, state.engine, settings, ids[0], state.today())
                log.info("wonde: synced school %s: %s added, %s updated, %s differences", ids[0],
                         len(result.report.added), len(result.report.updated), len(result.report.differences))
            except Exception:
                log.exception("wonde: the nightly sync of school %s failed; it runs again tomorrow", ids[0])

        scheduler.add_job(job, "cron", hour=NIGHTLY_AT[0], minute=NIGHTLY_AT[1], id="wonde", name="wonde nightly sync")
        scheduler.start()
        state.extras["wonde"] = scheduler

        async def stop() -> None:
            scheduler.shutdown(wait=False)
            await asyncio.sleep(0)

        return stop

    return start

"""Retention: what is deleted, and when (UK GDPR Art. 5(1)(e), storage limitation).

- The SEN record of a pupil who has left (archived) is kept until their date of birth plus the school's
  ``retention-years`` (default 31: the IRMS Information Management Toolkit for Schools keeps SEN files until
  the pupil's date of birth + 31 years), then deleted as ``erase`` deletes it. A pupil with no date of birth
  recorded is kept, and the report says so: the school must decide.
- Reminders (the outbox) and sent digests are deleted 90 days after their sending day, whatever happened
  to them; they hold ids only, and the deadline they were about is worked out again from the facts.

Run weekly by the server (``retention_service``) and by hand with ``sendbot retention [--dry-run]``. The audit
trail is append-only and holds ids only: it is kept.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta
from sqlalchemy import Engine
from sqlmodel import col, delete, func, select

from db import models as m
from db.engine import transaction

if TYPE_CHECKING:
    from bot.web import AppState

log = logging.getLogger(__name__)

DEFAULT_YEARS = 31
OUTBOX_DAYS = 90
FINISHED = ("sent", "withdrawn", "parked", "snoozed")  # not pending or being sent


def keep_until(dob: date, years: int) -> date:
    """The last day a left pupil's SEN record is kept: date of birth + ``years`` (IRMS toolkit, SEN files).

    29 February births count from 28 February in years without one (dateutil's month arithmetic)."""
    return dob + relativedelta(years=years)


def outbox_cutoff(today: date) -> date:
    """Reminders whose sending day is before this are deleted."""
    return today - timedelta(days=OUTBOX_DAYS)


@dataclass
class RetentionReport:
    dry_run: bool
    pupils_removed: list[tuple[int, int]] = field(default_factory=list)  # (school id, pupil id)
    kept_without_dob: list[tuple[int, int]] = field(default_factory=list)
    reminders_removed: int = 0

    def lines(self) -> list[str]:
        verb = "would remove" if self.dry_run else "removed"
        out = [f"Retention {'(dry run: nothing deleted)' if self.dry_run else 'applied'}:",
               f"- {verb} the records of {len(self.pupils_removed)} pupil(s) who left and are past the retention "
               "period" + (": " + ", ".join(f"#{p} (school {s})" for s, p in self.pupils_removed)
                           if self.pupils_removed else ""),
               f"- {verb} {self.reminders_removed} reminder(s) and digest(s) older than {OUTBOX_DAYS} days"]
        if self.kept_without_dob:
            out.append(f"- kept {len(self.kept_without_dob)} left pupil(s) with no date of birth recorded (add "
                       "dob: with /sen pupil edit, or erase them): "
                       + ", ".join(f"#{p} (school {s})" for s, p in self.kept_without_dob))
        return out


def apply_retention(engine: Engine, today: date, *, dry_run: bool = False) -> RetentionReport:
    """Apply every school's retention setting as of ``today``, in one transaction; a dry run only counts."""
    from bot.services.audit import audit
    from bot.services.pupils import delete_pupil_record

    report = RetentionReport(dry_run=dry_run)
    with transaction(engine) as session:
        for school in session.exec(select(m.School).order_by(m.School.id)).all():
            assert school.id is not None
            years = int(str(school.settings.get("retention-years", DEFAULT_YEARS)) or DEFAULT_YEARS)
            left = session.exec(select(m.Pupil).where(m.Pupil.school_id == school.id,
                                                      col(m.Pupil.archived).is_(True)).order_by(m.Pupil.id)).all()
            for pupil in left:
                assert pupil.id is not None
                if pupil.dob is None:
                    report.kept_without_dob.append((school.id, pupil.id))
                elif today > keep_until(pupil.dob, years):
                    report.pupils_removed.append((school.id, pupil.id))
                    if not dry_run:
                        pid = pupil.id
                        delete_pupil_record(session, pupil)
                        audit(session, None, school.id, "pupil.retention", pid)
            if report.pupils_removed and not dry_run:
                school.data_version += 1
                session.add(school)
        old = col(m.Reminder.send_on) < outbox_cutoff(today)
        finished = col(m.Reminder.status).in_(FINISHED)
        report.reminders_removed = session.exec(select(func.count()).select_from(m.Reminder)
                                                .where(old, finished)).one()
        if not dry_run:
            session.exec(delete(m.Reminder).where(old, finished))
    log.warning("retention: %s %d pupil record(s), %d reminder(s)", "would remove" if dry_run else "removed",
                len(report.pupils_removed), report.reminders_removed)
    return report


async def retention_service(state: "AppState") -> Callable[[], Awaitable[None]]:
    """The weekly retention job, as a service of the web app (bot.web.Service)."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    scheduler = AsyncIOScheduler(timezone=state.settings.timezone,
                                 job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})

    async def run() -> None:
        try:
            await asyncio.to_thread(apply_retention, state.engine, state.today())
        except Exception:  # ids only in the log; next week tries again
            log.exception("retention: the weekly run failed")

    scheduler.add_job(run, "interval", weeks=1, id="retention", name="retention")
    scheduler.start()

    async def stop() -> None:
        with contextlib.suppress(Exception):
            scheduler.shutdown(wait=False)

    return stop

"""The audit trail of one pupil (``/sen audit``) and the extra parts of a subject access export.

Audit rows are append-only (migration 0008: a trigger refuses UPDATE and DELETE) and hold ids and action
names only. Reading a pupil's details, contacts, export or audit trail writes a row too.
"""

import csv
import io
import json
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from bot.services.access import Actor
from bot.services.audit import audit, export_extras, trail  # noqa: F401  (export_extras: re-exported)
from bot.services.lookup import find_pupil
from db import models as m

SHOWN = 50  # rows in the chat reply, newest first; the export has them all


def audit_trail(session: Session, actor: Actor, ref: str) -> tuple[m.Pupil, list[tuple[m.AuditLog, str]]]:
    """``/sen audit <pupil>``: the SENCO and admins only. The reading is itself audited."""
    actor.require("senco", "admin", doing="read a pupil's audit trail")
    pupil = find_pupil(session, actor, ref, include_archived=True)
    assert pupil.id is not None
    audit(session, actor, actor.school_id, "audit.read", pupil.id)
    session.flush()
    return pupil, trail(session, actor.school_id, pupil.id)


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def as_csv(data: dict[str, Any]) -> str:
    """An export as one CSV: ``section,row,field,value``, one line per value (nested reviews flattened)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "row", "field", "value"])

    def rows(section: str, items: list[dict[str, Any]]) -> None:
        for i, item in enumerate(items, 1):
            for key, value in item.items():
                if isinstance(value, list):
                    rows(f"{section}.{key}", value)
                else:
                    writer.writerow([section, i, key, "" if value is None else _plain(value)])

    for section, value in data.items():
        rows(section, value if isinstance(value, list) else [value])
    return out.getvalue()


def as_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, default=_plain)

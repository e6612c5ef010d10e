"""The staff list from an MIS export (name, email, role, class), matched to chat users by e-mail.

Reading is pure; matching e-mails to chat users happens before the transaction (it is network I/O, through
:mod:`bot.register.directory`); applying runs in one transaction and changes nothing if any row is wrong.
"""

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlmodel import Session, select

from bot.register.csv_import import RegisterUnreadable, RowError
from bot.register.headers import fold
from bot.services.access import ROLES, Actor
from bot.services.audit import audit
from bot.services.errors import Refused
from db import models as m

# A handle that is already a chat user id (a Slack member id, a Microsoft Entra object id): never replaced.
CHAT_ID = re.compile(r"^([uw][a-z0-9]{5,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")
EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
HEADERS = {
    "name": ("name", "full name", "staff name", "display name", "employee name"),
    "forename": ("forename", "first name", "preferred forename", "legal forename"),
    "surname": ("surname", "last name", "preferred surname", "legal surname"),
    "email": ("email", "e mail", "email address", "work email", "school email"),
    "role": ("role", "sendbot role", "staff role", "job title"),
    "class": ("class", "classes", "teaching groups", "groups", "sets", "reg group", "form"),
}
ROLE_WORDS = {"teaching assistant": "ta", "learning support assistant": "ta", "lsa": "ta", "hlta": "ta",
              "class teacher": "teacher", "head teacher": "leader", "headteacher": "leader", "deputy head": "leader",
              "head": "leader", "slt": "leader", "administrator": "admin"}


@dataclass
class StaffRow:
    line: int
    name: str
    email: str
    role: str
    class_name: str | None


def read_staff(text: str) -> tuple[list[StaffRow], list[RowError]]:
    text = text.removeprefix("\ufeff")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    reader = csv.reader(io.StringIO(text), dialect)
    headers = next(reader, None)
    if headers is None:
        raise RegisterUnreadable("The file is empty: the staff list needs a header row (name, email, role, class).")
    folded = [fold(h) for h in headers]
    cols = {f: next((folded.index(fold(a)) for a in aliases if fold(a) in folded), None)
            for f, aliases in HEADERS.items()}
    if cols["email"] is None or (cols["name"] is None and cols["forename"] is None):
        raise RegisterUnreadable("The staff list needs a name column (Name, or Forename and Surname) and an Email "
                                 f"column; its header row is: {', '.join(headers)}.")
    from bot.services.pupils import check_groups

    rows, errors = [], []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        line = reader.line_num

        def get(key: str, values: list[str] = values) -> str:
            i = cols[key]
            return values[i].strip() if i is not None and i < len(values) else ""

        name = " ".join((get("name") or f"{get('forename')} {get('surname')}").split())
        email = get("email").lower()
        role_text = get("role").lower() or "teacher"
        role = ROLE_WORDS.get(role_text, role_text)
        try:
            if not name:
                raise Refused("no name")
            if not EMAIL.match(email):
                raise Refused(f"'{email}' is not an e-mail address" if email else "no e-mail address")
            if role not in ROLES:
                raise Refused(f"role '{get('role')}' is not one of {', '.join(ROLES)}")
            rows.append(StaffRow(line, name[:200], email, role, check_groups(get("class") or None)))
        except Refused as e:
            errors.append(RowError(line, str(e)))
    return rows, errors


@dataclass
class StaffReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)  # no chat user has their e-mail
    unchanged: int = 0


def _handle_for(email: str, taken: set[str]) -> str:
    """A console handle from the e-mail's local part (``j.smith``), made unique."""
    base = re.sub(r"[^a-z0-9._-]", "", email.split("@", 1)[0].lower())[:60] or "staff"
    handle, n = base, 2
    while handle in taken:
        handle, n = f"{base}{n}", n + 1
    return handle


def apply_staff(session: Session, actor: Actor, rows: list[StaffRow],
                chat_ids: Mapping[str, str | None]) -> StaffReport:
    """Add or update each member of staff; ``chat_ids`` maps e-mail → chat user id (None: not found)."""
    actor.require("admin", doing="import the staff list")
    report = StaffReport()
    staff = list(session.exec(select(m.Staff).where(m.Staff.school_id == actor.school_id)).all())
    taken = {s.handle for s in staff}
    seen: dict[str, int] = {}
    for row in rows:
        if row.email in seen:
            raise Refused(f"line {row.line}: {row.email} is also on line {seen[row.email]}: nothing was imported.")
        seen[row.email] = row.line
        chat_id = chat_ids.get(row.email)
        handle = chat_id.lower() if chat_id else None
        existing = next((s for s in staff if s.email and s.email.lower() == row.email), None) or (
            next((s for s in staff if s.handle == handle), None) if handle else None)
        if chat_id is None:
            report.unmatched.append(f"{row.name} <{row.email}>")
        if existing is None:
            new = m.Staff(school_id=actor.school_id, handle=handle or _handle_for(row.email, taken),
                          display_name=row.name, role=row.role, class_name=row.class_name, email=row.email)
            taken.add(new.handle)
            session.add(new)
            staff.append(new)
            report.added.append(f"{row.name} (@{new.handle}, {row.role})")
            continue
        changes = []
        if existing.id == actor.staff_id and row.role != "admin" and existing.role == "admin":
            raise Refused(f"line {row.line}: that would take away your own admin role: nothing was imported.")
        for attr, new_value, label in (("role", row.role, "role"), ("class_name", row.class_name, "class"),
                                       ("display_name", row.name, "name"), ("email", row.email, None)):
            if getattr(existing, attr) != new_value and not (attr == "class_name" and new_value is None):
                if label:
                    changes.append(f"{label} {getattr(existing, attr) or '—'} → {new_value or '—'}")
                setattr(existing, attr, new_value)
        if handle and existing.handle != handle and not CHAT_ID.match(existing.handle):
            changes.append(f"chat user @{existing.handle} → {chat_id}")
            existing.handle = handle
        if not existing.active:
            existing.active = True
            changes.append("active again")
        if changes:
            session.add(existing)
            report.updated.append(f"{row.name}: {', '.join(changes)}")
        else:
            report.unchanged += 1
    session.flush()
    audit(session, actor, actor.school_id, "staff.import")
    return report

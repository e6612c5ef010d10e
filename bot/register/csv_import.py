"""The SEN register from an MIS export: read a CSV, then bring sendbot's register in line with it.

Reading (:func:`read_register`) is pure: text in, rows and row errors out. Applying (:func:`apply_register`)
runs in the caller's one transaction and records facts through the same use cases the chat commands use
(``support start``, ``ehcp issued``, ``ehcp reviewed``), so the deadlines are exactly those typing the facts
would give. A fact already recorded in sendbot is never overwritten: a different date in the file is reported.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from bot.dates import ParseError, parse_absolute_date
from bot.register.headers import recognise
from bot.rules.dates import academic_year_of
from bot.services import pupils as pupil_svc
from bot.services import records
from bot.services.access import Actor
from bot.services.audit import audit
from bot.services.errors import Refused
from bot.services.lookup import UPN
from db import models as m

PROVISION_WORDS = {
    "k": "K", "sen support": "K", "support": "K", "school support": "K", "sen support k": "K",
    "e": "E", "ehc plan": "E", "ehcp": "E", "education health and care plan": "E", "statement": "E", "s": "E",
    "n": "N", "": "N", "no sen": "N", "none": "N", "not sen": "N",
}
MAX_ROWS = 5000  # a school's whole roll, not a dump of a trust


@dataclass
class RegisterRow:
    line: int
    name: str
    upn: str | None = None
    year: str | None = None
    class_name: str | None = None
    dob: date | None = None
    provision: str | None = "N"  # None: the source did not say (a Wonde field the school has not granted)
    need: str | None = None
    need2: str | None = None
    sen_start: date | None = None
    plan_date: date | None = None
    review_date: date | None = None
    mis_id: str | None = None


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class RegisterUnreadable(Refused):
    """The file as a whole cannot be read (no name column, not a CSV, too big)."""


def parse_provision(text: str) -> str | None:
    return PROVISION_WORDS.get(" ".join(text.lower().replace("-", " ").replace("(", " ").replace(")", " ").split()))


def read_register(text: str, mapping: dict[str, str] | None = None) -> tuple[list[RegisterRow], list[RowError]]:
    """The rows of an MIS export, and every row that cannot be read (with its line number and why)."""
    text = text.removeprefix("\ufeff")  # Excel's byte-order mark
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        headers = next(reader)
    except StopIteration:
        raise RegisterUnreadable("The file is empty: export the SEN register from the MIS as CSV, with a header "
                                 "row.") from None
    columns, _unused = recognise(headers, mapping)
    if "name" not in columns and not {"forename", "surname"} <= columns.keys():
        raise RegisterUnreadable(
            f"I can't find the pupils' names in the header row ({', '.join(h for h in headers if h) or 'empty'}). "
            "Accepted: Forename and Surname (legal or preferred), or Name; or say which column it is with "
            "--map \"Your Column=name\".")
    if "year" not in columns:
        raise RegisterUnreadable("I can't find the year group column (Year, Year Group, NC Year). Say which it is "
                                 "with --map \"Your Column=year\".")
    if "provision" not in columns:
        raise RegisterUnreadable("I can't find the SEN provision column (SEN Provision, SEN Status: K, E or N). Say "
                                 "which it is with --map \"Your Column=provision\".")
    rows: list[RegisterRow] = []
    errors: list[RowError] = []
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(rows) + len(errors) >= MAX_ROWS:
            raise RegisterUnreadable(f"The file has more than {MAX_ROWS} rows: export one school's register.")

        def get(name: str, values: list[str] = values) -> str:
            i = columns.get(name)
            return values[i].strip() if i is not None and i < len(values) else ""

        try:
            rows.append(_row(line, get))
        except (ParseError, Refused) as e:
            errors.append(RowError(line, str(e)))
    return rows, errors


def _date(get, key: str, label: str) -> date | None:  # type: ignore[no-untyped-def]
    text = get(key)
    if not text:
        return None
    try:
        return parse_absolute_date(text)
    except ParseError:
        raise Refused(f"{label} '{text}' is not a date (give it as 12/03/2026 or 2026-03-12)") from None


def _row(line: int, get) -> RegisterRow:  # type: ignore[no-untyped-def]
    name = get("name")
    if "," in name and not get("forename"):  # "Smith, Ava" as some exports write it
        surname, _, forename = name.partition(",")
        name = f"{forename.strip()} {surname.strip()}"
    if not name:
        name = f"{get('forename')} {get('surname')}"
    name = " ".join(name.split())
    if not name:
        raise Refused("no name")
    if len(name) > 200:
        raise Refused("the name is longer than 200 characters")
    upn = get("upn").upper() or None
    if upn is not None and not UPN.match(upn):
        raise Refused(f"UPN '{upn}' is not a UPN (a letter and 12 characters, like A123456789012)")
    year = get("year")
    if not year:
        raise Refused("no year group")
    pupil_svc.parse_year(year)
    provision_text = get("provision")
    provision = parse_provision(provision_text)
    if provision is None:
        raise Refused(f"SEN provision '{provision_text}' is not one of K (SEN support), E (EHC plan) or N "
                      "(no SEN)")
    need, need2 = pupil_svc.check_needs(get("need") or None, get("need2") or None)
    return RegisterRow(
        line=line, name=name, upn=upn, year=year, class_name=pupil_svc.check_groups(get("class") or None),
        dob=_date(get, "dob", "date of birth"), provision=provision, need=need, need2=need2,
        sen_start=_date(get, "sen_start", "SEN start date"), plan_date=_date(get, "plan_date", "EHC plan date"),
        review_date=_date(get, "review_date", "annual review date"), mis_id=get("mis_id") or None)


# --- applying ----------------------------------------------------------------------------------------------


@dataclass
class RegisterReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)  # "Ava Smith: year 5 → 6, class 5B → 6B"
    facts: list[str] = field(default_factory=list)  # facts recorded: "Ava Smith: SEN support from 01 Sep 2025"
    differences: list[str] = field(default_factory=list)  # the file and sendbot disagree; sendbot kept
    warnings: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # on sendbot's register, not in the file
    archived: list[str] = field(default_factory=list)
    skipped: int = 0  # rows of pupils with no SEN and no record in sendbot
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.facts or self.archived)


def operator(session: Session, school_id: int) -> Actor:
    """Who an import from the command line acts as: the school's first admin (it is an admin's act)."""
    admin = session.exec(select(m.Staff).where(m.Staff.school_id == school_id, m.Staff.role == "admin",
                                               m.Staff.active).order_by(m.Staff.id)).first()
    if admin is None or admin.id is None:
        raise Refused("The school has no admin to import as: add one first (sendbot init or /sen staff add).")
    return Actor(admin.id, school_id, admin.handle, "admin", admin.class_name, admin.display_name)


def _match(pupils: list[m.Pupil], row: RegisterRow, used: set[int]) -> m.Pupil | None:
    """By UPN, then by MIS id, then by name (when exactly one unmatched pupil has it)."""
    if row.upn:
        hit = next((p for p in pupils if p.upn and p.upn.upper() == row.upn), None)
        if hit is not None:
            return hit
    if row.mis_id:
        hit = next((p for p in pupils if p.mis_id == row.mis_id), None)
        if hit is not None:
            return hit
    named = [p for p in pupils if p.id not in used and not p.archived and p.name.lower() == row.name.lower()
             and not (p.upn and row.upn)]
    return named[0] if len(named) == 1 else None


def apply_register(session: Session, actor: Actor, rows: list[RegisterRow], today: date, *,
                   archive_missing: bool = False) -> RegisterReport:
    """Bring the register in line with ``rows`` (see the module docstring). One transaction: the caller's."""
    actor.require("senco", "admin", doing="import the SEN register")
    report = RegisterReport()
    pupils = list(session.exec(select(m.Pupil).where(m.Pupil.school_id == actor.school_id)).all())
    used: set[int] = set()
    seen_upns: dict[str, int] = {}
    for row in rows:
        if row.upn:
            if row.upn in seen_upns:
                raise Refused(f"line {row.line}: UPN {row.upn} is also on line {seen_upns[row.upn]}: nothing was "
                              "imported.")
            seen_upns[row.upn] = row.line
        pupil = _match(pupils, row, used)
        touched = False
        if pupil is not None and pupil.id in used:
            raise Refused(f"line {row.line}: {row.name} matches a pupil already matched by an earlier line: "
                          "nothing was imported. Add UPNs to tell them apart.")
        if pupil is None:
            if row.provision in ("N", None):
                report.skipped += 1  # only SEN-relevant pupils are kept
                continue
            pupil = _add(session, actor, row, today)
            pupils.append(pupil)
            report.added.append(f"{pupil.name} (#{pupil.id})")
            touched = True
        else:
            if pupil.archived:
                report.warnings.append(f"line {row.line}: {pupil.name} (#{pupil.id}) is archived in sendbot; "
                                       "left as it is")
                assert pupil.id is not None
                used.add(pupil.id)
                continue
            changes = _update(session, pupil, row, today)
            if changes:
                report.updated.append(f"{pupil.name} (#{pupil.id}): {', '.join(changes)}")
                touched = True
        assert pupil.id is not None
        used.add(pupil.id)
        before = len(report.facts)
        _facts(session, actor, pupil, row, today, report)
        if not touched and len(report.facts) == before:
            report.unchanged += 1
    for p in pupils:
        if p.id not in used and not p.archived:
            report.missing.append(f"{p.name} (#{p.id})")
            if archive_missing:
                pupil_svc.archive_pupil(session, actor, f"#{p.id}")
                report.archived.append(f"{p.name} (#{p.id})")
    return report


def _add(session: Session, actor: Actor, row: RegisterRow, today: date) -> m.Pupil:
    assert row.year is not None
    pupil = m.Pupil(school_id=actor.school_id, name=row.name, upn=row.upn, dob=row.dob,
                    year_group=pupil_svc.parse_year(row.year), year_recorded_in=academic_year_of(today),
                    class_name=row.class_name, need=row.need, need2=row.need2, mis_provision=row.provision,
                    mis_id=row.mis_id)
    session.add(pupil)
    session.flush()
    audit(session, actor, actor.school_id, "pupil.import", pupil.id)
    return pupil


def _update(session: Session, pupil: m.Pupil, row: RegisterRow, today: date) -> list[str]:
    """Details the MIS owns (name, year, groups, date of birth, census codes) follow the file."""
    assert row.year is not None
    changes: list[str] = []
    year = pupil_svc.parse_year(row.year)
    if pupil_svc.current_year(pupil, today) != year:
        changes.append(f"year {pupil_svc.current_year(pupil, today)} → {year}")
        pupil.year_group, pupil.year_recorded_in = year, academic_year_of(today)
    for attr, label in (("name", "name"), ("upn", "UPN"), ("class_name", "class"), ("dob", "date of birth"),
                        ("need", "need"), ("need2", "need2"), ("mis_provision", "provision"), ("mis_id", None)):
        new = getattr(row, "provision" if attr == "mis_provision" else attr)
        old = getattr(pupil, attr)
        if new is None:
            continue  # a column the export left out or blank, or a field not granted, erases nothing sendbot holds
        if new != old:
            if label:
                changes.append(f"{label} {old or '—'} → {new or '—'}")
            setattr(pupil, attr, new)
    if changes:
        session.add(pupil)
        audit(session, None, pupil.school_id, "pupil.import-update", pupil.id)
    return changes


def _facts(session: Session, actor: Actor, pupil: m.Pupil, row: RegisterRow, today: date,
           report: RegisterReport) -> None:
    """Record the support start, plan and last review the file gives and sendbot lacks; report disagreements."""
    ref, who = f"#{pupil.id}", f"{pupil.name} (#{pupil.id})"
    support = session.exec(select(m.SupportPeriod).where(m.SupportPeriod.pupil_id == pupil.id)).all()
    open_support = next((s for s in support if s.end is None), None)
    plan = session.exec(select(m.EhcPlan).where(m.EhcPlan.pupil_id == pupil.id,
                                                col(m.EhcPlan.ceased_on).is_(None))).first()
    if row.provision == "K":
        if plan is not None:
            report.differences.append(f"{who}: the file says SEN support (K); sendbot has an EHC plan issued "
                                      f"{plan.issued_on:%d %b %Y} — kept")
        elif open_support is not None:
            if row.sen_start and row.sen_start != open_support.start:
                report.differences.append(f"{who}: SEN support started {row.sen_start:%d %b %Y} in the file, "
                                          f"{open_support.start:%d %b %Y} in sendbot — kept")
        elif row.sen_start is None:
            report.warnings.append(f"line {row.line}: {who} is on SEN support but the file has no SEN start date, "
                                   f"so no support is recorded: /sen support start {ref} <date>")
        elif row.sen_start > today:
            report.warnings.append(f"line {row.line}: {who}'s SEN start date {row.sen_start:%d %b %Y} is in the "
                                   "future; not recorded")
        elif any(s.end is not None and s.start <= row.sen_start <= s.end for s in support):
            report.differences.append(f"{who}: SEN start {row.sen_start:%d %b %Y} falls in an earlier, ended "
                                      "support period in sendbot — not recorded")
        else:
            records.support_start(session, actor, ref, row.sen_start, today)
            report.facts.append(f"{who}: SEN support from {row.sen_start:%d %b %Y}")
    elif row.provision == "E":
        if plan is not None:
            if row.plan_date and row.plan_date != plan.issued_on:
                report.differences.append(f"{who}: EHC plan issued {row.plan_date:%d %b %Y} in the file, "
                                          f"{plan.issued_on:%d %b %Y} in sendbot — kept")
        elif row.plan_date is None:
            report.warnings.append(f"line {row.line}: {who} has an EHC plan (E) but the file has no plan date, so "
                                   f"no plan is recorded: /sen ehcp issued {ref} <date>")
        elif row.plan_date > today:
            report.warnings.append(f"line {row.line}: {who}'s EHC plan date {row.plan_date:%d %b %Y} is in the "
                                   "future; not recorded")
        else:
            records.record_decision(session, actor, ref, row.plan_date, "plan-issued", today)
            report.facts.append(f"{who}: EHC plan issued {row.plan_date:%d %b %Y}")
            plan = row.plan_date  # type: ignore[assignment]
        if row.review_date and plan is not None:
            held = [r.held_on for r in session.exec(select(m.ReviewMeeting).where(
                m.ReviewMeeting.pupil_id == pupil.id)).all() if r.held_on]
            if row.review_date > today:
                report.warnings.append(f"line {row.line}: {who}'s last annual review {row.review_date:%d %b %Y} "
                                       "is in the future; not recorded")
            elif row.review_date not in held and not any(h > row.review_date for h in held):
                records.review_held(session, actor, ref, row.review_date, today)
                report.facts.append(f"{who}: annual review held {row.review_date:%d %b %Y}")
    # N, for a pupil sendbot has (None: the source did not say; nothing to compare).
    elif row.provision == "N" and (open_support is not None or plan is not None):
        report.differences.append(f"{who}: the file says no SEN (N); sendbot has "
                                  f"{'an EHC plan' if plan is not None else 'SEN support'} — kept")

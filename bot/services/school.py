"""Schools, staff, terms, settings and SENCO appointments."""

import re
from datetime import date, time

from sqlmodel import Session, func, select

from bot.calendar import Term as CalendarTerm
from bot.calendar import estimated_terms_around
from bot.rules.model import PHASE_TRANSFER_YEARS, PHASES
from bot.rules.school import NASENCO_LAST_DAY
from bot.services.access import ROLES, Actor
from bot.services.audit import audit
from bot.services.deadlines import recompute_school_level, refresh_school
from bot.services.errors import Refused
from bot.services.feed_links import revoke_for_staff
from bot.services.groups import check_groups
from bot.services.lookup import find_staff, staff_by_handle
from bot.surface import CHANNEL
from db import models as m

HANDLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# Settings a school can change with /sen settings, and their defaults.
DEFAULT_SETTINGS: dict[str, str] = {
    "reminder-time": "08:00",
    "digest-day": "monday",
    "reminders-channel": "",
    "names-in-feeds": "no",
    "retention-years": "31",  # SEN records of a pupil who has left: kept until date of birth + this many years
}
SETTING_KEYS = ("phase", "transfer-years", "info-report", *DEFAULT_SETTINGS, "remind", "hourly-cost")


# The provision map's hourly cost of staff time, per role (bot/register/provision.py).
COST_KEY = "hourly-cost"


def parse_costs(text: str) -> dict[str, float]:
    """``ta=18 teacher=38.50`` (pounds an hour, per role) → {"ta": 18.0, "teacher": 38.5}; "none" clears."""
    if text.strip().lower() in ("", "none"):
        return {}
    out: dict[str, float] = {}
    for part in re.split(r"[,\s]+", text.strip()):
        role, sep, amount = part.partition("=")
        amount = amount.strip().lstrip("£")
        if not sep or role.lower() not in ROLES or not re.fullmatch(r"\d{1,4}(\.\d{1,2})?", amount):
            raise Refused(f"hourly-cost takes role=pounds pairs for roles {', '.join(ROLES)} (like "
                          f"hourly-cost:\"ta=18 teacher=38.50\"); '{part}' isn't one.")
        out[role.lower()] = float(amount)
    return out


def format_costs(costs: dict[str, float]) -> str:
    return " ".join(f"{r}=£{v:.2f}" for r, v in costs.items()) or "none"


def actor_for(session: Session, school_id: int, handle: str) -> Actor:
    staff = staff_by_handle(session, school_id, handle)
    if staff is None:
        raise Refused(f"@{handle} is not on this school's staff list, so sendbot can't show or change anything "
                      "for you. Ask your SENCO or an admin to add you: /sen staff add @you role:teacher")
    assert staff.id is not None
    return Actor(staff.id, school_id, staff.handle, staff.role, staff.class_name, staff.display_name)


def valid_handle(handle: str) -> str:
    """A handle as stored: lower-cased, without the @ people naturally type before it."""
    handle = handle.strip().removeprefix("@")
    if not HANDLE.match(handle):
        raise Refused(f"'{handle}' is not a usable handle: use letters, digits, '.', '_' or '-' (like alice or "
                      "U0123ABC).")
    return handle.lower()


def create_school(session: Session, name: str, admin_handle: str, phase: str, today: date) -> m.School:
    """A new school, its first admin, and estimated terms for this and next academic year."""
    name = " ".join(name.split())
    if not name:
        raise Refused("The school needs a name, like --school \"Oak Primary\".")
    if phase not in PHASES:
        raise Refused(f"'{phase}' is not a phase. Choose one of: {', '.join(PHASES)}.")
    handle = valid_handle(admin_handle)
    # Case-insensitive, as --school matches names: "oak primary" must not become a second Oak Primary.
    if session.exec(select(m.School).where(func.lower(m.School.name) == name.lower())).first() is not None:
        raise Refused(f"A school called '{name}' already exists in this database.")
    school = m.School(name=name, phase=phase, settings=dict(DEFAULT_SETTINGS))
    session.add(school)
    session.flush()
    assert school.id is not None
    admin = m.Staff(school_id=school.id, handle=handle, role="admin")
    session.add(admin)
    for t in estimated_terms_around(today):
        half = t.half_term or (None, None)
        session.add(m.Term(school_id=school.id, name=t.name, start=t.start, end=t.end, estimated=True,
                           half_term_start=half[0], half_term_end=half[1]))
    session.flush()
    assert admin.id is not None
    audit(session, Actor(admin.id, school.id, handle, "admin"), school.id, "school.create")
    refresh_school(session, school, today)
    return school


def get_school(session: Session, school_id: int) -> m.School:
    school = session.get(m.School, school_id)
    if school is None:
        raise Refused(f"There is no school #{school_id}.")
    return school


# --- staff -----------------------------------------------------------------------------------------------


def add_staff(session: Session, actor: Actor, handle: str, display: str | None, role: str,
              class_name: str | None = None) -> tuple[m.Staff, bool]:
    """Add a member of staff, or change the role of one already known. Returns (staff, created)."""
    actor.require("admin", doing="manage staff")
    if role not in ROLES:
        raise Refused(f"'{role}' is not a role. Choose one of: {', '.join(ROLES)}.")
    handle = valid_handle(handle)
    class_name = check_groups(class_name)
    display = display[:200] if display else display  # a mention's label, as the platform sent it; fit the column
    existing = session.exec(
        select(m.Staff).where(m.Staff.school_id == actor.school_id, m.Staff.handle == handle)
    ).first()
    if existing is not None:
        if existing.id == actor.staff_id and role != "admin":
            others = session.exec(select(m.Staff).where(m.Staff.school_id == actor.school_id,
                                                        m.Staff.role == "admin", m.Staff.active)).all()
            if len(others) <= 1:
                raise Refused("You are the only admin: add another admin before changing your own role.")
        existing.role = role
        existing.active = True
        existing.display_name = display or existing.display_name
        existing.class_name = class_name or existing.class_name
        session.add(existing)
        audit(session, actor, actor.school_id, "staff.update")
        return existing, False
    staff = m.Staff(school_id=actor.school_id, handle=handle, display_name=display, role=role,
                    class_name=class_name)
    session.add(staff)
    session.flush()
    audit(session, actor, actor.school_id, "staff.add")
    return staff, True


def list_staff(session: Session, actor: Actor) -> list[m.Staff]:
    return list(session.exec(
        select(m.Staff).where(m.Staff.school_id == actor.school_id, m.Staff.active).order_by(m.Staff.role,
                                                                                               m.Staff.handle)
    ).all())


def remove_staff(session: Session, actor: Actor, handle: str, display: str | None) -> tuple[m.Staff, int]:
    """A member of staff leaves: they can no longer act, and their calendar links stop. Returns (staff, links).

    Their rows stay (audit trail, pupils' named teacher); ``add_staff`` brings them back, without their links.
    """
    actor.require("admin", doing="remove staff")
    staff = find_staff(session, actor.school_id, handle, display)
    assert staff.id is not None
    if staff.role == "admin":
        admins = session.exec(select(m.Staff).where(m.Staff.school_id == actor.school_id, m.Staff.role == "admin",
                                                    m.Staff.active)).all()
        if len(admins) <= 1:
            raise Refused(f"@{staff.handle} is the school's only admin, and a school always needs one: add another "
                          "admin first (/sen staff add @someone role:admin).")
    staff.active = False
    session.add(staff)
    revoked = revoke_for_staff(session, staff.id)
    audit(session, actor, actor.school_id, "staff.remove")
    return staff, revoked


# --- terms -----------------------------------------------------------------------------------------------


def check_term(name: str, start: date, end: date, half_term: tuple[date, date] | None) -> str:
    """A term's name, once its dates make sense: it starts before it ends, is no longer than a term, and any
    half-term lies inside it."""
    name = " ".join(name.split())
    if not name:
        raise Refused("The term needs a name, like \"Autumn 2026\".")
    if end < start:
        raise Refused(f"The term ends ({end:%d %b %Y}) before it starts ({start:%d %b %Y}): give the start first.")
    if (end - start).days > 200:
        raise Refused(f"{start:%d %b %Y} to {end:%d %b %Y} is longer than a school term: check the dates.")
    if half_term is not None:
        a, b = half_term
        if b < a or not (start < a and b < end):
            raise Refused(f"The half-term ({a:%d %b %Y} – {b:%d %b %Y}) must fall inside the term, after its first "
                          f"day ({start:%d %b %Y}) and before its last ({end:%d %b %Y}).")
    return name


def add_term(session: Session, actor: Actor, name: str, start: date, end: date, today: date,
             half_term: tuple[date, date] | None = None) -> tuple[m.Term, int]:
    """Add a real term; it replaces the estimated terms it overlaps. Returns (term, estimates replaced)."""
    actor.require("admin", doing="change term dates")
    name = check_term(name, start, end, half_term)
    terms = session.exec(select(m.Term).where(m.Term.school_id == actor.school_id)).all()
    if any(t.name.lower() == name.lower() and not t.estimated for t in terms):
        raise Refused(f"There is already a term called '{name}'. Change it with /sen term edit \"{name}\" …")
    overlapping = [t for t in terms if t.start <= end and t.end >= start]
    clash = [t for t in overlapping if not t.estimated]
    if clash:
        t = clash[0]
        raise Refused(f"That overlaps '{t.name}' ({t.start:%d %b %Y} – {t.end:%d %b %Y}). Real terms may not "
                      "overlap: fix the dates.")
    for t in overlapping:
        session.delete(t)
    first, last = half_term if half_term else (None, None)
    term = m.Term(school_id=actor.school_id, name=name, start=start, end=end, half_term_start=first,
                  half_term_end=last)
    session.add(term)
    audit(session, actor, actor.school_id, "term.add")
    session.flush()
    refresh_school(session, get_school(session, actor.school_id), today)
    return term, len(overlapping)


def list_terms(session: Session, actor: Actor) -> list[m.Term]:
    return list(session.exec(select(m.Term).where(m.Term.school_id == actor.school_id).order_by(m.Term.start)).all())


# --- settings --------------------------------------------------------------------------------------------


DIGEST_MAIL = "digest-mail"  # in the school's settings: the handles of staff who want the digest by e-mail too


def set_digest_mail(session: Session, actor: Actor, wanted: bool) -> None:
    """Opt this member of staff in or out of the weekly digest by e-mail (their own choice)."""
    school = get_school(session, actor.school_id)
    handles = set(school.settings.get(DIGEST_MAIL, []))
    handles = handles | {actor.handle} if wanted else handles - {actor.handle}
    school.settings = {**school.settings, DIGEST_MAIL: sorted(handles)}
    session.add(school)


def wants_digest_mail(session: Session, school_id: int, handle: str) -> bool:
    school = session.get(m.School, school_id)
    return school is not None and handle in school.settings.get(DIGEST_MAIL, [])


def settings_view(school: m.School) -> dict[str, str]:
    last = school.settings.get("info-report-last", "")
    years = school.transfer_years or ",".join(str(y) for y in PHASE_TRANSFER_YEARS.get(school.phase, ())) or "none"
    view = {"phase": school.phase, "transfer-years": years, "info-report": last or "not recorded"}
    for key, default in DEFAULT_SETTINGS.items():
        view[key] = str(school.settings.get(key, default)) or "none"
    from bot.services.reminder_policy import describe_policy

    view.update(describe_policy(school.settings))
    view[COST_KEY] = format_costs(school.settings.get(COST_KEY) or {})
    return view


_CHANNEL_NAME = re.compile(r"#?[a-z0-9][a-z0-9_-]{0,79}", re.IGNORECASE)


def _channel(text: str) -> str:
    """A chat channel as typed (#sen-team), a channel the surface picked (the canonical ``<#id|name>`` token,
    kept exactly: ids are case-sensitive), or none."""
    if text.lower() in ("", "none", "off"):
        return ""
    if CHANNEL.fullmatch(text):
        return text
    if not _CHANNEL_NAME.fullmatch(text):
        raise Refused(f"reminders-channel takes a channel, like #sen-team (or none); '{text}' isn't one. Use a "
                      "private channel: reminders there show pupils' initials only.")
    return f"#{text.lstrip('#').lower()}"


def _parse_years(value: str) -> str:
    years: list[int] = []
    for part in re.split(r"[,\s]+", value.strip()):
        if not part:
            continue
        part = part.upper().removeprefix("Y").removeprefix("EAR")
        if part == "R":
            years.append(0)
        elif part == "N":
            years.append(-1)  # a nursery class (it transfers to Reception whatever this says: RULES v2)
        elif part.isascii() and part.isdigit() and 0 <= int(part) <= 14:  # isascii: "²" is a digit int() refuses
            years.append(int(part))
        else:
            raise Refused(f"transfer-years takes year groups N, R or 1 to 14, separated by commas (like 6,11); "
                          f"'{part}' isn't one.")
    return ",".join(str(y) for y in sorted(set(years)))


def change_settings(session: Session, actor: Actor, changes: dict[str, object], today: date) -> list[str]:
    """Apply settings; every value is checked before any is stored. Returns the keys changed."""
    actor.require("admin", doing="change settings")
    school = get_school(session, actor.school_id)
    settings = dict(school.settings)
    phase, years, info_report = school.phase, school.transfer_years, None
    for key, value in changes.items():
        text = str(value).strip()
        if key == "phase":
            if text.lower() not in PHASES:
                raise Refused(f"phase must be one of: {', '.join(PHASES)}.")
            phase = text.lower()
        elif key == "transfer-years":
            years = _parse_years(text) or None
        elif key == "info-report":
            if not isinstance(value, date):
                raise Refused("info-report takes the date the SEN information report was last published.")
            if value > today:
                raise Refused("info-report is the date the report was published: it can't be in the future.")
            info_report = value
        elif key == "reminder-time":
            try:
                t = time.fromisoformat(text if len(text) > 2 else f"{text}:00")
            except ValueError:
                raise Refused(f"reminder-time takes a 24-hour time like 08:00; '{text}' isn't one.") from None
            settings[key] = t.strftime("%H:%M")
        elif key == "digest-day":
            day = next((d for d in DAYS if d.startswith(text.lower()) and len(text) >= 2), None)
            if day is None:
                raise Refused(f"digest-day takes a day of the week, like monday; '{text}' isn't one.")
            settings[key] = day
        elif key == "reminders-channel":
            settings[key] = _channel(text)
        elif key == "remind":
            from bot.services.reminder_policy import SETTINGS_KEY, change_policy

            settings[SETTINGS_KEY] = change_policy(settings, text)
        elif key == "retention-years":
            if not (text.isascii() and text.isdigit() and 6 <= int(text) <= 100):
                raise Refused("retention-years takes a number of years from 6 to 100: SEN records of a pupil who "
                              "has left are kept until their date of birth plus this many (default 31, the IRMS "
                              f"toolkit's period for SEN files); '{text}' isn't one.")
            settings[key] = str(int(text))
        elif key == COST_KEY:
            settings[COST_KEY] = parse_costs(text)
        elif key == "names-in-feeds":
            if text.lower() not in ("yes", "no"):
                raise Refused("names-in-feeds takes yes or no.")
            settings[key] = text.lower()
    if phase != school.phase and "transfer-years" not in changes:
        years = None  # RULES v2: transfer-years overrides the phase's; changing the phase clears it
    recompute_all = phase != school.phase or years != school.transfer_years
    school.phase, school.transfer_years, school.settings = phase, years, settings
    if info_report is not None:
        session.add(m.InfoReport(school_id=school.id, published_on=info_report))
        latest = max(info_report.isoformat(), str(settings.get("info-report-last", "")))
        school.settings = {**settings, "info-report-last": latest}
    session.add(school)
    session.flush()
    audit(session, actor, school.id, "settings.change")
    if recompute_all:
        refresh_school(session, school, today)
    else:
        recompute_school_level(session, school)
    return list(changes)


# --- SENCO appointments ----------------------------------------------------------------------------------


def senco_appointed(session: Session, actor: Actor, handle: str, display: str | None, appointed_on: date,
                    prior_months: int) -> m.SencoAppointment:
    actor.require("admin", doing="record a SENCO appointment")
    if prior_months < 0 or prior_months > 600:
        raise Refused("prior-months is the number of months they were a SENCO before, from 0 upwards.")
    staff = find_staff(session, actor.school_id, handle, display)
    assert staff.id is not None
    same = session.exec(select(m.SencoAppointment).where(m.SencoAppointment.staff_id == staff.id,
                                                         m.SencoAppointment.appointed_on == appointed_on)).first()
    if same is not None:
        raise Refused(f"@{staff.handle}'s appointment on {appointed_on:%d %b %Y} is already recorded.")
    appointment = m.SencoAppointment(school_id=actor.school_id, staff_id=staff.id, appointed_on=appointed_on,
                                     prior_months=prior_months)
    session.add(appointment)
    if staff.role in ("teacher", "leader"):
        staff.role = "senco"  # the SENCO co-ordinates provision for the whole school
        session.add(staff)
    audit(session, actor, actor.school_id, "senco.appointed")
    session.flush()
    recompute_school_level(session, get_school(session, actor.school_id))
    return appointment


def _latest_appointment(session: Session, staff: m.Staff) -> m.SencoAppointment:
    """The SENCO's latest appointment, which a qualification or an NPQ enrolment belongs to."""
    appointment = session.exec(
        select(m.SencoAppointment).where(m.SencoAppointment.staff_id == staff.id)
        .order_by(m.SencoAppointment.appointed_on.desc())  # type: ignore[attr-defined]
    ).first()
    if appointment is None:
        raise Refused(f"@{staff.handle} has no SENCO appointment recorded. Record it first: "
                      f"/sen senco appointed @{staff.handle} <date>")
    return appointment


def senco_qualified(session: Session, actor: Actor, handle: str, display: str | None, qualified_on: date,
                    award: str) -> m.SencoAppointment:
    actor.require("admin", "senco", doing="record a SENCO qualification")
    staff = find_staff(session, actor.school_id, handle, display)
    if award == "nasenco" and qualified_on > NASENCO_LAST_DAY:
        raise Refused("The NASENCO award only counts if completed before 1 Sep 2027 (SI 2024/535); after that "
                      "the qualification is the NPQ for SENCOs: use award:npq.")
    appointment = _latest_appointment(session, staff)
    appointment.qualified_on = qualified_on
    appointment.award = award
    session.add(appointment)
    audit(session, actor, actor.school_id, "senco.qualified")
    session.flush()
    recompute_school_level(session, get_school(session, actor.school_id))
    return appointment


def senco_enrolled(session: Session, actor: Actor, handle: str, display: str | None,
                   enrolled_on: date) -> m.SencoAppointment:
    """The SENCO started the NPQ for SENCOs: the advisory enrolment deadline is met (RULES v2)."""
    actor.require("admin", "senco", doing="record a SENCO's NPQ enrolment")
    staff = find_staff(session, actor.school_id, handle, display)
    appointment = _latest_appointment(session, staff)
    appointment.enrolled_on = enrolled_on
    session.add(appointment)
    audit(session, actor, actor.school_id, "senco.enrolled")
    session.flush()
    recompute_school_level(session, get_school(session, actor.school_id))
    return appointment


def import_terms(session: Session, school_id: int, terms: list[CalendarTerm], today: date,
                 closures: list[tuple[date, date, str]] | None = None) -> tuple[int, int]:
    """Import real terms, with their half-terms, and closure days (an operator's action). Returns (added,
    estimated terms replaced). A closure already recorded on those days is kept as it is.

    Refused as a whole if any term overlaps a real term already recorded, so an import never half-happens.
    """
    existing = session.exec(select(m.Term).where(m.Term.school_id == school_id)).all()
    replaced: set[int] = set()
    for t in terms:
        for e in existing:
            if e.start <= t.end and e.end >= t.start:
                if not e.estimated:
                    raise Refused(f"'{t.name}' ({t.start:%d %b %Y} – {t.end:%d %b %Y}) overlaps '{e.name}', which "
                                  "is already recorded. Real terms may not overlap: nothing was imported.")
                replaced.add(e.id or 0)
    for e in existing:
        if e.id in replaced:
            session.delete(e)
    for t in terms:
        first, last = t.half_term if t.half_term else (None, None)
        session.add(m.Term(school_id=school_id, name=t.name, start=t.start, end=t.end, half_term_start=first,
                           half_term_end=last))
    known = session.exec(select(m.Closure).where(m.Closure.school_id == school_id)).all()
    for start, end, reason in closures or []:
        if not any(c.start <= end and c.end >= start for c in known):
            session.add(m.Closure(school_id=school_id, start=start, end=end, reason=reason[:120]))
    session.add(m.AuditLog(school_id=school_id, action="term.import"))
    session.flush()
    refresh_school(session, get_school(session, school_id), today)
    return len(terms), len(replaced)


def display_names(session: Session, school_id: int) -> dict[str, str]:
    """Staff handle -> display name, for the staff whose name is known (surfaces show names, not raw ids)."""
    rows = session.exec(select(m.Staff.handle, m.Staff.display_name).where(
        m.Staff.school_id == school_id, m.Staff.display_name.is_not(None)))  # type: ignore[union-attr]
    return {handle: name for handle, name in rows if name}

"""Finding the pupil or member of staff a person meant, and refusing clearly when we can't."""

import difflib
import re
from collections.abc import Callable

from sqlmodel import Session, func, select

from bot.services.access import Actor
from bot.services.errors import Refused
from db import models as m

UPN = re.compile(r"^[A-Za-z]\d{11}[0-9A-Za-z]$")


def label(p: m.Pupil) -> str:
    return f"{p.name} (#{p.id})"


def find_pupil(session: Session, actor: Actor, ref: str, *, include_archived: bool = False,
               visible: Callable[[m.Pupil], bool] | None = None) -> m.Pupil:
    """A pupil by ``#id``, UPN, full name or a unique prefix of the name (or of any part of it).

    Only pupils the person may see are searched (``visible``, by default ``actor.can_see``), so a refusal
    never reveals another class's pupils.
    """
    ref = ref.strip()
    if not ref:
        raise Refused("Which pupil? Give a name in quotes (\"Ava Smith\"), a unique prefix, #id or UPN.")
    if actor.role == "leader":
        # Leaders see no pupil at all: say so, rather than "no such pupil" and a hint to add one.
        raise Refused("Leaders read deadlines and digests (/sen due, /sen digest); pupil details are for "
                      "teachers and the SENCO.")
    visible = visible or actor.can_see
    query = select(m.Pupil).where(m.Pupil.school_id == actor.school_id)
    if ref.startswith("#"):
        number = ref[1:]
        # ASCII digits only ("#²" passes isdigit() but not int()); an id past the column's range is no one.
        if not (number.isascii() and number.isdigit()):
            raise Refused(f"'{ref}' is not a pupil number: write # and digits, like #12.")
        pupil = None
        if int(number) < 2**31:
            pupil = session.exec(query.where(m.Pupil.id == int(number))).first()
        if pupil is None or not visible(pupil):
            raise Refused(f"There is no pupil {ref} that you can see.")
        return pupil
    if UPN.match(ref):
        pupil = session.exec(query.where(func.upper(m.Pupil.upn) == ref.upper())).first()
        if pupil is not None and visible(pupil):
            return pupil
    candidates = [
        p for p in session.exec(query).all() if visible(p) and (include_archived or not p.archived)
    ]
    wanted = " ".join(ref.lower().split())
    exact = [p for p in candidates if p.name.lower() == wanted]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        raise Refused(f"More than one pupil is called '{ref}': {', '.join(label(p) for p in exact)}. Use the #id.")
    prefixed = [
        p for p in candidates
        if p.name.lower().startswith(wanted) or any(part.startswith(wanted) for part in p.name.lower().split())
    ]
    if len(prefixed) == 1:
        return prefixed[0]
    if prefixed:
        shown = ", ".join(label(p) for p in sorted(prefixed, key=lambda p: p.name)[:8])
        raise Refused(f"'{ref}' could be {shown}. Say which: give more of the name, or the #id.")
    names = {p.name.lower(): p for p in candidates}
    close = difflib.get_close_matches(wanted, list(names), n=3, cutoff=0.5)
    if close:
        guesses = " or ".join(label(names[c]) for c in close)
        raise Refused(f"I don't know a pupil called '{ref}'. Did you mean {guesses}?")
    if not candidates:
        raise Refused(f"I don't know a pupil called '{ref}': there are no pupils you can see yet. Add one with "
                      f"/sen pupil add \"<name>\" year:<R|1..14>, or ask the SENCO to make you their teacher.")
    raise Refused(f"I don't know a pupil called '{ref}'. /sen pupil list shows the pupils you can see.")


def staff_by_handle(session: Session, school_id: int, handle: str) -> m.Staff | None:
    return session.exec(
        select(m.Staff).where(m.Staff.school_id == school_id, m.Staff.handle == handle.lower(), m.Staff.active)
    ).first()


def find_staff(session: Session, school_id: int, handle: str, display: str | None = None) -> m.Staff:
    """A member of staff by handle or platform id, or by display name when it is unique."""
    staff = staff_by_handle(session, school_id, handle)
    if staff is not None:
        return staff
    everyone = session.exec(select(m.Staff).where(m.Staff.school_id == school_id, m.Staff.active)).all()
    for name in filter(None, (display, handle)):
        named = [s for s in everyone if s.display_name and s.display_name.lower() == name.lower()]
        if len(named) == 1:
            return named[0]
    shown = display or handle
    close = difflib.get_close_matches(handle.lower(), [s.handle for s in everyone], n=3, cutoff=0.6)
    hint = f" Did you mean {' or '.join('@' + c for c in close)}?" if close else ""
    raise Refused(f"@{shown} is not on the staff list.{hint} An admin can add them: /sen staff add @{shown} "
                  f"role:teacher|senco|leader|admin")


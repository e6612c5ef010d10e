"""Finding the pupil or member of staff a person meant, and refusing clearly when we can't."""

import difflib
import re
from collections.abc import Collection

from sqlalchemy import ColumnElement, and_, false, or_
from sqlmodel import Session, col, select

from bot.services.access import Actor, taught_pupils
from bot.services.errors import Refused
from db import models as m

UPN = re.compile(r"^[A-Za-z]\d{11}[0-9A-Za-z]$")


def label(p: m.Pupil) -> str:
    return f"{p.name} (#{p.id})"


def visible_pupils(actor: Actor, also: Collection[int] = ()) -> ColumnElement[bool]:
    """The SQL form of ``actor.can_see`` (plus pupils ``also`` listed), so visibility is decided by the
    database, not by loading pupils: SENCOs and admins see the school; teachers their pupils and class."""
    in_school = col(m.Pupil.school_id) == actor.school_id
    if actor.whole_school:
        return in_school
    if not actor.classroom:
        return and_(in_school, col(m.Pupil.id).in_(list(also))) if also else false()
    mine = taught_pupils(actor)
    if also:
        mine = or_(mine, col(m.Pupil.id).in_(list(also)))
    return and_(in_school, mine)


# A prefix as short as "a" may match hundreds: we fetch enough to list a few and to know there are more.
_SHOWN = 8
_FETCHED = 200


def _word_range(word: str) -> tuple[str, str]:
    """Every string starting with ``word`` sorts in [word, upper): an indexable range, unlike LIKE."""
    return word, word[:-1] + chr(ord(word[-1]) + 1)


def _named(session: Session, actor: Actor, where: ColumnElement[bool], visible: ColumnElement[bool],
           include_archived: bool) -> list[tuple[int, str]]:
    query = (
        select(m.Pupil.id, m.Pupil.name)
        .join(m.PupilNameWord, col(m.PupilNameWord.pupil_id) == m.Pupil.id)
        .where(m.PupilNameWord.school_id == actor.school_id, where, visible)
        .distinct()
        .order_by(m.Pupil.name, m.Pupil.id)
        .limit(_FETCHED)
    )
    if not include_archived:
        query = query.where(col(m.Pupil.archived).is_(False))
    return [(pid, name) for pid, name in session.exec(query).all() if pid is not None]


def find_pupil(session: Session, actor: Actor, ref: str, *, include_archived: bool = False,
               also: Collection[int] = ()) -> m.Pupil:
    """A pupil by ``#id``, UPN, full name or a unique prefix of the name (or of any part of it).

    Only pupils the person may see are searched (plus the pupils in ``also``, e.g. those whose
    intervention a teacher runs), so a refusal never reveals another class's pupils. Every branch is an
    indexed query (``pupil_name_word``); the school is never loaded.
    """
    ref = ref.strip()
    if not ref:
        raise Refused("Which pupil? Give a name in quotes (\"Ava Smith\"), a unique prefix, #id or UPN.", field="pupil")
    if actor.role == "leader":
        # Leaders see no pupil at all: say so, rather than "no such pupil" and a hint to add one.
        raise Refused("Leaders read deadlines and digests (/sen due, /sen digest); pupil details are for "
                      "teachers and the SENCO.")
    visible = visible_pupils(actor, also)
    query = select(m.Pupil).where(visible)
    if ref.startswith("#"):
        number = ref[1:]
        # ASCII digits only ("#²" passes isdigit() but not int()); an id past the column's range is no one.
        if not (number.isascii() and number.isdigit()):
            raise Refused(f"'{ref}' is not a pupil number: write # and digits, like #12.", field="pupil")
        pupil = None
        if int(number) < 2**31:
            pupil = session.exec(query.where(m.Pupil.id == int(number))).first()
        if pupil is None:
            raise Refused(f"There is no pupil {ref} that you can see.", field="pupil")
        return pupil
    if UPN.match(ref):
        pupil = session.exec(query.where(m.Pupil.upn == ref.upper())).first()
        if pupil is not None:
            return pupil
    wanted = " ".join(ref.lower().split())
    word = col(m.PupilNameWord.word)
    position = col(m.PupilNameWord.position)
    exact = _named(session, actor, and_(position == 0, word == wanted[:200]), visible, include_archived)
    if len(exact) == 1:
        return _load(session, exact[0][0])
    if len(exact) > 1:
        shown = ", ".join(f"{name} (#{pid})" for pid, name in exact)
        raise Refused(f"More than one pupil is called '{ref}': {shown}. Use the #id.", field="pupil")
    low, high = _word_range(wanted[:200])
    # The whole name starts with what was typed, or (one word typed) any word of it does.
    starts = and_(word >= low, word < high) if " " not in wanted else and_(position == 0, word >= low, word < high)
    prefixed = _named(session, actor, starts, visible, include_archived)
    if len(prefixed) == 1:
        return _load(session, prefixed[0][0])
    if prefixed:
        shown = ", ".join(f"{name} (#{pid})" for pid, name in prefixed[:_SHOWN])
        more = f" and {len(prefixed) - _SHOWN}{'+' if len(prefixed) == _FETCHED else ''} more" \
            if len(prefixed) > _SHOWN else ""
        raise Refused(f"'{ref}' could be {shown}{more}. Say which: give more of the name, or the #id.", field="pupil")
    # A typo: suggest from the names sharing the first two letters of a word typed (a bounded set).
    near = or_(*(and_(word >= lo, word < hi) for lo, hi in {_word_range(w[:2]) for w in wanted.split()}))
    names = {name.lower(): (pid, name) for pid, name in _named(session, actor, near, visible, include_archived)}
    close = difflib.get_close_matches(wanted, list(names), n=3, cutoff=0.5)
    if close:
        guesses = " or ".join(f"{names[c][1]} (#{names[c][0]})" for c in close)
        raise Refused(f"I don't know a pupil called '{ref}'. Did you mean {guesses}?", field="pupil")
    if session.exec(select(m.Pupil.id).where(visible).limit(1)).first() is None:
        raise Refused(f"I don't know a pupil called '{ref}': there are no pupils you can see yet. Add one with "
                      f"/sen pupil add \"<name>\" year:<R|1..14>, or ask the SENCO to make you their teacher.",
                      field="pupil")
    raise Refused(f"I don't know a pupil called '{ref}'. /sen pupil list shows the pupils you can see.", field="pupil")


def _load(session: Session, pupil_id: int) -> m.Pupil:
    pupil = session.get(m.Pupil, pupil_id)
    assert pupil is not None
    return pupil


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


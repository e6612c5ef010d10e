"""/sen chase: the letter for an overdue LA deadline of one pupil (one transaction; never sent)."""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from bot.dashboard import figures as f
from bot.dashboard.letters import Letter, letter_for
from bot.dashboard.load import la_clocks
from bot.services.access import Actor
from bot.services.audit import audit
from bot.services.deadlines import ensure_fresh, pupil_facts
from bot.services.errors import Refused
from bot.services.lookup import find_pupil
from bot.services.school import get_school
from db import models as m

KIND_WORDS = f.KIND_WORDS
WORD_OF = {v: k for k, v in KIND_WORDS.items()}


@dataclass
class Chase:
    pupil: str
    pupil_id: int
    letter: Letter
    others: list[str]  # the words for the pupil's other overdue LA deadlines


def chase(session: Session, actor: Actor, pupil_ref: str, word: str | None, today: date) -> Chase:
    actor.require("senco", "admin", doing="write a chase letter to the local authority")
    pupil = find_pupil(session, actor, pupil_ref)
    assert pupil.id is not None
    school = get_school(session, actor.school_id)
    ensure_fresh(session, school, today)
    rows = session.exec(select(m.Deadline).where(m.Deadline.pupil_id == pupil.id)).all()
    plans = session.exec(select(m.EhcPlan).where(m.EhcPlan.pupil_id == pupil.id)).all()
    facts = pupil_facts(session, [pupil], today)
    clocks = la_clocks(rows, {pupil.id: pupil}, facts, {pupil.id: list(plans)}, True)
    late = sorted((c for c in clocks if c.outcome(today) == "open_late"), key=lambda c: (c.due, c.kind))
    if not late:
        waiting = sorted((c for c in clocks if c.outcome(today) == "open"), key=lambda c: c.due)
        nxt = (f" The next LA deadline is the {f.LA_CLOCKS[waiting[0].kind]}, due {waiting[0].due:%d %b %Y}."
               if waiting else "")
        raise Refused(f"No local authority deadline for {pupil.name} is overdue, so there is nothing to chase."
                      + nxt)
    chosen = late[0]
    if word is not None:
        wanted = [c for c in late if c.kind == KIND_WORDS[word]]
        if not wanted:
            have = ", ".join(dict.fromkeys(WORD_OF[c.kind] for c in late))
            raise Refused(f"{pupil.name}'s {word} deadline is not overdue. Overdue LA deadlines: {have}.")
        chosen = wanted[0]
    audit(session, actor, actor.school_id, "chase.letter", pupil.id)
    others = [WORD_OF[c.kind] for c in late if c is not chosen]
    return Chase(pupil.name, pupil.id, letter_for(chosen, pupil, facts[pupil.id], school.name, today), others)

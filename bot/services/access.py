"""Who may see and change what (COMMANDS.md "Roles"). Checked here, in the use-case layer, never in adapters."""

from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_
from sqlmodel import col

from bot.services.errors import Refused
from bot.services.groups import in_groups, shares_group
from db.models import Pupil

# A ta (teaching assistant) sees the pupils of the groups they support, and records and reviews those pupils'
# interventions; the other facts about them are for their teachers and the SENCO.
ROLES = ("teacher", "ta", "senco", "leader", "admin")


@dataclass(frozen=True)
class Actor:
    staff_id: int
    school_id: int
    handle: str
    role: str
    class_name: str | None = None
    display_name: str | None = None

    @property
    def whole_school(self) -> bool:
        """SENCOs and admins see and change everything in the school."""
        return self.role in ("senco", "admin")

    @property
    def classroom(self) -> bool:
        """Teachers and teaching assistants: they see the pupils of their groups, not the whole school."""
        return self.role in ("teacher", "ta")

    @property
    def reads_school_deadlines(self) -> bool:
        return self.role in ("senco", "admin", "leader")

    def teaches(self, pupil: Pupil) -> bool:
        """Their named pupil, or a pupil in any of the teaching groups they teach or support."""
        if pupil.teacher_id == self.staff_id:
            return True
        return shares_group(self.class_name, pupil.class_name)

    def can_see(self, pupil: Pupil) -> bool:
        return self.whole_school or (self.classroom and self.teaches(pupil))

    def require(self, *roles: str, doing: str) -> None:
        if self.role not in roles:
            names = " or ".join(f"{_a(r)} {r}" for r in roles) if len(roles) < 3 else ", ".join(roles)
            raise Refused(f"Only {names} can {doing}; you are {_a(self.role)} {self.role}. Ask your SENCO or an "
                          "admin.")

    def require_pupil(self, pupil: Pupil, doing: str = "do that") -> None:
        if not self.can_see(pupil):
            if self.role == "leader":
                raise Refused(f"Leaders read deadlines and digests; a teacher or the SENCO must {doing}.")
            raise Refused(f"You can only {doing} for pupils you teach. Ask the SENCO if you need access.")


def taught_pupils(actor: Actor) -> ColumnElement[bool]:
    """``Actor.teaches`` in SQL over ``pupil``: their named pupils and the pupils of any group they teach or
    support. The one definition of "their pupils" for lookups, lists and the digest."""
    theirs: list[ColumnElement[bool]] = [col(Pupil.teacher_id) == actor.staff_id]
    groups = in_groups(col(Pupil.class_name), actor.class_name)
    if groups is not None:
        theirs.append(groups)
    return or_(*theirs)


def _a(word: str) -> str:
    """The article: "an admin", "a senco"."""
    return "an" if word[:1] in "aeiou" else "a"

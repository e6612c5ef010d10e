"""Which calendar alarm (VALARM) an event gets: the school's reminder policy, for the feed's owner.

The policy (bot.reminders.policy, RULES.md "Reminder steps", changeable per school) says when to remind
whom about each kind of deadline. An event rings where the policy would remind the feed's owner, as the
reminders do:

- ``leaders`` steps ring a leader; ``senco`` steps ring the SENCO, and an admin (who stands in for one);
  ``channel`` steps ring them too while the school has no reminders channel;
- ``responsible`` steps ring, in a ``mine`` feed, the person the deadline names (the pupil's teacher or the
  intervention's staff); where it names nobody, the SENCO (and admins) in any feed.

Of the steps that ring, the earliest on or before the due day becomes the event's one alarm, at the
school's reminder time. So a leader's school feed rings for phase transfers and late LA decisions, not for
every annual review. Steps counted from when a duty began (``opens``), after the due day or weekly while
overdue have no place in a calendar event. School days are counted as working days (weekends and bank
holidays skipped): an alarm depends only on the due day and the policy, not on term dates.
"""

from dataclasses import dataclass, field
from datetime import date, time, timedelta

from bot.calendar import SchoolCalendar
from bot.services.reminder_policy import Step, format_steps, policy_for, shift

ROLE_AUDIENCES: dict[str, tuple[str, ...]] = {
    "leader": ("leaders",),
    "senco": ("senco",),
    "admin": ("senco",),  # an admin can do all a SENCO can (COMMANDS.md "Roles"), and stands in for one
    "teacher": (),
    "ta": (),
}
WORKING_DAYS = SchoolCalendar(())  # no terms: every working day counts as a school day


def reminder_time(settings: dict[str, object]) -> time:
    try:
        return time.fromisoformat(str(settings.get("reminder-time") or "08:00"))
    except ValueError:
        return time(8, 0)


@dataclass(frozen=True)
class AlarmPlan:
    """The policy's steps on or before the due day, and whom among their audiences this feed's owner is."""

    steps: tuple[tuple[str, tuple[Step, ...]], ...]
    audiences: frozenset[str]  # the owner's, by role (not "responsible": that depends on the deadline)
    mine: bool  # a "mine" feed: the owner is responsible for the deadlines that name them
    stands_in: bool  # a SENCO or admin: responsible where a deadline names nobody
    at: time
    # Worked-out alarms, per (kind, due day, responsible): a feed of 10,000 deadlines has few distinct ones.
    _memo: dict[tuple[str, date, bool], timedelta | None] = field(default_factory=dict, compare=False, repr=False)

    @property
    def signature(self) -> str:
        """Everything the alarms depend on, for the feed's version."""
        steps = ";".join(f"{k}:{format_steps(s)}" for k, s in self.steps)
        return f"{self.at.isoformat()}|{','.join(sorted(self.audiences))}|{self.mine}|{self.stands_in}|{steps}"

    def trigger(self, kind: str, due: date, named: int | None, owner: int) -> timedelta | None:
        """The alarm of a deadline of ``kind`` due on ``due`` that names staff ``named`` (or nobody): its offset
        from the start of the due day (negative: before it), or None for no alarm."""
        responsible = (self.mine and named == owner) or (named is None and self.stands_in)
        key = (kind, due, responsible)
        if key not in self._memo:
            self._memo[key] = self._work_out(kind, due, responsible)
        return self._memo[key]

    def _work_out(self, kind: str, due: date, responsible: bool) -> timedelta | None:
        hearing = self.audiences | {"responsible"} if responsible else self.audiences
        steps = [s for s in dict(self.steps).get(kind, ()) if hearing.intersection(s.to)]
        if not steps:
            return None
        earliest = min(shift(due, s.amount, s.unit, WORKING_DAYS) for s in steps)
        return timedelta(days=(earliest - due).days, hours=self.at.hour, minutes=self.at.minute)


def plan(settings: dict[str, object], scope: str, role: str) -> AlarmPlan:
    audiences = set(ROLE_AUDIENCES.get(role, ()))
    stands_in = role in ("senco", "admin")
    if stands_in and not str(settings.get("reminders-channel") or "").strip():
        audiences.add("channel")  # no channel chosen: the SENCO hears the channel's reminders
    steps = tuple((kind, tuple(s for s in kind_steps if s.anchor == "due" and s.amount <= 0))
                  for kind, kind_steps in sorted(policy_for(settings).items()))
    return AlarmPlan(steps, frozenset(audiences), scope == "mine", stands_in, reminder_time(settings))

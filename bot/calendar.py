"""The school calendar: terms, bank holidays, working days and school days.

Pure: built from plain values, no database and no clock. Bank holidays come from the ``holidays``
package for England (``subdiv="ENG"``: without it Easter Monday and the August bank holiday are
missing).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from dateutil.easter import easter as easter_sunday


@dataclass(frozen=True, order=True)
class Term:
    start: date
    end: date
    name: str = ""
    estimated: bool = False

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end

    def overlaps(self, start: date, end: date | None) -> bool:
        return self.start <= (end or date.max) and self.end >= start


@lru_cache(maxsize=1)
def _united_kingdom() -> type:
    """``holidays``' UnitedKingdom class, without the other 250 countries.

    ``holidays.countries/__init__.py`` imports every country (about 8 MB and 0.3 s) before any one of them
    can load. Registering that package without running its ``__init__`` (its modules are found by path as
    usual) loads the UK's module alone: 1 MB. Only when nothing imported the package yet.
    """
    import importlib
    import importlib.util
    import sys
    import types

    import holidays  # noqa: F401  (the parent package, as usual)

    if "holidays.countries" not in sys.modules:
        spec = importlib.util.find_spec("holidays.countries")
        if spec is not None and spec.submodule_search_locations is not None:
            package = types.ModuleType("holidays.countries")
            package.__spec__, package.__path__ = spec, list(spec.submodule_search_locations)
            sys.modules["holidays.countries"] = package
    return importlib.import_module("holidays.countries.united_kingdom").UnitedKingdom


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(_united_kingdom()(subdiv="ENG", years=year).keys())


def is_bank_holiday(d: date) -> bool:
    return d in _bank_holidays(d.year)


def is_working_day(d: date) -> bool:
    """Not a Saturday, a Sunday or an England and Wales bank holiday.

    ``holidays`` lists a weekend holiday on the day itself *and* on the substitute Monday, so the
    weekend test must come first and stand on its own.
    """
    return d.weekday() < 5 and not is_bank_holiday(d)


def next_working_day(d: date, *, inclusive: bool = True) -> date:
    """``d`` itself if it is a working day (when ``inclusive``), otherwise the next one."""
    if not inclusive:
        d += timedelta(days=1)
    while not is_working_day(d):
        d += timedelta(days=1)
    return d


class SchoolCalendar:
    """A school's terms plus the bank holidays: the days the school is open."""

    def __init__(self, terms: Iterable[Term] = ()) -> None:
        self.terms: tuple[Term, ...] = tuple(sorted(terms))
        self._last_end = max((t.end for t in self.terms), default=None)
        # Memoised per calendar (the sweep asks about the same few hundred days for thousands of deadlines).
        self._school_day: dict[date, bool] = {}
        self._next: dict[tuple[date, bool], date] = {}

    def term_containing(self, d: date) -> Term | None:
        for term in self.terms:
            if term.contains(d):
                return term
        return None

    def is_school_day(self, d: date) -> bool:
        """A working day inside a term. With no terms known, every working day counts."""
        known = self._school_day.get(d)
        if known is None:
            known = is_working_day(d) and (not self.terms or self.term_containing(d) is not None)
            self._school_day[d] = known
        return known

    def next_school_day(self, d: date, *, inclusive: bool = True) -> date:
        """``d`` if it is a school day (when ``inclusive``), else the next; gives up after two years."""
        key = (d, inclusive)
        found = self._next.get(key)
        if found is None:
            found = self._next[key] = self._next_school_day(d, inclusive)
        return found

    def _next_school_day(self, d: date, inclusive: bool) -> date:
        if not inclusive:
            d += timedelta(days=1)
        limit = d + timedelta(days=731)
        if self._last_end is not None and d > self._last_end:
            return next_working_day(limit)  # past the last known term no day is a school day: skip the walk
        while not self.is_school_day(d):
            d += timedelta(days=1)
            if d > limit:
                return next_working_day(limit)
        return d

    def school_days_before(self, d: date, n: int) -> date:
        """The school day ``n`` school days before ``d`` (``d`` itself need not be a school day)."""
        count = 0
        day = d
        floor = d - timedelta(days=731)
        while count < n and day > floor:
            day -= timedelta(days=1)
            if self.is_school_day(day):
                count += 1
        return day

    def terms_started_by(self, today: date) -> list[Term]:
        """Every term that has started by ``today``, and the next term to start (RULES.md)."""
        started = [t for t in self.terms if t.start <= today]
        upcoming = [t for t in self.terms if t.start > today]
        return started + upcoming[:1]


def estimate_terms(academic_year: int) -> list[Term]:
    """Typical English term dates for the academic year starting in September ``academic_year``.

    Estimates only, for a school that has not entered its own: autumn from the first working day on or
    after 2 September to the Friday on or before 20 December; spring from the first working day on or
    after 4 January to the Friday a week before Good Friday; summer from the first working day on or after the
    Monday a week after Easter Monday (after a late Easter that Monday can be the early May bank
    holiday, as in 2011 and 2038) to the last weekday on or before 22 July.
    """
    y = academic_year
    autumn_start = next_working_day(date(y, 9, 2))
    autumn_end = _on_or_before(date(y, 12, 20), 4)
    spring_start = next_working_day(date(y + 1, 1, 4))
    easter = easter_sunday(y + 1)
    good_friday = easter - timedelta(days=2)
    spring_end = good_friday - timedelta(days=7)
    summer_start = next_working_day(easter + timedelta(days=8))
    summer_end = date(y + 1, 7, 22)
    while summer_end.weekday() >= 5:
        summer_end -= timedelta(days=1)
    label = f"{y}/{str(y + 1)[-2:]}"
    return [
        Term(autumn_start, autumn_end, f"Autumn {label} (estimated)", True),
        Term(spring_start, spring_end, f"Spring {label} (estimated)", True),
        Term(summer_start, summer_end, f"Summer {label} (estimated)", True),
    ]


def academic_year_of(d: date) -> int:
    """The calendar year in which the academic year containing ``d`` starts (1 Sep to 31 Aug)."""
    return d.year if d.month >= 9 else d.year - 1


def estimated_terms_around(today: date) -> list[Term]:
    """Estimated terms for the current and the next academic year."""
    year = academic_year_of(today)
    return estimate_terms(year) + estimate_terms(year + 1)


def _on_or_before(d: date, weekday: int) -> date:
    return d - timedelta(days=(d.weekday() - weekday) % 7)

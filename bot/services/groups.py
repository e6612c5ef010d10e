"""Teaching groups: a pupil belongs to many classes or sets, and a member of staff teaches many.

Both are kept as a comma-separated list in ``class_name`` ("10X1,10Y2"); a primary school's single class is a
list of one. Matching is case-insensitive and on whole group names.
"""

import re

from sqlalchemy import ColumnElement, func, literal, or_

from bot.services.errors import Refused

_SPLIT = re.compile(r"[,;\s]+")
GROUP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./_-]{0,19}$")


def parse_groups(text: str | None) -> list[str]:
    """The group names in ``text`` in the order given, without repeats ("10X1, 10y2" → ["10X1", "10y2"])."""
    out: list[str] = []
    seen: set[str] = set()
    for part in _SPLIT.split(text or ""):
        if part and part.lower() not in seen:
            seen.add(part.lower())
            out.append(part)
    return out


def bad_group(text: str | None) -> str | None:
    """The first group name that is not usable (letters, digits, . / _ -, up to 20 characters), or None."""
    return next((g for g in parse_groups(text) if not GROUP.match(g)), None)


def join_groups(groups: list[str]) -> str | None:
    return ",".join(groups) or None


def group_set(text: str | None) -> frozenset[str]:
    return frozenset(g.lower() for g in parse_groups(text))


def shares_group(a: str | None, b: str | None) -> bool:
    """Whether two class fields name a common group: a teacher of 10X1,10Y2 teaches a pupil in 10Y2,11Z."""
    return bool(group_set(a) & group_set(b))


def check_groups(class_name: str | None) -> str | None:
    """A class field as stored: its groups, comma-separated, or a refusal naming the unusable one."""
    bad = bad_group(class_name)
    if bad is not None:
        raise Refused(f"'{bad}' is not a class or set name: use letters, digits, '.', '/', '_' or '-', and commas "
                      "between several (like class:10X1,10Y2).")
    return join_groups(parse_groups(class_name))


def in_groups(column: ColumnElement[str | None], groups_text: str | None) -> ColumnElement[bool] | None:
    """SQL: the class field ``column`` names any of the groups in ``groups_text`` (None when there are none).

    The stored field is comma-joined without spaces (``check_groups``), so ",10x1,10y2," holding ",10y2," is a
    whole-name match; ``autoescape`` keeps a '_' in a group name literal.
    """
    groups = sorted(group_set(groups_text))
    if not groups:
        return None
    wrapped = func.lower(literal(",") + column + literal(","))
    return or_(*(wrapped.contains(f",{g},", autoescape=True) for g in groups))

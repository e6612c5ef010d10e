"""What a command handler gets, and the small formatting helpers every family shares."""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from bot.commands.reply import Item
from bot.services.access import Actor
from bot.services.reports import DueItem

DUTY = {"school": "school", "la": "LA", "parent": "family"}


@dataclass
class Ctx:
    session: Session
    actor: Actor
    today: date


def day(d: date | None) -> str:
    return d.strftime("%a %d %b %Y") if d else "—"


def year_label(year: int | None) -> str:
    if year is None:
        return ""
    return "Nursery" if year == -1 else "Reception" if year == 0 else f"Year {year}"


def when(item: DueItem, today: date) -> str:
    delta = (item.due - today).days
    if item.status == "done":
        return "done"
    if item.status == "lapsed":
        return "window closed"
    if delta < 0:
        return f"{-delta} day{'s' if delta != -1 else ''} overdue"
    if delta == 0:
        return "due today"
    return f"in {delta} day{'s' if delta != 1 else ''}"


def deadline_item(item: DueItem, today: date, *, names: bool = True) -> Item:
    who = ""
    if item.pupil_name:
        who = f" — {item.pupil_name if names else initials(item.pupil_name)} ({year_label(item.year)})"
    detail = f" ({item.detail})" if item.detail and item.kind not in ("appeal_deadline",) else ""
    title = f"{day(item.due)}: {item.title}{who}{detail}"
    late = " LA late — consider challenging." if item.duty == "la" and item.status == "overdue" else ""
    return Item(title, f"{when(item, today)} · acts: {DUTY[item.duty]} · {item.rule} · D{item.id}{late}")


def initials(name: str) -> str:
    return "".join(f"{part[0].upper()}." for part in name.split() if part)

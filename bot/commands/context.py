"""What a command handler gets, and how a deadline is shown in a list (the wording helpers are in bot.reply)."""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from bot.reply import DUTY, Item, day, initials, year_label
from bot.services.access import Actor
from bot.services.reports import DueItem


@dataclass
class Ctx:
    session: Session
    actor: Actor
    today: date


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
    # A phase transfer's detail is the pupil's year group: said once, not "(Year 6) (Year 6)".
    shown = item.detail and item.kind != "appeal_deadline" and not (who and item.detail == year_label(item.year))
    detail = f" ({item.detail})" if shown else ""
    title = f"{day(item.due)}: {item.title}{who}{detail}"
    late = " LA late — consider challenging." if item.duty == "la" and item.status == "overdue" else ""
    return Item(title, f"{when(item, today)} · acts: {DUTY[item.duty]} · {item.rule} · D{item.id}{late}")

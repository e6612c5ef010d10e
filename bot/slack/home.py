"""The App Home tab: the person's own overdue and due-soon items, with buttons for the common actions.

Teachers see their pupils' deadlines and their own; the SENCO, admins and leaders see the school's. Built
from the same ``reports.due`` as ``/sen due month``; ``home_view`` is pure.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine

from bot.commands.context import deadline_item
from bot.reply import day
from bot.services import reports
from bot.services.access import Actor
from bot.services.errors import Refused
from bot.services.school import actor_for, get_school
from bot.slack import render
from bot.slack.render import RUN_ACTION, context, mrkdwn, plain, section
from db.engine import transaction

View = dict[str, Any]
REFRESH = "sen_home_refresh"
MAX_ITEMS = 80  # a Home view holds 100 blocks; the rest is headings and buttons


@dataclass(frozen=True)
class HomeData:
    school: str
    role: str
    items: list[reports.DueItem]


def load(engine: Engine, school_id: int, handle: str, today: date) -> HomeData:
    """What the Home tab shows for this member of staff; Refused if they are not on the staff list."""
    with transaction(engine) as session:
        actor = actor_for(session, school_id, handle)
        school = get_school(session, school_id).name
        items = reports.due(session, actor, "month", _scope(actor), today)
    return HomeData(school, actor.role, items)


def _scope(actor: Actor) -> str:
    return "mine" if actor.role == "teacher" else "all"


def _button(label: str, command: str, index: str) -> dict[str, Any]:
    return {"type": "button", "action_id": f"{RUN_ACTION}_home_{index}", "text": plain(label, 75),
            "value": command}


def _accessory(item: reports.DueItem, role: str, n: int) -> dict[str, Any] | None:
    """The button beside an item: log the meeting, record the review, or open the pupil."""
    if item.pupil_id is None or role == "leader":  # leaders read deadlines, not pupil records
        return None
    pupil = f"#{item.pupil_id}"
    if item.kind == "parent_meeting":
        return _button("Log meeting", f"/sen meeting {pupil} today", str(n))
    if item.kind == "intervention_review" and item.detail:
        what = item.detail.replace('"', "'")
        options = []
        for outcome, label in (("continue", "Reviewed today: continue"), ("stop", "Reviewed today: stop"),
                               ("escalate", "Reviewed today: escalate")):
            value = f'/sen intervention review {pupil} "{what}" today outcome:{outcome}'
            if len(value) <= 150:  # Slack's limit for an option's value
                options.append({"text": plain(label, 75), "value": value})
        options.append({"text": plain("Open the pupil", 75), "value": f"/sen pupil show {pupil}"})
        return {"type": "overflow", "action_id": f"{RUN_ACTION}_home_{n}", "options": options}
    return _button("Open", f"/sen pupil show {pupil}", str(n))


def _item_block(item: reports.DueItem, role: str, today: date, n: int) -> dict[str, Any]:
    shown = deadline_item(item, today)
    block = section(f"{mrkdwn(shown.title)}\n{mrkdwn(shown.detail)}"[: render.SECTION_TEXT])
    accessory = _accessory(item, role, n)
    if accessory is not None:
        block["accessory"] = accessory
    return block


def home_view(data: HomeData, today: date) -> View:
    whose = "your pupils and you" if data.role == "teacher" else data.school
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": plain("SEN deadlines", 150)},
        context(f"For {mrkdwn(whose)}, as of {day(today)}. Only you see this tab."),
    ]
    if data.role != "leader":
        blocks.append({"type": "actions", "block_id": "sen_home_actions", "elements": [
            _button("Add a pupil", "/sen pupil add", "add_pupil"),
            _button("Log a parent meeting", "/sen meeting", "meeting"),
            _button("Add an intervention", "/sen intervention add", "intervention"),
            {"type": "button", "action_id": REFRESH, "text": plain("Refresh", 75), "value": "refresh"},
        ]})
    else:
        blocks.append({"type": "actions", "block_id": "sen_home_actions", "elements": [
            {"type": "button", "action_id": REFRESH, "text": plain("Refresh", 75), "value": "refresh"}]})
    blocks.append({"type": "divider"})
    overdue = [i for i in data.items if i.status == "overdue"]
    soon = [i for i in data.items if i.status != "overdue"]
    if not data.items:
        blocks.append(section("Nothing overdue and nothing due in the next month. :tada:"))
    shown = 0
    for heading, group in (("Overdue", overdue), ("Due in the next month", soon)):
        if not group:
            continue
        blocks.append(section(f"*{heading}* ({len(group)})"))
        for item in group:
            if shown >= MAX_ITEMS:
                break
            blocks.append(_item_block(item, data.role, today, shown))
            shown += 1
    if shown < len(data.items):
        blocks.append(context(f"…and {len(data.items) - shown} more: type /sen due month to see them all."))
    return {"type": "home", "blocks": blocks}


def message_view(text: str) -> View:
    """A Home tab that only says something (not on the staff list, workspace not connected)."""
    return {"type": "home", "blocks": [{"type": "header", "text": plain("sendbot", 150)}, section(mrkdwn(text))]}


def build(engine: Engine, school_id: int | None, handle: str, today: date, not_connected: str) -> View:
    """The Home view for this person (runs queries: call it off the event loop)."""
    if school_id is None:
        return message_view(not_connected)
    try:
        return home_view(load(engine, school_id, handle, today), today)
    except Refused as e:
        return message_view(str(e))

"""The chat command language: every surface (Slack, Teams, console) calls :func:`execute`.

``execute`` parses the text, finds who is asking, runs the handler in one transaction and returns a
platform-neutral :class:`Reply`. A refusal (bad words, no permission, unknown pupil) rolls the
transaction back and comes back as ``Reply(ok=False)``; nothing a user types raises.
"""

import logging
from datetime import date
from typing import Any

from sqlalchemy import Engine

from bot.commands import pupils, school, sen
from bot.commands.context import Ctx
from bot.commands.grammar import Arg, Command, Grammar
from bot.commands.reply import Action, Item, Reply
from bot.commands.tokens import ParseError
from bot.services.errors import Refused
from bot.services.school import actor_for
from db.engine import transaction

__all__ = ["GRAMMAR", "Action", "Item", "Reply", "execute"]

log = logging.getLogger(__name__)


def _help(ctx: Ctx | None, v: dict[str, Any]) -> Reply:
    title, lines = GRAMMAR.help(v.get("command"))
    if not v.get("command"):
        lines.append("Type /sen help <command> for more, e.g. /sen help pupil add.")
    return Reply(title, lines=lines)


GRAMMAR = Grammar([
    Command(("help",), "Show the commands, or help on one.", _help,
            args=(Arg("command", "rest", optional=True),), anyone=True),
    *pupils.COMMANDS,
    *sen.COMMANDS,
    *school.COMMANDS,
])


MAX_COMMAND = 4000  # characters: Slack's own limit on a slash command's text


def execute(engine: Engine, school_id: int, handle: str, text: str, today: date) -> Reply:
    """Run one command as the member of staff ``handle`` of school ``school_id``, as of ``today``."""
    if len(text) > MAX_COMMAND:
        # Refused before parsing: a 500,000-character command took seconds to parse.
        return Reply.refused(f"A command can be at most {MAX_COMMAND:,} characters (Slack's own limit); this one "
                             f"has {len(text):,}. Put long notes in your school's own records system.")
    try:
        parsed = GRAMMAR.parse(text, today)
    except ParseError as e:
        return Reply.refused(str(e))
    command = parsed.command
    try:
        with transaction(engine) as session:
            if command.anyone:
                return command.handler(None, parsed.values)
            actor = actor_for(session, school_id, handle)
            return command.handler(Ctx(session, actor, today), parsed.values)
    except (Refused, ParseError) as e:
        return Reply.refused(str(e))
    except Exception:
        # Ids only in the log: never the text, which may hold a child's name.
        log.exception("command %r failed for school %s", command.name, school_id)
        return Reply.refused("Sorry — something went wrong on our side and nothing was changed. "
                             "Please try again; if it keeps happening, tell your admin.")

"""The chat command language: every chat surface (Slack, Teams) calls :func:`answer`; the console and
tests call :func:`execute` with a staff handle.

``answer`` finds who is asking (``bot.services.tenancy``: workspace → school, user → staff; ``claim CODE``
connects a new workspace), runs ``execute`` and words the reply with the asker's surface prefix.
``execute`` parses the text, finds who is asking, runs the handler in one transaction and returns a
platform-neutral :class:`Reply`. A refusal (bad words, no permission, unknown pupil) rolls the
transaction back and comes back as ``Reply(ok=False)``; nothing a user types raises.
"""

import logging
import time
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import Engine

from bot.commands import corrections, dashboard, pupils, register, school, sen, terms
from bot.commands.context import Ctx
from bot.commands.grammar import NOTES, Arg, Command, Grammar
from bot.commands.words import ParseError
from bot.metrics import observe_command
from bot.ratelimit import RateLimit
from bot.reply import Action, Item, Reply
from bot.services import tenancy
from bot.services.errors import Refused
from bot.services.school import actor_for, get_school
from bot.surface import CANONICAL_PREFIX, Asker, in_prefix
from db.engine import transaction

__all__ = ["GRAMMAR", "Action", "Asker", "Item", "Reply", "answer", "execute"]

log = logging.getLogger(__name__)


def _help(ctx: Ctx | None, v: dict[str, Any]) -> Reply:
    title, lines = GRAMMAR.help(v.get("command"))
    if not v.get("command"):
        lines.append("Type /sen help <command> for more, e.g. /sen help pupil add.")
    return Reply(title, lines=lines)


GRAMMAR = Grammar([
    Command(("help",), "Show the commands, or help on one.", _help,
            args=(Arg("command", "rest", optional=True),), anyone=True, reads=True),
    *pupils.COMMANDS,
    *sen.COMMANDS,
    *school.COMMANDS,
    *corrections.COMMANDS,
    *terms.COMMANDS,
    *dashboard.COMMANDS,
    *register.COMMANDS,
])


MAX_COMMAND = 4000  # characters: Slack's own limit on a slash command's text


def execute(engine: Engine, school_id: int, handle: str, text: str, today: date) -> Reply:
    """Run one command as the member of staff ``handle`` of school ``school_id``, as of ``today``."""
    started = time.perf_counter()
    reply, name, outcome = _execute(engine, school_id, handle, text, today)
    observe_command(name, outcome, time.perf_counter() - started)  # /metrics: by name and outcome
    return reply


def _execute(engine: Engine, school_id: int, handle: str, text: str, today: date) -> tuple[Reply, str, str]:
    if len(text) > MAX_COMMAND:
        # Refused before parsing: a 500,000-character command took seconds to parse.
        return (Reply.refused(f"A command can be at most {MAX_COMMAND:,} characters (Slack's own limit); this one "
                              f"has {len(text):,}. Put long notes in your school's own records system."),
                "unparsed", "refused")
    try:
        parsed = GRAMMAR.parse(text, today)
    except ParseError as e:
        return Reply.refused(str(e), field=e.field), "unparsed", "refused"
    command = parsed.command
    try:
        with transaction(engine) as session:
            if command.anyone:
                reply = command.handler(None, parsed.values)
            else:
                actor = actor_for(session, school_id, handle)
                notes = parsed.values.pop(NOTES, [])
                reply = command.handler(Ctx(session, actor, today), parsed.values)
                if notes and reply.ok:
                    reply.lines = [*notes, *reply.lines]
        return reply, command.name, "ok" if reply.ok else "refused"
    except (Refused, ParseError) as e:
        return Reply.refused(str(e), field=e.field), command.name, "refused"
    except Exception:
        # Ids only in the log: never the text, which may hold a child's name.
        log.exception("command %r failed for school %s", command.name, school_id)
        return (Reply.refused("Sorry — something went wrong on our side and nothing was changed. "
                              "Please try again; if it keeps happening, tell your admin."), command.name, "error")


CLAIM = "claim"


def answer(engine: Engine, asker: Asker, text: str, today: date, limit: RateLimit | None = None) -> Reply:
    """Run one command for a person on a chat surface: identify them, then :func:`execute`.

    An unknown workspace is refused with the exact ways to link it (never bound by its own request), except
    for ``claim CODE``: an admin connecting it with the one-time code ``sendbot init`` printed. With ``limit``,
    a person who sends more commands than it allows is asked to wait, before anything is read or changed.
    """
    who = (asker.platform, asker.workspace, asker.user_id)
    if limit is not None and not limit.allow(who):
        wait = limit.retry_after(who)
        return Reply.refused(f"That's a lot of commands in a short time: you can send up to {limit.limit} a "
                             f"minute. Please wait about {wait} second{'s' if wait != 1 else ''} and try again; "
                             "nothing was changed.")
    words = text.split()
    claiming = bool(words) and words[0].lower() == CLAIM
    try:
        with transaction(engine) as session:
            if claiming:
                if len(words) != 2:
                    raise Refused(f"Type {asker.prefix} claim CODE with the one-time code sendbot init printed, "
                                  f"like {asker.prefix} claim ABCD-EFGH.")
                caller = tenancy.claim_workspace(session, asker.platform, asker.workspace, asker.user_id, words[1])
                name = get_school(session, caller.school_id).name
            else:
                caller = tenancy.identify(session, asker.platform, asker.workspace, asker.user_id,
                                          prefix=asker.prefix, install_url=asker.install_url)
    except Refused as e:
        return Reply.refused(str(e))
    if claiming:
        return Reply(f"Connected: this workspace is now {name} in sendbot, and you are its admin "
                     f"@{caller.handle}.", lines=[in_prefix("Add your colleagues with /sen staff add @Name "
                                                            "role:teacher, then try /sen help.", asker.prefix)])
    return worded(execute(engine, caller.school_id, caller.handle, text, today), asker.prefix)


def worded(reply: Reply, prefix: str) -> Reply:
    """The reply with commands written in the asker's surface prefix (``/sen`` stays ``/sen`` in Slack)."""
    if prefix == CANONICAL_PREFIX:
        return reply
    return replace(reply, title=in_prefix(reply.title, prefix), lines=[in_prefix(x, prefix) for x in reply.lines],
                   items=[replace(i, title=in_prefix(i.title, prefix), detail=in_prefix(i.detail, prefix))
                          for i in reply.items])

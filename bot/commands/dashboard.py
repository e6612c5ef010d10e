"""/sen dashboard and /sen chase: the chat side of the dashboard (thin: the work is in the use cases)."""

from typing import Any

from bot.commands.context import Ctx
from bot.commands.grammar import Arg, Command
from bot.dashboard.figures import KIND_WORDS
from bot.reply import Reply


def dashboard(ctx: Ctx, v: dict[str, Any]) -> Reply:
    from bot.config import get_settings
    from bot.dashboard.signin import LINK_LIFETIME, issue_link, link_url

    token = issue_link(ctx.session, ctx.actor)
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    return Reply("Your SEN dashboard (only you can see this link):",
                 lines=[link_url(get_settings().public_url, token),
                        f"It signs you in once and works for {minutes} minutes; don't forward it. "
                        "Type /sen dashboard again for a new one."], private=True)


def chase(ctx: Ctx, v: dict[str, Any]) -> Reply:
    from bot.dashboard.chase import chase as write

    done = write(ctx.session, ctx.actor, v["pupil"], v.get("kind"), ctx.today)
    lines = ["A letter to send from the school's own email or letterhead (sendbot does not send it):"]
    if done.others:
        lines.append("Also overdue: " + ", ".join(f"/sen chase #{done.pupil_id} {w}"
                                                  for w in done.others) + ".")
    return Reply(f"Chase letter to the LA for {done.pupil}", lines=lines, attachment=done.letter.text, private=True)


COMMANDS = [
    Command(("dashboard",), "A private link to the school's SEN dashboard (leaders, the SENCO and admins).",
            dashboard, details="The link signs you in once and expires after 10 minutes."),
    Command(("chase",), "A ready-to-send letter chasing the LA about an overdue deadline (SENCO, admins).", chase,
            args=(Arg("pupil", "pupil", help='a name in quotes ("Ava Smith"), a unique prefix (ava), #id or a UPN'),
                  Arg("kind", choices=tuple(KIND_WORDS), optional=True,
                      help="which LA deadline (default: the longest overdue): assessment (6 weeks), plan "
                           "(20 weeks), review-decision, amended-plan or phase-transfer")),
            details="States the facts recorded, the regulation and the date it required, and asks for a date. "
                    "sendbot never sends it.",
            examples=("/sen chase ava", "/sen chase ava review-decision")),
]

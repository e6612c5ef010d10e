"""The notifier port: how a reminder leaves sendbot (Slack, Teams, the console), and the console notifier.

A notifier sends one message and says what happened: ``Sent`` (with the platform's message id), or it
raises ``DeliveryError`` — ``transient`` ones are retried with backoff, the rest park the message with the
reason for an admin to read (``sendbot outbox``).
"""

import asyncio
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TextIO

from bot.reply import Reply


@dataclass(frozen=True)
class Address:
    """Where a message goes: a member of staff by direct message, or the school's reminders channel."""

    kind: str  # "staff" or "channel"
    handle: str  # the staff handle, or the channel setting
    label: str = ""  # how to show the recipient to an operator: @alice, #sen-team
    staff_id: int | None = None  # the member of staff (kind "staff"): the routing notifier finds their surface
    # Filled in by the routing notifier from the person's identity on the surface it picked:
    platform: str | None = None
    user_id: str | None = None  # their id there, exact case
    reference: dict[str, Any] | None = field(default=None, compare=False)  # how to reach them there, if kept


@dataclass(frozen=True)
class Outgoing:
    reminder_id: int
    school_id: int
    to: Address
    reply: Reply
    buttons: bool = True  # Done / Snooze 1 week / Open (reminders); a digest has none


@dataclass(frozen=True)
class Sent:
    message_id: str | None = None  # Slack: the message ts
    channel: str | None = None  # Slack: the channel (D… for a direct message)


class DeliveryError(Exception):
    """A message could not be sent. ``transient``: try again later (after ``retry_after`` seconds at least)."""

    def __init__(self, reason: str, *, transient: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient
        self.retry_after = retry_after


class Notifier(Protocol):
    """Sends one message. A notifier whose platform limits the pace per conversation also has
    ``pace_interval`` (seconds) and ``pace_key(message) -> str | None``: the outbox then waits for that
    conversation's turn *before* taking a sending slot (see ``outbox.Pacer``)."""

    name: str

    async def send(self, message: Outgoing) -> Sent: ...

    async def close(self) -> None: ...


class ConsoleNotifier:
    """Prints each reminder as it fires, so ``sendbot run`` in a terminal shows what would reach a chat surface."""

    name = "console"

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.sent: list[Outgoing] = []

    async def send(self, message: Outgoing) -> Sent:
        to = message.to.label or (f"#{message.to.handle.lstrip('#')}" if message.to.kind == "channel"
                                  else f"@{message.to.handle}")
        how = "in the reminders channel" if message.to.kind == "channel" else "by direct message"
        print(f"── to {to} {how} (message #{message.reminder_id}) ──", file=self.out)
        print(message.reply.as_text(), file=self.out, flush=True)
        self.sent.append(message)
        return Sent(message_id=f"console-{message.reminder_id}", channel=to)

    async def close(self) -> None:
        return None


@dataclass(frozen=True)
class Route:
    """One way to reach a member of staff: a surface, their user id there, and the kept reference."""

    platform: str
    user_id: str
    reference: dict[str, Any] = field(default_factory=dict)


class RoutingNotifier:
    """Picks the surface per recipient: the first of their identities whose surface has a notifier here.

    Built by the composition root (``bot.server.notifier_for``) with the surfaces' notifiers and two lookups
    (a member of staff's routes; a school's surfaces), so nothing in ``bot.reminders`` knows a surface.
    A channel, or someone with no identity yet, goes by the school's own surface, else the first notifier.
    """

    name = "routing"

    def __init__(self, notifiers: dict[str, Notifier], routes: Callable[[int], Sequence[Route]],
                 school_surfaces: Callable[[int], Sequence[str]]) -> None:
        assert notifiers, "at least one notifier"
        self.notifiers = notifiers
        self.routes = routes
        self.school_surfaces = school_surfaces

    async def send(self, message: Outgoing) -> Sent:
        to = message.to
        if to.kind == "staff" and to.staff_id is not None:
            for route in await asyncio.to_thread(self.routes, to.staff_id):
                if route.platform in self.notifiers:
                    routed = replace(to, platform=route.platform, user_id=route.user_id, reference=route.reference)
                    return await self.notifiers[route.platform].send(replace(message, to=routed))
        for platform in await asyncio.to_thread(self.school_surfaces, message.school_id):
            if platform in self.notifiers:
                return await self.notifiers[platform].send(replace(message, to=replace(to, platform=platform)))
        return await next(iter(self.notifiers.values())).send(message)

    async def close(self) -> None:
        for notifier in self.notifiers.values():
            await notifier.close()


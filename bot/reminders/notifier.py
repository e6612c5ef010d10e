"""The notifier port: how a reminder leaves sendbot (Slack, Teams, the console), and the console notifier.

A notifier sends one message and says what happened: ``Sent`` (with the platform's message id), or it
raises ``DeliveryError`` — ``transient`` ones are retried with backoff, the rest park the message with the
reason for an admin to read (``sendbot outbox``).
"""

import sys
from dataclasses import dataclass
from typing import Protocol, TextIO

from bot.reply import Reply


@dataclass(frozen=True)
class Address:
    """Where a message goes: a member of staff by direct message, or the school's reminders channel."""

    kind: str  # "staff" or "channel"
    handle: str  # the staff handle (a Slack user id, lower-cased, in Slack schools) or the channel setting
    label: str = ""  # how to show the recipient to an operator: @alice, #sen-team


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
    name: str

    async def send(self, message: Outgoing) -> Sent: ...

    async def close(self) -> None: ...


class ConsoleNotifier:
    """Prints each reminder as it fires, so ``sendbot run`` in a terminal shows what would reach Slack."""

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

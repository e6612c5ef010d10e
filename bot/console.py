"""The console adapter: plain text in, plain text out. It is also the transcript-recording stub for tests."""

import sys
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from bot.commands import Reply, execute
from bot.config import get_settings


class Console:
    """Speaks as one member of staff; keeps a transcript of (text, reply) pairs."""

    def __init__(self, engine: Engine, school_id: int, handle: str, today: date | None = None,
                 out=None) -> None:  # type: ignore[no-untyped-def]
        self.engine = engine
        self.school_id = school_id
        self.handle = handle.lower().lstrip("@")
        self.fixed_today = today
        self.out = out or sys.stdout
        self.transcript: list[tuple[str, Reply]] = []

    @property
    def today(self) -> date:
        return self.fixed_today or datetime.now(ZoneInfo(get_settings().timezone)).date()

    def ask(self, text: str) -> Reply:
        reply = execute(self.engine, self.school_id, self.handle, text, self.today)
        self.transcript.append((text, reply))
        return reply

    def say(self, text: str) -> bool:
        """Run one command and print the reply; True if it was carried out."""
        reply = self.ask(text)
        stream = self.out if reply.ok else sys.stderr if self.out is sys.stdout else self.out
        print(("" if reply.ok else "Refused: ") + reply.as_text(), file=stream)
        return reply.ok

    def interactive(self) -> None:
        print(f"Speaking as @{self.handle}. Type a command (like: help, pupil list, due week); "
              "'quit' or Ctrl-D to leave.", file=self.out)
        while True:
            try:
                # No prompt when reading from a pipe: the transcript stays clean.
                line = input("/sen " if sys.stdin.isatty() else "")
            except (EOFError, KeyboardInterrupt):
                print(file=self.out)
                return
            if line.strip().lower() in ("quit", "exit", "q"):
                return
            if line.strip():
                self.say(line)

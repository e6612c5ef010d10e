"""For the dashboard tests: a seeded school whose figures are worked out by hand below, as of TODAY
(Mon 2 Mar 2026, in the estimated Spring term 5 Jan – 27 Mar 2026).

Importable from any test directory (pytest puts ``tests/`` on the path).
"""

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import uvicorn

from bot.config import Settings
from bot.server import build_app

TODAY = date(2026, 3, 2)

SEED = (
    "staff add @lena role:leader",
    "staff add @sam role:senco",
    "staff add @bob role:teacher class:3A",
    "senco appointed @sam 2025-09-01",
    "settings info-report:2025-10-01",
    # SEN support from the start of this term: parent meetings owed this term only.
    'pupil add "Ava Smith" year:5 class:5B',
    "support start ava 2026-01-05",
    "meeting ava 2026-02-10",                        # 5B: 1 held of 1
    'pupil add "Ben Jones" year:3 class:3A',
    "support start ben 2026-01-05",                  # 3A: no meeting yet
    'pupil add "Cara Lee" year:3 class:3A',
    "support start cara 2026-01-05",
    "meeting cara 2026-01-20",                       # 3A: 1 held of 2
    # Kent: 6-week decision on time (due 14 Jul 2025, sent 10 Jul); final plan 14 days late (due 20 Oct 2025).
    'pupil add "Dan Brown" year:4 class:4C',
    "assessment requested dan 2025-06-02",
    "assessment decided dan 2025-07-10 assess",
    'ehcp issued dan 2025-11-03 la:"Kent"',
    # Kent: review held 6 days late (due 19 Mar 2025); decision after it on time (due 22 Apr 2025);
    # phase transfer (Year 6) due 14 Feb 2026 with no decision this year: open and late. Next review due
    # 24 Mar 2026: in the next 8 weeks.
    'pupil add "Eve Green" year:6 class:6D',
    'ehcp issued eve 2024-03-20 la:"Kent"',
    "ehcp reviewed eve 2025-03-25",
    "decision eve 2025-04-15 no-amend",
    # Surrey: review held on time (due 14 Jan 2026); the LA's decision was due 7 Feb 2026: open and late. The
    # review report was due 24 Jan 2026 (Regs 20(7)) and is not recorded: a school duty overdue.
    'pupil add "Finn Hall" year:2 class:2E',
    'ehcp issued finn 2025-01-15 la:"Surrey"',
    "ehcp reviewed finn 2026-01-10",
    # Surrey: annual review due 9 Feb 2026, none held: overdue now (with Finn's report, 2 school duties overdue).
    'pupil add "Gus Ives" year:1 class:1F',
    'ehcp issued gus 2025-02-10 la:"Surrey"',
    # No plan, so no LA on record: the 6-week decision was due 23 Feb 2026: open and late.
    'pupil add "Hana Jo" year:4 class:4C',
    "assessment requested hana 2026-01-12",
)


def seed(chat) -> None:  # type: ignore[no-untyped-def]
    for line in SEED:
        chat.ok("admin", line)


LINK = re.compile(r"https?://[^/\s]+(/dashboard/signin/[A-Za-z0-9_-]+)")


def link_path(reply) -> str:  # type: ignore[no-untyped-def]
    """The /dashboard/signin/<token> path of a /sen dashboard reply."""
    found = LINK.search(reply.as_text())
    assert found, f"no sign-in link in the reply:\n{reply.as_text()}"
    return found.group(1)


@dataclass
class Server:
    url: str
    port: int


@contextmanager
def serve(database_url: str, today: date, public_url: str = "http://127.0.0.1:8080") -> Iterator[Server]:
    """The whole sendbot app under uvicorn on 127.0.0.1 (a free port), in a thread, until the block ends."""
    app = build_app(Settings(database_url=database_url, public_url=public_url), today=lambda: today)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on", log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the server stopped while starting"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Server(f"http://127.0.0.1:{port}", port)
    finally:
        server.should_exit = True
        thread.join(timeout=15)

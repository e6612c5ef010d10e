"""Fuzz the command language: N generated commands (default 10,000) against a real school on SQLite.

Grammar-aware mutations of every command, unicode, control characters, mentions, SQL-ish and huge inputs.
Every input must get a reply (done or a specific refusal), never an exception or the "something went wrong"
apology. Prints the figures; asserts nothing about speed. Run: python bench/fuzz.py [N] [seed]
"""

import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from bot.commands import GRAMMAR, execute
from bot.services.school import create_school
from bot.tables import migrate
from db.engine import get_engine, transaction

TODAY = date(2026, 3, 2)
ODD = ["'; DROP TABLE pupil; --", "\" OR 1=1 --", "%s", "{0}", "\x00", "\x07", "\r\n", "\u202e", "\u200b", "🎉",
       "١٢", "²", "<@U0ADMIN01|x>", "<!channel>", "@here", "<#C1|x>", "&lt;", "\\", "…", "“x”", "x" * 5000,
       "y" * 300, "#99999999999999999999", "31/02/2026", "+99999d", "ava", '"Ava Smith"', "#1", "today", "@alice"]
VALUES = ["ava", '"Ava Smith"', "#1", "#2", "today", "+6w", "2026-03-12", "@alice", "@sue", "5", "R", '"Lexia"',
          "07700900123", "jo@example.org", "continue", "assess", "friday"]


def generate(rng: random.Random) -> str:
    command = rng.choice(GRAMMAR.commands)
    words = [*command.name.split()]
    for _arg in command.args:
        if rng.random() < 0.9:
            words.append(rng.choice(VALUES + ODD))
    for opt in command.opts:
        if rng.random() < 0.4:
            words.append(f"{opt.key}:{rng.choice([*opt.choices, *VALUES, *ODD] if opt.choices else VALUES + ODD)}")
    roll = rng.random()
    if roll < 0.2:  # mutate: drop, swap or duplicate a word
        i = rng.randrange(len(words))
        words.insert(i, words[rng.randrange(len(words))]) if rng.random() < 0.5 else words.pop(i)
    elif roll < 0.3:
        words.append("".join(chr(rng.randrange(0, 0x2FFF)) for _ in range(rng.randrange(1, 40))))
    elif roll < 0.33:
        words.append("z" * rng.choice([3999, 4001, 100_000]))
    return " ".join(words)


def main(n: int = 10_000, seed: int = 11) -> int:
    rng = random.Random(seed)
    where = Path(tempfile.mkdtemp()) / "fuzz.db"
    url = f"sqlite:///{where}"
    migrate(url)
    engine = get_engine(url)
    with transaction(engine) as session:
        school = create_school(session, "Fuzz Primary", "admin", "primary", TODAY)
    for text in ("staff add @alice role:teacher class:5B", "staff add @sue role:senco",
                 'pupil add "Ava Smith" year:5 class:5B', 'pupil add "Ben Brown" year:6'):
        assert execute(engine, school.id or 0, "admin", text, TODAY).ok
    who = ["admin", "alice", "sue", "stranger"]
    done = refused = crashed = 0
    slowest = 0.0
    started = time.perf_counter()
    for _ in range(n):
        text = generate(rng)
        t0 = time.perf_counter()
        try:
            reply = execute(engine, school.id or 0, rng.choice(who), text, TODAY)
        except Exception as e:  # the fuzz's finding
            crashed += 1
            print(f"EXCEPTION {e.__class__.__name__} for {text[:120]!r}")
            continue
        slowest = max(slowest, time.perf_counter() - t0)
        if "something went wrong" in reply.title:
            crashed += 1
            print(f"APOLOGY for {text[:120]!r}")
        elif reply.ok:
            done += 1
        else:
            refused += 1
    total = time.perf_counter() - started
    print(f"fuzz: {n} commands (seed {seed}): {done} done, {refused} refused, {crashed} crashed; "
          f"{total:.1f} s in all, {1000 * total / n:.2f} ms mean, slowest {1000 * slowest:.0f} ms")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:3])))

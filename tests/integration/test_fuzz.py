"""Nothing a user types produces an exception: every text gets a Reply, and a refusal changes nothing."""

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text as sql
from sqlmodel import SQLModel

from bot.commands import GRAMMAR, Reply, execute

CRASH = "something went wrong"
COMMANDS = [c.name for c in GRAMMAR.commands]
OPTION_KEYS = sorted({o.key for c in GRAMMAR.commands for o in c.opts} | {"colour", "Year", "CLASS", "x"})
CHOICES = sorted({ch for c in GRAMMAR.commands for a in (*c.args, *c.opts) for ch in a.choices})
WORDS = [
    # pupils
    "ava", "Ava", '"Ava Smith"', "smith", "ben", '"Ben Brown"', "cara", "#1", "#2", "#0", "#-1", "#", "#x",
    "#²", "#99999999999999999999", "A123456789012", "a12345678901", "'O'Brien'", "O'Brien",
    # dates
    "today", "yesterday", "tomorrow", "2026-03-12", "12/03/2026", "12/3/26", "12 Mar 2026", "12 March", "+10d",
    "+6w", "+3m", "-2w", "31/02/2026", "29 Feb", "0/0/0", "31/12/9999", "0001-01-01", "+99999d", "-99999y",
    "9999-12-31", "12th of March, 2026", "12-Mar-26", "Mar", "2026",
    # staff
    "@alice", "@admin", "@", "<@U1|x>", "<@U123ABC>", "<#C1|general>", "<!here>", "<@", "alice", "@nobody",
    # numbers and oddities
    "R", "5", "14", "15", "0", "-1", "²", "١٢", "99999999999", "+", "-", ":", "::", "x:", ":x", "a:b:c",
    '"', "“", "”", "'", '""', "''", '"unclosed', "“curly”", "‘single’", "…", "🎉", "\u200b", "\u202e", "\t",
    "x" * 300, '"' + "y" * 2100 + '"', "<", ">", "&lt;", "https://example.org", "/sen", "/SEN", "help",
]
VALUES = [*WORDS, *CHOICES, "6,11", "R,Y6", "07:30", "25:00", "friday", "yes", "no", "npq", "nasenco", '"a b"']

# Well-formed values for each kind of word (WORDS has the odd ones).
PUPILS = ["ava", '"Ava Smith"', "smith", "ben", '"Ben Brown"', "cara", "#1", "#2", "#3"]
DATES = ["today", "yesterday", "tomorrow", "2026-03-12", "12/03/2026", "12/3/26", "12 Mar 2026", "12 March",
         "+10d", "+6w", "+3m", "-2w", "2025-09-01", "2027-01-15", "1/9/2009", "29 Feb"]
STAFF = ["@alice", "@admin", "@sue", "bob", "<@U123ABC|bob>", "@lee"]
TEXTS = ['"Lexia reading"', '"Jo Smith"', '"Spring 2026"', "Lexia", '"mum and SALT"', "5", "R", "14", "6,11",
         "07:30", "friday", "#sen"]
VALUES_BY_KIND = {"pupil": PUPILS, "date": DATES, "staff": STAFF, "int": ["0", "3", "13"], "text": TEXTS,
                  "rest": ["pupil add", "due", "ehcp"]}
# Printable text (control characters have their own refusal: ``anything`` tries them too).
printable = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=12)


def _value(kind: str, choices: tuple[str, ...], junk: bool) -> st.SearchStrategy[str]:
    valid = st.sampled_from(choices or VALUES_BY_KIND.get(kind, TEXTS))
    if not junk:
        return valid
    odd = st.one_of(st.sampled_from(WORDS), printable, printable.map(lambda t: f'"{t}"'))
    # Mostly well-formed (so that most commands reach the services), sometimes anything at all.
    return st.one_of(*[valid] * 8, odd)


def _command(command, junk: bool = True) -> st.SearchStrategy[str]:
    """One command with each word and option of the kind it takes (sometimes not, when ``junk``)."""
    args = st.tuples(*(_value(a.kind, a.choices, junk) for a in command.args))
    required = [o for o in command.opts if o.required]
    optional = [o for o in command.opts if not o.required]
    chosen = (st.lists(st.sampled_from(optional), unique=True).map(lambda some: required + some) if optional
              else st.just(required))
    opts = chosen.flatmap(lambda picked: st.tuples(
        *(_value(o.kind, o.choices, junk).map(lambda v, k=o.key: f"{k}:{v}") for o in picked)))
    noise = st.just([])
    if junk:
        noise = st.one_of(*[st.just([])] * 4, st.lists(st.one_of(st.sampled_from(WORDS), printable), max_size=1))
    return st.tuples(args, opts, noise).map(lambda parts: " ".join([command.name, *parts[0], *parts[1], *parts[2]]))


option = st.builds(lambda k, v: f"{k}:{v}", st.sampled_from(OPTION_KEYS), st.one_of(st.sampled_from(VALUES), printable))
token = st.one_of(st.sampled_from(WORDS), st.sampled_from(CHOICES), option, printable,
                  printable.map(lambda t: f'"{t}"'))
well_formed = st.sampled_from(GRAMMAR.commands).flatmap(lambda c: _command(c, junk=False))
command_like = st.one_of(*[st.sampled_from(GRAMMAR.commands).flatmap(_command)] * 3,
                         st.builds(lambda words, rest: " ".join([words, *rest]), st.sampled_from(COMMANDS),
                                   st.lists(token, max_size=7)))
# Raw text (control characters and all), printable text, and (twice as often) mixes of the language's words.
anything = st.one_of(st.text(max_size=120), printable, command_like, command_like,
                     st.lists(token, max_size=8).map(" ".join))
handles = st.sampled_from(["admin", "sue", "alice", "bob", "lee", "stranger", "ALICE", ""])
todays = st.sampled_from([date(2026, 3, 2), date(2025, 8, 31), date(2024, 2, 29), date(2026, 12, 25)])


def _fingerprint(engine) -> tuple:
    """Row counts of every table and the school rows, in one round trip: cheap enough to take per example.

    (The refusal tests elsewhere compare every row; here a refused command that wrote anything at all would
    still show, since a refusal rolls back the whole transaction or nothing.)"""
    tables = [t.name for t in SQLModel.metadata.sorted_tables]
    counts = ", ".join(f'(SELECT count(*) FROM "{name}")' for name in tables)
    with engine.connect() as c:
        row = tuple(c.execute(sql(f"SELECT {counts}")).one())
        schools = [tuple(r) for r in c.execute(sql("SELECT * FROM school ORDER BY id"))]
    return row, schools


def _check(engine, school, handle: str, said: str, today: date, *, full=None) -> None:
    before = full.snapshot() if full else _fingerprint(engine)
    reply = execute(engine, school, handle, said, today)
    assert isinstance(reply, Reply)
    assert CRASH not in reply.title, f"{said!r} as @{handle} crashed"
    assert reply.title.strip(), f"{said!r} as @{handle} gave an empty reply"
    if not reply.ok:
        after = full.snapshot() if full else _fingerprint(engine)
        assert after == before, f"{said!r} as @{handle} was refused but changed the database"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(handle=handles, said=anything, today=todays)
def test_random_text_and_mixes_of_command_words_never_raise(staffed, engine, school, handle, said, today):
    _check(engine, school, handle, said, today)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(["admin", "sue", "alice", "bob"]), well_formed), min_size=1,
                      max_size=4))
def test_random_sequences_of_well_formed_commands_never_raise(staffed, engine, school, steps):
    """Real commands in any order, so the services meet odd states (a decision before any request, …)."""
    for handle, said in steps:
        _check(engine, school, handle, said, date(2026, 3, 2))


def test_known_troublemakers(staffed, engine, school, probe):
    """Inputs that once crashed (or could): kept as plain examples so they run on every backend every time."""
    long = "x" * 250
    for text in [
        "pupil show #99999999999999999999", "pupil show #²", "pupil add \"Zed\" year:²", "settings transfer-years:²",
        "senco appointed @admin today prior-months:²", "senco appointed @admin today prior-months:99999999999999",
        "assessment requested ava 9999-12-01", "decision ava 31/12/9999 refuse-plan",
        "senco appointed @admin 9999-12-31",
        "support start ava 0001-01-01", 'term add "x" 9999-12-01 9999-12-31', "meeting ava +99999d",
        'pupil add "Nul\x00Byte" year:5', "meeting ava today note:\"a\x00b\"", "help \x00", "\x00",
        f'pupil add "Zed" year:5 class:{long}', f'contact add ava "Jo" relation:{long}',
        f'contact add ava "{long}"', f"contact add ava Jo {long} {long}", f'contact add ava "Jo" email:{long}@x.org',
        f'meeting ava today with:"{long}"', f'intervention add ava "{long}" review:+1w',
        f'ehcp issued ava today la:"{long}"', f'term add "{long}" 2026-09-01 2026-10-01',
        f'staff add @x role:teacher name:"{long}"', f"staff add @y role:teacher class:{long}",
        f"staff add <@U1|{long}> role:teacher", f"settings reminders-channel:{long}",
        f"staff add @{long} role:teacher", "staff add <@U1|> role:teacher", "pupil add \"\" year:5",
        "pupil add \"   \" year:5", "contact add ava \"\"", "intervention add ava \"\" review:+1w",
        "intervention review ava \"\" today outcome:stop", "pupil show \"\"", "pupil show ''",
    ]:
        _check(engine, school, "admin", text, date(2026, 3, 2), full=probe)
    # The mention label too long for the column is trimmed, not a crash.
    assert execute(engine, school, "admin", f"staff add <@U1|{long}> role:teacher", date(2026, 3, 2)).ok


def test_the_bench_fuzzer_fast_subset_crashes_nothing() -> None:
    """CI's slice of bench/fuzz.py (the full run is python bench/fuzz.py, 10,000 commands)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("fuzz", Path(__file__).resolve().parents[2] / "bench" / "fuzz.py")
    assert spec and spec.loader
    fuzz = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fuzz)
    assert fuzz.main(400, 7) == 0  # 0: every command got a reply or a specific refusal

"""The register import as a use case, on SQLite and PostgreSQL: idempotent, one transaction, the same
deadlines as typing the facts, and scoped to its own school."""

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.commands import execute
from bot.register.csv_import import apply_register, operator, read_register
from bot.services.errors import Refused
from bot.services.reports import all_deadlines
from bot.services.school import create_school
from db import models as m
from db.engine import transaction

FIXTURE = Path(__file__).parent.parent / "fixtures" / "register_300.csv"


def _head(n: int) -> str:
    return "\n".join(FIXTURE.read_text().splitlines()[: n + 1]) + "\n"


def _deadlines(engine: Any, school_id: int, today: Any) -> list[tuple[Any, ...]]:
    with transaction(engine) as session:
        actor = operator(session, school_id)
        return [(i.pupil_name, i.kind, i.due, i.duty, i.rule, i.status)
                for i in all_deadlines(session, school_id, today, None, actor)]


def test_import_is_idempotent_scoped_and_gives_the_deadlines_typing_gives(engine: Any, school: int,
                                                                          chat: Any) -> None:
    rows, errors = read_register(_head(40))
    assert not errors
    with transaction(engine) as session:
        report = apply_register(session, operator(session, school), rows, chat.today)
    assert len(report.added) == sum(1 for r in rows if r.provision != "N") and report.facts
    with transaction(engine) as session:
        again = apply_register(session, operator(session, school), rows, chat.today)
    assert not again.changed and again.unchanged == len(report.added)

    with transaction(engine) as session:
        typed = create_school(session, "Typed Academy", "admin", "primary", chat.today).id
    for r in rows:
        if r.provision == "N":
            continue
        needs = (f" need:{r.need}" if r.need else "") + (f" need2:{r.need2}" if r.need2 else "")
        dob = f" dob:{r.dob.isoformat()}" if r.dob else ""
        lines = [f'pupil add "{r.name}" year:{r.year.removeprefix("Year ")} class:{r.class_name} upn:{r.upn}'
                 f"{dob}{needs}"]
        if r.provision == "K" and r.sen_start:
            lines.append(f"support start {r.upn} {r.sen_start.isoformat()}")
        if r.provision == "E" and r.plan_date:
            lines.append(f"ehcp issued {r.upn} {r.plan_date.isoformat()}")
            if r.review_date:
                lines.append(f"ehcp reviewed {r.upn} {r.review_date.isoformat()}")
        for line in lines:
            assert execute(engine, typed, "admin", line, chat.today).ok, line
    imported = _deadlines(engine, school, chat.today)
    assert len([d for d in imported if d[0]]) > 40
    assert imported == _deadlines(engine, typed, chat.today)


def test_a_refusal_part_way_imports_nothing(engine: Any, school: int, chat: Any) -> None:
    rows, _ = read_register(_head(5) + _head(1).splitlines()[1] + "\n")  # the first row again: the same UPN
    with pytest.raises(Refused, match=r"line 7: UPN .* is also on line 2: nothing was imported"), \
            transaction(engine) as session:
        apply_register(session, operator(session, school), rows, chat.today)
    with transaction(engine) as session:
        assert session.exec(select(m.Pupil)).all() == []
        assert session.exec(select(m.SupportPeriod)).all() == []


def test_only_senco_and_admin_import(engine: Any, school: int, chat: Any) -> None:
    chat.ok("admin", "staff add @tom role:teacher class:8E")
    rows, _ = read_register(_head(3))
    with transaction(engine) as session:
        from bot.services.school import actor_for

        with pytest.raises(Refused, match="import the SEN register"):
            apply_register(session, actor_for(session, school, "tom"), rows, chat.today)

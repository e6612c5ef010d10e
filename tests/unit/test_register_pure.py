"""The pure parts of bot/register: census codes and checks, header recognition, teaching groups, hours."""

import pytest

from bot.register.csv_import import parse_provision, read_register
from bot.register.headers import recognise
from bot.register.provision import hours_in
from bot.rules.census import census_problems, need_code, provision_code
from bot.services.errors import Refused
from bot.services.groups import parse_groups, shares_group
from bot.services.school import parse_costs


def codes(provision: str, need: str | None, need2: str | None, plan: bool) -> set[str]:
    return {p.code for p in census_problems(provision, need, need2, plan)}


def test_census_checks_each_rule_and_passes_a_good_record() -> None:
    assert codes("K", "NSA", None, False) == set()
    assert codes("E", "NSA", None, True) == {"nsa-without-k"}
    assert codes("N", "NSA", None, False) == {"nsa-without-k"}
    assert codes("E", "ASD", None, False) == {"e-without-plan"}
    assert codes("K", None, None, False) == {"no-primary-need"}
    assert codes("N", None, "HI", False) == {"secondary-without-primary"}
    assert codes("K", "ASD", "ASD", False) == {"same-need-twice"}
    assert codes("E", "SLCN", "ASD", True) == set()
    assert codes("N", None, None, False) == set()


def test_need_and_provision_codes() -> None:
    assert need_code(" asd ") == "ASD" and need_code("autism") is None
    assert [provision_code(s) for s in ("none", "support", "ehcp")] == ["N", "K", "E"]
    assert [parse_provision(t) for t in ("K", "SEN Support", "ehc plan", "EHCP", "Statement", "", "N", "Q")] == [
        "K", "K", "E", "E", "E", "N", "N", None]


def test_headers_of_different_exports_are_recognised_and_map_wins() -> None:
    cols, unused = recognise(["UPN", "Legal Surname", "Legal Forename", "Preferred Forename", "NC Year",
                              "Reg Group", "DOB", "SEN Status", "SEN Need 1", "SEN Need 2", "Shoe size"])
    assert cols == {"upn": 0, "surname": 1, "forename": 3, "year": 4, "class": 5, "dob": 6, "provision": 7,
                    "need": 8, "need2": 9}
    assert unused == ["Legal Forename", "Shoe size"]
    cols, _ = recognise(["pupil_name", "year_group", "Stage"], {"Stage": "provision", "PUPIL NAME": "name"})
    assert cols == {"name": 0, "year": 1, "provision": 2}


def test_read_register_reports_every_bad_row_with_its_line() -> None:
    rows, errors = read_register("Name,Year,SEN Provision,Primary Need\n"
                                 "Ava Smith,5,K,ASD\n\n"
                                 "Ben Brown,15,K,ASD\n"
                                 "\"Diaz, Cara\",Year 3,E,\n")
    assert [(r.line, r.name, r.provision) for r in rows] == [(2, "Ava Smith", "K"), (5, "Cara Diaz", "E")]
    assert [(e.line, "1 to 14" in e.reason) for e in errors] == [(4, True)]
    with pytest.raises(Refused, match="SEN provision column"):
        read_register("Name,Year\nAva,5\n")


def test_groups_are_whole_names_in_any_case() -> None:
    assert parse_groups("10X1, 10y2;10x1 11Z") == ["10X1", "10y2", "11Z"]
    assert shares_group("10X1,10Y2,10Z3", "10z3")
    assert not shares_group("10X1", "10X12")
    assert not shares_group(None, "10X1")


def test_hours_and_costs() -> None:
    assert hours_in(3, 30, 60) == 18.0  # 3 half-hour sessions a week for 12 weeks
    assert hours_in(1, 60, 3) == pytest.approx(0.6)
    assert parse_costs("ta=18 teacher=£38.50") == {"ta": 18.0, "teacher": 38.5}
    assert parse_costs("none") == {}
    with pytest.raises(Refused, match="role=pounds"):
        parse_costs("caretaker=10")

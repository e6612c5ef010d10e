"""/sen chase: the letter for an overdue LA deadline; refusals that say what would work and change nothing."""

from dashboard_support import seed
from integration.conftest import Probe
from sqlalchemy import Engine


def test_a_late_review_decision_gets_a_plain_factual_letter_that_asks_for_a_date(chat) -> None:  # type: ignore[no-untyped-def]
    seed(chat)
    reply = chat.ok("sam", "chase finn")
    assert reply.private
    text = reply.as_text()
    letter = reply.attachment or ""
    assert "Subject: Finn Hall: decision following the annual review, due 7 February 2026" in letter
    assert "Dear SEN team at Surrey," in letter
    assert "The annual review meeting was held on 10 January 2026." in letter  # the fact recorded
    assert "Regulation 20(10) of the SEND Regulations 2014" in letter and "within 4 weeks" in letter
    assert "the last day was 7 February 2026" in letter and "23 days after" in letter
    assert "Please could you tell us the date by which it will be sent" in letter
    assert "sendbot does not send it" in text


def test_each_clock_has_its_regulation_and_facts(chat) -> None:  # type: ignore[no-untyped-def]
    seed(chat)
    hana = chat.ok("admin", "chase hana assessment").attachment or ""
    assert "Regulation 5(1)" in hana and "received on 12 January 2026" in hana and "23 February 2026" in hana
    assert "Dear SEN team at the local authority," in hana  # no plan, so no LA on record
    eve = chat.ok("sam", "chase eve").attachment or ""
    assert "Regulation 18(1)" in eve and "before 15 February" in eve and "14 February 2026" in eve
    assert "Year 6" in eve and "Kent" in eve


def test_a_pupil_with_several_late_clocks_is_told_of_the_others(chat) -> None:  # type: ignore[no-untyped-def]
    seed(chat)
    chat.ok("admin", "ehcp reviewed eve 2026-01-05")  # the LA's decision was due 2 Feb 2026: late too
    reply = chat.ok("sam", "chase eve")
    assert "decision following the annual review, due 2 February 2026" in (reply.attachment or "")
    assert "Also overdue: /sen chase #" in reply.as_text() and "phase-transfer" in reply.as_text()
    other = chat.ok("sam", "chase eve phase-transfer")
    assert "Regulation 18(1)" in (other.attachment or "")


def test_refusals_say_what_would_work_and_change_nothing(chat, engine: Engine, school: int) -> None:  # type: ignore[no-untyped-def]
    seed(chat)
    probe = Probe(engine, school)
    chat.ok("sam", "due")  # bring the deadlines up to today first, so a refusal's snapshot is comparable
    before = probe.snapshot()
    nothing = chat.refused("sam", "chase dan")
    assert "No local authority deadline for Dan Brown is overdue" in nothing.title
    kind = chat.refused("sam", "chase eve review-decision")
    assert "not overdue" in kind.title and "phase-transfer" in kind.title
    unknown = chat.refused("sam", "chase finn letter")
    assert "assessment" in unknown.as_text() and "review-decision" in unknown.as_text()
    teacher = chat.refused("bob", "chase ben")
    assert "senco" in teacher.title.lower() and "admin" in teacher.title.lower()
    leader = chat.refused("lena", "chase finn")
    assert "senco" in leader.title.lower()
    assert chat.refused("sam", "chase").ok is False
    assert probe.snapshot() == before


def test_the_dashboard_shows_the_same_letters_for_every_late_clock(chat, engine: Engine, school: int) -> None:  # type: ignore[no-untyped-def]
    from bot.dashboard.load import build
    from bot.services.school import actor_for
    from db.engine import transaction

    seed(chat)
    with transaction(engine) as session:
        view = build(session, actor_for(session, school, "lena"), chat.today)
    assert [(x.pupil_label, x.kind) for x in view.letters] == [
        ("F.H.", "review_decision"), ("E.G.", "phase_transfer_review"), ("H.J.", "assessment_decision")]
    # Initials on the dashboard (the school shows no names); the chat letter for the SENCO has the name.
    assert "Finn" not in view.letters[0].text
    assert view.letters[0].body.split("\n\n")[2:] == (chat.ok("sam", "chase finn").attachment or "").split(
        "\n\n")[3:]


def test_a_school_that_shows_names_sees_them_on_the_dashboard(chat, engine: Engine, school: int) -> None:  # type: ignore[no-untyped-def]
    from bot.dashboard.load import build
    from bot.services.school import actor_for
    from db.engine import transaction

    seed(chat)
    chat.ok("admin", "settings names-in-feeds:yes")
    with transaction(engine) as session:
        view = build(session, actor_for(session, school, "sam"), chat.today)
    assert [x.label for x in view.reviews.next_weeks] == ["Eve Green"]
    assert "I am writing from Oak Primary about Finn Hall." in view.letters[0].body
    # Pupils now carry census need types (issue 13): the register shows, with no need recorded for these pupils.
    assert view.register is not None and view.register.needs == [("not recorded", 7)]
    assert [s.name for s in view.sencos] == ["@sam"]
    chat.ok("admin", "staff remove @sam")  # a SENCO who leaves drops out of the governors' summary
    with transaction(engine) as session:
        assert build(session, actor_for(session, school, "admin"), chat.today).sencos == []

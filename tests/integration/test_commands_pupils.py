"""pupil add/show/list/archive, contact add/list, export and erase, exactly as COMMANDS.md writes them."""

import json
from datetime import date

import db.models as m

TODAY = date(2026, 3, 2)


def test_pupil_add_with_every_option(chat, probe):
    chat.ok("admin", "staff add @alice role:teacher class:5B")
    reply = chat.ok("admin", 'pupil add "Ava Smith" year:5 class:5B teacher:@alice upn:A123456789012 dob:12/03/2016')
    p = probe.pupil("Ava Smith")
    assert f"#{p.id}" in reply.title and "Year 5" in reply.title
    alice = probe.one(m.Staff, handle="alice")
    assert (p.year_group, p.year_recorded_in, p.class_name, p.teacher_id, p.upn, p.dob) == (
        5, 2025, "5B", alice.id, "A123456789012", date(2016, 3, 12))
    assert p.archived is False


def test_pupil_add_year_forms_and_staff_mentions(chat, probe):
    chat.ok("admin", "staff add <@U123ABC|bob> role:teacher")
    chat.ok("admin", 'pupil add "Rory Reception" year:R teacher:<@U123ABC|bob>')
    chat.ok("admin", 'pupil add "Sam Six" year:6 teacher:<@U123ABC>')
    chat.ok("admin", 'pupil add "Tia Ten" year:14 teacher:@bob')  # @label: bob is the display name
    chat.ok("admin", 'pupil add "Uma Upn" year:1 teacher:u123abc upn:b123456789012')
    bob = probe.one(m.Staff, handle="u123abc")
    assert bob.display_name == "bob"
    got = {p.name: (p.year_group, p.teacher_id) for p in probe.rows(m.Pupil)}
    assert got == {"Rory Reception": (0, bob.id), "Sam Six": (6, bob.id), "Tia Ten": (14, bob.id),
                   "Uma Upn": (1, bob.id)}
    assert probe.pupil("Uma Upn").upn == "B123456789012"  # stored upper-case


def test_pupil_add_refusals_change_nothing(chat, probe):
    chat.ok("admin", 'pupil add "Ava Smith" year:5 upn:A123456789012')
    cases = {
        'pupil add "Ben Brown"': "year:",
        'pupil add "Ben Brown" year:15': "year",
        'pupil add "Ben Brown" year:x': "year",
        'pupil add "Ben Brown" year:5 upn:123': "UPN",
        'pupil add "Ben Brown" year:5 upn:a123456789012': "is already on the school's records",
        'pupil add "Ava Smith" year:5': "already a pupil called Ava Smith",
        'pupil add "Ben Brown" year:5 dob:tomorrow': "dob",
        'pupil add "Ben Brown" year:5 teacher:@nobody': "not on the staff list",
        'pupil add "Ben Brown" year:5 form:5B': "class:",
        'pupil add year:5': "name",
        'pupil add "#12" year:5': "looks like a pupil number",
    }
    for text, why in cases.items():
        reply = probe.refused_unchanged(chat, "admin", text)
        assert why.lower() in reply.as_text().lower(), (text, reply.as_text())
    # The unknown option is refused naming the options that exist.
    reply = chat.refused("admin", 'pupil add "Ben Brown" year:5 form:5B')
    for key in ("year:", "class:", "teacher:", "upn:", "dob:"):
        assert key in reply.title


def test_pupil_show(chat, probe):
    chat.ok("admin", "staff add @alice role:teacher class:5B")
    chat.ok("admin", 'pupil add "Ava Smith" year:5 class:5B teacher:@alice upn:A123456789012')
    chat.ok("admin", 'support start "Ava Smith" 2026-01-05')
    chat.ok("admin", 'meeting "Ava Smith" 12/01/2026 with:"mum"')
    chat.ok("admin", 'contact add "Ava Smith" "Jo Smith" relation:mum')
    chat.ok("admin", 'intervention add "Ava Smith" "Lexia reading" review:2026-04-20')
    reply = chat.ok("admin", 'pupil show "Ava Smith"')
    fields = dict(reply.fields)
    assert reply.title == f"Ava Smith (#{probe.pid('Ava Smith')})"
    assert fields["Year"] == "Year 5" and fields["SEN"] == "SEN support" and fields["Class"] == "5B"
    assert fields["Teacher"] == "@alice" and fields["UPN"] == "A123456789012"
    assert fields["Last parent meeting"] == "Mon 12 Jan 2026" and fields["Parent contacts"] == "1"
    text = reply.as_text()
    assert "Lexia reading" in text
    # Open deadlines: the spring meeting is met, summer's and the intervention review are not.
    assert "Wed 22 Jul 2026: Termly parent meeting" in text
    assert "Mon 20 Apr 2026: Intervention review" in text
    assert "Fri 27 Mar 2026" not in text


def test_pupil_list_filters(chat, probe):
    chat.ok("admin", 'pupil add "Ava Smith" year:5 class:5B')
    chat.ok("admin", 'pupil add "Ben Brown" year:6 class:6A')
    chat.ok("admin", 'pupil add "Cara Diaz" year:3 class:5B')
    chat.ok("admin", 'support start ava today')
    chat.ok("admin", 'ehcp issued ben 2026-02-20')

    def names(text: str) -> list[str]:
        return [i.title.split(" (#")[0] for i in chat.ok("admin", text).items]

    assert names("pupil list") == ["Ava Smith", "Ben Brown", "Cara Diaz"]
    assert names("pupil list class:5b") == ["Ava Smith", "Cara Diaz"]  # classes are case-insensitive
    assert names("pupil list status:support") == ["Ava Smith"]
    assert names("pupil list status:ehcp") == ["Ben Brown"]
    assert names("pupil list status:none") == ["Cara Diaz"]
    assert names("pupil list class:5B status:support") == ["Ava Smith"]
    assert chat.ok("admin", "pupil list class:9Z").title == "No pupils match."
    reply = probe.refused_unchanged(chat, "admin", "pupil list status:maybe")
    assert "support, ehcp, none" in reply.title


def test_pupil_archive(chat, probe):
    chat.ok("admin", 'pupil add "Ava Smith" year:5')
    chat.ok("admin", 'support start ava 2026-01-05')
    pid = probe.pid("Ava Smith")
    assert probe.deadlines(pid)
    reply = chat.ok("admin", "pupil archive ava")
    assert "Archived Ava Smith" in reply.title
    assert probe.pupil("Ava Smith").archived is True
    assert probe.deadlines(pid) == set()
    assert chat.ok("admin", "pupil list").title == "No pupils match."
    # The record is kept and can still be shown by #id; an archived pupil is not archived twice.
    assert dict(chat.ok("admin", f"pupil show #{pid}").fields)["Archived"] == "yes"
    probe.refused_unchanged(chat, "admin", "pupil archive ava")


def test_contact_add_with_every_option_and_list(chat, probe):
    chat.ok("admin", 'pupil add "Ava Smith" year:5')
    chat.ok("admin", 'contact add ava "Jo Smith" relation:mum phone:07700900123 email:jo@example.org prefers:text')
    chat.ok("admin", 'contact add ava "Sam Smith" relation:dad email:sam@example.org prefers:email')
    chat.ok("admin", 'contact add ava "Nan" phone:"+44 1632 960000" prefers:phone')
    chat.ok("admin", 'contact add ava "Pat Smith"')
    rows = probe.rows(m.ParentContact, pupil_id=probe.pid("Ava Smith"))
    assert [(c.name, c.relation, c.phone, c.email, c.prefers) for c in rows] == [
        ("Jo Smith", "mum", "07700900123", "jo@example.org", "text"),
        ("Sam Smith", "dad", None, "sam@example.org", "email"),
        ("Nan", None, "+44 1632 960000", None, "phone"),
        ("Pat Smith", None, None, None, None),
    ]
    reply = chat.ok("admin", "contact list ava")
    assert reply.title == "Parent contacts for Ava Smith"
    assert [i.title for i in reply.items] == ["Jo Smith (mum)", "Sam Smith (dad)", "Nan", "Pat Smith"]
    assert reply.items[0].detail == "07700900123 · jo@example.org · prefers text"


def test_contact_refusals_change_nothing(chat, probe):
    chat.ok("admin", 'pupil add "Ava Smith" year:5')
    assert "No parent contacts" in chat.ok("admin", "contact list ava").title
    cases = {
        'contact add ava "Jo" phone:call-me': "phone number",
        'contact add ava "Jo" email:not-an-email': "email address",
        'contact add ava "Jo" prefers:email': "needs an email",
        'contact add ava "Jo" prefers:text': "needs a phone",
        'contact add ava "Jo" prefers:pigeon': "phone, email, text",
        'contact add ava "Jo" mobile:07700900123': "phone:",
        'contact add ava': "name",
        'contact add zed "Jo"': "don't know a pupil",
    }
    for text, why in cases.items():
        reply = probe.refused_unchanged(chat, "admin", text)
        assert why in reply.as_text(), (text, reply.as_text())


def test_export_holds_everything_about_the_pupil_and_no_one_else(chat, probe):
    chat.ok("admin", 'pupil add "Ava Smith" year:5 upn:A123456789012')
    chat.ok("admin", 'pupil add "Ben Brown" year:6')
    chat.ok("admin", 'support start ava 2026-01-05')
    chat.ok("admin", 'meeting ava 2026-01-12 note:"agreed reading plan"')
    chat.ok("admin", 'contact add ava "Jo Smith" relation:mum')
    chat.ok("admin", 'intervention add ava "Lexia" review:2026-04-20')
    chat.ok("admin", 'assessment requested ava 2026-01-05')
    chat.ok("admin", 'contact add ben "Kim Brown"')
    reply = chat.ok("admin", "export ava")
    assert reply.attachment is not None
    data = json.loads(reply.attachment)
    assert data["pupil"]["name"] == "Ava Smith" and data["pupil"]["upn"] == "A123456789012"
    assert [c["name"] for c in data["parent_contact"]] == ["Jo Smith"]
    assert data["parent_meeting"][0]["note"] == "agreed reading plan"
    assert data["support_period"][0]["start"] == "2026-01-05"
    assert data["assessment_request"][0]["received_on"] == "2026-01-05"
    assert data["intervention"][0]["what"] == "Lexia"
    assert data["intervention"][0]["reviews"][0]["due"] == "2026-04-20"
    assert {d["kind"] for d in data["deadline"]} >= {"parent_meeting", "intervention_review",
                                                    "assessment_decision", "final_plan"}
    assert "Kim Brown" not in reply.attachment and "Ben Brown" not in reply.attachment
    assert probe.audit()[-1].action == "pupil.export"


def test_erase_removes_the_pupil_and_every_row_about_them(chat, probe):
    chat.ok("admin", "staff add @alice role:teacher")
    chat.ok("admin", 'pupil add "Ava Smith" year:6')
    chat.ok("admin", 'pupil add "Ben Brown" year:6')
    ava, ben = probe.pid("Ava Smith"), probe.pid("Ben Brown")
    for who in ("ava", "ben"):
        chat.ok("admin", f'support start {who} 2026-01-05')
        chat.ok("admin", f'meeting {who} 2026-01-12 with:"mum"')
        chat.ok("admin", f'contact add {who} "Jo" relation:mum')
        chat.ok("admin", f'intervention add {who} "Lexia" review:2026-04-20 staff:@alice')
        chat.ok("admin", f'intervention review {who} "Lexia" 2026-03-01 outcome:continue')
        chat.ok("admin", f'assessment requested {who} 2025-09-10')
        chat.ok("admin", f'assessment decided {who} 2025-10-01 assess')
        chat.ok("admin", f'ehcp issued {who} 2026-01-20 la:"Kent"')
        chat.ok("admin", f'ehcp booked {who} 2026-02-02')
        chat.ok("admin", f'ehcp reviewed {who} 2026-02-02')
        chat.ok("admin", f'mediation {who} certificate:2026-02-20')
        chat.ok("admin", f'appeal lodged {who} 2026-02-25')
    fact_tables = (m.SupportPeriod, m.ParentMeeting, m.ParentContact, m.Intervention, m.AssessmentRequest,
                   m.LaDecision, m.EhcPlan, m.ReviewMeeting, m.MediationCertificate, m.Appeal, m.Deadline)
    for table in fact_tables:
        assert probe.rows(table, pupil_id=ava), table.__name__
    ava_iv = [iv.id for iv in probe.rows(m.Intervention, pupil_id=ava)]
    # COMMANDS v2: erase asks first, and nothing goes until it is confirmed.
    reply = chat.ok("admin", "erase ava")
    assert "Nothing has been erased yet" in reply.title and f"/sen erase #{ava} confirm:yes" in reply.as_text()
    assert probe.rows(m.Pupil, id=ava)
    reply = chat.ok("admin", f"erase #{ava} confirm:yes")
    assert "Erased Ava Smith" in reply.title
    assert probe.rows(m.Pupil, id=ava) == []
    for table in fact_tables:
        assert probe.rows(table, pupil_id=ava) == [], table.__name__
        assert probe.rows(table, pupil_id=ben), f"erasing Ava took Ben's {table.__name__} rows"
    assert all(r.intervention_id not in ava_iv for r in probe.rows(m.InterventionReview))
    assert probe.rows(m.InterventionReview)  # Ben's are kept
    # The audit trail keeps only that the record was erased, by whom, and the id.
    last = probe.audit()[-1]
    assert (last.action, last.pupil_id) == ("pupil.erase", ava)
    assert "don't know a pupil" in chat.refused("admin", "pupil show ava").title
    probe.refused_unchanged(chat, "admin", f"erase #{ava}")

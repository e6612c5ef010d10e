"""Encryption at rest, the append-only audit trail and /sen audit, retention, and the subject access export.

On SQLite and PostgreSQL. Keys are set with KEYRING.using (what SENDBOT_ENCRYPTION_KEY sets at start-up).
"""

import csv
import io
import json
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

import db.models as m
from bot.security.crypto import KEYRING, CannotDecrypt, new_key, rotate_stored
from bot.security.retention import apply_retention
from db.engine import transaction

CONTACT = 'contact add ava "Jo Hidden" relation:mum phone:07700900123 email:jo@example.org prefers:phone'


def raw_contacts(engine) -> list[tuple]:  # type: ignore[no-untyped-def]
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(text("SELECT name, phone, email FROM parent_contact ORDER BY id"))]


def test_contacts_are_encrypted_at_rest_and_read_back(staffed, engine) -> None:  # type: ignore[no-untyped-def]
    with KEYRING.using([new_key()]):
        staffed.ok("alice", CONTACT)
        [stored] = raw_contacts(engine)
        assert all(v.startswith("gAAAAA") for v in stored)
        assert not {"Jo Hidden", "07700900123", "jo@example.org"} & set(stored)
        shown = staffed.ok("alice", "contact list ava").as_text()
        assert "Jo Hidden" in shown and "07700900123" in shown and "jo@example.org" in shown


def test_key_rotation_re_encrypts_everything_and_old_keys_can_go(staffed, engine) -> None:  # type: ignore[no-untyped-def]
    old, new = new_key(), new_key()
    staffed.ok("alice", 'contact add ava "Pat Plain" phone:07700900001')  # stored before any key: plain text
    with KEYRING.using([old]):
        staffed.ok("alice", CONTACT)
    with KEYRING.using([new, old]):  # the new key first, the old one still readable
        assert "Jo Hidden" in staffed.ok("alice", "contact list ava").as_text()
        counts = rotate_stored(engine)
        assert counts["parent_contact"] == 5  # 3 encrypted values re-encrypted, 2 plain ones encrypted
    with KEYRING.using([new]):  # the old key removed: everything still reads
        shown = staffed.ok("alice", "contact list ava").as_text()
        assert "Jo Hidden" in shown and "Pat Plain" in shown
    assert all(v.startswith("gAAAAA") for row in raw_contacts(engine) for v in row if v)
    with KEYRING.using([old]), pytest.raises(CannotDecrypt):
        KEYRING.decrypt(raw_contacts(engine)[1][0])
    with KEYRING.using([old]):  # the wrong key: an apology, never the ciphertext or a traceback
        reply = staffed("alice", "contact list ava")
        assert not reply.ok and "gAAAAA" not in reply.as_text()


def test_production_without_a_key_refuses_to_store_contacts(staffed, engine, probe) -> None:  # type: ignore[no-untyped-def]
    with KEYRING.using([], production=True):
        reply = probe.refused_unchanged(staffed, "alice", CONTACT)
        assert "SENDBOT_ENCRYPTION_KEY" in reply.as_text() and "nothing was stored" in reply.as_text()
    assert raw_contacts(engine) == []


def test_audit_rows_cannot_be_changed_or_deleted(staffed, engine) -> None:  # type: ignore[no-untyped-def]
    for statement in ("UPDATE audit_log SET action = 'nothing'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError), engine.begin() as c:
            c.execute(text(statement))
    with engine.connect() as c:
        assert "nothing" not in {r[0] for r in c.execute(text("SELECT action FROM audit_log"))}
        assert c.execute(text("SELECT count(*) FROM audit_log")).scalar() > 0


def test_sen_audit_shows_who_did_what_and_is_itself_audited(staffed, probe) -> None:  # type: ignore[no-untyped-def]
    staffed.ok("alice", "support start ava 2026-01-05")
    staffed.ok("alice", "pupil show ava")
    reply = staffed.ok("sue", "audit ava")
    shown = reply.as_text()
    assert reply.private
    for expected in ("@admin — pupil.add", "@alice — support.start", "@alice — pupil.show"):
        assert expected in shown
    assert probe.audit()[-1].action == "audit.read"
    for who in ("alice", "bob", "lee", "stranger"):
        refused = probe.refused_unchanged(staffed, who, "audit ava")
        assert "pupil.add" not in refused.as_text()


def test_export_has_the_audit_trail_and_reminders_sent_as_json_and_csv(staffed, engine) -> None:  # type: ignore[no-untyped-def]
    staffed.ok("alice", CONTACT)
    # A reminder sent about Ava, as the outbox records it.
    outbox(engine, "k1", date(2026, 3, 4), kind="parent_meeting", pupil_id=staffed_pid(engine))
    reply = staffed.ok("sue", "export ava")
    assert reply.private
    data = json.loads(reply.attachment or "")
    assert [a["action"] for a in data["audit_log"]][:2] == ["pupil.add", "contact.add"]
    assert data["audit_log"][-1]["action"] == "pupil.export" and data["audit_log"][-1]["by"] == "@sue"
    assert [(r["kind"], r["due_on"]) for r in data["reminders_sent"]] == [("parent_meeting", "2026-03-04")]
    assert data["parent_contact"][0]["phone"] == "07700900123"
    rows = list(csv.DictReader(io.StringIO(staffed.ok("sue", "export ava format:csv").attachment or "")))
    assert {"section": "pupil", "row": "1", "field": "name", "value": "Ava Smith"} in rows
    assert any(r["section"] == "reminders_sent" and r["value"] == "parent_meeting" for r in rows)
    assert any(r["section"] == "audit_log" and r["value"] == "contact.add" for r in rows)


def outbox(engine, key: str, day: date, kind: str = "digest", pupil_id: int | None = None) -> None:  # type: ignore[no-untyped-def]
    at = datetime.combine(day, time(8), tzinfo=UTC)
    with transaction(engine) as session:
        session.add(m.Reminder(school_id=1, idempotency_key=key, kind=kind, pupil_id=pupil_id, due_on=day,
                               step="0", step_on=day, send_on=day, recipient="staff:2", status="sent", attempts=1,
                               next_attempt_at=at, sent_at=at))


def staffed_pid(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as c:
        return c.execute(text("SELECT id FROM pupil WHERE name = 'Ava Smith'")).scalar()


def test_retention_removes_left_pupils_past_dob_plus_31_years_and_old_reminders(staffed, engine, probe) -> None:  # type: ignore[no-untyped-def]
    chat = staffed
    chat.ok("admin", 'pupil add "Old Leaver" year:6 dob:2010-05-01')
    chat.ok("admin", 'pupil add "Young Leaver" year:6 dob:2014-05-01')
    chat.ok("admin", 'pupil add "No Dob" year:6')
    chat.ok("admin", 'contact add "Old Leaver" "Pa Leaver" phone:07700900002')
    for name in ("Old Leaver", "Young Leaver", "No Dob"):
        chat.ok("admin", f'pupil archive "{name}"')
    old, young, nodob = probe.pid("Old Leaver"), probe.pid("Young Leaver"), probe.pid("No Dob")
    today = date(2041, 5, 2)  # Old Leaver is 31 years and a day old; Young Leaver is 27
    for key, day in (("old", today - timedelta(days=91)), ("recent", today - timedelta(days=10))):
        outbox(engine, key, day)
    with probe.unchanged():
        dry = apply_retention(engine, today, dry_run=True)
    assert dry.pupils_removed == [(1, old)] and dry.reminders_removed == 1 and dry.kept_without_dob == [(1, nodob)]
    done = apply_retention(engine, today)
    assert done.pupils_removed == [(1, old)] and done.reminders_removed == 1
    assert [p.id for p in probe.rows(m.Pupil) if p.archived] == [young, nodob]
    assert probe.rows(m.ParentContact, pupil_id=old) == []
    assert [r.idempotency_key for r in probe.rows(m.Reminder)] == ["recent"]
    assert probe.audit()[-1].action == "pupil.retention" and probe.audit()[-1].staff_id is None
    chat.ok("admin", "settings retention-years:25")  # configurable: now Young Leaver (27) goes too
    assert apply_retention(engine, today).pupils_removed == [(1, young)]
    probe.refused_unchanged(chat, "admin", "settings retention-years:2")

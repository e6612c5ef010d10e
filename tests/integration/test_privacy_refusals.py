"""A teacher learns nothing about pupils they do not teach, even from a refusal.

Before the fix, ``pupil add`` with another class's pupil's name or UPN answered "There is already a pupil
called Ben Brown (#2)" and "Another pupil already has UPN …".
"""




def test_pupil_add_does_not_reveal_another_classs_pupil(staffed, probe) -> None:  # type: ignore[no-untyped-def]
    staffed.ok("admin", 'pupil add "Dan Eve" year:6 teacher:@bob upn:B123456789012')
    ben, dan = probe.pid("Ben Brown"), probe.pid("Dan Eve")
    # @alice teaches 5B; Ben Brown and Dan Eve are @bob's.
    by_name = staffed("alice", 'pupil add "Ben Brown" year:5 class:5B')
    assert by_name.ok, by_name.as_text()  # a different child in her class with the same name
    by_upn = probe.refused_unchanged(staffed, "alice", 'pupil add "Dan Other" year:5 upn:B123456789012')
    for reply in (by_name, by_upn):
        shown = reply.as_text()
        assert f"#{ben}" not in shown and f"#{dan}" not in shown
        assert "Dan Eve" not in shown
    # Whoever may see the pupil is still told which pupil it is.
    senco = probe.refused_unchanged(staffed, "sue", 'pupil add "Dan Other" year:6 upn:B123456789012')
    assert f"Dan Eve (#{dan})" in senco.as_text()
    dup = probe.refused_unchanged(staffed, "bob", 'pupil add "Ben Brown" year:6')
    assert f"#{ben}" in dup.as_text()


def test_a_huge_command_is_refused_specifically_and_changes_nothing(staffed, probe) -> None:  # type: ignore[no-untyped-def]
    huge = 'meeting ava today note:"' + "x" * 500_000 + '"'
    reply = probe.refused_unchanged(staffed, "admin", huge)
    assert "at most 4,000 characters" in reply.as_text() and "500,0" in reply.as_text()
    just_right = 'meeting ava today note:"' + "x" * 1900 + '"'
    assert staffed("admin", just_right).ok

"""Block Kit rendering, modal forms, the Home view and Slack's forms in command text: pure functions."""

from datetime import date

from bot.commands.words import tokenize
from bot.reply import Action, Item, Reply
from bot.slack import home, modals, render
from bot.slack.text import channel_ids, command_text, escape

TODAY = date(2026, 3, 2)


def mrkdwn_section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


# --- rendering a Reply ----------------------------------------------------------------------------------------


def test_a_confirmation_with_buttons() -> None:
    reply = Reply("Added Ava Smith (#3), Year 5.", lines=["Next: record SEN support."],
                  actions=[Action("Start SEN support", "/sen support start #3 today"),
                           Action("Show", "/sen pupil show #3")])
    assert render.blocks(reply) == [
        mrkdwn_section("*Added Ava Smith (#3), Year 5.*"),
        mrkdwn_section("Next: record SEN support."),
        {"type": "actions", "block_id": "sen_actions", "elements": [
            {"type": "button", "action_id": "sen_run_0", "value": "/sen support start #3 today",
             "text": {"type": "plain_text", "text": "Start SEN support", "emoji": True}},
            {"type": "button", "action_id": "sen_run_1", "value": "/sen pupil show #3",
             "text": {"type": "plain_text", "text": "Show", "emoji": True}},
        ]},
    ]
    assert render.message(reply) == {"response_type": "ephemeral", "text": "Added Ava Smith (#3), Year 5.",
                                     "blocks": render.blocks(reply)}


def test_fields_items_and_escaping() -> None:
    reply = Reply("Ava <Smith> & co (#3)", fields=[("Year", "Year 5"), ("Teacher", "@u0teach01")],
                  lines=["Deadlines:"], items=[Item("Mon 06 Apr 2026: Termly parent meeting",
                                                    "in 35 days · acts: school · CoP 6.65 · #7")])
    assert render.blocks(reply) == [
        mrkdwn_section("*Ava &lt;Smith&gt; &amp; co (#3)*"),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "*Year*\nYear 5"},
                                       {"type": "mrkdwn", "text": "*Teacher*\n<@U0TEACH01>"}]},
        mrkdwn_section("Deadlines:"),
        mrkdwn_section("• Mon 06 Apr 2026: Termly parent meeting\n      in 35 days · acts: school · CoP 6.65 · #7"),
    ]


def test_a_refusal_is_marked_and_its_fallback_text_says_so() -> None:
    reply = Reply.refused("I don't know a pupil called 'Zed'.", "Try /sen pupil list.")
    assert render.blocks(reply) == [mrkdwn_section(":no_entry_sign: I don't know a pupil called 'Zed'."),
                                    mrkdwn_section("Try /sen pupil list.")]
    assert render.fallback_text(reply) == "Refused: I don't know a pupil called 'Zed'."


def test_handles_become_mentions_only_when_they_are_slack_ids() -> None:
    assert render.mrkdwn("@u0admin01 added @alice; write to jo@u0admin01.org") == \
        "<@U0ADMIN01> added @alice; write to jo@u0admin01.org"
    assert render.mrkdwn("@ursula") == "@ursula"  # looks like an id, but real ids have digits
    assert render.mrkdwn("help: /sen pupil add \"<name>\" year:<R|1..14>") == \
        "help: /sen pupil add \"&lt;name&gt;\" year:&lt;R|1..14&gt;"


def test_long_replies_are_split_to_fit_slacks_limits() -> None:
    items = [Item(f"Pupil number {n:04d} with a fairly long name to fill the section", "detail") for n in range(2000)]
    blocks = render.blocks(Reply("2000 pupils", items=items, actions=[Action("More", "/sen pupil list")]))
    assert len(blocks) == render.MESSAGE_BLOCKS
    assert all(len(b["text"]["text"]) <= render.SECTION_TEXT for b in blocks if b["type"] == "section")
    assert blocks[-2]["type"] == "context" and "more than fits" in blocks[-2]["elements"][0]["text"]
    assert blocks[-1]["type"] == "actions"  # the buttons are kept
    assert render.chunks(["a" * 5, "b" * 5, "c" * 12], limit=11) == ["aaaaa\nbbbbb", "c" * 11, "c"]


def test_an_attachment_is_a_code_block_and_long_buttons_are_left_out() -> None:
    reply = Reply("Everything about Ava", attachment='{\n  "name": "Ava & <b>"\n}',
                  actions=[Action("Too long", "x" * 2001)])
    assert render.blocks(reply) == [mrkdwn_section("*Everything about Ava*"),
                                    mrkdwn_section('```{\n  "name": "Ava &amp; &lt;b&gt;"\n}```')]


def test_a_reply_in_a_modal() -> None:
    view = modals.reply_view(Reply("Logged a parent meeting for Ava Smith on Mon 02 Mar 2026."), "Log a parent meeting")
    assert view == {"type": "modal", "title": {"type": "plain_text", "text": "Log a parent meeting", "emoji": True},
                    "close": {"type": "plain_text", "text": "Close", "emoji": True},
                    "blocks": [mrkdwn_section("*Logged a parent meeting for Ava Smith on Mon 02 Mar 2026.*")]}
    assert modals.reply_view(Reply("x"), "A title much longer than twenty-four")["title"]["text"] == \
        "A title much longer tha…"


# --- Slack's forms in command text --------------------------------------------------------------------------


def test_a_bare_slack_channel_id_given_to_a_channel_option_becomes_the_canonical_token() -> None:
    assert channel_ids("settings reminders-channel:C0123ABCD") == "settings reminders-channel:<#C0123ABCD>"
    assert channel_ids("settings reminders-channel:G0PRIV001 digest-day:friday") == \
        "settings reminders-channel:<#G0PRIV001> digest-day:friday"
    for kept in ("settings reminders-channel:<#C0SEN0001|sen-team>", "settings reminders-channel:sen-team",
                 "pupil add C0123ABCD year:5", "settings reminders-channel:c0123abcd"):
        assert channel_ids(kept) == kept


def test_slack_entities_and_links_become_what_was_typed() -> None:
    assert command_text("staff add <@U0123ABC|alice> role:teacher") == "staff add <@U0123ABC|alice> role:teacher"
    assert command_text("contact add ava \"Jo\" email:<mailto:jo@example.org|jo@example.org>") == \
        'contact add ava "Jo" email:jo@example.org'
    assert command_text("settings reminders-channel:<#C0SEN0001|sen-team>") == \
        "settings reminders-channel:<#C0SEN0001|sen-team>"
    assert command_text('meeting ava today note:"see <https://example.org/plan|the plan> &amp; <https://x.org>"') == \
        'meeting ava today note:"see the plan & https://x.org"'
    assert command_text('meeting ava today note:"1 &lt; 2 &amp;&amp; 3 &gt; 2, typed &amp;lt;"') == \
        'meeting ava today note:"1 < 2 && 3 > 2, typed &lt;"'
    assert command_text("contact add ava \"Jo\" phone:<tel:+447700900123|07700 900123>") == \
        'contact add ava "Jo" phone:07700 900123'
    assert command_text("  help  ") == "help"
    assert escape("a & <b> c") == "a &amp; &lt;b&gt; c"


def test_a_mention_stays_one_word_for_the_parser() -> None:
    tokens = tokenize(command_text("intervention add ava \"Lexia\" review:+6w staff:<@U0BOB0001|Bob Smith>"))
    assert [(t.key, t.text) for t in tokens][-1] == ("staff", "<@U0BOB0001|Bob Smith>")


# --- modal forms ----------------------------------------------------------------------------------------------


def test_which_commands_open_a_form() -> None:
    assert modals.form_for("pupil add").kind == "pupil_add"  # type: ignore[union-attr]
    assert modals.form_for("/sen  Meeting ").kind == "meeting"  # type: ignore[union-attr]
    assert modals.form_for("intervention add").kind == "intervention_add"  # type: ignore[union-attr]
    for text in ("pupil add \"Ava\" year:5", "meeting ava today", "intervention list", "help", "", 'meeting "'):
        assert modals.form_for(text) is None


def test_a_buttons_command_fills_in_the_form() -> None:
    form, values = modals.prefill_for("/sen meeting #12 today", TODAY)  # type: ignore[misc]
    assert (form.kind, values) == ("meeting", {"pupil": "#12", "date": "2026-03-02"})
    form, values = modals.prefill_for('/sen intervention add #12 "<what>" review:+6w', TODAY)  # type: ignore[misc]
    assert (form.kind, values) == ("intervention_add", {"pupil": "#12", "review": "2026-04-13"})
    assert modals.prefill_for("/sen pupil show #12", TODAY) is None
    assert modals.prefill_for("/sen intervention review #12 \"Lexia\" today outcome:stop", TODAY) is None


def test_answers_become_the_command_a_person_would_type() -> None:
    state = {
        "pupil": {"value": {"type": "plain_text_input", "value": ' "Ava Smith" '}},
        "date": {"value": {"type": "datepicker", "selected_date": "2026-02-20"}},
        "with": {"value": {"type": "plain_text_input", "value": 'mum “and” SALT'}},
        "note": {"value": {"type": "plain_text_input", "value": None}},
    }
    values = modals.answers(state)
    assert values == {"pupil": '"Ava Smith"', "date": "2026-02-20", "with": "mum “and” SALT", "note": ""}
    assert modals.command(modals.FORMS["meeting"], values) == \
        '/sen meeting "Ava Smith" 2026-02-20 with:"mum \'and\' SALT"'
    values = modals.answers({
        "name": {"value": {"type": "plain_text_input", "value": "Ava  Smith"}},
        "year": {"value": {"type": "static_select", "selected_option": {"value": "R"}}},
        "teacher": {"value": {"type": "users_select", "selected_user": "U0TEACH01"}},
        "class": {"value": {"type": "plain_text_input", "value": "Class 5B"}},
    })
    assert modals.command(modals.FORMS["pupil_add"], values) == \
        '/sen pupil add "Ava Smith" year:R class:"Class 5B" teacher:<@U0TEACH01>'
    assert tokenize(modals.command(modals.FORMS["pupil_add"], values))[-1].text == "<@U0TEACH01>"


def test_required_answers_and_where_a_refusal_shows() -> None:
    meeting, pupil_add, intervention = (modals.FORMS[k] for k in ("meeting", "pupil_add", "intervention_add"))
    assert modals.missing(meeting, {"pupil": "ava"}) == {"date": "Choose the day."}
    assert modals.field_for(meeting, "I don't know a pupil called 'Zed'.") == "pupil"
    assert modals.field_for(meeting, "That note is too long: keep it under 2,000 characters.") == "note"
    assert modals.field_for(pupil_add, "'A123' looks like a pupil number or UPN, not a name: give the name") == "name"
    assert modals.field_for(pupil_add, "'X1' is not a UPN: a UPN is a letter followed by 12 characters") == "upn"
    assert modals.field_for(pupil_add, "dob is the date of birth: it must be in the past.") == "dob"
    assert modals.field_for(intervention, "The review (01 Mar 2026) is before the start (02 Mar 2026).") == "review"
    assert modals.field_for(intervention, "@bob is not on the staff list. An admin can add them") == "staff"
    assert modals.field_for(pupil_add, "@u0x1 is not on this school's staff list, so sendbot can't show") is None
    assert modals.errors_for(meeting, Reply.refused("Something odd.")) == {"pupil": "Something odd."}


def test_the_meeting_form() -> None:
    view = modals.form_view(modals.FORMS["meeting"], TODAY, {"pupil": "#12"})
    assert view["callback_id"] == "sen_modal:meeting"
    assert view["title"] == {"type": "plain_text", "text": "Log a parent meeting", "emoji": True}
    assert [(b["block_id"], b["optional"], b["element"]["type"]) for b in view["blocks"]] == [
        ("pupil", False, "plain_text_input"), ("date", False, "datepicker"), ("with", True, "plain_text_input"),
        ("note", True, "plain_text_input")]
    assert view["blocks"][0]["element"]["initial_value"] == "#12"
    assert view["blocks"][1]["element"] == {"type": "datepicker", "initial_date": "2026-03-02", "action_id": "value"}
    assert all(len(t) <= 24 for f in modals.FORMS.values() for t in (f.title, f.submit))


# --- the Home tab -------------------------------------------------------------------------------------------


def home_reply(items: list[Item], actions: bool = True, *more: str) -> Reply:
    """What the ``home`` command answers (tests/integration/test_home.py checks the command itself)."""
    buttons = [Action("Add a pupil", "/sen pupil add"), Action("Log a parent meeting", "/sen meeting"),
               Action("Add an intervention", "/sen intervention add")] if actions else []
    return Reply("SEN deadlines", lines=["For Oak Primary, as of Mon 02 Mar 2026. Only you see this.", *more],
                 items=items, actions=buttons)


REVIEW = [Action(f"Reviewed today: {o}", f'/sen intervention review #12 "Lexia reading" today outcome:{o}')
          for o in ("continue", "stop", "escalate")] + [Action("Open the pupil", "/sen pupil show #12")]


def test_home_lists_overdue_then_due_soon_with_the_common_actions() -> None:
    view = home.home_view(home_reply([
        Item("Fri 27 Feb 2026: Termly parent meeting (SEN support) — Ava Smith (Year 5)", "3 days overdue",
             (Action("Log meeting", "/sen meeting #12 today"),), "Overdue"),
        Item("Mon 09 Mar 2026: Intervention review — Ava Smith (Year 5)", "in 7 days", tuple(REVIEW),
             "Due in the next month"),
        Item("Fri 20 Mar 2026: SEN information report review", "in 18 days", (), "Due in the next month"),
    ]))
    assert view["type"] == "home"
    blocks = view["blocks"]
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "SEN deadlines", "emoji": True}}
    assert [e["value"] for e in blocks[2]["elements"]] == ["/sen pupil add", "/sen meeting",
                                                           "/sen intervention add", "refresh"]
    assert blocks[4] == mrkdwn_section("*Overdue* (1)")
    assert blocks[5]["text"]["text"].startswith("Fri 27 Feb 2026: Termly parent meeting (SEN support) — Ava Smith")
    assert blocks[5]["accessory"]["value"] == "/sen meeting #12 today"
    assert blocks[6] == mrkdwn_section("*Due in the next month* (2)")
    overflow = blocks[7]["accessory"]
    assert overflow["type"] == "overflow"
    assert [o["value"] for o in overflow["options"]] == [
        '/sen intervention review #12 "Lexia reading" today outcome:continue',
        '/sen intervention review #12 "Lexia reading" today outcome:stop',
        '/sen intervention review #12 "Lexia reading" today outcome:escalate', "/sen pupil show #12"]
    assert "accessory" not in blocks[8]  # nothing to click for a school-level date


def test_home_for_a_leader_and_when_nothing_is_due() -> None:
    leader = home.home_view(home_reply([Item("Fri 20 Mar 2026: Termly parent meeting", "", (), "Due")], False))
    assert [e["action_id"] for e in leader["blocks"][2]["elements"]] == ["sen_home_refresh"]
    assert "accessory" not in leader["blocks"][-1]
    empty = home.home_view(home_reply([], True, "Nothing overdue and nothing due in the next month. 🎉"))
    assert empty["blocks"][-1] == mrkdwn_section("Nothing overdue and nothing due in the next month. 🎉")
    many = home.home_view(home_reply([Item("x", "y", (), "Overdue")] * 80, True, "…and 15 more: type /sen due "
                                     "month to see them all."))
    assert len(many["blocks"]) <= render.VIEW_BLOCKS
    assert "15 more" in many["blocks"][-1]["elements"][0]["text"]

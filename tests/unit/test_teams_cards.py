"""The Reply → Adaptive Card renderer and the Teams message text: pure, no SDK."""

import json

from bot.reply import Action, Item, Reply
from bot.teams import cards
from bot.teams.text import command_text


def test_a_reply_becomes_a_card_with_facts_items_and_buttons():
    reply = Reply("Ann B. (Year 4)", fields=[("SEN status", "EHCP")], lines=["Two deadlines open."],
                  items=[Item("Fri 12 Jun 2026: Annual review", "in 5 days · #7")],
                  actions=[Action("Done", "/sen done 7"), Action("Snooze 1 week", "/sen snooze 7 +1w")])
    card = cards.render(reply)
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert card["body"][0]["text"] == "Ann B. (Year 4)" and card["body"][0]["color"] == "Default"
    assert card["body"][1] == {"type": "FactSet", "facts": [{"title": "SEN status", "value": "EHCP"}]}
    texts = json.dumps(card["body"])
    assert "Two deadlines open." in texts and "Annual review" in texts and "in 5 days" in texts
    assert card["actions"] == [
        {"type": "Action.Submit", "title": "Done", "data": {"sendbot": "/sen done 7"}},
        {"type": "Action.Submit", "title": "Snooze 1 week", "data": {"sendbot": "/sen snooze 7 +1w"}},
    ]
    assert cards.attachment(reply)["contentType"] == "application/vnd.microsoft.card.adaptive"


def test_a_refusal_is_shown_as_a_warning_without_buttons():
    card = cards.render(Reply.refused("There is no pupil called Zed.", "Try /sen pupil list."))
    assert card["body"][0]["color"] == "Attention"
    assert card["body"][1]["text"] == "Try /sen pupil list."
    assert "actions" not in card


def test_markdown_people_type_is_shown_literally():
    card = cards.render(Reply("*Ann* [note]"))
    assert card["body"][0]["text"] == "\\*Ann\\* \\[note\\]"


def test_long_lists_are_cut_and_say_how_many_more():
    card = cards.render(Reply("Pupils", items=[Item(f"Pupil {i}") for i in range(50)]))
    containers = [b for b in card["body"] if b["type"] == "Container"]
    assert len(containers) == cards.MAX_ITEMS
    assert "… and 10 more" in card["body"][-1]["text"]


def test_a_button_press_carries_its_command_and_nothing_else_counts():
    assert cards.command_of({"sendbot": " /sen done 7 "}) == "/sen done 7"
    assert cards.command_of({"other": "x"}) is None
    assert cards.command_of("sendbot") is None
    assert cards.command_of({"sendbot": "  "}) is None


def test_the_bots_mention_and_the_sen_prefix_are_stripped():
    entities = [{"type": "mention", "text": "<at>sendbot</at>", "mentioned": {"id": "28:bot", "name": "sendbot"}}]
    assert command_text("<at>sendbot</at> /sen due", entities, "28:bot") == "due"
    assert command_text("sen pupil list", None, "28:bot") == "pupil list"
    assert command_text("senco show", None, "28:bot") == "senco show"
    assert command_text("<at>sendbot</at>", entities, "28:bot") == "help"


def test_a_colleagues_mention_becomes_the_canonical_mention():
    entities = [
        {"type": "mention", "text": "<at>sendbot</at>", "mentioned": {"id": "28:bot", "name": "sendbot"}},
        {"type": "mention", "text": "<at>Jo Bloggs</at>",
         "mentioned": {"id": "29:1xyz", "name": "Jo Bloggs", "aadObjectId": "6b3c-44aa"}},
    ]
    text = "<at>sendbot</at> staff add <at>Jo Bloggs</at> role:teacher"
    assert command_text(text, entities, "28:bot") == "staff add <@6b3c-44aa|Jo Bloggs> role:teacher"


def test_teams_html_is_dropped():
    assert command_text("<p>due&nbsp;&amp; more</p>", None, None) == "due & more"


def test_the_primary_action_is_emphasised_and_the_others_are_not() -> None:
    card = cards.render(Reply("Ava Smith", actions=[Action("Log meeting", "/sen meeting ava", primary=True),
                                                   Action("Open", "/sen pupil ava")]))
    assert [a.get("style") for a in card["actions"]] == ["positive", None]


def test_staff_are_named_not_shown_by_their_entra_object_id() -> None:
    jo, kim, unknown = ("bbbbbbbb-0000-4000-8000-000000000002", "cccccccc-0000-4000-8000-000000000003",
                        "dddddddd-0000-4000-8000-000000000004")
    reply = Reply(f"Added @{jo} as teacher.", lines=[f"Run by @{kim} (Kim Lee)"], fields=[("Teacher", f"@{jo}")],
                  items=[Item(f"@{unknown} — teacher")])
    shown = cards.with_names(reply, {jo: "Jo Bloggs"})
    assert shown.title == "Added Jo Bloggs as teacher."
    assert shown.lines == ["Run by Kim Lee"] and shown.fields == [("Teacher", "Jo Bloggs")]
    assert shown.items[0].title == f"@{unknown} — teacher"  # no name known: the id stays, nothing is invented


def test_teams_forms_take_their_fields_from_the_grammar() -> None:
    from datetime import date

    from bot.commands import GRAMMAR
    from bot.teams import forms

    for words in (("pupil", "add"), ("meeting",), ("intervention", "add")):
        command = next(c for c in GRAMMAR.commands if c.words == words)
        card = forms.card(words, date(2026, 3, 2))
        inputs = [e for e in card["body"] if e["type"].startswith("Input.")]
        assert [e["id"] for e in inputs] == [a.name for a in command.args] + [o.key for o in command.opts]
        needed = {a.name for a in command.args if not a.optional} | {o.key for o in command.opts if o.required}
        assert {e["id"] for e in inputs if e["isRequired"]} == needed
    staff = next(e for e in forms.card(("intervention", "add"), date(2026, 3, 2))["body"] if e.get("id") == "staff")
    assert staff["choices.data"]["dataset"] == "graph.microsoft.com/users"  # Teams' people picker
    assert forms.form_for("meeting") == ("meeting",) and forms.form_for("meeting ava today") is None
    submitted = forms.submitted({"sendbot_form": "intervention add", "pupil": "Ava Smith", "what": "Lexia reading",
                                 "review": "2026-04-20", "staff": "bbbbbbbb-0000-4000-8000-000000000002"})
    assert submitted is not None
    assert forms.command(*submitted) == ('/sen intervention add "Ava Smith" "Lexia reading" review:2026-04-20 '
                                         'staff:<@bbbbbbbb-0000-4000-8000-000000000002>')
    assert forms.submitted({"sendbot_form": "staff remove"}) is None  # only the forms there are

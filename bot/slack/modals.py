"""The modal forms for ``/sen pupil add``, ``/sen meeting`` and ``/sen intervention add`` (pure).

A form's answers become the same command text a person would type, so submitting a modal runs exactly
the use case ``/sen`` runs, with the same checks and refusals. A refusal is shown on the field it is about.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.commands import GRAMMAR
from bot.commands.grammar import Command
from bot.commands.words import ParseError, Token, parse_date, tokenize
from bot.reply import Reply
from bot.slack import render
from bot.surface import mention

View = dict[str, Any]
CALLBACK = "sen_modal"  # callback_id is "sen_modal:<kind>"
VALUE = "value"  # every input's action_id: the block_id says which field it is


@dataclass(frozen=True)
class Form:
    """A modal for one command. Its fields, which are required and the command its answers make all come from
    the command's ``Arg``/``Opt`` definitions in the grammar; only the wording of the view is chosen here."""

    kind: str  # pupil_add | meeting | intervention_add
    words: tuple[str, ...]  # the command it runs
    title: str  # at most 24 characters (Slack's limit)
    submit: str

    @property
    def definition(self) -> Command:
        return next(c for c in GRAMMAR.commands if c.words == self.words)

    @property
    def fields(self) -> tuple[str, ...]:
        """Block ids, in the grammar's order; the first one takes refusals about nothing in particular."""
        c = self.definition
        return tuple(a.name for a in c.args) + tuple(o.key for o in c.opts)

    @property
    def required(self) -> tuple[str, ...]:
        c = self.definition
        return tuple(a.name for a in c.args if not a.optional) + tuple(o.key for o in c.opts if o.required)


FORMS = {
    f.kind: f
    for f in (
        Form("pupil_add", ("pupil", "add"), "Add a pupil", "Add pupil"),
        Form("meeting", ("meeting",), "Log a parent meeting", "Log meeting"),
        Form("intervention_add", ("intervention", "add"), "Add an intervention", "Add intervention"),
    )
}
_BY_WORDS = {f.words: f for f in FORMS.values()}
YEARS = ("R", *(str(y) for y in range(1, 15)))


def _words(text: str) -> list[Token]:
    text = text.strip()
    if text.lower().startswith("/sen"):
        text = text[4:]
    return tokenize(text)


def form_for(text: str) -> Form | None:
    """The form to open for a command typed with no arguments (``/sen meeting``), else None."""
    try:
        tokens = _words(text)
    except ParseError:
        return None
    if any(t.quoted or t.key for t in tokens):
        return None
    return _BY_WORDS.get(tuple(t.text.lower() for t in tokens))


def prefill_for(command: str, today: date) -> tuple[Form, dict[str, str]] | None:
    """For a button's command (``/sen meeting #12 today``): the form to open and the answers it already has.

    Buttons that record one of these facts open the form, filled in, so the person can add the details and
    confirm instead of recording something with one click. Placeholders like ``"<what>"`` are left blank.
    """
    try:
        tokens = _words(command)
    except ParseError:
        return None
    for form in FORMS.values():
        n = len(form.words)
        if tuple(t.text.lower() for t in tokens[:n] if not t.quoted and not t.key) == form.words \
                and len(tokens) >= n:
            rest = tokens[n:]
            break
    else:
        return None
    values: dict[str, str] = {}
    positional = [t.text for t in rest if t.key is None]
    options = {t.key: t.text for t in rest if t.key is not None}
    if form.kind == "pupil_add":
        names = dict(zip(("name",), positional, strict=False))
    elif form.kind == "meeting":
        names = dict(zip(("pupil", "date"), positional, strict=False))
    else:
        names = dict(zip(("pupil", "what"), positional, strict=False))
    names.update({k: v for k, v in options.items() if k in form.fields})
    for key, value in names.items():
        if not value or (value.startswith("<") and value.endswith(">")):
            continue  # a placeholder for the person to fill in
        if key in ("date", "review", "start", "dob"):
            try:
                value = parse_date(value, today).isoformat()
            except ParseError:
                continue
        values[key] = value
    return form, values


# --- views ------------------------------------------------------------------------------------------------


def _input(block_id: str, label: str, element: dict[str, Any], *, optional: bool = False,
           hint: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "input", "block_id": block_id, "label": render.plain(label, 2000),
                             "element": {**element, "action_id": VALUE}, "optional": optional}
    if hint:
        block["hint"] = render.plain(hint, 2000)
    return block


def _text(initial: str | None, placeholder: str, max_length: int, multiline: bool = False) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "max_length": max_length, "multiline": multiline,
                               "placeholder": render.plain(placeholder, 150)}
    if initial:
        element["initial_value"] = initial[:max_length]
    return element


def _date(initial: str | None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "datepicker"}
    if initial:
        element["initial_date"] = initial
    return element


def _person(initial: str | None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "users_select", "placeholder": render.plain("Choose a person", 150)}
    if initial:
        element["initial_user"] = initial
    return element


def _year_option(value: str) -> dict[str, Any]:
    return {"text": render.plain("Reception" if value == "R" else f"Year {value}", 75), "value": value}


_PUPIL_HINT = 'A name (Ava Smith), a unique part of it (ava), #12 or a UPN — as in /sen.'


def form_view(form: Form, today: date, values: dict[str, str] | None = None) -> View:
    """The modal for ``form``, with ``values`` (from a button) already filled in."""
    v = values or {}
    blocks: list[dict[str, Any]]
    if form.kind == "pupil_add":
        year = {"type": "static_select", "placeholder": render.plain("Year group", 150),
                "options": [_year_option(y) for y in YEARS]}
        if v.get("year", "").upper() in YEARS:
            year["initial_option"] = _year_option(v["year"].upper())
        blocks = [
            _input("name", "Pupil's full name", _text(v.get("name"), "Ava Smith", 200)),
            _input("year", "Year group", year),
            _input("class", "Class", _text(v.get("class"), "5B", 40), optional=True),
            _input("teacher", "Named teacher", _person(None), optional=True,
                   hint="Leave empty if you teach them: you become their named teacher."),
            _input("upn", "UPN", _text(v.get("upn"), "A123456789012", 13), optional=True),
            _input("dob", "Date of birth", _date(v.get("dob")), optional=True),
        ]
    elif form.kind == "meeting":
        blocks = [
            _input("pupil", "Pupil", _text(v.get("pupil"), "Ava Smith", 200), hint=_PUPIL_HINT),
            _input("date", "Held on", _date(v.get("date") or today.isoformat())),
            _input("with", "Who came", _text(v.get("with"), "mum and SALT", 200), optional=True),
            _input("note", "Note", _text(v.get("note"), "agreed a reading plan", 2000, multiline=True),
                   optional=True, hint="Only staff who can see this pupil will see the note."),
        ]
    else:
        blocks = [
            _input("pupil", "Pupil", _text(v.get("pupil"), "Ava Smith", 200), hint=_PUPIL_HINT),
            _input("what", "Intervention", _text(v.get("what"), "Lexia reading", 200)),
            _input("review", "Review by", _date(v.get("review") or (today + timedelta(weeks=6)).isoformat())),
            _input("start", "Started on", _date(v.get("start")), optional=True),
            _input("staff", "Run by", _person(None), optional=True, hint="Leave empty if you run it."),
        ]
    return {"type": "modal", "callback_id": f"{CALLBACK}:{form.kind}", "title": render.plain(form.title, 24),
            "submit": render.plain(form.submit, 24), "close": render.plain("Cancel", 24), "blocks": blocks}


def reply_view(reply: Reply, title: str = "sendbot") -> View:
    """A modal that shows a reply (a confirmation, a refusal, a pupil's record)."""
    return {"type": "modal", "title": render.plain(title, 24), "close": render.plain("Close", 24),
            "blocks": render.blocks(reply, limit=render.VIEW_BLOCKS)}


def loading_view() -> View:
    return {"type": "modal", "title": render.plain("sendbot", 24), "close": render.plain("Close", 24),
            "blocks": [render.section("Working on it…")]}


# --- submissions ------------------------------------------------------------------------------------------


def answers(state_values: dict[str, Any]) -> dict[str, str]:
    """The form's answers from ``view.state.values``: block id -> the value as text ('' when empty)."""
    out: dict[str, str] = {}
    for block_id, actions in (state_values or {}).items():
        element = (actions or {}).get(VALUE) or {}
        kind = element.get("type")
        if kind == "datepicker":
            value = element.get("selected_date")
        elif kind == "static_select":
            value = (element.get("selected_option") or {}).get("value")
        elif kind == "users_select":
            value = element.get("selected_user")
        else:
            value = element.get("value")
        out[block_id] = (value or "").strip()
    return out


_MISSING = {"name": "Give the pupil's full name.", "year": "Choose a year group.", "pupil": "Say which pupil.",
            "date": "Choose the day.", "what": "Say what the intervention is.", "review": "Choose a review date."}


def missing(form: Form, values: dict[str, str]) -> dict[str, str]:
    """Errors for required answers left empty (Slack checks this too; a crafted payload may not)."""
    return {key: _MISSING.get(key, "This is needed.") for key in form.required if not values.get(key)}


def quoted(value: str) -> str:
    """A value as one quoted word of the command language (which has no escapes for quotes inside)."""
    value = " ".join(value.split()) if "\n" not in value else value.strip()
    for q in '"“”„':
        value = value.replace(q, "'")
    return f'"{value}"'


def _pupil(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] in '"“”„' and value[-1] in '"“”„':
        value = value[1:-1]
    return quoted(value)


def _word(kind: str, choices: tuple[str, ...], value: str) -> str:
    """One answer as a word of the command language, by the kind the grammar gives it."""
    if kind == "pupil":
        return _pupil(value)
    if kind == "staff":
        return mention(value)  # a picked person: the canonical mention token
    if kind == "date" or choices or (value.isascii() and value.isalnum()):
        return value  # a date picker's ISO date, a select's value, or one plain word (year R, class 5B)
    return quoted(value)


def command(form: Form, values: dict[str, str]) -> str:
    """The ``/sen`` command the answers stand for, built from the command's Arg/Opt definitions."""
    c = form.definition
    parts: list[str] = list(form.words)
    parts += [_word(a.kind, a.choices, values[a.name]) for a in c.args if values.get(a.name)]
    parts += [f"{o.key}:{_word(o.kind, o.choices, values[o.key])}" for o in c.opts if values.get(o.key)]
    return "/sen " + " ".join(parts)


# Refusals that are about the person, not a field: shown instead of the form.
_ABOUT_THE_PERSON = ("staff list, so sendbot", "leaders read", "only a", "only admin", "you are a ",
                     "you can only", "workspace isn't connected")
# Which field a refusal is about, by the words it uses; checked in order, first match wins.
_FIELD_WORDS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "pupil_add": (("name", ("full name", "not a name", "already a pupil called", "the pupil needs")),
                  ("upn", ("upn",)), ("dob", ("dob", "date of birth")), ("year", ("year",)),
                  ("teacher", ("teacher", "staff list")), ("class", ("class",))),
    "meeting": (("note", ("note",)), ("with", ("with:",)), ("date", ("date", "day")),
                ("pupil", ("pupil",))),
    "intervention_add": (("review", ("review",)), ("start", ("start",)), ("staff", ("staff list", "staff:")),
                         ("what", ("intervention",)), ("pupil", ("pupil",))),
}


def field_for(form: Form, refusal: str) -> str | None:
    """The field a refusal is about (its block id), or None when it is about the person, not the form."""
    text = refusal.lower()
    if any(words in text for words in _ABOUT_THE_PERSON):
        return None
    for block_id, words in _FIELD_WORDS[form.kind]:
        if any(w in text for w in words):
            return block_id
    return form.fields[0]


def errors_for(form: Form, reply: Reply) -> dict[str, str] | None:
    """``response_action: errors`` for a refused submission, or None to show the refusal as a view."""
    # The core names the field when it knows it (Refused/ParseError ``field=``); else read the wording.
    block_id = reply.field if reply.field in form.fields else field_for(form, reply.title)
    if block_id is None:
        return None
    message = " ".join([reply.title, *reply.lines])
    return {block_id: message if len(message) <= 500 else message[:499] + "…"}

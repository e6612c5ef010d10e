"""Free text (what a person typed) made safe to show where others read it."""

WORD_JOINER = "\u2060"  # invisible; stops "@U0123ABC" in typed text being read as a staff handle


def literal(text: str) -> str:
    """Typed text shown as it was typed: an ``@`` in it never becomes a mention.

    Renderers turn the handles *we* write (``@u0123abc``) into live mentions; a handle typed into an
    intervention's title must not ping someone in a channel. Markup (``<``, ``>``, ``&``) is escaped by the
    renderer itself.
    """
    return text.replace("@", "@" + WORD_JOINER)

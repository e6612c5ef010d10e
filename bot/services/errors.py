"""Errors the use cases raise; the edges (chat adapters, CLI) turn them into friendly replies."""


class Refused(Exception):
    """The request was understood but cannot be carried out; ``str(e)`` says why and what would work.

    Raised before or during a transaction, it rolls the transaction back: a refusal changes nothing.
    """

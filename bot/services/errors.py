"""Errors the use cases raise; the edges (chat adapters, CLI) turn them into friendly replies."""


class Refused(Exception):
    """The request was understood but cannot be carried out; ``str(e)`` says why and what would work.

    Raised before or during a transaction, it rolls the transaction back: a refusal changes nothing.
    """

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field  # the argument or option it is about (a form shows it by that field), if one

    def about(self, field: str) -> "Refused":
        """Name the field this is about, unless a more precise part already did; returns itself to re-raise."""
        if self.field is None:
            self.field = field
        return self


"""The workbook's own error: what went wrong, in words a therapist can act on."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["WorkbookError", "one_of"]


class WorkbookError(ValueError):
    """Bad input or a broken table.

    The message names the field, the value that was given and what is allowed, so that the
    person at the keyboard can correct it without reading a traceback.

    Attributes
    ----------
    field : str
        The field (or table column) at fault.
    value : object
        The offending value, as given.
    allowed : str
        What would have been accepted.
    """

    def __init__(self, field: str, value: object, allowed: str, *, where: str = "") -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        self.where = where
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}{field} = {value!r} is not allowed; {allowed}.")


def one_of(values: Iterable[object]) -> str:
    """Phrase a vocabulary for an error message: ``one of 'a', 'b', 'c'``."""
    return "one of " + ", ".join(repr(v) for v in values)

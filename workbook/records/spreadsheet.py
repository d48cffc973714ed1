"""CSV that a spreadsheet opens as data, never as a formula, and that reads back exactly.

Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return as a formula (OWASP, "CSV Injection"): a patient named
``=HYPERLINK("http://…")`` would become a link in the clinic's spreadsheet. On export such a cell
gets a leading apostrophe, which spreadsheets show as text; on import that one apostrophe is taken
off again, so a round trip gives back exactly what was stored. A cell that already starts with an
apostrophe gets one more, so it too survives the round trip.

Numbers are left alone: ``-5`` degrees is written as ``-5`` (only text cells are guarded).
"""

from __future__ import annotations

import pandas as pd

__all__ = ["FORMULA_STARTS", "guard_cell", "guard_frame", "unguard_cell", "unguard_frame"]

#: First characters that make a spreadsheet treat a cell as a formula (plus the escape itself).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


def guard_cell(value: object) -> object:
    """A text cell made safe to open in a spreadsheet; anything else unchanged.

    >>> guard_cell("=SUM(A1)"), guard_cell("Ann Lee"), guard_cell(-5)
    ("'=SUM(A1)", 'Ann Lee', -5)
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unguard_cell(value: object) -> object:
    """The original text of a cell written by :func:`guard_cell`.

    >>> unguard_cell("'=SUM(A1)"), unguard_cell("''quoted"), unguard_cell("Ann Lee")
    ('=SUM(A1)', "'quoted", 'Ann Lee')
    """
    if isinstance(value, str) and value.startswith("'") and value[1:2] in FORMULA_STARTS:
        return value[1:]
    return value


def _text_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]


def guard_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell guarded, ready for ``to_csv``."""
    out = frame.copy()
    for column in _text_columns(out):
        out[column] = out[column].map(guard_cell)
    return out


def unguard_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a frame read from a guarded CSV with every text cell restored."""
    out = frame.copy()
    for column in _text_columns(out):
        out[column] = out[column].map(unguard_cell)
    return out

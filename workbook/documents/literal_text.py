"""Text that stays text: matplotlib never reads patient text as a formula.

matplotlib treats a string with two unescaped ``$`` as mathtext: ``Ann $x^2$ Lee`` would print
as a formula and ``Bob $\\foo$ Smith`` would fail the whole drawing. Names, notes and titles come
from people, so every figure the workbook draws is built inside :func:`literal_text`, which turns
maths parsing off for every Text created there (``text.parse_math``; each Text keeps the setting
it was made with, so the figure stays literal when saved later). The workbook's own labels use no
mathtext.

Examples
--------
>>> from matplotlib.figure import Figure
>>> with literal_text():
...     fig = Figure()
...     title = fig.suptitle("Ann $x^2$ Lee")
>>> title.get_parse_math()
False
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import matplotlib as mpl

__all__ = ["LITERAL_TEXT", "literal_text"]

#: The rcParams under which patient text is drawn as typed.
LITERAL_TEXT: dict[str, bool] = {"text.parse_math": False, "text.usetex": False}


@contextlib.contextmanager
def literal_text() -> Iterator[None]:
    """Draw inside this block (or decorate a drawing function) and no text becomes maths."""
    with mpl.rc_context({"text.parse_math": False, "text.usetex": False}):  # = LITERAL_TEXT
        yield

"""Numbers, dates, verdicts, score labels and doses turned into words for people to read.

Compute first, format last: the clinical modules return raw numbers with units in their column
names (``degrees``, ``hold_s``, ``pain_nprs``); this module is the one place that turns them into
text. It knows no widget, no HTML and no file format, so the screens, the report, the handout
and the shared case can all use it. Missing values read as an en dash (or what ``missing``
says), never as ``nan``.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from .measures import odi_band

__all__ = [
    "DEG",
    "MISSING",
    "count_label",
    "dose_short",
    "format_date",
    "format_degrees",
    "format_number",
    "format_odi",
    "is_blank",
    "score_label",
    "verdict_label",
]

DEG = "\u00b0"
MISSING = "\u2013"  # an en dash: "not recorded", distinct from a zero

# What outcomes.progress and outcomes.score_progress say, in the words a screen shows (with a
# sign that reads without colour) and in the short words a printed table has room for.
_VERDICTS: dict[str, tuple[str, str]] = {
    "improved": ("\u25b2 improved", "improved"),
    "worse": ("\u25bc worse", "worse"),
    "within measurement error": ("\u2248 within measurement error", "within error"),
    "single measurement": ("one visit so far", "one visit"),
    "no important change": ("\u2248 no important change", "no important change"),
    "single score": ("one visit so far", "one visit"),
    "not recorded": ("not recorded", "not recorded"),
}

_SCORE_LABELS = {"pain_nprs": "Pain (0-10)", "odi_index": "Disability, ODI (%)"}


def is_blank(value: object) -> bool:
    """True for a value that was not recorded: None, NaN, NaT, pandas NA or an empty string.

    Examples
    --------
    >>> [is_blank(v) for v in (None, float("nan"), "", "0", 0)]
    [True, True, True, False, False]
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, str):
        return value == ""
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    return False


def format_number(
    value: float | None,
    *,
    digits: int = 0,
    unit: str = "",
    signed: bool = False,
    missing: str = MISSING,
) -> str:
    """A number rounded for reading, with its unit; ``missing`` when not recorded.

    Parameters
    ----------
    value : number or None
        The raw value (rounding happens here, never in the calculation).
    digits : int
        Decimals shown.
    unit : str
        Appended as is (``" %"``, ``DEG``).
    signed : bool
        Show ``+`` for a rise (changes).
    missing : str
        Shown when ``value`` is None or NaN.

    Examples
    --------
    >>> format_number(14.4, signed=True, unit=" points")
    '+14 points'
    >>> format_number(None)
    '–'
    """
    if value is None or is_blank(value):
        return missing
    number = float(value)
    text = f"{number:+.{digits}f}" if signed else f"{number:.{digits}f}"
    return f"{text}{unit}"


def format_degrees(
    value: float | None, *, digits: int = 0, signed: bool = False, missing: str = MISSING
) -> str:
    """Degrees of motion with the degree sign.

    Examples
    --------
    >>> format_degrees(104.5)
    '104°'
    >>> format_degrees(2.25, digits=1, signed=True)
    '+2.2°'
    """
    return format_number(value, digits=digits, unit=DEG, signed=signed, missing=missing)


def format_date(value: dt.date | str | None, *, missing: str = MISSING) -> str:
    """A date as people write it in a clinic: ``06 Jan 2025``.

    Examples
    --------
    >>> format_date("2025-01-06")
    '06 Jan 2025'
    >>> format_date(None, missing="")
    ''
    """
    if value is None or is_blank(value):
        return missing
    return pd.Timestamp(value).strftime("%d %b %Y")


def verdict_label(verdict: object, *, short: bool = False) -> str:
    """The words for a verdict of ``outcomes.progress`` (``real_change``, ``important_change``).

    Parameters
    ----------
    verdict : str
        As computed, e.g. ``"within measurement error"``.
    short : bool
        The short words for a printed table instead of the screen's words with a sign.

    Examples
    --------
    >>> verdict_label("improved")
    '▲ improved'
    >>> verdict_label("within measurement error", short=True)
    'within error'
    """
    words = _VERDICTS.get(str(verdict))
    if words is None:
        return str(verdict)
    return words[1] if short else words[0]


def score_label(measure: str) -> str:
    """The row label of a score in ``outcomes.score_progress`` (``pain_nprs``, ``odi_index``).

    Examples
    --------
    >>> score_label("odi_index")
    'Disability, ODI (%)'
    """
    return _SCORE_LABELS.get(measure, measure)


def format_odi(index: float) -> str:
    """An ODI index with its band: ``ODI 30 % (moderate)``.

    Examples
    --------
    >>> format_odi(30.0)
    'ODI 30 % (moderate)'
    """
    return f"ODI {index:.0f} % ({odi_band(index)})"


def count_label(count: int, noun: str) -> str:
    """``1 visit``, ``3 visits``: a count with its noun in the right number.

    Examples
    --------
    >>> count_label(1, "visit"), count_label(0, "measurement")
    ('1 visit', '0 measurements')
    """
    return f"{count} {noun}{'' if count == 1 else 's'}"


def dose_short(
    hold_s: float | None, reps: float | None, per_week: float | None, per_side: bool = False
) -> str:
    """The dose in the few words a table cell holds; empty when there is no dose.

    The patient's handout spells the dose out in a sentence; the therapist's table keeps it short.

    Examples
    --------
    >>> dose_short(30, 3, 5, per_side=True)
    '30 s hold each side, 3 times, 5 days a week'
    >>> dose_short(None, None, None)
    ''
    """
    if hold_s is None or reps is None or per_week is None or is_blank(hold_s):
        return ""
    side = " each side" if per_side else ""
    return f"{int(hold_s)} s hold{side}, {int(reps)} times, {int(per_week)} days a week"

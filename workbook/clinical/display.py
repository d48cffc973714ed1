"""Numbers, dates, verdicts, score labels and doses turned into words, in one place.

The calculations (:mod:`workbook.clinical.outcomes`, :mod:`workbook.clinical.routine`) return raw
numbers with their unit in the column name; this module is the last step before a person reads
them, shared by the screens, the report, the handout and the shared case. Pure: pandas only,
no matplotlib, no widgets. A missing value is shown as an en dash (:data:`MISSING`) unless the
caller asks for something else.

Examples
--------
>>> format_degrees(42.4)
'42°'
>>> format_degrees(-3, signed=True)
'-3°'
>>> format_date("2024-03-05")
'05 Mar 2024'
>>> verdict_label("within measurement error")
'within error'
>>> dose_sentence(30, 3, 5, per_side=True)
'Hold 30 seconds, 3 times, each side, 5 days a week.'
"""

from __future__ import annotations

import datetime as dt
from typing import SupportsFloat

import numpy as np
import pandas as pd

from .reference import score_threshold

__all__ = [
    "DEG",
    "MISSING",
    "VERDICT_LABELS",
    "dose_sentence",
    "format_cell",
    "format_date",
    "format_degrees",
    "format_iso_date",
    "format_long_date",
    "format_number",
    "format_percent",
    "is_missing",
    "normal_label",
    "plural",
    "score_label",
    "verdict_label",
    "yes_no",
]

DEG = "\u00b0"
MISSING = "\u2013"  # an en dash: visibly "nothing here", unlike 0 or an empty cell

#: Short words for the verdicts of ``outcomes.progress`` (``real_change``) and
#: ``outcomes.score_progress`` (``important_change``), narrow enough for a table column.
VERDICT_LABELS: dict[str, str] = {
    "improved": "improved",
    "worse": "worse",
    "within measurement error": "within error",
    "single measurement": "one visit",
    "no important change": "no important change",
    "single score": "one visit",
    "not recorded": "not recorded",
}


def is_missing(value: object) -> bool:
    """True for None, NaN, ``pd.NA`` and ``NaT``: the values shown as :data:`MISSING`.

    Examples
    --------
    >>> [is_missing(v) for v in (None, float("nan"), pd.NA, pd.NaT, 0, "")]
    [True, True, True, True, False, False]
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return bool(np.isnan(value))
    if isinstance(value, np.datetime64 | np.timedelta64):
        return bool(np.isnat(value))
    return False


def format_number(
    value: object,
    digits: int | None = 0,
    unit: str = "",
    *,
    signed: bool = False,
    missing: str = MISSING,
) -> str:
    """A number rounded for reading, with its unit glued on.

    Parameters
    ----------
    value : number or None
        Anything ``float()`` accepts; None, NaN, ``pd.NA`` give ``missing``.
    digits : int or None, default 0
        Decimal places; None for the shortest form (``:g``: ``40``, ``2.5``).
    unit : str
        Written straight after the number (``"°"``, ``" %"``).
    signed : bool
        Always show the sign (for a change: ``+5``, ``-3``).
    missing : str
        Shown for a missing value.

    Examples
    --------
    >>> format_number(3.14159, 1)
    '3.1'
    >>> format_number(12, unit=" %", signed=True)
    '+12 %'
    >>> format_number(2.5, None), format_number(None)
    ('2.5', '–')
    """
    if is_missing(value):
        return missing
    if not isinstance(value, SupportsFloat):
        raise TypeError(f"a number to format, not {type(value).__name__}")
    sign = "+" if signed else ""
    spec = f"{sign}g" if digits is None else f"{sign}.{digits}f"
    return f"{float(value):{spec}}{unit}"


def format_degrees(
    value: object, digits: int | None = 0, *, signed: bool = False, missing: str = MISSING
) -> str:
    """An angle with the degree sign.

    Examples
    --------
    >>> format_degrees(35), format_degrees(1.96, 1), format_degrees(8, signed=True)
    ('35°', '2.0°', '+8°')
    >>> format_degrees(4.5, None)
    '4.5°'
    """
    return format_number(value, digits, DEG, signed=signed, missing=missing)


def format_percent(
    value: object, digits: int = 0, *, signed: bool = False, missing: str = MISSING
) -> str:
    """A percentage, with a space before the sign as the workbook writes it.

    Examples
    --------
    >>> format_percent(82.6), format_percent(-40, signed=True)
    ('83 %', '-40 %')
    """
    return format_number(value, digits, " %", signed=signed, missing=missing)


def _timestamp(value: object) -> pd.Timestamp:
    if not isinstance(value, str | dt.date | np.datetime64 | int | float):
        raise TypeError(f"a date to format, not {type(value).__name__}")
    return pd.Timestamp(value)


def format_date(value: object, *, missing: str = MISSING) -> str:
    """A date as the tables show it: day, short month, year.

    Examples
    --------
    >>> format_date(dt.date(2024, 3, 5)), format_date(pd.NaT, missing="")
    ('05 Mar 2024', '')
    """
    if is_missing(value):
        return missing
    return _timestamp(value).strftime("%d %b %Y")


def format_long_date(value: object, *, missing: str = MISSING) -> str:
    """A date in full words, for a printed sheet: no leading zero, the month spelled out.

    Examples
    --------
    >>> format_long_date(dt.date(2024, 3, 5))
    '5 March 2024'
    """
    if is_missing(value):
        return missing
    day = _timestamp(value)
    return f"{day.day} {day:%B %Y}"


def format_iso_date(value: object, *, missing: str = MISSING) -> str:
    """A date as ``YYYY-MM-DD``: unambiguous in any country.

    Examples
    --------
    >>> format_iso_date(pd.Timestamp("2024-03-05 14:30"))
    '2024-03-05'
    """
    if is_missing(value):
        return missing
    return f"{_timestamp(value):%Y-%m-%d}"


def format_cell(value: object, *, missing: str = MISSING) -> str:
    """Any table value as text: a fraction to one decimal, a missing value as ``missing``.

    Examples
    --------
    >>> [format_cell(v) for v in (2.26, 3, "left", None)]
    ['2.3', '3', 'left', '–']
    """
    if is_missing(value):
        return missing
    if isinstance(value, float | np.floating):
        return f"{float(value):.1f}"
    return str(value)


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``count`` and the noun, in the plural unless the count is one.

    Examples
    --------
    >>> plural(1, "visit"), plural(3, "visit"), plural(2, "day"), plural(0, "y", "ies")
    ('1 visit', '3 visits', '2 days', '0 ies')
    """
    return f"{count} {noun if count == 1 else (many or noun + 's')}"


def yes_no(flag: object) -> str:
    """``"yes"`` or ``"no"`` for a true or false value.

    Examples
    --------
    >>> yes_no(True), yes_no(False)
    ('yes', 'no')
    """
    return "yes" if bool(flag) else "no"


def verdict_label(verdict: object) -> str:
    """A progress verdict in a few words (see :data:`VERDICT_LABELS`); unknown text as it is.

    Examples
    --------
    >>> verdict_label("single measurement"), verdict_label("improved")
    ('one visit', 'improved')
    """
    text = str(verdict)
    return VERDICT_LABELS.get(text, text)


def score_label(measure: str) -> str:
    """The reader's name of a score, with its scale, from ``data/mcid.csv``.

    Examples
    --------
    >>> score_label("pain_nprs"), score_label("odi_index")
    ('Pain (NPRS 0-10)', 'Disability (ODI 0-100)')
    """
    return score_threshold(measure).label


def normal_label(degrees: float, source: str) -> str:
    """A normal value and the reference it comes from.

    Examples
    --------
    >>> normal_label(120.0, "AAOS 1965")
    '120° (AAOS 1965)'
    """
    return f"{format_degrees(degrees, None)} ({source})"


def dose_sentence(hold_s: int, reps: int, per_week: int, per_side: bool) -> str:
    """How long, how many times and how often, as one sentence for the patient.

    Parameters
    ----------
    hold_s : int
        Seconds to hold each stretch.
    reps : int
        Repetitions each session.
    per_week : int
        Days a week (7 reads "every day").
    per_side : bool
        The dose is for each side.

    Examples
    --------
    >>> dose_sentence(60, 1, 7, False)
    'Hold 60 seconds, once, every day.'
    >>> dose_sentence(1, 2, 1, False)
    'Hold 1 second, 2 times, 1 day a week.'
    """
    times = "once" if reps == 1 else f"{reps} times"
    days = "every day" if per_week == 7 else f"{plural(per_week, 'day')} a week"
    side = ", each side" if per_side else ""
    return f"Hold {plural(hold_s, 'second')}, {times}{side}, {days}."

"""Numbers, dates, verdicts, score labels and doses turned into words for people to read.

Compute first, format last: the clinical modules return raw numbers with units in their column
names (``degrees``, ``hold_s``, ``pain_nprs``); this module is the one place that turns them into
text. It knows no widget, no HTML and no file format, so the screens, the report, the handout
and the shared case can all use it. Missing values read as an en dash (or what ``missing``
says), never as ``nan``.

Examples
--------
>>> format_degrees(42.4), format_degrees(-3, signed=True)
('42°', '-3°')
>>> format_date("2024-03-05"), format_long_date("2024-03-05")
('05 Mar 2024', '5 March 2024')
>>> verdict_label("within measurement error", short=True)
'within error'
>>> dose_sentence(30, 3, 5, per_side=True)
'Hold 30 seconds, 3 times, each side, 5 days a week.'
"""

from __future__ import annotations

import datetime as dt
import math
from typing import SupportsFloat

import numpy as np
import pandas as pd

from .measures import motions_table, odi_band
from .reference import score_threshold

__all__ = [
    "DEG",
    "MISSING",
    "count_label",
    "dose_sentence",
    "dose_short",
    "error_message",
    "field_label",
    "format_cell",
    "format_date",
    "format_degrees",
    "format_iso_date",
    "format_long_date",
    "format_number",
    "format_odi",
    "format_percent",
    "is_blank",
    "movement_label",
    "normal_label",
    "score_label",
    "verdict_label",
    "yes_no",
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
    >>> [is_blank(v) for v in (None, float("nan"), pd.NA, pd.NaT, "", "0", 0)]
    [True, True, True, True, True, False, False]
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, str):
        return value == ""
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    if isinstance(value, np.datetime64 | np.timedelta64):
        return bool(np.isnat(value))
    return False


def format_number(
    value: object,
    *,
    digits: int | None = 0,
    unit: str = "",
    signed: bool = False,
    missing: str = MISSING,
) -> str:
    """A number rounded for reading, with its unit; ``missing`` when not recorded.

    Parameters
    ----------
    value : number or None
        The raw value (rounding happens here, never in the calculation): anything ``float()``
        takes, numpy and pandas scalars included.
    digits : int or None
        Decimals shown; None for the shortest form (``:g``: ``40``, ``2.5``).
    unit : str
        Appended as is (``" %"``, ``DEG``).
    signed : bool
        Show ``+`` for a rise (changes).
    missing : str
        Shown when ``value`` is blank (see :func:`is_blank`).

    Examples
    --------
    >>> format_number(14.4, signed=True, unit=" points")
    '+14 points'
    >>> format_number(3.14159, digits=1), format_number(2.5, digits=None)
    ('3.1', '2.5')
    >>> format_number(None)
    '–'
    """
    if is_blank(value):
        return missing
    if not isinstance(value, SupportsFloat | str):
        raise TypeError(f"a number to format, not {type(value).__name__}")
    sign = "+" if signed else ""
    spec = f"{sign}g" if digits is None else f"{sign}.{digits}f"
    return f"{float(value):{spec}}{unit}"


def format_degrees(
    value: object, *, digits: int | None = 0, signed: bool = False, missing: str = MISSING
) -> str:
    """Degrees of motion with the degree sign.

    Examples
    --------
    >>> format_degrees(104.5)
    '104°'
    >>> format_degrees(2.25, digits=1, signed=True)
    '+2.2°'
    >>> format_degrees(4.5, digits=None)
    '4.5°'
    """
    return format_number(value, digits=digits, unit=DEG, signed=signed, missing=missing)


def format_percent(
    value: object, *, digits: int = 0, signed: bool = False, missing: str = MISSING
) -> str:
    """A percentage, with a space before the sign as the workbook writes it.

    Examples
    --------
    >>> format_percent(82.6), format_percent(-40, signed=True)
    ('83 %', '-40 %')
    """
    return format_number(value, digits=digits, unit=" %", signed=signed, missing=missing)


def _timestamp(value: object) -> pd.Timestamp:
    if not isinstance(value, str | dt.date | np.datetime64 | int | float):
        raise TypeError(f"a date to format, not {type(value).__name__}")
    return pd.Timestamp(value)


def format_date(value: object, *, missing: str = MISSING) -> str:
    """A date as people write it in a clinic: ``06 Jan 2025``.

    Examples
    --------
    >>> format_date("2025-01-06")
    '06 Jan 2025'
    >>> format_date(None, missing="")
    ''
    """
    if is_blank(value):
        return missing
    return _timestamp(value).strftime("%d %b %Y")


def format_long_date(value: object, *, missing: str = MISSING) -> str:
    """A date in full words, for a printed sheet: no leading zero, the month spelled out.

    Examples
    --------
    >>> format_long_date(dt.date(2024, 3, 5))
    '5 March 2024'
    """
    if is_blank(value):
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
    if is_blank(value):
        return missing
    return f"{_timestamp(value):%Y-%m-%d}"


def format_cell(value: object, *, missing: str = MISSING) -> str:
    """Any table value as text: a fraction to one decimal, a blank value as ``missing``.

    Examples
    --------
    >>> [format_cell(v) for v in (2.26, 3, "left", None)]
    ['2.3', '3', 'left', '–']
    """
    if is_blank(value):
        return missing
    if isinstance(value, float | np.floating):
        return f"{float(value):.1f}"
    return str(value)


def count_label(count: int, noun: str) -> str:
    """``1 visit``, ``3 visits``: a count with its noun in the right number.

    Examples
    --------
    >>> count_label(1, "visit"), count_label(0, "measurement")
    ('1 visit', '0 measurements')
    """
    return f"{count} {noun}{'' if count == 1 else 's'}"


def yes_no(flag: object) -> str:
    """``"yes"`` or ``"no"`` for a true or false value.

    Examples
    --------
    >>> yes_no(True), yes_no(False)
    ('yes', 'no')
    """
    return "yes" if bool(flag) else "no"


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


def score_label(measure: str, *, scale: bool = False) -> str:
    """The row label of a score in ``outcomes.score_progress`` (``pain_nprs``, ``odi_index``).

    Parameters
    ----------
    measure : str
    scale : bool
        Name the instrument and its scale, from ``data/mcid.csv`` (for a printed page that
        stands on its own), instead of the screen's short label.

    Examples
    --------
    >>> score_label("odi_index")
    'Disability, ODI (%)'
    >>> score_label("pain_nprs", scale=True)
    'Pain (NPRS 0-10)'
    """
    if scale:
        return score_threshold(measure).label
    return _SCORE_LABELS.get(measure, measure)


def format_odi(index: float) -> str:
    """An ODI index with its band: ``ODI 30 % (moderate)``.

    Examples
    --------
    >>> format_odi(30.0)
    'ODI 30 % (moderate)'
    """
    return f"ODI {index:.0f} % ({odi_band(index)})"


def normal_label(degrees: float, source: str) -> str:
    """A normal value and the reference it comes from.

    Examples
    --------
    >>> normal_label(120.0, "AAOS 1965")
    '120° (AAOS 1965)'
    """
    return f"{format_degrees(degrees, digits=None)} ({source})"


def dose_short(
    hold_s: float | None, reps: float | None, per_week: float | None, per_side: bool = False
) -> str:
    """The dose in the few words a table cell holds; empty when there is no dose.

    The patient's handout spells the dose out in a sentence (:func:`dose_sentence`); the
    therapist's table keeps it short.

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


def dose_sentence(hold_s: int, reps: int, per_week: int, per_side: bool) -> str:
    """How long, how many times and how often, as one sentence for the patient's handout.

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
    days = "every day" if per_week == 7 else f"{count_label(per_week, 'day')} a week"
    side = ", each side" if per_side else ""
    return f"Hold {count_label(hold_s, 'second')}, {times}{side}, {days}."


# What the therapist calls a field the checks name by its column (WorkbookError.field).
_FIELD_LABELS: dict[str, str] = {
    "hold_s": "Hold (seconds)",
    "reps": "Times",
    "per_week": "Days a week",
    "birth_year": "Birth year",
    "birth year": "Birth year",
    "visit_date": "Visit date",
    "pain": "Pain (0-10)",
    "pain_nprs": "Pain (0-10)",
    "pain (NPRS)": "Pain (0-10)",
    "psfs": "Activities (PSFS)",
    "psfs activity": "Activity (PSFS)",
    "odi": "ODI sections",
    "odi index": "ODI (%)",
    "odi_index": "ODI (%)",
    "therapist": "Therapist",
    "notes": "Notes",
    "note": "Note",
    "name": "Name",
    "age": "Age",
    "sex": "Sex",
    "activity": "Activity",
    "kneeling": "Kneeling",
    "floor_transfer": "Gets down to the floor",
    "conditions": "Conditions",
    "equipment": "Equipment",
    "instrument": "Instrument",
    "position": "Position",
    "stretch_id": "Stretch",
    "movement": "Movement",
    "days_done": "Days done",
    "days_prescribed": "Days prescribed",
}
_DEGREES = " (degrees)"


def movement_label(code: object) -> str:
    """A measured motion's code in words: ``hip_flexion`` -> ``Hip flexion``.

    Codes without a row in ``data/motions.csv`` read with their underscores as spaces.

    Examples
    --------
    >>> movement_label("hip_flexion"), movement_label("hip_abduction")
    ('Hip flexion', 'Hip abduction')
    >>> movement_label("hip_circles")
    'Hip circles'
    """
    text = "" if is_blank(code) else str(code)
    return _motion_labels().get(text) or text.replace("_", " ").strip().capitalize()


_MOTION_LABELS: dict[str, str] = {}


def _motion_labels() -> dict[str, str]:
    if not _MOTION_LABELS:  # read once: the motions table does not change while running
        table = motions_table()
        _MOTION_LABELS.update(
            {str(k): str(v) for k, v in zip(table["motion"], table["label"], strict=True)}
        )
    return _MOTION_LABELS


def field_label(field: object) -> str:
    """The words a therapist uses for a field that a check names by its column.

    Used by every screen for :attr:`WorkbookError.field`; an unknown field reads with its
    underscores as spaces.

    Examples
    --------
    >>> field_label("hip_flexion left (degrees)")
    'Hip flexion, left'
    >>> field_label("hold_s"), field_label("birth_year"), field_label("visit_date")
    ('Hold (seconds)', 'Birth year', 'Visit date')
    """
    text = "" if is_blank(field) else str(field).strip()
    if text in _FIELD_LABELS:
        return _FIELD_LABELS[text]
    if text.endswith(_DEGREES):
        motion, _, side = text[: -len(_DEGREES)].partition(" ")
        label = movement_label(motion)
        return f"{label}, {side}" if side else label
    if text in _motion_labels():
        return _motion_labels()[text]
    return text.replace("_", " ").capitalize()


def error_message(field: object, value: object, allowed: str, where: str = "") -> str:
    """A refused value said in the therapist's words (what :class:`WorkbookError` holds).

    Examples
    --------
    >>> error_message("hip_flexion left (degrees)", "400", "a number from 0 to 150")
    'Hip flexion, left = 400° is not allowed; a number from 0 to 150.'
    >>> error_message("hold_s", "abc", "a whole number")
    "Hold (seconds) = 'abc' is not allowed; a whole number."
    """
    text = "" if value is None else str(value).strip()
    try:
        float(text)
        numeric = bool(text)
    except ValueError:
        numeric = False
    if numeric:
        shown = text + (DEG if str(field).endswith(_DEGREES) else "")
    elif is_blank(value) or text == "":
        shown = "(empty)"
    else:
        shown = f"'{text}'"
    prefix = f"{where}: " if where else ""
    return f"{prefix}{field_label(field)} = {shown} is not allowed; {allowed}."

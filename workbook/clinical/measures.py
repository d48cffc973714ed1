"""What is recorded about a patient and a visit, and the one rule each value must pass.

Range of motion in degrees per motion and side, the 0-10 numeric pain rating (NPRS) and the
Oswestry Disability Index (ODI). The plausible bounds, default test positions and score ranges
come from ``data/motions.csv`` and ``data/scores.csv`` (each with its source), so a clinic can
change them without touching code. Pure logic: pandas only.

The field rules
---------------
Every value a person types passes one function here, which returns it cleaned or raises a
:class:`~workbook.errors.WorkbookError` naming the field, the value and what is allowed. The
store calls each once per value before it writes; the screens call the same functions to show
the message while the person types, so the form and the store never disagree.

- measurements: :func:`check_degrees`, :func:`check_pain`, :func:`check_odi_sections` (and
  :func:`score_odi` for the sections and their index in one pass), :func:`check_motion`,
  :func:`check_side`, :func:`check_instrument`, :func:`check_position`;
- dates: :func:`check_visit_date`, :func:`check_visit_after_birth`, :func:`check_birth_year`;
- text: :func:`check_text`, :func:`check_required_text`, :func:`check_name`
  (limits :data:`MAX_NAME_CHARS` and :data:`MAX_TEXT_CHARS`); free JSON values (a patient's
  details): :func:`check_json_value`.

Text is stored in Unicode normal form NFC (so that "é" typed two ways is one name), never with
a NUL or a lone surrogate (no database can keep them). A name holds no control character and no
bidirectional override (they can make a name display as another), and at least one visible
character. Numbers are numbers or number text ("42", "-12.5"): never a boolean (``True`` is not
1 degree), never "9_0" (Python's digit separator), never infinite or too large for a float.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import SupportsFloat

import numpy as np
import pandas as pd

from ..errors import WorkbookError, one_of
from .paths import data_file
from .profile import MAX_AGE
from .tables import column_as_bool, column_as_number, load_data_table

__all__ = [
    "INSTRUMENTS",
    "MAX_NAME_CHARS",
    "MAX_TEXT_CHARS",
    "MOTIONS",
    "POSITIONS",
    "SIDES",
    "ScoreRule",
    "check_birth_year",
    "check_degrees",
    "check_instrument",
    "check_json_value",
    "check_motion",
    "check_name",
    "check_odi_sections",
    "check_pain",
    "check_position",
    "check_required_text",
    "check_side",
    "check_text",
    "check_visit_after_birth",
    "check_visit_date",
    "default_position",
    "motion_label",
    "motions_table",
    "odi_band",
    "odi_index",
    "score_odi",
    "score_rule",
]

SIDES: tuple[str, ...] = ("left", "right")

#: The longest name (patient, therapist, whoever changes a record), in characters.
MAX_NAME_CHARS = 200
#: The longest free text (notes, reasons), in characters.
MAX_TEXT_CHARS = 20_000


def motions_table() -> pd.DataFrame:
    """``data/motions.csv``: one row per motion with its bounds and usual test position."""
    return _motions(data_file("motions.csv")).copy()


# Checks run on every keystroke of the visit form: parse each table once per file, not per call.
@functools.cache
def _motions(path: Path) -> pd.DataFrame:  # path: the cache key, one parse per file
    table = load_data_table(
        "motions.csv", ["motion", "label", "min_degrees", "max_degrees", "default_position"]
    )
    table["min_degrees"] = column_as_number(table, "min_degrees", key="motion")
    table["max_degrees"] = column_as_number(table, "max_degrees", key="motion")
    return table.set_index("motion", drop=False)


@functools.cache
def _bounds(path: Path) -> dict[str, tuple[float, float, str]]:
    table = _motions(path)
    return {
        m: (float(lo), float(hi), str(label))
        for m, lo, hi, label in zip(
            table["motion"], table["min_degrees"], table["max_degrees"], table["label"], strict=True
        )
    }


def _vocabulary(name: str, column: str) -> tuple[str, ...]:
    return tuple(load_data_table(name, [column, "label"])[column])


MOTIONS: tuple[str, ...] = tuple(motions_table()["motion"])
INSTRUMENTS: tuple[str, ...] = _vocabulary("instruments.csv", "instrument")
POSITIONS: tuple[str, ...] = _vocabulary("positions.csv", "position")


def motion_label(motion: str) -> str:
    """'hip_flexion' -> 'Hip flexion'."""
    return _bounds(data_file("motions.csv"))[check_motion(motion)][2]


def check_motion(motion: object) -> str:
    if motion not in MOTIONS:
        raise WorkbookError("motion", motion, one_of(MOTIONS))
    return str(motion)


def check_side(side: object) -> str:
    if side not in SIDES:
        raise WorkbookError("side", side, one_of(SIDES))
    return str(side)


def check_instrument(instrument: object) -> str:
    if instrument not in INSTRUMENTS:
        raise WorkbookError("instrument", instrument, one_of(INSTRUMENTS))
    return str(instrument)


def check_position(position: object) -> str:
    if position not in POSITIONS:
        raise WorkbookError("position", position, one_of(POSITIONS))
    return str(position)


def default_position(motion: object) -> str:
    """The usual test position for a motion ('supine' for hip flexion, ...)."""
    table = _motions(data_file("motions.csv"))  # no copy: this runs once per reading stored
    return str(table.at[check_motion(motion), "default_position"])


# Number text as a person types it: no digit separators ("9_0"), no "inf", no "nan".
_NUMBER_TEXT = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def _as_number(field: str, value: object, allowed: str) -> float:
    # SupportsFloat: numpy numbers from a DataFrame row count as numbers, like Python's;
    # booleans (Python's and numpy's) do not, nor does NaT (a missing date is not a number).
    if (
        isinstance(value, bool | np.bool_)
        or value is pd.NaT
        or not isinstance(value, str | SupportsFloat)
    ):
        raise WorkbookError(field, value, allowed)
    if isinstance(value, str) and not _NUMBER_TEXT.fullmatch(value):
        raise WorkbookError(field, value, allowed)
    try:
        number = float(value)  # accepts '42' typed into a text box
    except (ValueError, TypeError, OverflowError):  # OverflowError: 10**400
        raise WorkbookError(field, value, allowed) from None
    if not math.isfinite(number):
        raise WorkbookError(field, value, allowed)
    return number


def check_degrees(motion: object, value: object, side: str = "") -> float:
    """A goniometer reading for ``motion``, checked against the plausible bounds.

    >>> check_degrees("hip_flexion", "105")
    105.0
    """
    motion = check_motion(motion)
    low, high, label = _bounds(data_file("motions.csv"))[motion]
    field = f"{motion} {side}".strip() + " (degrees)"
    allowed = f"a number of degrees from {low:g} to {high:g} for {label.lower()}"
    number = _as_number(field, value, allowed)
    if not low <= number <= high:
        raise WorkbookError(field, value, allowed)
    return number


@dataclass(frozen=True)
class ScoreRule:
    """One row of ``data/scores.csv``."""

    score: str
    label: str
    min_value: int
    max_value: int
    whole_numbers: bool
    sections: int
    min_sections_answered: int


def score_rule(score: str) -> ScoreRule:
    """The rule for 'pain_nprs' or 'odi_section' from ``data/scores.csv``."""
    return _score_rule(data_file("scores.csv"), score)


@functools.cache
def _score_rule(path: Path, score: str) -> ScoreRule:  # path: the cache key
    table = load_data_table(
        "scores.csv",
        [
            "score",
            "label",
            "min_value",
            "max_value",
            "whole_numbers",
            "sections",
            "min_sections_answered",
        ],
    )
    for column in ("min_value", "max_value", "sections", "min_sections_answered"):
        table[column] = column_as_number(table, column, key="score", whole=True)
    table["whole_numbers"] = column_as_bool(table, "whole_numbers", key="score")
    row = {str(r["score"]): r for r in table.to_dict("records")}[score]
    return ScoreRule(
        score=str(row["score"]),
        label=str(row["label"]),
        min_value=int(row["min_value"]),
        max_value=int(row["max_value"]),
        whole_numbers=bool(row["whole_numbers"]),
        sections=int(row["sections"]),
        min_sections_answered=int(row["min_sections_answered"]),
    )


def _check_scale(field: str, value: object, rule: ScoreRule) -> int | float:
    kind = "a whole number" if rule.whole_numbers else "a number"
    allowed = f"{kind} from {rule.min_value} to {rule.max_value}"
    number = _as_number(field, value, allowed)
    if rule.whole_numbers and number != int(number):
        raise WorkbookError(field, value, allowed)
    if not rule.min_value <= number <= rule.max_value:
        raise WorkbookError(field, value, allowed)
    return int(number) if rule.whole_numbers else number


def check_pain(value: object) -> int:
    """A 0-10 numeric pain rating (whole numbers)."""
    return int(_check_scale("pain (NPRS)", value, score_rule("pain_nprs")))


def check_odi_sections(sections: object) -> tuple[int | None, ...]:
    """The ten ODI section scores, each 0-5 or ``None`` where the patient did not answer.

    Any list-like of ten values (a list, tuple, Series); NaN and '' count as unanswered.

    >>> check_odi_sections([2, 1, "3", None, 0, 1, 2, 1, 1, 2])
    (2, 1, 3, None, 0, 1, 2, 1, 1, 2)
    """
    rule = score_rule("odi_section")
    allowed = f"a list of {rule.sections} section scores (None where unanswered)"
    if not isinstance(sections, Iterable) or isinstance(sections, str | bytes | Mapping):
        raise WorkbookError("odi", sections, allowed)
    values = list(sections)
    if len(values) != rule.sections:
        raise WorkbookError("odi", sections, allowed)
    checked: list[int | None] = []
    for number, value in enumerate(values, start=1):
        if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
            checked.append(None)
        else:
            checked.append(int(_check_scale(f"odi section {number}", value, rule)))
    answered = sum(v is not None for v in checked)
    if answered < rule.min_sections_answered:
        raise WorkbookError(
            "odi",
            f"{answered} of {rule.sections} sections answered",
            f"at least {rule.min_sections_answered} answered sections are needed to score "
            "the index",
        )
    return tuple(checked)


def score_odi(sections: object) -> tuple[tuple[int | None, ...], float]:
    """The checked ODI sections and their index (0-100), checking the sections once.

    Index = sum / (5 x sections answered) x 100, so an unanswered section does not count
    against the patient.

    >>> score_odi([2, 1, 3, 2, 0, 1, 2, 1, 1, None])[1]  # doctest: +ELLIPSIS
    28.88...
    """
    checked = check_odi_sections(sections)
    answered = [v for v in checked if v is not None]
    rule = score_rule("odi_section")
    return checked, float(sum(answered) / (rule.max_value * len(answered)) * 100)


def odi_index(sections: object) -> float:
    """The Oswestry Disability Index (0-100) from the section scores (see :func:`score_odi`).

    >>> odi_index([2, 1, 3, 2, 0, 1, 2, 1, 1, 2])
    30.0
    >>> round(odi_index([2, 1, 3, 2, 0, 1, 2, 1, 1, None]), 1)
    28.9
    """
    return score_odi(sections)[1]


def odi_band(index: float) -> str:
    """Fairbank's band for an ODI index: 'minimal', 'moderate', ... ('bed-bound')."""
    bands = load_data_table("odi_bands.csv", ["band", "min_index", "max_index"])
    upper = column_as_number(bands, "max_index", key="band")
    for band, top in zip(bands["band"], upper, strict=True):
        if index <= top:
            return str(band)
    raise WorkbookError("odi index", index, "a number from 0 to 100")


# -- dates --------------------------------------------------------------------------------------


def check_visit_date(
    value: object, *, today: dt.date | None = None, field: str = "visit_date"
) -> dt.date:
    """A visit date, not in the future: a date, datetime, Timestamp or ``'YYYY-MM-DD'``.

    ``today`` is the last day allowed (by default today: a screen passes its own clock).

    >>> check_visit_date("2024-03-05")
    datetime.date(2024, 3, 5)
    >>> check_visit_date("2024-03-05", today=dt.date(2024, 3, 1))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    workbook.errors.WorkbookError: visit_date = '2024-03-05' is not allowed; ... (2024-03-01).
    """
    today = today or dt.date.today()
    allowed = "a date (datetime.date or 'YYYY-MM-DD') no later than today"
    if value is pd.NaT:  # an empty date cell: NaT passes for a datetime but has no date
        raise WorkbookError(field, value, allowed)
    if isinstance(value, dt.datetime):  # a pandas Timestamp too
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise WorkbookError(field, value, allowed) from None
    if not isinstance(value, dt.date):
        raise WorkbookError(field, value, allowed)
    if value > today:
        raise WorkbookError(field, value.isoformat(), f"{allowed} ({today.isoformat()})")
    return value


def check_birth_year(value: object, *, today: dt.date | None = None) -> int:
    """A birth year: a whole year from ``today``'s year minus the oldest age to this year.

    Only the year is kept, never a full date of birth. Text such as ``'1950'`` is accepted.

    >>> check_birth_year("1950", today=dt.date(2024, 6, 1))
    1950
    """
    this_year = (today or dt.date.today()).year
    low = this_year - MAX_AGE
    allowed = f"a whole year from {low} to {this_year}"
    if isinstance(value, bool) or not isinstance(value, int | float | str | np.integer):
        raise WorkbookError("birth_year", value, allowed)
    number = _as_number("birth_year", value, allowed)
    if number != int(number) or not low <= number <= this_year:
        raise WorkbookError("birth_year", value, allowed)
    return int(number)


def check_visit_after_birth(visit_date: dt.date, birth_year: int) -> dt.date:
    """A visit can't be dated before the patient's birth year (both already checked)."""
    if visit_date.year < birth_year:
        raise WorkbookError(
            "visit_date",
            visit_date.isoformat(),
            f"a date no earlier than the patient's birth year ({birth_year})",
        )
    return visit_date


# -- text ---------------------------------------------------------------------------------------


#: Characters that reorder text on screen (Unicode bidirectional controls, UAX #9).
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: Characters that show nothing: a name made only of these (and spaces) is no name.
_INVISIBLE = frozenset("\u00ad\u034f\u180e\u200b\u200c\u200d\u2060\ufeff") | _BIDI


def _clean_text(field: str, value: str, allowed: str) -> str:  # no database keeps NUL/surrogates
    if "\x00" in value or any("\ud800" <= c <= "\udfff" for c in value):
        raise WorkbookError(field, value, f"{allowed}, without NUL or lone surrogate characters")
    return unicodedata.normalize("NFC", value)


def check_text(field: str, value: object, *, limit: int = MAX_TEXT_CHARS) -> str:
    """Optional free text of at most ``limit`` characters, kept as typed (NFC); None is ''.

    >>> check_text("notes", None)
    ''
    """
    if value is None:
        return ""
    allowed = f"text of at most {limit} characters"
    if not isinstance(value, str) or len(value) > limit:
        raise WorkbookError(field, value, allowed)
    text = _clean_text(field, value, allowed)
    if len(text) > limit:  # NFC may lengthen a text (a few characters decompose)
        raise WorkbookError(field, value, allowed)
    return text


def check_required_text(
    field: str, value: object, what: str, *, limit: int = MAX_TEXT_CHARS
) -> str:
    """Text that must be given (not blank), surrounding spaces trimmed; ``what`` says what for.

    >>> check_required_text("reason", "  typo in flexion ", "why the visit is corrected")
    'typo in flexion'
    """
    allowed = f"{what} (non-empty text of at most {limit} characters)"
    if not isinstance(value, str):
        raise WorkbookError(field, value, allowed)
    text = _clean_text(field, value, allowed).strip()
    if not text or len(text) > limit:
        raise WorkbookError(field, value, allowed)
    return text


def check_name(value: object, *, field: str = "name", what: str = "the patient's name") -> str:
    """A name: not blank, at most :data:`MAX_NAME_CHARS`, NFC, at least one visible character,
    no control character (new line, tab...) and no bidirectional override.

    >>> check_name("  Zoe\u0301 Lee ")
    'Zoé Lee'
    """
    name = check_required_text(field, value, what, limit=MAX_NAME_CHARS)
    bad = [c for c in name if c in _BIDI or unicodedata.category(c) == "Cc"]
    visible = [c for c in name if c not in _INVISIBLE and not c.isspace()]
    if bad or not visible:
        raise WorkbookError(
            field,
            value,
            f"{what}: visible characters, without control or text-direction characters",
        )
    return name


#: How deep a free JSON value (a patient's details) may nest.
MAX_JSON_DEPTH = 8


def check_json_value(field: str, value: object, _depth: int = 0) -> object:
    """A free JSON value (text as :func:`check_text`, finite numbers, booleans, None, lists,
    dicts with text keys), at most :data:`MAX_JSON_DEPTH` deep. Tuples become lists."""
    allowed = (
        f"text, numbers (finite), true/false, lists and dicts with text keys, "
        f"at most {MAX_JSON_DEPTH} levels deep"
    )
    if _depth > MAX_JSON_DEPTH:
        raise WorkbookError(field, "a value nested too deep", allowed)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return check_text(field, value)
    if isinstance(value, int):
        if abs(value) >= 2**63:
            raise WorkbookError(field, "a number too large", allowed)
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise WorkbookError(field, value, allowed)
        return value
    if isinstance(value, list | tuple):
        return [check_json_value(field, v, _depth + 1) for v in value]
    if isinstance(value, Mapping):
        if not all(isinstance(k, str) for k in value):
            raise WorkbookError(field, sorted(map(repr, value))[:5], allowed)
        return {
            check_text(f"{field} key", k, limit=MAX_NAME_CHARS): check_json_value(
                field, v, _depth + 1
            )
            for k, v in value.items()
        }
    raise WorkbookError(field, value, allowed)

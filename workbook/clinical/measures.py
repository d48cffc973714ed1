"""What a therapist measures at a visit, and the checks on each value.

Range of motion in degrees per motion and side, the 0-10 numeric pain rating (NPRS) and the
Oswestry Disability Index (ODI). The plausible bounds, default test positions and score ranges
come from ``data/motions.csv`` and ``data/scores.csv`` (each with its source), so a clinic can
change them without touching code. Pure logic: pandas only.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import WorkbookError, one_of
from .paths import data_file
from .tables import column_as_bool, column_as_number, load_data_table

__all__ = [
    "INSTRUMENTS",
    "MOTIONS",
    "POSITIONS",
    "SIDES",
    "ScoreRule",
    "check_degrees",
    "check_instrument",
    "check_motion",
    "check_odi_sections",
    "check_pain",
    "check_position",
    "check_side",
    "default_position",
    "motion_label",
    "motions_table",
    "odi_band",
    "odi_index",
    "score_rule",
]

SIDES: tuple[str, ...] = ("left", "right")


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
    return str(motions_table().at[check_motion(motion), "label"])


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


def default_position(motion: str) -> str:
    """The usual test position for a motion ('supine' for hip flexion, ...)."""
    return str(motions_table().at[check_motion(motion), "default_position"])


def _as_number(field: str, value: object, allowed: str) -> float:
    if isinstance(value, bool) or value is None:
        raise WorkbookError(field, value, allowed)
    try:
        number = float(value)  # accepts '42' typed into a text box
    except (TypeError, ValueError):
        raise WorkbookError(field, value, allowed) from None
    if not math.isfinite(number):
        raise WorkbookError(field, value, allowed)
    return number


def check_degrees(motion: str, value: object, side: str = "") -> float:
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
    row = table.set_index("score", drop=False).loc[score]
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


def check_odi_sections(sections: Sequence[object | None]) -> tuple[int | None, ...]:
    """The ten ODI section scores, each 0-5 or ``None`` where the patient did not answer."""
    rule = score_rule("odi_section")
    if isinstance(sections, str | bytes) or len(sections) != rule.sections:
        raise WorkbookError(
            "odi", sections, f"a list of {rule.sections} section scores (None where unanswered)"
        )
    checked: list[int | None] = []
    for number, value in enumerate(sections, start=1):
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


def odi_index(sections: Sequence[object | None]) -> float:
    """The Oswestry Disability Index (0-100) from the section scores.

    Index = sum / (5 x sections answered) x 100, so an unanswered section does not count
    against the patient.

    >>> odi_index([2, 1, 3, 2, 0, 1, 2, 1, 1, 2])
    30.0
    >>> round(odi_index([2, 1, 3, 2, 0, 1, 2, 1, 1, None]), 1)
    28.9
    """
    checked = [v for v in check_odi_sections(sections) if v is not None]
    rule = score_rule("odi_section")
    return float(sum(checked) / (rule.max_value * len(checked)) * 100)


def odi_band(index: float) -> str:
    """Fairbank's band for an ODI index: 'minimal', 'moderate', ... ('bed-bound')."""
    bands = load_data_table("odi_bands.csv", ["band", "min_index", "max_index"])
    upper = column_as_number(bands, "max_index", key="band")
    for band, top in zip(bands["band"], upper, strict=True):
        if index <= top:
            return str(band)
    raise WorkbookError("odi index", index, "a number from 0 to 100")

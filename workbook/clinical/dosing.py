"""How long, how many times and how often: the default dose by age and the evidence range.

``data/dosage.csv`` gives the default for an age; ``data/dose_range.csv`` the range the evidence
supports (ACSM; Bandy 1997; Feland 2001; clinical.md section 4). A dose outside the range is
allowed (the therapist decides) but never silently: :func:`dose_warning` says what is outside and
why. Pure logic.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import WorkbookError
from .paths import data_file
from .tables import check_vocabulary, column_as_number, load_data_table

__all__ = [
    "DOSE_FIELDS",
    "Dosage",
    "default_dosage",
    "dose_range",
    "dose_range_table",
    "dose_warning",
    "per_week_text",
]

DOSE_FIELDS: tuple[str, ...] = ("hold_s", "reps", "per_week")


@dataclass(frozen=True)
class Dosage:
    """How long, how many times and how often; with where the numbers come from."""

    hold_s: int
    reps: int
    per_week: int
    source: str


@functools.cache
def _dosage(path: Path) -> pd.DataFrame:
    table = load_data_table(
        "dosage.csv", ["min_age", "max_age", "hold_s", "reps", "per_week", "source"]
    )
    for column in ("min_age", "max_age", "hold_s", "reps", "per_week"):
        table[column] = column_as_number(table, column, whole=True)
    return table


def default_dosage(age: int) -> Dosage:
    """The evidence-based default for an age, from ``data/dosage.csv``.

    >>> default_dosage(70).hold_s
    60
    """
    return _default_dosage(data_file("dosage.csv"), age)


@functools.cache
def _default_dosage(path: Path, age: int) -> Dosage:
    table = _dosage(path)
    match = table[(table["min_age"] <= age) & (age <= table["max_age"])]
    if match.empty:
        raise WorkbookError("age", age, "an age covered by a row of data/dosage.csv")
    row = match.iloc[0]
    return Dosage(int(row["hold_s"]), int(row["reps"]), int(row["per_week"]), str(row["source"]))


@functools.cache
def _dose_range(path: Path) -> pd.DataFrame:
    table = load_data_table(
        "dose_range.csv", ["field", "min_age", "max_age", "low", "high", "unit", "source"]
    )
    check_vocabulary(table, "field", DOSE_FIELDS, key="field")
    for column in ("min_age", "max_age"):
        table[column] = column_as_number(table, column, key="field", minimum=0, maximum=120)
    for column in ("low", "high"):
        table[column] = column_as_number(table, column, key="field", minimum=0)
    return table


def dose_range_table() -> pd.DataFrame:
    """``data/dose_range.csv``: per dose field and age band, the range the evidence supports."""
    return _dose_range(data_file("dose_range.csv")).copy()


def dose_range(field: str, age: int) -> tuple[float, float, str, str] | None:
    """``(low, high, unit, source)`` for a dose field at an age, ``None`` when the table has none.

    >>> dose_range("hold_s", 30)[:2]
    (10.0, 30.0)
    """
    return _dose_range_at(data_file("dose_range.csv"), field, age)


@functools.cache
def _dose_range_at(path: Path, field: str, age: int) -> tuple[float, float, str, str] | None:
    table = _dose_range(path)
    rows = table[(table["field"] == field) & (table["min_age"] <= age) & (age <= table["max_age"])]
    if rows.empty:
        return None
    row = rows.iloc[0]
    return float(row["low"]), float(row["high"]), str(row["unit"]), str(row["source"])


def dose_warning(age: int, hold_s: int, reps: int, per_week: int) -> str:
    """For the therapist: which part of a dose lies outside the evidence range ("" if none).

    >>> dose_warning(30, 300, 10, 5)  # doctest: +ELLIPSIS
    'Hold 300 s is above the evidence range for age 30 (10-30 s; ...'
    >>> dose_warning(30, 30, 2, 5)
    ''
    """
    given = {"hold_s": hold_s, "reps": reps, "per_week": per_week}
    names = {"hold_s": "Hold", "reps": "Repetitions", "per_week": "Days a week"}
    units = {"hold_s": " s", "reps": "", "per_week": ""}
    parts = []
    for field, value in given.items():
        found = dose_range(field, age)
        if found is None:
            continue
        low, high, unit, source = found
        if low <= value <= high:
            continue
        side = "above" if value > high else "below"
        parts.append(
            f"{names[field]} {value}{units[field]} is {side} the evidence range for age {age} "
            f"({low:g}-{high:g} {unit}; {source})."
        )
    return " ".join(parts)


def per_week_text(days: int) -> str:
    """'1 day a week', '5 days a week'.

    >>> per_week_text(1)
    '1 day a week'
    """
    return f"{days} day a week" if days == 1 else f"{days} days a week"

"""The home sheet: what the patient takes home besides the stretches, all in their words.

How long a session takes, which days to tick, the pain-monitoring rule (clinical.md section 9)
and when to call or seek help today (the red flags in the patient's words). The texts and the
set-up time live in ``data/home_sheet.csv`` with their sources; this module only assembles them.

Examples
--------
>>> from workbook import PatientProfile, generate_routine
>>> profile = PatientProfile(age=70, activity="sedentary", floor_transfer=False,
...                          kneeling="unable")
>>> sheet = home_sheet(generate_routine(profile).table)
>>> sheet.minutes > 0, len(sheet.rows) >= 1, sheet.days_per_week
(True, True, 5)
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import WorkbookError
from .display import is_blank
from .paths import data_file
from .redflags import seek_help_lines
from .tables import load_data_table

__all__ = ["HomeSheet", "home_sheet", "session_seconds"]


@dataclass(frozen=True)
class HomeSheet:
    """The home sheet's parts; every text is written to the patient.

    Attributes
    ----------
    minutes : int
        About how long one session takes, holds and getting into position included.
    days_per_week : int
        The most days a week any stretch is asked for (the tick sheet's target).
    rows : tuple of str
        The stretches to tick, by name.
    pain_rules : tuple of str
        How much discomfort is fine, and what to do when it is more.
    tick_intro : str
        One line above the tick sheet.
    seek_help : tuple of str
        One line per urgency: call us / go to the emergency department today if ...
    """

    minutes: int
    days_per_week: int
    rows: tuple[str, ...]
    pain_rules: tuple[str, ...]
    tick_intro: str
    seek_help: tuple[str, ...]


@functools.cache
def _texts(path: Path) -> pd.DataFrame:
    table = load_data_table("home_sheet.csv", ["key", "value", "patient_text", "source"])
    return table.set_index("key")


def _text(key: str) -> str:
    table = _texts(data_file("home_sheet.csv"))
    if key not in table.index:
        raise WorkbookError("home_sheet.csv key", key, "a row with this key in home_sheet.csv")
    return str(table.at[key, "patient_text"])


def _setup_seconds() -> float:
    table = _texts(data_file("home_sheet.csv"))
    return float(str(table.at["setup_seconds", "value"]))


def _chosen(table: pd.DataFrame) -> pd.DataFrame:
    return table[[not is_blank(v) and str(v) != "" for v in table["stretch_id"]]]


def session_seconds(table: pd.DataFrame) -> float:
    """Seconds one session takes: every hold, each side, plus getting into each position.

    >>> frame = pd.DataFrame({"stretch_id": ["a", ""], "hold_s": [30, 0], "reps": [2, 0],
    ...                       "per_side": [True, False]})
    >>> session_seconds(frame)  # 30 s x 2 x 2 sides + 10 s x 2 sides
    140.0
    """
    chosen = _chosen(table)
    sides = chosen["per_side"].astype(bool).map({True: 2, False: 1})
    holds = pd.to_numeric(chosen["hold_s"]) * pd.to_numeric(chosen["reps"])
    return float((sides * (holds + _setup_seconds())).sum())


def home_sheet(table: pd.DataFrame) -> HomeSheet:
    """The home sheet for a routine's table (``Routine.table``)."""
    chosen = _chosen(table)
    days = [int(d) for d in chosen["per_week"] if not is_blank(d)] if len(chosen) else []
    return HomeSheet(
        minutes=max(1, math.ceil(session_seconds(table) / 60)),
        days_per_week=max(days, default=0),
        rows=tuple(str(name) for name in chosen["name"]),
        pain_rules=(_text("pain_rule"), _text("spreading_rule")),
        tick_intro=_text("tick_intro"),
        seek_help=tuple(seek_help_lines()["patient_text"]),
    )

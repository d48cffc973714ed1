"""ODI section names and the Patient-Specific Functional Scale (PSFS), from data tables.

- ``data/odi_sections.csv``: the ten section names of the Oswestry Disability Index 2.1a
  (Fairbank and Pynsent 2000). Only the names: the six statements of each section are licensed
  (Mapi Research Trust) and a clinic adds its licensed wording itself (clinical.md section 10).
- ``data/psfs.csv``: the PSFS rules (Stratford 1995): up to three activities the patient names,
  each rated 0 (unable) to 10 (as before the problem); the score is the mean; a change of 2
  points in the mean, or 3 in one activity, is beyond measurement error (MDC90).

Expected PSFS shape (one row per visit and activity, as the store will return it): ``visit_id``,
``visit_date``, ``activity`` (the patient's words, kept the same across visits) and
``score_points`` (0-10). Pure logic.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ..errors import WorkbookError
from .paths import data_file
from .tables import column_as_number, load_data_table, require_columns

__all__ = [
    "PSFS_COLUMNS",
    "PSFS_PROGRESS_COLUMNS",
    "check_psfs",
    "odi_section_names",
    "odi_sections_table",
    "psfs_progress",
    "psfs_rule",
    "psfs_score",
]

PSFS_COLUMNS: tuple[str, ...] = ("visit_id", "visit_date", "activity", "score_points")
PSFS_PROGRESS_COLUMNS: tuple[str, ...] = (
    "activity",
    "n_visits",
    "baseline_points",
    "latest_points",
    "change_points",
    "mdc_points",
    "real_change",
)
_TOLERANCE = 1e-6
MEAN = "(mean)"


def odi_sections_table() -> pd.DataFrame:
    """``data/odi_sections.csv``: section number, key, label (the name shown), note, source."""
    table = load_data_table("odi_sections.csv", ["section", "key", "label", "note", "source"])
    table["section"] = column_as_number(table, "section", key="key", minimum=1, whole=True)
    return table.sort_values("section").reset_index(drop=True)


def odi_section_names() -> tuple[str, ...]:
    """The ten ODI section names in questionnaire order.

    >>> odi_section_names()[:3]
    ('Pain intensity', 'Personal care (washing, dressing)', 'Lifting')
    """
    return tuple(odi_sections_table()["label"])


@functools.cache
def _psfs(path: Path) -> dict[str, float]:
    table = load_data_table("psfs.csv", ["rule", "value", "source"])
    table["value"] = column_as_number(table, "value", key="rule", minimum=0)
    return dict(zip(table["rule"], table["value"], strict=True))


def psfs_rule(name: str) -> float:
    """A PSFS rule of ``data/psfs.csv``: min_points, max_points, max_activities, mdc_*.

    >>> psfs_rule("mdc_activity_points")
    3.0
    """
    rules = _psfs(data_file("psfs.csv"))
    if name not in rules:
        raise WorkbookError("psfs rule", name, "one of " + ", ".join(sorted(rules)))
    return float(rules[name])


def check_psfs(ratings: Mapping[str, object]) -> dict[str, int]:
    """Validate one visit's PSFS: ``{activity: score}``, 1 to 3 activities, whole 0-10.

    >>> check_psfs({"Putting on socks": 4, "Walking 1 km": 6})
    {'Putting on socks': 4, 'Walking 1 km': 6}
    """
    if not isinstance(ratings, Mapping):
        raise WorkbookError("psfs", ratings, "a mapping of activity to score")
    low, high = int(psfs_rule("min_points")), int(psfs_rule("max_points"))
    most = int(psfs_rule("max_activities"))
    if not 1 <= len(ratings) <= most:
        raise WorkbookError("psfs", len(ratings), f"1 to {most} activities")
    checked = {}
    for activity, score in ratings.items():
        name = activity.strip() if isinstance(activity, str) else ""
        if not name:
            raise WorkbookError("psfs activity", activity, "the activity in the patient's words")
        allowed = f"a whole number from {low} to {high}"
        if isinstance(score, bool) or not isinstance(score, int | float):
            raise WorkbookError(f"psfs score for {name!r}", score, allowed)
        if score != int(score) or not low <= score <= high:
            raise WorkbookError(f"psfs score for {name!r}", score, allowed)
        checked[name] = int(score)
    return checked


def psfs_score(ratings: Mapping[str, object]) -> float:
    """The PSFS score: the mean of the activities' ratings (higher is better).

    >>> psfs_score({"Stairs": 3, "Socks": 6})
    4.5
    """
    values = list(check_psfs(ratings).values())
    return sum(values) / len(values)


def _judge(change: float, mdc: float, n_visits: int) -> str:
    if n_visits < 2 or math.isnan(change):
        return "single score"
    if abs(change) + _TOLERANCE >= mdc:
        return "improved" if change > 0 else "worse"
    return "within measurement error"


def psfs_progress(psfs: pd.DataFrame) -> pd.DataFrame:
    """PSFS change per activity (MDC 3) and of the mean (MDC 2), first to latest visit.

    Returns
    -------
    DataFrame
        Columns ``PSFS_PROGRESS_COLUMNS``: one row per activity in first-seen order, then the
        mean (``activity`` '(mean)', over the visits' means); ``real_change`` 'improved',
        'worse', 'within measurement error' or 'single score'.
    """
    frame = require_columns(psfs, "psfs", PSFS_COLUMNS).copy()
    frame["visit_date"] = pd.to_datetime(frame["visit_date"])
    frame = frame.sort_values(["visit_date", "visit_id"], kind="stable")
    if frame.empty:
        return pd.DataFrame(columns=list(PSFS_PROGRESS_COLUMNS))
    rows = []
    series = dict(list(frame.groupby("activity", sort=False)))
    means = frame.groupby(["visit_date", "visit_id"], sort=True)["score_points"].mean()
    mdcs = {a: psfs_rule("mdc_activity_points") for a in series}
    for activity, values in [*((a, g["score_points"]) for a, g in series.items()), (MEAN, means)]:
        mdc = mdcs.get(activity, psfs_rule("mdc_mean_points"))
        values = pd.to_numeric(values).astype("float64")
        change = float(values.iloc[-1] - values.iloc[0]) if len(values) > 1 else math.nan
        rows.append(
            {
                "activity": activity,
                "n_visits": len(values),
                "baseline_points": float(values.iloc[0]),
                "latest_points": float(values.iloc[-1]),
                "change_points": change,
                "mdc_points": mdc,
                "real_change": _judge(change, mdc, len(values)),
            }
        )
    return pd.DataFrame(rows, columns=list(PSFS_PROGRESS_COLUMNS))

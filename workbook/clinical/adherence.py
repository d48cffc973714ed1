"""Adherence: how much of the home programme was done (clinical.md section 12).

The patient reports, at each visit, the days the stretches were done out of the days prescribed
since the last visit. Showing it beside progress tells "the programme does not work" from "the
programme was not done" (Peek et al. 2016). Pure logic.

Expected shape (the store's visits frame, columns added by the visit form): ``visit_date``,
``days_done`` and ``days_prescribed`` (whole numbers, NaN where not asked).
"""

from __future__ import annotations

import math

import pandas as pd

from ..errors import WorkbookError
from .tables import require_columns

__all__ = ["ADHERENCE_COLUMNS", "adherence_percent", "adherence_summary", "check_adherence"]

ADHERENCE_COLUMNS: tuple[str, ...] = ("visit_date", "days_done", "days_prescribed")


def _whole(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise WorkbookError(field, value, "a whole number of days, 0 or more")
    if value < 0:
        raise WorkbookError(field, value, "a whole number of days, 0 or more")
    return int(value)


def check_adherence(days_done: object, days_prescribed: object) -> tuple[int, int]:
    """Validate one visit's answer: ``days_done`` of ``days_prescribed``.

    >>> check_adherence(4, 10)
    (4, 10)
    """
    done = _whole("days_done", days_done)
    prescribed = _whole("days_prescribed", days_prescribed)
    if prescribed == 0:
        raise WorkbookError("days_prescribed", 0, "at least 1 day (nothing to adhere to otherwise)")
    if done > prescribed:
        raise WorkbookError("days_done", done, f"no more than the {prescribed} days prescribed")
    return done, prescribed


def adherence_percent(days_done: object, days_prescribed: object) -> float:
    """Days done as a percentage of days prescribed.

    >>> adherence_percent(3, 12)
    25.0
    """
    done, prescribed = check_adherence(days_done, days_prescribed)
    return done / prescribed * 100


def adherence_summary(visits: pd.DataFrame | None) -> dict[str, float | int]:
    """Adherence over all visits that recorded it.

    Returns
    -------
    dict
        ``visits_recorded``, ``days_done``, ``days_prescribed``, ``percent`` (NaN when nothing
        was recorded) and ``latest_percent`` (the latest visit that recorded it).
    """
    empty: dict[str, float | int] = {
        "visits_recorded": 0,
        "days_done": 0,
        "days_prescribed": 0,
        "percent": math.nan,
        "latest_percent": math.nan,
    }
    if visits is None or not {"days_done", "days_prescribed"} <= set(visits.columns):
        return empty
    require_columns(visits, "visits", ADHERENCE_COLUMNS)
    frame = visits.assign(visit_date=pd.to_datetime(visits["visit_date"])).sort_values(
        "visit_date", kind="stable"
    )
    done = pd.to_numeric(frame["days_done"], errors="coerce")
    prescribed = pd.to_numeric(frame["days_prescribed"], errors="coerce")
    recorded = done.notna() & prescribed.notna()
    if not recorded.any():
        return empty
    pairs = [
        check_adherence(d, p) for d, p in zip(done[recorded], prescribed[recorded], strict=True)
    ]
    total_done = sum(d for d, _ in pairs)
    total_prescribed = sum(p for _, p in pairs)
    return {
        "visits_recorded": len(pairs),
        "days_done": total_done,
        "days_prescribed": total_prescribed,
        "percent": total_done / total_prescribed * 100,
        "latest_percent": pairs[-1][0] / pairs[-1][1] * 100,
    }

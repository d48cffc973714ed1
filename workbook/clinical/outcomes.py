"""What changed since the first visit, and whether the change is real.

Two tables, because range of motion and the questionnaire scores are judged differently:

- :func:`progress`: one row per motion and side, in degrees, with the change judged against the
  measurement error (MDC95, ``data/measurement_error.csv``) and the latest value against normal
  (``data/normal_rom.csv``).
- :func:`score_progress`: one row each for pain (NPRS) and disability (ODI), in points, judged
  against the minimal clinically important difference and the 30 % rule (``data/mcid.csv``).

Keeping them apart keeps units in the column names (``*_degrees`` vs ``*_points``) and keeps a
therapist from reading an MDC where an MCID is meant. Raw numbers only: rounding, degree signs
and dates are for the display.

Rules worth knowing (each tested):

- Baseline is the first visit at which the motion and side were measured; latest is the last.
  Several readings of one motion and side at one visit are averaged.
- A change of exactly the MDC counts as real (``>=``): the MDC is the smallest change that
  exceeds measurement error with 95 % confidence, so reaching it is enough.
- For every motion here a larger angle is better (extension included: a negative extension is a
  flexion contracture), so a positive change is an improvement.
- The left-right difference is left minus right at the latest visit where both sides were
  measured (NaN when they never were at the same visit).

Pure logic: pandas only.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..errors import WorkbookError, one_of
from .measures import MOTIONS, SIDES
from .profile import PatientProfile
from .reference import mdc_degrees, normal_value, score_threshold
from .tables import require_columns

__all__ = [
    "IMPORTANT_CHANGE_VALUES",
    "IMPROVED",
    "MEASUREMENT_COLUMNS",
    "NOT_RECORDED",
    "NO_IMPORTANT_CHANGE",
    "PROGRESS_COLUMNS",
    "REAL_CHANGE_VALUES",
    "SCORE_COLUMNS",
    "SINGLE",
    "SINGLE_SCORE",
    "WITHIN_ERROR",
    "WORSE",
    "check_measurements",
    "pain_change",
    "per_visit",
    "progress",
    "score_progress",
    "side_readings",
]

IMPROVED = "improved"
WORSE = "worse"
WITHIN_ERROR = "within measurement error"
SINGLE = "single measurement"
REAL_CHANGE_VALUES: tuple[str, ...] = (IMPROVED, WORSE, WITHIN_ERROR, SINGLE)

NO_IMPORTANT_CHANGE = "no important change"
SINGLE_SCORE = "single score"
NOT_RECORDED = "not recorded"
IMPORTANT_CHANGE_VALUES: tuple[str, ...] = (
    IMPROVED,
    WORSE,
    NO_IMPORTANT_CHANGE,
    SINGLE_SCORE,
    NOT_RECORDED,
)

MEASUREMENT_COLUMNS: tuple[str, ...] = ("visit_id", "visit_date", "motion", "side", "degrees")

PROGRESS_COLUMNS: tuple[str, ...] = (
    "motion",
    "side",
    "n_visits",
    "baseline_date",
    "baseline_degrees",
    "latest_date",
    "latest_degrees",
    "change_degrees",
    "normal_degrees",
    "normal_source",
    "percent_of_normal",
    "mdc_degrees",
    "real_change",
    "instrument_changed",
    "side_difference_degrees",
)

SCORE_COLUMNS: tuple[str, ...] = (
    "measure",
    "n_visits",
    "baseline_date",
    "baseline_points",
    "latest_date",
    "latest_points",
    "change_points",
    "change_percent",
    "mcid_points",
    "mcid_percent",
    "meets_mcid",
    "meets_percent",
    "important_change",
)

# Degrees arrive as decimal fractions (109.7 - 100.0 = 9.700000000000003): compare with a
# tolerance far below any goniometer's resolution so "exactly the MDC" means what it says.
_TOLERANCE = 1e-6


def check_measurements(measurements: pd.DataFrame) -> pd.DataFrame:
    """Check the columns and vocabularies of a measurements frame; return a clean copy.

    Raises
    ------
    WorkbookError
        When a column is missing, a motion or side is unknown, or a date or degree value is
        not a date or number.
    """
    frame = require_columns(measurements, "measurements", MEASUREMENT_COLUMNS).copy()
    bad_motion = ~frame["motion"].isin(MOTIONS)
    if bad_motion.any():
        raise WorkbookError("motion", frame.loc[bad_motion, "motion"].iloc[0], one_of(MOTIONS))
    bad_side = ~frame["side"].isin(SIDES)
    if bad_side.any():
        raise WorkbookError("side", frame.loc[bad_side, "side"].iloc[0], one_of(SIDES))
    dates = pd.to_datetime(frame["visit_date"], errors="coerce")
    if dates.isna().any():
        raise WorkbookError(
            "visit_date", frame.loc[dates.isna(), "visit_date"].iloc[0], "a date for every row"
        )
    degrees = pd.to_numeric(frame["degrees"], errors="coerce")
    if degrees.isna().any() or not np.isfinite(degrees).all():
        raise WorkbookError(
            "degrees",
            frame.loc[~np.isfinite(degrees.fillna(np.inf)), "degrees"].iloc[0],
            "a number of degrees in every row",
        )
    frame["visit_date"] = dates.astype("datetime64[ns]")
    frame["degrees"] = degrees.astype("float64")
    frame["visit_id"] = frame["visit_id"].astype(str)
    for column in ("instrument", "position"):
        if column not in frame.columns:
            frame[column] = ""
        frame[column] = frame[column].fillna("").astype(str)
    return frame


def per_visit(measurements: pd.DataFrame) -> pd.DataFrame:
    """One reading per visit, motion and side, in date order.

    Repeated readings at one visit are averaged (the usual clinical practice for a goniometer);
    instrument and position are the first recorded at that visit.

    Returns
    -------
    DataFrame
        Columns visit_id, visit_date, motion, side, degrees, instrument, position.
    """
    frame = check_measurements(measurements)
    if frame.empty:
        return frame.loc[:, [*MEASUREMENT_COLUMNS, "instrument", "position"]].reset_index(drop=True)
    keys = ["visit_date", "visit_id", "motion", "side"]
    if not frame.duplicated(keys).any():  # the usual case: one reading each, just sort
        ordered = frame.sort_values(keys, kind="stable").reset_index(drop=True)
        return ordered.loc[:, [*MEASUREMENT_COLUMNS, "instrument", "position"]]
    grouped = frame.groupby(keys, sort=True, as_index=False)
    readings = grouped.agg(
        degrees=("degrees", "mean"),
        instrument=("instrument", "first"),
        position=("position", "first"),
    )
    return readings.loc[:, [*MEASUREMENT_COLUMNS, "instrument", "position"]]


def _empty_progress() -> pd.DataFrame:
    frame = pd.DataFrame({column: [] for column in PROGRESS_COLUMNS})
    dtypes = {
        "motion": "str",
        "side": "str",
        "n_visits": "int64",
        "baseline_date": "datetime64[ns]",
        "latest_date": "datetime64[ns]",
        "normal_source": "str",
        "real_change": "str",
        "instrument_changed": "bool",
    }
    floats = {c: "float64" for c in PROGRESS_COLUMNS if c not in dtypes}
    return frame.astype({**dtypes, **floats})


def _judge(change: float, mdc: float, n_visits: int) -> str:
    if n_visits < 2:
        return SINGLE
    if abs(change) + _TOLERANCE >= mdc:
        return IMPROVED if change > 0 else WORSE
    return WITHIN_ERROR


def side_readings(measurements: pd.DataFrame) -> pd.DataFrame:
    """Per motion, the latest visit where both sides were measured, with both values.

    Returns
    -------
    DataFrame
        Columns motion, visit_date, left_degrees, right_degrees, difference_degrees (left minus
        right); one row per motion measured on both sides at one visit, in ``MOTIONS`` order.
    """
    readings = per_visit(measurements)
    columns = ["motion", "visit_date", "left_degrees", "right_degrees", "difference_degrees"]
    if readings.empty:
        return pd.DataFrame(columns=columns)
    wide = _wide_sides(readings)
    rows = []
    if set(SIDES) <= set(wide.columns):
        both = wide.dropna(subset=list(SIDES))
        for motion in MOTIONS:
            if motion not in both.index.get_level_values("motion"):
                continue
            last = both.xs(motion, level="motion").sort_index().iloc[-1]
            date = both.xs(motion, level="motion").sort_index().index[-1][0]
            rows.append(
                [
                    motion,
                    date,
                    float(last["left"]),
                    float(last["right"]),
                    float(last["left"] - last["right"]),
                ]
            )
    return pd.DataFrame(rows, columns=columns)


def pain_change(visits: pd.DataFrame | None) -> tuple[float, float] | None:
    """``(previous, latest)`` pain (NPRS) of the last two visits that rated it, or ``None``."""
    if visits is None or "pain_nprs" not in getattr(visits, "columns", ()):
        return None
    require_columns(visits, "visits", ("visit_date", "pain_nprs"))
    ordered = visits.assign(visit_date=pd.to_datetime(visits["visit_date"])).sort_values(
        "visit_date", kind="stable"
    )
    pain = pd.to_numeric(ordered["pain_nprs"], errors="coerce").dropna()
    if len(pain) < 2:
        return None
    return float(pain.iloc[-2]), float(pain.iloc[-1])


def _wide_sides(readings: pd.DataFrame) -> pd.DataFrame:
    return readings.pivot_table(
        index=["motion", "visit_date", "visit_id"],
        columns="side",
        values="degrees",
        aggfunc="mean",
    )


def _side_differences(readings: pd.DataFrame) -> dict[str, float]:
    """Left minus right at the latest visit where both sides of a motion were measured."""
    wide = readings.pivot_table(
        index=["motion", "visit_date", "visit_id"],
        columns="side",
        values="degrees",
        aggfunc="mean",
    )
    differences: dict[str, float] = {}
    if not set(SIDES) <= set(wide.columns):
        return differences
    both = wide.dropna(subset=list(SIDES))
    for motion, rows in both.groupby(level="motion", sort=False):
        last = rows.sort_index(level=["visit_date", "visit_id"]).iloc[-1]
        differences[str(motion)] = float(last["left"] - last["right"])
    return differences


def progress(
    measurements: pd.DataFrame,
    visits: pd.DataFrame | None = None,
    profile: PatientProfile | None = None,
) -> pd.DataFrame:
    """Range-of-motion progress: one row per motion and side measured.

    Parameters
    ----------
    measurements : DataFrame
        From ``store.measurements(patient_id)``: visit_id, visit_date, motion, side, degrees,
        and optionally instrument and position.
    visits : DataFrame, optional
        From ``store.visits(patient_id)``. When given, every measurement must belong to one of
        these visits (a mismatch means the two frames are from different patients or different
        moments). Pain and ODI progress is :func:`score_progress` of the visits.
    profile : PatientProfile, optional
        Its age and sex choose age- and sex-specific normal values where
        ``data/normal_rom.csv`` has them (sex ``None``: the values for all adults).

    Returns
    -------
    DataFrame
        Columns ``PROGRESS_COLUMNS``, rows in the order of ``MOTIONS`` then left, right:

        - ``n_visits``: visits at which this motion and side were measured.
        - ``baseline_*``, ``latest_*``: first and last of them.
        - ``change_degrees``: latest minus baseline (positive is better); NaN with one visit.
        - ``normal_degrees``, ``normal_source``: the normal value that applies (age from
          ``profile``, position from the latest reading) and the reference it comes from.
        - ``percent_of_normal``: latest as a percentage of normal.
        - ``mdc_degrees``, ``real_change``: 'improved' or 'worse' when the change reaches the
          MDC (``>=``), 'within measurement error' when it does not, 'single measurement'.
        - ``instrument_changed``: more than one instrument across these readings.
        - ``side_difference_degrees``: left minus right at the latest visit with both sides,
          the same on both rows of a motion.

    Examples
    --------
    >>> m = pd.DataFrame({"visit_id": ["v1", "v2"], "motion": ["hip_flexion"] * 2,
    ...                   "visit_date": pd.to_datetime(["2025-01-06", "2025-02-03"]),
    ...                   "side": ["left", "left"], "degrees": [95.0, 108.0]})
    >>> row = progress(m).iloc[0]
    >>> row["change_degrees"], row["real_change"]
    (np.float64(13.0), 'improved')
    """
    readings = per_visit(measurements)
    if visits is not None:
        _check_visit_ids(readings, visits)
    if profile is not None and not isinstance(profile, PatientProfile):
        raise WorkbookError("profile", type(profile).__name__, "a PatientProfile or None")
    if readings.empty:
        return _empty_progress()
    age = profile.age if profile is not None else None
    sex = profile.sex if profile is not None else None
    differences = _side_differences(readings)
    rows = []
    for motion in MOTIONS:
        for side in SIDES:
            series = readings[(readings["motion"] == motion) & (readings["side"] == side)]
            if series.empty:
                continue
            first, last = series.iloc[0], series.iloc[-1]
            n_visits = len(series)
            change = float(last["degrees"] - first["degrees"]) if n_visits > 1 else math.nan
            normal = normal_value(motion, age=age, sex=sex, position=last["position"] or None)
            mdc = mdc_degrees(motion)
            instruments = {i for i in series["instrument"] if i}
            rows.append(
                {
                    "motion": motion,
                    "side": side,
                    "n_visits": n_visits,
                    "baseline_date": first["visit_date"],
                    "baseline_degrees": float(first["degrees"]),
                    "latest_date": last["visit_date"],
                    "latest_degrees": float(last["degrees"]),
                    "change_degrees": change,
                    "normal_degrees": normal.degrees,
                    "normal_source": normal.label,
                    "percent_of_normal": float(last["degrees"]) / normal.degrees * 100,
                    "mdc_degrees": mdc,
                    "real_change": _judge(change, mdc, n_visits),
                    "instrument_changed": len(instruments) > 1,
                    "side_difference_degrees": differences.get(motion, math.nan),
                }
            )
    return pd.DataFrame(rows).astype(_empty_progress().dtypes.to_dict())


def _check_visit_ids(readings: pd.DataFrame, visits: pd.DataFrame) -> None:
    if not isinstance(visits, pd.DataFrame) or "visit_id" not in visits.columns:
        raise WorkbookError("visits", type(visits).__name__, "a DataFrame with a visit_id column")
    known = set(visits["visit_id"].astype(str))
    unknown = sorted(set(readings["visit_id"]) - known)
    if unknown:
        raise WorkbookError(
            "visit_id",
            unknown[0],
            "a visit in the visit log (measurements and visits must be "
            "of the same patient, read at the same time)",
        )


def _empty_scores() -> pd.DataFrame:
    frame = pd.DataFrame({column: [] for column in SCORE_COLUMNS})
    dtypes = {
        "measure": "str",
        "n_visits": "int64",
        "baseline_date": "datetime64[ns]",
        "latest_date": "datetime64[ns]",
        "meets_mcid": "bool",
        "meets_percent": "bool",
        "important_change": "str",
    }
    floats = {c: "float64" for c in SCORE_COLUMNS if c not in dtypes}
    return frame.astype({**dtypes, **floats})


def score_progress(visits: pd.DataFrame | None) -> pd.DataFrame:
    """Pain (NPRS) and disability (ODI) progress: one row each, in points.

    A score is judged 'improved' when the improvement from baseline reaches both the MCID
    (``mcid_points``) and the relative threshold (``mcid_percent``, 30 % per Ostelo 2008).
    Requiring both keeps a one-point change from a low baseline (3 to 2 on the NPRS is 33 %, but
    within the NPRS's 2-point MDC) from counting, and a small change from a very high baseline
    (ODI 80 to 70) from counting as a clear response. 'worse' when the score rose by at least
    the MCID. Lower is better for both scores.

    Parameters
    ----------
    visits : DataFrame or None
        From ``store.visits(patient_id)``: visit_id, visit_date, pain_nprs, odi_index (NaN where
        not recorded).

    Returns
    -------
    DataFrame
        Columns ``SCORE_COLUMNS``; rows 'pain_nprs' then 'odi_index', always both. Baseline
        and latest are the first and last visits at which the score was recorded;
        ``change_points`` is latest minus baseline (negative is better), ``change_percent`` the
        same as a percentage of baseline (NaN when baseline is 0); ``important_change`` one of
        'improved', 'worse', 'no important change', 'single score', 'not recorded'.
    """
    rows = []
    columns_needed = ("visit_date", "pain_nprs", "odi_index")
    if visits is not None:
        require_columns(visits, "visits", columns_needed)
        ordered = visits.assign(visit_date=pd.to_datetime(visits["visit_date"])).sort_values(
            "visit_date", kind="stable"
        )
    for measure in ("pain_nprs", "odi_index"):
        threshold = score_threshold(measure)
        row: dict[str, object] = {
            "measure": measure,
            "n_visits": 0,
            "baseline_date": pd.NaT,
            "baseline_points": math.nan,
            "latest_date": pd.NaT,
            "latest_points": math.nan,
            "change_points": math.nan,
            "change_percent": math.nan,
            "mcid_points": threshold.mcid_points,
            "mcid_percent": threshold.improvement_percent,
            "meets_mcid": False,
            "meets_percent": False,
            "important_change": NOT_RECORDED,
        }
        if visits is not None:
            scores = pd.to_numeric(ordered[measure], errors="coerce").astype("float64")
            recorded = ordered.loc[scores.notna(), "visit_date"]
            values = scores[scores.notna()]
            if len(values):
                row.update(
                    n_visits=len(values),
                    baseline_date=recorded.iloc[0],
                    baseline_points=float(values.iloc[0]),
                    latest_date=recorded.iloc[-1],
                    latest_points=float(values.iloc[-1]),
                    important_change=SINGLE_SCORE,
                )
            if len(values) > 1:
                row.update(_judge_score(float(values.iloc[0]), float(values.iloc[-1]), threshold))
        rows.append(row)
    return pd.DataFrame(rows).astype(_empty_scores().dtypes.to_dict())


def _judge_score(baseline: float, latest: float, threshold) -> dict[str, object]:
    change = latest - baseline
    sign = -1.0 if threshold.lower_is_better else 1.0
    improvement = sign * change
    percent = change / baseline * 100 if baseline else math.nan
    meets_mcid = improvement + _TOLERANCE >= threshold.mcid_points
    meets_percent = (
        not math.isnan(percent) and sign * percent + _TOLERANCE >= threshold.improvement_percent
    )
    if meets_mcid and meets_percent:
        verdict = IMPROVED
    elif -improvement + _TOLERANCE >= threshold.mcid_points:
        verdict = WORSE
    else:
        verdict = NO_IMPORTANT_CHANGE
    return {
        "change_points": change,
        "change_percent": percent,
        "meets_mcid": bool(meets_mcid),
        "meets_percent": bool(meets_percent),
        "important_change": verdict,
    }

"""The clinic summary: baseline against latest range of motion across every patient.

For each patient, motion and side, the baseline is the earliest visit at which it was measured
and the latest the most recent one (latest versions of each visit, void visits left out).

Both come from ``motion_summary`` (:mod:`~workbook.records.patient_summary`), kept up to date
with every visit: one row per patient, motion and side (about 120,000 for a clinic of 10,000
patients) instead of every reading. Readings are never paired per patient: over the same
followed patients (measured at two visits or more), the mean change is the difference of the
two means.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..clinical import measures
from .schema import motion_summary_t

__all__ = ["SUMMARY_COLUMNS", "clinic_summary_frame"]

#: The columns of ``Store.clinic_summary``.
SUMMARY_COLUMNS = (
    "motion",
    "side",
    "n_patients",
    "n_followed",
    "baseline_mean_degrees",
    "baseline_median_degrees",
    "latest_mean_degrees",
    "latest_median_degrees",
    "change_mean_degrees",
)

_ms = motion_summary_t
_QUERY = sa.select(_ms.c.motion, _ms.c.side, _ms.c.first_degrees, _ms.c.last_degrees, _ms.c.n)


def clinic_summary_frame(conn: Connection) -> pd.DataFrame:
    """Per motion and side, baseline and latest degrees (:data:`SUMMARY_COLUMNS`)."""
    # Plain tuples from the driver: pandas probes a Row's attributes, which costs seconds here.
    cursor = conn.connection.cursor()
    try:
        cursor.execute(str(_QUERY.compile(dialect=conn.dialect)))
        rows = list(cursor.fetchall())
    finally:
        cursor.close()
    table = pd.DataFrame(rows, columns=["motion", "side", "first", "last", "n"])
    followed = table["n"] >= 2
    ends = [
        pd.DataFrame(
            {"end": end, "motion": table["motion"], "side": table["side"]}
            | {"degrees": table[end].astype("float64"), "followed": followed}
        )
        for end in ("first", "last")
    ]
    return _summarise(pd.concat(ends, ignore_index=True))


def _summarise(readings: pd.DataFrame) -> pd.DataFrame:
    """Per motion and side, from each patient's first and last reading (one row each).

    ``readings``: end ('first' or 'last'), motion, side, degrees, followed.
    """
    columns = list(SUMMARY_COLUMNS)
    if readings.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns}).astype(
            {"motion": object, "side": object, "n_patients": "int64", "n_followed": "int64"}
        )
    by = ["motion", "side"]
    first = readings[readings["end"] == "first"]
    last = readings[readings["end"] == "last"]
    base = first.groupby(by)["degrees"].agg(["size", "mean", "median"])
    base.columns = pd.Index(["n_patients", "baseline_mean_degrees", "baseline_median_degrees"])
    late = last.groupby(by)["degrees"].agg(["mean", "median"])
    late.columns = pd.Index(["latest_mean_degrees", "latest_median_degrees"])
    before = first[first["followed"]].groupby(by)["degrees"].agg(["size", "mean"])
    after = last[last["followed"]].groupby(by)["degrees"].mean()
    moved = pd.DataFrame(
        {"n_followed": before["size"], "change_mean_degrees": after - before["mean"]}
    )
    summary = base.join(late).join(moved).reset_index()
    summary["n_followed"] = summary["n_followed"].fillna(0).astype("int64")
    summary["n_patients"] = summary["n_patients"].astype("int64")
    order = {m: i for i, m in enumerate(measures.MOTIONS)}
    summary = summary.sort_values(
        ["motion", "side"], key=lambda s: s.map(order) if s.name == "motion" else s
    )
    return summary[columns].reset_index(drop=True)

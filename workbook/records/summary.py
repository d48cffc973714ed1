"""The clinic summary: baseline against latest range of motion across every patient.

For each patient, motion and side, the baseline is the earliest visit at which it was measured
and the latest the most recent one (latest versions of each visit).

A full pass over every reading (window functions over 3.6 million rows) takes tens of seconds.
Instead: each patient's first and last visit through the index on (patient_id, visit_date), and
the readings of those two visits only. That is exact for a patient whose first and last visits
hold every motion and side (the number of readings is counted in SQL); the few patients with a
reading missed at either end are computed from all their readings. Readings are never paired
per patient: over the same followed patients, the mean change is the difference of the two
means.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..clinical import measures
from .schema import measurements_t, patients_t, visits_t

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

#: Patients whose readings are fetched whole, per query (a bound list of ids).
_CHUNK_PATIENTS = 500

_v, _m = visits_t, measurements_t


def _end_visit(last: bool) -> sa.ScalarSelect[Any]:
    """Each patient's first (or last) visit id, by date, then time of writing, then id."""
    inner = _v.alias("ends_inner")
    keys = ("visit_date", "created_at", "visit_id")
    order = [inner.c[k].desc() if last else inner.c[k] for k in keys]
    return (
        sa.select(inner.c.visit_id)
        .where((inner.c.patient_id == patients_t.c.patient_id) & (inner.c.voided == 0))
        .order_by(*order)
        .limit(1)
        .scalar_subquery()
    )


def _n_readings(column: sa.ColumnElement[Any]) -> sa.ScalarSelect[Any]:
    """The number of readings in the current version of the visit ``column`` names."""
    counted = _v.alias("counted")
    return (
        sa.select(sa.func.count())
        .select_from(
            counted.join(
                _m,
                (_m.c.visit_id == counted.c.visit_id) & (_m.c.version == counted.c.current_version),
            )
        )
        .where(counted.c.visit_id == column)
        .scalar_subquery()
    )


def _ends() -> sa.CTE:
    """Per patient: first and last visit and how many readings each holds."""
    visit_ends = sa.select(
        patients_t.c.patient_id,
        _end_visit(last=False).label("first_visit"),
        _end_visit(last=True).label("last_visit"),
    ).cte("visit_ends")
    return sa.select(
        visit_ends.c.patient_id,
        visit_ends.c.first_visit,
        visit_ends.c.last_visit,
        _n_readings(visit_ends.c.first_visit).label("n_first"),
        _n_readings(visit_ends.c.last_visit).label("n_last"),
    ).cte("ends")


def _queries() -> tuple[sa.CompoundSelect[Any], sa.Select[Any], sa.Select[Any]]:
    """The readings at both ends of complete patients, the other patients, their readings."""
    ends = _ends()
    n_pairs = len(measures.MOTIONS) * len(measures.SIDES)
    complete = (ends.c.n_first == n_pairs) & (ends.c.n_last == n_pairs)

    def readings_at(column: sa.ColumnElement[Any], which: str) -> sa.Select[Any]:
        current = (_m.c.visit_id == _v.c.visit_id) & (_m.c.version == _v.c.current_version)
        return (
            sa.select(
                sa.literal(which).label("end"),
                _m.c.motion,
                _m.c.side,
                _m.c.degrees,
                (ends.c.first_visit != ends.c.last_visit).label("followed"),
            )
            .select_from(ends.join(_v, _v.c.visit_id == column).join(_m, current))
            .where(complete)
        )

    at_ends = sa.union_all(
        readings_at(ends.c.first_visit, "first"), readings_at(ends.c.last_visit, "last")
    )
    partial_ids = sa.select(ends.c.patient_id).where(ends.c.first_visit.is_not(None) & ~complete)
    all_readings = (
        sa.select(
            _v.c.patient_id,
            _v.c.visit_date,
            _v.c.created_at,
            _v.c.visit_id,
            _m.c.motion,
            _m.c.side,
            _m.c.degrees,
        )
        .select_from(
            _v.join(_m, (_m.c.visit_id == _v.c.visit_id) & (_m.c.version == _v.c.current_version))
        )
        .where(_v.c.patient_id.in_(sa.bindparam("ids", expanding=True)) & (_v.c.voided == 0))
    )
    return at_ends, partial_ids, all_readings


def clinic_summary_frame(conn: Connection) -> pd.DataFrame:
    """Per motion and side, baseline and latest degrees (:data:`SUMMARY_COLUMNS`)."""
    at_ends, partial_ids, all_readings = _queries()
    # Plain tuples: pandas probes a Row's attributes, which costs seconds here.
    rows = [tuple(r) for r in conn.execute(at_ends)]
    quick = pd.DataFrame(rows, columns=["end", "motion", "side", "degrees", "followed"])
    quick["followed"] = quick["followed"].astype(bool)
    partial = list(conn.execute(partial_ids).scalars())
    pieces = []
    for start in range(0, len(partial), _CHUNK_PATIENTS):
        ids = partial[start : start + _CHUNK_PATIENTS]
        pieces.append(_ends_of(conn.execute(all_readings, {"ids": ids}).all()))
    return _summarise(pd.concat([quick, *pieces], ignore_index=True))


def _ends_of(rows: Sequence[Any]) -> pd.DataFrame:
    """First and last reading per patient, motion and side, from all of a patient's rows.

    Same columns as the quick path: end ('first' or 'last'), motion, side, degrees, followed
    (measured at two visits or more).
    """
    frame = pd.DataFrame(
        [tuple(r) for r in rows],
        columns=["patient_id", "visit_date", "created_at", "visit_id", "motion", "side", "degrees"],
    ).sort_values(["visit_date", "created_at", "visit_id"])
    grouped = frame.groupby(["patient_id", "motion", "side"])["degrees"]
    followed = grouped.size() >= 2
    parts = []
    for end, values in (("first", grouped.first()), ("last", grouped.last())):
        part = pd.DataFrame({"degrees": values, "followed": followed}).reset_index()
        parts.append(part.drop(columns="patient_id").assign(end=end))
    return pd.concat(parts, ignore_index=True)


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

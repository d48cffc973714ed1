"""What the caseload reads from the store, for every active patient at once.

Three reads, none per patient: the active patients with their latest profile; every current (not
void) visit version of theirs, only the columns the review needs, in the store's order (date,
time of writing, id), reduced to one row per patient with numpy (first, last and previous values
by position, no per-patient loop); and the range of motion at each patient's first and last
visit. Patients whose first or last visit lacks a reading (so that another visit could hold a
motion's baseline or latest value) get all their readings instead, so the result equals reading
each patient whole (the trick of :mod:`~workbook.records.summary`).

Rows are fetched through the driver's own cursor: at 300,000 visits, SQLAlchemy's row objects
would cost more than the query.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..clinical.measures import MOTIONS, SIDES
from .schema import measurements_t, patients_t, profiles_t, visit_versions_t, visits_t

__all__ = ["CaseloadData", "read_caseload_data"]

#: Visit ids written into one query (well under any statement-size limit).
_CHUNK = 5_000

_v, _vv, _m, _p = visits_t, visit_versions_t, measurements_t, patients_t


@dataclass
class CaseloadData:
    """The frames the caseload is computed from."""

    #: patient_id, name, age, sex, profile_red_flags (tuple)
    patients: pd.DataFrame
    #: per patient (index patient_id): therapist (last visit's), first_visit, last_visit,
    #: visits, visit_days, pain_first/last/prev/n, odi_first/last/n, days_done,
    #: days_prescribed (sums where both recorded), red_flags (latest asked, list or None)
    visits: pd.DataFrame
    #: patient_id, order (the visit's place in the patient's history), visit_date, motion,
    #: side, degrees, position
    readings: pd.DataFrame


def _raw(conn: Connection, query: sa.Select[Any]) -> list[tuple[Any, ...]]:
    """All rows of a query without parameters, as plain tuples from the driver."""
    sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _patients(conn: Connection) -> pd.DataFrame:
    latest = (
        sa.select(_p.c.patient_id, sa.func.max(profiles_t.c.version).label("version"))
        .select_from(_p.join(profiles_t, profiles_t.c.patient_id == _p.c.patient_id))
        .where(_p.c.discharged_on.is_(None))
        .group_by(_p.c.patient_id)
        .subquery()
    )
    query = sa.select(_p.c.patient_id, _p.c.name, profiles_t.c.profile).select_from(
        _p.join(latest, latest.c.patient_id == _p.c.patient_id).join(
            profiles_t,
            (profiles_t.c.patient_id == latest.c.patient_id)
            & (profiles_t.c.version == latest.c.version),
        )
    )
    rows = []
    # The same profile text repeats across a clinic: decode each distinct one once.
    decoded: dict[str, dict[str, Any]] = {}
    for patient_id, name, text in _raw(conn, query):
        profile = decoded.get(text) or decoded.setdefault(text, json.loads(text))
        flags = tuple(profile.get("red_flags") or ())
        rows.append((patient_id, name, profile.get("age"), profile.get("sex"), flags))
    return pd.DataFrame(rows, columns=["patient_id", "name", "age", "sex", "profile_red_flags"])


_VISIT_QUERY = (
    sa.select(
        _v.c.patient_id,
        _v.c.visit_id,
        _v.c.visit_date,
        _vv.c.pain_nprs,
        _vv.c.odi_index,
        _vv.c.therapist,
        _vv.c.red_flags,
        _vv.c.days_done,
        _vv.c.days_prescribed,
    )
    .select_from(
        _v.join(
            _vv, (_vv.c.visit_id == _v.c.visit_id) & (_vv.c.version == _v.c.current_version)
        ).join(_p, _p.c.patient_id == _v.c.patient_id)
    )
    .where((_v.c.voided == 0) & _p.c.discharged_on.is_(None))
    .order_by(_v.c.patient_id, _v.c.visit_date, _v.c.created_at, _v.c.visit_id)
)


class _Groups:
    """Rows sorted by patient: where each patient's rows start and end, and picks by position."""

    def __init__(self, patient: np.ndarray) -> None:
        n = len(patient)
        self.n = n
        self.starts = np.r_[0, np.flatnonzero(patient[1:] != patient[:-1]) + 1]
        self.ends = np.r_[self.starts[1:], n] - 1
        self.ids = patient[self.starts]

    def last_where(self, mask: np.ndarray, before: np.ndarray | None = None) -> np.ndarray:
        """Per patient the last row index where ``mask`` (before ``before``), else -1."""
        latest = np.maximum.accumulate(np.where(mask, np.arange(self.n), -1))
        at = self.ends if before is None else before - 1
        found = np.where(at >= 0, latest[np.maximum(at, 0)], -1)
        return np.where(found >= self.starts, found, -1)

    def first_where(self, mask: np.ndarray) -> np.ndarray:
        index = np.where(mask, np.arange(self.n), self.n)
        earliest = np.minimum.accumulate(index[::-1])[::-1]
        found = earliest[self.starts]
        return np.where(found <= self.ends, found, -1)

    def total(self, values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(values, self.starts)


def _pick(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``values[index]`` with NaN where the index is -1 (nothing found)."""
    return np.where(index >= 0, values[np.maximum(index, 0)], np.nan)


def _visit_rows(rows: list[tuple[Any, ...]]) -> tuple[_Groups, dict[str, np.ndarray]]:
    names = ["patient_id", "visit_id", "visit_date", "pain", "odi", "therapist", "red_flags"]
    names += ["days_done", "days_prescribed"]
    columns = dict(zip(names, map(list, zip(*rows, strict=True)), strict=True))
    cols = {k: np.array(v, dtype=object) for k, v in columns.items()}
    for name in ("pain", "odi", "days_done", "days_prescribed"):
        cols[name] = np.array(columns[name], dtype="float64")  # None -> NaN
    cols["visit_date"] = np.array(columns["visit_date"], dtype="datetime64[D]")
    return _Groups(cols["patient_id"]), cols


def _score(groups: _Groups, values: np.ndarray, prefix: str) -> dict[str, np.ndarray]:
    rated = ~np.isnan(values)
    last = groups.last_where(rated)
    return {
        f"{prefix}_first": _pick(values, groups.first_where(rated)),
        f"{prefix}_last": _pick(values, last),
        f"{prefix}_prev": _pick(values, groups.last_where(rated, before=np.maximum(last, 0))),
        f"{prefix}_n": groups.total(rated.astype("int64")),
    }


_SUMMARY_COLUMNS = (
    *("therapist", "first_visit", "last_visit", "visits", "visit_days"),
    *("pain_first", "pain_last", "pain_prev", "pain_n", "odi_first", "odi_last", "odi_prev"),
    *("odi_n", "days_done", "days_prescribed", "red_flags"),
)


def _visit_summary(rows: list[tuple[Any, ...]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per patient from their visits, and each visit's place in its patient's history."""
    if not rows:
        empty = pd.DataFrame(
            {c: pd.Series(dtype="float64") for c in _SUMMARY_COLUMNS},
            index=pd.Index([], name="patient_id"),
        )
        empty = empty.astype({"first_visit": "datetime64[ns]", "last_visit": "datetime64[ns]"})
        return empty, pd.DataFrame(columns=["patient_id", "order", "visit_date"])
    groups, cols = _visit_rows(rows)
    dates = cols["visit_date"]
    new_day = np.r_[True, dates[1:] != dates[:-1]]
    new_day[groups.starts] = True
    both = ~np.isnan(cols["days_done"]) & ~np.isnan(cols["days_prescribed"])
    asked = np.array([r is not None for r in cols["red_flags"]])
    flags_at = groups.last_where(asked)
    summary = {
        "therapist": cols["therapist"][groups.ends],
        "first_visit": dates[groups.starts].astype("datetime64[ns]"),
        "last_visit": dates[groups.ends].astype("datetime64[ns]"),
        "visits": groups.ends - groups.starts + 1,
        "visit_days": groups.total(new_day.astype("int64")),
        **_score(groups, cols["pain"], "pain"),
        **_score(groups, cols["odi"], "odi"),
        "days_done": groups.total(np.where(both, cols["days_done"], 0.0)),
        "days_prescribed": groups.total(np.where(both, cols["days_prescribed"], 0.0)),
        "red_flags": [json.loads(cols["red_flags"][i]) if i >= 0 else None for i in flags_at],
    }
    frame = pd.DataFrame(summary, index=pd.Index(groups.ids, name="patient_id"))
    order = np.arange(groups.n) - np.repeat(groups.starts, groups.ends - groups.starts + 1)
    where = pd.DataFrame(
        {"patient_id": cols["patient_id"], "order": order, "visit_date": dates},
        index=cols["visit_id"],
    )
    return frame, where


def _chunks(values: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _CHUNK):
        yield list(values[start : start + _CHUNK])


def _readings_of(conn: Connection, visit_ids: Sequence[str]) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for ids in _chunks(visit_ids):
        query = (
            sa.select(_m.c.visit_id, _m.c.motion, _m.c.side, _m.c.degrees, _m.c.position)
            .select_from(
                _v.join(
                    _m, (_m.c.visit_id == _v.c.visit_id) & (_m.c.version == _v.c.current_version)
                )
            )
            .where(_v.c.visit_id.in_(ids))
        )
        rows.extend(_raw(conn, query))
    return rows


def _readings(conn: Connection, where: pd.DataFrame) -> pd.DataFrame:
    """Readings at each patient's first and last visit, or all of them when those lack some."""
    columns = ["visit_id", "motion", "side", "degrees", "position"]
    if where.empty:
        return pd.DataFrame(columns=[*columns, "patient_id", "order", "visit_date"])
    by_patient = where.reset_index(names="visit_id").groupby("patient_id", sort=False)["visit_id"]
    first, last = by_patient.first(), by_patient.last()
    ends = pd.unique(np.concatenate([first.to_numpy(), last.to_numpy()]))
    frame = pd.DataFrame(_readings_of(conn, list(ends)), columns=columns)
    complete = frame.groupby("visit_id").size() == len(MOTIONS) * len(SIDES)

    def complete_at(ends: pd.Series) -> pd.Series:
        # a visit with no readings is missing from ``complete``: not complete
        return ends.map(lambda visit_id: bool(complete.get(visit_id, False)))

    whole = complete_at(first) & complete_at(last)
    partial = set(whole.index[~whole.to_numpy()])
    if partial:
        others = where.index[where["patient_id"].isin(partial) & ~where.index.isin(ends)]
        extra = pd.DataFrame(_readings_of(conn, list(others)), columns=columns)
        frame = pd.concat([frame, extra], ignore_index=True)
    frame["degrees"] = frame["degrees"].astype("float64")
    located = where.reindex(frame["visit_id"])
    for column in ("patient_id", "order", "visit_date"):
        frame[column] = located[column].to_numpy()
    return frame


def read_caseload_data(conn: Connection) -> CaseloadData:
    """The active patients, their visits and readings, inside one read transaction."""
    patients = _patients(conn)
    summary, where = _visit_summary(_raw(conn, _VISIT_QUERY))
    return CaseloadData(patients, summary, _readings(conn, where))

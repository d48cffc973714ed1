"""What the caseload reads from the store, for every active patient at once.

Three reads, none per patient: the active patients with their latest profile, every current (not
void) visit version of theirs (the columns the review needs, not the notes or routines), and the
range of motion at each patient's first and last visit. Patients whose first or last visit lacks
a reading (so that an earlier or later visit could hold a motion's baseline or latest value) get
all their readings instead, so the result equals reading each patient whole, in a fraction of
the time (the trick of :mod:`~workbook.records.summary`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..clinical.measures import MOTIONS, SIDES
from .schema import measurements_t, patients_t, profiles_t, visit_versions_t, visits_t

__all__ = ["CaseloadData", "read_caseload_data"]

#: Visit ids bound per query (well under SQLite's and PostgreSQL's parameter limits).
_CHUNK = 5_000

_v, _vv, _m, _p = visits_t, visit_versions_t, measurements_t, patients_t


class CaseloadData:
    """The frames the caseload is computed from (plain pandas, types as the store's)."""

    def __init__(self, patients: pd.DataFrame, visits: pd.DataFrame, readings: pd.DataFrame):
        #: patient_id, name, age, sex, profile_red_flags (tuple)
        self.patients = patients
        #: patient_id, visit_id, visit_date, created_at, pain_nprs, odi_index, therapist,
        #: red_flags (JSON text or None), days_done, days_prescribed; in the store's order
        self.visits = visits
        #: patient_id, visit_id, visit_date, motion, side, degrees, position
        self.readings = readings


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
    for patient_id, name, text in conn.execute(query):
        profile = decoded.get(text) or decoded.setdefault(text, json.loads(text))
        flags = tuple(profile.get("red_flags") or ())
        rows.append((patient_id, name, profile.get("age"), profile.get("sex"), flags))
    columns = ["patient_id", "name", "age", "sex", "profile_red_flags"]
    return pd.DataFrame(rows, columns=columns)


def _visits(conn: Connection) -> pd.DataFrame:
    query = (
        sa.select(
            _v.c.patient_id,
            _v.c.visit_id,
            _v.c.visit_date,
            _v.c.created_at,
            _v.c.current_version,
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
    )
    columns = list(query.selected_columns.keys())
    frame = pd.DataFrame([tuple(r) for r in conn.execute(query)], columns=columns)
    for column in ("pain_nprs", "odi_index", "days_done", "days_prescribed"):
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    frame["visit_date"] = pd.to_datetime(frame["visit_date"], format="%Y-%m-%d")
    # The store's order for one patient's visits: date, time of writing, id.
    return frame.sort_values(["patient_id", "visit_date", "created_at", "visit_id"]).reset_index(
        drop=True
    )


def _chunks(values: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _CHUNK):
        yield list(values[start : start + _CHUNK])


def _readings_of(conn: Connection, visit_ids: Sequence[str]) -> list[tuple[Any, ...]]:
    query = (
        sa.select(_m.c.visit_id, _m.c.motion, _m.c.side, _m.c.degrees, _m.c.position)
        .select_from(
            _v.join(_m, (_m.c.visit_id == _v.c.visit_id) & (_m.c.version == _v.c.current_version))
        )
        .where(_v.c.visit_id.in_(sa.bindparam("ids", expanding=True)))
    )
    rows: list[tuple[Any, ...]] = []
    for ids in _chunks(visit_ids):
        rows.extend(tuple(r) for r in conn.execute(query, {"ids": ids}))
    return rows


def _readings(conn: Connection, visits: pd.DataFrame) -> pd.DataFrame:
    """Readings at each patient's first and last visit, or all of them when those lack some."""
    columns = ["visit_id", "motion", "side", "degrees", "position"]
    if visits.empty:
        return pd.DataFrame(columns=[*columns, "patient_id", "visit_date"])
    # Measurements are ordered by date then visit id (clinical.outcomes.per_visit).
    order = visits.sort_values(["patient_id", "visit_date", "visit_id"])
    by_patient = order.groupby("patient_id", sort=False)["visit_id"]
    ends = pd.unique(pd.concat([by_patient.first(), by_patient.last()]).to_numpy())
    frame = pd.DataFrame(_readings_of(conn, list(ends)), columns=columns)
    complete = frame.groupby("visit_id").size() == len(MOTIONS) * len(SIDES)
    ends_complete = by_patient.first().map(complete).fillna(False).astype(
        bool
    ) & by_patient.last().map(complete).fillna(False).astype(bool)
    partial = ends_complete.index[~ends_complete.to_numpy()]
    if len(partial):
        others = order.loc[order["patient_id"].isin(partial), "visit_id"]
        others = others[~others.isin(ends)]
        extra = pd.DataFrame(_readings_of(conn, list(others)), columns=columns)
        frame = pd.concat([frame, extra], ignore_index=True)
    frame["degrees"] = frame["degrees"].astype("float64")
    where = visits.set_index("visit_id")
    frame["patient_id"] = frame["visit_id"].map(where["patient_id"])
    frame["visit_date"] = frame["visit_id"].map(where["visit_date"])
    return frame


def read_caseload_data(conn: Connection) -> CaseloadData:
    """The active patients, their visits and readings, inside one read transaction."""
    patients = _patients(conn)
    visits = _visits(conn)
    return CaseloadData(patients, visits, _readings(conn, visits))

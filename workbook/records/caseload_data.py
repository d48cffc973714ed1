"""What the caseload reads from the store, for every active patient at once.

Three reads, none per patient and none over the visits: the active patients with their latest
profile, their rows of ``patient_summary`` (first and last visit, scores, adherence, the latest
red flags) and of ``motion_summary`` (first and latest degrees per motion and side, the
left-right gap): about 10,000 and 120,000 small rows for a clinic of 10,000 patients, kept
up to date with every visit by :mod:`~workbook.records.patient_summary`.

Rows are fetched through the driver's own cursor: at 120,000 rows, SQLAlchemy's row objects
would cost more than the query.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .patient_summary import MOTION_SUMMARY_COLUMNS, PATIENT_SUMMARY_COLUMNS
from .schema import motion_summary_t, patient_summary_t, patients_t, profiles_t

__all__ = ["CaseloadData", "read_caseload_data"]

_p = patients_t


@dataclass
class CaseloadData:
    """The frames the caseload is computed from."""

    #: patient_id, name, age, sex, profile_red_flags (tuple)
    patients: pd.DataFrame
    #: per patient (index patient_id): therapist (last visit's), first_visit, last_visit,
    #: visits, visit_days, pain_first/last/prev/n, odi_first/last/prev/n, days_done,
    #: days_prescribed (sums where both recorded), red_flags (latest asked, list or None)
    visits: pd.DataFrame
    #: patient_id, motion, side, first, last (degrees), n (visits that measured it),
    #: last_date, position (of the latest reading), gap (left minus right at the latest visit
    #: that measured both sides, NaN if none)
    motions: pd.DataFrame


def _raw(conn: Connection, query: sa.Select[Any]) -> list[tuple[Any, ...]]:
    """All rows of a query, as plain tuples from the driver (parameters bound, not written in:
    a therapist's name may hold quotes or a percent sign)."""
    compiled = query.compile(dialect=conn.dialect)
    params: Any = compiled.params
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup or ())
    cursor = conn.connection.cursor()
    try:
        cursor.execute(str(compiled), params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _chosen(therapist: str | None) -> sa.ColumnElement[bool]:
    """Active patients; with a therapist, only those whose latest visit was with them."""
    active = _p.c.discharged_on.is_(None)
    if therapist is None:
        return active
    theirs = sa.select(patient_summary_t.c.patient_id).where(
        patient_summary_t.c.therapist == therapist
    )
    return active & _p.c.patient_id.in_(theirs)


def _patients(conn: Connection, chosen: sa.ColumnElement[bool]) -> pd.DataFrame:
    latest = (
        sa.select(_p.c.patient_id, sa.func.max(profiles_t.c.version).label("version"))
        .select_from(_p.join(profiles_t, profiles_t.c.patient_id == _p.c.patient_id))
        .where(chosen)
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


_PATIENT_COLUMNS = [c for c in PATIENT_SUMMARY_COLUMNS if c != "patient_id"]
_ps, _ms = patient_summary_t, motion_summary_t


def _visit_summary(conn: Connection, chosen: sa.ColumnElement[bool]) -> pd.DataFrame:
    """Per active patient with a visit (index patient_id): the ``patient_summary`` columns."""
    query = (
        sa.select(_ps).select_from(_ps.join(_p, _p.c.patient_id == _ps.c.patient_id)).where(chosen)
    )
    rows = _raw(conn, query)
    frame = pd.DataFrame(rows, columns=list(PATIENT_SUMMARY_COLUMNS)).set_index("patient_id")
    for column in _PATIENT_COLUMNS:
        if column == "red_flags":
            frame[column] = [json.loads(t) if isinstance(t, str) else None for t in frame[column]]
        elif column in ("first_visit", "last_visit"):
            frame[column] = pd.to_datetime(frame[column], format="ISO8601").astype("datetime64[ns]")
        elif column != "therapist":
            frame[column] = frame[column].astype("float64")
    return frame


def _motions(conn: Connection, chosen: sa.ColumnElement[bool]) -> pd.DataFrame:
    """Per active patient, motion and side measured: the ``motion_summary`` columns."""
    query = (
        sa.select(_ms).select_from(_ms.join(_p, _p.c.patient_id == _ms.c.patient_id)).where(chosen)
    )
    frame = pd.DataFrame(_raw(conn, query), columns=list(MOTION_SUMMARY_COLUMNS))
    frame = frame.rename(
        columns={
            "first_degrees": "first",
            "last_degrees": "last",
            "last_position": "position",
            "gap_degrees": "gap",
        }
    )
    for column in ("first", "last", "n", "gap"):
        frame[column] = frame[column].astype("float64")
    frame["last_date"] = pd.to_datetime(frame["last_date"], format="ISO8601").astype(
        "datetime64[ns]"
    )
    return frame


def read_caseload_data(conn: Connection, therapist: str | None = None) -> CaseloadData:
    """The active patients and their summaries, inside one read transaction.

    With ``therapist``, only the patients whose latest visit was with them: one therapist's
    caseload reads their share of the clinic, not all of it.
    """
    chosen = _chosen(therapist)
    return CaseloadData(
        _patients(conn, chosen), _visit_summary(conn, chosen), _motions(conn, chosen)
    )

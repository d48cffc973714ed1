"""Visits read back as DataFrames: the latest versions, the measurements, one visit's history.

Each function runs inside a read transaction the :class:`~workbook.records.store.Store` opens
and returns columns with units in their names and pandas types (datetime64 dates, float
degrees, NaN where a pain rating was not taken).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..errors import WorkbookError
from .patients import patient_row
from .schema import from_json, measurements_t, visit_versions_t, visits_t
from .visit_answers import ANSWER_FIELDS, decode_answers

__all__ = ["VISIT_COLUMNS", "measurements_frame", "visit_history_frame", "visits_frame"]

#: The columns of ``Store.visits``.
VISIT_COLUMNS = (
    "visit_id",
    "patient_id",
    "visit_date",
    "pain_nprs",
    "odi_index",
    "odi_sections",
    "therapist",
    "notes",
    "routine",
    *ANSWER_FIELDS,
    "version",
    "amended",
)

_MEASUREMENT_COLUMNS = [
    "visit_id",
    "visit_date",
    "motion",
    "side",
    "degrees",
    "instrument",
    "position",
]

_vv = visit_versions_t
_m = measurements_t

# What a visit version holds, as read for the current visits and for a visit's history alike.
_VERSION_FIELDS = (
    _vv.c.visit_date,
    _vv.c.pain_nprs,
    _vv.c.odi_index,
    _vv.c.odi_sections,
    _vv.c.therapist,
    _vv.c.notes,
    _vv.c.routine,
    *[_vv.c[name] for name in ANSWER_FIELDS],
    _vv.c.version,
)

_CURRENT_VISITS = (
    sa.select(
        visits_t.c.visit_id,
        visits_t.c.patient_id,
        *_VERSION_FIELDS,
    )
    .select_from(
        visits_t.join(
            _vv,
            (_vv.c.visit_id == visits_t.c.visit_id) & (_vv.c.version == visits_t.c.current_version),
        )
    )
    .where((visits_t.c.patient_id == sa.bindparam("patient_id")) & (visits_t.c.voided == 0))
    .order_by(visits_t.c.visit_date, visits_t.c.created_at, visits_t.c.visit_id)
)

_CURRENT_MEASUREMENTS = (
    sa.select(
        _m.c.visit_id,
        visits_t.c.visit_date,
        _m.c.motion,
        _m.c.side,
        _m.c.degrees,
        _m.c.instrument,
        _m.c.position,
    )
    .select_from(
        visits_t.join(
            _m,
            (_m.c.visit_id == visits_t.c.visit_id) & (_m.c.version == visits_t.c.current_version),
        )
    )
    .where((visits_t.c.patient_id == sa.bindparam("patient_id")) & (visits_t.c.voided == 0))
    .order_by(visits_t.c.visit_date, visits_t.c.created_at, _m.c.visit_id, _m.c.motion, _m.c.side)
)


def visits_frame(conn: Connection, patient_id: object) -> pd.DataFrame:
    """A patient's visits, latest versions, sorted by date (:data:`VISIT_COLUMNS`)."""
    patient_row(conn, patient_id)
    return _visit_frame(conn.execute(_CURRENT_VISITS, {"patient_id": patient_id}).all())


def _visit_frame(rows: Sequence[Any]) -> pd.DataFrame:
    columns = list(VISIT_COLUMNS[:-1])
    # pandas 3 would read None in a text column as NaN: decode the JSON columns first.
    sections = columns.index("odi_sections")
    routine = columns.index("routine")
    decoded = [
        (
            *r[:sections],
            None if r[sections] is None else tuple(json.loads(r[sections])),
            *r[sections + 1 : routine],
            from_json(r[routine]),
            *r[routine + 1 :],
        )
        for r in (tuple(row) for row in rows)
    ]
    frame = pd.DataFrame(decoded, columns=columns, dtype=object)
    frame["visit_id"] = frame["visit_id"].astype(str)
    frame["patient_id"] = frame["patient_id"].astype(str)
    frame["visit_date"] = pd.to_datetime(frame["visit_date"], format="%Y-%m-%d")
    frame["pain_nprs"] = pd.to_numeric(frame["pain_nprs"]).astype("float64")
    frame["odi_index"] = pd.to_numeric(frame["odi_index"]).astype("float64")
    frame["therapist"] = frame["therapist"].astype(str)
    frame["notes"] = frame["notes"].astype(str)
    frame["version"] = frame["version"].astype("int64")
    frame["amended"] = frame["version"] > 1
    return decode_answers(frame)


def measurements_frame(conn: Connection, patient_id: object) -> pd.DataFrame:
    """A patient's range of motion, one row per measurement, latest visit versions."""
    patient_row(conn, patient_id)
    rows = conn.execute(_CURRENT_MEASUREMENTS, {"patient_id": patient_id}).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=_MEASUREMENT_COLUMNS)
    frame["visit_date"] = pd.to_datetime(frame["visit_date"], format="%Y-%m-%d")
    frame["degrees"] = frame["degrees"].astype("float64")
    return frame


def _history_rows(conn: Connection, visit_id: object) -> tuple[list[Any], list[Any]]:
    """Every version of a visit and every reading of each version."""
    head = None
    if isinstance(visit_id, str):
        head = conn.execute(sa.select(visits_t).where(visits_t.c.visit_id == visit_id)).first()
    if head is None:
        raise WorkbookError("visit_id", visit_id, "the id of a visit in this store")
    versions = conn.execute(
        sa.select(
            _vv.c.visit_id,
            sa.literal(head.patient_id).label("patient_id"),
            *_VERSION_FIELDS,
            _vv.c.changed_at,
            _vv.c.changed_by,
            _vv.c.reason,
            _vv.c.voided,
        )
        .where(_vv.c.visit_id == visit_id)
        .order_by(_vv.c.version)
    ).all()
    readings = conn.execute(
        sa.select(_m.c.version, _m.c.motion, _m.c.side, _m.c.degrees)
        .where(_m.c.visit_id == visit_id)
        .order_by(_m.c.version, _m.c.motion, _m.c.side)
    ).all()
    return list(versions), list(readings)


def visit_history_frame(conn: Connection, visit_id: object) -> pd.DataFrame:
    """Every version of a visit, oldest first (the columns of ``Store.visit_history``)."""
    versions, readings = _history_rows(conn, visit_id)
    frame = _visit_frame([tuple(r)[: len(VISIT_COLUMNS) - 1] for r in versions])
    frame["changed_at"] = pd.to_datetime(
        [r.changed_at for r in versions], utc=True, format="ISO8601"
    )
    frame["changed_by"] = [r.changed_by for r in versions]
    frame["reason"] = [r.reason for r in versions]
    frame["voided"] = [bool(r.voided) for r in versions]
    rom: dict[int, dict[tuple[str, str], float]] = {int(v): {} for v in frame["version"]}
    for version, motion, side, degrees in readings:
        rom[int(version)][(motion, side)] = float(degrees)
    frame["rom"] = pd.Series([rom[int(v)] for v in frame["version"]], dtype=object)
    fields = (
        *("visit_date", "pain_nprs", "odi_sections", "therapist", "notes", "routine"),
        *(*ANSWER_FIELDS, "voided", "rom"),
    )
    changed: list[tuple[str, ...]] = [()]
    for i in range(1, len(frame)):
        before, after = frame.iloc[i - 1], frame.iloc[i]
        changed.append(tuple(f for f in fields if not _same(before[f], after[f])))
    frame["changed"] = pd.Series(changed[: len(frame)], dtype=object)
    return frame


def _same(a: object, b: object) -> bool:
    """Equal, counting two NaNs (two unrecorded pain ratings) as the same."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)

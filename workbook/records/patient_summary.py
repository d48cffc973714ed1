"""Per-patient summaries: what the caseload and the clinic summary read instead of every visit.

Two derived tables (schema version 3): ``patient_summary`` (one row per patient with a current,
not void visit: first and last visit, the latest therapist, first, latest and previous pain and
ODI, adherence sums, the latest red flags) and ``motion_summary`` (one row per patient, motion
and side measured: first and latest degrees, how many visits measured it, the latest date and
test position, the left-right gap at the latest visit that measured both sides).

They are a pure function of a patient's current visits, so they are never patched: every
change to a patient's visits (logging, correcting, voiding, erasing) recomputes that patient's
rows from the visits, in the same transaction, with :func:`refresh_patients`; a bulk import and
the migration from version 2 rebuild them all (:func:`rebuild_summaries`), and
:func:`summary_problems` recomputes them to compare (``Store.check_summaries``).

Visits count in the store's order: date, time of writing, id (a same-day second visit is later).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..clinical.measures import MOTIONS, SIDES
from .schema import (
    measurements_t,
    motion_summary_t,
    patient_summary_t,
    patients_t,
    visit_versions_t,
    visits_t,
)

__all__ = [
    "MOTION_SUMMARY_COLUMNS",
    "PATIENT_SUMMARY_COLUMNS",
    "rebuild_summaries",
    "refresh_patients",
    "summarise_patient",
    "summary_problems",
]

#: The columns of ``patient_summary``, in the order :func:`summarise_patient` returns them.
PATIENT_SUMMARY_COLUMNS: tuple[str, ...] = tuple(c.name for c in patient_summary_t.columns)
#: The columns of ``motion_summary``, in the order :func:`summarise_patient` returns them.
MOTION_SUMMARY_COLUMNS: tuple[str, ...] = tuple(c.name for c in motion_summary_t.columns)

#: Patients recomputed per query when rebuilding (bounds memory: ~360 readings each).
_CHUNK = 1_000

_v, _vv, _m = visits_t, visit_versions_t, measurements_t
_CURRENT = (_vv.c.visit_id == _v.c.visit_id) & (_vv.c.version == _v.c.current_version)

_NOT_VOID = _v.c.voided == sa.literal_column("0")  # no parameter: compiled once
_QUERIES = {
    "visits": sa.select(
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
    .select_from(_v.join(_vv, _CURRENT))
    .where(_NOT_VOID)
    .order_by(_v.c.patient_id, _v.c.visit_date, _v.c.created_at, _v.c.visit_id),
    "readings": sa.select(_v.c.visit_id, _m.c.motion, _m.c.side, _m.c.degrees, _m.c.position)
    .select_from(
        _v.join(_m, (_m.c.visit_id == _v.c.visit_id) & (_m.c.version == _v.c.current_version))
    )
    .where(_NOT_VOID),
}
#: (query, database) -> the one-patient statement compiled, and whether its parameters are
#: positional.
_COMPILED: dict[tuple[str, str], tuple[str, bool]] = {}
#: (table, database) -> its INSERT compiled, and the column order of positional parameters.
_INSERTS: dict[tuple[str, str], tuple[str, list[int] | None]] = {}


def _fetch(conn: Connection, name: str, patient_ids: Sequence[str]) -> list[Any]:
    """The rows of ``_QUERIES[name]`` for these patients, as the driver's own tuples.

    Through the driver's cursor: SQLAlchemy's row objects would cost more than the query (a
    visit's refresh reads ~400 rows, a rebuild every reading). One patient is a bound parameter
    (compiled once per database); many are written into the statement.
    """
    query = _QUERIES[name]
    params: Any = None
    if len(patient_ids) == 1:
        key = (name, conn.dialect.name)
        if key not in _COMPILED:
            one = query.where(_v.c.patient_id == sa.bindparam("pid"))
            compiled = one.compile(dialect=conn.dialect)
            _COMPILED[key] = (str(compiled), bool(compiled.positional))
        sql, positional = _COMPILED[key]
        params = (patient_ids[0],) if positional else {"pid": patient_ids[0]}
    else:
        many = query.where(_v.c.patient_id.in_(list(patient_ids)))
        sql = str(many.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, params) if params is not None else cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


_MOTION_ORDER = {(m, s): i for i, (m, s) in enumerate((m, s) for m in MOTIONS for s in SIDES)}


def _score(values: Sequence[float | None]) -> tuple[Any, Any, Any, int]:
    """First, latest and previous rated value, and how many were rated."""
    rated = [v for v in values if v is not None]
    if not rated:
        return None, None, None, 0
    return rated[0], rated[-1], rated[-2] if len(rated) >= 2 else None, len(rated)


def summarise_patient(
    patient_id: str, visits: Sequence[Sequence[Any]], readings: Iterable[Sequence[Any]]
) -> tuple[tuple[Any, ...] | None, list[tuple[Any, ...]]]:
    """One patient's ``patient_summary`` row (None without visits) and ``motion_summary`` rows.

    ``visits``: the current, not void visits in order, each (visit_id, visit_date, pain,
    odi_index, therapist, red_flags, days_done, days_prescribed); ``readings``: their current
    readings in any order, each (visit_id, motion, side, degrees, position).

    >>> visits = [("v1", "2024-01-02", 6, None, "Kim", None, 3, 7),
    ...           ("v2", "2024-01-09", 4, None, "Jo", "[]", None, 7)]
    >>> row, motions = summarise_patient("p1", visits, [
    ...     ("v2", "hip_flexion", "left", 95.0, "supine"),
    ...     ("v1", "hip_flexion", "left", 80.0, "supine"),
    ...     ("v2", "hip_flexion", "right", 100.0, "supine")])
    >>> row[1:6], row[6:9], row[14:]
    (('Jo', '2024-01-02', '2024-01-09', 2, 2), (6, 4, 6), (3, 7, '[]'))
    >>> motions[0][1:]
    ('hip_flexion', 'left', 80.0, 95.0, 2, '2024-01-09', 'supine', -5.0)
    """
    if not visits:
        return None, []
    place = {v[0]: i for i, v in enumerate(visits)}
    by_visit: list[dict[tuple[str, str], tuple[float, str]]] = [{} for _ in visits]
    for visit_id, motion, side, degrees, position in readings:
        by_visit[place[visit_id]][(motion, side)] = (float(degrees), position)
    both = [v for v in visits if v[6] is not None and v[7] is not None]
    flags = [v[5] for v in visits if v[5] is not None]
    pain, odi = _score([v[2] for v in visits]), _score([v[3] for v in visits])
    row = (
        *(patient_id, visits[-1][4], visits[0][1], visits[-1][1]),
        *(len(visits), len({v[1] for v in visits})),
        *pain[:3],
        *odi[:3],
        *(pain[3], odi[3]),
        *(sum(v[6] for v in both), sum(v[7] for v in both)),
        flags[-1] if flags else None,
    )
    return row, _motion_rows(patient_id, visits, by_visit)


def _motion_rows(
    patient_id: str,
    visits: Sequence[Sequence[Any]],
    by_visit: list[dict[tuple[str, str], tuple[float, str]]],
) -> list[tuple[Any, ...]]:
    first: dict[tuple[str, str], float] = {}
    last: dict[tuple[str, str], tuple[float, str, str]] = {}
    count: dict[tuple[str, str], int] = {}
    gap: dict[str, float] = {}
    for visit, readings in zip(visits, by_visit, strict=True):
        for key, (degrees, position) in readings.items():
            first.setdefault(key, degrees)
            last[key] = (degrees, visit[1], position)
            count[key] = count.get(key, 0) + 1
            left, right = readings.get((key[0], "left")), readings.get((key[0], "right"))
            if left is not None and right is not None:
                gap[key[0]] = left[0] - right[0]
    keys = sorted(first, key=lambda k: (_MOTION_ORDER.get(k, len(_MOTION_ORDER)), k))
    rows = []
    for motion, side in keys:
        key = (motion, side)
        degrees, day, position = last[key]
        between = gap.get(motion)
        rows.append((patient_id, *key, first[key], degrees, count[key], day, position, between))
    return rows


def _summaries(
    conn: Connection, patient_ids: Sequence[str]
) -> Iterator[tuple[tuple[Any, ...] | None, list[tuple[Any, ...]]]]:
    visits: dict[str, list[tuple[Any, ...]]] = {pid: [] for pid in patient_ids}
    for patient_id, *rest in _fetch(conn, "visits", patient_ids):
        visits[patient_id].append(tuple(rest))
    readings: dict[str, list[tuple[Any, ...]]] = {}
    owner = {v[0]: pid for pid, rows in visits.items() for v in rows}
    for row in _fetch(conn, "readings", patient_ids):
        readings.setdefault(owner[row[0]], []).append(row)
    for pid in patient_ids:
        yield summarise_patient(pid, visits[pid], readings.get(pid, ()))


def _computed(
    conn: Connection, patient_ids: Sequence[str]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    patient_rows, motion_rows = [], []
    for start in range(0, len(patient_ids), _CHUNK):
        for row, motions in _summaries(conn, patient_ids[start : start + _CHUNK]):
            if row is not None:
                patient_rows.append(row)
            motion_rows.extend(motions)
    return patient_rows, motion_rows


def _insert(conn: Connection, table: sa.Table, rows: list[tuple[Any, ...]]) -> None:
    """The rows, in the table's column order, through the driver's executemany with plain
    tuples: SQLAlchemy's per-row handling would take most of the time at 120,000 rows."""
    if not rows:
        return
    key = (table.name, conn.dialect.name)
    if key not in _INSERTS:  # compiled once per table and database, as _fetch's statements
        compiled = table.insert().compile(dialect=conn.dialect)
        names = compiled.positiontup if compiled.positional else None
        _INSERTS[key] = (
            str(compiled),
            None if names is None else [table.c.keys().index(name) for name in names],
        )
    sql, order = _INSERTS[key]
    if order is not None:
        params: list[Any] = [tuple(r[i] for i in order) for r in rows]
    else:
        params = [dict(zip(table.c.keys(), r, strict=True)) for r in rows]
    for start in range(0, len(params), 50_000):
        conn.exec_driver_sql(sql, params[start : start + 50_000])


def refresh_patients(conn: Connection, patient_ids: Sequence[str]) -> None:
    """Recompute these patients' summary rows from their visits (inside the caller's writes).

    A patient who has no visit left (or no longer exists) keeps no row.
    """
    ids = sorted(set(patient_ids))
    for table in (patient_summary_t, motion_summary_t):
        conn.execute(table.delete().where(table.c.patient_id.in_(ids)))
    patient_rows, motion_rows = _computed(conn, ids)
    _insert(conn, patient_summary_t, patient_rows)
    _insert(conn, motion_summary_t, motion_rows)


def rebuild_summaries(conn: Connection) -> None:
    """Empty both summary tables and recompute every patient's rows (import, migration)."""
    for table in (motion_summary_t, patient_summary_t):
        conn.execute(table.delete())
    ids = list(conn.execute(sa.select(patients_t.c.patient_id).order_by("patient_id")).scalars())
    patient_rows, motion_rows = _computed(conn, ids)
    _insert(conn, patient_summary_t, patient_rows)
    _insert(conn, motion_summary_t, motion_rows)


def _stored(conn: Connection, table: sa.Table) -> set[tuple[Any, ...]]:
    return {_normal(tuple(r)) for r in conn.execute(sa.select(table))}


def _normal(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Numbers as floats, so that an integer pain read back as 4.0 compares equal."""
    return tuple(float(v) if isinstance(v, int | float) else v for v in row)


def summary_problems(conn: Connection) -> list[str]:
    """How the stored summaries differ from a recomputation from the visits (empty: they agree).

    Each problem names the table and the patient, never a value.
    """
    ids = list(conn.execute(sa.select(patients_t.c.patient_id).order_by("patient_id")).scalars())
    patient_rows, motion_rows = _computed(conn, ids)
    problems = []
    for table, rows in ((patient_summary_t, patient_rows), (motion_summary_t, motion_rows)):
        expected = {_normal(r) for r in rows}
        stored = _stored(conn, table)
        for row in sorted(expected ^ stored, key=lambda r: tuple(map(str, r))):
            what = "missing or stale" if row in expected else "not what the visits give"
            problems.append(f"{table.name}: a row of patient {row[0]} is {what}")
    return problems

"""Visits in the store: recording one, correcting it as a new version, reading them back.

Each field is checked once, by the rule in :mod:`workbook.clinical.measures`, before any
transaction begins (:func:`check_visit_fields`); the other functions run inside the transaction
the :class:`~workbook.records.store.Store` opens.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..clinical import measures
from ..clinical.routine_schema import check_routine
from ..errors import WorkbookError, one_of
from .audit import record_event
from .patient_summary import refresh_patients
from .patients import patient_row
from .schema import measurements_t, to_json, visit_versions_t, visits_t
from .visit_answers import ANSWER_FIELDS, check_answers

__all__ = [
    "AMENDABLE",
    "Reading",
    "amend_visit",
    "check_changes",
    "check_current",
    "check_expected_version",
    "check_rom",
    "check_visit_fields",
    "insert_version",
    "insert_visit",
    "visit_on",
    "void_visit",
]

#: The fields a correction may change (the keyword arguments of ``Store.amend_visit``).
AMENDABLE = ("visit_date", "rom", "pain", "odi", "notes", "therapist", "routine", *ANSWER_FIELDS)

#: The columns of a visit version that a correction carries over when not changed.
_VERSION_FIELDS = (
    "visit_date",
    "pain_nprs",
    "odi_sections",
    "odi_index",
    "therapist",
    "notes",
    "routine",
    *ANSWER_FIELDS,
)

_ROM_ALLOWED = (
    "a mapping {(motion, side): degrees} (or a dict with degrees, instrument, position), "
    "or a DataFrame with columns motion, side, degrees and optionally instrument, position"
)


@dataclass(frozen=True)
class Reading:
    """One range-of-motion measurement, checked."""

    motion: str
    side: str
    degrees: float
    instrument: str
    position: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.motion, self.side)


def _reading(motion: object, side: object, value: object) -> Reading:
    motion = measures.check_motion(motion)
    side = measures.check_side(side)
    instrument: object = "goniometer"
    position: object = None
    if isinstance(value, Mapping):
        unknown = sorted(set(map(str, value)) - {"degrees", "instrument", "position"})
        if unknown or "degrees" not in value:
            raise WorkbookError(
                f"rom {motion} {side}",
                dict(value),
                "a dict with degrees and optionally instrument and position",
            )
        instrument = value.get("instrument") or instrument
        position = value.get("position")
        value = value["degrees"]
    return Reading(
        motion,
        side,
        measures.check_degrees(motion, value, side),
        measures.check_instrument(instrument),
        measures.check_position(position or measures.default_position(motion)),
    )


def _rom_items(rom: object) -> list[tuple[object, object, object]]:
    """(motion, side, value) triples from a mapping or a DataFrame, unchecked."""
    if isinstance(rom, pd.DataFrame):
        missing = [c for c in ("motion", "side", "degrees") if c not in rom.columns]
        if missing:
            raise WorkbookError("rom", f"columns {list(rom.columns)}", _ROM_ALLOWED)
        items: list[tuple[object, object, object]] = []
        for row in rom.to_dict("records"):
            extra: dict[str, object] = {
                k: row[k]
                for k in ("instrument", "position")
                if k in row and isinstance(row[k], str) and row[k]
            }
            value = {"degrees": row["degrees"], **extra} if extra else row["degrees"]
            items.append((row["motion"], row["side"], value))
        return items
    if isinstance(rom, Mapping):
        for key in rom:
            if not isinstance(key, tuple) or len(key) != 2:
                raise WorkbookError(
                    "rom key", key, "a (motion, side) pair such as ('hip_flexion', 'left')"
                )
        return [(key[0], key[1], value) for key, value in rom.items()]
    raise WorkbookError("rom", rom, _ROM_ALLOWED)


def check_rom(rom: object) -> list[Reading]:
    """The range of motion of a visit, each reading checked once; None is no readings."""
    if rom is None:
        return []
    readings = [_reading(*item) for item in _rom_items(rom)]
    seen: set[tuple[str, str]] = set()
    for r in readings:
        if r.key in seen:
            raise WorkbookError("rom", r.key, "each motion and side measured once per visit")
        seen.add(r.key)
    return readings


def _check_routine(routine: object) -> str | None:
    checked = check_routine(routine)  # the shape Routine.to_dict() writes, nothing else
    return None if checked is None else to_json(checked)


def check_visit_fields(fields: Mapping[str, Any]) -> tuple[dict[str, Any], list[Reading] | None]:
    """Check each given field of a visit once (keys as in :data:`AMENDABLE`).

    Returns the visit-version column values (visit_date as a ``datetime.date``) and the
    readings (None when ``rom`` was not given).
    """
    values: dict[str, Any] = {}
    if "visit_date" in fields:
        values["visit_date"] = measures.check_visit_date(fields["visit_date"])
    readings = check_rom(fields["rom"]) if "rom" in fields else None
    if "pain" in fields:
        pain = fields["pain"]
        values["pain_nprs"] = None if pain is None else measures.check_pain(pain)
    if "odi" in fields:
        values["odi_sections"], values["odi_index"] = None, None
        if fields["odi"] is not None:
            sections, index = measures.score_odi(fields["odi"])
            values["odi_sections"], values["odi_index"] = to_json(list(sections)), index
    if "routine" in fields:
        values["routine"] = _check_routine(fields["routine"])
    if "therapist" in fields:
        therapist = fields["therapist"]
        values["therapist"] = measures.check_text(
            "therapist", therapist, limit=measures.MAX_NAME_CHARS
        )
    if "notes" in fields:
        values["notes"] = measures.check_text("notes", fields["notes"])
    values |= check_answers(fields)
    return values, readings


def check_changes(changes: Mapping[str, Any]) -> None:
    """A correction names at least one field, each one of :data:`AMENDABLE`."""
    for key in changes:
        if key not in AMENDABLE:
            raise WorkbookError("changes", key, one_of(AMENDABLE))
    if not changes:
        raise WorkbookError("changes", {}, f"at least one of {', '.join(AMENDABLE)}")


# -- writing ----------------------------------------------------------------------------------


def insert_version(
    conn: Connection,
    visit_id: str,
    version: int,
    values: Mapping[str, Any],
    readings: Sequence[Reading],
) -> None:
    """One version of a visit and its readings."""
    conn.execute(visit_versions_t.insert(), {"visit_id": visit_id, "version": version, **values})
    if readings:
        conn.execute(
            measurements_t.insert(),
            [
                {
                    "visit_id": visit_id,
                    "version": version,
                    "motion": r.motion,
                    "side": r.side,
                    "degrees": r.degrees,
                    "instrument": r.instrument,
                    "position": r.position,
                }
                for r in readings
            ],
        )


def insert_visit(
    conn: Connection,
    patient_id: str,
    visit_id: str,
    values: Mapping[str, Any],
    readings: Sequence[Reading],
    at: str,
    *,
    refresh: bool = True,
) -> None:
    """A new visit (version 1) from the values of :func:`check_visit_fields`.

    ``refresh=False`` leaves the patient's summary to the caller, who writes several visits
    and then calls :func:`~workbook.records.patient_summary.refresh_patients` once.
    """
    patient = patient_row(conn, patient_id)
    visit_date = measures.check_visit_after_birth(values["visit_date"], patient.birth_year)
    conn.execute(
        visits_t.insert(),
        {
            "visit_id": visit_id,
            "patient_id": patient_id,
            "current_version": 1,
            "visit_date": visit_date.isoformat(),
            "created_at": at,
        },
    )
    version = {
        **values,
        "visit_date": visit_date.isoformat(),
        "changed_at": at,
        "changed_by": values["therapist"],
        "reason": "recorded",
    }
    insert_version(conn, visit_id, 1, version, readings)
    if refresh:
        refresh_patients(conn, [patient_id])


def _current_version(conn: Connection, visit_id: object) -> tuple[sa.Row[Any], sa.Row[Any]]:
    """The visit's current version and its patient, the visit row locked for the update."""
    row = None
    if isinstance(visit_id, str):
        row = conn.execute(
            sa.select(visits_t).where(visits_t.c.visit_id == visit_id).with_for_update()
        ).first()
    if row is None:
        raise WorkbookError("visit_id", visit_id, "the id of a visit in this store")
    patient = patient_row(conn, row.patient_id)
    current = conn.execute(
        sa.select(visit_versions_t).where(
            (visit_versions_t.c.visit_id == visit_id)
            & (visit_versions_t.c.version == row.current_version)
        )
    ).one()
    return current, patient


def _readings_of(conn: Connection, visit_id: str, version: int) -> list[Reading]:
    m = measurements_t
    rows = conn.execute(
        sa.select(m.c.motion, m.c.side, m.c.degrees, m.c.instrument, m.c.position).where(
            (m.c.visit_id == visit_id) & (m.c.version == version)
        )
    ).all()
    return [Reading(*r) for r in rows]


def amend_visit(
    conn: Connection,
    visit_id: str,
    new: dict[str, Any],
    readings: list[Reading] | None,
    *,
    requested: Sequence[str],
    by: str,
    reason: str,
    at: str,
    expected_version: int | None = None,
) -> int:
    """Write the next version of a visit: ``new`` values over the current ones.

    ``requested`` names the fields the caller passed, for the error when nothing differs.
    Returns the new version number.
    """
    current, patient = _current_version(conn, visit_id)
    check_current(current, expected_version)
    if "visit_date" in new:
        day = measures.check_visit_after_birth(new["visit_date"], patient.birth_year)
        new = {**new, "visit_date": day.isoformat()}
    old_readings = _readings_of(conn, visit_id, current.version)
    values = {c: getattr(current, c) for c in _VERSION_FIELDS}
    changed = [k for k, v in new.items() if values[k] != v]
    values.update(new)
    key = operator.attrgetter("motion", "side")
    if readings is not None and sorted(readings, key=key) != sorted(old_readings, key=key):
        changed.append("rom")
    if not changed:
        raise WorkbookError(
            "changes",
            sorted(requested),
            f"at least one value that differs from the current version ({current.version})",
        )
    version = current.version + 1
    values.update(changed_at=at, changed_by=by, reason=reason)
    insert_version(conn, visit_id, version, values, old_readings if readings is None else readings)
    conn.execute(
        visits_t.update()
        .where(visits_t.c.visit_id == visit_id)
        .values(current_version=version, visit_date=values["visit_date"])
    )
    refresh_patients(conn, [patient.patient_id])
    record_event(
        conn,
        "amend_visit",
        patient_id=patient.patient_id,
        visit_id=visit_id,
        actor=by,
        reason=reason,
        detail={"version": version, "changed": sorted(set(changed))},
    )
    return version


# -- concurrency and voiding (schema version 2) -----------------------------------------------


def check_expected_version(expected_version: object) -> int | None:
    """None (no check) or a whole version number, 1 or more."""
    if expected_version is None:
        return None
    if isinstance(expected_version, bool) or not isinstance(expected_version, int):
        raise WorkbookError("expected_version", expected_version, "a version number (1 or more)")
    if expected_version < 1:
        raise WorkbookError("expected_version", expected_version, "a version number (1 or more)")
    return expected_version


def check_current(current: sa.Row[Any], expected_version: int | None) -> None:
    """Refuse to change a voided visit, or one no longer at ``expected_version``.

    Optimistic concurrency: two therapists correcting the same visit each pass the version
    they read; the second is told who changed it and when, and reloads (nothing is lost).
    """
    if expected_version is not None and current.version != expected_version:
        who = current.changed_by or "someone"
        raise WorkbookError(
            "visit version",
            expected_version,
            f"the current version: this visit was changed by {who} at {current.changed_at}: "
            f"it is now at version {current.version}; reload it",
        )
    if current.voided:
        raise WorkbookError(
            "visit_id",
            current.visit_id,
            f"a visit that is not void (voided at version {current.version}: {current.reason})",
        )


def void_visit(
    conn: Connection,
    visit_id: str,
    *,
    by: str,
    reason: str,
    at: str,
    expected_version: int | None = None,
) -> int:
    """Write a new version marking the visit void: kept in its history, out of every reading."""
    current, patient = _current_version(conn, visit_id)
    check_current(current, expected_version)
    values = {c: getattr(current, c) for c in _VERSION_FIELDS}
    version = current.version + 1
    values.update(changed_at=at, changed_by=by, reason=reason, voided=1)
    insert_version(conn, visit_id, version, values, _readings_of(conn, visit_id, current.version))
    conn.execute(
        visits_t.update()
        .where(visits_t.c.visit_id == visit_id)
        .values(current_version=version, voided=1)
    )
    refresh_patients(conn, [patient.patient_id])
    record_event(
        conn,
        "void_visit",
        patient_id=patient.patient_id,
        visit_id=visit_id,
        actor=by,
        reason=reason,
        detail={"version": version},
    )
    return version


def visit_on(conn: Connection, patient_id: str, day: str) -> str | None:
    """The first (non-void) visit of the patient saved on ``day`` (ISO date), or None."""
    patient_row(conn, patient_id)
    found = conn.execute(
        sa.select(visits_t.c.visit_id)
        .where(
            (visits_t.c.patient_id == patient_id)
            & (visits_t.c.visit_date == day)
            & (visits_t.c.voided == 0)
        )
        .order_by(visits_t.c.created_at, visits_t.c.visit_id)
        .limit(1)
    ).scalar()
    return None if found is None else str(found)

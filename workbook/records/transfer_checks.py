"""The CSV import's value-by-value checks: what a column-wide bound cannot judge.

Names, texts, JSON details, profiles, routines, ODI sections and time stamps go through the same
field rules as ``Store.add_patient`` and ``Store.log_visit`` (``workbook.clinical.measures``,
``workbook.clinical.routine_schema``), so a file the API would refuse is refused here too, and
after any import that succeeds every read of the store works. The first bad cell is named with
its file and row. Values the rules clean (text to NFC, names trimmed) are kept cleaned.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable

import pandas as pd

from ..clinical import measures
from ..clinical.profile import PatientProfile
from ..clinical.routine_schema import check_routine
from ..errors import WorkbookError
from .schema import to_json

__all__ = ["check_values"]

#: Columns holding a UTC time stamp written by the store (ISO 8601 text).
_TIMESTAMPS: dict[str, tuple[str, ...]] = {
    "patients": ("created_at",),
    "profiles": ("changed_at",),
    "visits": ("created_at",),
    "visit_versions": ("changed_at",),
    "audit_log": ("at",),
}
#: Free-text columns (at most MAX_TEXT_CHARS) and short name-like ones.
_TEXTS: dict[str, tuple[str, ...]] = {
    "profiles": ("changed_by", "reason"),
    "visit_versions": ("therapist", "notes", "changed_by", "reason"),
    "audit_log": ("actor", "reason"),
}


def _json_object(field: str, text: object) -> dict:
    try:
        value = json.loads(str(text))
    except ValueError:
        raise WorkbookError(field, text, "a JSON object") from None
    if not isinstance(value, dict):
        raise WorkbookError(field, text, "a JSON object")
    return value


def _details(text: object) -> str:
    return to_json(measures.check_json_value("details", _json_object("details", text)))


def _profile(text: object) -> str:
    return to_json(PatientProfile.from_dict(_json_object("profile", text)).to_dict())


def _routine(text: object) -> str:
    return to_json(check_routine(_json_object("routine", text)))


def _odi_sections(text: object) -> str:
    try:
        sections = json.loads(str(text))
    except ValueError:
        raise WorkbookError("odi_sections", text, "a JSON list of ten section scores") from None
    return to_json(list(measures.check_odi_sections(sections)))


def _each(frame: pd.DataFrame, table: str, column: str, check: Callable[[object], object]) -> None:
    """Apply ``check`` to every non-empty cell (once per distinct value); name the bad row."""
    done: dict[object, object] = {}
    cleaned: list[object] = []
    for row, value in enumerate(frame[column].tolist()):
        if value is None or (isinstance(value, float) and pd.isna(value)):
            cleaned.append(value)
            continue
        if value not in done:
            try:
                done[value] = check(value)
            except WorkbookError as exc:
                raise WorkbookError(
                    exc.field, exc.value, exc.allowed, where=f"{table}.csv row {row + 2}"
                ) from None
        cleaned.append(done[value])
    frame[column] = pd.Series(cleaned, index=frame.index, dtype=object)


def _timestamps(frame: pd.DataFrame, table: str, column: str) -> None:
    """The whole column at once (every stamp differs: one parse, not one per row)."""
    stamps = pd.to_datetime(frame[column], utc=True, format="ISO8601", errors="coerce")
    bad = stamps.isna().to_numpy().nonzero()[0]
    if len(bad):
        raise WorkbookError(
            column,
            frame[column].iloc[bad[0]],
            "a UTC time stamp such as 2024-03-05T10:00:00+00:00",
            where=f"{table}.csv row {bad[0] + 2}",
        )


def _birth_year(value: object) -> object:
    return measures.check_birth_year(int(value))  # type: ignore[call-overload]


def _odi_index(value: object) -> object:
    if not 0 <= float(value) <= 100:  # type: ignore[arg-type]
        raise WorkbookError("odi_index", value, "a number from 0 to 100, or empty")
    return value


def check_values(frames: dict[str, pd.DataFrame]) -> None:
    """Check (and clean) every value a column bound can't judge, in place; nothing is written."""
    for table, columns in _TIMESTAMPS.items():
        for column in columns:
            _timestamps(frames[table], table, column)
    for table, columns in _TEXTS.items():
        for column in columns:
            _each(frames[table], table, column, functools.partial(measures.check_text, column))
    patients = frames["patients"]
    _each(patients, "patients", "name", measures.check_name)
    _each(patients, "patients", "birth_year", _birth_year)
    _each(patients, "patients", "details", _details)
    _each(frames["profiles"], "profiles", "profile", _profile)
    versions = frames["visit_versions"]
    _each(versions, "visit_versions", "odi_sections", _odi_sections)
    _each(versions, "visit_versions", "odi_index", _odi_index)
    _each(versions, "visit_versions", "routine", _routine)
    _each(frames["audit_log"], "audit_log", "detail", lambda t: to_json(_json_object("detail", t)))

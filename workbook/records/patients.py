"""Patients and their profiles in the store, and the erasure of a patient.

The statements run inside a transaction the :class:`~workbook.records.store.Store` opens; every
value was checked (``workbook.clinical.measures``) before the transaction began.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..clinical.profile import PatientProfile
from ..errors import WorkbookError
from .audit import record_event
from .patient_summary import refresh_patients
from .schema import (
    measurements_t,
    patients_t,
    profiles_t,
    to_json,
    visit_versions_t,
    visits_t,
)

__all__ = [
    "add_profile_version",
    "check_profile",
    "insert_patient",
    "patient_record",
    "patient_row",
    "patients_frame",
    "profile_history_frame",
    "purge_patient",
]


def check_profile(profile: object) -> str:
    """A :class:`PatientProfile` as the JSON the store keeps."""
    if not isinstance(profile, PatientProfile):
        raise WorkbookError("profile", profile, "a PatientProfile")
    return to_json(profile.to_dict())


def patient_row(conn: Connection, patient_id: object) -> sa.Row[Any]:
    """The patient's row, or a :class:`WorkbookError` when the id is not in this store."""
    row = None
    if isinstance(patient_id, str):
        row = conn.execute(
            sa.select(patients_t).where(patients_t.c.patient_id == patient_id)
        ).first()
    if row is None:
        raise WorkbookError("patient_id", patient_id, "the id of a patient in this store")
    return row


def insert_patient(
    conn: Connection, patient_id: str, values: dict[str, Any], profile_json: str, at: str
) -> None:
    """The patient's row (``values``: name, birth_year, details as JSON) and profile version 1."""
    conn.execute(patients_t.insert(), {"patient_id": patient_id, **values, "created_at": at})
    conn.execute(
        profiles_t.insert(),
        {
            "patient_id": patient_id,
            "version": 1,
            "profile": profile_json,
            "changed_at": at,
            "changed_by": "",
            "reason": "first profile",
        },
    )


def patients_frame(conn: Connection) -> pd.DataFrame:
    """One row per patient, sorted by name (the columns of ``Store.patients``)."""
    counts = (
        sa.select(
            visits_t.c.patient_id,
            sa.func.count().label("n_visits"),
            sa.func.max(visits_t.c.visit_date).label("last_visit_date"),
        )
        .where(visits_t.c.voided == 0)
        .group_by(visits_t.c.patient_id)
        .subquery()
    )
    query = sa.select(
        patients_t.c.patient_id,
        patients_t.c.name,
        patients_t.c.birth_year,
        patients_t.c.created_at,
        counts.c.n_visits,
        counts.c.last_visit_date,
        patients_t.c.discharged_on,
        patients_t.c.discharge_reason,
    ).select_from(patients_t.outerjoin(counts, counts.c.patient_id == patients_t.c.patient_id))
    rows = [tuple(r) for r in conn.execute(query).all()]
    columns = ["patient_id", "name", "birth_year", "created_at", "n_visits", "last_visit_date"]
    columns += ["discharged_on", "discharge_reason"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["patient_id"] = frame["patient_id"].astype(str)
    frame["name"] = frame["name"].astype(str)
    frame["birth_year"] = frame["birth_year"].astype("int64")
    frame.insert(3, "age", (dt.date.today().year - frame["birth_year"]).astype("int64"))
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True, format="ISO8601")
    frame["n_visits"] = frame["n_visits"].fillna(0).astype("int64")
    frame["last_visit_date"] = pd.to_datetime(frame["last_visit_date"], format="%Y-%m-%d")
    frame["discharged_on"] = pd.to_datetime(frame["discharged_on"], format="%Y-%m-%d")
    reasons = [r[-1] for r in rows]  # None while active (pandas 3 would read it as NaN)
    frame["discharge_reason"] = pd.Series(reasons, index=frame.index, dtype=object)
    order = frame["name"].str.casefold()
    frame = frame.assign(_key=order).sort_values(["_key", "patient_id"]).drop(columns="_key")
    return frame.reset_index(drop=True)


def patient_record(conn: Connection, patient_id: object) -> dict[str, Any]:
    """patient_id, name, birth_year, details (dict), profile (latest, dict), created_at."""
    row = patient_row(conn, patient_id)
    profile = conn.execute(
        sa.select(profiles_t.c.profile)
        .where(profiles_t.c.patient_id == row.patient_id)
        .order_by(profiles_t.c.version.desc())
        .limit(1)
    ).scalar_one()
    return {
        "patient_id": row.patient_id,
        "name": row.name,
        "birth_year": row.birth_year,
        "details": json.loads(row.details),
        "profile": json.loads(profile),
        "created_at": row.created_at,
    }


def add_profile_version(
    conn: Connection, patient_id: str, profile_json: str, *, by: str, reason: str, at: str
) -> int:
    """Write the next profile version and its audit line; returns the new version."""
    patient_row(conn, patient_id)
    version = (
        1
        + conn.execute(
            sa.select(sa.func.max(profiles_t.c.version)).where(
                profiles_t.c.patient_id == patient_id
            )
        ).scalar_one()
    )
    conn.execute(
        profiles_t.insert(),
        {
            "patient_id": patient_id,
            "version": version,
            "profile": profile_json,
            "changed_at": at,
            "changed_by": by,
            "reason": reason,
        },
    )
    record_event(
        conn,
        "update_profile",
        patient_id=patient_id,
        actor=by,
        reason=reason,
        detail={"version": version},
    )
    return version


def profile_history_frame(conn: Connection, patient_id: object) -> pd.DataFrame:
    """Every profile of a patient, oldest first (the columns of ``Store.profile_history``)."""
    patient_row(conn, patient_id)
    rows = conn.execute(
        sa.select(
            profiles_t.c.version,
            profiles_t.c.changed_at,
            profiles_t.c.changed_by,
            profiles_t.c.reason,
            profiles_t.c.profile,
        )
        .where(profiles_t.c.patient_id == patient_id)
        .order_by(profiles_t.c.version)
    ).all()
    frame = pd.DataFrame(
        [tuple(r) for r in rows],
        columns=["version", "changed_at", "changed_by", "reason", "profile"],
    )
    frame["changed_at"] = pd.to_datetime(frame["changed_at"], utc=True, format="ISO8601")
    frame["profile"] = [json.loads(p) for p in frame["profile"]]
    fields = pd.DataFrame(list(frame["profile"]), index=frame.index)
    for column in ("conditions", "equipment"):
        fields[column] = [tuple(v) for v in fields[column]]
    return pd.concat([frame, fields], axis=1)


def purge_patient(
    conn: Connection, patient_id: str, *, requested_by: str, reason: str
) -> dict[str, int]:
    """Delete everything about a patient, leave one audit line; returns rows deleted per table."""
    patient_row(conn, patient_id)
    visit_ids = sa.select(visits_t.c.visit_id).where(visits_t.c.patient_id == patient_id)
    # Children before parents, so that every foreign key holds at each step.
    deletes = {
        "measurements": measurements_t.delete().where(measurements_t.c.visit_id.in_(visit_ids)),
        "visit_versions": visit_versions_t.delete().where(
            visit_versions_t.c.visit_id.in_(visit_ids)
        ),
        "visits": visits_t.delete().where(visits_t.c.patient_id == patient_id),
        "profiles": profiles_t.delete().where(profiles_t.c.patient_id == patient_id),
        "patients": patients_t.delete().where(patients_t.c.patient_id == patient_id),
    }
    counts = {name: int(conn.execute(delete).rowcount) for name, delete in deletes.items()}
    refresh_patients(conn, [patient_id])  # no visits left: its summary rows go too
    record_event(
        conn,
        "remove_patient",
        patient_id=patient_id,
        actor=requested_by,
        reason=reason,
        detail=counts,
    )
    return counts

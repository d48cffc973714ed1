"""Discharge and readmission: a discharged patient is kept whole but off the active caseload.

The patient's row carries the current state (``discharged_on``, ``discharge_reason``; NULL while
active); the audit log keeps every discharge and readmission with who, when and why. Runs inside
the transaction the :class:`~workbook.records.store.Store` opens.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Connection

from ..errors import WorkbookError
from .audit import record_event
from .patients import patient_row
from .schema import patients_t

__all__ = ["discharge_patient", "readmit_patient"]


def discharge_patient(
    conn: Connection, patient_id: str, *, on: dt.date, reason: str, by: str
) -> None:
    """Mark an active patient discharged on ``on``; refused when already discharged."""
    row = patient_row(conn, patient_id)
    if row.discharged_on is not None:
        raise WorkbookError(
            "patient_id",
            patient_id,
            f"an active patient (discharged on {row.discharged_on}: {row.discharge_reason}); "
            "readmit them first",
        )
    conn.execute(
        patients_t.update()
        .where(patients_t.c.patient_id == patient_id)
        .values(discharged_on=on.isoformat(), discharge_reason=reason)
    )
    record_event(
        conn,
        "discharge",
        patient_id=patient_id,
        actor=by,
        reason=reason,
        detail={"discharged_on": on.isoformat()},
    )


def readmit_patient(conn: Connection, patient_id: str, *, reason: str, by: str) -> None:
    """Bring a discharged patient back onto the active caseload."""
    row = patient_row(conn, patient_id)
    if row.discharged_on is None:
        raise WorkbookError("patient_id", patient_id, "a discharged patient (this one is active)")
    conn.execute(
        patients_t.update()
        .where(patients_t.c.patient_id == patient_id)
        .values(discharged_on=None, discharge_reason=None)
    )
    record_event(
        conn,
        "readmit",
        patient_id=patient_id,
        actor=by,
        reason=reason,
        detail={"was_discharged_on": row.discharged_on},
    )

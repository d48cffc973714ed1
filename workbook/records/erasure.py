"""Erasure that erases: a removed patient leaves no byte of their records in the store's files.

- SQLite overwrites freed pages (``secure_delete``, set on every connection by the engine);
- the write-ahead log, which still holds copies of the erased pages, is checkpointed and
  truncated (:func:`checkpoint_truncate`) right after the erasure, or, while another connection
  holds an older read snapshot, as soon as that reader lets go (the store retries after every
  call and on close);
- the audit log keeps, for the erased patient, only what says that records existed and were
  erased: the opaque ids, the events, when, who acted (the therapist) and the version numbers.
  The free-text reasons of the patient's earlier profile updates and corrections are blanked
  (they may quote the patient), and the erasure's own reason may not name the patient.

What it cannot reach: backups and exports made before the erasure still hold the patient (see
the README), and a PostgreSQL server keeps dead rows until ``VACUUM``.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DatabaseError

from ..errors import WorkbookError
from .patients import patient_row, purge_patient
from .schema import audit_log_t

__all__ = ["ERASED_REASON", "checkpoint_truncate", "erase_patient"]

#: What an earlier audit line of an erased patient keeps in place of its reason.
ERASED_REASON = "(erased with the patient)"


def _identifiers(row: sa.Row) -> list[str]:
    details = json.loads(row.details)
    texts = [str(v) for v in details.values() if isinstance(v, str | int) and len(str(v)) >= 4]
    return [row.name, *texts]


def erase_patient(
    conn: Connection, patient_id: str, *, requested_by: str, reason: str
) -> dict[str, int]:
    """Purge the patient (``patients.purge_patient``) and blank their audit reasons."""
    row = patient_row(conn, patient_id)
    folded = reason.casefold()
    if any(text.strip() and text.strip().casefold() in folded for text in _identifiers(row)):
        raise WorkbookError(
            "reason",
            "(a reason that names the patient)",
            "a reason that does not name or identify the patient: the audit log keeps it "
            "after the erasure",
        )
    conn.execute(
        audit_log_t.update()
        .where((audit_log_t.c.patient_id == patient_id) & (audit_log_t.c.reason != ""))
        .values(reason=ERASED_REASON)
    )
    return purge_patient(conn, patient_id, requested_by=requested_by, reason=reason)


def checkpoint_truncate(engine: Engine) -> bool:
    """Copy the write-ahead log into the store and empty it (SQLite files only).

    Returns True when done, False while another connection still reads an older snapshot.
    """
    try:
        with engine.connect() as conn:
            busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
    except DatabaseError:  # locked by a writer: the next try will do
        return False
    return busy is not None and int(busy[0]) == 0

"""The audit log: one line per correction, profile update and erasure, never deleted.

A line names the opaque patient and visit ids, who acted, why, when and a small JSON detail; no
foreign keys, so a line outlives the patient it speaks of.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .schema import audit_log_t, from_json, new_id, now, to_json

__all__ = ["audit_log_frame", "record_event"]


def record_event(
    conn: Connection,
    event_name: str,
    *,
    patient_id: str | None = None,
    visit_id: str | None = None,
    actor: str = "",
    reason: str = "",
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Add one line to the log, inside the caller's transaction."""
    conn.execute(
        audit_log_t.insert(),
        {
            "event_id": new_id("e_"),
            "at": now(),
            "event": event_name,
            "patient_id": patient_id,
            "visit_id": visit_id,
            "actor": actor,
            "reason": reason,
            "detail": to_json(dict(detail or {})),
        },
    )


def audit_log_frame(conn: Connection) -> pd.DataFrame:
    """The whole log, oldest first, with ``at`` as UTC datetimes and ``detail`` as dicts."""
    query = sa.select(
        audit_log_t.c.event_id,
        audit_log_t.c.at,
        audit_log_t.c.event,
        audit_log_t.c.patient_id,
        audit_log_t.c.visit_id,
        audit_log_t.c.actor,
        audit_log_t.c.reason,
        audit_log_t.c.detail,
    ).order_by(audit_log_t.c.at, audit_log_t.c.event_id)
    rows = [tuple(r) for r in conn.execute(query).all()]
    frame = pd.DataFrame(rows, columns=list(query.selected_columns.keys()))
    frame["at"] = pd.to_datetime(frame["at"], utc=True, format="ISO8601")
    frame["detail"] = [from_json(d) for d in frame["detail"]]
    return frame

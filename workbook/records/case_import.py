"""A whole case written at once: the patient, the profile, every visit and reading, one transaction.

``import_case`` (``workbook.documents.share``) builds a :class:`CaseRecord` with
:func:`check_case_record`, which runs every value through the store's own field rules before
anything is written; :func:`write_case_record` then writes it inside one transaction, so a bad
value, a full disk or a killed process leaves nothing of the case behind. The store remembers
each imported case code (an ``import_case`` line in the audit log), and a second import of the
same case is refused unless the caller asks for it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..clinical import measures
from ..clinical.profile import PatientProfile
from ..errors import WorkbookError
from .audit import record_event
from .patient_summary import refresh_patients
from .patients import check_profile, insert_patient
from .schema import audit_log_t, json_field, new_id
from .visits import AMENDABLE, Reading, check_visit_fields, insert_visit

__all__ = ["CaseRecord", "check_case_record", "imported_case_codes", "write_case_record"]


@dataclass(frozen=True)
class CaseRecord:
    """A case checked value by value, ready to be written."""

    case_code: str
    patient: dict[str, Any]  # name, birth_year, details (JSON text)
    profile_json: str
    visits: tuple[tuple[dict[str, Any], list[Reading]], ...]


def check_case_record(
    *,
    case_code: str,
    name: str,
    birth_year: object,
    profile: PatientProfile,
    details: Mapping[str, Any],
    visits: Sequence[Mapping[str, Any]],
) -> CaseRecord:
    """Every value of a case through the store's field rules; nothing is written.

    ``visits``: one mapping per visit with the keys of ``Store.log_visit`` (visit_date, rom,
    pain, odi, routine, therapist, notes); visit_date is required.
    """
    code = measures.check_name(case_code, field="case_code", what="the case code")
    year = measures.check_birth_year(birth_year)
    patient = {
        "name": measures.check_name(name),
        "birth_year": year,
        "details": json_field(
            "details", measures.check_json_value("details", dict(details)), "a JSON object"
        ),
    }
    checked = []
    for number, visit in enumerate(visits, start=1):
        unknown = sorted(set(visit) - set(AMENDABLE))
        if unknown or "visit_date" not in visit:
            raise WorkbookError(
                f"visit {number}", unknown or "no visit_date", f"the keys {', '.join(AMENDABLE)}"
            )
        defaults = {"rom": None, "pain": None, "odi": None, "routine": None, "therapist": ""}
        values, readings = check_visit_fields({**defaults, "notes": "", **visit})
        measures.check_visit_after_birth(values["visit_date"], year)
        checked.append((values, readings or []))
    return CaseRecord(code, patient, check_profile(profile), tuple(checked))


def imported_case_codes(conn: Connection) -> set[str]:
    """The case codes this store has imported (from the audit log)."""
    rows = conn.execute(
        sa.select(audit_log_t.c.detail).where(audit_log_t.c.event == "import_case")
    ).scalars()
    return {str(json.loads(detail).get("case_code", "")) for detail in rows}


def write_case_record(
    conn: Connection, record: CaseRecord, *, allow_duplicate: bool, at: str
) -> str:
    """Write the whole case inside the caller's transaction; returns the new patient id."""
    if not allow_duplicate and record.case_code in imported_case_codes(conn):
        raise WorkbookError(
            "case_code",
            record.case_code,
            "a case not imported yet: this store already holds it (pass "
            "allow_duplicate=True to import it again as another patient)",
        )
    patient_id = new_id("p_")
    insert_patient(conn, patient_id, record.patient, record.profile_json, at)
    for values, readings in record.visits:
        insert_visit(conn, patient_id, new_id("v_"), values, readings, at, refresh=False)
    refresh_patients(conn, [patient_id])  # once for the whole case
    record_event(
        conn,
        "import_case",
        patient_id=patient_id,
        reason="shared case imported",
        detail={"case_code": record.case_code, "visits": len(record.visits)},
    )
    return patient_id

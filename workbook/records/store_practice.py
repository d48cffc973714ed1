"""The store's calls for a practice (issue 12): corrections that can't overwrite each other,
voiding a visit, finding today's, discharge and readmission, and checking or rebuilding the
per-patient summaries the caseload reads (:mod:`~workbook.records.patient_summary`).

:class:`PracticeMethods` is mixed into :class:`~workbook.records.store.Store`; like the rest of
the store, each method checks its arguments first and then writes in one transaction, and every
write records who did it (the logged-in hub user when no therapist is given).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.engine import Connection

from ..clinical import measures
from . import patient_summary, visits
from .discharge import discharge_patient, readmit_patient
from .identity import current_user
from .schema import now

__all__ = ["PracticeMethods", "who"]

T = TypeVar("T")


def who(field: str, therapist: str | None) -> str:
    """The therapist given, else the logged-in hub user, else empty (outside a hub)."""
    return measures.check_text(
        field, therapist or current_user() or "", limit=measures.MAX_NAME_CHARS
    )


class PracticeMethods:
    """Correcting and voiding visits, the visit of a day, discharge (mixed into Store)."""

    def _write(self, work: Callable[[Connection], T]) -> T:  # pragma: no cover - Store's
        raise NotImplementedError

    def _read(self, work: Callable[[Connection], T]) -> T:  # pragma: no cover - Store's
        raise NotImplementedError

    def amend_visit(
        self,
        visit_id: str,
        *,
        reason: str,
        changed_by: str = "",
        expected_version: int | None = None,
        **changes: Any,
    ) -> int:
        """Correct a visit by writing a new version; the earlier versions stay readable.

        Parameters
        ----------
        visit_id : str
        reason : str
            Why the record changes (required).
        changed_by : str
            Who changes it (inside a JupyterHub, by default the logged-in user).
        expected_version : int, optional
            The version the caller read; refused when the visit has changed since (the screens
            always pass it, so two people correcting one visit never overwrite each other).
        **changes
            Any of visit_date, rom, pain, odi, notes, therapist, routine, red_flags, psfs,
            days_done and days_prescribed (together), with the same rules
            as :meth:`log_visit`. ``rom`` replaces the whole set of measurements of the visit
            (pass the corrected full set; a reading left out is no longer part of the visit).
            Passing None for pain, odi or routine clears it. Fields not passed are carried over.

        Returns
        -------
        int
            The new version number (2 for the first correction).
        """
        why = measures.check_required_text("reason", reason, "why the visit is corrected")
        by = who("changed_by", changed_by)
        expected = visits.check_expected_version(expected_version)
        visits.check_changes(changes)
        new, readings = visits.check_visit_fields(changes)
        at = now()
        return self._write(
            lambda conn: visits.amend_visit(
                conn,
                visit_id,
                new,
                readings,
                requested=list(changes),
                by=by,
                reason=why,
                at=at,
                expected_version=expected,
            )
        )

    def void_visit(
        self,
        visit_id: str,
        *,
        reason: str,
        expected_version: int | None = None,
        therapist: str | None = None,
    ) -> int:
        """Mark a visit void (entered in error): a new version, nothing deleted.

        :meth:`visits` and :meth:`measurements` leave a voided visit out; its
        :meth:`visit_history` keeps every version, the void one last.

        Returns
        -------
        int
            The new (void) version number.
        """
        why = measures.check_required_text("reason", reason, "why the visit is void")
        by = who("therapist", therapist)
        expected = visits.check_expected_version(expected_version)
        at = now()
        return self._write(
            lambda conn: visits.void_visit(
                conn, visit_id, by=by, reason=why, at=at, expected_version=expected
            )
        )

    def visit_on(self, patient_id: str, visit_date: dt.date | str) -> str | None:
        """The id of a visit of this patient already saved on ``visit_date`` (not void), or None.

        So that the visit screen can ask "add another visit or correct today's?".
        """
        day = measures.check_visit_date(visit_date).isoformat()
        return self._read(lambda conn: visits.visit_on(conn, patient_id, day))

    def discharge(self, patient_id: str, *, reason: str, therapist: str | None = None) -> None:
        """Discharge a patient today: kept with every record, but off the active caseload.

        ``store.patients()`` shows ``discharged_on`` and ``discharge_reason``;
        ``store.patients(active_only=True)`` and the caseload leave the patient out.
        """
        why = measures.check_required_text("reason", reason, "why the patient is discharged")
        by = who("therapist", therapist)
        today = dt.date.today()
        self._write(lambda conn: discharge_patient(conn, patient_id, on=today, reason=why, by=by))

    def readmit(self, patient_id: str, *, reason: str, therapist: str | None = None) -> None:
        """Bring a discharged patient back onto the active caseload (the discharge stays logged)."""
        why = measures.check_required_text("reason", reason, "why the patient is readmitted")
        by = who("therapist", therapist)
        self._write(lambda conn: readmit_patient(conn, patient_id, reason=why, by=by))

    def check_summaries(self) -> list[str]:
        """How the caseload's per-patient summaries differ from the visits (empty: they agree).

        The summaries are rewritten with every change to a visit; a difference means a store
        changed by something other than the workbook. :meth:`rebuild_summaries` repairs it.
        """
        return self._read(patient_summary.summary_problems)

    def rebuild_summaries(self) -> None:
        """Recompute every patient's summary from the visits (nothing clinical changes)."""
        self._write(patient_summary.rebuild_summaries)

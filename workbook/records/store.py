"""The clinic store: patients, visits, range of motion and pain, kept durably.

One SQL database through SQLAlchemy Core: an SQLite file by default (one clinic, one computer),
or any SQLAlchemy URL (PostgreSQL for a practice with many therapists) without changing a caller.

What the store promises
-----------------------
- **Nothing half-written.** Every argument is checked before the database is touched, and each
  call that writes is one transaction: all of it or none of it.
- **Corrections keep the original.** :meth:`Store.amend_visit` writes a new version of a visit;
  every earlier version stays readable (:meth:`Store.visit_history`) with who, when and why.
  Profiles are versioned the same way (:meth:`Store.profile_history`).
- **Erasure is explicit.** :meth:`Store.remove_patient` purges a patient's identifiers and clinical
  records, leaves one line in the audit log and no byte in the files
  (:mod:`~workbook.records.erasure`). It is the only call that deletes anything.
- **Two writers, no "database is locked"; a killed process loses nothing it confirmed**
  (:mod:`~workbook.records.engine`: WAL, ``BEGIN IMMEDIATE``, retries, ``synchronous = FULL``).
- **Owner-only, checked at open, errors without patient data.** The file is 0600 before SQLite
  opens it (:mod:`~workbook.records.paths`); a damaged or incomplete store is refused
  (:mod:`~workbook.records.integrity`); a database failure is a ``StoreFailure`` in words.

How it is laid out
------------------
:class:`Store` is the one public entry: it checks each argument once with the field rules of
:mod:`workbook.clinical.measures`, opens the transaction and hands the connection to the module
that does the job. Those modules know SQL and pandas, never the engine or the retry:

- :mod:`~workbook.records.schema` (tables, migrations), :mod:`~workbook.records.engine`
  (location, SQLite settings, retried transaction, errors in words);
- :mod:`~workbook.records.patients`, :mod:`~workbook.records.audit`,
  :mod:`~workbook.records.erasure`: patients, profiles, the audit log, erasure;
- :mod:`~workbook.records.visits`, :mod:`~workbook.records.visit_frames`: visits;
- :mod:`~workbook.records.summary`, :mod:`~workbook.records.transfer` (CSV export and import),
  :mod:`~workbook.records.case_import` (a shared case), :mod:`~workbook.records.backup`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine

from ..clinical import measures
from ..clinical.profile import PatientProfile
from . import audit, backup, case_import, erasure, patients, summary, transfer, visit_frames, visits
from .engine import (
    StoreBusyError,
    is_sqlite_file,
    make_engine,
    resolve_location,
    run_transaction,
)
from .identity import current_user, require_admin
from .integrity import open_checked, prepare_store_file
from .paths import private_dir
from .schema import (
    SCHEMA_VERSION,
    TABLES,
    json_field,
    new_id,
    now,
    schema_version,
    store_meta,
)
from .store_practice import PracticeMethods, who

__all__ = [
    "SCHEMA_VERSION",
    "Store",
    "StoreBusyError",
    "open_store",
]

T = TypeVar("T")


def open_store(location: str | os.PathLike[str] | None = None) -> Store:
    """Open (and on first use create) the clinic store.

    ``location``: a file path (an SQLite store) or an SQLAlchemy URL (``sqlite:///...``,
    ``postgresql+psycopg://...``); by default ``$WORKBOOK_DB``, else :func:`default_store_path`.
    An existing file that is empty, damaged or not a store is refused, never recreated.

    Examples
    --------
    >>> import tempfile
    >>> from workbook.clinical.profile import PatientProfile
    >>> profile = PatientProfile(age=70, activity="sedentary", floor_transfer=False,
    ...                          kneeling="unable", conditions={"spinal_stenosis"})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     with open_store(Path(folder) / "clinic.sqlite") as store:
    ...         pid = store.add_patient("Ada Example", 1954, profile)
    ...         visit = store.log_visit(pid, "2024-03-05", {("hip_flexion", "left"): 95}, pain=4)
    ...         store.measurements(pid)["degrees"].tolist()
    [95.0]
    """
    return Store(resolve_location(location))


class Store(PracticeMethods):
    """A clinic's patients and visits. Make one with :func:`open_store`.

    Reading methods return pandas DataFrames (latest versions); writing methods check every
    argument first and then write in a single transaction.
    """

    def __init__(self, url: URL) -> None:
        self._url = url
        new = prepare_store_file(url)  # owner-only, before SQLite opens it; refuses non-stores
        self._engine = make_engine(url)
        try:
            self._write(lambda conn: open_checked(conn, self.location, new=new))
        except BaseException:
            self._engine.dispose()
            path = Path(self.location)
            if new and path.exists() and path.stat().st_size == 0:  # it would be refused later
                path.unlink()
            raise

    # -- plumbing -----------------------------------------------------------------------------

    @property
    def location(self) -> str:
        """The file path of an SQLite store, else the URL (password hidden)."""
        if self._url.get_backend_name() == "sqlite" and self._url.database not in (None, ""):
            return str(self._url.database)
        return self._url.render_as_string(hide_password=True)

    @property
    def url(self) -> URL:
        """The SQLAlchemy URL the store was opened with."""
        return self._url

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for tools and tests; callers should use the methods)."""
        return self._engine

    def close(self) -> None:
        """Close every connection. The store can't be used afterwards."""
        self._finish_erasure()
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        demo = ", demo" if self.is_demo else ""
        return f"<Store {self.location}{demo}>"

    def _write(self, work: Callable[[Connection], T]) -> T:
        return self._run(work, write=True)

    def _read(self, work: Callable[[Connection], T]) -> T:
        return self._run(work, write=False)

    def _run(self, work: Callable[[Connection], T], *, write: bool) -> T:
        result = run_transaction(self._engine, work, write=write, location=self.location)
        self._finish_erasure()  # an erasure waiting for a reader to let go of the log
        return result

    def meta(self) -> dict[str, str]:
        """The store's metadata: store_id, created_at, is_demo, schema_version."""

        def work(conn: Connection) -> dict[str, str]:
            rows = conn.execute(sa.select(store_meta.c.key, store_meta.c.value)).all()
            version = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar()
            return {**{str(k): str(v) for k, v in rows}, "schema_version": str(version)}

        return self._read(work)

    @property
    def is_demo(self) -> bool:
        """True when :func:`workbook.records.demo.make_demo_store` made this store."""
        return self.meta().get("is_demo") == "true"

    def mark_as_demo(self) -> None:
        """Flag the store as a demo of fictional patients (used by ``make_demo_store``)."""
        flag = store_meta.update().where(store_meta.c.key == "is_demo").values(value="true")
        self._write(lambda conn: conn.execute(flag))

    def table_counts(self) -> dict[str, int]:
        """Rows per table: a cheap fingerprint to check that nothing was written."""

        def work(conn: Connection) -> dict[str, int]:
            return {
                t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
                for t in (*TABLES, schema_version)
            }

        return self._read(work)

    # -- patients -----------------------------------------------------------------------------

    def add_patient(
        self, name: str, birth_year: int, profile: PatientProfile, **details: Any
    ) -> str:
        """Register a patient and their first profile.

        Parameters
        ----------
        name : str
            As the clinic writes it; stored exactly as given (surrounding spaces trimmed).
        birth_year : int
            The year only, never a full date of birth.
        profile : PatientProfile
        **details
            Free extras such as phone, email, mrn, address (kept as JSON). They identify the
            patient: sharing strips them.

        Returns
        -------
        str
            An opaque patient id such as ``'p_Xq3v9LrT0a'``.
        """
        values = {
            "name": measures.check_name(name),
            "birth_year": measures.check_birth_year(birth_year),
        }
        profile_json = patients.check_profile(profile)
        values["details"] = json_field(
            "details",
            measures.check_json_value("details", details),  # NFC text, finite, not too deep
            "text, numbers, lists or dicts (phone, email, mrn, address...)",
        )
        patient_id, at = new_id("p_"), now()
        self._write(
            lambda conn: patients.insert_patient(conn, patient_id, values, profile_json, at)
        )
        return patient_id

    def patients(self, active_only: bool = False) -> pd.DataFrame:
        """One row per patient, sorted by name (only those not discharged with ``active_only``).

        Columns: patient_id, name, birth_year, age (this year minus the birth year),
        created_at (UTC), n_visits, last_visit_date, discharged_on (NaT while active),
        discharge_reason (None while active).
        """
        table = self._read(patients.patients_frame)
        if active_only:
            table = table[table["discharged_on"].isna()].reset_index(drop=True)
        return table

    def find_patients(self, text: str) -> pd.DataFrame:
        """Patients whose name contains ``text`` (any case), or whose id is exactly ``text``."""
        text = measures.check_text("text", text, limit=measures.MAX_NAME_CHARS).strip()
        table = self.patients()
        if not text:
            return table
        match = table["name"].str.casefold().str.contains(text.casefold(), regex=False)
        return table[match | (table["patient_id"] == text)].reset_index(drop=True)

    def patient(self, patient_id: str) -> dict[str, Any]:
        """A patient's record: patient_id, name, birth_year, details, profile (dict), created_at."""
        return self._read(lambda conn: patients.patient_record(conn, patient_id))

    def profile(self, patient_id: str) -> PatientProfile:
        """The patient's latest profile."""
        return PatientProfile.from_dict(self.patient(patient_id)["profile"])

    def update_profile(
        self, patient_id: str, profile: PatientProfile, *, changed_by: str = "", reason: str = ""
    ) -> int:
        """Record a new profile; the earlier ones stay in :meth:`profile_history`.

        Returns
        -------
        int
            The new profile version.
        """
        profile_json = patients.check_profile(profile)
        by = who("changed_by", changed_by)
        why = measures.check_text("reason", reason)
        at = now()
        return self._write(
            lambda conn: patients.add_profile_version(
                conn, patient_id, profile_json, by=by, reason=why, at=at
            )
        )

    def profile_history(self, patient_id: str) -> pd.DataFrame:
        """Every profile of a patient, oldest first.

        Columns: version, changed_at, changed_by, reason, profile (dict), and the profile's
        fields (age, activity, floor_transfer, kneeling, conditions, equipment).
        """
        return self._read(lambda conn: patients.profile_history_frame(conn, patient_id))

    def remove_patient(
        self, patient_id: str, *, reason: str, requested_by: str | None = None
    ) -> dict[str, int]:
        """Erase a patient on request; returns the counts of deleted rows per table.

        Name, details, profiles, visits (every version) and measurements are deleted and leave
        no byte in the store's files (:mod:`~workbook.records.erasure`). The audit log keeps the
        opaque id, who asked, why (``reason`` may not name the patient), when and the counts;
        the patient's earlier audit reasons are blanked. Inside a JupyterHub only hub admins
        may erase, and ``requested_by`` defaults to the logged-in user.
        """
        require_admin("erase a patient")
        why = measures.check_required_text("reason", reason, "why the patient is removed")
        asker = measures.check_required_text(
            "requested_by", requested_by or current_user(), "who asked for the removal"
        )
        counts = self._write(
            lambda conn: erasure.erase_patient(conn, patient_id, requested_by=asker, reason=why)
        )
        self._erasure_pending = is_sqlite_file(self._url)
        self._finish_erasure()
        return counts

    def _finish_erasure(self) -> None:
        """Truncate the write-ahead log after an erasure, once no reader holds it open."""
        if getattr(self, "_erasure_pending", False):
            self._erasure_pending = not erasure.checkpoint_truncate(self._engine)

    def audit_log(self) -> pd.DataFrame:
        """The audit log, oldest first: at, event, patient_id, visit_id, actor, reason, detail."""
        return self._read(audit.audit_log_frame)

    # -- visits -------------------------------------------------------------------------------

    def log_visit(
        self,
        patient_id: str,
        visit_date: dt.date | str,
        rom: Mapping[tuple[str, str], Any] | pd.DataFrame | None,
        *,
        pain: int | None = None,
        odi: Sequence[int | None] | None = None,
        routine: Mapping[str, Any] | None = None,
        therapist: str = "",
        notes: str = "",
        red_flags: Sequence[str] | None = None,
        psfs: Mapping[str, float] | None = None,
        days_done: int | None = None,
        days_prescribed: int | None = None,
    ) -> str:
        """Record a visit: range of motion, pain, ODI, the routine given and the answers.

        Parameters
        ----------
        patient_id : str
        visit_date : datetime.date or str
            ``'YYYY-MM-DD'``; not in the future, not before the birth year.
        rom : mapping or DataFrame
            ``{(motion, side): degrees}``; a value may also be a dict ``{"degrees": ..,
            "instrument": .., "position": ..}``. Or a DataFrame with columns motion, side,
            degrees and optionally instrument and position (other columns are ignored).
            Instrument defaults to the goniometer, position to the motion's usual test position
            (``data/motions.csv``). May be empty: a visit with only a pain rating.
        pain : int, optional
            The 0-10 numeric pain rating.
        odi : sequence, optional
            The ten Oswestry section scores (0-5, None where unanswered); the store keeps them
            and the index (``measures.odi_index``).
        routine : dict, optional
            The routine given at the visit (``Routine.to_dict()``), kept as JSON.
        therapist, notes : str
            Without a therapist, inside a JupyterHub the logged-in user (``$JUPYTERHUB_USER``).
        red_flags, psfs, days_done, days_prescribed : optional
            The red flags answered yes (ids; empty: asked, none), the PSFS ``{activity: 0-10}``
            and adherence since the last visit (:mod:`~workbook.records.visit_answers`).

        Returns
        -------
        str
            The visit id, such as ``'v_2fQm0xYwVa'``.

        Raises
        ------
        WorkbookError
            Naming the field, the value and what is allowed; nothing is written.
        """
        fields: dict[str, object] = {"visit_date": visit_date, "rom": rom, "pain": pain, "odi": odi}
        # Inside a JupyterHub the logged-in therapist is who saw the patient.
        therapist = therapist or current_user() or ""
        fields |= {"routine": routine, "therapist": therapist, "notes": notes, "psfs": psfs}
        fields |= {
            "red_flags": red_flags,
            "days_done": days_done,
            "days_prescribed": days_prescribed,
        }
        values, readings = visits.check_visit_fields(fields)
        visit_id, at = new_id("v_"), now()
        self._write(
            lambda conn: visits.insert_visit(conn, patient_id, visit_id, values, readings or [], at)
        )
        return visit_id

    def add_case(self, record: case_import.CaseRecord, *, allow_duplicate: bool = False) -> str:
        """Write a checked case (``case_import.check_case_record``) in one transaction."""
        at = now()
        return self._write(
            lambda conn: case_import.write_case_record(
                conn, record, allow_duplicate=allow_duplicate, at=at
            )
        )

    def visits(self, patient_id: str) -> pd.DataFrame:
        """A patient's visits, latest versions, sorted by date.

        Columns: visit_id, patient_id, visit_date (datetime64), pain_nprs (float, NaN when not
        rated), odi_index (float), odi_sections (tuple or None), therapist, notes, routine (dict
        or None), version, amended (bool).
        """
        return self._read(lambda conn: visit_frames.visits_frame(conn, patient_id))

    def measurements(self, patient_id: str) -> pd.DataFrame:
        """A patient's range of motion, one row per measurement, latest visit versions.

        Columns: visit_id, visit_date (datetime64), motion, side, degrees (float),
        instrument, position; sorted by date, motion, side.
        """
        return self._read(lambda conn: visit_frames.measurements_frame(conn, patient_id))

    def visit_history(self, visit_id: str) -> pd.DataFrame:
        """Every version of a visit, oldest first, with who changed it, when and why.

        Columns: the :meth:`visits` columns plus changed_at (UTC), changed_by, reason,
        changed (the fields that differ from the previous version) and rom (dict
        ``{(motion, side): degrees}`` of that version).
        """
        return self._read(lambda conn: visit_frames.visit_history_frame(conn, visit_id))

    # -- clinic-wide --------------------------------------------------------------------------

    def clinic_summary(self) -> pd.DataFrame:
        """Baseline versus latest range of motion across all patients, per motion and side.

        For each patient, motion and side, the baseline is the earliest visit at which it was
        measured and the latest is the most recent one (latest versions of each visit).

        Columns: motion, side, n_patients (measured at least once), n_followed (measured at
        two visits or more), baseline_mean_degrees, baseline_median_degrees,
        latest_mean_degrees, latest_median_degrees, change_mean_degrees (latest - baseline,
        over the followed patients).
        """
        return self._read(summary.clinic_summary_frame)

    def backup(self, dest: str | os.PathLike[str]) -> Path:
        """A consistent, owner-only copy of an SQLite store, even while in use, into ``dest`` (a
        new file, or a folder for a time-stamped copy). PostgreSQL: ``pg_dump`` (see the error)."""
        return backup.backup_store(self._engine, self._url, dest)

    # -- export and import --------------------------------------------------------------------

    def export_csv(self, folder: str | os.PathLike[str]) -> list[Path]:
        """Write the whole store to ``folder``, one CSV per table (``<table>.csv``).

        The files hold every identifier and every version: keep them as safe as the store.
        NULL is written as an empty cell; text columns are never NULL, so the two don't mix.
        """
        target = private_dir(Path(folder)) if not Path(folder).exists() else Path(folder)
        return self._read(lambda conn: transfer.export_tables(conn, target))

    def import_csv(
        self, folder: str | os.PathLike[str], *, chunk_rows: int = 50_000
    ) -> dict[str, int]:
        """Load a folder written by :meth:`export_csv` into this (empty) store.

        The bulk path: every file is checked (columns, vocabularies, bounds, ids) and then
        inserted in chunks, all in one transaction, so a bad file leaves the store empty.

        Returns
        -------
        dict
            Rows imported per table.
        """
        frames = transfer.read_export(Path(folder))

        def work(conn: Connection) -> dict[str, int]:
            return transfer.import_tables(
                conn, frames, chunk_rows=chunk_rows, location=self.location
            )

        return run_transaction(self._engine, work, write=True, bulk=True, location=self.location)

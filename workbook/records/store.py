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
  records (the right to erasure) and leaves one line in the audit log: the opaque patient id, who
  asked, why, when and how many records went. It is the only call that deletes anything.
- **Two writers, no "database is locked".** SQLite runs in WAL mode with a busy timeout, writes
  start with ``BEGIN IMMEDIATE`` (so a transaction never has to upgrade a read lock, the case a
  busy timeout cannot wait out), and a transaction that still finds the file locked is retried.
- **A killed process loses nothing it confirmed.** ``synchronous = FULL``: when a call returns,
  its transaction is on disk.

Tables (see ``data/README.md`` for the columns): ``store_meta``, ``schema_version``, ``patients``,
``profiles``, ``visits`` (one row per visit: its patient and current version), ``visit_versions``
(every version of a visit), ``measurements`` (range of motion, per visit version) and
``audit_log``.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import math
import os
import random
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, IntegrityError, OperationalError

from ..clinical import measures
from ..clinical.profile import MAX_AGE, PatientProfile
from ..errors import WorkbookError, one_of
from .paths import default_store_path

__all__ = [
    "SCHEMA_VERSION",
    "Store",
    "StoreBusyError",
    "open_store",
]

SCHEMA_VERSION = 1

#: How long one SQLite statement waits for another writer (the busy timeout), in seconds.
BUSY_TIMEOUT_S = 10.0
#: How long a transaction keeps being retried while the file stays locked, in seconds.
RETRY_FOR_S = 60.0

#: PostgreSQL advisory lock taken while the schema is checked or created (any fixed number).
_SCHEMA_LOCK_KEY = 0x776F726B  # "work"
MAX_NAME_CHARS = 200
MAX_TEXT_CHARS = 20_000
AMENDABLE = ("visit_date", "rom", "pain", "odi", "notes", "therapist", "routine")

T = TypeVar("T")


def resolve_location(location: str | os.PathLike[str] | None = None) -> URL:
    """A path, an SQLAlchemy URL or None (``$WORKBOOK_DB``, else :func:`default_store_path`)."""
    if location is None:
        location = os.environ.get("WORKBOOK_DB") or default_store_path()
    if isinstance(location, str) and "://" in location:
        try:
            return make_url(location)
        except ArgumentError:
            raise WorkbookError(
                "location",
                location,
                "a file path or a database URL such as sqlite:///clinic.sqlite",
            ) from None
    if not isinstance(location, str | os.PathLike) or str(location) == "":
        raise WorkbookError(
            "location", location, "a file path or a database URL such as sqlite:///clinic.sqlite"
        )
    path = Path(location).expanduser().resolve()
    return URL.create("sqlite", database=str(path))


# --------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------

metadata = sa.MetaData()

store_meta = sa.Table(
    "store_meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("applied_at", sa.String(40), nullable=False),
)

patients_t = sa.Table(
    "patients",
    metadata,
    sa.Column("patient_id", sa.String(32), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("birth_year", sa.Integer, nullable=False),
    sa.Column("details", sa.Text, nullable=False),  # JSON object of identifiers (phone, mrn...)
    sa.Column("created_at", sa.String(40), nullable=False),
)

profiles_t = sa.Table(
    "profiles",
    metadata,
    sa.Column("patient_id", sa.String(32), sa.ForeignKey("patients.patient_id"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False, autoincrement=False),
    sa.Column("profile", sa.Text, nullable=False),  # PatientProfile.to_dict() as JSON
    sa.Column("changed_at", sa.String(40), nullable=False),
    sa.Column("changed_by", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.PrimaryKeyConstraint("patient_id", "version"),
)

visits_t = sa.Table(
    "visits",
    metadata,
    sa.Column("visit_id", sa.String(32), primary_key=True),
    sa.Column("patient_id", sa.String(32), sa.ForeignKey("patients.patient_id"), nullable=False),
    # The current version and its date, kept here so that reading a history is one indexed join.
    sa.Column("current_version", sa.Integer, nullable=False),
    sa.Column("visit_date", sa.String(10), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Index("ix_visits_patient_date", "patient_id", "visit_date"),
)

visit_versions_t = sa.Table(
    "visit_versions",
    metadata,
    sa.Column("visit_id", sa.String(32), sa.ForeignKey("visits.visit_id"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False, autoincrement=False),
    sa.Column("visit_date", sa.String(10), nullable=False),
    sa.Column("pain_nprs", sa.Integer, nullable=True),
    sa.Column("odi_sections", sa.Text, nullable=True),  # JSON list of 10, null where unanswered
    sa.Column("odi_index", sa.Float, nullable=True),
    sa.Column("therapist", sa.Text, nullable=False),
    sa.Column("notes", sa.Text, nullable=False),
    sa.Column("routine", sa.Text, nullable=True),  # JSON object (routine.to_dict())
    sa.Column("changed_at", sa.String(40), nullable=False),
    sa.Column("changed_by", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.PrimaryKeyConstraint("visit_id", "version"),
    # SQLite: the rows live in the primary-key b-tree (no second copy as an index).
    sqlite_with_rowid=False,
)

measurements_t = sa.Table(
    "measurements",
    metadata,
    sa.Column("visit_id", sa.String(32), nullable=False),
    sa.Column("version", sa.Integer, nullable=False, autoincrement=False),
    sa.Column("motion", sa.String(40), nullable=False),
    sa.Column("side", sa.String(10), nullable=False),
    sa.Column("degrees", sa.Float, nullable=False),
    sa.Column("instrument", sa.String(40), nullable=False),
    sa.Column("position", sa.String(40), nullable=False),
    sa.PrimaryKeyConstraint("visit_id", "version", "motion", "side"),
    sa.ForeignKeyConstraint(
        ["visit_id", "version"], ["visit_versions.visit_id", "visit_versions.version"]
    ),
    sqlite_with_rowid=False,
)

audit_log_t = sa.Table(
    "audit_log",
    metadata,
    sa.Column("event_id", sa.String(32), primary_key=True),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("event", sa.String(40), nullable=False),
    # No foreign keys: the log outlives the patient it speaks of.
    sa.Column("patient_id", sa.String(32), nullable=True),
    sa.Column("visit_id", sa.String(32), nullable=True),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("detail", sa.Text, nullable=False),  # JSON object
    sa.Index("ix_audit_log_at", "at"),
)

#: Tables in the order they are exported, imported and (reversed) purged.
TABLES: tuple[sa.Table, ...] = (
    store_meta,
    patients_t,
    profiles_t,
    visits_t,
    visit_versions_t,
    measurements_t,
    audit_log_t,
)

#: Schema migrations: ``MIGRATIONS[n]`` takes a store from version n - 1 to n, inside the
#: opening transaction. Version 1 is the first schema, created by ``metadata.create_all``.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {}


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


class StoreBusyError(RuntimeError):
    """Another program kept the store locked for longer than the store is willing to wait."""


def _hub_user() -> str:
    """The JupyterHub login of this server's user (``$JUPYTERHUB_USER``), else ''."""
    return os.environ.get("JUPYTERHUB_USER", "")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _new_id(prefix: str) -> str:
    # 10 url-safe characters: 60 bits of randomness, opaque (no order, no name, no date in it).
    return prefix + secrets.token_urlsafe(8)[:10]


def _to_json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _from_json(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _check_text(field: str, value: object, *, limit: int = MAX_TEXT_CHARS) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit:
        raise WorkbookError(field, value, f"text of at most {limit} characters")
    return value


def _check_required_text(field: str, value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT_CHARS:
        raise WorkbookError(field, value, f"{what} (non-empty text)")
    return value.strip()


def _check_json(field: str, value: object, allowed: str) -> str:
    try:
        return _to_json(value)
    except (TypeError, ValueError):
        raise WorkbookError(field, value, allowed) from None


def _check_date(value: object, *, field: str = "visit_date") -> dt.date:
    allowed = "a date (datetime.date or 'YYYY-MM-DD') no later than today"
    if isinstance(value, pd.Timestamp):
        if pd.isna(value):
            raise WorkbookError(field, value, allowed)
        value = value.date()
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise WorkbookError(field, value, allowed) from None
    if not isinstance(value, dt.date):
        raise WorkbookError(field, value, allowed)
    if value > dt.date.today():
        raise WorkbookError(field, value.isoformat(), allowed + f" ({dt.date.today()})")
    return value


def _check_birth_year(value: object) -> int:
    this_year = dt.date.today().year
    low = this_year - MAX_AGE
    allowed = f"a whole year from {low} to {this_year}"
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise WorkbookError("birth_year", value, allowed)
    try:
        number = float(value)
    except ValueError:
        raise WorkbookError("birth_year", value, allowed) from None
    if not math.isfinite(number) or number != int(number) or not low <= number <= this_year:
        raise WorkbookError("birth_year", value, allowed)
    return int(number)


def _is_locked(exc: OperationalError) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return "locked" in text or "busy" in text


@dataclass(frozen=True)
class _Rules:
    """The bounds of data/ the bulk import checks whole columns against, read once per store.

    A single visit is checked value by value through :mod:`workbook.clinical.measures`, which also gives
    the canonical error message; only the import, with millions of readings, needs the bounds
    as dictionaries to check a column at once.
    """

    low: dict[str, float]
    high: dict[str, float]
    position: dict[str, str]
    pain_min: int
    pain_max: int

    @classmethod
    def load(cls) -> _Rules:
        motions = measures.motions_table()
        pain = measures.score_rule("pain_nprs")
        return cls(
            low={m: float(v) for m, v in motions["min_degrees"].items()},
            high={m: float(v) for m, v in motions["max_degrees"].items()},
            position={m: str(v) for m, v in motions["default_position"].items()},
            pain_min=int(pain.min_value),
            pain_max=int(pain.max_value),
        )

    @staticmethod
    def odi(sections: object) -> tuple[str | None, float | None]:
        """The ODI sections as JSON and the index, or (None, None) when not taken."""
        return _check_odi(sections)

    @staticmethod
    def degrees(motion: str, value: object, side: str) -> float:
        return measures.check_degrees(motion, value, side)

    @staticmethod
    def pain(value: object) -> int:
        return measures.check_pain(value)


@dataclass(frozen=True)
class _Reading:
    motion: str
    side: str
    degrees: float
    instrument: str
    position: str


_ROM_ALLOWED = (
    "a mapping {(motion, side): degrees} (or a dict with degrees, instrument, position), "
    "or a DataFrame with columns motion, side, degrees and optionally instrument, position"
)


def _reading(rules: _Rules, motion: object, side: object, value: object) -> _Reading:
    motion = measures.check_motion(motion)
    side = measures.check_side(side)
    instrument: object = "goniometer"
    position: object = rules.position[motion]
    if isinstance(value, Mapping):
        unknown = sorted(set(map(str, value)) - {"degrees", "instrument", "position"})
        if unknown or "degrees" not in value:
            raise WorkbookError(
                f"rom {motion} {side}",
                dict(value),
                "a dict with degrees and optionally instrument and position",
            )
        instrument = value.get("instrument") or instrument
        position = value.get("position") or position
        value = value["degrees"]
    degrees = rules.degrees(motion, value, side)
    return _Reading(
        motion,
        side,
        degrees,
        measures.check_instrument(instrument),
        measures.check_position(position),
    )


def _check_rom(rules: _Rules, rom: object) -> list[_Reading]:
    if rom is None:
        return []
    readings: list[_Reading] = []
    if isinstance(rom, pd.DataFrame):
        missing = [c for c in ("motion", "side", "degrees") if c not in rom.columns]
        if missing:
            raise WorkbookError("rom", f"columns {list(rom.columns)}", _ROM_ALLOWED)
        for row in rom.to_dict("records"):
            extra = {
                k: row[k]
                for k in ("instrument", "position")
                if k in row and isinstance(row[k], str) and row[k]
            }
            value = {"degrees": row["degrees"], **extra} if extra else row["degrees"]
            readings.append(_reading(rules, row["motion"], row["side"], value))
    elif isinstance(rom, Mapping):
        for key, value in rom.items():
            if not isinstance(key, tuple) or len(key) != 2:
                raise WorkbookError(
                    "rom key", key, "a (motion, side) pair such as ('hip_flexion', 'left')"
                )
            readings.append(_reading(rules, key[0], key[1], value))
    else:
        raise WorkbookError("rom", rom, _ROM_ALLOWED)
    seen: set[tuple[str, str]] = set()
    for r in readings:
        if (r.motion, r.side) in seen:
            raise WorkbookError(
                "rom", (r.motion, r.side), "each motion and side measured once per visit"
            )
        seen.add((r.motion, r.side))
    return readings


def _check_odi(odi: object) -> tuple[str | None, float | None]:
    if odi is None:
        return None, None
    if not isinstance(odi, Sequence) or isinstance(odi, str | bytes):
        if isinstance(odi, Iterable) and not isinstance(odi, str | bytes | Mapping):
            odi = list(odi)
        else:
            raise WorkbookError("odi", odi, "a list of 10 section scores (None where unanswered)")
    sections = measures.check_odi_sections(odi)
    return _to_json(list(sections)), float(measures.odi_index(sections))


def _check_routine(routine: object) -> str | None:
    if routine is None:
        return None
    allowed = "a plain dict of text, numbers, lists and dicts, such as routine.to_dict()"
    if not isinstance(routine, Mapping):
        raise WorkbookError("routine", routine, allowed)
    return _check_json("routine", dict(routine), allowed)


def _check_profile(profile: object) -> str:
    if not isinstance(profile, PatientProfile):
        raise WorkbookError("profile", profile, "a PatientProfile")
    return _to_json(profile.to_dict())


# --------------------------------------------------------------------------------------------
# Opening
# --------------------------------------------------------------------------------------------


def _sqlite_engine(url: URL) -> Engine:
    engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # SQLAlchemy's recipe for sqlite3 on Python < 3.12: let SQLAlchemy emit BEGIN itself,
        # so that reads are repeatable and writes can say BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # busy_timeout first: switching to WAL can itself meet a lock.
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
        # FULL: a committed visit survives a crash of the machine, not only of the process.
        cursor.execute("PRAGMA synchronous = FULL")
        # Erased patients are overwritten on disk, not just unlinked from the b-tree.
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("workbook_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def open_store(location: str | os.PathLike[str] | None = None) -> Store:
    """Open (and on first use create) the clinic store.

    Parameters
    ----------
    location : str or Path, optional
        A file path (an SQLite store) or an SQLAlchemy URL (``sqlite:///...``,
        ``postgresql+psycopg://...``). By default ``$WORKBOOK_DB``, else
        :func:`default_store_path` in the per-user data folder.

    Returns
    -------
    Store

    Examples
    --------
    >>> with open_store(tmp_path / "clinic.sqlite") as store:  # doctest: +SKIP
    ...     pid = store.add_patient("Ada Example", 1950, profile)
    """
    return Store(resolve_location(location))


class Store:
    """A clinic's patients and visits. Make one with :func:`open_store`.

    Reading methods return pandas DataFrames (latest versions); writing methods check every
    argument first and then write in a single transaction.
    """

    def __init__(self, url: URL) -> None:
        self._url = url
        self._sqlite = url.get_backend_name() == "sqlite"
        if self._sqlite and url.database not in (None, "", ":memory:"):
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        self._engine = _sqlite_engine(url) if self._sqlite else sa.create_engine(url)
        self._rules = _Rules.load()
        try:
            self._write(self._ensure_schema)
        except DatabaseError as exc:
            self._engine.dispose()
            if isinstance(exc, OperationalError) and _is_locked(exc):
                raise
            raise WorkbookError(
                "store", self.location, f"a workbook store or a new file ({exc.orig})"
            ) from None
        except BaseException:
            self._engine.dispose()
            raise

    # -- plumbing -----------------------------------------------------------------------------

    @property
    def location(self) -> str:
        """The file path of an SQLite store, else the URL (password hidden)."""
        if self._sqlite and self._url.database not in (None, ""):
            return str(self._url.database)
        return self._url.render_as_string(hide_password=True)

    @property
    def url(self) -> URL:
        return self._url

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for tools and tests; callers should use the methods)."""
        return self._engine

    def close(self) -> None:
        """Close every connection. The store can't be used afterwards."""
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        demo = ", demo" if self.is_demo else ""
        return f"<Store {self.location}{demo}>"

    def _transaction(
        self, work: Callable[[Connection], T], *, write: bool, bulk: bool = False
    ) -> T:
        delay = 0.01
        deadline = time.monotonic() + RETRY_FOR_S
        while True:
            try:
                with self._engine.connect() as conn:
                    if write and self._sqlite:
                        conn.execution_options(workbook_begin="IMMEDIATE")
                    if bulk and self._sqlite:
                        with _bulk_settings(conn), conn.begin():
                            result = work(conn)
                            _check_links(conn)
                            return result
                    with conn.begin():
                        return work(conn)
            except OperationalError as exc:
                if not _is_locked(exc):
                    raise
                if time.monotonic() > deadline:
                    raise StoreBusyError(
                        f"The store {self.location} stayed busy for {RETRY_FOR_S:g} s: another "
                        "program is writing to it. Nothing was saved; try again."
                    ) from None
                # Jitter, so that two waiting writers don't retry in lockstep.
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 0.5)

    def _write(self, work: Callable[[Connection], T]) -> T:
        return self._transaction(work, write=True)

    def _read(self, work: Callable[[Connection], T]) -> T:
        return self._transaction(work, write=False)

    def _ensure_schema(self, conn: Connection) -> None:
        if conn.dialect.name == "postgresql":
            # Several servers opening a new PostgreSQL store at once would race to CREATE the
            # same tables (a duplicate key in pg_type); this lock, held until commit, lets one
            # create them and the others find them. SQLite's BEGIN IMMEDIATE already does so.
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK_KEY})
        names = set(sa.inspect(conn).get_table_names())
        if names and "schema_version" not in names:
            raise WorkbookError(
                "store",
                self.location,
                "a workbook store or a new file; this database holds "
                f"other tables ({', '.join(sorted(names)[:5])})",
            )
        metadata.create_all(conn, checkfirst=True)
        current = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar()
        if current is None:
            conn.execute(schema_version.insert(), {"version": SCHEMA_VERSION, "applied_at": _now()})
            conn.execute(
                store_meta.insert(),
                [
                    {"key": "store_id", "value": _new_id("s_")},
                    {"key": "created_at", "value": _now()},
                    {"key": "is_demo", "value": "false"},
                ],
            )
            return
        if current > SCHEMA_VERSION:
            raise WorkbookError(
                "store schema version",
                current,
                f"at most {SCHEMA_VERSION}: this store was written by a newer workbook; update it",
            )
        for version in range(current + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[version](conn)
            conn.execute(schema_version.insert(), {"version": version, "applied_at": _now()})

    def meta(self) -> dict[str, str]:
        """The store's metadata: store_id, created_at, is_demo, schema_version."""

        def work(conn: Connection) -> dict[str, str]:
            rows = dict(conn.execute(sa.select(store_meta.c.key, store_meta.c.value)).all())
            rows["schema_version"] = str(
                conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar()
            )
            return rows

        return self._read(work)

    @property
    def is_demo(self) -> bool:
        """True when :func:`workbook.records.demo.make_demo_store` made this store."""
        return self.meta().get("is_demo") == "true"

    def mark_as_demo(self) -> None:
        """Flag the store as a demo of fictional patients (used by ``make_demo_store``)."""
        self._write(
            lambda conn: conn.execute(
                store_meta.update().where(store_meta.c.key == "is_demo").values(value="true")
            )
        )

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
        name = _check_required_text("name", name, f"the patient's name, up to {MAX_NAME_CHARS}")
        if len(name) > MAX_NAME_CHARS:
            raise WorkbookError("name", name, f"a name of at most {MAX_NAME_CHARS} characters")
        birth_year = _check_birth_year(birth_year)
        profile_json = _check_profile(profile)
        details_json = _check_json(
            "details", details, "text, numbers, lists or dicts (phone, email, mrn, address...)"
        )
        patient_id = _new_id("p_")
        now = _now()

        def work(conn: Connection) -> None:
            conn.execute(
                patients_t.insert(),
                {
                    "patient_id": patient_id,
                    "name": name,
                    "birth_year": birth_year,
                    "details": details_json,
                    "created_at": now,
                },
            )
            conn.execute(
                profiles_t.insert(),
                {
                    "patient_id": patient_id,
                    "version": 1,
                    "profile": profile_json,
                    "changed_at": now,
                    "changed_by": "",
                    "reason": "first profile",
                },
            )

        self._write(work)
        return patient_id

    def patients(self) -> pd.DataFrame:
        """One row per patient, sorted by name.

        Columns: patient_id, name, birth_year, age (this year minus the birth year),
        created_at (UTC), n_visits, last_visit_date.
        """
        counts = (
            sa.select(
                visits_t.c.patient_id,
                sa.func.count().label("n_visits"),
                sa.func.max(visits_t.c.visit_date).label("last_visit_date"),
            )
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
        ).select_from(patients_t.outerjoin(counts, counts.c.patient_id == patients_t.c.patient_id))
        rows = self._read(lambda conn: conn.execute(query).all())
        columns = ["patient_id", "name", "birth_year", "created_at", "n_visits", "last_visit_date"]
        frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
        frame["patient_id"] = frame["patient_id"].astype(str)
        frame["name"] = frame["name"].astype(str)
        frame["birth_year"] = frame["birth_year"].astype("int64")
        frame.insert(3, "age", (dt.date.today().year - frame["birth_year"]).astype("int64"))
        frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True, format="ISO8601")
        frame["n_visits"] = frame["n_visits"].fillna(0).astype("int64")
        frame["last_visit_date"] = pd.to_datetime(frame["last_visit_date"], format="%Y-%m-%d")
        order = frame["name"].str.casefold()
        frame = frame.assign(_key=order).sort_values(["_key", "patient_id"]).drop(columns="_key")
        return frame.reset_index(drop=True)

    def find_patients(self, text: str) -> pd.DataFrame:
        """Patients whose name contains ``text`` (any case), or whose id is exactly ``text``."""
        text = _check_text("text", text, limit=MAX_NAME_CHARS).strip()
        table = self.patients()
        if not text:
            return table
        match = table["name"].str.casefold().str.contains(text.casefold(), regex=False)
        return table[match | (table["patient_id"] == text)].reset_index(drop=True)

    def _patient_row(self, conn: Connection, patient_id: object) -> sa.Row[Any]:
        row = None
        if isinstance(patient_id, str):
            row = conn.execute(
                sa.select(patients_t).where(patients_t.c.patient_id == patient_id)
            ).first()
        if row is None:
            raise WorkbookError("patient_id", patient_id, "the id of a patient in this store")
        return row

    def _latest_profile(self, conn: Connection, patient_id: str) -> dict[str, Any]:
        text = conn.execute(
            sa.select(profiles_t.c.profile)
            .where(profiles_t.c.patient_id == patient_id)
            .order_by(profiles_t.c.version.desc())
            .limit(1)
        ).scalar_one()
        return json.loads(text)

    def patient(self, patient_id: str) -> dict[str, Any]:
        """A patient's record: patient_id, name, birth_year, details, profile (dict), created_at."""

        def work(conn: Connection) -> dict[str, Any]:
            row = self._patient_row(conn, patient_id)
            return {
                "patient_id": row.patient_id,
                "name": row.name,
                "birth_year": row.birth_year,
                "details": json.loads(row.details),
                "profile": self._latest_profile(conn, row.patient_id),
                "created_at": row.created_at,
            }

        return self._read(work)

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
        profile_json = _check_profile(profile)
        changed_by = _check_text("changed_by", changed_by, limit=MAX_NAME_CHARS)
        reason = _check_text("reason", reason)
        now = _now()

        def work(conn: Connection) -> int:
            self._patient_row(conn, patient_id)
            version = conn.execute(
                sa.select(sa.func.max(profiles_t.c.version)).where(
                    profiles_t.c.patient_id == patient_id
                )
            ).scalar_one()
            conn.execute(
                profiles_t.insert(),
                {
                    "patient_id": patient_id,
                    "version": version + 1,
                    "profile": profile_json,
                    "changed_at": now,
                    "changed_by": changed_by,
                    "reason": reason,
                },
            )
            self._audit(
                conn,
                "update_profile",
                patient_id=patient_id,
                actor=changed_by,
                reason=reason,
                detail={"version": version + 1},
            )
            return version + 1

        return self._write(work)

    def profile_history(self, patient_id: str) -> pd.DataFrame:
        """Every profile of a patient, oldest first.

        Columns: version, changed_at, changed_by, reason, profile (dict), and the profile's
        fields (age, activity, floor_transfer, kneeling, conditions, equipment).
        """

        def work(conn: Connection) -> list[sa.Row[Any]]:
            self._patient_row(conn, patient_id)
            return list(
                conn.execute(
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
            )

        rows = self._read(work)
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

    def remove_patient(self, patient_id: str, *, reason: str, requested_by: str) -> dict[str, int]:
        """Erase a patient on request: an explicit, logged purge.

        The patient's name, details, profiles, visits (every version) and measurements are
        deleted (SQLite overwrites the freed pages and the write-ahead log is truncated), so
        the data can't be recovered from the file. The audit log keeps one line with the opaque
        patient id, who asked, why, when and how many records went; write no identifying
        details into ``reason``.

        Returns
        -------
        dict
            Counts of deleted rows per table.
        """
        reason = _check_required_text("reason", reason, "why the patient is removed")
        requested_by = _check_required_text(
            "requested_by", requested_by, "who asked for the removal"
        )

        def work(conn: Connection) -> dict[str, int]:
            self._patient_row(conn, patient_id)
            visit_ids = sa.select(visits_t.c.visit_id).where(visits_t.c.patient_id == patient_id)
            counts = {
                "measurements": conn.execute(
                    measurements_t.delete().where(measurements_t.c.visit_id.in_(visit_ids))
                ).rowcount,
                "visit_versions": conn.execute(
                    visit_versions_t.delete().where(visit_versions_t.c.visit_id.in_(visit_ids))
                ).rowcount,
                "visits": conn.execute(
                    visits_t.delete().where(visits_t.c.patient_id == patient_id)
                ).rowcount,
                "profiles": conn.execute(
                    profiles_t.delete().where(profiles_t.c.patient_id == patient_id)
                ).rowcount,
                "patients": conn.execute(
                    patients_t.delete().where(patients_t.c.patient_id == patient_id)
                ).rowcount,
            }
            self._audit(
                conn,
                "remove_patient",
                patient_id=patient_id,
                actor=requested_by,
                reason=reason,
                detail=counts,
            )
            return counts

        counts = self._write(work)
        if self._sqlite:
            # The write-ahead log still holds copies of the erased pages until a checkpoint.
            try:
                with self._engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            except OperationalError:  # a reader holds the log open; the next checkpoint will do
                pass
        return counts

    def audit_log(self) -> pd.DataFrame:
        """The audit log, oldest first: at, event, patient_id, visit_id, actor, reason, detail."""
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
        rows = self._read(lambda conn: conn.execute(query).all())
        frame = pd.DataFrame([tuple(r) for r in rows], columns=list(query.selected_columns.keys()))
        frame["at"] = pd.to_datetime(frame["at"], utc=True, format="ISO8601")
        frame["detail"] = [json.loads(d) for d in frame["detail"]]
        return frame

    def _audit(
        self,
        conn: Connection,
        event_name: str,
        *,
        patient_id: str | None = None,
        visit_id: str | None = None,
        actor: str = "",
        reason: str = "",
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        conn.execute(
            audit_log_t.insert(),
            {
                "event_id": _new_id("e_"),
                "at": _now(),
                "event": event_name,
                "patient_id": patient_id,
                "visit_id": visit_id,
                "actor": actor,
                "reason": reason,
                "detail": _to_json(dict(detail or {})),
            },
        )

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
    ) -> str:
        """Record a visit: range of motion, pain, ODI and the routine given.

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

        Returns
        -------
        str
            The visit id, such as ``'v_2fQm0xYwVa'``.

        Raises
        ------
        WorkbookError
            Naming the field, the value and what is allowed; nothing is written.
        """
        visit_date = _check_date(visit_date)
        readings = _check_rom(self._rules, rom)
        pain_nprs = None if pain is None else self._rules.pain(pain)
        odi_sections, odi_idx = self._rules.odi(odi)
        routine_json = _check_routine(routine)
        # Inside a JupyterHub the logged-in therapist is who saw the patient.
        therapist = _check_text("therapist", therapist or _hub_user(), limit=MAX_NAME_CHARS)
        notes = _check_text("notes", notes)
        visit_id = _new_id("v_")
        now = _now()

        def work(conn: Connection) -> None:
            patient = self._patient_row(conn, patient_id)
            self._check_after_birth(visit_date, patient.birth_year)
            conn.execute(
                visits_t.insert(),
                {
                    "visit_id": visit_id,
                    "patient_id": patient_id,
                    "current_version": 1,
                    "visit_date": visit_date.isoformat(),
                    "created_at": now,
                },
            )
            self._insert_version(
                conn,
                visit_id,
                1,
                {
                    "visit_date": visit_date.isoformat(),
                    "pain_nprs": pain_nprs,
                    "odi_sections": odi_sections,
                    "odi_index": odi_idx,
                    "therapist": therapist,
                    "notes": notes,
                    "routine": routine_json,
                    "changed_at": now,
                    "changed_by": therapist,
                    "reason": "recorded",
                },
                readings,
            )

        self._write(work)
        return visit_id

    @staticmethod
    def _check_after_birth(visit_date: dt.date, birth_year: int) -> None:
        if visit_date.year < birth_year:
            raise WorkbookError(
                "visit_date",
                visit_date.isoformat(),
                f"a date no earlier than the patient's birth year ({birth_year})",
            )

    @staticmethod
    def _insert_version(
        conn: Connection,
        visit_id: str,
        version: int,
        values: Mapping[str, Any],
        readings: Sequence[_Reading],
    ) -> None:
        conn.execute(
            visit_versions_t.insert(), {"visit_id": visit_id, "version": version, **values}
        )
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

    _VISIT_COLUMNS = (
        "visit_id",
        "patient_id",
        "visit_date",
        "pain_nprs",
        "odi_index",
        "odi_sections",
        "therapist",
        "notes",
        "routine",
        "version",
        "amended",
    )

    def visits(self, patient_id: str) -> pd.DataFrame:
        """A patient's visits, latest versions, sorted by date.

        Columns: visit_id, patient_id, visit_date (datetime64), pain_nprs (float, NaN when not
        rated), odi_index (float), odi_sections (tuple or None), therapist, notes, routine (dict
        or None), version, amended (bool).
        """
        vv = visit_versions_t
        query = (
            sa.select(
                visits_t.c.visit_id,
                visits_t.c.patient_id,
                vv.c.visit_date,
                vv.c.pain_nprs,
                vv.c.odi_index,
                vv.c.odi_sections,
                vv.c.therapist,
                vv.c.notes,
                vv.c.routine,
                vv.c.version,
            )
            .select_from(
                visits_t.join(
                    vv,
                    (vv.c.visit_id == visits_t.c.visit_id)
                    & (vv.c.version == visits_t.c.current_version),
                )
            )
            .where(visits_t.c.patient_id == sa.bindparam("patient_id"))
            .order_by(visits_t.c.visit_date, visits_t.c.created_at, visits_t.c.visit_id)
        )

        def work(conn: Connection) -> list[Any]:
            self._patient_row(conn, patient_id)
            return list(conn.execute(query, {"patient_id": patient_id}).all())

        return self._visit_frame(self._read(work))

    @classmethod
    def _visit_frame(cls, rows: Sequence[Any]) -> pd.DataFrame:
        columns = list(cls._VISIT_COLUMNS[:-1])
        rows = [tuple(r) for r in rows]
        # pandas 3 would read None in a text column as NaN: decode the JSON columns first.
        sections = columns.index("odi_sections")
        routine = columns.index("routine")
        decoded = [
            (
                *r[:sections],
                None if r[sections] is None else tuple(json.loads(r[sections])),
                *r[sections + 1 : routine],
                _from_json(r[routine]),
                *r[routine + 1 :],
            )
            for r in rows
        ]
        frame = pd.DataFrame(decoded, columns=columns, dtype=object)
        frame["visit_id"] = frame["visit_id"].astype(str)
        frame["patient_id"] = frame["patient_id"].astype(str)
        frame["visit_date"] = pd.to_datetime(frame["visit_date"], format="%Y-%m-%d")
        frame["pain_nprs"] = pd.to_numeric(frame["pain_nprs"]).astype("float64")
        frame["odi_index"] = pd.to_numeric(frame["odi_index"]).astype("float64")
        frame["therapist"] = frame["therapist"].astype(str)
        frame["notes"] = frame["notes"].astype(str)
        frame["version"] = frame["version"].astype("int64")
        frame["amended"] = frame["version"] > 1
        return frame

    def measurements(self, patient_id: str) -> pd.DataFrame:
        """A patient's range of motion, one row per measurement, latest visit versions.

        Columns: visit_id, visit_date (datetime64), motion, side, degrees (float),
        instrument, position; sorted by date, motion, side.
        """
        m = measurements_t
        query = (
            sa.select(
                m.c.visit_id,
                visits_t.c.visit_date,
                m.c.motion,
                m.c.side,
                m.c.degrees,
                m.c.instrument,
                m.c.position,
            )
            .select_from(
                visits_t.join(
                    m,
                    (m.c.visit_id == visits_t.c.visit_id)
                    & (m.c.version == visits_t.c.current_version),
                )
            )
            .where(visits_t.c.patient_id == sa.bindparam("patient_id"))
            .order_by(
                visits_t.c.visit_date, visits_t.c.created_at, m.c.visit_id, m.c.motion, m.c.side
            )
        )

        def work(conn: Connection) -> list[Any]:
            self._patient_row(conn, patient_id)
            return list(conn.execute(query, {"patient_id": patient_id}).all())

        rows = self._read(work)
        frame = pd.DataFrame(
            [tuple(r) for r in rows],
            columns=[
                "visit_id",
                "visit_date",
                "motion",
                "side",
                "degrees",
                "instrument",
                "position",
            ],
        )
        frame["visit_date"] = pd.to_datetime(frame["visit_date"], format="%Y-%m-%d")
        frame["degrees"] = frame["degrees"].astype("float64")
        return frame

    def _version_row(self, conn: Connection, visit_id: object) -> tuple[sa.Row[Any], sa.Row[Any]]:
        row = None
        if isinstance(visit_id, str):
            row = conn.execute(
                sa.select(visits_t).where(visits_t.c.visit_id == visit_id).with_for_update()
            ).first()
        if row is None:
            raise WorkbookError("visit_id", visit_id, "the id of a visit in this store")
        patient = self._patient_row(conn, row.patient_id)
        current = conn.execute(
            sa.select(visit_versions_t).where(
                (visit_versions_t.c.visit_id == visit_id)
                & (visit_versions_t.c.version == row.current_version)
            )
        ).one()
        return current, patient

    def amend_visit(
        self, visit_id: str, *, reason: str, changed_by: str = "", **changes: Any
    ) -> int:
        """Correct a visit by writing a new version; the earlier versions stay readable.

        Parameters
        ----------
        visit_id : str
        reason : str
            Why the record changes (required).
        changed_by : str
            Who changes it.
        **changes
            Any of visit_date, rom, pain, odi, notes, therapist, routine, with the same rules
            as :meth:`log_visit`. ``rom`` replaces the whole set of measurements of the visit
            (pass the corrected full set; a reading left out is no longer part of the visit).
            Passing None for pain, odi or routine clears it. Fields not passed are carried over.

        Returns
        -------
        int
            The new version number (2 for the first correction).
        """
        reason = _check_required_text("reason", reason, "why the visit is corrected")
        changed_by = _check_text("changed_by", changed_by, limit=MAX_NAME_CHARS)
        for key in changes:
            if key not in AMENDABLE:
                raise WorkbookError("changes", key, one_of(AMENDABLE))
        if not changes:
            raise WorkbookError("changes", {}, f"at least one of {', '.join(AMENDABLE)}")
        new: dict[str, Any] = {}
        if "visit_date" in changes:
            new["visit_date"] = _check_date(changes["visit_date"])
        readings = _check_rom(self._rules, changes["rom"]) if "rom" in changes else None
        if "pain" in changes:
            pain = changes["pain"]
            new["pain_nprs"] = None if pain is None else self._rules.pain(pain)
        if "odi" in changes:
            new["odi_sections"], new["odi_index"] = self._rules.odi(changes["odi"])
        if "routine" in changes:
            new["routine"] = _check_routine(changes["routine"])
        if "therapist" in changes:
            new["therapist"] = _check_text("therapist", changes["therapist"], limit=MAX_NAME_CHARS)
        if "notes" in changes:
            new["notes"] = _check_text("notes", changes["notes"])
        now = _now()

        def work(conn: Connection) -> int:
            current, patient = self._version_row(conn, visit_id)
            if "visit_date" in new:
                self._check_after_birth(new["visit_date"], patient.birth_year)
                new["visit_date"] = new["visit_date"].isoformat()
            old_readings = self._readings(conn, visit_id, current.version)
            values = {
                c: getattr(current, c)
                for c in (
                    "visit_date",
                    "pain_nprs",
                    "odi_sections",
                    "odi_index",
                    "therapist",
                    "notes",
                    "routine",
                )
            }
            changed = [k for k, v in new.items() if values[k] != v]
            values.update(new)
            if readings is not None and sorted(readings, key=_key) != sorted(
                old_readings, key=_key
            ):
                changed.append("rom")
            if not changed:
                raise WorkbookError(
                    "changes",
                    sorted(changes),
                    f"at least one value that differs from the current version ({current.version})",
                )
            version = current.version + 1
            values.update(changed_at=now, changed_by=changed_by, reason=reason)
            self._insert_version(
                conn, visit_id, version, values, old_readings if readings is None else readings
            )
            conn.execute(
                visits_t.update()
                .where(visits_t.c.visit_id == visit_id)
                .values(current_version=version, visit_date=values["visit_date"])
            )
            self._audit(
                conn,
                "amend_visit",
                patient_id=patient.patient_id,
                visit_id=visit_id,
                actor=changed_by,
                reason=reason,
                detail={"version": version, "changed": sorted(set(changed))},
            )
            return version

        return self._write(work)

    @staticmethod
    def _readings(conn: Connection, visit_id: str, version: int) -> list[_Reading]:
        m = measurements_t
        rows = conn.execute(
            sa.select(m.c.motion, m.c.side, m.c.degrees, m.c.instrument, m.c.position).where(
                (m.c.visit_id == visit_id) & (m.c.version == version)
            )
        ).all()
        return [_Reading(*r) for r in rows]

    def visit_history(self, visit_id: str) -> pd.DataFrame:
        """Every version of a visit, oldest first, with who changed it, when and why.

        Columns: the :meth:`visits` columns plus changed_at (UTC), changed_by, reason,
        changed (the fields that differ from the previous version) and rom (dict
        ``{(motion, side): degrees}`` of that version).
        """
        vv = visit_versions_t

        def work(conn: Connection) -> tuple[list[Any], list[Any]]:
            head = conn.execute(sa.select(visits_t).where(visits_t.c.visit_id == visit_id)).first()
            if head is None or not isinstance(visit_id, str):
                raise WorkbookError("visit_id", visit_id, "the id of a visit in this store")
            versions = conn.execute(
                sa.select(
                    vv.c.visit_id,
                    sa.literal(head.patient_id).label("patient_id"),
                    vv.c.visit_date,
                    vv.c.pain_nprs,
                    vv.c.odi_index,
                    vv.c.odi_sections,
                    vv.c.therapist,
                    vv.c.notes,
                    vv.c.routine,
                    vv.c.version,
                    vv.c.changed_at,
                    vv.c.changed_by,
                    vv.c.reason,
                )
                .where(vv.c.visit_id == visit_id)
                .order_by(vv.c.version)
            ).all()
            m = measurements_t
            readings = conn.execute(
                sa.select(m.c.version, m.c.motion, m.c.side, m.c.degrees)
                .where(m.c.visit_id == visit_id)
                .order_by(m.c.version, m.c.motion, m.c.side)
            ).all()
            return list(versions), list(readings)

        versions, readings = self._read(work)
        frame = self._visit_frame([tuple(r)[:10] for r in versions])
        frame["changed_at"] = pd.to_datetime(
            [r.changed_at for r in versions], utc=True, format="ISO8601"
        )
        frame["changed_by"] = [r.changed_by for r in versions]
        frame["reason"] = [r.reason for r in versions]
        rom: dict[int, dict[tuple[str, str], float]] = {int(v): {} for v in frame["version"]}
        for version, motion, side, degrees in readings:
            rom[int(version)][(motion, side)] = float(degrees)
        frame["rom"] = pd.Series([rom[int(v)] for v in frame["version"]], dtype=object)
        fields = ("visit_date", "pain_nprs", "odi_sections", "therapist", "notes", "routine", "rom")
        changed: list[tuple[str, ...]] = []
        for i in range(len(frame)):
            if i == 0:
                changed.append(())
                continue
            before, after = frame.iloc[i - 1], frame.iloc[i]
            changed.append(tuple(f for f in fields if not _same(before[f], after[f])))
        frame["changed"] = pd.Series(changed, dtype=object)
        return frame

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
        # A full pass over every reading (window functions over 3.6 million rows) takes tens
        # of seconds. Instead: each patient's first and last visit through the index on
        # (patient_id, visit_date), and the readings of those two visits only. That is exact
        # for a patient whose first and last visits hold every motion and side (the number of
        # readings is counted in SQL); the few patients with a reading missed at either end
        # are computed from all their readings. Readings are never paired per patient: over
        # the same followed patients, the mean change is the difference of the two means.
        v, m = visits_t, measurements_t
        keys = ("visit_date", "created_at", "visit_id")
        n_pairs = len(measures.MOTIONS) * len(measures.SIDES)

        def end_visit(last: bool) -> sa.ScalarSelect[Any]:
            inner = v.alias("ends_inner")
            order = [inner.c[k].desc() if last else inner.c[k] for k in keys]
            return (
                sa.select(inner.c.visit_id)
                .where(inner.c.patient_id == patients_t.c.patient_id)
                .order_by(*order)
                .limit(1)
                .scalar_subquery()
            )

        visit_ends = sa.select(
            patients_t.c.patient_id,
            end_visit(last=False).label("first_visit"),
            end_visit(last=True).label("last_visit"),
        ).cte("visit_ends")

        def n_readings(column: sa.ColumnElement[Any]) -> sa.ScalarSelect[Any]:
            counted = v.alias("counted")
            return (
                sa.select(sa.func.count())
                .select_from(
                    counted.join(
                        m,
                        (m.c.visit_id == counted.c.visit_id)
                        & (m.c.version == counted.c.current_version),
                    )
                )
                .where(counted.c.visit_id == column)
                .scalar_subquery()
            )

        ends = sa.select(
            visit_ends.c.patient_id,
            visit_ends.c.first_visit,
            visit_ends.c.last_visit,
            n_readings(visit_ends.c.first_visit).label("n_first"),
            n_readings(visit_ends.c.last_visit).label("n_last"),
        ).cte("ends")
        complete = (ends.c.n_first == n_pairs) & (ends.c.n_last == n_pairs)

        def readings_at(column: sa.ColumnElement[Any], which: str) -> sa.Select[Any]:
            return (
                sa.select(
                    sa.literal(which).label("end"),
                    m.c.motion,
                    m.c.side,
                    m.c.degrees,
                    (ends.c.first_visit != ends.c.last_visit).label("followed"),
                )
                .select_from(
                    ends.join(v, v.c.visit_id == column).join(
                        m, (m.c.visit_id == v.c.visit_id) & (m.c.version == v.c.current_version)
                    )
                )
                .where(complete)
            )

        at_ends = sa.union_all(
            readings_at(ends.c.first_visit, "first"), readings_at(ends.c.last_visit, "last")
        )
        partial_ids = sa.select(ends.c.patient_id).where(
            ends.c.first_visit.is_not(None) & ~complete
        )
        all_readings = (
            sa.select(
                v.c.patient_id,
                v.c.visit_date,
                v.c.created_at,
                v.c.visit_id,
                m.c.motion,
                m.c.side,
                m.c.degrees,
            )
            .select_from(
                v.join(m, (m.c.visit_id == v.c.visit_id) & (m.c.version == v.c.current_version))
            )
            .where(v.c.patient_id.in_(sa.bindparam("ids", expanding=True)))
        )

        def work(conn: Connection) -> pd.DataFrame:
            # Plain tuples: pandas probes a Row's attributes, which costs seconds here.
            rows = [tuple(r) for r in conn.execute(at_ends)]
            quick = pd.DataFrame(rows, columns=["end", "motion", "side", "degrees", "followed"])
            quick["followed"] = quick["followed"].astype(bool)
            partial = list(conn.execute(partial_ids).scalars())
            pieces = []
            for start in range(0, len(partial), 500):
                chunk = conn.execute(all_readings, {"ids": partial[start : start + 500]}).all()
                pieces.append(_ends_of(chunk))
            return pd.concat([quick, *pieces], ignore_index=True)

        return _summarise(self._read(work))

    # -- export and import --------------------------------------------------------------------

    def export_csv(self, folder: str | os.PathLike[str]) -> list[Path]:
        """Write the whole store to ``folder``, one CSV per table (``<table>.csv``).

        The files hold every identifier and every version: keep them as safe as the store.
        NULL is written as an empty cell; text columns are never NULL, so the two don't mix.
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)

        def work(conn: Connection) -> list[Path]:
            written = []
            for table in TABLES:
                path = folder / f"{table.name}.csv"
                keys = [c.name for c in table.primary_key.columns]
                query = sa.select(table).order_by(*[table.c[k] for k in keys])
                with path.open("w", newline="", encoding="utf-8") as handle:
                    writer = csv.writer(handle)
                    writer.writerow([c.name for c in table.columns])
                    result = conn.execution_options(yield_per=20_000).execute(query)
                    for chunk in result.partitions():
                        writer.writerows(["" if v is None else v for v in row] for row in chunk)
                written.append(path)
            return written

        return self._read(work)

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
        folder = Path(folder)
        frames = {table.name: _read_export(folder, table) for table in TABLES}
        _check_import(frames, self._rules)

        def work(conn: Connection) -> dict[str, int]:
            if conn.execute(sa.select(sa.func.count()).select_from(patients_t)).scalar() or (
                conn.execute(sa.select(sa.func.count()).select_from(audit_log_t)).scalar()
            ):
                raise WorkbookError("store", self.location, "an empty store to import into")
            counts = {}
            meta = frames["store_meta"]
            conn.execute(store_meta.delete())
            for table in TABLES:
                frame = meta if table is store_meta else frames[table.name]
                counts[table.name] = len(frame)
                # The bulk path: the INSERT compiled once for this database, rows handed to
                # the driver's executemany as plain tuples (SQLAlchemy's per-row parameter
                # handling would take most of the import's time).
                compiled = table.insert().compile(dialect=conn.dialect)
                names = list(compiled.positiontup or []) if compiled.positional else None
                for start in range(0, len(frame), chunk_rows):
                    rows = _rows(frame.iloc[start : start + chunk_rows], names)
                    if not rows:
                        continue
                    try:
                        conn.exec_driver_sql(str(compiled), rows)
                    except IntegrityError as exc:
                        raise WorkbookError(
                            f"{table.name}.csv",
                            "a row that breaks an id link or repeats a key",
                            f"ids that match the other files, each once ({exc.orig})",
                        ) from None
            return counts

        return self._transaction(work, write=True, bulk=True)

    def table_counts(self) -> dict[str, int]:
        """Rows per table: a cheap fingerprint to check that nothing was written."""

        def work(conn: Connection) -> dict[str, int]:
            return {
                t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
                for t in (*TABLES, schema_version)
            }

        return self._read(work)


@contextlib.contextmanager
def _bulk_settings(conn: Connection) -> Iterator[None]:
    """SQLite: foreign keys checked once over the whole import, not row by row.

    :func:`_check_links` runs SQLite's own check before the commit (about 2 s for a large
    clinic). The pragma works only outside a transaction, on this connection; it is restored.
    """
    raw = conn.connection.driver_connection
    raw.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys = ON")


def _check_links(conn: Connection) -> None:
    """Every id in the store points at an existing row (SQLite's own check, in one pass)."""
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        table, _rowid, parent, _key = broken[0]
        raise WorkbookError(
            f"{table}.csv",
            f"{len(broken)} row(s) pointing at nothing in {parent}.csv",
            f"ids that match the other files ({parent}.csv)",
        )


def _key(r: _Reading) -> tuple[str, str]:
    return (r.motion, r.side)


def _same(a: object, b: object) -> bool:
    """Equal, counting two NaNs (two unrecorded pain ratings) as the same."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def _ends_of(rows: Sequence[Any]) -> pd.DataFrame:
    """First and last reading per patient, motion and side, from all of a patient's rows.

    Same columns as the quick path: end ('first' or 'last'), motion, side, degrees, followed
    (measured at two visits or more).
    """
    frame = pd.DataFrame(
        [tuple(r) for r in rows],
        columns=["patient_id", "visit_date", "created_at", "visit_id", "motion", "side", "degrees"],
    ).sort_values(["visit_date", "created_at", "visit_id"])
    grouped = frame.groupby(["patient_id", "motion", "side"])["degrees"]
    followed = grouped.size() >= 2
    parts = []
    for end, values in (("first", grouped.first()), ("last", grouped.last())):
        part = pd.DataFrame({"degrees": values, "followed": followed}).reset_index()
        parts.append(part.drop(columns="patient_id").assign(end=end))
    return pd.concat(parts, ignore_index=True)


_SUMMARY_COLUMNS = (
    "motion",
    "side",
    "n_patients",
    "n_followed",
    "baseline_mean_degrees",
    "baseline_median_degrees",
    "latest_mean_degrees",
    "latest_median_degrees",
    "change_mean_degrees",
)


def _summarise(readings: pd.DataFrame) -> pd.DataFrame:
    """Per motion and side, from each patient's first and last reading (one row each).

    ``readings``: end ('first' or 'last'), motion, side, degrees, followed.
    """
    columns = list(_SUMMARY_COLUMNS)
    if readings.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns}).astype(
            {"motion": object, "side": object, "n_patients": "int64", "n_followed": "int64"}
        )
    by = ["motion", "side"]
    first = readings[readings["end"] == "first"]
    last = readings[readings["end"] == "last"]
    base = first.groupby(by)["degrees"].agg(["size", "mean", "median"])
    base.columns = ["n_patients", "baseline_mean_degrees", "baseline_median_degrees"]
    late = last.groupby(by)["degrees"].agg(["mean", "median"])
    late.columns = ["latest_mean_degrees", "latest_median_degrees"]
    before = first[first["followed"]].groupby(by)["degrees"].agg(["size", "mean"])
    after = last[last["followed"]].groupby(by)["degrees"].mean()
    moved = pd.DataFrame(
        {"n_followed": before["size"], "change_mean_degrees": after - before["mean"]}
    )
    summary = base.join(late).join(moved).reset_index()
    summary["n_followed"] = summary["n_followed"].fillna(0).astype("int64")
    summary["n_patients"] = summary["n_patients"].astype("int64")
    order = {m: i for i, m in enumerate(measures.MOTIONS)}
    summary = summary.sort_values(
        ["motion", "side"], key=lambda s: s.map(order) if s.name == "motion" else s
    )
    return summary[columns].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# CSV import checks
# --------------------------------------------------------------------------------------------

_INT_COLUMNS = {"birth_year", "version", "current_version", "pain_nprs"}
_FLOAT_COLUMNS = {"degrees", "odi_index"}


def _read_export(folder: Path, table: sa.Table) -> pd.DataFrame:
    path = folder / f"{table.name}.csv"
    columns = [c.name for c in table.columns]
    if not path.is_file():
        raise WorkbookError("file", str(path), f"the folder must hold {table.name}.csv")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[], encoding="utf-8")
    if list(frame.columns) != columns:
        raise WorkbookError(
            f"{table.name}.csv columns", list(frame.columns), f"exactly {', '.join(columns)}"
        )
    for column in table.columns:
        name = column.name
        values = frame[name]
        if name in _INT_COLUMNS or name in _FLOAT_COLUMNS:
            text = values.where(values != "")
            try:  # the quick parse; to_numeric (three times slower) only to find a bad cell
                numbers = text.astype("float64")
            except (TypeError, ValueError):
                numbers = pd.to_numeric(text, errors="coerce")
            bad = (numbers.isna() | np.isinf(numbers)) & (values != "")
            if not column.nullable:
                bad |= values == ""
            if name in _INT_COLUMNS:
                bad |= numbers.notna() & (numbers != numbers.round())
            if bad.any():
                row = int(bad.to_numpy().nonzero()[0][0])
                raise WorkbookError(
                    name,
                    values.iloc[row],
                    f"{'a whole number' if name in _INT_COLUMNS else 'a number'}",
                    where=f"{table.name}.csv row {row + 2}",
                )
            frame[name] = (
                numbers.astype("Int64") if name in _INT_COLUMNS else numbers.astype("float64")
            )
        elif column.nullable:
            frame[name] = values.where(values != "", None)
    return frame


def _first_bad(frame: pd.DataFrame, bad: pd.Series, table: str, column: str, allowed: str) -> None:
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise WorkbookError(
            column, frame[column].iloc[row], allowed, where=f"{table}.csv row {row + 2}"
        )


def _check_import(frames: dict[str, pd.DataFrame], rules: _Rules) -> None:
    meta = frames["store_meta"]
    _first_bad(
        meta,
        ~meta["key"].isin(["store_id", "created_at", "is_demo"]),
        "store_meta",
        "key",
        one_of(["store_id", "created_at", "is_demo"]),
    )
    m = frames["measurements"]
    _first_bad(
        m, ~m["motion"].isin(measures.MOTIONS), "measurements", "motion", one_of(measures.MOTIONS)
    )
    _first_bad(m, ~m["side"].isin(measures.SIDES), "measurements", "side", one_of(measures.SIDES))
    _first_bad(
        m,
        ~m["instrument"].isin(measures.INSTRUMENTS),
        "measurements",
        "instrument",
        one_of(measures.INSTRUMENTS),
    )
    _first_bad(
        m,
        ~m["position"].isin(measures.POSITIONS),
        "measurements",
        "position",
        one_of(measures.POSITIONS),
    )
    low = m["motion"].map(rules.low)
    high = m["motion"].map(rules.high)
    _first_bad(
        m,
        ~m["degrees"].between(low, high),
        "measurements",
        "degrees",
        "a number of degrees within the motion's bounds in data/motions.csv",
    )
    vv = frames["visit_versions"]
    pain = vv["pain_nprs"]
    _first_bad(
        vv,
        pain.notna() & ~pain.between(rules.pain_min, rules.pain_max),
        "visit_versions",
        "pain_nprs",
        f"a whole number from {rules.pain_min} to {rules.pain_max}, or empty",
    )
    for name, frame, column in (
        ("visit_versions", vv, "visit_date"),
        ("visits", frames["visits"], "visit_date"),
    ):
        dates = pd.to_datetime(frame[column], format="%Y-%m-%d", errors="coerce")
        today = pd.Timestamp(dt.date.today())
        _first_bad(
            frame,
            dates.isna() | (dates > today),
            name,
            column,
            "a date written YYYY-MM-DD, no later than today",
        )
    visits = frames["visits"]
    current = visits.set_index(["visit_id", "current_version"]).index
    versions = vv.set_index(["visit_id", "version"]).index
    _first_bad(
        visits,
        pd.Series(~current.isin(versions), index=visits.index),
        "visits",
        "current_version",
        "a version present in visit_versions.csv",
    )


def _rows(frame: pd.DataFrame, names: list[str] | None) -> list[Any]:
    """Rows of plain Python values (None where missing): tuples in ``names`` order, else dicts."""
    columns = list(frame.columns) if names is None else names
    lists = [frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in columns]
    if names is not None:
        return list(zip(*lists, strict=True))
    return [dict(zip(columns, values, strict=True)) for values in zip(*lists, strict=True)]

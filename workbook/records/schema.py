"""The store's tables, its schema version and the step that creates or migrates them.

Tables (``data/README.md`` lists the columns): ``store_meta``, ``schema_version``, ``patients``,
``profiles``, ``visits`` (one row per visit: its patient and current version), ``visit_versions``
(every version of a visit), ``measurements`` (range of motion, per visit version) and
``audit_log``; since version 3 also ``patient_summary`` and ``motion_summary``, derived from the
visits for the caseload (:mod:`~workbook.records.patient_summary`), never exported. Also the
small conventions every row follows: opaque random ids, UTC time stamps as ISO text, JSON
written compactly.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..errors import WorkbookError

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "SUMMARY_TABLES",
    "TABLES",
    "V2_COLUMNS",
    "audit_log_t",
    "ensure_schema",
    "from_json",
    "json_field",
    "measurements_t",
    "metadata",
    "motion_summary_t",
    "new_id",
    "now",
    "patient_summary_t",
    "patients_t",
    "profiles_t",
    "schema_version",
    "store_meta",
    "to_json",
    "visit_versions_t",
    "visits_t",
]

SCHEMA_VERSION = 3

#: Schema migrations: ``MIGRATIONS[n]`` takes a store from version n - 1 to n, inside the
#: opening transaction. Version 1 is the first schema, created by ``metadata.create_all``;
#: the steps themselves live in :mod:`workbook.records.migrations`.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {}


def now() -> str:
    """The time now, UTC, as ISO text to the microsecond (sorts as it reads)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def new_id(prefix: str) -> str:
    """An opaque id such as ``'p_Xq3v9LrT0a'``: no order, no name, no date in it.

    >>> len(new_id("p_")), new_id("p_").startswith("p_")
    (12, True)
    """
    # 10 url-safe characters: 60 bits of randomness.
    return prefix + secrets.token_urlsafe(8)[:10]


def to_json(value: object) -> str:
    """Compact JSON, keeping non-ASCII text as is; NaN is refused (it is not JSON)."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def json_field(field: str, value: object, allowed: str) -> str:
    """``value`` as JSON, or a :class:`WorkbookError` naming ``field`` when it can't be one."""
    try:
        return to_json(value)
    except (TypeError, ValueError):
        raise WorkbookError(field, value, allowed) from None


def from_json(text: str | None) -> Any:
    """The inverse of :func:`to_json`; a NULL column stays None."""
    return None if text is None else json.loads(text)


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
    # Version 2: a discharged patient is kept but off the active caseload (NULL = active).
    sa.Column("discharged_on", sa.String(10), nullable=True),
    sa.Column("discharge_reason", sa.Text, nullable=True),
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
    # Version 2: 1 when the current version voids the visit (kept, but out of every reading).
    sa.Column("voided", sa.Integer, nullable=False, server_default="0"),
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
    # Version 2: red flags (JSON list of ids answered yes; NULL = not asked), PSFS (JSON object
    # activity -> 0-10), adherence since the last visit, and whether this version voids it.
    sa.Column("red_flags", sa.Text, nullable=True),
    sa.Column("psfs", sa.Text, nullable=True),
    sa.Column("days_done", sa.Integer, nullable=True),
    sa.Column("days_prescribed", sa.Integer, nullable=True),
    sa.Column("voided", sa.Integer, nullable=False, server_default="0"),
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

# Version 3: what the caseload and the clinic summary read instead of every visit, derived from
# the visits and rewritten in the same transaction as any change to a patient's visits
# (:mod:`workbook.records.patient_summary`). Never exported: an import rebuilds them.
patient_summary_t = sa.Table(
    "patient_summary",
    metadata,
    sa.Column("patient_id", sa.String(32), primary_key=True),
    sa.Column("therapist", sa.Text, nullable=False),  # of the latest visit
    sa.Column("first_visit", sa.String(10), nullable=False),
    sa.Column("last_visit", sa.String(10), nullable=False),
    sa.Column("visits", sa.Integer, nullable=False),
    sa.Column("visit_days", sa.Integer, nullable=False),
    # Pain (0-10) and ODI (%): the first, latest and previous rated values, how many ratings.
    *(
        sa.Column(f"{score}_{end}", sa.Float, nullable=True)
        for score in ("pain", "odi")
        for end in ("first", "last", "prev")
    ),
    sa.Column("pain_n", sa.Integer, nullable=False),
    sa.Column("odi_n", sa.Integer, nullable=False),
    # Sums over the visits that recorded both.
    sa.Column("days_done", sa.Integer, nullable=False),
    sa.Column("days_prescribed", sa.Integer, nullable=False),
    sa.Column("red_flags", sa.Text, nullable=True),  # of the latest visit that asked them
)

motion_summary_t = sa.Table(
    "motion_summary",
    metadata,
    sa.Column("patient_id", sa.String(32), nullable=False),
    sa.Column("motion", sa.String(40), nullable=False),
    sa.Column("side", sa.String(10), nullable=False),
    sa.Column("first_degrees", sa.Float, nullable=False),
    sa.Column("last_degrees", sa.Float, nullable=False),
    sa.Column("n", sa.Integer, nullable=False),  # visits that measured it
    sa.Column("last_date", sa.String(10), nullable=False),
    sa.Column("last_position", sa.String(40), nullable=False),
    # Left minus right at the latest visit that measured both sides (same on both rows).
    sa.Column("gap_degrees", sa.Float, nullable=True),
    sa.PrimaryKeyConstraint("patient_id", "motion", "side"),
    sqlite_with_rowid=False,
)

#: The derived tables, rebuilt from the visits whenever in doubt.
SUMMARY_TABLES: tuple[sa.Table, ...] = (patient_summary_t, motion_summary_t)

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


#: The columns version 2 added, per table (issues 11 and 12: red flags, PSFS, adherence,
#: voided visits, discharge).
V2_COLUMNS: dict[str, tuple[str, ...]] = {
    "patients": ("discharged_on", "discharge_reason"),
    "visits": ("voided",),
    "visit_versions": ("red_flags", "psfs", "days_done", "days_prescribed", "voided"),
}


def _add_v2_columns(conn: Connection) -> None:
    """Version 1 -> 2: add the new columns; every existing row reads as before (NULL or 0)."""
    quote = conn.dialect.identifier_preparer.quote
    for table in TABLES:
        for name in V2_COLUMNS.get(table.name, ()):
            column = table.c[name]
            ddl = f"ALTER TABLE {quote(table.name)} ADD COLUMN {quote(name)} "
            ddl += column.type.compile(dialect=conn.dialect)
            if column.server_default is not None:
                ddl += f" DEFAULT {column.server_default.arg} NOT NULL"  # type: ignore[attr-defined]
            conn.execute(sa.text(ddl))


MIGRATIONS[2] = _add_v2_columns


def _build_summaries(conn: Connection) -> None:
    """Version 2 -> 3: the summary tables (made by ``create_all``) filled from the visits."""
    from .patient_summary import rebuild_summaries  # it reads these tables: import when needed

    rebuild_summaries(conn)


MIGRATIONS[3] = _build_summaries


#: PostgreSQL advisory lock held while the schema is checked or created (any fixed number).
_SCHEMA_LOCK_KEY = 0x776F726B  # "work"


def ensure_schema(conn: Connection, location: str) -> None:
    """Create the tables of a new store, or bring an older store up to :data:`SCHEMA_VERSION`.

    Runs inside the opening transaction; ``location`` only names the store in errors.
    """
    if conn.dialect.name == "postgresql":
        # Several servers opening a new PostgreSQL store at once would race to CREATE the same
        # tables (a duplicate key in pg_type); this lock, held until commit, lets one create
        # them and the others find them. SQLite's BEGIN IMMEDIATE already does so.
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK_KEY})
    names = set(sa.inspect(conn).get_table_names())
    if names and "schema_version" not in names:
        raise WorkbookError(
            "store",
            location,
            "a workbook store or a new file; this database holds "
            f"other tables ({', '.join(sorted(names)[:5])})",
        )
    metadata.create_all(conn, checkfirst=True)
    current = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar()
    if current is None:
        conn.execute(schema_version.insert(), {"version": SCHEMA_VERSION, "applied_at": now()})
        conn.execute(
            store_meta.insert(),
            [
                {"key": "store_id", "value": new_id("s_")},
                {"key": "created_at", "value": now()},
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
        conn.execute(schema_version.insert(), {"version": version, "applied_at": now()})

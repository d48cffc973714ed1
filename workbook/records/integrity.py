"""Damage detected when a store opens: never a silent new store over a broken one.

Before anything is written, an SQLite store on disk must be a new file the workbook just made,
or an SQLite database whose pages pass SQLite's own ``PRAGMA quick_check``; a workbook store
must hold every table it had from its first version (a dropped table is damage, not a reason to
recreate it empty), and after any migration every table and column of this workbook's schema.
An existing empty file is not a store. A store that fails is refused with its path and what to
do (restore a backup), and nothing in it is changed.
"""

from __future__ import annotations

import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import DatabaseError

from . import paths
from .engine import StoreFailure, is_sqlite_file
from .paths import backups_dir, private_dir, private_file
from .schema import ensure_schema, metadata

__all__ = ["FIRST_TABLES", "open_checked", "prepare_store_file"]

#: The tables of the first schema: every workbook store has them, whatever its version.
FIRST_TABLES = (
    "store_meta",
    "schema_version",
    "patients",
    "profiles",
    "visits",
    "visit_versions",
    "measurements",
    "audit_log",
)
_SQLITE_HEADER = b"SQLite format 3\x00"
_NEW_FILE_GRACE_S = 2.0


def _refuse(location: str, problem: str) -> StoreFailure:
    return StoreFailure(
        f"The store {location} {problem}. Nothing was changed. Restore the latest backup "
        f"(python -m workbook restore BACKUP --to {location}; automatic backups are in "
        f"{backups_dir()}), or open another store.",
        location,
    )


def prepare_store_file(url: URL) -> bool:
    """For an SQLite file: create it owner-only if missing (True), else check it is a database.

    The file is created before SQLite opens it so that its side files inherit its mode.
    """
    if not is_sqlite_file(url):
        return False
    path = Path(str(url.database))
    if path.is_dir():
        raise _refuse(str(path), "is a folder, not a file")
    if not path.parent.exists() or path.parent == paths.user_data_dir():
        private_dir(path.parent)  # never narrows a folder the user chose and already had
    if private_file(path):
        return True
    header = _header(path)
    if not header:
        raise _refuse(str(path), "is an empty file, not a store (a store is never empty)")
    if header != _SQLITE_HEADER:
        raise _refuse(str(path), "is not a workbook store (not an SQLite database)")
    return False


def _header(path: Path) -> bytes:
    """The file's first bytes; an empty file gets a moment, in case another workbook process
    created it an instant ago and is writing its first page now."""
    deadline = time.monotonic() + _NEW_FILE_GRACE_S
    while True:
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
        if header or time.monotonic() > deadline:
            return header
        time.sleep(0.05)


def open_checked(conn: Connection, location: str, *, new: bool) -> None:
    """Check an existing store for damage, then create or migrate the schema, then check it."""
    if not new and conn.dialect.name == "sqlite":
        try:
            problems = [row[0] for row in conn.exec_driver_sql("PRAGMA quick_check").all()]
        except DatabaseError:
            problems = ["unreadable pages"]
        if problems != ["ok"]:
            raise _refuse(location, f"is damaged (SQLite's check found: {problems[0]})")
    names = set(sa.inspect(conn).get_table_names())
    if "schema_version" in names:
        missing = [t for t in FIRST_TABLES if t not in names]
        if missing:
            raise _refuse(location, f"is incomplete: the table(s) {', '.join(missing)} are gone")
    ensure_schema(conn, location)
    inspector = sa.inspect(conn)
    for table in metadata.sorted_tables:
        have = {c["name"] for c in inspector.get_columns(table.name)}
        lost = [c.name for c in table.columns if c.name not in have]
        if lost:
            raise _refuse(location, f"is incomplete: {table.name} lacks {', '.join(lost)}")

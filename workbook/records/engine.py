"""Where the store lives and how it is reached: the location, the engine, the transaction.

SQLite runs in WAL mode with a busy timeout; writes start with ``BEGIN IMMEDIATE`` (so a
transaction never has to upgrade a read lock, the case a busy timeout cannot wait out); a
transaction that still finds the file locked is retried with jitter, and after
:data:`RETRY_FOR_S` the caller gets a :class:`StoreBusyError` in words. ``synchronous = FULL``:
when a call returns, its transaction is on disk. Other databases (PostgreSQL) get a plain engine.

Errors carry no patient data: every engine is made with ``hide_parameters=True`` (SQLAlchemy
leaves the values out of its messages) and a database failure (full disk, read-only or damaged
file, broken constraint...) reaches the caller as a :class:`StoreFailure`, a
:class:`~workbook.errors.WorkbookError` in plain words that names the store, never the patient.
"""

from __future__ import annotations

import contextlib
import os
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError

from ..errors import WorkbookError
from .paths import default_store_path

__all__ = [
    "BUSY_TIMEOUT_S",
    "RETRY_FOR_S",
    "StoreBusyError",
    "StoreFailure",
    "failure_in_words",
    "is_locked",
    "is_sqlite_file",
    "make_engine",
    "resolve_location",
    "run_transaction",
]

#: How long one SQLite statement waits for another writer (the busy timeout), in seconds.
BUSY_TIMEOUT_S = 10.0
#: How long a transaction keeps being retried while the file stays locked, in seconds.
RETRY_FOR_S = 60.0

T = TypeVar("T")

_LOCATION_ALLOWED = "a file path or a database URL such as sqlite:///clinic.sqlite"


class StoreBusyError(RuntimeError):
    """Another program kept the store locked for longer than the store is willing to wait."""


class StoreFailure(WorkbookError):
    """The database failed (disk full, file read-only or damaged...): said in plain words.

    The message names the problem, the store and what to do; never a value that was being
    written, so it can be shown on a screen and written to a log.
    """

    def __init__(self, message: str, location: str) -> None:
        super().__init__("store", location, message)
        self.args = (message,)

    def __str__(self) -> str:
        return str(self.args[0])


# SQLite's primary result codes (sqlite.org/rescode.html) and PostgreSQL's SQLSTATE classes.
_SQLITE_WORDS = {
    13: "the disk is full",  # SQLITE_FULL
    8: "the store file cannot be written (it is read-only)",  # SQLITE_READONLY
    3: "the store file cannot be written (no permission)",  # SQLITE_PERM
    23: "the store file cannot be written (no permission)",  # SQLITE_AUTH
    14: "the store file cannot be opened",  # SQLITE_CANTOPEN
    10: "the disk could not be read or written (an input/output error)",  # SQLITE_IOERR
    11: "the store file is damaged",  # SQLITE_CORRUPT
    26: "the file is not a workbook store",  # SQLITE_NOTADB
    19: "a record breaks one of the store's rules (a repeated or missing id)",  # CONSTRAINT
}
_SQLSTATE_WORDS = {
    "53100": "the database server's disk is full",
    "53": "the database server is out of resources (disk or memory)",
    "42501": "the database account may not write to the store (no permission)",
    "25006": "the database is read-only",
    "23": "a record breaks one of the store's rules (a repeated or missing id)",
    "08": "the connection to the database server was lost",
    "57": "the database server is shutting down or was stopped",
}


def failure_in_words(exc: DatabaseError, location: str, *, write: bool) -> StoreFailure:
    """A :class:`StoreFailure` for a database error: the cause in words, no values."""
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlite_errorcode", None)
    state = str(getattr(orig, "sqlstate", "") or "")
    problem = _SQLITE_WORDS.get(code & 0xFF) if isinstance(code, int) else None
    problem = problem or _SQLSTATE_WORDS.get(state) or _SQLSTATE_WORDS.get(state[:2])
    problem = problem or f"the database refused the operation ({type(exc).__name__})"
    outcome = "this change was not saved" if write else "the records could not be read"
    return StoreFailure(f"{problem}: {outcome} (store {location}).", location)


def resolve_location(location: str | os.PathLike[str] | None = None) -> URL:
    """A path, an SQLAlchemy URL or None (``$WORKBOOK_DB``, else :func:`default_store_path`).

    >>> resolve_location("postgresql+psycopg://clinic@db/workbook").get_backend_name()
    'postgresql'
    """
    if location is None:
        location = os.environ.get("WORKBOOK_DB") or default_store_path()
    if isinstance(location, str) and "://" in location:
        try:
            return make_url(location)
        except ArgumentError:
            raise WorkbookError("location", location, _LOCATION_ALLOWED) from None
    if not isinstance(location, str | os.PathLike) or str(location) == "":
        raise WorkbookError("location", location, _LOCATION_ALLOWED)
    path = Path(location).expanduser().resolve()
    return URL.create("sqlite", database=str(path))


def is_sqlite_file(url: URL) -> bool:
    """An SQLite store on disk (not in memory): the one kind with a folder, a WAL and a file."""
    return url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")


def make_engine(url: URL) -> Engine:
    """The engine for ``url``; for SQLite, with the settings in the module docstring."""
    # hide_parameters: a failed statement's message never carries the values (names, notes).
    if url.get_backend_name() != "sqlite":
        return sa.create_engine(url, hide_parameters=True)
    engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S}, hide_parameters=True)
    on_file = is_sqlite_file(url)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # SQLAlchemy's recipe for sqlite3 on Python < 3.12: let SQLAlchemy emit BEGIN itself,
        # so that reads are repeatable and writes can say BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # busy_timeout first: switching to WAL can itself meet a lock.
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if on_file:
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


def is_locked(exc: OperationalError) -> bool:
    """The database said "locked" or "busy": another writer, worth waiting for."""
    text = str(getattr(exc, "orig", exc)).lower()
    return "locked" in text or "busy" in text


def run_transaction(
    engine: Engine,
    work: Callable[[Connection], T],
    *,
    write: bool,
    bulk: bool = False,
    location: str = "",
) -> T:
    """Run ``work(conn)`` in one transaction, retrying while another program holds the lock.

    ``write`` starts SQLite transactions with ``BEGIN IMMEDIATE``; ``bulk`` checks SQLite's
    foreign keys once over the whole transaction instead of row by row (the CSV import).
    ``location`` names the store in the :class:`StoreBusyError`.
    """
    sqlite = engine.dialect.name == "sqlite"
    delay = 0.01
    deadline = time.monotonic() + RETRY_FOR_S
    while True:
        try:
            with engine.connect() as conn:
                if write and sqlite:
                    conn.execution_options(workbook_begin="IMMEDIATE")
                if bulk and sqlite:
                    with _bulk_settings(conn), conn.begin():
                        result = work(conn)
                        _check_links(conn)
                        return result
                with conn.begin():
                    return work(conn)
        except DatabaseError as exc:
            if not (isinstance(exc, OperationalError) and is_locked(exc)):
                raise failure_in_words(exc, location, write=write) from None
            if time.monotonic() > deadline:
                raise StoreBusyError(
                    f"The store {location} stayed busy for {RETRY_FOR_S:g} s: another "
                    "program is writing to it. Nothing was saved; try again."
                ) from None
            # Jitter, so that two waiting writers don't retry in lockstep.
            time.sleep(delay * (1 + random.random()))
            delay = min(delay * 2, 0.5)


@contextlib.contextmanager
def _bulk_settings(conn: Connection) -> Iterator[None]:
    """SQLite: foreign keys checked once over the whole import, not row by row.

    :func:`_check_links` runs SQLite's own check before the commit (about 2 s for a large
    clinic). The pragma works only outside a transaction, on this connection; it is restored.
    """
    raw = conn.connection.driver_connection
    if raw is None:  # a connection that is open always has its driver connection
        raise RuntimeError("the store's connection is closed")
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

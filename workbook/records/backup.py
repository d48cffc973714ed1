"""Backups of an SQLite store: consistent while in use, owner-only, rotated, and restorable.

- :func:`backup_store` copies a store with SQLite's online backup API: the copy is a consistent
  snapshot even while therapists keep writing (a plain file copy of a store in WAL mode is not).
  The copy is written under a temporary name, owner-only, and moved into place when complete.
- :func:`auto_backup` is what ``python -m workbook lab`` and ``app`` run before serving: one
  backup into the user data folder's ``backups/``, keeping the newest :data:`KEEP` of each store.
- :func:`restore_store` puts a backup back: it checks the backup is a sound workbook store, moves
  the current store (and its ``-wal``/``-shm``) aside as ``<name>.before-restore-<time>`` (never
  deleted), then copies the backup into place. Stop ``lab``/``app`` on that store first.

A PostgreSQL store is backed up by the server's own tool, not by the workbook:
``pg_dump --format=custom --file=clinic.dump "postgresql://..."`` and restored with
``pg_restore --clean --dbname="postgresql://..." clinic.dump`` (see ``docs/``).

Backups hold every patient as they were when copied, erased patients included: a patient erased
after a backup is still in that backup until it is rotated out (after :data:`KEEP` starts) or
deleted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import sqlite3
from pathlib import Path

from sqlalchemy.engine import URL, Engine

from ..errors import WorkbookError
from .engine import StoreFailure, is_sqlite_file
from .paths import backups_dir, private_dir, private_file

__all__ = ["KEEP", "PG_DUMP_HELP", "auto_backup", "backup_name", "backup_store", "restore_store"]

#: How many automatic backups of each store are kept.
KEEP = 7
PG_DUMP_HELP = (
    "a PostgreSQL store is backed up with the server's own tool: "
    'pg_dump --format=custom --file=clinic.dump "<the store URL>" '
    '(restore: pg_restore --clean --dbname="<the store URL>" clinic.dump)'
)


def backup_name(store_path: Path, when: dt.datetime | None = None) -> str:
    """``<stem>-<8 hex of the path>-<UTC time>.sqlite``: sorts by time, one series per store."""
    when = when or dt.datetime.now(dt.UTC)
    tag = hashlib.sha256(str(store_path).encode()).hexdigest()[:8]
    return f"{store_path.stem}-{tag}-{when:%Y%m%dT%H%M%S%fZ}.sqlite"


def _copy(source: sqlite3.Connection, target: Path) -> Path:
    """SQLite's online backup of ``source`` into the new file ``target``, owner-only."""
    if target.exists() or target.is_symlink():
        raise WorkbookError("backup", str(target), "a new file name: this file exists")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    private_file(partial)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)
        finally:
            copy.close()
        with partial.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.link(partial, target)  # fails if the target appeared meanwhile: never overwritten
    except sqlite3.Error as exc:
        cause = getattr(exc, "sqlite_errorname", type(exc).__name__)
        raise StoreFailure(
            f"the backup could not be written ({cause}): no backup was made at {target}",
            str(target),
        ) from None
    finally:
        partial.unlink(missing_ok=True)
    return target


def backup_store(engine: Engine, url: URL, dest: str | os.PathLike[str]) -> Path:
    """Copy the store behind ``engine`` to ``dest`` (a new file, or a folder to put it in)."""
    if not is_sqlite_file(url):
        raise WorkbookError("backup", url.render_as_string(hide_password=True), PG_DUMP_HELP)
    target = Path(dest).expanduser()
    if target.is_dir():
        target = target / backup_name(Path(str(url.database)))
    elif not target.parent.exists():
        private_dir(target.parent)
    raw = engine.raw_connection()
    try:
        return _copy(raw.driver_connection, target)  # type: ignore[arg-type]
    finally:
        raw.close()


def auto_backup(location: str, *, folder: Path | None = None, keep: int = KEEP) -> Path | None:
    """One backup of an SQLite store into ``backups/``, keeping the newest ``keep``.

    Returns the backup, or None for a store that is not an SQLite file (PostgreSQL: pg_dump).
    """
    from .store import open_store

    with open_store(location) as store:
        if not is_sqlite_file(store.url):
            return None
        folder = private_dir(folder or backups_dir())
        made = store.backup(folder)
    stem = made.name.rsplit("-", 1)[0]
    series = sorted(folder.glob(f"{stem}-*.sqlite"))
    for old in series[:-keep]:
        old.unlink(missing_ok=True)
    return made


def restore_store(backup: str | os.PathLike[str], to: str | os.PathLike[str]) -> Path | None:
    """Put ``backup`` in place of the store at ``to``; returns where the old store went (or None).

    The backup is opened and checked first (a damaged backup is refused and nothing moves).
    """
    from .store import open_store

    source = Path(backup).expanduser().resolve()
    target = Path(to).expanduser().resolve()
    if not source.is_file():
        raise WorkbookError("backup", str(source), "an existing backup file")
    if source == target:
        raise WorkbookError("to", str(target), "another path than the backup itself")
    with open_store(source):  # the damage and schema checks of any store
        pass
    aside = None
    if target.exists():
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        aside = target.with_name(f"{target.name}.before-restore-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            side = Path(f"{target}{suffix}")
            if side.exists():
                side.rename(f"{aside}{suffix}")
    else:
        private_dir(target.parent)
    with contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as conn:
        _copy(conn, target)
    return aside

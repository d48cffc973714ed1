"""Where the clinic's files live: one application name, one per-user folder policy.

Stores, the demo store, exports and the working copies of the notebooks all live in the user's
data folder (``platformdirs``), never inside a repository or the installed package.
``$WORKBOOK_EXPORTS`` moves the exports (tests point it at a temporary folder).

Who may read them
-----------------
Every file the workbook writes about patients (the store and its ``-wal``/``-shm`` side files,
exports, backups, handouts, reports, shared cases, notebook working copies) is readable and
writable by its owner only: files :data:`FILE_MODE` (0600) in folders :data:`FOLDER_MODE`
(0700), whatever the umask. One setting widens it, for a clinic whose therapists share one
system group: ``WORKBOOK_SHARED_GROUP=1`` in the environment gives the group read access
(files 0640, folders 0750). Nobody else is ever given access.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from importlib import metadata
from pathlib import Path

import platformdirs

__all__ = [
    "APP_NAME",
    "FILE_MODE",
    "FOLDER_MODE",
    "SHARED_GROUP_ENV",
    "backups_dir",
    "default_store_path",
    "demo_store_path",
    "exports_dir",
    "file_mode",
    "folder_mode",
    "notebook_workspace",
    "private_dir",
    "private_file",
    "user_data_dir",
    "workbook_version",
]

APP_NAME = "hip-mobility-workbook"

#: The one setting that widens the owner-only policy to the owner's group (read only).
SHARED_GROUP_ENV = "WORKBOOK_SHARED_GROUP"


def _shared_group() -> bool:
    return os.environ.get(SHARED_GROUP_ENV, "").strip().lower() in ("1", "true", "yes")


def file_mode() -> int:
    """0600, or 0640 with ``WORKBOOK_SHARED_GROUP=1``.

    >>> oct(file_mode()) if not _shared_group() else '0o600'
    '0o600'
    """
    return 0o640 if _shared_group() else 0o600


def folder_mode() -> int:
    """0700, or 0750 with ``WORKBOOK_SHARED_GROUP=1``."""
    return 0o750 if _shared_group() else 0o700


#: The modes in force when the workbook was imported (documents use these).
FILE_MODE = file_mode()
FOLDER_MODE = folder_mode()


def private_dir(path: Path) -> Path:
    """``path`` created if needed (with its parents) and set to :func:`folder_mode`."""
    path.mkdir(parents=True, exist_ok=True, mode=folder_mode())
    with contextlib.suppress(PermissionError):  # a folder someone else owns: leave it
        path.chmod(folder_mode())
    return path


def private_file(path: Path) -> bool:
    """Create ``path`` empty with :func:`file_mode`, or narrow an existing file of ours to it.

    Returns True when the file was created now. Run before SQLite opens a store, so that its
    ``-wal`` and ``-shm`` side files, which SQLite creates with the store's permissions, are
    owner-only too.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, file_mode())
    except FileExistsError:
        with contextlib.suppress(PermissionError):
            if path.stat().st_mode & 0o777 & ~file_mode():
                path.chmod(file_mode())
        return False
    os.close(fd)
    path.chmod(file_mode())  # exactly, whatever the umask
    return True


def workbook_version() -> str:
    """The installed workbook's version (``pyproject.toml`` is its one source)."""
    try:
        return metadata.version(APP_NAME)
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "0+unknown"


def user_data_dir() -> Path:
    """The per-user folder for everything the workbook writes, outside any repository."""
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def default_store_path() -> Path:
    """Where the clinic store lives when neither a location nor ``$WORKBOOK_DB`` is given."""
    return user_data_dir() / "clinic.sqlite"


def demo_store_path() -> Path:
    """Where ``python -m workbook lab`` keeps the demo store when the clinic has none yet."""
    return user_data_dir() / "demo-clinic.sqlite"


def notebook_workspace() -> Path:
    """Where ``python -m workbook lab`` puts the working copies of the notebooks."""
    return user_data_dir() / "notebooks"


def backups_dir() -> Path:
    """Where the automatic backups made when ``lab`` or ``app`` start are kept."""
    return user_data_dir() / "backups"


def exports_dir() -> Path:
    """Where exports are written (created if needed); ``$WORKBOOK_EXPORTS`` overrides it.

    Falls back to a fresh temporary folder when the data folder cannot be created.
    """
    override = os.environ.get("WORKBOOK_EXPORTS")
    path = Path(override) if override else user_data_dir() / "exports"
    try:
        private_dir(path)
    except OSError:
        path = Path(tempfile.mkdtemp(prefix="workbook-exports-"))  # 0700 already
    return path

"""Where the clinic's files live: one application name, one per-user folder policy.

Stores, the demo store, exports and the working copies of the notebooks all live in the user's
data folder (``platformdirs``), never inside a repository or the installed package.
``$WORKBOOK_EXPORTS`` moves the exports (tests point it at a temporary folder).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from importlib import metadata
from pathlib import Path

import platformdirs

__all__ = [
    "APP_NAME",
    "default_store_path",
    "demo_store_path",
    "export_name",
    "exports_dir",
    "notebook_workspace",
    "user_data_dir",
    "workbook_version",
]

APP_NAME = "hip-mobility-workbook"


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


def exports_dir() -> Path:
    """Where exports are written (created if needed); ``$WORKBOOK_EXPORTS`` overrides it.

    Falls back to a fresh temporary folder when the data folder cannot be created.
    """
    override = os.environ.get("WORKBOOK_EXPORTS")
    path = Path(override) if override else user_data_dir() / "exports"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        path = Path(tempfile.mkdtemp(prefix="workbook-exports-"))
    return path


def export_name(
    name: str | None, what: str, day: dt.date | str | None = None, suffix: str = ""
) -> str:
    """The file name of an export for the record: ``<initials>-<what>-<date><suffix>``.

    One helper for every export (handout, report, chart, table), so that files from different
    patients on one day do not collide and sort by patient, then kind, then date. Only the
    initials are used: the full name stays in the clinic store. (The share bundle is
    anonymous and does not use this.)

    Examples
    --------
    >>> export_name("Eve Example", "handout", dt.date(2026, 11, 24), ".pdf")
    'EE-handout-2026-11-24.pdf'
    >>> export_name("Anne-Marie d'Arcy", "Progress chart", "2026-11-24", "png")
    'AMDA-progress-chart-2026-11-24.png'
    >>> export_name(None, "report", dt.date(2026, 1, 2))
    'patient-report-2026-01-02'
    """
    words = re.findall(r"[^\W\d_]+", name or "")
    initials = "".join(word[0] for word in words).upper()[:4] or "patient"
    kind = re.sub(r"[^a-z0-9]+", "-", (what or "export").lower()).strip("-") or "export"
    if day is None:
        day = dt.date.today()
    date = day.isoformat() if isinstance(day, dt.date) else str(day)[:10]
    if suffix and not suffix.startswith("."):
        suffix = "." + suffix
    return f"{initials}-{kind}-{date}{suffix}"

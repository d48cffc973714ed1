"""Where the workbook's own tables and notebooks are: shipped with the package.

In an installed wheel ``data/`` and ``notebooks/`` sit inside the package (``workbook/data``,
``workbook/notebooks``); in a checkout they are the repository's top-level folders (the design
card keeps them there). ``WORKBOOK_DATA`` points at a clinic's own edited copy of the tables.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["data_dir", "data_file", "shipped_folder"]

_PACKAGE = Path(__file__).resolve().parent.parent


def shipped_folder(name: str) -> Path:
    """A folder shipped with the workbook (``"data"`` or ``"notebooks"``), installed or not."""
    installed = _PACKAGE / name
    return installed if installed.is_dir() else _PACKAGE.parent / name


def data_dir() -> Path:
    """The folder holding the stretch and reference tables (``$WORKBOOK_DATA`` overrides it)."""
    override = os.environ.get("WORKBOOK_DATA")
    return Path(override) if override else shipped_folder("data")


def data_file(name: str) -> Path:
    """A table in the data folder, by file name."""
    return data_dir() / name

"""Where the workbook's tables and stores live.

The tables in ``data/`` sit beside the package (the repository layout); ``WORKBOOK_DATA`` points
elsewhere for a clinic that keeps its own edited copy.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """The folder holding the stretch and reference tables."""
    return Path(os.environ.get("WORKBOOK_DATA") or REPO_ROOT / "data")


def data_file(name: str) -> Path:
    """A table in the data folder, by file name."""
    return data_dir() / name

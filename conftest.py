"""Test-session setup shared by the unit tests and the notebooks (nbval).

Every test run works on a throw-away demo store: WORKBOOK_DB points at it before any notebook
kernel starts (kernels inherit the environment), so no test can touch a clinic's real store.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

_SESSION_DIR: Path | None = None


def pytest_configure(config) -> None:
    global _SESSION_DIR
    _SESSION_DIR = Path(tempfile.mkdtemp(prefix="workbook-tests-"))
    os.environ["WORKBOOK_DB"] = str(_SESSION_DIR / "demo-clinic.sqlite")
    os.environ["WORKBOOK_EXPORTS"] = str(_SESSION_DIR / "exports")
    os.environ["MPLBACKEND"] = "Agg"
    from workbook.records.demo import make_demo_store

    make_demo_store(os.environ["WORKBOOK_DB"]).close()


def pytest_unconfigure(config) -> None:
    if _SESSION_DIR is not None:
        shutil.rmtree(_SESSION_DIR, ignore_errors=True)

"""Committed notebooks carry no outputs, execution counts or widget state.

Outputs and widget state are where patient data would hide (a name in a rendered table, a chart,
the bytes of an upload), so a notebook goes into git only as the code and words that make it.
nbstripout's pre-commit hook strips them; this test fails when a notebook slipped through.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
ALL = sorted(p for p in NOTEBOOKS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
# Cell metadata that records a run (timings, scroll state) rather than what the notebook says.
RUN_METADATA = {"execution", "ExecuteTime", "collapsed", "scrolled", "widgets"}


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_visit_and_progress_report_notebooks_are_there():
    names = {p.name for p in ALL}
    assert {"visit.ipynb", "progress_report.ipynb"} <= names


@pytest.mark.parametrize("path", ALL, ids=[p.name for p in ALL])
def test_no_cell_holds_outputs_or_an_execution_count(path):
    for number, cell in enumerate(_load(path)["cells"], start=1):
        if cell["cell_type"] != "code":
            continue
        assert cell.get("outputs") == [], f"{path.name} cell {number} has outputs"
        assert cell.get("execution_count") is None, f"{path.name} cell {number} was run"
        leftover = RUN_METADATA & set(cell.get("metadata", {}))
        assert not leftover, f"{path.name} cell {number} keeps run metadata {sorted(leftover)}"


@pytest.mark.parametrize("path", ALL, ids=[p.name for p in ALL])
def test_no_widget_state_is_saved_in_the_notebook(path):
    book = _load(path)
    assert "widgets" not in book.get("metadata", {}), f"{path.name} saved widget state"
    assert WIDGET_STATE not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", ALL, ids=[p.name for p in ALL])
def test_notebooks_stay_thin(path):
    """House style: a line or two of code a cell; everything else lives in the package."""
    for number, cell in enumerate(_load(path)["cells"], start=1):
        if cell["cell_type"] == "code":
            lines = [ln for ln in "".join(cell["source"]).splitlines() if ln.strip()]
            assert len(lines) <= 4, f"{path.name} cell {number} has {len(lines)} lines of code"

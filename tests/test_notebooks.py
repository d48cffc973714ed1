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


# what a therapist sees, in JupyterLab and in Voila ---------------------------------------------
@pytest.mark.parametrize("path", ALL, ids=[p.name for p in ALL])
def test_notebooks_validate_with_nbformat_and_every_cell_has_an_id(path):
    import nbformat

    book = nbformat.read(path, as_version=4)
    nbformat.validate(book)
    assert (book.nbformat, book.nbformat_minor) >= (4, 5)
    ids = [cell.get("id") for cell in book.cells]
    assert all(ids) and len(set(ids)) == len(ids)


@pytest.mark.parametrize("path", ALL, ids=[p.name for p in ALL])
def test_code_is_hidden_and_no_check_cell_is_in_the_therapists_way(path):
    book = _load(path)
    for number, cell in enumerate(book["cells"], start=1):
        text = "".join(cell["source"])
        if cell["cell_type"] == "code":
            assert cell["metadata"].get("jupyter", {}).get("source_hidden") is True, number
            assert "assert" not in text, f"{path.name} cell {number}: checks belong in the tests"
        else:
            assert "Run All Cells**, then" not in text  # Voila runs it; no instruction to run
    words = "".join("".join(c["source"]) for c in book["cells"] if c["cell_type"] == "markdown")
    # the hint for a refreshed page ("model not found"), in words that work in Voila too
    assert "after the page was refreshed, reload the page" in words and "Restart Kernel" in words


CHECKS = {
    "visit.ipynb": "assert app.errors() == [], app.errors()\n"
    "assert len(app.patient.listed()) == len(app.store.patients())\n"
    "assert 'position: sticky' in app.children[0].value",
    "caseload.ipynb": "assert caseload.errors() == [], caseload.errors()\n"
    "assert len(caseload.listed()) > 0 and app.errors() == []",
    "progress_report.ipynb": "assert report.errors() == [], report.errors()\n"
    "assert len(report.patient.listed()) == len(report.store.patients())",
}


@pytest.mark.parametrize("path", ALL, ids=[p.name for p in ALL])
def test_each_notebook_runs_and_opens_its_screen_without_an_error(path, tmp_path, monkeypatch):
    """The checks that once sat in a cell at the end of the notebook, run in the same kernel."""
    import nbformat
    from nbclient import NotebookClient

    from workbook.records.demo import make_demo_store

    store = make_demo_store(tmp_path / "demo.sqlite")
    store.close()
    monkeypatch.setenv("WORKBOOK_DB", str(tmp_path / "demo.sqlite"))
    monkeypatch.setenv("WORKBOOK_EXPORTS", str(tmp_path / "exports"))
    book = nbformat.read(path, as_version=4)
    book.cells.append(nbformat.v4.new_code_cell(CHECKS[path.name]))
    NotebookClient(book, timeout=120, kernel_name="python3").execute()  # raises on a failed cell
    shown = book.cells[1].outputs
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in shown)

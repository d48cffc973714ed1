"""The shared case's notebook reads without the workbook, and rebuilds the chart with it."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from workbook import PatientProfile, generate_routine
from workbook.documents.share import share_case
from workbook.records.store import open_store

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Iterator[Path]:
    """A shared case, unzipped as a colleague would (from a SQLite store: the notebook is the
    same whichever store the case came from)."""
    folder = tmp_path_factory.mktemp("shared")
    store = open_store(folder / "clinic.db")
    profile = PatientProfile(age=72, activity="sedentary", floor_transfer=True, kneeling="painful")
    patient_id = store.add_patient("Cressida Holloway", 1953, profile)
    for n in range(3):
        store.log_visit(
            patient_id,
            dt.date(2026, 3, 2) + dt.timedelta(days=14 * n),
            {("hip_flexion", "left"): 90 + 5 * n, ("hip_internal_rotation", "right"): 25 + 3 * n},
            pain=6 - n,
            routine=generate_routine(profile).to_dict(),
        )
    zipped = share_case(store, patient_id, folder / "case.zip")
    store.close()
    with zipfile.ZipFile(zipped) as archive:
        archive.extractall(folder)
    yield folder / "case"


def _outputs(notebook, cell_id: str) -> dict:
    cell = next(c for c in notebook.cells if c.get("id") == cell_id)
    return {k: v for o in cell.outputs for k, v in o.get("data", {}).items()}


def _metadata(notebook, cell_id: str) -> dict:
    cell = next(c for c in notebook.cells if c.get("id") == cell_id)
    return {k: v for o in cell.outputs for k, v in o.get("metadata", {}).items()}


def test_notebook_validates_as_nbformat_4_5_with_cell_ids(bundle):
    notebook = nbformat.read(bundle / "charts.ipynb", as_version=4)
    nbformat.validate(notebook)  # raises on a missing id or a malformed output
    assert (notebook.nbformat, notebook.nbformat_minor) == (4, 5)
    assert all(cell.get("id") for cell in notebook.cells)
    assert set(notebook.metadata) == {"kernelspec"}


def test_notebook_arrives_executed_with_the_table_and_the_chart(bundle):
    notebook = nbformat.read(bundle / "charts.ipynb", as_version=4)
    table = _outputs(notebook, "read-case")
    assert "<table" in table["text/html"] and "hip_flexion" in table["text/plain"]
    chart = base64.b64decode(_outputs(notebook, "chart")["image/png"])
    assert chart.startswith(PNG) and len(chart) > 10_000
    assert "Figure size" not in json.dumps(notebook)


def test_rerun_with_the_workbook_rebuilds_the_same_chart_as_an_image(bundle):
    saved = nbformat.read(bundle / "charts.ipynb", as_version=4)
    fresh = copy.deepcopy(saved)
    for cell in fresh.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    # The kernel runs from this interpreter's environment (like --nbval-current-env), in the
    # unzipped bundle's folder, as a colleague's Jupyter would.
    client = NotebookClient(
        fresh, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(bundle)}}
    )
    client.execute()
    chart = _outputs(fresh, "chart")
    assert "image/png" in chart, chart
    assert base64.b64decode(chart["image/png"]).startswith(PNG)
    assert chart["image/png"] == _outputs(saved, "chart")["image/png"]  # the same chart
    # ... shown at the same size: half the print-resolution pixels, as IPython's retina=True
    assert _metadata(fresh, "chart") == _metadata(saved, "chart")
    assert _metadata(saved, "chart")["image/png"]["width"] == 1000
    assert "<table" in _outputs(fresh, "read-case")["text/html"]
    assert not any(o.output_type == "error" for c in fresh.cells for o in c.get("outputs", []))

"""Each mode's words: the app's copy of the visit notebook never speaks of JupyterLab's menus."""

from __future__ import annotations

import json

import pytest

from workbook.ui import launch


@pytest.fixture
def user_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return tmp_path


def _words(folder) -> str:
    book = json.loads((folder / "visit.ipynb").read_text(encoding="utf-8"))
    return "".join("".join(c["source"]) for c in book["cells"] if c["cell_type"] == "markdown")


def test_the_app_copy_drops_the_jupyterlab_hint_and_the_workbench_keeps_it(user_dir):
    app = launch.prepare_workspace(str(user_dir / "a.sqlite"), "app")
    lab = launch.prepare_workspace(str(user_dir / "a.sqlite"), "lab")
    assert "Restart Kernel" not in _words(app) and "Run All" not in _words(app)
    assert "Restart Kernel" in _words(lab)
    assert "Pick the patient" in _words(app)  # only the lab-only cell is left out
    book = json.loads((app / "visit.ipynb").read_text(encoding="utf-8"))
    assert sum(c["cell_type"] == "code" for c in book["cells"]) == 1
    assert (app / "visit.ipynb").stat().st_mode & 0o077 == 0

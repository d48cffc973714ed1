"""The workbook works when installed from a wheel, not only from a checkout.

A clinic installs the package with pip; it must find its own stretch table and notebooks inside
the installed package. This test builds the wheel, installs it (not editable) into a fresh virtual
environment and, from a folder outside the repository, does what a visit needs: load the table,
generate a routine, open a demo store, write a handout and a chart, and find the notebooks.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    import workbook
    import workbook.documents.report, workbook.clinical.outcomes, workbook.documents.handouts
    from workbook.clinical.paths import data_dir, shipped_folder

    out = Path(sys.argv[1])
    stretches = workbook.load_stretches()
    profile = workbook.PatientProfile(age=80, activity="sedentary", floor_transfer=False,
                                      kneeling="unable", conditions={"spinal_stenosis"})
    routine = workbook.generate_routine(profile)
    store = workbook.make_demo_store(out / "demo.sqlite")
    pid = store.patients()["patient_id"].iloc[0]
    fig = workbook.progress_chart(store.measurements(pid), store.visits(pid))
    workbook.export_chart(fig, out / "chart.png")
    workbook.handout(routine, out / "handout.pdf")
    print(json.dumps({
        "stretches": len(stretches),
        "routine": len(routine.table),
        "patients": len(store.patients()),
        "data_dir": str(data_dir()),
        "notebooks": sorted(p.name for p in shipped_folder("notebooks").glob("*.ipynb")),
        "module": workbook.__file__,
        "progress_is_function": callable(workbook.progress) and callable(workbook.handout),
    }))
    store.close()
    """
)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the workbook's wheel installed; returns its python."""
    root = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(root / "dist"), str(REPO)],
        check=True,
        capture_output=True,
        cwd=root,
    )
    wheel = next((root / "dist").glob("*.whl"))
    venv.create(root / "venv", with_pip=True)
    python = root / "venv" / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(wheel)],
        check=True,
        capture_output=True,
    )
    return python


def test_the_installed_wheel_runs_a_visit_outside_the_repository(installed: Path, tmp_path):
    import json

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"WORKBOOK_DATA", "PYTHONPATH"}}
    result = subprocess.run(
        [str(installed), "-c", SCRIPT, str(outside)],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    site = Path(facts["module"]).parent
    assert not site.is_relative_to(REPO), "imported the checkout, not the installed wheel"
    assert Path(facts["data_dir"]) == site / "data"
    assert facts["stretches"] > 0 and facts["routine"] == 4 and facts["patients"] > 0
    assert {"visit.ipynb", "progress_report.ipynb"} <= set(facts["notebooks"])
    assert facts["progress_is_function"]
    assert (outside / "handout.pdf").read_bytes().startswith(b"%PDF")
    assert (outside / "chart.png").read_bytes().startswith(b"\x89PNG")


def test_the_installed_command_knows_where_its_tables_are(installed: Path, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"WORKBOOK_DATA", "PYTHONPATH"}}
    result = subprocess.run(
        [str(installed), "-m", "workbook", "where"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "site-packages/workbook/data" in result.stdout
    assert "site-packages/workbook/notebooks" in result.stdout

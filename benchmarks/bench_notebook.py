"""How long the therapist waits: opening the visit notebook, and each action on the app.

1. Opening ``notebooks/visit.ipynb`` in a fresh kernel until its widgets are ready: nbclient
   starts a kernel and runs every cell (what "Run All" does), median of several runs. Baseline in
   the same run: a fresh kernel running one cell that only imports ipywidgets. Target <= 4 s.
2. The screen's callbacks, headless (the same code the browser triggers): pick a patient, save a
   visit, and the tab switches that draw the routine and the chart. Baselines in the same run: the
   store calls each action needs (``store.patient`` + ``store.profile`` for a pick,
   ``store.log_visit`` for a save). Target <= 0.2 s for a pick and a save.

Works on a temporary demo store; prints medians (and the spread) in milliseconds.

Usage: ``.venv/bin/python benchmarks/bench_notebook.py [--runs N]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = REPO / "notebooks" / "visit.ipynb"
TARGET_OPEN_S = 4.0
TARGET_ACTION_S = 0.2


def median_ms(samples: list[float]) -> str:
    ms = [s * 1000 for s in samples]
    return (
        f"median {statistics.median(ms):7.1f} ms  "
        f"(min {min(ms):.1f}, max {max(ms):.1f}, n={len(ms)})"
    )


def run_notebook(path: Path | None, cells: list[str] | None = None) -> tuple[float, float]:
    """(kernel start + run all, run all only) in seconds, in a fresh kernel."""
    import nbformat
    from nbclient import NotebookClient

    if path is not None:
        book = nbformat.read(path, as_version=4)
    else:
        book = nbformat.v4.new_notebook()
        book.cells = [nbformat.v4.new_code_cell(c) for c in cells or []]
    client = NotebookClient(
        book,
        kernel_name="python3",
        timeout=120,
        resources={"metadata": {"path": str(REPO / "notebooks")}},
    )
    start = time.perf_counter()
    with client.setup_kernel():
        ready = time.perf_counter()
        for index, cell in enumerate(book.cells):
            client.execute_cell(cell, index)
        done = time.perf_counter()
    return done - start, done - ready


def bench_open(runs: int) -> float:
    totals, bodies, base_totals = [], [], []
    for _ in range(runs):
        base_totals.append(run_notebook(None, ["import ipywidgets"])[0])
        total, body = run_notebook(NOTEBOOK)
        totals.append(total)
        bodies.append(body)
    med, base = statistics.median(totals), statistics.median(base_totals)
    print("Opening visit.ipynb in a fresh kernel until the widgets are ready")
    print(f"  kernel start + run all     {median_ms(totals)}")
    print(f"  run all (kernel ready)     {median_ms(bodies)}")
    print(f"  baseline: bare kernel + `import ipywidgets`  {median_ms(base_totals)}")
    print(
        f"  ratio to baseline {med / base:.1f}x;  target <= {TARGET_OPEN_S:.0f} s: "
        f"{'met' if med <= TARGET_OPEN_S else 'NOT met'}"
    )
    return med


def timed(action: Callable[..., object], *args: object) -> float:
    start = time.perf_counter()
    action(*args)
    return time.perf_counter() - start


def settle(app: Any) -> None:
    """Let the Progress tab's background drawing (started by a pick or a save) finish, as the
    seconds a therapist takes between two clicks do: each action is then timed on its own,
    not sharing the cores with the drawing of the previous one."""
    worker = app.progress._worker
    if worker is not None:
        worker.join()


def timed_save(app: Any) -> float:
    """Seconds of the callback that stores the visit: Save, or "Add another visit" when the
    form asks because the patient already has a visit that day (as a therapist answers)."""
    took = timed(app.visit.save)
    question = app.visit._same_day
    if question.visit_id is not None:
        took = timed(question.add.click)
    return took


def bench_actions(store_path: Path, rounds: int) -> dict[str, float]:
    from workbook.records.store import open_store
    from workbook.ui import VisitEntry, WorkbookApp
    from workbook.ui.app import PATIENT_TAB, PROGRESS_TAB, ROUTINE_TAB, VISIT_TAB

    store = open_store(store_path)
    app = WorkbookApp(store)
    ids = list(store.patients()["patient_id"])
    visits_before = int(store.patients()["n_visits"].sum())
    samples: dict[str, list[float]] = {
        k: []
        for k in (
            "pick",
            "pick_base",
            "routine_tab",
            "save",
            "save_base",
            "progress_tab_first",
            "save_with_progress_shown",
        )
    }
    # warm-up: first imports and table reads are paid once per kernel, not per action; on
    # another patient than the first of the loop, so that every pick below changes patient
    app.patient.select(ids[1])
    app.show_tab(PROGRESS_TAB)
    app.show_tab(PATIENT_TAB)

    day = dt.date.today()
    for round_ in range(rounds):
        for pid in ids:
            app.show_tab(PATIENT_TAB)
            settle(app)
            samples["pick_base"].append(timed(lambda p: (store.patient(p), store.profile(p)), pid))
            samples["pick"].append(timed(app.patient.select, pid))
            settle(app)
            samples["routine_tab"].append(timed(app.show_tab, ROUTINE_TAB))
            app.show_tab(VISIT_TAB)
            app.visit.fill(
                VisitEntry(
                    rom={
                        ("hip_flexion", "left"): f"{100 + round_}",
                        ("hip_flexion", "right"): "98",
                    },
                    pain="4",
                )
            )
            settle(app)
            samples["save"].append(timed_save(app))
            settle(app)
            samples["save_base"].append(
                timed(
                    lambda p: store.log_visit(p, day, {("hip_flexion", "left"): 101.0}, pain=4), pid
                )
            )
            settle(app)
            samples["progress_tab_first"].append(timed(app.show_tab, PROGRESS_TAB))
            app.visit.fill(VisitEntry(rom={("hip_flexion", "left"): f"{102 + round_}"}))
            settle(app)
            samples["save_with_progress_shown"].append(timed_save(app))
            if app.errors():
                raise RuntimeError(f"the screen shows errors: {app.errors()}")
    saved = int(store.patients()["n_visits"].sum()) - visits_before
    expected = 3 * rounds * len(ids)  # two saves through the screen, one baseline
    if saved != expected:
        raise RuntimeError(f"{saved} visits were saved, {expected} expected")
    store.close()

    print(
        "\nHeadless callbacks (demo store, every patient, "
        f"{rounds} round{'s' if rounds > 1 else ''})"
    )
    print(f"  pick a patient             {median_ms(samples['pick'])}")
    print(f"    baseline: store.patient + store.profile  {median_ms(samples['pick_base'])}")
    print(f"  save a visit               {median_ms(samples['save'])}")
    print(f"    baseline: store.log_visit               {median_ms(samples['save_base'])}")
    print(f"  open the Routine tab       {median_ms(samples['routine_tab'])}")
    print(
        f"  open the Progress tab      {median_ms(samples['progress_tab_first'])}"
        "   (table and chart drawn in the background after the pick or save)"
    )
    print(
        f"  save with Progress shown   {median_ms(samples['save_with_progress_shown'])}"
        "   (save + progress table + incremental chart redraw)"
    )
    medians = {k: statistics.median(v) for k, v in samples.items()}
    for key, label in (("pick", "pick a patient"), ("save", "save a visit")):
        ratio = medians[key] / medians[f"{key}_base"]
        verdict = "met" if medians[key] <= TARGET_ACTION_S else "NOT met"
        print(
            f"  {label}: {ratio:.1f}x its store calls; target <= "
            f"{TARGET_ACTION_S * 1000:.0f} ms: {verdict}"
        )
    return medians


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="notebook openings (default 5)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds over the demo patients")
    args = parser.parse_args(argv)

    from workbook.records.demo import make_demo_store

    with tempfile.TemporaryDirectory(prefix="bench-notebook-") as folder:
        store_path = Path(folder) / "demo.sqlite"
        make_demo_store(store_path).close()
        os.environ["WORKBOOK_DB"] = str(store_path)  # the kernels inherit it
        os.environ["WORKBOOK_EXPORTS"] = str(Path(folder) / "exports")
        os.environ["MPLBACKEND"] = "Agg"
        print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores\n")
        bench_open(args.runs)
        bench_actions(store_path, args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""How long the therapist waits on the screens, and how much the kernel grows over a busy week.

Prints medians, each beside its target (issue 13) and, where it can be measured in the same run,
a baseline:

- **Progress tab, click to chart** (a patient with 20 visits): the time in the kernel from the
  tab click (``ProgressScreen.active = True``) until the chart's PNG is in the Image widget.
  Measured the way the app works (the patient picked, the chart prepared in the background
  while the therapist looks at another tab) and, as the baseline, with the background
  preparation switched off (everything read and drawn on the click, as before).
- **Handout** (PDF of the routine), **report** (the progress report PDF), **share** (the
  de-identified bundle): the document functions, as the screens call them. Their baseline is the
  figure the issue measured before (a different machine: for scale only).
- **Memory**: a ``WorkbookApp`` walks 300 patient views (pick, Routine tab, Progress tab); the
  kernel's resident memory after the first 10 views and after 300; target: grows < 20 MB.

Run: ``.venv/bin/python benchmarks/bench_screens.py [--rounds N] [--views N]``. Everything is
written to a temporary folder (a demo store of fictional patients), never to the repository.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from workbook.clinical.measures import MOTIONS, SIDES
from workbook.clinical.profile import PatientProfile
from workbook.records.store import Store, open_store

TARGETS_S = {"progress click": 0.15, "handout": 0.5, "report": 1.0, "share": 0.5}
ISSUE_BEFORE_S = {"progress click": 0.44, "handout": 1.0, "report": 1.25, "share": 0.7}
TARGET_GROWTH_MB = 20.0
N_VISITS = 20
PROFILE = PatientProfile(age=58, activity="active", floor_transfer=True, kneeling="comfortable")


def rss_mb() -> float:
    """The process's resident memory in MB (Linux /proc; ru_maxrss elsewhere, a peak)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def add_patient(store: Store, name: str, n_visits: int, start: dt.date) -> str:
    """A made-up patient with weekly visits: all motions, pain, the ODI every third visit."""
    pid = store.add_patient(name, 1967, PROFILE)
    for i in range(n_visits):
        rom = {
            (m, s): 20.0 + 3 * k + 0.6 * i - (3 if s == "right" else 0)
            for k, m in enumerate(MOTIONS)
            for s in SIDES
        }
        odi = [2, 1, 2, 1, 1, 2, 1, 0, 1, 1] if i % 3 == 0 else None
        store.log_visit(
            pid, start + dt.timedelta(days=7 * i), rom, pain=max(0, 7 - i // 3), odi=odi
        )
    return pid


def median_of(work: Callable[[], float], rounds: int) -> tuple[float, float, float]:
    times = [work() for _ in range(rounds)]
    return statistics.median(times), min(times), max(times)


def time_progress_click(store: Store, pids: list[str], *, background: bool) -> float:
    """One pick on a hidden Progress tab, then the click; seconds from click to chart."""
    from workbook.ui.progress import ProgressScreen

    screen = time_progress_click.screen  # type: ignore[attr-defined]
    if not background:
        screen = ProgressScreen(store, active=False)
        screen._prepare_in_background = lambda _pid: None  # as before: all on the click
    pid = pids[time_progress_click.turn % len(pids)]  # type: ignore[attr-defined]
    time_progress_click.turn += 1  # type: ignore[attr-defined]
    screen.active = False
    screen.show_patient(pid)
    if screen._worker is not None:
        screen._worker.join()  # the therapist is on another tab meanwhile
    start = time.perf_counter()
    screen.active = True
    elapsed = time.perf_counter() - start
    assert bytes(screen._chart.value).startswith(b"\x89PNG"), screen.status()
    return elapsed


def time_call(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def memory_walk(store: Store, pids: list[str], views: int) -> tuple[float, float, float]:
    """RSS before, after 10 views, after ``views`` views of pick + Routine + Progress."""
    from workbook.ui.app import PATIENT_TAB, PROGRESS_TAB, ROUTINE_TAB, WorkbookApp

    app = WorkbookApp(store)
    before = rss_mb()
    after_10 = before
    for n in range(views):
        app.show_tab(PATIENT_TAB)
        app.patient.select(pids[n % len(pids)])
        app.show_tab(ROUTINE_TAB)
        app.show_tab(PROGRESS_TAB)
        if n + 1 == 10:
            gc.collect()
            after_10 = rss_mb()
    gc.collect()
    return before, after_10, rss_mb()


def _timed(job: Callable[[int], object]) -> Callable[[], float]:
    """Each call runs the job once more (a new file each time) and returns its seconds."""
    turns = iter(range(1_000_000))
    return lambda: time_call(lambda: job(next(turns)))


def row(label: str, seconds: tuple[float, float, float], target: float, baseline: str) -> str:
    median, low, high = seconds
    verdict = "ok" if median <= target else "SLOW"
    return (
        f"{label:<34} median {median * 1000:7.1f} ms  (range {low * 1000:.0f}-{high * 1000:.0f})"
        f"  target {target * 1000:5.0f} ms  {verdict:<4}  {baseline}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--views", type=int, default=300)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench-screens-"))
    os.environ["WORKBOOK_EXPORTS"] = str(folder / "exports")
    store = open_store(folder / "bench.sqlite")
    start = dt.date(2025, 1, 6)
    pids = [add_patient(store, f"Bench Patient {n}", N_VISITS, start) for n in range(3)]
    print(f"Screens: {N_VISITS} visits a patient, medians of {args.rounds} rounds")

    from workbook.clinical.routine import generate_routine
    from workbook.documents.handouts import handout
    from workbook.documents.report import progress_report
    from workbook.documents.share import share_case
    from workbook.ui.progress import ProgressScreen

    time_progress_click.screen = ProgressScreen(store, active=False)  # type: ignore[attr-defined]
    time_progress_click.turn = 0  # type: ignore[attr-defined]
    time_progress_click(store, pids, background=True)  # warm-up: imports, fonts
    now = median_of(lambda: time_progress_click(store, pids, background=True), args.rounds)
    before = median_of(lambda: time_progress_click(store, pids, background=False), args.rounds)
    print(
        row(
            "Progress tab, click to chart",
            now,
            TARGETS_S["progress click"],
            f"baseline (drawn on the click) {before[0] * 1000:.0f} ms, {before[0] / now[0]:.0f}x",
        )
    )
    routine = generate_routine(PROFILE)
    labels = {"handout": "Handout (PDF)", "report": "Report (PDF)", "share": "Share (zip)"}
    jobs: dict[str, Callable[[int], object]] = {
        "handout": lambda n: handout(routine, folder / f"h{n}.pdf", patient_name="Bench"),
        "report": lambda n: progress_report(store, pids[0], folder / f"r{n}.pdf"),
        "share": lambda n: share_case(store, pids[0], folder / f"s{n}.zip"),
    }
    for name, job in jobs.items():
        job(-1)  # warm-up
        seconds = median_of(_timed(job), args.rounds)
        print(
            row(
                labels[name],
                seconds,
                TARGETS_S[name],
                f"issue's figure before: {ISSUE_BEFORE_S[name] * 1000:.0f} ms",
            )
        )
    walk_pids = pids + [add_patient(store, f"Walk Patient {n}", 4, start) for n in range(27)]
    rss_start, rss_10, rss_end = memory_walk(store, walk_pids, args.views)
    growth = rss_end - rss_10
    verdict = "ok" if growth < TARGET_GROWTH_MB else "TOO MUCH"
    print(
        f"{'Memory over ' + str(args.views) + ' patient views':<34} {rss_start:.0f} MB at start, "
        f"{rss_10:.0f} MB after 10 views, {rss_end:.0f} MB after {args.views}: "
        f"grew {growth:.1f} MB after the first 10  target < {TARGET_GROWTH_MB:.0f} MB  {verdict}"
    )
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

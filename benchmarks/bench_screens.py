"""How long the therapist waits on the screens, and how much the kernel grows over a busy week.

Prints medians, each beside its target (issue 13) and, where it can be measured in the same run,
a baseline:

- **Progress tab, click to chart** (a patient with 20 visits): the time in the kernel from the
  tab click (``ProgressScreen.active = True``) until the chart's PNG is in the Image widget.
  Measured the way the app works (the patient picked, the chart prepared in the background
  while the therapist looks at another tab) and, as the baseline, with the background
  preparation switched off (everything read and drawn on the click, as before).
- **Handout** (PDF of the routine), **report** (the progress report PDF), **share** (the
  de-identified bundle): the document functions, as the screens call them. Their baseline is
  the same three calls made by the code of an earlier commit (``--baseline``, by default the
  commit before issue 13's speed work), measured in this run: that commit's ``workbook/`` and
  ``data/`` are taken from git into a temporary folder and timed in a child process, turn about
  with the current code, round by round, so both meet the same load. Each line gives the
  median on the clock and of the process's CPU (steadier when other programs share the cores).
  Without git (an installed wheel), or with ``--baseline none``, the figures recorded before
  are printed instead, labelled as recorded.
- **Memory**: a ``WorkbookApp`` walks 300 patient views (pick, Routine tab, Progress tab); the
  kernel's resident memory after the first 10 views and after 300; target: grows < 20 MB. Its
  baseline is the figure recorded in issue 13 (the walk needs the screens of the time).

The load average (as ``uptime`` shows it) is printed before and after: on a busy machine every
figure is slower, the baseline too.

Run: ``.venv/bin/python benchmarks/bench_screens.py [--rounds N] [--views N] [--baseline REF]``.
Everything is written to a temporary folder (a demo store of fictional patients), never to the
repository.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import itertools
import json
import os
import statistics
import subprocess
import sys
import tarfile
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
# Recorded before the speed work on this kind of machine (bench_screens.py --rounds 3, commit
# bdb73af), printed only when the earlier code cannot be measured in the same run.
RECORDED_BEFORE_S = {"handout": 0.67, "report": 1.64, "share": 1.94}
BASELINE_REF = "bdb73af"  # the commit before issue 13's speed work on the documents
TARGET_GROWTH_MB = 20.0
RECORDED_GROWTH = "issue 13 recorded ~0.3 MB a view before (100 MB -> 240 MB over 280 views)"
REPO = Path(__file__).resolve().parent.parent
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


def add_patient(store: Store, name: str, n_visits: int, start: dt.date, base: float = 20.0) -> str:
    """A made-up patient with weekly visits: all motions, pain, the ODI every third visit."""
    pid = store.add_patient(name, 1967, PROFILE)
    for i in range(n_visits):
        rom = {
            (m, s): base + 3 * k + 0.6 * i - (3 if s == "right" else 0)
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
        # As before the background preparation: everything read and drawn on the click.
        screen._prepare_in_background = lambda _pid: None  # type: ignore[method-assign,assignment]
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


def row(
    label: str,
    seconds: tuple[float, float, float],
    target: float,
    baseline: str,
    cpu: float | None = None,
) -> str:
    median, low, high = seconds
    verdict = "ok" if median <= target else "SLOW"
    used = f" cpu {cpu * 1000:.0f} ms" if cpu is not None else ""
    return (
        f"{label:<30} median {median * 1000:7.1f} ms  (range {low * 1000:.0f}-{high * 1000:.0f})"
        f"{used}  target {target * 1000:5.0f} ms  {verdict:<4}  {baseline}"
    )


def load_average() -> str:
    """The load average as ``uptime`` prints it (1, 5 and 15 minutes)."""
    one, five, fifteen = os.getloadavg()
    return f"load average: {one:.2f}, {five:.2f}, {fifteen:.2f}"


DOCUMENTS = {"handout": "Handout (PDF)", "report": "Report (PDF)", "share": "Share (zip)"}


def document_jobs(folder: Path) -> tuple[dict[str, Callable[[], object]], Store]:
    """The three documents for patients with ``N_VISITS`` visits, each call a new file.

    The report and the share take two patients in turn (other angles, other dates), as a
    clinic's day does: a chart drawn on a kept Figure (``chart_kept``) is timed for a patient
    other than the one drawn before.
    """
    from workbook.clinical.routine import generate_routine
    from workbook.documents.handouts import handout
    from workbook.documents.report import progress_report
    from workbook.documents.share import share_case

    store = open_store(folder / "documents.sqlite")
    pids = [
        add_patient(store, "Bench Documents", N_VISITS, dt.date(2025, 1, 6)),
        add_patient(store, "Bench Other", N_VISITS, dt.date(2025, 3, 3), base=23.0),
    ]
    routine = generate_routine(PROFILE)
    turns = iter(range(1_000_000))
    in_turn = itertools.cycle(pids)

    def patient() -> str:
        return next(in_turn)

    jobs: dict[str, Callable[[], object]] = {
        "handout": lambda: handout(routine, folder / f"h{next(turns)}.pdf", patient_name="Bench"),
        "report": lambda: progress_report(store, patient(), folder / f"r{next(turns)}.pdf"),
        "share": lambda: share_case(store, patient(), folder / f"s{next(turns)}.zip"),
    }
    return jobs, store


def wall_and_cpu(work: Callable[[], object]) -> tuple[float, float]:
    """Seconds on the clock and of this process's CPU (the CPU figure is steadier on a busy
    machine: it leaves out the time other programs had the cores)."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


class Baseline:
    """The documents of an earlier commit, timed on request in a child process.

    The commit's ``workbook/`` and ``data/`` come out of git into a temporary folder; a child
    Python imports the package from there, builds the same patient and waits: each name written
    to it runs that document once and answers its seconds. The parent asks after each of its
    own rounds, so both codes are timed under the same load, turn about.
    """

    def __init__(self, ref: str) -> None:
        self.ref, self.why = ref, ""
        self.child: subprocess.Popen[str] | None = None
        self.folder = tempfile.TemporaryDirectory(prefix="bench-baseline-")
        old = self.folder.name
        if ref.lower() == "none":
            self.why = "--baseline none"
            return
        try:
            archive = subprocess.run(
                ["git", "-C", str(REPO), "archive", ref, "workbook", "data"],
                capture_output=True,
                check=True,
            ).stdout
        except (OSError, subprocess.CalledProcessError):
            self.why = f"no git, or no commit {ref} here"
            return
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(old, filter="data")
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([old, os.environ.get("PYTHONPATH", "")]))
        self.child = subprocess.Popen(
            [sys.executable, __file__, "--serve-documents", old],
            env=env,
            cwd=old,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.child.stdout is not None
        if self.child.stdout.readline().strip() != "ready":
            self.why = "the earlier code failed: " + self._stop().strip().splitlines()[-1]

    def time(self, name: str) -> tuple[float, float] | None:
        if self.child is None or self.why:
            return None
        assert self.child.stdin is not None and self.child.stdout is not None
        self.child.stdin.write(name + "\n")
        self.child.stdin.flush()
        answer = self.child.stdout.readline()
        if not answer:
            self.why = "the earlier code failed: " + self._stop().strip().splitlines()[-1]
            return None
        wall, cpu = json.loads(answer)
        return wall, cpu

    def _stop(self) -> str:
        if self.child is None:
            return ""
        _, errors = self.child.communicate(timeout=60)
        self.child = None
        return errors or "no output"

    def close(self) -> None:
        if self.child is not None:
            self._stop()
        self.folder.cleanup()


def serve_documents(package_root: str) -> int:
    """The child of :class:`Baseline`: time a document for each name read from stdin."""
    import workbook

    if not Path(workbook.__file__).resolve().is_relative_to(Path(package_root).resolve()):
        print(f"workbook imported from {workbook.__file__}, not {package_root}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="bench-documents-") as folder:
        os.environ["WORKBOOK_EXPORTS"] = str(Path(folder) / "exports")
        jobs, store = document_jobs(Path(folder))
        for job in jobs.values():
            job()  # warm-up: imports, fonts, tables
        print("ready", flush=True)
        for line in sys.stdin:
            print(json.dumps(wall_and_cpu(jobs[line.strip()])), flush=True)
        store.close()
    return 0


def documents_rows(folder: Path, rounds: int, baseline: Baseline) -> list[str]:
    """Each document's median now, its target and the earlier code's median, turn about."""
    jobs, store = document_jobs(folder)
    lines = []
    for name, job in jobs.items():
        job()  # warm-up
        now, before = [], []
        for _ in range(rounds):
            now.append(wall_and_cpu(job))
            then = baseline.time(name)
            if then is not None:
                before.append(then)
        walls = [wall for wall, _ in now]
        median = statistics.median(walls)
        cpu = statistics.median(cpu for _, cpu in now)
        if before:
            then_wall = statistics.median(wall for wall, _ in before)
            then_cpu = statistics.median(cpu for _, cpu in before)
            was = (
                f"before: {then_wall * 1000:.0f} ms, cpu {then_cpu * 1000:.0f} ms "
                f"(commit {baseline.ref}, "
                f"turn about in this run), {then_wall / median:.1f}x"
            )
        else:
            was = (
                f"before: {RECORDED_BEFORE_S[name] * 1000:.0f} ms RECORDED earlier, not measured "
                f"now ({baseline.why})"
            )
        seconds = (median, min(walls), max(walls))
        lines.append(row(DOCUMENTS[name], seconds, TARGETS_S[name], was, cpu))
    store.close()
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--views", type=int, default=300)
    parser.add_argument(
        "--baseline",
        default=BASELINE_REF,
        help=f"git commit whose documents code is timed as 'before' (default {BASELINE_REF})",
    )
    parser.add_argument("--serve-documents", help=argparse.SUPPRESS)  # Baseline's child
    args = parser.parse_args(argv)
    if args.serve_documents:
        return serve_documents(args.serve_documents)
    folder = Path(tempfile.mkdtemp(prefix="bench-screens-"))
    os.environ["WORKBOOK_EXPORTS"] = str(folder / "exports")
    store = open_store(folder / "bench.sqlite")
    start = dt.date(2025, 1, 6)
    pids = [add_patient(store, f"Bench Patient {n}", N_VISITS, start) for n in range(3)]
    print(f"Screens: {N_VISITS} visits a patient, medians of {args.rounds} rounds")
    print(f"at the start, {load_average()}")

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
            f"before (drawn on the click, this run) {before[0] * 1000:.0f} ms, "
            f"{before[0] / now[0]:.0f}x",
        )
    )
    baseline = Baseline(args.baseline)
    try:
        for line in documents_rows(folder, args.rounds, baseline):
            print(line)
    finally:
        baseline.close()
    walk_pids = pids + [add_patient(store, f"Walk Patient {n}", 4, start) for n in range(27)]
    rss_start, rss_10, rss_end = memory_walk(store, walk_pids, args.views)
    growth = rss_end - rss_10
    verdict = "ok" if growth < TARGET_GROWTH_MB else "TOO MUCH"
    print(
        f"{'Memory over ' + str(args.views) + ' patient views':<30} {rss_start:.0f} MB at start, "
        f"{rss_10:.0f} MB after 10 views, {rss_end:.0f} MB after {args.views}: "
        f"grew {growth:.1f} MB after the first 10  target < {TARGET_GROWTH_MB:.0f} MB  {verdict}"
        f"  before: {RECORDED_GROWTH} (RECORDED)"
    )
    print(f"at the end, {load_average()}")
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

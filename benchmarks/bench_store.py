"""Benchmark the clinic store on a synthetic clinic (10,000 patients x 30 visits x 12 readings).

Builds the clinic through the bulk path (CSV files in a temporary folder, then
``Store.import_csv``), then prints medians over repeated runs for: logging one visit, reading one
patient's history, the clinic-wide summary and the caseload (``workbook.caseload``), each beside
its target and beside a baseline measured in the same run (the same work in raw sqlite3,
without the store's checks and DataFrames; for the caseload and the clinic summary, raw sqlite3
reading the two summary tables they read), so that a slow machine shows as a slow baseline
rather than a slow store. The load average is printed at the start and the end: figures taken
while other jobs share the machine are upper bounds.

Usage::

    python benchmarks/bench_store.py            # the full clinic (a minute or two)
    python benchmarks/bench_store.py --quick    # 1,000 patients, for a quick look
    python benchmarks/bench_store.py --postgres # on a throw-away PostgreSQL cluster
    python benchmarks/bench_store.py --url postgresql+psycopg://bench@db/empty_bench

The raw-sqlite3 baseline is measured on SQLite only. The SQLite store lives in a temporary
folder, the throw-away cluster too; both are removed afterwards, never in the repository.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from workbook.clinical.measures import MOTIONS, SIDES, default_position, motions_table
from workbook.clinical.profile import PatientProfile
from workbook.records.caseload import caseload
from workbook.records.store import Store, open_store

#: Issue 12's targets at 10,000 patients x 30 visits.
TARGETS_S = {
    "log one visit": 0.010,
    "one patient's measurements": 0.020,
    "clinic summary": 2.0,
    "caseload": 2.0,
    "import": 60.0,
}


def median_time(work: Callable[[], object], repeat: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def write_clinic(folder: Path, n_patients: int, n_visits: int, seed: int = 7) -> int:
    """The synthetic clinic as the CSV files ``export_csv`` writes; returns the readings."""
    rng = np.random.default_rng(seed)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
    today = dt.date.today()
    pd.DataFrame(
        {"key": ["store_id", "created_at", "is_demo"], "value": ["s_benchmark0", now, "false"]}
    ).to_csv(folder / "store_meta.csv", index=False)
    ids = np.array([f"p_{i:010d}" for i in range(n_patients)])
    birth = rng.integers(today.year - 90, today.year - 20, n_patients)
    pd.DataFrame(
        {
            "patient_id": ids,
            "name": [f"Synthetic Patient {i}" for i in range(n_patients)],
            "birth_year": birth,
            "details": "{}",
            "created_at": now,
            "discharged_on": "",
            "discharge_reason": "",
        }
    ).to_csv(folder / "patients.csv", index=False)
    profile = PatientProfile(
        age=60, activity="active", floor_transfer=True, kneeling="comfortable"
    ).to_dict()
    import json

    pd.DataFrame(
        {
            "patient_id": ids,
            "version": 1,
            "profile": json.dumps(profile),
            "changed_at": now,
            "changed_by": "",
            "reason": "first profile",
        }
    ).to_csv(folder / "profiles.csv", index=False)
    # Visits: one every 7-14 days, ending before today.
    visit_ids = np.array([f"v_{i:010d}" for i in range(n_patients * n_visits)])
    gaps = rng.integers(7, 15, (n_patients, n_visits))
    offsets = np.cumsum(gaps[:, ::-1], axis=1)[:, ::-1]  # days before today, decreasing
    dates = (np.datetime64(today) - offsets.astype("timedelta64[D]")).ravel().astype(str)
    patient_of_visit = np.repeat(ids, n_visits)
    pd.DataFrame(
        {
            "visit_id": visit_ids,
            "patient_id": patient_of_visit,
            "current_version": 1,
            "visit_date": dates,
            "created_at": now,
            "voided": 0,
        }
    ).to_csv(folder / "visits.csv", index=False)
    pain = rng.integers(0, 11, len(visit_ids))
    prescribed = rng.integers(7, 15, len(visit_ids))
    done = np.minimum(prescribed, rng.integers(0, 15, len(visit_ids)))
    pd.DataFrame(
        {
            "visit_id": visit_ids,
            "version": 1,
            "visit_date": dates,
            "pain_nprs": pain,
            "odi_sections": "",
            "odi_index": "",
            "therapist": "Synthetic Therapist",
            "notes": "",
            "routine": "",
            "changed_at": now,
            "changed_by": "",
            "reason": "recorded",
            "red_flags": "[]",
            "psfs": "",
            "days_done": done,
            "days_prescribed": prescribed,
            "voided": 0,
        }
    ).to_csv(folder / "visit_versions.csv", index=False)
    table = motions_table()
    pairs = [(m, s) for m in MOTIONS for s in SIDES]
    n = len(visit_ids) * len(pairs)
    motion = np.tile([m for m, _ in pairs], len(visit_ids))
    low = np.tile([table.at[m, "min_degrees"] for m, _ in pairs], len(visit_ids))
    high = np.tile([table.at[m, "max_degrees"] for m, _ in pairs], len(visit_ids))
    degrees = np.round(low + (high - low) * rng.uniform(0.2, 0.8, n))
    pd.DataFrame(
        {
            "visit_id": np.repeat(visit_ids, len(pairs)),
            "version": 1,
            "motion": motion,
            "side": np.tile([s for _, s in pairs], len(visit_ids)),
            "degrees": degrees,
            "instrument": "goniometer",
            "position": np.tile([default_position(m) for m, _ in pairs], len(visit_ids)),
        }
    ).to_csv(folder / "measurements.csv", index=False)
    pd.DataFrame(
        columns=["event_id", "at", "event", "patient_id", "visit_id", "actor", "reason", "detail"]
    ).to_csv(folder / "audit_log.csv", index=False)
    return n


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 patients instead of 10,000")
    parser.add_argument("--patients", type=int, default=None)
    parser.add_argument("--visits", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=50, help="runs for the fast measures")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--url",
        help="an EMPTY database to fill and measure, e.g. postgresql+psycopg://user@host/bench "
        "(default: an SQLite file in a temporary folder)",
    )
    where.add_argument(
        "--postgres",
        action="store_true",
        help="measure on a throw-away PostgreSQL cluster (Debian's postgresql, as the tests do)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    n_patients = args.patients or (1_000 if args.quick else 10_000)
    with tempfile.TemporaryDirectory(prefix="workbook-bench-") as tmp:
        folder = Path(tmp) / "csv"
        folder.mkdir()
        start = time.perf_counter()
        n_readings = write_clinic(folder, n_patients, args.visits)
        print(
            f"Synthetic clinic: {n_patients:,} patients x {args.visits} visits x 12 readings "
            f"= {n_readings:,} readings (CSV written in {time.perf_counter() - start:.1f} s)"
        )
        print(f"Load average (1, 5, 15 min) at the start: {_load()}")
        if args.postgres:
            sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
            from tests.postgres import throwaway_cluster

            with throwaway_cluster() as server:
                rows = measure(server.new_database("workbook_bench"), folder, n_patients, args)
        else:
            rows = measure(args.url or Path(tmp) / "clinic.sqlite", folder, n_patients, args)
    print_rows(rows)
    print(f"\nLoad average (1, 5, 15 min) at the end: {_load()}")
    if n_patients < 10_000:
        print("\n(--quick: the targets are for 10,000 patients; run without --quick to check them)")


Row = tuple[str, float, float | None, float | None]


def measure(
    location: str | Path, folder: Path, n_patients: int, args: argparse.Namespace
) -> list[Row]:
    """Fill the store at ``location`` from ``folder`` and time the store's methods on it."""
    store = open_store(location)
    print(f"Store: {store.location} ({store.engine.dialect.name})")
    if store.table_counts()["patients"]:
        raise SystemExit(f"{store.location} is not empty: give an empty database to measure")
    start = time.perf_counter()
    store.import_csv(folder)
    import_s = time.perf_counter() - start
    print(f"Imported in {import_s:.1f} s; store {store_size_mb(store):.0f} MB")
    settle(store)

    rng = np.random.default_rng(11)
    patient_ids = [f"p_{i:010d}" for i in rng.integers(0, n_patients, args.repeat)]
    rom = {(m, s): 40.0 for m in MOTIONS for s in SIDES}
    day = dt.date.today() - dt.timedelta(days=1)
    store.log_visit(patient_ids[0], day, rom, pain=3)  # warm the statement cache
    it = iter(patient_ids * 3)
    log_s, _ = median_time(lambda: store.log_visit(next(it), day, rom, pain=3), args.repeat)
    odi = [2, 1, 3, 2, 0, 1, 2, 1, 1, None]
    log_odi_s, _ = median_time(
        lambda: store.log_visit(next(it), day, rom, pain=3, odi=odi), args.repeat
    )
    it = iter(patient_ids * 3)
    read_s, _ = median_time(lambda: store.measurements(next(it)), args.repeat)
    visits_s, _ = median_time(lambda: store.visits(next(it)), args.repeat)
    summary_s, _ = median_time(store.clinic_summary, 5)
    caseload_s, _ = median_time(lambda: caseload(store), 5)
    patients_s, _ = median_time(store.patients, 5)
    if store.engine.dialect.name == "postgresql":
        explain_history(store, patient_ids[1])
    sqlite_path = store.location if store.engine.dialect.name == "sqlite" else None
    store.close()
    raw_log_s = raw_read_s = raw_summary_s = None
    if sqlite_path is not None:
        raw_log_s, raw_read_s = sqlite_baselines(Path(sqlite_path), patient_ids, day, rom, args)
        raw_summary_s = raw_summary_read(Path(sqlite_path))
    return [
        ("log one visit (12 readings, pain)", log_s, TARGETS_S["log one visit"], raw_log_s),
        ("log one visit with ODI", log_odi_s, TARGETS_S["log one visit"], raw_log_s),
        ("one patient's measurements", read_s, TARGETS_S["one patient's measurements"], raw_read_s),
        ("one patient's visits", visits_s, TARGETS_S["one patient's measurements"], None),
        ("clinic summary", summary_s, TARGETS_S["clinic summary"], raw_summary_s),
        ("caseload (every active patient)", caseload_s, TARGETS_S["caseload"], raw_summary_s),
        ("patient list", patients_s, None, None),
        ("import (bulk path)", import_s, TARGETS_S["import"], None),
    ]


def settle(store: Store) -> None:
    """On PostgreSQL, vacuum and checkpoint after the bulk load, as a clinic's store would be.

    Otherwise autovacuum and the checkpoint of the 700 MB just written run during the first
    timings (logging a visit measured 12 ms instead of 5 ms). Skipped where not permitted.
    """
    if store.engine.dialect.name != "postgresql":
        return
    start = time.perf_counter()
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE)")
        try:
            conn.exec_driver_sql("CHECKPOINT")
        except Exception as exc:  # CHECKPOINT needs a superuser or pg_checkpoint
            print(f"(no CHECKPOINT: {type(exc).__name__})")
    print(f"Vacuumed and checkpointed in {time.perf_counter() - start:.1f} s")


def explain_history(store: Store, patient_id: str) -> None:
    """The PostgreSQL plan of one patient's measurements, to see where the time goes."""
    from workbook.records.visit_frames import _CURRENT_MEASUREMENTS

    query = _CURRENT_MEASUREMENTS.compile(
        dialect=store.engine.dialect, compile_kwargs={"literal_binds": False}
    )
    with store.engine.connect() as conn:
        plan = conn.exec_driver_sql(
            f"EXPLAIN (ANALYZE, BUFFERS) {query}", {**query.params, "patient_id": patient_id}
        ).scalars()
        print("\nPlan of one patient's measurements:\n  " + "\n  ".join(plan))


def store_size_mb(store: Store) -> float:
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect() as conn:
            size = conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar()
        return float(size or 0) / 1e6
    path = Path(store.location)
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6


def sqlite_baselines(
    path: Path, patient_ids: list[str], day: dt.date, rom: dict, args: argparse.Namespace
) -> tuple[float, float]:
    """The same work in raw sqlite3, in the same run: a slow machine shows as a slow baseline."""
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA synchronous = FULL")
    counter = iter(range(10**9))
    positions = {m: default_position(m) for m in MOTIONS}

    def raw_log() -> None:
        k = next(counter)
        visit = f"b_{k:010d}"
        raw.execute("BEGIN IMMEDIATE")
        raw.execute(
            "INSERT INTO visits (visit_id, patient_id, current_version, visit_date, created_at) "
            "VALUES (?, ?, 1, ?, ?)",
            (visit, patient_ids[0], day.isoformat(), "now"),
        )
        raw.execute(
            "INSERT INTO visit_versions (visit_id, version, visit_date, pain_nprs, odi_sections, "
            "odi_index, therapist, notes, routine, changed_at, changed_by, reason) "
            "VALUES (?, 1, ?, 3, NULL, NULL, '', '', NULL, 'now', '', 'recorded')",
            (visit, day.isoformat()),
        )
        raw.executemany(
            "INSERT INTO measurements VALUES (?, 1, ?, ?, 40.0, 'goniometer', ?)",
            [(visit, m, s, positions[m]) for m, s in rom],
        )
        raw.execute("COMMIT")

    raw_log_s, _ = median_time(raw_log, args.repeat)
    it = iter(patient_ids * 3)
    raw_read_s, _ = median_time(
        lambda: raw.execute(
            "SELECT m.visit_id, v.visit_date, m.motion, m.side, m.degrees, m.instrument, "
            "m.position FROM visits v JOIN measurements m ON m.visit_id = v.visit_id AND "
            "m.version = v.current_version WHERE v.patient_id = ? ORDER BY v.visit_date",
            (next(it),),
        ).fetchall(),
        args.repeat,
    )
    raw.close()
    return raw_log_s, raw_read_s


def raw_summary_read(path: Path) -> float:
    """Raw sqlite3 reading every row of both summary tables: what the caseload reads."""
    raw = sqlite3.connect(path)

    def read() -> None:
        raw.execute("SELECT * FROM patient_summary").fetchall()
        raw.execute("SELECT * FROM motion_summary").fetchall()

    seconds, _ = median_time(read, 5)
    raw.close()
    return seconds


def print_rows(rows: list[Row]) -> None:
    print()
    print(f"{'measure':38} {'median':>10} {'target':>10} {'':6} {'raw sqlite3':>12} {'ratio':>6}")
    for name, measured, target, baseline in rows:
        verdict = "" if target is None else ("ok" if measured <= target else "SLOW")
        target_text = "" if target is None else _fmt(target)
        base_text = "" if baseline is None else _fmt(baseline)
        ratio = "" if baseline is None else f"{measured / baseline:.1f}x"
        print(
            f"{name:38} {_fmt(measured):>10} {target_text:>10} {verdict:6} {base_text:>12} "
            f"{ratio:>6}"
        )


def _load() -> str:
    """The machine's load average: figures taken under load are upper bounds."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _fmt(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"


if __name__ == "__main__":
    main()

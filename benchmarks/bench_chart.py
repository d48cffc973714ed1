"""How long the therapist waits for the chart after logging a visit.

A patient with 20 visits, 6 motions x 2 sides, pain at every visit and the ODI every third.
Times "new measurements -> new PNG bytes" for:

- incremental: ``ProgressChart.update`` on a chart already showing the first 19 visits, given
  all 20 (the screen's path: only the data lines are redrawn over a cached background);
- correction: the same, with the latest visit's readings corrected instead of a visit added;
- full redraw, kept figure: ``ProgressChart(blit=False)``, every artist redrawn each time;
- fresh Figure: ``progress_chart`` + ``savefig``, the object API without any caching;
- naive pyplot: a new pyplot figure, the same chart drawn into it, ``plt.savefig``, close:
  the baseline the issue asks for.

Every variant renders at the screen resolution (``SCREEN_DPI``) and the same figure size.
Rounds are interleaved so that load on the machine hits every variant alike; the script prints
the median (and range) of each and the ratio of the naive median to the incremental median.

Run: ``.venv/bin/python benchmarks/bench_chart.py [--rounds N]``. pyplot is used here only, for
the baseline; the package never imports it.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from workbook.clinical.measures import MOTIONS, SIDES
from workbook.clinical.profile import PatientProfile
from workbook.documents.charts import SCREEN_DPI, ProgressChart, progress_chart

TARGET_MS = 100.0
TARGET_RATIO = 3.0
N_VISITS = 20

PROFILE = PatientProfile(age=58, activity="active", floor_transfer=True, kneeling="comfortable")
START = {
    "hip_flexion": 92,
    "hip_extension": 0,
    "hip_internal_rotation": 24,
    "hip_external_rotation": 30,
    "hip_abduction": 28,
    "hip_adduction": 17,
}


def patient(n_visits: int = N_VISITS, seed: int = 4) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Made-up measurements and visits: weekly visits, slow gains, goniometer-sized noise."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2025-01-06", periods=n_visits, freq="7D")
    rows = []
    for i, date in enumerate(dates):
        for motion in MOTIONS:
            for side in SIDES:
                rows.append(
                    {
                        "visit_id": f"v{i:02d}",
                        "visit_date": date,
                        "motion": motion,
                        "side": side,
                        "degrees": float(
                            round(
                                START[motion]
                                + 0.7 * i
                                + rng.normal(0, 2.5)
                                - (4 if side == "right" else 0)
                            )
                        ),
                        "instrument": "goniometer",
                        "position": "",
                    }
                )
    visits = pd.DataFrame(
        {
            "visit_id": [f"v{i:02d}" for i in range(n_visits)],
            "visit_date": dates,
            "pain_nprs": pd.array([max(0, 7 - i // 3) for i in range(n_visits)], dtype="Int64"),
            "odi_index": [42.0 - 1.1 * i if i % 3 == 0 else np.nan for i in range(n_visits)],
        }
    )
    return pd.DataFrame(rows), visits


def first_visits(measurements: pd.DataFrame, visits: pd.DataFrame, n: int):
    keep = set(visits["visit_id"].iloc[:n])
    return measurements[measurements["visit_id"].isin(keep)], visits.iloc[:n]


def corrected(measurements: pd.DataFrame) -> pd.DataFrame:
    """The latest visit's readings each corrected by a degree or two."""
    changed = measurements.copy()
    last = changed["visit_id"] == changed["visit_id"].max()
    changed.loc[last, "degrees"] += np.where(changed.loc[last, "side"] == "left", 2.0, -1.0)
    return changed


def timed(work: Callable[[], bytes]) -> tuple[float, bytes]:
    start = time.perf_counter()
    png = work()
    return (time.perf_counter() - start) * 1000, png


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()

    full_m, full_v = patient()
    before_m, before_v = first_visits(full_m, full_v, N_VISITS - 1)
    fixed_m = corrected(full_m)

    incremental = ProgressChart(PROFILE)
    correction = ProgressChart(PROFILE)
    kept = ProgressChart(PROFILE, blit=False)
    incremental.update(before_m, before_v)  # the chart the therapist was looking at
    correction.update(full_m, full_v)
    kept.update(before_m, before_v)
    size = incremental.figure.get_size_inches()

    def run_incremental() -> bytes:
        return incremental.update(full_m, full_v)

    def run_correction() -> bytes:
        return correction.update(fixed_m, full_v)

    def run_kept() -> bytes:
        return kept.update(full_m, full_v)

    def run_fresh() -> bytes:
        fig = progress_chart(full_m, full_v, profile=PROFILE, figsize=tuple(size))
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=SCREEN_DPI)
        return buffer.getvalue()

    def run_naive() -> bytes:
        fig = plt.figure(figsize=size, dpi=SCREEN_DPI, layout="constrained")
        progress_chart(full_m, full_v, profile=PROFILE, ax=fig.add_subplot())
        buffer = io.BytesIO()
        plt.savefig(buffer, format="png", dpi=SCREEN_DPI)
        plt.close(fig)
        return buffer.getvalue()

    # Each timed update must start from the previous picture: put it back, untimed.
    def reset_incremental() -> None:
        incremental.update(before_m, before_v)

    def reset_correction() -> None:
        correction.update(full_m, full_v)

    def reset_kept() -> None:
        kept.update(before_m, before_v)

    variants: dict[str, tuple[Callable[[], bytes], Callable[[], None] | None]] = {
        "incremental (new visit)": (run_incremental, reset_incremental),
        "incremental (correction)": (run_correction, reset_correction),
        "full redraw, kept figure": (run_kept, reset_kept),
        "fresh Figure + savefig": (run_fresh, None),
        "naive pyplot + plt.savefig": (run_naive, None),
    }
    for work, reset in variants.values():  # warm-up: fonts, caches, imports
        work()
        if reset:
            reset()

    rebuilds_before = incremental.rebuilds + correction.rebuilds
    times: dict[str, list[float]] = {name: [] for name in variants}
    sizes: dict[str, tuple[int, int]] = {}
    for _ in range(args.rounds):
        for name, (work, reset) in variants.items():
            elapsed, png = timed(work)
            times[name].append(elapsed)
            sizes[name] = tuple(int.from_bytes(png[i : i + 4], "big") for i in (16, 20))
            if reset:
                reset()
    rebuilt = incremental.rebuilds + correction.rebuilds - rebuilds_before

    print(
        f"Progress chart, {N_VISITS} visits x {len(MOTIONS)} motions x {len(SIDES)} sides, "
        f"PNG at {SCREEN_DPI} dpi, {args.rounds} interleaved rounds (ms)"
    )
    print(f"{'variant':30} {'median':>8} {'min':>8} {'max':>8}  image")
    for name, values in times.items():
        width, height = sizes[name]
        print(
            f"{name:30} {statistics.median(values):8.1f} {min(values):8.1f} "
            f"{max(values):8.1f}  {width}x{height}"
        )
    fast = statistics.median(times["incremental (new visit)"])
    naive = statistics.median(times["naive pyplot + plt.savefig"])
    ratio = naive / fast
    print(
        f"\nincremental (new visit) median {fast:.1f} ms "
        f"({'meets' if fast <= TARGET_MS else 'MISSES'} the {TARGET_MS:.0f} ms target)"
    )
    print(
        f"naive / incremental = {ratio:.1f}x "
        f"({'meets' if ratio >= TARGET_RATIO else 'MISSES'} the {TARGET_RATIO:.0f}x target)"
    )
    print(f"rebuilds during the timed incremental updates: {rebuilt} (0 = every update blitted)")


if __name__ == "__main__":
    main()

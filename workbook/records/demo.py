"""A demo store of fictional patients, for trying the workbook and for its tests.

Seven made-up patients span the cases the seed article talks about: an older sedentary patient
with spinal stenosis who can't get down to the floor or kneel, an athlete, sciatica, a patient
who can't kneel, knee pain, degenerative disc disease and a hip labral tear. Each has 5 to 12
visits over realistic weeks, ending a few days before today: range of motion improves unevenly
toward normal with measurement noise of the size of the goniometer's standard error of
measurement, the odd reading is missed, pain falls, and the Oswestry index is taken now and
then. One visit carries a correction and one patient a profile update, so that the history
views have something to show.

The histories are drawn from a seeded random generator: the same seed gives the same patients,
readings and notes (the ids and the time stamps of the writes differ). Every name, phone number
(555-01xx), e-mail address (example.org) and record number (DEMO-...) is invented, and the store
is flagged as a demo (``Store.is_demo``).

The numbers that shape the histories (normal range per motion, measurement error, pain and ODI
courses) are the workbook's reference values; ``data/README.md`` (section "demo store") gives
their sources.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
from pathlib import Path

import numpy as np

from ..clinical import measures
from ..clinical.profile import PatientProfile
from ..clinical.reference import measurement_error_table, normal_value
from ..clinical.routine import generate_routine
from ..errors import WorkbookError
from .demo_cases import CASES, DemoCase
from .engine import resolve_location
from .store import Store, open_store

__all__ = ["DEMO_SEED", "make_demo_store"]

DEMO_SEED = 20240611

MDC_PER_SEM = 1.96 * 2**0.5  # MDC95 = 1.96 x sqrt(2) x SEM (clinical.md section 2)


@functools.cache
def _course_targets() -> dict[str, tuple[float, float]]:
    """Per motion: the normal value a course heads for, and the goniometer's SEM for the noise.

    Both come from the reference tables (data/normal_rom.csv, data/measurement_error.csv), so
    the demo and the progress screen agree on what normal and noise are. Where a table gives
    only the MDC95, SEM = MDC95 / 2.77 (clinical.md section 2).
    """
    errors = measurement_error_table()
    sems = errors["sem_degrees"].astype("float64").to_dict()
    mdcs = errors["mdc95_degrees"].astype("float64").to_dict()
    targets = {}
    for motion in measures.MOTIONS:
        normal = normal_value(motion, position=measures.default_position(motion)).degrees
        sem = sems[motion]
        if np.isnan(sem):
            sem = mdcs[motion] / MDC_PER_SEM
        targets[motion] = (float(normal), float(sem))
    return targets


THERAPISTS = ("Sam Rivera", "Noor Haddad", "Jo Lindqvist")
MISSED_READING_CHANCE = 0.02  # one side of one motion not measured
MISSED_MOTION_CHANCE = 0.02  # a whole motion skipped at a visit (time, pain)


def _visit_dates(rng: np.random.Generator, n: int, today: dt.date) -> list[dt.date]:
    """Weekly at first, then every 10-14 days; the last one 3-12 days before today, weekdays."""
    gaps = [int(rng.integers(6, 9)) if k < 4 else int(rng.integers(10, 15)) for k in range(n - 1)]
    last = today - dt.timedelta(days=int(rng.integers(3, 13)))
    dates = [last]
    for gap in reversed(gaps):
        dates.append(dates[-1] - dt.timedelta(days=gap))
    dates.reverse()
    # A clinic is closed at weekends: Saturday and Sunday move back to Friday.
    return [d - dt.timedelta(days=max(0, d.weekday() - 4)) for d in dates]


def _progress(rng: np.random.Generator, n: int) -> np.ndarray:
    """Share of the final gain reached at each visit: uneven steps, the odd setback."""
    steps = rng.gamma(shape=1.2, scale=1.0, size=n - 1)
    setbacks = rng.random(n - 1) < 0.15
    steps[setbacks] = -0.4 * steps[setbacks]
    path = np.concatenate([[0.0], np.cumsum(steps)])
    return np.clip(path / max(path[-1], 1e-9), -0.2, 1.2)


def _odi_sections(
    rng: np.random.Generator, index: float, rule: measures.ScoreRule
) -> list[int | None]:
    mean = index / 100 * rule.max_value
    sections: list[int | None] = [
        int(np.clip(round(mean + rng.normal(0, 0.7)), rule.min_value, rule.max_value))
        for _ in range(rule.sections)
    ]
    if rng.random() < 0.3:  # one section left unanswered now and then
        sections[int(rng.integers(0, rule.sections))] = None
    return sections


def _rom(
    rng: np.random.Generator,
    case: DemoCase,
    progress: float,
    first: bool,
    bounds: dict[str, tuple[float, float]],
) -> dict[tuple[str, str], float]:
    readings: dict[tuple[str, str], float] = {}
    for motion in measures.MOTIONS:
        if not first and rng.random() < MISSED_MOTION_CHANCE:
            continue
        for side in measures.SIDES:
            if not first and rng.random() < MISSED_READING_CHANCE:
                continue
            share = case.baseline[motion] - (case.asymmetry if side == case.worse_side else 0.0)
            normal, sem = _course_targets()[motion]
            start = normal * share + case.extra_baseline_degrees.get(motion, 0.0)
            true = start + (normal - start) * case.recovery * progress
            reading = round(true + rng.normal(0.0, sem))
            low, high = bounds[motion]
            readings[(motion, side)] = float(min(max(reading, low), high))
    return readings


@functools.lru_cache(maxsize=32)
def _routine_json(profile: PatientProfile) -> str:
    """The routine the workbook would give, as JSON.

    Cached (about 0.1 s a routine): the tests build the demo store several times.
    """
    return json.dumps(generate_routine(profile).to_dict())


def _prepare(location: str | os.PathLike[str] | None) -> Store:
    """Open the target; a demo store is rebuilt, a clinic's store is never touched."""
    store = open_store(location)
    counts = store.table_counts()
    if counts["patients"] == 0 and counts["audit_log"] == 0:
        return store
    if not store.is_demo:
        where = store.location
        store.close()
        raise WorkbookError(
            "location",
            where,
            "a new file or an existing demo store; this store holds a "
            "clinic's records and the demo never overwrites it",
        )
    url = store.url
    store.close()
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        raise WorkbookError(
            "location",
            url.render_as_string(hide_password=True),
            "an empty database or an SQLite file: empty this demo database first",
        )
    path = Path(url.database)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return open_store(path)


def make_demo_store(
    location: str | os.PathLike[str] | None = None,
    *,
    seed: int = DEMO_SEED,
    today: dt.date | None = None,
) -> Store:
    """Create (or rebuild) a demo store of fictional patients and return it open.

    Parameters
    ----------
    location : str or Path, optional
        A new file, an existing demo store (rebuilt from scratch) or a URL of an empty
        database. A store holding a clinic's records is refused. By default the same location
        as :func:`workbook.records.store.open_store`.
    seed : int
        The random seed; the same seed gives the same histories.
    today : datetime.date, optional
        The day the histories end before (a few days earlier); by default today.

    Returns
    -------
    Store
        Flagged as a demo (``store.is_demo``).
    """
    today = today or dt.date.today()
    resolve_location(location)  # a bad location fails before anything is created
    store = _prepare(location)
    try:
        store.mark_as_demo()  # first, so that a half-built demo is still recognised as one
        _fill(store, seed=seed, today=today)
    except BaseException:
        store.close()
        raise
    return store


def _add_patient(
    store: Store, number: int, case: DemoCase, profile: PatientProfile, today: dt.date
) -> str:
    """The case as a patient, with invented contact details (555-01xx, example.org)."""
    return store.add_patient(
        case.name,
        today.year - case.age,
        profile,
        demo=True,
        phone=f"555-01{number:02d}",
        email=f"{case.name.split()[0].lower()}@example.org",
        mrn=f"DEMO-{number:04d}",
        address=f"{number} Example Street, Springfield (fictional)",
    )


def _fill(store: Store, *, seed: int, today: dt.date) -> None:
    rng = np.random.default_rng(seed)
    odi_rule = measures.score_rule("odi_section")
    table = measures.motions_table()
    lows = table["min_degrees"].astype(float).to_dict()
    highs = table["max_degrees"].astype(float).to_dict()
    bounds = {m: (lows[m], highs[m]) for m in measures.MOTIONS}
    for number, case in enumerate(CASES, start=1):
        profile = case.profile()
        patient_id = _add_patient(store, number, case, profile, today)
        routine = _routine_json(profile)
        dates = _visit_dates(rng, case.n_visits, today)
        progress = _progress(rng, case.n_visits)
        therapist = THERAPISTS[number % len(THERAPISTS)]
        odi_visits = {0, case.n_visits - 1, *range(3, case.n_visits - 1, 4)}
        update_at = case.n_visits // 2 if case.name == "Walter Testcase" else None
        typo_at = 2 if case.name == "Priya Placeholder" else None
        for k, (date, share) in enumerate(zip(dates, progress, strict=True)):
            if k == update_at:
                profile = case.profile(floor_transfer=True)
                store.update_profile(
                    patient_id,
                    profile,
                    changed_by=therapist,
                    reason="Gets down to the floor and back up with a chair now.",
                )
                routine = _routine_json(profile)
            rom = _rom(rng, case, float(share), k == 0, bounds)
            pain_start, pain_end = case.pain
            pain = pain_start + (pain_end - pain_start) * float(share) + rng.normal(0, 0.7)
            odi = None
            if k in odi_visits:
                odi_start, odi_end = case.odi
                odi = _odi_sections(rng, odi_start + (odi_end - odi_start) * float(share), odi_rule)
            seen_by = therapist if rng.random() > 0.15 else THERAPISTS[(number + 1) % 3]
            note = case.notes[min(k * len(case.notes) // case.n_visits, len(case.notes) - 1)]
            typed = dict(rom)
            flexion = ("hip_flexion", case.worse_side)
            if k == typo_at and flexion in rom and rom[flexion] >= 10:
                # Digits swapped when typing (91 -> 19): corrected below with a reason.
                digits = str(int(rom[flexion]))
                typed[flexion] = float(digits[::-1].lstrip("0") or "0")
            visit_id = store.log_visit(
                patient_id,
                date,
                typed,
                pain=int(np.clip(round(pain), 0, 10)),
                odi=odi,
                routine=json.loads(routine),
                therapist=seen_by,
                notes=note,
            )
            if typed != rom:
                store.amend_visit(
                    visit_id,
                    rom=rom,
                    changed_by=seen_by,
                    reason="Digits swapped when typing hip flexion; corrected from the chart.",
                )

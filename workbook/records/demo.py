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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..clinical import measures
from ..clinical.profile import PatientProfile, known_conditions, known_equipment
from ..clinical.reference import measurement_error_table, normal_value
from ..errors import WorkbookError
from .store import Store, open_store, resolve_location

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
    targets = {}
    for motion in measures.MOTIONS:
        normal = normal_value(motion, position=measures.default_position(motion)).degrees
        sem = errors.at[motion, "sem_degrees"]
        if np.isnan(sem):
            sem = errors.at[motion, "mdc95_degrees"] / MDC_PER_SEM
        targets[motion] = (float(normal), float(sem))
    return targets


THERAPISTS = ("Sam Rivera", "Noor Haddad", "Jo Lindqvist")
MISSED_READING_CHANCE = 0.02  # one side of one motion not measured
MISSED_MOTION_CHANCE = 0.02  # a whole motion skipped at a visit (time, pain)


@dataclass(frozen=True)
class DemoCase:
    """One fictional patient and the shape of their course of care."""

    name: str
    age: int
    activity: str
    floor_transfer: bool
    kneeling: str
    conditions: tuple[str, ...]
    equipment: tuple[str, ...]
    n_visits: int
    # Baseline as a fraction of the normal range, per motion (1.0 = normal); the worse side
    # gets ``asymmetry`` less.
    baseline: dict[str, float]
    worse_side: str
    asymmetry: float
    # Share of the gap to normal closed by the last visit.
    recovery: float
    pain: tuple[int, int]
    odi: tuple[float, float]
    notes: tuple[str, ...]
    extra_baseline_degrees: dict[str, float] = field(default_factory=dict)

    def profile(self, **changes: Any) -> PatientProfile:
        # A clinic may edit the vocabularies in data/: keep to what the tables still know.
        values = {
            "age": self.age,
            "activity": self.activity,
            "floor_transfer": self.floor_transfer,
            "kneeling": self.kneeling,
            "conditions": set(self.conditions) & set(known_conditions()),
            "equipment": set(self.equipment) & set(known_equipment()),
        }
        values.update(changes)
        return PatientProfile(**values)


CASES: tuple[DemoCase, ...] = (
    DemoCase(
        name="Edna Example",
        age=81,
        activity="sedentary",
        floor_transfer=False,
        kneeling="unable",
        conditions=("spinal_stenosis", "lower_back_pain"),
        equipment=("armless_chair", "pillow"),
        n_visits=12,
        baseline={
            "hip_flexion": 0.7,
            "hip_extension": 0.0,
            "hip_internal_rotation": 0.6,
            "hip_external_rotation": 0.6,
            "hip_abduction": 0.6,
            "hip_adduction": 0.7,
        },
        extra_baseline_degrees={"hip_extension": -6.0},  # a small flexion contracture
        worse_side="right",
        asymmetry=0.08,
        recovery=0.5,
        pain=(7, 3),
        odi=(48, 30),
        notes=(
            "Walks with a cane; cannot get down to the floor or kneel.",
            "Seated stretches only; tailbone tucked under.",
            "Standing longer at the sink before the back aches.",
            "Legs heavy after the shopping trip; eased off the hip flexor stretch.",
            "Tolerating 60 s holds now.",
        ),
    ),
    DemoCase(
        name="Marcus Sample",
        age=27,
        activity="athletic",
        floor_transfer=True,
        kneeling="comfortable",
        conditions=("lower_back_pain",),
        equipment=("yoga_mat", "yoga_block", "broomstick"),
        n_visits=5,
        baseline={
            "hip_flexion": 0.9,
            "hip_extension": 0.3,
            "hip_internal_rotation": 0.8,
            "hip_external_rotation": 0.85,
            "hip_abduction": 0.85,
            "hip_adduction": 0.9,
        },
        worse_side="left",
        asymmetry=0.06,
        recovery=0.9,
        pain=(5, 1),
        odi=(22, 6),
        notes=(
            "Runner; low back tight after long runs.",
            "Very tight hip flexors on the left.",
            "Kneeling lunge done daily.",
            "Back to full training without pain.",
        ),
    ),
    DemoCase(
        name="Priya Placeholder",
        age=46,
        activity="active",
        floor_transfer=True,
        kneeling="comfortable",
        conditions=("sciatica", "lower_back_pain"),
        equipment=("yoga_mat", "pillow"),
        n_visits=8,
        baseline={
            "hip_flexion": 0.75,
            "hip_extension": 0.5,
            "hip_internal_rotation": 0.75,
            "hip_external_rotation": 0.6,
            "hip_abduction": 0.75,
            "hip_adduction": 0.8,
        },
        worse_side="right",
        asymmetry=0.12,
        recovery=0.7,
        pain=(8, 2),
        odi=(42, 16),
        notes=(
            "Pain down the right leg to the knee when sitting long.",
            "Piriformis stretch gently; stop at tingling.",
            "Leg pain only after long car trips now.",
            "Sleeping through the night.",
        ),
    ),
    DemoCase(
        name="Walter Testcase",
        age=67,
        activity="sedentary",
        floor_transfer=False,
        kneeling="unable",
        conditions=("hip_osteoarthritis", "lower_back_pain"),
        equipment=("armless_chair", "broomstick"),
        n_visits=10,
        baseline={
            "hip_flexion": 0.75,
            "hip_extension": 0.3,
            "hip_internal_rotation": 0.45,
            "hip_external_rotation": 0.65,
            "hip_abduction": 0.65,
            "hip_adduction": 0.75,
        },
        worse_side="left",
        asymmetry=0.1,
        recovery=0.45,
        pain=(6, 3),
        odi=(36, 24),
        notes=(
            "Cannot kneel: left hip stiff and sore.",
            "Practising getting down to the floor with a chair.",
            "Now gets down to the floor and up with a chair.",
            "Internal rotation still limited on the left.",
        ),
    ),
    DemoCase(
        name="Rosa Fictional",
        age=58,
        activity="active",
        floor_transfer=True,
        kneeling="painful",
        conditions=("knee_pain", "lower_back_pain"),
        equipment=("pillow", "yoga_mat"),
        n_visits=7,
        baseline={
            "hip_flexion": 0.8,
            "hip_extension": 0.4,
            "hip_internal_rotation": 0.7,
            "hip_external_rotation": 0.75,
            "hip_abduction": 0.7,
            "hip_adduction": 0.8,
        },
        worse_side="right",
        asymmetry=0.05,
        recovery=0.75,
        pain=(6, 2),
        odi=(30, 12),
        notes=(
            "Knees hurt when kneeling; uses a pillow under the knee.",
            "Gardening again for short spells.",
            "Knee comfortable on a folded towel.",
        ),
    ),
    DemoCase(
        name="Tom Mockup",
        age=53,
        activity="sedentary",
        floor_transfer=True,
        kneeling="comfortable",
        conditions=("degenerative_disc_disease", "lower_back_pain"),
        equipment=("armless_chair", "pillow"),
        n_visits=9,
        baseline={
            "hip_flexion": 0.8,
            "hip_extension": 0.35,
            "hip_internal_rotation": 0.7,
            "hip_external_rotation": 0.7,
            "hip_abduction": 0.7,
            "hip_adduction": 0.75,
        },
        worse_side="left",
        asymmetry=0.07,
        recovery=0.6,
        pain=(7, 3),
        odi=(40, 22),
        notes=(
            "Desk job; back stiff every morning.",
            "Keeps the back from arching in the lunge.",
            "Flare-up after moving house; gentler versions this week.",
            "Morning stiffness down to ten minutes.",
        ),
    ),
    DemoCase(
        name="Lena Dummy",
        age=35,
        activity="active",
        floor_transfer=True,
        kneeling="comfortable",
        conditions=("hip_labral_tear",),
        equipment=("yoga_mat", "yoga_block"),
        n_visits=6,
        baseline={
            "hip_flexion": 0.8,
            "hip_extension": 0.7,
            "hip_internal_rotation": 0.6,
            "hip_external_rotation": 0.8,
            "hip_abduction": 0.85,
            "hip_adduction": 0.85,
        },
        worse_side="right",
        asymmetry=0.1,
        recovery=0.65,
        pain=(5, 2),
        odi=(24, 10),
        notes=(
            "Pinch at the front of the right hip in deep flexion.",
            "Stops at the pinch; no pushing through.",
            "Pinch only at the end of range now.",
        ),
    ),
)


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
def _routine_json(profile: PatientProfile) -> str | None:
    # Cached (about 0.1 s a routine): the tests build the demo store several times.
    routine = _routine_for(profile)
    return None if routine is None else json.dumps(routine)


def _routine_for(profile: PatientProfile) -> dict[str, Any] | None:
    """The routine the workbook would give, when the routine layer is there."""
    try:
        from ..clinical.routine import generate_routine
    except ImportError:  # pragma: no cover - the routine layer ships with the package
        return None
    return generate_routine(profile).to_dict()


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


def _fill(store: Store, *, seed: int, today: dt.date) -> None:
    rng = np.random.default_rng(seed)
    odi_rule = measures.score_rule("odi_section")
    table = measures.motions_table()
    bounds = {
        m: (float(table.at[m, "min_degrees"]), float(table.at[m, "max_degrees"]))
        for m in measures.MOTIONS
    }
    for number, case in enumerate(CASES, start=1):
        profile = case.profile()
        birth_year = today.year - case.age
        patient_id = store.add_patient(
            case.name,
            birth_year,
            profile,
            demo=True,
            phone=f"555-01{number:02d}",
            email=f"{case.name.split()[0].lower()}@example.org",
            mrn=f"DEMO-{number:04d}",
            address=f"{number} Example Street, Springfield (fictional)",
        )
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
                routine=None if routine is None else json.loads(routine),
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

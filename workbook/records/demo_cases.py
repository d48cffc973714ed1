"""The seven fictional patients of the demo store: who they are and how their care goes.

Data only (names, profiles, the shape of each course of care, the therapist's notes);
:mod:`workbook.records.demo` turns them into visits. Every name is invented.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..clinical.profile import PatientProfile, known_conditions, known_equipment

__all__ = ["CASES", "DemoCase"]


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

    def profile(self, *, floor_transfer: bool | None = None) -> PatientProfile:
        """The case's profile; ``floor_transfer`` as it becomes during the course of care."""
        if floor_transfer is None:
            floor_transfer = self.floor_transfer
        # A clinic may edit the vocabularies in data/: keep to what the tables still know.
        return PatientProfile(
            age=self.age,
            activity=self.activity,
            floor_transfer=floor_transfer,
            kneeling=self.kneeling,
            conditions=frozenset(self.conditions) & frozenset(known_conditions()),
            equipment=frozenset(self.equipment) & frozenset(known_equipment()),
        )


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

"""The pose drawings as data: joint coordinates, body lines, props and arrows, one Pose each.

Coordinates are in a small drawing space (floor at ``y = 0``, one unit is roughly a hand's
length). These are drawings, not clinical numbers, so they live here rather than in ``data/``; a
stretch names its drawing in the ``pictogram`` column of ``data/stretches.csv``. Drawing them is
:mod:`workbook.documents.pictograms`' job; this module holds no drawing code, which is why it may
be longer than the others.

Most poses are seen from the side. The butterfly, the seated piriformis stretch and the deep squat
are seen from the front, because what matters in them (knees falling out, the ankle resting on the
other knee) cannot be seen from the side.

Examples
--------
>>> POSES["deep_squat"].head in POSES["deep_squat"].joints
True
>>> len(KNOWN_POSES) == len(POSES)
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = [
    "KNOWN_POSES",
    "PLACEHOLDER_DESCRIPTION",
    "POSES",
    "STICK_POSES",
    "Point",
    "Pose",
]

Point = tuple[float, float]


@dataclass(frozen=True)
class Pose:
    """One drawing: a stick figure, its props and its movement arrows.

    Parameters
    ----------
    description : str
        One plain sentence describing the position, used as the picture's alt text.
    joints : mapping of str to (x, y)
        Named points in drawing units.
    head : str
        The joint at the centre of the head.
    body : tuple of tuple of str
        Polylines through named joints, drawn dark (the near side of the body).
    far : tuple of tuple of str
        Polylines drawn in mid grey: the limbs on the far side.
    curves : tuple of (start, control, end)
        Quadratic curves through named joints, for a rounded or arched back.
    props : tuple of (kind, values)
        ``("floor", (x0, x1))``, ``("line", (x0, y0, x1, y1, ...))``, ``("box", (x, y, w, h))``,
        ``("frame", (x, y, w, h))`` or ``("label", (x, y, text))``.
    arrows : tuple of (x0, y0, x1, y1, bend)
        Movement arrows; ``bend`` is the curvature (0 for straight).
    extra_heads : tuple of (joint, radius)
        More heads, for a small second view of the same pose (an inset).
    """

    description: str
    joints: Mapping[str, Point]
    head: str
    body: tuple[tuple[str, ...], ...]
    far: tuple[tuple[str, ...], ...] = ()
    curves: tuple[tuple[str, str, str], ...] = ()
    props: tuple[tuple[str, tuple], ...] = ()
    arrows: tuple[tuple[float, float, float, float, float], ...] = field(default=())
    extra_heads: tuple[tuple[str, float], ...] = ()


# --- Props shared by several drawings -------------------------------------------------------


def _chair(x0: float, x1: float, seat: float = 1.75, back: bool = True) -> tuple:
    """A side-view chair: seat from x0 to x1, legs to the floor, a backrest at x0."""
    parts = [
        ("line", (x0, seat, x1, seat)),
        ("line", (x0 + 0.1, seat, x0 + 0.1, 0.0)),
        ("line", (x1 - 0.1, seat, x1 - 0.1, 0.0)),
    ]
    if back:
        parts.append(("line", (x0 + 0.1, seat, x0 + 0.1, seat + 1.9)))
    return tuple(parts)


def _front_chair(cx: float, half: float = 1.1, seat: float = 1.75) -> tuple:
    """A chair seen from the front: the seat's front edge and two front legs."""
    return (
        ("box", (cx - half, seat - 0.16, 2 * half, 0.16)),
        ("line", (cx - half + 0.1, seat - 0.16, cx - half + 0.1, 0.0)),
        ("line", (cx + half - 0.1, seat - 0.16, cx + half - 0.1, 0.0)),
    )


# --- The drawings ---------------------------------------------------------------------------
# Side views face right. Proportions: torso about 2.4 units, thigh and shin about 1.8, arm about
# 2.5 (upper arm and forearm together).

_ALL_FOURS_LEGS = {
    "toe": (1.95, 0.1),
    "ankle": (2.35, 0.18),
    "knee": (4.0, 0.18),
}

_ROCK_BACK = Pose(
    description=(
        "On hands and knees, sitting the hips back toward the heels while the lower back keeps a "
        "slight arch."
    ),
    joints={
        **_ALL_FOURS_LEGS,
        "hip": (3.05, 1.7),
        "low_back": (4.2, 1.72),
        "shoulder": (5.35, 2.15),
        "elbow": (5.92, 1.08),
        "hand": (6.45, 0.05),
        "finger": (6.8, 0.05),
        "neck": (5.65, 2.32),
        "head": (6.05, 2.5),
    },
    head="head",
    body=(
        ("toe", "ankle", "knee", "hip"),
        ("shoulder", "elbow", "hand", "finger"),
        ("shoulder", "neck"),
    ),
    curves=(("hip", "low_back", "shoulder"),),
    props=(("floor", (0.6, 8.2)),),
    arrows=((3.6, 2.45, 2.45, 2.0, 0.3),),
)

_FROG_ROCK_BACK = Pose(
    description=(
        "On hands and knees with the knees spread wide apart, sitting the hips back toward the "
        "heels with a flat lower back."
    ),
    joints={
        **_ALL_FOURS_LEGS,
        "hip": (3.0, 1.5),
        "low_back": (4.15, 1.58),
        "shoulder": (5.3, 2.05),
        "elbow": (5.86, 1.0),
        "hand": (6.38, 0.05),
        "finger": (6.73, 0.05),
        "neck": (5.62, 2.22),
        "head": (6.02, 2.4),
        # Inset, seen from behind: the pelvis, thighs splayed to knees far apart on the floor,
        # the trunk going away from the viewer (short) and the head just showing above it.
        "b_pelvis_l": (1.45, 3.95),
        "b_pelvis_r": (2.15, 3.95),
        "b_waist": (1.8, 3.95),
        "b_neck": (1.8, 4.35),
        "b_head": (1.8, 4.62),
        "b_knee_l": (0.5, 3.05),
        "b_knee_r": (3.1, 3.05),
        "b_foot_l": (1.3, 3.05),
        "b_foot_r": (2.3, 3.05),
    },
    head="head",
    body=(
        ("toe", "ankle", "knee", "hip"),
        ("shoulder", "elbow", "hand", "finger"),
        ("shoulder", "neck"),
        ("b_knee_l", "b_pelvis_l", "b_pelvis_r", "b_knee_r"),
        ("b_waist", "b_neck"),
        ("b_knee_l", "b_foot_l"),
        ("b_knee_r", "b_foot_r"),
    ),
    curves=(("hip", "low_back", "shoulder"),),
    props=(
        ("floor", (0.6, 8.2)),
        ("frame", (0.05, 2.55, 3.5, 2.85)),
        ("line", (0.2, 3.0, 3.4, 3.0)),
        ("label", (1.8, 5.18, "from behind: knees wide")),
    ),
    extra_heads=(("b_head", 0.22),),
    arrows=(
        (3.6, 2.3, 2.45, 1.85, 0.3),
        (1.0, 3.75, 0.35, 3.45, 0.0),
        (2.6, 3.75, 3.25, 3.45, 0.0),
    ),
)

_CHILDS_POSE = Pose(
    description=(
        "Kneeling and sitting back on the heels, the back rounded forward, forehead toward the "
        "floor and the arms stretched out in front."
    ),
    joints={
        "toe": (1.75, 0.1),
        "ankle": (2.15, 0.18),
        "knee": (3.95, 0.18),
        "hip": (2.35, 0.85),
        "mid_back": (3.5, 1.75),
        "shoulder": (4.6, 1.05),
        "neck": (4.85, 0.85),
        "head": (5.1, 0.55),
        "elbow": (5.8, 0.45),
        "hand": (7.0, 0.1),
        "finger": (7.35, 0.08),
    },
    head="head",
    body=(
        ("toe", "ankle", "knee", "hip"),
        ("shoulder", "elbow", "hand", "finger"),
        ("shoulder", "neck"),
    ),
    curves=(("hip", "mid_back", "shoulder"),),
    props=(("floor", (0.6, 8.2)),),
)

_HINGE_ANGLE = math.radians(48)  # trunk forward from upright... a drawing, not a prescription


def _along(origin: Point, angle: float, length: float, side: float = 0.0) -> Point:
    """A point ``length`` along a line at ``angle`` from vertical, ``side`` off to its back."""
    ux, uy = math.sin(angle), math.cos(angle)
    return (origin[0] + length * ux - side * uy, origin[1] + length * uy + side * ux)


_H_HIP = (2.75, 1.95)
_SEATED_HIP_HINGE = Pose(
    description=(
        "Sitting on a chair with a broomstick held along the back, tipping the trunk forward "
        "from the hips while the back stays flat against the stick."
    ),
    joints={
        "hip": _H_HIP,
        "knee": (4.55, 1.95),
        "ankle": (4.6, 0.18),
        "toe": (5.15, 0.06),
        "shoulder": _along(_H_HIP, _HINGE_ANGLE, 2.4),
        "neck": _along(_H_HIP, _HINGE_ANGLE, 2.75),
        "head": _along(_H_HIP, _HINGE_ANGLE, 3.2),
        "stick_low": _along(_H_HIP, _HINGE_ANGLE, -0.45, 0.45),
        "stick_high": _along(_H_HIP, _HINGE_ANGLE, 3.95, 0.45),
        # One hand holds the stick behind the neck (its elbow points out to the side, so from
        # the side the arm looks short), the other holds it at the low back.
        "elbow_up": _along(_H_HIP, _HINGE_ANGLE, 2.75, 0.95),
        "hand_up": _along(_H_HIP, _HINGE_ANGLE, 3.05, 0.45),
        "elbow_low": _along(_H_HIP, _HINGE_ANGLE, 1.45, 0.85),
        "hand_low": _along(_H_HIP, _HINGE_ANGLE, 0.45, 0.45),
    },
    head="head",
    body=(
        ("toe", "ankle", "knee", "hip", "shoulder", "neck"),
        ("shoulder", "elbow_up", "hand_up"),
    ),
    far=(("shoulder", "elbow_low", "hand_low"),),
    props=(
        ("floor", (0.6, 8.2)),
        *_chair(1.75, 3.55),
    ),
    arrows=((4.45, 5.25, 6.25, 4.35, -0.35),),
)
# The stick is a prop but must read above the body line: drawn by pictograms after the props.
STICK_POSES = {"seated_hip_hinge": ("stick_low", "stick_high")}

_KNEELING_HIP_FLEXOR = Pose(
    description=(
        "Half kneeling with one knee on a cushion and the other foot in front, tail tucked under "
        "and the hips eased forward without arching the lower back."
    ),
    joints={
        "toe_b": (1.35, 0.3),
        "ankle_b": (1.75, 0.38),
        "knee_b": (3.3, 0.38),
        "hip": (3.8, 2.1),
        "knee_f": (5.55, 1.9),
        "ankle_f": (5.6, 0.16),
        "toe_f": (6.15, 0.06),
        "shoulder": (3.75, 4.5),
        "neck": (3.78, 4.85),
        "head": (3.82, 5.3),
        "elbow": (3.35, 3.35),
        "hand": (3.95, 2.55),
    },
    head="head",
    body=(
        ("toe_b", "ankle_b", "knee_b", "hip", "knee_f", "ankle_f", "toe_f"),
        ("hip", "shoulder", "neck"),
        ("shoulder", "elbow", "hand"),
    ),
    props=(
        ("floor", (0.6, 8.2)),
        ("box", (1.1, 0.0, 2.7, 0.22)),
    ),
    arrows=((4.2, 2.75, 5.1, 2.75, 0.0), (3.05, 2.55, 3.35, 1.6, 0.45)),
)

_SEATED_HIP_FLEXOR = Pose(
    description=(
        "Sitting sideways on the front corner of an armless chair, front foot flat, the back leg "
        "reaching behind with its knee lowered toward the floor."
    ),
    joints={
        "hip": (3.85, 2.0),
        "knee_f": (5.6, 1.95),
        "ankle_f": (5.65, 0.18),
        "toe_f": (6.2, 0.06),
        "knee_b": (3.0, 0.45),
        "ankle_b": (1.45, 0.3),
        "toe_b": (1.05, 0.06),
        "shoulder": (3.9, 4.4),
        "neck": (3.92, 4.75),
        "head": (3.95, 5.2),
        "elbow": (4.45, 3.3),
        "hand": (5.25, 2.2),
    },
    head="head",
    body=(
        ("toe_b", "ankle_b", "knee_b", "hip", "knee_f", "ankle_f", "toe_f"),
        ("hip", "shoulder", "neck"),
        ("shoulder", "elbow", "hand"),
    ),
    props=(
        ("floor", (0.6, 8.2)),
        *_chair(2.3, 4.1),
    ),
    arrows=((2.45, 0.95, 2.7, 0.35, 0.0),),
)

_SEATED_PIRIFORMIS = Pose(
    description=(
        "Sitting on a chair, seen from the front: one ankle resting across the other knee, a hand "
        "pressing gently down on the raised knee."
    ),
    joints={
        "pelvis_l": (3.9, 2.0),
        "pelvis_r": (4.7, 2.0),
        "knee_r": (4.85, 1.85),
        "ankle_r": (4.85, 0.2),
        "toe_r": (5.1, 0.05),
        "knee_l": (2.45, 2.35),
        "ankle_l": (4.95, 2.15),
        "neck": (4.3, 4.45),
        "head": (4.3, 4.95),
        "shoulder_l": (3.65, 4.3),
        "shoulder_r": (4.95, 4.3),
        "elbow_l": (2.85, 3.45),
        "hand_l": (2.55, 2.6),
        "elbow_r": (5.55, 3.4),
        "hand_r": (4.95, 2.45),
        "waist": (4.3, 2.05),
    },
    head="head",
    body=(
        ("pelvis_l", "pelvis_r"),
        ("waist", "neck"),
        ("shoulder_l", "shoulder_r"),
        ("pelvis_r", "knee_r", "ankle_r", "toe_r"),
        ("pelvis_l", "knee_l", "ankle_l"),
        ("shoulder_l", "elbow_l", "hand_l"),
        ("shoulder_r", "elbow_r", "hand_r"),
    ),
    props=(
        ("floor", (0.6, 8.2)),
        *_front_chair(4.3, 1.25, 1.85),
    ),
    arrows=((2.1, 3.3, 2.1, 2.6, 0.0),),
)

_MODIFIED_PIGEON = Pose(
    description=(
        "Front leg bent and turned out in front of the body, back leg straight behind, a block "
        "under the hip of the front leg, leaning forward onto the hands."
    ),
    joints={
        "toe_b": (0.8, 0.06),
        "ankle_b": (1.2, 0.12),
        "knee_b": (2.6, 0.45),
        "hip": (4.05, 0.9),
        "knee_f": (5.75, 0.3),
        "ankle_f": (4.85, 0.22),
        "shoulder": (6.0, 2.3),
        "neck": (6.3, 2.5),
        "head": (6.68, 2.72),
        "elbow": (6.45, 1.15),
        "hand": (6.95, 0.05),
        "finger": (7.3, 0.05),
    },
    head="head",
    body=(
        ("toe_b", "ankle_b", "knee_b", "hip", "knee_f", "ankle_f"),
        ("hip", "shoulder", "neck"),
        ("shoulder", "elbow", "hand", "finger"),
    ),
    props=(
        ("floor", (0.6, 8.2)),
        ("box", (3.55, 0.0, 1.05, 0.62)),
    ),
    arrows=((5.1, 3.45, 7.45, 2.85, -0.35),),
)


def _butterfly(seat: float, description: str, props: tuple) -> Pose:
    """Seen from the front: soles together, knees falling out, elbows resting on the knees."""
    return Pose(
        description=description,
        joints={
            "pelvis_l": (3.9, seat + 0.3),
            "pelvis_r": (4.7, seat + 0.3),
            "waist": (4.3, seat + 0.35),
            "knee_l": (2.35, seat + 0.85),
            "knee_r": (6.25, seat + 0.85),
            "foot_l": (4.2, seat + 0.12),
            "foot_r": (4.4, seat + 0.12),
            "neck": (4.3, seat + 2.65),
            "head": (4.3, seat + 3.15),
            "shoulder_l": (3.65, seat + 2.5),
            "shoulder_r": (4.95, seat + 2.5),
            "elbow_l": (2.6, seat + 1.05),
            "elbow_r": (6.0, seat + 1.05),
            "hand_l": (4.0, seat + 0.35),
            "hand_r": (4.6, seat + 0.35),
        },
        head="head",
        body=(
            ("pelvis_l", "pelvis_r"),
            ("waist", "neck"),
            ("shoulder_l", "shoulder_r"),
            ("pelvis_l", "knee_l", "foot_l"),
            ("pelvis_r", "knee_r", "foot_r"),
            ("shoulder_l", "elbow_l", "hand_l"),
            ("shoulder_r", "elbow_r", "hand_r"),
        ),
        props=props,
        arrows=(
            (2.1, seat + 1.55, 1.75, seat + 0.85, 0.0),
            (6.5, seat + 1.55, 6.85, seat + 0.85, 0.0),
        ),
    )


_SEATED_BUTTERFLY = _butterfly(
    0.0,
    "Sitting on the floor, seen from the front: soles of the feet together, knees falling out to "
    "the sides, elbows resting on the knees.",
    (("floor", (0.6, 8.2)),),
)

_BED_SEAT = 1.3
_BED_BUTTERFLY = _butterfly(
    _BED_SEAT,
    "Sitting on a bed or couch, seen from the front: soles of the feet together, knees falling "
    "out to the sides, elbows resting on the knees.",
    (
        ("floor", (0.6, 8.2)),
        ("box", (0.9, 0.35, 6.8, _BED_SEAT - 0.35)),
        ("line", (1.05, 0.35, 1.05, 0.0)),
        ("line", (7.55, 0.35, 7.55, 0.0)),
    ),
)

_DEEP_SQUAT = Pose(
    description=(
        "A deep squat seen from the front: heels down, hips low between the knees, elbows "
        "pressing the knees outward, hands together."
    ),
    joints={
        "pelvis_l": (3.9, 0.95),
        "pelvis_r": (4.7, 0.95),
        "waist": (4.3, 1.0),
        "knee_l": (2.4, 1.75),
        "knee_r": (6.2, 1.75),
        "ankle_l": (3.05, 0.15),
        "ankle_r": (5.55, 0.15),
        "toe_l": (2.7, 0.04),
        "toe_r": (5.9, 0.04),
        "neck": (4.3, 3.3),
        "head": (4.3, 3.8),
        "shoulder_l": (3.65, 3.15),
        "shoulder_r": (4.95, 3.15),
        "elbow_l": (2.8, 1.95),
        "elbow_r": (5.8, 1.95),
        "hand_l": (4.22, 2.45),
        "hand_r": (4.38, 2.45),
    },
    head="head",
    body=(
        ("pelvis_l", "pelvis_r"),
        ("waist", "neck"),
        ("shoulder_l", "shoulder_r"),
        ("pelvis_l", "knee_l", "ankle_l", "toe_l"),
        ("pelvis_r", "knee_r", "ankle_r", "toe_r"),
        ("shoulder_l", "elbow_l", "hand_l"),
        ("shoulder_r", "elbow_r", "hand_r"),
    ),
    props=(("floor", (0.6, 8.2)),),
    arrows=((2.05, 2.2, 1.3, 2.2, 0.0), (6.55, 2.2, 7.3, 2.2, 0.0)),
)

POSES: dict[str, Pose] = {
    "rock_back": _ROCK_BACK,
    "frog_rock_back": _FROG_ROCK_BACK,
    "childs_pose": _CHILDS_POSE,
    "seated_hip_hinge": _SEATED_HIP_HINGE,
    "kneeling_hip_flexor": _KNEELING_HIP_FLEXOR,
    "seated_hip_flexor": _SEATED_HIP_FLEXOR,
    "seated_piriformis": _SEATED_PIRIFORMIS,
    "modified_pigeon": _MODIFIED_PIGEON,
    "seated_butterfly": _SEATED_BUTTERFLY,
    "bed_butterfly": _BED_BUTTERFLY,
    "deep_squat": _DEEP_SQUAT,
}

KNOWN_POSES: tuple[str, ...] = tuple(POSES)

PLACEHOLDER_DESCRIPTION = (
    "No drawing for this stretch yet: your therapist will show you the position."
)

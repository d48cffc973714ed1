"""The rules that pick and word one stretch for a patient, all read from data tables.

Every rule reads a column of the stretch table (``needs_floor``, ``needs_kneeling``,
``avoid_if``, ``caution_if``, ``suggest_if``, ``preferred``, ``min_activity``, ``equipment``) or a
row of a data table (``conditions.csv``, ``equipment.csv``, ``adaptations.csv``,
``cue_variants.csv``), never a stretch's or a condition's name. Texts come in two kinds, kept
apart: patient text (second person, plain words: the handout) and therapist text (reasons,
rules, sources: the screen and the report). Pure logic.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .paths import data_dir
from .profile import ACTIVITY_LEVELS, PatientProfile, conditions_table, equipment_table
from .stretches import cue_variants_table, movements_table, stretch_positions_table
from .tables import load_data_table

__all__ = [
    "Rules",
    "Stretch",
    "alternative_reason",
    "cautions",
    "choice_order",
    "choice_reason",
    "cues_for",
    "equipment_text",
    "exclusions",
    "missing_equipment",
    "preferred_intensity",
    "rules",
]


Stretch = Mapping[str, Any]  # one row of the stretch table (a dict or a pandas Series)


@dataclass(frozen=True)
class Rules:
    """The data tables the rules read, loaded once per data folder as plain Python."""

    conditions: dict[str, dict[str, Any]]  # condition id -> row, in table order
    equipment: dict[str, dict[str, Any]]  # equipment id -> row
    adaptations: tuple[dict[str, Any], ...]
    cue_variants: dict[str, tuple[tuple[int, frozenset[str], str], ...]]  # stretch_id -> steps
    positions: dict[str, str]
    movement_labels: dict[str, str]


@functools.cache
def _rules(folder: Path) -> Rules:
    adaptations = load_data_table(
        "adaptations.csv",
        ["adaptation", "when_field", "when_value", "stretch_flag", "patient_note", "source"],
    )
    positions = stretch_positions_table()
    movements = movements_table()
    variants: dict[str, list[tuple[int, frozenset[str], str]]] = {}
    for row in _records(cue_variants_table()):
        variants.setdefault(str(row["stretch_id"]), []).append(
            (int(row["step"]), frozenset(row["when_any"]), str(row["text"]))
        )
    return Rules(
        conditions={str(r["condition"]): r for r in _records(conditions_table())},
        equipment={str(r["equipment"]): r for r in _records(equipment_table())},
        adaptations=tuple(_records(adaptations)),
        cue_variants={k: tuple(v) for k, v in variants.items()},
        positions=dict(zip(positions["position"], positions["label"], strict=True)),
        movement_labels=dict(zip(movements["movement"], movements["label"], strict=True)),
    )


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in table.to_dict("records")]


def rules() -> Rules:
    """The rule tables of the data folder in use (``WORKBOOK_DATA`` or the shipped one)."""
    return _rules(data_dir())


def _rank(level: str) -> int:
    return ACTIVITY_LEVELS.index(level)


def exclusions(stretch: Stretch, profile: PatientProfile, r: Rules) -> list[str]:
    """Why this stretch is unsafe or impossible for this patient, for the therapist.

    Each item completes "<the stretch> ...": "needs getting down to the floor ...".
    """
    reasons = []
    if stretch["needs_floor"] and not profile.floor_transfer:
        reasons.append("needs getting down to the floor and back up, which this patient cannot do")
    if stretch["needs_kneeling"] and profile.kneeling == "unable":
        reasons.append("starts from kneeling, which this patient cannot do")
    for condition in stretch["avoid_if"]:
        if condition in profile.conditions:
            label = r.conditions[condition]["label"].lower()
            reasons.append(f"is not advised with {label} (avoid_if in the stretch table)")
    for item in stretch["equipment"]:
        if item not in profile.equipment and not r.equipment[item]["substitute"]:
            label = r.equipment[item]["label"].lower()
            reasons.append(f"needs {label}, which this patient does not have")
    return reasons


def missing_equipment(stretch: Stretch, profile: PatientProfile) -> list[tuple[str, str]]:
    """What the stretch needs that the patient lacks: ``(label, substitute)`` pairs.

    The substitute is the household item named in ``data/equipment.csv`` ('' when none);
    the screen flags the stretch with it so that the therapist can check the patient has it.

    Examples
    --------
    >>> p = PatientProfile(age=70, activity="sedentary", floor_transfer=False,
    ...                    kneeling="unable", equipment={"armless_chair"})
    >>> missing_equipment({"equipment": ("broomstick", "armless_chair")}, p)
    [('A broomstick', 'any straight stick: a mop handle or a length of dowel')]
    """
    r = rules()
    missing = []
    for item in stretch["equipment"] or ():
        if item in profile.equipment:
            continue
        row = r.equipment.get(str(item), {"label": str(item), "substitute": ""})
        missing.append((str(row["label"]), str(row["substitute"] or "")))
    return missing


def equipment_text(stretch: Stretch, profile: PatientProfile, r: Rules) -> str:
    """What to have ready, in the patient's words, with a household substitute where useful."""
    parts = []
    for item in stretch["equipment"]:
        text = str(r.equipment[item]["label"])
        if item not in profile.equipment and r.equipment[item]["substitute"]:
            text += f" (or {r.equipment[item]['substitute']})"
        parts.append(text)
    return "; ".join(parts)


def _applies(stretch: Stretch, profile: PatientProfile) -> list[str]:
    """The patient's conditions that touch this stretch (cautioned or, if overridden, avoided)."""
    touched = set(stretch["caution_if"]) | set(stretch["avoid_if"])
    return [c for c in profile.conditions if c in touched]


def cautions(stretch: Stretch, profile: PatientProfile, r: Rules) -> tuple[str, str]:
    """``(patient, therapist)``: the cautions for the handout, and the notes for the therapist.

    Patient: the stretch's own caution, each applicable condition's ``patient_caution`` (with
    the condition's name), each adaptation that applies (kneeling painful: pad the knee).
    Therapist: the stretch's ``therapist_note`` and each applicable condition's note.
    """
    patient: dict[str, list[str]] = {}  # caution text -> labels of the conditions that bring it
    therapist: list[str] = []
    if stretch["cautions_patient"]:
        patient[stretch["cautions_patient"]] = []
    if stretch["therapist_note"]:
        therapist.append(stretch["therapist_note"])
    touched = _applies(stretch, profile)
    for condition, row in r.conditions.items():  # table order, so the text is stable
        if condition not in touched:
            continue
        if row["patient_caution"]:
            patient.setdefault(row["patient_caution"], []).append(row["label"])
        if row["therapist_note"]:
            therapist.append(f"{row['label']}: {row['therapist_note']}")
    for row in r.adaptations:
        if str(getattr(profile, row["when_field"], "")) == row["when_value"] and bool(
            stretch.get(row["stretch_flag"])
        ):
            patient.setdefault(row["patient_note"], [])
    patient_text = "\n".join(
        f"{', '.join(labels)}: {text}" if labels else text for text, labels in patient.items()
    )
    return patient_text, "\n".join(therapist)


def cues_for(stretch: Stretch, profile: PatientProfile, r: Rules) -> str:
    """The stretch's numbered cues, with steps reworded for the patient's conditions."""
    steps = [line for line in stretch["cues"].splitlines() if line.strip()]
    done: set[int] = set()
    for step, when_any, text in r.cue_variants.get(stretch["stretch_id"], ()):
        if step in done or step > len(steps) or not when_any & profile.conditions:
            continue
        steps[step - 1] = f"{step}. {text}"
        done.add(step)
    return "\n".join(steps)


def preferred_intensity(profile: PatientProfile, r: Rules) -> str:
    """The article: intense for the fitter patient, gentle for the sedentary one; a condition
    marked ``prefer_gentle`` (conditions.csv) makes it gentle too."""
    prefer_gentle = any(r.conditions[c]["prefer_gentle"] for c in profile.conditions)
    return "gentle" if profile.activity == "sedentary" or prefer_gentle else "intense"


def choice_order(
    candidates: Sequence[Stretch], profile: PatientProfile, r: Rules, intensity: str | None = None
) -> list[Stretch]:
    """Best first: the table's preferred stretch, suits the activity level, the preferred
    intensity, main version, has the equipment, table order. ``intensity`` forces one."""
    preferred = intensity or preferred_intensity(profile, r)

    def key(item: tuple[int, Stretch]) -> tuple[bool, bool, bool, bool, bool, int, int]:
        order, s = item
        return (
            bool(intensity) and s["intensity"] != intensity,
            not s["preferred"],
            _rank(s["min_activity"]) > _rank(profile.activity),
            s["intensity"] != preferred,
            s["variant_of"] != "",
            sum(e not in profile.equipment for e in s["equipment"]),
            order,
        )

    return [s for _, s in sorted(enumerate(candidates), key=key)]


def choice_reason(
    chosen: Stretch,
    profile: PatientProfile,
    candidates: Sequence[Stretch],
    excluded: dict[str, list[str]],
    r: Rules,
) -> str:
    """For the therapist: why this stretch, and what was passed over and why."""
    preferred = preferred_intensity(profile, r)
    where = r.positions[chosen["position"]]
    if chosen["preferred"]:
        reason = (
            f"{chosen['intensity'].capitalize()} version, the table's preferred stretch for "
            f"this movement whenever it is safe (a {profile.activity} patient), done {where}"
        )
    else:
        reason = (
            f"{chosen['intensity'].capitalize()} version for a {profile.activity} patient, "
            f"done {where}"
        )
        if preferred == "gentle" and profile.activity != "sedentary":
            reason += " (gentle preferred with this patient's hip condition)"
    if _rank(chosen["min_activity"]) > _rank(profile.activity) and not chosen["preferred"]:
        reason += (
            f"; the only safe option, though it usually suits {chosen['min_activity']} patients"
        )
    passed_over = []
    for other in candidates:
        if other["stretch_id"] == chosen["stretch_id"] or other["variant_of"]:
            continue
        why = excluded.get(other["stretch_id"])
        if why:
            passed_over.append(f"{other['name']} {why[0]}")
        elif other["intensity"] == preferred and _rank(other["min_activity"]) > _rank(
            profile.activity
        ):
            passed_over.append(f"{other['name']} suits {other['min_activity']} patients")
    if passed_over:
        reason += "; passed over: " + "; ".join(passed_over)
    return reason + "."


def alternative_reason(
    stretch: Stretch, chosen: Stretch | None, profile: PatientProfile, r: Rules
) -> str:
    """For the therapist: why a safe stretch that was not chosen is worth knowing about."""
    suggested = [
        r.conditions[c]["label"].lower() for c in stretch["suggest_if"] if c in profile.conditions
    ]
    if suggested and stretch["suggest_note"]:
        return f"Offered for {' and '.join(suggested)}: {stretch['suggest_note']}"
    if chosen is not None and stretch["intensity"] != chosen["intensity"]:
        if stretch["intensity"] == "intense":
            return "A more intense option for when the patient is ready to progress."
        return "A gentler option for a bad day or a flare-up."
    return f"Another {stretch['intensity']} option for the same movement."

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
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .paths import data_dir
from .profile import ACTIVITY_LEVELS, PatientProfile, conditions_table, equipment_table
from .stretches import cue_variants_table, stretch_positions_table
from .tables import load_data_table

__all__ = [
    "Rules",
    "alternative_reason",
    "cautions",
    "choice_order",
    "choice_reason",
    "cues_for",
    "equipment_text",
    "exclusions",
    "preferred_intensity",
    "rules",
]


@dataclass(frozen=True)
class Rules:
    """The data tables the rules read, loaded once per data folder."""

    conditions: pd.DataFrame  # indexed by condition
    equipment: pd.DataFrame  # indexed by equipment
    adaptations: pd.DataFrame
    cue_variants: pd.DataFrame
    positions: dict[str, str]


@functools.cache
def _rules(folder: Path) -> Rules:
    adaptations = load_data_table(
        "adaptations.csv",
        ["adaptation", "when_field", "when_value", "stretch_flag", "patient_note", "source"],
    )
    positions = stretch_positions_table()
    return Rules(
        conditions=conditions_table().set_index("condition", drop=False),
        equipment=equipment_table().set_index("equipment", drop=False),
        adaptations=adaptations,
        cue_variants=cue_variants_table(),
        positions=dict(zip(positions["position"], positions["label"], strict=True)),
    )


def rules() -> Rules:
    """The rule tables of the data folder in use (``WORKBOOK_DATA`` or the shipped one)."""
    return _rules(data_dir())


def _rank(level: str) -> int:
    return ACTIVITY_LEVELS.index(level)


def exclusions(stretch: pd.Series, profile: PatientProfile, r: Rules) -> list[str]:
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
            label = r.conditions.at[condition, "label"].lower()
            reasons.append(f"is not advised with {label} (avoid_if in the stretch table)")
    for item in stretch["equipment"]:
        if item not in profile.equipment and not r.equipment.at[item, "substitute"]:
            label = r.equipment.at[item, "label"].lower()
            reasons.append(f"needs {label}, which this patient does not have")
    return reasons


def equipment_text(stretch: pd.Series, profile: PatientProfile, r: Rules) -> str:
    """What to have ready, in the patient's words, with a household substitute where useful."""
    parts = []
    for item in stretch["equipment"]:
        text = str(r.equipment.at[item, "label"])
        if item not in profile.equipment and r.equipment.at[item, "substitute"]:
            text += f" (or {r.equipment.at[item, 'substitute']})"
        parts.append(text)
    return "; ".join(parts)


def _applies(stretch: pd.Series, profile: PatientProfile) -> list[str]:
    """The patient's conditions that touch this stretch (cautioned or, if overridden, avoided)."""
    touched = set(stretch["caution_if"]) | set(stretch["avoid_if"])
    return [c for c in profile.conditions if c in touched]


def cautions(stretch: pd.Series, profile: PatientProfile, r: Rules) -> tuple[str, str]:
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
    for condition, row in r.conditions.iterrows():  # table order, so the text is stable
        if condition not in touched:
            continue
        if row["patient_caution"]:
            patient.setdefault(row["patient_caution"], []).append(row["label"])
        if row["therapist_note"] and row["therapist_note"] not in therapist:
            therapist.append(f"{row['label']}: {row['therapist_note']}")
    for row in r.adaptations.itertuples(index=False):
        if str(getattr(profile, row.when_field, "")) == row.when_value and bool(
            stretch.get(row.stretch_flag)
        ):
            patient.setdefault(row.patient_note, [])
    patient_text = "\n".join(
        f"{', '.join(labels)}: {text}" if labels else text for text, labels in patient.items()
    )
    return patient_text, "\n".join(therapist)


def cues_for(stretch: pd.Series, profile: PatientProfile, r: Rules) -> str:
    """The stretch's numbered cues, with steps reworded for the patient's conditions."""
    steps = [line for line in stretch["cues"].splitlines() if line.strip()]
    variants = r.cue_variants[r.cue_variants["stretch_id"] == stretch["stretch_id"]]
    done: set[int] = set()
    for row in variants.itertuples(index=False):
        step = int(row.step)
        if step in done or step > len(steps) or not set(row.when_any) & profile.conditions:
            continue
        steps[step - 1] = f"{step}. {row.text}"
        done.add(step)
    return "\n".join(steps)


def preferred_intensity(profile: PatientProfile, r: Rules) -> str:
    """The article: intense for the fitter patient, gentle for the sedentary one; a condition
    marked ``prefer_gentle`` (conditions.csv) makes it gentle too."""
    prefer_gentle = r.conditions.loc[
        r.conditions["condition"].isin(profile.conditions), "prefer_gentle"
    ].any()
    return "gentle" if profile.activity == "sedentary" or prefer_gentle else "intense"


def choice_order(
    candidates: pd.DataFrame, profile: PatientProfile, r: Rules, intensity: str | None = None
) -> pd.DataFrame:
    """Best first: the table's preferred stretch, suits the activity level, the preferred
    intensity, main version, has the equipment, table order. ``intensity`` forces one."""
    preferred = intensity or preferred_intensity(profile, r)
    keys = pd.DataFrame(
        {
            "forced_other": (candidates["intensity"] != intensity)
            if intensity
            else pd.Series(False, index=candidates.index),
            "not_preferred": ~candidates["preferred"].astype(bool),
            "too_hard": candidates["min_activity"].map(_rank) > _rank(profile.activity),
            "other_intensity": candidates["intensity"] != preferred,
            "is_variant": candidates["variant_of"] != "",
            "missing_equipment": candidates["equipment"].map(
                lambda items: sum(item not in profile.equipment for item in items)
            ),
            "order": range(len(candidates)),
        },
        index=candidates.index,
    )
    return candidates.loc[keys.sort_values(list(keys.columns)).index]


def choice_reason(
    chosen: pd.Series,
    profile: PatientProfile,
    candidates: pd.DataFrame,
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
    for _, other in candidates.iterrows():
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
    stretch: pd.Series, chosen: pd.Series | None, profile: PatientProfile, r: Rules
) -> str:
    """For the therapist: why a safe stretch that was not chosen is worth knowing about."""
    suggested = [
        r.conditions.at[c, "label"].lower()
        for c in stretch["suggest_if"]
        if c in profile.conditions
    ]
    if suggested and stretch["suggest_note"]:
        return f"Offered for {' and '.join(suggested)}: {stretch['suggest_note']}"
    if chosen is not None and stretch["intensity"] != chosen["intensity"]:
        if stretch["intensity"] == "intense":
            return "A more intense option for when the patient is ready to progress."
        return "A gentler option for a bad day or a flare-up."
    return f"Another {stretch['intensity']} option for the same movement."

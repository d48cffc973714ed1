"""Building the routine's rows: choose one stretch for a movement and word it for both readers.

Used by :mod:`workbook.clinical.routine`; the column constants say whom each text is for
(``AUDIENCE``): ``PATIENT_COLUMNS`` go on the handout, ``THERAPIST_COLUMNS`` to the screen and
the report. Pure logic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from .adapt import Focus, Plan, routine_rule
from .dosing import Dosage, default_dosage, dose_range, dose_warning
from .profile import PatientProfile
from .selection import (
    Rules,
    Stretch,
    alternative_reason,
    cautions,
    choice_order,
    choice_reason,
    cues_for,
    equipment_text,
    exclusions,
)
from .stretches import DOSAGE_BOUNDS

__all__ = [
    "ALTERNATIVE_COLUMNS",
    "AUDIENCE",
    "CHOSEN_BY",
    "EXCLUDED_COLUMNS",
    "PATIENT_COLUMNS",
    "TABLE_COLUMNS",
    "THERAPIST_COLUMNS",
    "alternatives_for",
    "apply_focus",
    "as_records",
    "choose",
    "finish",
    "records",
    "stretch_row",
]

PATIENT_COLUMNS: tuple[str, ...] = (
    "movement_label",
    "name",
    "target",
    "equipment",
    "cues",
    "feel",
    "stop_if",
    "cautions_patient",
    "note_patient",
)
THERAPIST_COLUMNS: tuple[str, ...] = (
    "reason",
    "cautions_therapist",
    "dose_warning",
    "dosage_source",
)
TABLE_COLUMNS: tuple[str, ...] = (
    "movement",
    "movement_label",
    "stretch_id",
    "name",
    "intensity",
    "position",
    "target",
    "equipment",
    "per_side",
    "hold_s",
    "reps",
    "per_week",
    "focus_side",
    "focus_reps",
    "cues",
    "feel",
    "stop_if",
    "cautions_patient",
    "note_patient",
    "reason",
    "cautions_therapist",
    "dose_warning",
    "chosen_by",
    "dosage_source",
    "pictogram",
)
#: Whom each text column of the routine's tables is for: "patient" or "therapist".
AUDIENCE: dict[str, str] = {
    **dict.fromkeys(PATIENT_COLUMNS, "patient"),
    **dict.fromkeys(THERAPIST_COLUMNS, "therapist"),
}
EXCLUDED_COLUMNS: tuple[str, ...] = ("stretch_id", "name", "movement", "reason")
ALTERNATIVE_COLUMNS: tuple[str, ...] = ("movement", "stretch_id", "name", "intensity", "reason")
CHOSEN_BY = ("workbook", "therapist")


def stretch_row(
    stretch: Stretch,
    profile: PatientProfile,
    dosage: Dosage,
    reason: str,
    chosen_by: str,
    r: Rules,
) -> dict[str, Any]:
    own = {k: stretch[k] for k in ("hold_s", "reps", "per_week") if not pd.isna(stretch[k])}
    patient, therapist = cautions(stretch, profile, r)
    row = {
        "movement": stretch["movement"],
        "movement_label": r.movement_labels[stretch["movement"]],
        "stretch_id": stretch["stretch_id"],
        "name": stretch["name"],
        "intensity": stretch["intensity"],
        "position": stretch["position"],
        "target": stretch["target"],
        "equipment": equipment_text(stretch, profile, r),
        "per_side": bool(stretch["per_side"]),
        "hold_s": int(own.get("hold_s", dosage.hold_s)),
        "reps": int(own.get("reps", dosage.reps)),
        "per_week": int(own.get("per_week", dosage.per_week)),
        "focus_side": "",
        "focus_reps": 0,
        "cues": cues_for(stretch, profile, r),
        "feel": stretch["feel"],
        "stop_if": stretch["stop_if"],
        "cautions_patient": patient,
        "note_patient": "",
        "reason": reason,
        "cautions_therapist": therapist,
        "dose_warning": "",
        "chosen_by": chosen_by,
        "dosage_source": "stretch table (data/stretches.csv)" if own else dosage.source,
        "pictogram": stretch["pictogram"],
    }
    row["focus_reps"] = row["reps"]
    return row


def _add(row: dict[str, Any], column: str, text: str, sep: str = " ") -> None:
    row[column] = sep.join(filter(None, [row[column], text]))


def apply_focus(row: dict[str, Any], focus: Focus, stretch: Stretch) -> None:
    side, extra = focus.side, int(routine_rule("focus_extra_reps"))
    row["focus_side"] = side
    row["focus_reps"] = row["reps"] + extra
    rounds = f"{row['focus_reps']} instead of {row['reps']}"
    if stretch["per_side"]:
        text = (
            f"Your {side} hip is stiffer: start with your {side} side and do {rounds} rounds on it."
        )
    else:
        how = stretch["side_focus_cue"].format(side=side) if stretch["side_focus_cue"] else ""
        text = f"Your {side} hip is stiffer: do {rounds} rounds" + (
            f", and as you do them, {how}." if how else "."
        )
    _add(row, "note_patient", text)
    _add(row, "reason", focus.reason)


def finish(row: dict[str, Any], age: int) -> dict[str, Any]:
    row["dose_warning"] = dose_warning(
        age, row["hold_s"], row["focus_reps"] or row["reps"], row["per_week"]
    )
    return row


def _empty_row(movement: str, reason: str, r: Rules) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(TABLE_COLUMNS, "")
    row.update(
        movement=movement,
        movement_label=r.movement_labels[movement],
        reason=reason,
        per_side=False,
        hold_s=0,
        reps=0,
        per_week=0,
        focus_reps=0,
        chosen_by="workbook",
    )
    return row


def as_records(stretches: pd.DataFrame) -> list[Stretch]:
    """The stretch table as a list of dicts (faster than ``to_dict("records")``)."""
    columns = list(stretches.columns)
    return [dict(zip(columns, row, strict=True)) for row in stretches.itertuples(False, None)]


def records(stretches: pd.DataFrame | Sequence[Stretch], movement: str) -> list[Stretch]:
    """The stretches of one movement as plain dicts (the rules run on these, for speed)."""
    rows = as_records(stretches) if isinstance(stretches, pd.DataFrame) else stretches
    return [s for s in rows if s["movement"] == movement]


def choose(
    movement: str,
    stretches: Sequence[Stretch],
    profile: PatientProfile,
    plan: Plan,
    r: Rules,
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """The row for one movement, the stretches left out and the alternatives."""
    candidates = records(stretches, movement)
    excluded: dict[str, list[str]] = {}
    for stretch in candidates:
        why = exclusions(stretch, profile, r)
        if why:
            excluded[stretch["stretch_id"]] = why
    left_out = [
        {
            "stretch_id": s["stretch_id"],
            "name": s["name"],
            "movement": movement,
            "reason": "It " + "; it ".join(excluded[s["stretch_id"]]) + ".",
        }
        for s in candidates
        if s["stretch_id"] in excluded
    ]
    safe = [s for s in candidates if s["stretch_id"] not in excluded]
    if not safe:
        all_out = "; ".join(f"{s['name']} {excluded[s['stretch_id']][0]}" for s in candidates)
        reason = (
            f"No stretch in the table is safe for this patient for this movement ({all_out}). "
            "Work on it in the clinic, or add a suitable stretch to data/stretches.csv."
        )
        return _empty_row(movement, reason, r), left_out, []
    forced = "gentle" if plan.regress_reason else ("intense" if movement in plan.progress else None)
    usual = choice_order(safe, profile, r)[0]
    chosen = choice_order(safe, profile, r, forced)[0]
    reason = choice_reason(chosen, profile, candidates, excluded, r)
    alternatives = alternatives_for(movement, chosen, candidates, profile, r)
    suggested = [a["name"] for a in alternatives if a["reason"].startswith("Offered for")]
    if suggested:
        reason += " Also offered: " + ", ".join(suggested) + " (see alternatives)."
    row = stretch_row(chosen, profile, default_dosage(profile.age), reason, "workbook", r)
    if plan.regress_reason:
        low = (dose_range("hold_s", profile.age) or (DOSAGE_BOUNDS["hold_s"][0],))[0]
        row["hold_s"] = max(int(low), round(row["hold_s"] * routine_rule("regress_hold_fraction")))
        _add(row, "reason", plan.regress_reason)
        row["note_patient"] = (
            "Your pain went up since your last visit: for now, do the gentler "
            "stretch and hold it for a shorter time."
        )
    elif forced and chosen["stretch_id"] != usual["stretch_id"]:
        _add(row, "reason", plan.progress[movement])
        row["note_patient"] = "You have gained movement here, so this stretch is a step up."
    if movement in plan.focus:
        apply_focus(row, plan.focus[movement], chosen)
    return finish(row, profile.age), left_out, alternatives


def alternatives_for(
    movement: str,
    chosen: Stretch | None,
    stretches: pd.DataFrame | Sequence[Stretch],
    profile: PatientProfile,
    r: Rules,
) -> list[dict[str, Any]]:
    """Safe stretches of the movement other than the chosen one, with the therapist's reason."""
    rows = []
    for stretch in records(stretches, movement):
        if chosen is not None and stretch["stretch_id"] == chosen["stretch_id"]:
            continue
        if exclusions(stretch, profile, r):
            continue
        rows.append(
            {
                "movement": movement,
                "stretch_id": stretch["stretch_id"],
                "name": stretch["name"],
                "intensity": stretch["intensity"],
                "reason": alternative_reason(stretch, chosen, profile, r),
            }
        )
    return rows

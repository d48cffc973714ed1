"""The routine generator: one stretch per hip movement, chosen for this patient, with the reason.

Every rule reads a column of the stretch table (``needs_floor``, ``needs_kneeling``, ``avoid_if``,
``caution_if``, ``suggest_if``, ``min_activity``, ``equipment``) or a row of a data table
(``conditions.csv``, ``equipment.csv``, ``adaptations.csv``, ``dosage.csv``), never a stretch's
name, so a clinic changes the rules by editing data. The same profile always gives the same
routine. Pure logic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..errors import WorkbookError, one_of
from .profile import ACTIVITY_LEVELS, PatientProfile, conditions_table, equipment_table
from .stretches import (
    DOSAGE_BOUNDS,
    MOVEMENTS,
    load_stretches,
    movement_label,
    stretch_positions_table,
)
from .tables import column_as_number, load_data_table

__all__ = ["CHOSEN_BY", "TABLE_COLUMNS", "Dosage", "Routine", "default_dosage", "generate_routine"]

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
    "cues",
    "feel",
    "stop_if",
    "cautions",
    "reason",
    "chosen_by",
    "dosage_source",
    "pictogram",
)
CHOSEN_BY = ("workbook", "therapist")
_PATIENT = {
    "sedentary": "a sedentary patient",
    "active": "an active patient",
    "athletic": "an athletic patient",
}


@dataclass(frozen=True)
class Dosage:
    """How long, how many times and how often; with where the numbers come from."""

    hold_s: int
    reps: int
    per_week: int
    source: str


def default_dosage(age: int) -> Dosage:
    """The evidence-based default for an age, from ``data/dosage.csv``."""
    table = load_data_table(
        "dosage.csv", ["min_age", "max_age", "hold_s", "reps", "per_week", "source"]
    )
    for column in ("min_age", "max_age", "hold_s", "reps", "per_week"):
        table[column] = column_as_number(table, column, whole=True)
    match = table[(table["min_age"] <= age) & (age <= table["max_age"])]
    if match.empty:
        raise WorkbookError("age", age, "an age covered by a row of data/dosage.csv")
    row = match.iloc[0]
    return Dosage(int(row["hold_s"]), int(row["reps"]), int(row["per_week"]), str(row["source"]))


def _labels(table: pd.DataFrame, key: str, column: str = "label") -> dict[str, str]:
    return dict(zip(table[key], table[column], strict=True))


def _exclusions(stretch: pd.Series, profile: PatientProfile) -> list[str]:
    """Why this stretch is unsafe or impossible for this patient ([] when it is fine)."""
    reasons = []
    if stretch["needs_floor"] and not profile.floor_transfer:
        reasons.append("needs getting down to the floor and back up, which the patient cannot do")
    if stretch["needs_kneeling"] and profile.kneeling == "unable":
        reasons.append("starts from kneeling, which the patient cannot do")
    condition_labels = _labels(conditions_table(), "condition")
    for condition in stretch["avoid_if"]:
        if condition in profile.conditions:
            reasons.append(f"avoided with {condition_labels[condition].lower()}")
    equipment = equipment_table().set_index("equipment")
    for item in stretch["equipment"]:
        if item not in profile.equipment and not equipment.at[item, "substitute"]:
            reasons.append(
                f"needs {equipment.at[item, 'label'].lower()}, which the patient does not have"
            )
    return reasons


def _equipment_text(stretch: pd.Series, profile: PatientProfile) -> str:
    equipment = equipment_table().set_index("equipment")
    parts = []
    for item in stretch["equipment"]:
        text = str(equipment.at[item, "label"])
        if item not in profile.equipment and equipment.at[item, "substitute"]:
            text += f" (or {equipment.at[item, 'substitute']})"
        parts.append(text)
    return "; ".join(parts)


def _cautions(stretch: pd.Series, profile: PatientProfile) -> str:
    """The stretch's own caution, then each applicable condition's, then adaptations."""
    lines: dict[str, list[str]] = {}  # caution text -> labels of the conditions that bring it
    if stretch["cautions"]:
        lines[stretch["cautions"]] = []
    conditions = conditions_table()
    for condition, label, caution in conditions[["condition", "label", "caution"]].itertuples(
        index=False
    ):
        if condition in profile.conditions and condition in stretch["caution_if"] and caution:
            lines.setdefault(caution, []).append(label)
    adaptations = load_data_table(
        "adaptations.csv", ["adaptation", "when_field", "when_value", "stretch_flag", "note"]
    )
    for when_field, when_value, flag, note in adaptations[
        ["when_field", "when_value", "stretch_flag", "note"]
    ].itertuples(index=False):
        if str(getattr(profile, when_field, "")) == when_value and bool(stretch.get(flag)):
            lines.setdefault(note, [])
    return "\n".join(
        f"{', '.join(labels)}: {text}" if labels else text for text, labels in lines.items()
    )


def _rank(level: str) -> int:
    return ACTIVITY_LEVELS.index(level)


def _preferred_intensity(profile: PatientProfile) -> str:
    # The article: the intense version for the fitter, more mobile patient; the gentle one for
    # the less mobile, more sedentary one. Mobility limits come through the exclusions.
    return "gentle" if profile.activity == "sedentary" else "intense"


def _choice_order(candidates: pd.DataFrame, profile: PatientProfile) -> pd.DataFrame:
    """Best first: suits the activity level, preferred intensity, main version, has equipment."""
    preferred = _preferred_intensity(profile)
    keys = pd.DataFrame(
        {
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


def _choice_reason(
    chosen: pd.Series,
    profile: PatientProfile,
    candidates: pd.DataFrame,
    excluded: dict[str, list[str]],
) -> str:
    positions = _labels(stretch_positions_table(), "position")
    preferred = _preferred_intensity(profile)
    reason = (
        f"{chosen['intensity'].capitalize()} version for {_PATIENT[profile.activity]}, "
        f"done {positions[chosen['position']]}"
    )
    if _rank(chosen["min_activity"]) > _rank(profile.activity):
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


def _row(
    stretch: pd.Series,
    profile: PatientProfile,
    dosage: Dosage,
    reason: str,
    chosen_by: str,
) -> dict[str, Any]:
    own = {k: stretch[k] for k in ("hold_s", "reps", "per_week") if not pd.isna(stretch[k])}
    return {
        "movement": stretch["movement"],
        "movement_label": movement_label(stretch["movement"]),
        "stretch_id": stretch["stretch_id"],
        "name": stretch["name"],
        "intensity": stretch["intensity"],
        "position": stretch["position"],
        "target": stretch["target"],
        "equipment": _equipment_text(stretch, profile),
        "per_side": bool(stretch["per_side"]),
        "hold_s": int(own.get("hold_s", dosage.hold_s)),
        "reps": int(own.get("reps", dosage.reps)),
        "per_week": int(own.get("per_week", dosage.per_week)),
        "cues": stretch["cues"],
        "feel": stretch["feel"],
        "stop_if": stretch["stop_if"],
        "cautions": _cautions(stretch, profile),
        "reason": reason,
        "chosen_by": chosen_by,
        "dosage_source": "stretch table (data/stretches.csv)" if own else dosage.source,
        "pictogram": stretch["pictogram"],
    }


def _empty_row(movement: str, reason: str) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(TABLE_COLUMNS, "")
    row.update(
        movement=movement,
        movement_label=movement_label(movement),
        reason=reason,
        per_side=False,
        hold_s=0,
        reps=0,
        per_week=0,
        chosen_by="workbook",
    )
    return row


def _alternative_reason(
    stretch: pd.Series, chosen: pd.Series | None, profile: PatientProfile
) -> str:
    condition_labels = _labels(conditions_table(), "condition")
    suggested = [
        condition_labels[c].lower() for c in stretch["suggest_if"] if c in profile.conditions
    ]
    if suggested and stretch["suggest_note"]:
        return f"Offered for {' and '.join(suggested)}: {stretch['suggest_note']}"
    if chosen is not None and stretch["intensity"] != chosen["intensity"]:
        if stretch["intensity"] == "intense":
            return "A more intense option for when the patient is ready to progress."
        return "A gentler option for a bad day or a flare-up."
    return f"Another {stretch['intensity']} option for the same movement."


@dataclass(frozen=True, eq=False)
class Routine:
    """A home routine: one stretch per hip movement, with dosage, cautions and reasons.

    Attributes
    ----------
    profile : PatientProfile
        Who it was made for.
    table : pandas.DataFrame
        One row per movement, in the order of ``data/movements.csv`` (columns
        ``TABLE_COLUMNS``). ``stretch_id`` is empty where nothing in the table is safe for the
        movement, and ``reason`` then says why.
    excluded : pandas.DataFrame
        Stretches left out for this patient: ``stretch_id``, ``name``, ``movement``, ``reason``.
    alternatives : pandas.DataFrame
        Safe stretches not chosen, which the therapist may swap in: ``movement``,
        ``stretch_id``, ``name``, ``intensity``, ``reason``.
    stretches : pandas.DataFrame
        The stretch table it was made from.
    """

    profile: PatientProfile
    table: pd.DataFrame
    excluded: pd.DataFrame
    alternatives: pd.DataFrame
    stretches: pd.DataFrame = field(repr=False)

    def stretch(self, movement: str) -> pd.Series:
        """The routine's row for one movement."""
        if movement not in set(self.table["movement"]):
            raise WorkbookError("movement", movement, one_of(self.table["movement"]))
        return self.table.set_index("movement", drop=False).loc[movement]

    def with_override(
        self,
        movement: str,
        *,
        stretch_id: str | None = None,
        hold_s: int | None = None,
        reps: int | None = None,
        per_week: int | None = None,
    ) -> Routine:
        """A copy with the therapist's choice for one movement.

        Swap the stretch (for another of the same movement) and/or change the dosage. The row
        records that the therapist chose it. A stretch the workbook left out for safety may be
        chosen: the reason it was left out is added to its cautions, never dropped.

        Raises
        ------
        WorkbookError
            For an unknown movement, a stretch of another movement, or a dosage out of bounds.
        """
        current = self.stretch(movement)
        same_movement = self.stretches[self.stretches["movement"] == movement]
        new_id = current["stretch_id"] if stretch_id is None else stretch_id
        if new_id not in set(same_movement["stretch_id"]):
            raise WorkbookError(
                "stretch_id",
                new_id,
                f"a stretch for {movement}: {one_of(same_movement['stretch_id'])}",
            )
        stretch = same_movement.set_index("stretch_id", drop=False).loc[new_id]
        given = {"hold_s": hold_s, "reps": reps, "per_week": per_week}
        dosage = {}
        for name, value in given.items():
            low, high = DOSAGE_BOUNDS[name]
            if value is None:
                dosage[name] = int(current[name]) if current["stretch_id"] else None
                continue
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise WorkbookError(name, value, f"a whole number from {low} to {high}")
            dosage[name] = value
        base = default_dosage(self.profile.age)
        row = _row(stretch, self.profile, base, "", "therapist")
        row.update({k: v for k, v in dosage.items() if v is not None})
        changes = []
        if new_id != current["stretch_id"]:
            changes.append(f"chose {stretch['name']} instead of {current['name'] or 'nothing'}")
        was = (current["hold_s"], current["reps"], current["per_week"])
        now = (row["hold_s"], row["reps"], row["per_week"])
        if current["stretch_id"] and now != was:
            changes.append(
                f"set the dosage to {now[0]} s x {now[1]}, {now[2]} days a week "
                f"(the workbook suggested {was[0]} s x {was[1]}, {was[2]} days a week)"
            )
            row["dosage_source"] = "the therapist"
        row["reason"] = "The therapist " + (" and ".join(changes) or "confirmed this choice") + "."
        unsafe = _exclusions(stretch, self.profile)
        if unsafe:
            note = "The workbook had left this out: it " + "; it ".join(unsafe) + "."
            row["cautions"] = "\n".join(filter(None, [note, row["cautions"]]))
        table = self.table.copy()
        table.loc[table["movement"] == movement, list(row)] = pd.DataFrame([row]).values
        alternatives = _alternatives_for(movement, stretch, self.stretches, self.profile)
        others = self.alternatives[self.alternatives["movement"] != movement]
        merged = pd.concat([others, alternatives], ignore_index=True)
        order = {m: i for i, m in enumerate(MOVEMENTS)}
        merged = merged.sort_values("movement", key=lambda s: s.map(order), kind="stable")
        return Routine(
            self.profile, table, self.excluded, merged.reset_index(drop=True), self.stretches
        )

    def to_dict(self) -> dict[str, Any]:
        """What the store keeps: the profile and, per movement, the stretch and dosage."""
        items = [
            {
                "movement": row.movement,
                "stretch_id": row.stretch_id,
                "hold_s": int(row.hold_s),
                "reps": int(row.reps),
                "per_week": int(row.per_week),
                "chosen_by": row.chosen_by,
            }
            for row in self.table.itertuples(index=False)
        ]
        return {"profile": self.profile.to_dict(), "items": items}

    @classmethod
    def from_dict(cls, data: dict[str, Any], stretches: pd.DataFrame | None = None) -> Routine:
        """Rebuild a saved routine: regenerate it, then replay the therapist's choices."""
        try:
            profile = PatientProfile.from_dict(data["profile"])
            items = list(data["items"])
        except (KeyError, TypeError):
            raise WorkbookError("routine", data, "a dict with 'profile' and 'items'") from None
        routine = generate_routine(profile, stretches)
        for item in items:
            if item.get("chosen_by") == "therapist" and item.get("stretch_id"):
                routine = routine.with_override(
                    item["movement"],
                    stretch_id=item["stretch_id"],
                    hold_s=item["hold_s"],
                    reps=item["reps"],
                    per_week=item["per_week"],
                )
        return routine


def _alternatives_for(
    movement: str, chosen: pd.Series | None, stretches: pd.DataFrame, profile: PatientProfile
) -> pd.DataFrame:
    rows = []
    for _, stretch in stretches[stretches["movement"] == movement].iterrows():
        if chosen is not None and stretch["stretch_id"] == chosen["stretch_id"]:
            continue
        if _exclusions(stretch, profile):
            continue
        rows.append(
            {
                "movement": movement,
                "stretch_id": stretch["stretch_id"],
                "name": stretch["name"],
                "intensity": stretch["intensity"],
                "reason": _alternative_reason(stretch, chosen, profile),
            }
        )
    return pd.DataFrame(rows, columns=["movement", "stretch_id", "name", "intensity", "reason"])


def generate_routine(profile: PatientProfile, stretches: pd.DataFrame | None = None) -> Routine:
    """Choose one stretch per hip movement for this patient.

    Parameters
    ----------
    profile : PatientProfile
        The patient.
    stretches : pandas.DataFrame, optional
        A table from :func:`workbook.load_stretches`; the shipped one when omitted.

    Returns
    -------
    Routine
        ``.table`` (one row per movement, with reason, cautions and dosage), ``.excluded`` and
        ``.alternatives``.

    Examples
    --------
    >>> from workbook import PatientProfile
    >>> profile = PatientProfile(age=80, activity="sedentary", floor_transfer=False,
    ...                          kneeling="unable", conditions={"spinal_stenosis"})
    >>> list(generate_routine(profile).table["stretch_id"])
    ['seated_hip_hinge', 'seated_hip_flexor', 'seated_piriformis', 'bed_butterfly']
    """
    if not isinstance(profile, PatientProfile):
        raise WorkbookError("profile", type(profile).__name__, "a PatientProfile")
    stretches = load_stretches() if stretches is None else stretches
    dosage = default_dosage(profile.age)
    rows, excluded_rows, alternatives = [], [], []
    for movement in MOVEMENTS:
        candidates = stretches[stretches["movement"] == movement]
        excluded = {}
        for _, stretch in candidates.iterrows():
            reasons = _exclusions(stretch, profile)
            if reasons:
                excluded[stretch["stretch_id"]] = reasons
                excluded_rows.append(
                    {
                        "stretch_id": stretch["stretch_id"],
                        "name": stretch["name"],
                        "movement": movement,
                        "reason": "It " + "; it ".join(reasons) + ".",
                    }
                )
        safe = candidates[~candidates["stretch_id"].isin(excluded)]
        if safe.empty:
            why = "; ".join(
                f"{name} {excluded[stretch_id][0]}"
                for name, stretch_id in zip(
                    candidates["name"], candidates["stretch_id"], strict=True
                )
            )
            rows.append(
                _empty_row(
                    movement,
                    f"No stretch in the table is safe for this patient for this movement ({why}). "
                    "Work on it in the clinic, or add a suitable stretch to data/stretches.csv.",
                )
            )
            continue
        chosen = _choice_order(safe, profile).iloc[0]
        reason = _choice_reason(chosen, profile, candidates, excluded)
        alternative = _alternatives_for(movement, chosen, stretches, profile)
        suggested = alternative[alternative["reason"].str.startswith("Offered for")]
        if not suggested.empty:
            reason += " Also offered: " + ", ".join(suggested["name"]) + " (see alternatives)."
        rows.append(_row(chosen, profile, dosage, reason, "workbook"))
        alternatives.append(alternative)
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    excluded_table = pd.DataFrame(
        excluded_rows, columns=["stretch_id", "name", "movement", "reason"]
    )
    alternatives_table = (
        pd.concat(alternatives, ignore_index=True)
        if alternatives
        else (pd.DataFrame(columns=["movement", "stretch_id", "name", "intensity", "reason"]))
    )
    return Routine(profile, table, excluded_table, alternatives_table, stretches)

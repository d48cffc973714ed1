"""The routine generator: one stretch per hip movement, chosen for this patient, with the reason.

The rules live in data (see :mod:`workbook.clinical.selection` and ``data/README.md``); the
measurements adapt the routine through :mod:`workbook.clinical.adapt`; a red flag replaces it
with a referral (:mod:`workbook.clinical.redflags`). Two readers, two texts: the columns in
``PATIENT_COLUMNS`` speak to the patient (the handout), those in ``THERAPIST_COLUMNS`` to the
therapist (the screen and the report). The same inputs always give the same routine. Pure logic.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from ..errors import WorkbookError, one_of
from .adapt import Focus, Plan, make_plan
from .choosing import (
    ALTERNATIVE_COLUMNS,
    AUDIENCE,
    CHOSEN_BY,
    EXCLUDED_COLUMNS,
    PATIENT_COLUMNS,
    TABLE_COLUMNS,
    THERAPIST_COLUMNS,
    alternatives_for,
    apply_focus,
    as_records,
    choose,
    finish,
    stretch_row,
)
from .dosing import Dosage, default_dosage, per_week_text
from .profile import PatientProfile
from .redflags import referral_text
from .selection import exclusions, rules
from .stretches import DOSAGE_BOUNDS, MOVEMENTS, load_stretches

__all__ = [
    "ALTERNATIVE_COLUMNS",
    "AUDIENCE",
    "CHOSEN_BY",
    "EXCLUDED_COLUMNS",
    "PATIENT_COLUMNS",
    "TABLE_COLUMNS",
    "THERAPIST_COLUMNS",
    "Dosage",
    "Routine",
    "default_dosage",
    "generate_routine",
]


@dataclass(frozen=True, eq=False)
class Routine:
    """A home routine: one stretch per hip movement, with dosage, cautions and reasons.

    Attributes
    ----------
    profile : PatientProfile
        Who it was made for.
    table : pandas.DataFrame
        One row per movement, in the order of ``data/movements.csv`` (columns
        ``TABLE_COLUMNS``; whom each text column is for: ``AUDIENCE``). ``stretch_id`` is empty
        where nothing in the table is safe for the movement, and ``reason`` then says why.
        ``focus_side`` is 'left', 'right' or '' and ``focus_reps`` the rounds for that side.
        ``dose_warning`` (therapist) says when a dose lies outside the evidence range.
        Empty when the profile has a red flag.
    excluded : pandas.DataFrame
        Stretches left out for this patient (``EXCLUDED_COLUMNS``; ``reason`` for the therapist).
    alternatives : pandas.DataFrame
        Safe stretches not chosen (``ALTERNATIVE_COLUMNS``; ``reason`` for the therapist).
    stretches : pandas.DataFrame
        The stretch table it was made from.
    referral : str
        For the therapist: non-empty when a red flag stands; then there are no stretches and
        a handout is refused.
    therapist_notes : tuple of str
        Notes on the whole routine for the therapist (hip replacement: confirm the surgeon's
        own restrictions).
    """

    profile: PatientProfile
    table: pd.DataFrame
    excluded: pd.DataFrame
    alternatives: pd.DataFrame
    stretches: pd.DataFrame = field(repr=False)
    referral: str = ""
    therapist_notes: tuple[str, ...] = ()
    plan: Plan = field(default_factory=Plan, repr=False)

    def stretch(self, movement: str) -> pd.Series:
        """The routine's row for one movement."""
        if movement not in set(self.table["movement"]):
            raise WorkbookError("movement", movement, one_of(self.table["movement"]))
        return self.table[self.table["movement"] == movement].iloc[0]

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
        chosen: the reason it was left out goes to ``cautions_therapist`` and the conditions'
        cautions to ``cautions_patient``, never dropped. A dose outside the evidence range
        is kept, with ``dose_warning`` saying so.

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
        stretch = next(s for s in as_records(same_movement) if s["stretch_id"] == new_id)
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
        r = rules()
        row = stretch_row(
            stretch, self.profile, default_dosage(self.profile.age), "", "therapist", r
        )
        row.update({k: v for k, v in dosage.items() if v is not None})
        row["focus_reps"] = row["reps"]
        changes = []
        if new_id != current["stretch_id"]:
            changes.append(f"chose {stretch['name']} instead of {current['name'] or 'nothing'}")
        was = (current["hold_s"], current["reps"], current["per_week"])
        now = (row["hold_s"], row["reps"], row["per_week"])
        if current["stretch_id"] and now != was:
            changes.append(
                f"set the dosage to {now[0]} s x {now[1]}, {per_week_text(now[2])} "
                f"(the workbook suggested {was[0]} s x {was[1]}, {per_week_text(was[2])})"
            )
            row["dosage_source"] = "the therapist"
        row["reason"] = "The therapist " + (" and ".join(changes) or "confirmed this choice") + "."
        if movement in self.plan.focus:
            apply_focus(row, self.plan.focus[movement], stretch)
        unsafe = exclusions(stretch, self.profile, r)
        if unsafe:
            note = "The workbook's rules had left this out: it " + "; it ".join(unsafe) + "."
            row["cautions_therapist"] = "\n".join(filter(None, [note, row["cautions_therapist"]]))
        finish(row, self.profile.age)
        table = self.table.copy()
        table.loc[table["movement"] == movement, list(row)] = pd.DataFrame([row]).values
        alternatives = pd.DataFrame(
            alternatives_for(movement, stretch, self.stretches, self.profile, r),
            columns=list(ALTERNATIVE_COLUMNS),
        )
        others = self.alternatives[self.alternatives["movement"] != movement]
        merged = pd.concat([others, alternatives], ignore_index=True)
        order = {m: i for i, m in enumerate(MOVEMENTS)}
        merged = merged.sort_values("movement", key=lambda s: s.map(order), kind="stable")
        return replace(self, table=table, alternatives=merged.reset_index(drop=True))

    def to_dict(self) -> dict[str, Any]:
        """What the store keeps: the profile and, per movement, the stretch, dosage and focus."""
        items = [
            {
                "movement": row["movement"],
                "stretch_id": row["stretch_id"],
                "hold_s": int(row["hold_s"]),
                "reps": int(row["reps"]),
                "per_week": int(row["per_week"]),
                "chosen_by": row["chosen_by"],
                "focus_side": row["focus_side"],
                "reason": row["reason"],
                "note_patient": row["note_patient"],
            }
            for row in self.table.to_dict("records")
        ]
        return {"profile": self.profile.to_dict(), "items": items}

    @classmethod
    def from_dict(cls, data: dict[str, Any], stretches: pd.DataFrame | None = None) -> Routine:
        """Rebuild a saved routine: regenerate it, then replay what the measurements and the
        therapist changed (routines saved before focus existed load as they were)."""
        try:
            profile = PatientProfile.from_dict(data["profile"])
            items = list(data["items"])
        except (KeyError, TypeError):
            raise WorkbookError("routine", data, "a dict with 'profile' and 'items'") from None
        routine = generate_routine(profile, stretches)
        if routine.referral:
            return routine
        return _replay(routine, items)


def _replay(routine: Routine, items: list[dict[str, Any]]) -> Routine:
    focus = {
        i["movement"]: Focus(i["focus_side"], "")
        for i in items
        if i.get("focus_side") in ("left", "right")
    }
    routine = replace(routine, plan=Plan(focus=focus))
    for item in items:
        current = routine.stretch(item["movement"])
        same = (
            item.get("stretch_id") == current["stretch_id"]
            and (item.get("hold_s"), item.get("reps"), item.get("per_week"))
            == (current["hold_s"], current["reps"], current["per_week"])
            and item.get("focus_side", "") == current["focus_side"]
        )
        if not item.get("stretch_id") or (same and item.get("chosen_by") != "therapist"):
            continue
        routine = routine.with_override(
            item["movement"],
            stretch_id=item["stretch_id"],
            hold_s=item["hold_s"],
            reps=item["reps"],
            per_week=item["per_week"],
        )
        if item.get("chosen_by") != "therapist":  # adapted by the measurements: keep its words
            table = routine.table.copy()
            at = table["movement"] == item["movement"]
            table.loc[at, "chosen_by"] = "workbook"
            table.loc[at, "reason"] = item.get("reason", "")
            table.loc[at, "note_patient"] = item.get("note_patient", "")
            routine = replace(routine, table=table)
    return routine


def _empty_tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return (
        pd.DataFrame(columns=list(TABLE_COLUMNS)),
        pd.DataFrame(columns=list(EXCLUDED_COLUMNS)),
        pd.DataFrame(columns=list(ALTERNATIVE_COLUMNS)),
    )


def generate_routine(
    profile: PatientProfile,
    stretches: pd.DataFrame | None = None,
    *,
    measurements: pd.DataFrame | None = None,
    visits: pd.DataFrame | None = None,
) -> Routine:
    """Choose one stretch per hip movement for this patient.

    Parameters
    ----------
    profile : PatientProfile
        The patient. Any red flag gives a routine with no stretches and a ``referral``.
    stretches : pandas.DataFrame, optional
        A table from :func:`workbook.load_stretches`; the shipped one when omitted.
    measurements, visits : pandas.DataFrame, optional
        As ``store.measurements(patient_id)`` and ``store.visits(patient_id)`` return them.
        With them the routine follows the numbers: side focus, progression and regression
        (:mod:`workbook.clinical.adapt`).

    Returns
    -------
    Routine

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
    r = rules()
    notes = tuple(
        f"{row['label']}: {row['therapist_note']}"
        for condition, row in r.conditions.items()
        if condition in profile.conditions and row["therapist_note"]
    )
    if profile.red_flags:
        table, excluded, alternatives = _empty_tables()
        referral = referral_text(profile.red_flags)
        return Routine(profile, table, excluded, alternatives, stretches, referral, notes)
    plan = make_plan(profile, measurements, visits)
    rows: list[dict[str, Any]] = []
    left_out: list[dict[str, Any]] = []
    offered: list[dict[str, Any]] = []
    every = as_records(stretches)
    for movement in MOVEMENTS:
        row, out, others = choose(movement, every, profile, plan, r)
        rows.append(row)
        left_out.extend(out)
        offered.extend(others)
    return Routine(
        profile,
        pd.DataFrame(rows, columns=list(TABLE_COLUMNS)),
        pd.DataFrame(left_out, columns=list(EXCLUDED_COLUMNS)),
        pd.DataFrame(offered, columns=list(ALTERNATIVE_COLUMNS)),
        stretches,
        "",
        notes,
        plan,
    )

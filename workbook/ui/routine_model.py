"""The routine for the open patient and the therapist's changes to it: the model behind the
routine screen; no widgets.

:class:`RoutineModel` holds the current :class:`~workbook.clinical.routine.Routine` and calls the
package (``generate_routine``, ``Routine.with_override``, ``handout``). Which stretch suits which
patient is decided by the package, never here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pandas as pd

from ..clinical.display import is_blank
from ..errors import WorkbookError
from ..records.paths import export_name, exports_dir
from .common import log

__all__ = ["DOSAGE_FIELDS", "History", "RoutineModel", "saved_routine"]

DOSAGE_FIELDS: tuple[tuple[str, str], ...] = (
    ("hold_s", "Hold (s)"),
    ("reps", "Times"),
    ("per_week", "Days a week"),
)


def saved_routine(store: Any, patient_id: str, profile: Any) -> dict[str, Any] | None:
    """The routine saved with the patient's last visit, if it was made for this same profile.

    A routine saved for an older profile is not restored: the profile changed, so the workbook
    starts again from the new one (the therapist's earlier choices stay in the visit record).
    """
    try:
        visits = store.visits(patient_id)
    except Exception as exc:  # the routine can still be generated; say why in the log
        log.warning("visits not read for the saved routine: %s", exc)
        return None
    if "routine" not in getattr(visits, "columns", ()):
        return None
    for value in reversed(list(visits["routine"])):
        if isinstance(value, str) and value.strip():
            try:
                value = json.loads(value)
            except ValueError:
                continue
        if isinstance(value, dict) and value.get("items"):
            same = value.get("profile") == profile.to_dict()
            return value if same else None
    return None


#: A function returning the open patient's ``(measurements, visits)``, read only when needed.
History = Callable[[], tuple[pd.DataFrame, pd.DataFrame]] | None


class RoutineModel:
    """The routine for the open patient, and the therapist's changes to it; no widgets."""

    def __init__(self) -> None:
        self.routine: Any = None
        self.patient_name: str | None = None
        self.source: str = ""

    def generate(
        self, profile: Any, patient_name: str | None = None, history: History = None
    ) -> Any:
        """A fresh routine from the profile and, when given, the patient's measurements.

        ``history`` returns ``(measurements, visits)`` as the store gives them: a left-right
        difference, a flare or steady progress then shape the routine (side focus, progression,
        regression). The same inputs always give the same routine.
        """
        from ..clinical.routine import generate_routine

        measurements, visits = history() if history is not None else (None, None)
        if visits is not None and len(visits):
            self.routine = generate_routine(profile, measurements=measurements, visits=visits)
            self.source = "generated from the profile and the measurements so far"
        else:
            self.routine = generate_routine(profile)
            self.source = "generated from the profile"
        self.patient_name = patient_name
        return self.routine

    def restore(self, saved: dict[str, Any], patient_name: str | None = None) -> Any:
        """The routine saved with an earlier visit (``Routine.to_dict()`` form)."""
        from ..clinical.routine import Routine

        self.routine = Routine.from_dict(saved)
        self.patient_name = patient_name
        self.source = "as saved with the last visit"
        return self.routine

    @property
    def table(self) -> pd.DataFrame:
        if self.routine is None:
            return pd.DataFrame()
        return self.routine.table

    def movements(self) -> list[str]:
        return [str(m) for m in self.table["movement"]] if len(self.table) else []

    def row(self, movement: str) -> pd.Series:
        table = self.table
        return table.loc[table["movement"] == movement].iloc[0]

    def stretch_choices(self, movement: str) -> list[tuple[str, str]]:
        """The current stretch first, then the safe alternatives for the same movement."""
        row = self.row(movement)
        choices: list[tuple[str, str]] = []
        if not is_blank(row.get("stretch_id")):
            choices.append((f"{row['name']} ({row['intensity']})", str(row["stretch_id"])))
        alternatives = getattr(self.routine, "alternatives", None)
        if alternatives is not None and len(alternatives):
            same = alternatives.loc[alternatives["movement"] == movement]
            for alt in same.itertuples(index=False):
                if str(alt.stretch_id) not in {c[1] for c in choices}:
                    choices.append((f"{alt.name} ({alt.intensity})", str(alt.stretch_id)))
        return choices

    def equipment_flag(self, movement: str) -> str:
        """'not at home: a broomstick (ask whether they have the stand-in)', or ''."""
        from ..clinical.selection import missing_equipment

        row = self.row(movement)
        stretches = getattr(self.routine, "stretches", None)
        if is_blank(row.get("stretch_id")) or stretches is None:
            return ""
        found = stretches.loc[stretches["stretch_id"] == row["stretch_id"]]
        if not len(found):
            return ""
        missing = missing_equipment(found.iloc[0], self.routine.profile)
        if not missing:
            return ""
        items = ", ".join(f"{label[:1].lower()}{label[1:]}" for label, _ in missing)
        # the stand-in is named in the stretch's "needs" line already (equipment_text)
        stand_in = " (ask whether they have the stand-in)" if all(s for _, s in missing) else ""
        return f"not at home: {items}{stand_in}"

    def why_no_other(self, movement: str) -> str:
        """Why the swap list has one option: the reasons the others were left out."""
        excluded = getattr(self.routine, "excluded", None)
        if excluded is None or not len(excluded):
            return "No other stretch for this movement is in the table."
        same = excluded.loc[excluded["movement"] == movement]
        if not len(same):
            return "No other stretch for this movement is in the table."
        reasons = [f"{r.name}: {str(r.reason).rstrip('.')}" for r in same.itertuples(index=False)]
        return "Nothing else fits. " + "; ".join(reasons) + "."

    def swap(self, movement: str, stretch_id: str) -> Any:
        """Swap the stretch for a movement; the routine records that the therapist chose it."""
        self.routine = self.routine.with_override(movement, stretch_id=stretch_id)
        return self.routine

    def set_dosage(self, movement: str, field: str, value: object) -> Any:
        """Change hold, reps or days a week; a bad value raises and leaves the routine as it was."""
        if field not in dict(DOSAGE_FIELDS):
            raise WorkbookError("dosage field", field, "hold_s, reps or per_week")
        if isinstance(value, str):
            text = value.strip()
            try:
                value = int(text)
            except ValueError:
                raise WorkbookError(field, value, "a whole number") from None
        self.routine = self.routine.with_override(movement, **{field: value})
        return self.routine

    def to_dict(self) -> dict[str, Any] | None:
        """What is saved with the visit."""
        return None if self.routine is None else self.routine.to_dict()

    def handout_name(self, suffix: str, today: dt.date | None = None) -> str:
        """``EE-handout-2026-11-24.pdf``: the patient's initials, what, the day."""
        return export_name(self.patient_name, "handout", today or dt.date.today(), suffix)

    def make_handout(self, suffix: str, *, with_name: bool = True, note: str = "") -> bytes:
        """The handout as bytes (``.html`` or ``.pdf``), written under the exports folder."""
        from ..documents.handouts import handout

        path = exports_dir() / self.handout_name(suffix)
        handout(
            self.routine,
            path,
            patient_name=self.patient_name if with_name else None,
            note=note,
        )
        return path.read_bytes()

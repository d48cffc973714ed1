"""Finding, adding and editing patients: the model behind the patient screen; no widgets.

:class:`PatientModel` knows the store; :class:`~workbook.ui.patient.PatientScreen` shows it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..clinical.display import count_label
from ..clinical.profile import PatientProfile, conditions_table, equipment_table
from ..errors import WorkbookError

__all__ = ["ChosenPatient", "PatientModel"]


@dataclass(frozen=True)
class ChosenPatient:
    """The patient the other screens work on."""

    patient_id: str
    name: str
    birth_year: int | None
    profile: PatientProfile


def _labelled(table: pd.DataFrame, key: str) -> list[tuple[str, str]]:
    return list(zip(table["label"], table[key], strict=True))


class PatientModel:
    """Finding, adding and editing patients; no widgets.

    Parameters
    ----------
    store : workbook.records.store.Store
        The clinic store.
    today : datetime.date, optional
        Fixed in tests so that ages do not change with the calendar.
    """

    def __init__(self, store: Any, today: dt.date | None = None) -> None:
        self.store = store
        self._today = today
        self.chosen: ChosenPatient | None = None

    @property
    def today(self) -> dt.date:
        return self._today or dt.date.today()

    # vocabularies, as (label, value) pairs for choice widgets
    @staticmethod
    def condition_choices() -> list[tuple[str, str]]:
        return _labelled(conditions_table(), "condition")

    @staticmethod
    def equipment_choices() -> list[tuple[str, str]]:
        return _labelled(equipment_table(), "equipment")

    def search(self, text: str = "") -> pd.DataFrame:
        """Patients whose name or id contains ``text`` (every patient when empty)."""
        text = (text or "").strip()
        return self.store.find_patients(text) if text else self.store.patients()

    def choices(self, text: str = "") -> list[tuple[str, str]]:
        """``(label, patient_id)`` pairs for a selection list."""
        found = self.search(text)
        out = []
        for row in found.itertuples(index=False):
            visits = getattr(row, "n_visits", None)
            born = getattr(row, "birth_year", None)
            bits = [str(row.name)]
            if born is not None and not pd.isna(born):
                bits.append(f"born {int(born)}")
            if visits is not None and not pd.isna(visits):
                bits.append(count_label(int(visits), "visit"))
            label = " \u00b7 ".join(bits)
            out.append((f"{label}  [{row.patient_id}]", str(row.patient_id)))
        return out

    def birth_year_from(self, text: object) -> tuple[int, str]:
        """The birth year typed, or worked out from an age: ``"54"`` -> 1972 (in 2026).

        Returns the year and a note for the screen saying what was understood.
        A number up to the oldest age the workbook knows is read as an age; anything else
        goes through the store's birth-year rule (:func:`~workbook.clinical.measures.
        check_birth_year`), which names what is allowed.
        """
        from ..clinical.measures import MAX_AGE, check_birth_year

        typed = str(text if text is not None else "").strip()
        if typed.isdigit() and int(typed) > self.today.year:
            allowed = f"a year no later than {self.today.year}, or an age in years"
            raise WorkbookError("birth_year", typed, allowed)
        if typed.isdigit() and int(typed) <= MAX_AGE:
            year = self.today.year - int(typed)
            return year, f"age {int(typed)}: born {year}"
        year = check_birth_year(typed, today=self.today)
        return year, f"age {self.today.year - year}"

    def age_for(self, birth_year: object) -> int:
        """Age in whole years this calendar year, from the birth year the store keeps."""
        if isinstance(birth_year, bool) or birth_year is None:
            raise WorkbookError("birth year", birth_year, "a year such as 1950")
        try:
            year = int(str(birth_year).strip())
        except ValueError:
            raise WorkbookError("birth year", birth_year, "a year such as 1950") from None
        if year > self.today.year:
            raise WorkbookError("birth year", birth_year, f"a year no later than {self.today.year}")
        return self.today.year - year

    def make_profile(
        self,
        birth_year: object,
        activity: str,
        floor_transfer: bool,
        kneeling: str,
        conditions: Iterable[str] = (),
        equipment: Iterable[str] = (),
    ) -> PatientProfile:
        """A validated profile; raises WorkbookError naming the field at fault."""
        return PatientProfile(
            age=self.age_for(birth_year),
            activity=activity,
            floor_transfer=bool(floor_transfer),
            kneeling=kneeling,
            conditions=frozenset(conditions),
            equipment=frozenset(equipment),
        )

    def choose(self, patient_id: str) -> ChosenPatient:
        """Open a patient: the other screens follow this choice."""
        record = self.store.patient(patient_id)
        profile = self.store.profile(patient_id)
        self.chosen = ChosenPatient(
            patient_id=str(patient_id),
            name=str(record.get("name", "")),
            birth_year=record.get("birth_year"),
            profile=profile,
        )
        return self.chosen

    def add(self, name: str, birth_year: object, **profile_fields: Any) -> ChosenPatient:
        """Add a patient and open them."""
        name = (name or "").strip()
        if not name:
            raise WorkbookError("name", name, "the patient's name (it stays in the clinic store)")
        year, _ = self.birth_year_from(birth_year)
        profile = self.make_profile(year, **profile_fields)
        patient_id = self.store.add_patient(name, year, profile)
        return self.choose(patient_id)

    def update(self, **profile_fields: Any) -> ChosenPatient:
        """Save a new profile for the open patient (the store keeps the old one in its history)."""
        if self.chosen is None:
            raise WorkbookError("patient", None, "open a patient first")
        birth_year = self.chosen.birth_year
        profile = self.make_profile(birth_year, **profile_fields)
        self.store.update_profile(self.chosen.patient_id, profile)
        return self.choose(self.chosen.patient_id)

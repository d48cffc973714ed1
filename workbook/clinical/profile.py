"""The patient profile: who the routine is for.

Vocabularies for conditions and home equipment come from ``data/conditions.csv`` and
``data/equipment.csv``, so a clinic adds a condition by adding a row. Pure logic.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import WorkbookError, one_of
from .paths import data_file
from .redflags import known_red_flags
from .tables import column_as_bool, load_data_table

__all__ = [
    "ACTIVITY_LEVELS",
    "KNEELING_LEVELS",
    "SEXES",
    "PatientProfile",
    "conditions_table",
    "equipment_table",
    "known_conditions",
    "known_equipment",
]

ACTIVITY_LEVELS: tuple[str, ...] = ("sedentary", "active", "athletic")
KNEELING_LEVELS: tuple[str, ...] = ("comfortable", "painful", "unable")
SEXES: tuple[str, ...] = ("female", "male")
MIN_AGE, MAX_AGE = 0, 120


def conditions_table() -> pd.DataFrame:
    """``data/conditions.csv``: condition id, label, the caution it adds to a stretch.

    ``patient_caution`` is in the patient's words (the handout), ``therapist_note`` the reason
    for the therapist (the screen and report); ``prefer_gentle`` is a boolean.
    """
    return _conditions(data_file("conditions.csv")).copy()


@functools.cache
def _conditions(path: Path) -> pd.DataFrame:
    """Read and check once per data folder: every profile check asks for the vocabulary."""
    table = load_data_table(
        "conditions.csv",
        ["condition", "label", "patient_caution", "therapist_note", "prefer_gentle", "source"],
    )
    table["prefer_gentle"] = column_as_bool(table, "prefer_gentle", key="condition")
    return table


def equipment_table() -> pd.DataFrame:
    """``data/equipment.csv``: equipment id, label, and a household substitute if any."""
    return load_data_table("equipment.csv", ["equipment", "label", "substitute"])


def known_conditions() -> tuple[str, ...]:
    return tuple(conditions_table()["condition"])


def known_equipment() -> tuple[str, ...]:
    return tuple(equipment_table()["equipment"])


def _as_set(name: str, values: object, allowed: tuple[str, ...]) -> frozenset[str]:
    if values is None:
        return frozenset()
    if isinstance(values, str):  # a lone 'sciatica' would otherwise split into letters
        values = [values]
    if not isinstance(values, Iterable):
        raise WorkbookError(name, values, f"a list of values, each {one_of(allowed)}")
    chosen = frozenset(values)
    for value in sorted(chosen, key=str):
        if value not in allowed:
            raise WorkbookError(name, value, f"each must be {one_of(allowed)}")
    return chosen


@dataclass(frozen=True)
class PatientProfile:
    """What the routine generator needs to know about a patient.

    Parameters
    ----------
    age : int
        Age in years, 0 to 120.
    activity : str
        'sedentary', 'active' or 'athletic'.
    floor_transfer : bool
        True when the patient can get down to the floor and back up unaided.
    kneeling : str
        'comfortable', 'painful' (knee pain when kneeling) or 'unable'.
    conditions : set of str
        From ``data/conditions.csv`` (``known_conditions()``).
    equipment : set of str
        What the patient has at home, from ``data/equipment.csv``.
    sex : {None, 'female', 'male'}
        Chooses sex-specific normal values; ``None`` (not recorded) uses those for all adults.
    red_flags : set of str
        Red flags answered yes (``data/red_flags.csv``); any one means no routine, a referral.

    Examples
    --------
    >>> p = PatientProfile(age=80, activity="sedentary", floor_transfer=False,
    ...                    kneeling="unable", conditions={"spinal_stenosis"})
    >>> PatientProfile.from_dict(p.to_dict()) == p
    True
    """

    age: int
    activity: str
    floor_transfer: bool
    kneeling: str
    conditions: frozenset[str] = field(default_factory=frozenset)
    equipment: frozenset[str] = field(default_factory=frozenset)
    sex: str | None = None
    red_flags: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        age = self.age
        if isinstance(age, bool) or not isinstance(age, int | float) or age != int(age):
            raise WorkbookError("age", age, f"a whole number of years from {MIN_AGE} to {MAX_AGE}")
        if not MIN_AGE <= age <= MAX_AGE:
            raise WorkbookError("age", age, f"a whole number of years from {MIN_AGE} to {MAX_AGE}")
        object.__setattr__(self, "age", int(age))
        if self.activity not in ACTIVITY_LEVELS:
            raise WorkbookError("activity", self.activity, one_of(ACTIVITY_LEVELS))
        if not isinstance(self.floor_transfer, bool):
            raise WorkbookError("floor_transfer", self.floor_transfer, "True or False")
        if self.kneeling not in KNEELING_LEVELS:
            raise WorkbookError("kneeling", self.kneeling, one_of(KNEELING_LEVELS))
        object.__setattr__(
            self, "conditions", _as_set("conditions", self.conditions, known_conditions())
        )
        object.__setattr__(
            self, "equipment", _as_set("equipment", self.equipment, known_equipment())
        )
        if self.sex is not None and self.sex not in SEXES:
            raise WorkbookError("sex", self.sex, one_of(SEXES) + " or None (not recorded)")
        object.__setattr__(
            self, "red_flags", _as_set("red_flags", self.red_flags, known_red_flags())
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain types only (sorted lists for the sets), ready for JSON or a database row."""
        return {
            "age": self.age,
            "activity": self.activity,
            "floor_transfer": self.floor_transfer,
            "kneeling": self.kneeling,
            "conditions": sorted(self.conditions),
            "equipment": sorted(self.equipment),
            "sex": self.sex,
            "red_flags": sorted(self.red_flags),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PatientProfile:
        """The inverse of :meth:`to_dict`; unknown keys are an error, not silently dropped.

        Profiles stored before ``sex`` and ``red_flags`` existed load with ``None`` and none.
        """
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise WorkbookError("profile", unknown, f"the keys are {', '.join(sorted(names))}")
        missing = [n for n in ("age", "activity", "floor_transfer", "kneeling") if n not in data]
        if missing:
            raise WorkbookError("profile", f"missing {', '.join(missing)}", "every field is needed")
        return cls(**data)

"""Checking and saving a visit: the model behind the visit form; no widgets.

:class:`VisitModel` checks each field with the package's own checks
(``workbook.clinical.measures``) and logs the visit in the store; :class:`VisitEntry` is what the
therapist typed, as typed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..clinical.display import format_odi
from ..clinical.measures import (
    INSTRUMENTS,
    check_degrees,
    check_odi_sections,
    check_pain,
    default_position,
    odi_index,
    score_rule,
)
from ..clinical.tables import load_data_table
from ..errors import WorkbookError
from .common import log

__all__ = [
    "NOT_ANSWERED",
    "VisitEntry",
    "VisitModel",
    "labelled_choices",
    "odi_choices",
    "rom_key",
]

NOT_ANSWERED = ""


def labelled_choices(name: str, key: str) -> list[tuple[str, str]]:
    """``(label, value)`` pairs from a data table with a ``label`` column, for a choice widget."""
    table = load_data_table(name, [key, "label"])
    return list(zip(table["label"], table[key], strict=True))


def odi_choices() -> list[tuple[str, object]]:
    """'not answered' then each allowed section score, from ``data/scores.csv``."""
    rule = score_rule("odi_section")
    return [("not answered", NOT_ANSWERED)] + [
        (str(v), v) for v in range(rule.min_value, rule.max_value + 1)
    ]


@dataclass
class VisitEntry:
    """What the therapist typed, as typed (text stays text until checked)."""

    visit_date: dt.date | None = None
    rom: dict[tuple[str, str], str] = field(default_factory=dict)
    positions: dict[str, str] = field(default_factory=dict)
    instrument: str = INSTRUMENTS[0]
    pain: str = ""
    odi: list[object] = field(default_factory=list)
    therapist: str = ""
    notes: str = ""


def rom_key(motion: str, side: str) -> str:
    return f"{motion}:{side}"


class VisitModel:
    """Checks and saves a visit; no widgets.

    Parameters
    ----------
    store : workbook.records.store.Store
        The clinic store.
    today : datetime.date, optional
        Fixed in tests.
    """

    def __init__(self, store: Any, today: dt.date | None = None) -> None:
        self.store = store
        self._today = today
        self.patient_id: str | None = None
        self.patient_name: str = ""

    @property
    def today(self) -> dt.date:
        return self._today or dt.date.today()

    # one field at a time, for messages as the therapist types ------------------------------
    @staticmethod
    def check_rom(motion: str, side: str, text: str) -> str:
        """'' when the reading is fine or empty (not measured), else what is wrong."""
        if not (text or "").strip():
            return ""
        try:
            check_degrees(motion, text.strip(), side)
        except WorkbookError as exc:
            return str(exc)
        return ""

    @staticmethod
    def check_pain_text(text: str) -> str:
        if not (text or "").strip():
            return ""
        try:
            check_pain(text.strip())
        except WorkbookError as exc:
            return str(exc)
        return ""

    @staticmethod
    def odi_sections(values: Sequence[object]) -> list[object] | None:
        """The sections for the store, or None when no section was answered."""
        if all(v in (NOT_ANSWERED, None) for v in values):
            return None
        return [None if v in (NOT_ANSWERED, None) else v for v in values]

    def check_odi(self, values: Sequence[object]) -> str:
        sections = self.odi_sections(values)
        if sections is None:
            return ""
        try:
            check_odi_sections(sections)
        except WorkbookError as exc:
            return str(exc)
        return ""

    def odi_summary(self, values: Sequence[object]) -> str:
        """'ODI 30 % (moderate)' for a scorable form, else ''."""
        sections = self.odi_sections(values)
        if sections is None or self.check_odi(values):
            return ""
        return format_odi(odi_index(sections))

    def check_date(self, value: dt.date | None) -> str:
        if value is None:
            return "visit date: choose the date of the visit."
        if value > self.today:
            return f"visit date = {value.isoformat()} is in the future; today is {self.today}."
        return ""

    # the whole form ---------------------------------------------------------------------------
    def problems(self, entry: VisitEntry) -> dict[str, str]:
        """Every field's message, keyed by field; empty when the form can be saved."""
        found: dict[str, str] = {}
        if self.patient_id is None:
            found["patient"] = "Open a patient first (Patient tab)."
        date_msg = self.check_date(entry.visit_date)
        if date_msg:
            found["visit_date"] = date_msg
        for (motion, side), text in entry.rom.items():
            message = self.check_rom(motion, side, text)
            if message:
                found[rom_key(motion, side)] = message
        pain_msg = self.check_pain_text(entry.pain)
        if pain_msg:
            found["pain"] = pain_msg
        odi_msg = self.check_odi(entry.odi) if entry.odi else ""
        if odi_msg:
            found["odi"] = odi_msg
        if not self.has_content(entry):
            found["empty"] = "Enter at least one measurement, the pain rating or the ODI."
        return found

    def has_content(self, entry: VisitEntry) -> bool:
        return (
            any((t or "").strip() for t in entry.rom.values())
            or bool((entry.pain or "").strip())
            or (bool(entry.odi) and self.odi_sections(entry.odi) is not None)
        )

    def log_visit_args(self, entry: VisitEntry) -> dict[str, Any]:
        """The arguments for ``store.log_visit`` (measured values only)."""
        rom = {
            (motion, side): {
                "degrees": float(text.strip()),
                "instrument": entry.instrument,
                "position": entry.positions.get(motion) or default_position(motion),
            }
            for (motion, side), text in entry.rom.items()
            if (text or "").strip()
        }
        return {
            "visit_date": entry.visit_date,
            "rom": rom,
            "pain": int(check_pain(entry.pain.strip())) if entry.pain.strip() else None,
            "odi": self.odi_sections(entry.odi) if entry.odi else None,
            "therapist": entry.therapist.strip(),
            "notes": entry.notes,
        }

    def save(self, entry: VisitEntry, routine: Mapping[str, Any] | None = None) -> Any:
        """Log the visit; raises WorkbookError (or the store's error) and writes nothing then."""
        problems = self.problems(entry)
        if problems:
            field_name, message = next(iter(problems.items()))
            raise WorkbookError(field_name, "see the form", message.rstrip("."))
        args = self.log_visit_args(entry)
        visit_id = self.store.log_visit(
            self.patient_id,
            args.pop("visit_date"),
            args.pop("rom"),
            routine=dict(routine) if routine else None,
            **args,
        )
        log.info("visit %s saved for patient %s", visit_id, self.patient_id)
        return visit_id

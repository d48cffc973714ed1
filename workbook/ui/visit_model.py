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

import pandas as pd

from ..clinical.adherence import check_adherence
from ..clinical.display import error_message, format_date, format_odi
from ..clinical.measures import (
    INSTRUMENTS,
    check_degrees,
    check_odi_sections,
    check_pain,
    default_position,
    odi_index,
    score_rule,
)
from ..clinical.questionnaires import check_psfs
from ..clinical.tables import load_data_table
from ..errors import WorkbookError
from .common import log

__all__ = [
    "FLAGS_ASKED",
    "FLAGS_NOT_ASKED",
    "FLAGS_SAME",
    "NOT_ANSWERED",
    "VisitEntry",
    "VisitModel",
    "in_words",
    "labelled_choices",
    "odi_choices",
    "rom_key",
]

NOT_ANSWERED = ""

# how the red-flag questions were handled at this visit
FLAGS_NOT_ASKED = "not_asked"
FLAGS_ASKED = "asked"  # every question asked; the ticked ones were answered yes
FLAGS_SAME = "same"  # a later visit: "any change since last time?" - no


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
    red_flags_mode: str = FLAGS_NOT_ASKED
    red_flags: list[str] = field(default_factory=list)
    psfs: list[tuple[str, str]] = field(default_factory=list)
    days_done: str = ""
    days_prescribed: str = ""


def rom_key(motion: str, side: str) -> str:
    return f"{motion}:{side}"


class VisitModel:
    """Checks and saves (or corrects) a visit; no widgets.

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
        self.saved: pd.DataFrame = pd.DataFrame()  # the patient's saved visits
        #: ``(visit_id, version)`` of the visit being corrected, or None for a new visit
        self.editing: tuple[str, int] | None = None

    @property
    def today(self) -> dt.date:
        return self._today or dt.date.today()

    # the open patient ---------------------------------------------------------------------------
    def load_patient(self, patient_id: str | None, name: str = "") -> None:
        """Open a patient: read their saved visits (for the re-check and the corrections)."""
        self.patient_id, self.patient_name, self.editing = patient_id, name, None
        self.saved = pd.DataFrame() if patient_id is None else self.store.visits(patient_id)

    def previous_red_flags(self) -> list[str] | None:
        """The red flags answered yes at the latest visit that asked them (None: never asked)."""
        if "red_flags" not in self.saved.columns:
            return None
        for flags in reversed(list(self.saved["red_flags"])):
            if isinstance(flags, list | tuple):
                return list(flags)
        return None

    def previous_psfs_names(self) -> list[str]:
        """The activities the patient named at the latest visit that recorded the PSFS."""
        if "psfs" not in self.saved.columns:
            return []
        for ratings in reversed(list(self.saved["psfs"])):
            if isinstance(ratings, Mapping) and ratings:
                return list(ratings)
        return []

    def visit_choices(self) -> list[tuple[str, str]]:
        """``(label, visit_id)`` of the saved visits, latest first, for a choice widget."""
        rows = []
        for visit in reversed(self.saved.to_dict("records")):
            parts = [format_date(visit["visit_date"], missing="?")]
            pain = visit.get("pain_nprs")
            if pain is not None and pain == pain:
                parts.append(f"pain {pain:g}")
            if int(visit.get("version") or 1) > 1:
                parts.append(f"corrected, version {int(visit['version'])}")
            rows.append((", ".join(parts), str(visit["visit_id"])))
        return rows

    # one field at a time, for messages as the therapist types ------------------------------
    @staticmethod
    def check_rom(motion: str, side: str, text: str) -> str:
        """'' when the reading is fine or empty (not measured), else what is wrong."""
        if not (text or "").strip():
            return ""
        try:
            check_degrees(motion, text.strip(), side)
        except WorkbookError as exc:
            return in_words(exc)
        return ""

    @staticmethod
    def check_pain_text(text: str) -> str:
        if not (text or "").strip():
            return ""
        try:
            check_pain(text.strip())
        except WorkbookError as exc:
            return in_words(exc)
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
            return in_words(exc)
        return ""

    def odi_summary(self, values: Sequence[object]) -> str:
        """'ODI 30 % (moderate)' for a scorable form, else ''."""
        sections = self.odi_sections(values)
        if sections is None or self.check_odi(values):
            return ""
        return format_odi(odi_index(sections))

    def check_date(self, value: dt.date | None) -> str:
        if value is None:
            return "Visit date: choose the date of the visit."
        if value > self.today:
            return (
                f"Visit date {format_date(value)} is in the future; "
                f"today is {format_date(self.today)}."
            )
        return ""

    @staticmethod
    def psfs_value(rows: Sequence[tuple[str, str]]) -> dict[str, int] | None:
        """The PSFS for the store (activities with a score), None when none was scored.

        Raises WorkbookError for a score without an activity or a score outside 0-10.
        """
        ratings: dict[str, object] = {}
        for activity, text in rows:
            name, score = (activity or "").strip(), (text or "").strip()
            if not score:
                continue  # a name carried over from the last visit, not rated today
            if not name:
                raise WorkbookError("psfs activity", "", "the activity the score is for")
            try:
                number: object = float(score)
            except ValueError:
                number = score
            ratings[name] = number
        return check_psfs(ratings) if ratings else None

    def check_psfs_rows(self, rows: Sequence[tuple[str, str]]) -> str:
        try:
            self.psfs_value(rows)
        except WorkbookError as exc:
            return in_words(exc)
        return ""

    @staticmethod
    def adherence_value(done: str, prescribed: str) -> tuple[int | None, int | None]:
        """``(days_done, days_prescribed)`` for the store; both None when not asked."""
        done, prescribed = (done or "").strip(), (prescribed or "").strip()
        if not done and not prescribed:
            return None, None
        if not done or not prescribed:
            missing = "days_done" if not done else "days_prescribed"
            raise WorkbookError(missing, "", "both numbers: days done of days prescribed")
        return check_adherence(_number(done), _number(prescribed))

    def check_adherence_text(self, done: str, prescribed: str) -> str:
        try:
            self.adherence_value(done, prescribed)
        except WorkbookError as exc:
            return in_words(exc)
        return ""

    def red_flags_value(self, entry: VisitEntry) -> list[str] | None:
        """What the store keeps: the yes answers, [] for none, None when not asked."""
        if entry.red_flags_mode == FLAGS_SAME:
            return self.previous_red_flags() or []
        if entry.red_flags_mode == FLAGS_ASKED or entry.red_flags:
            return list(entry.red_flags)
        return None

    # the whole form ---------------------------------------------------------------------------
    def problems(self, entry: VisitEntry) -> dict[str, str]:
        """Every field's message, keyed by field; empty when the form can be saved."""
        found: dict[str, str] = {}
        if self.patient_id is None:
            found["patient"] = "Open a patient first (Patient tab)."
        checks = {
            "visit_date": self.check_date(entry.visit_date),
            "pain": self.check_pain_text(entry.pain),
            "odi": self.check_odi(entry.odi) if entry.odi else "",
            "psfs": self.check_psfs_rows(entry.psfs),
            "adherence": self.check_adherence_text(entry.days_done, entry.days_prescribed),
        }
        for (motion, side), text in entry.rom.items():
            checks[rom_key(motion, side)] = self.check_rom(motion, side, text)
        found.update({key: message for key, message in checks.items() if message})
        if not self.has_content(entry):
            found["empty"] = "Enter at least one measurement, the pain rating or the ODI."
        return found

    def has_content(self, entry: VisitEntry) -> bool:
        """True when the entry holds something to save as a visit."""
        return (
            any((t or "").strip() for t in entry.rom.values())
            or bool((entry.pain or "").strip())
            or (bool(entry.odi) and self.odi_sections(entry.odi) is not None)
            or any((score or "").strip() for _, score in entry.psfs)
            or bool((entry.days_done or "").strip() or (entry.days_prescribed or "").strip())
            or bool(entry.red_flags)
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
        done, prescribed = self.adherence_value(entry.days_done, entry.days_prescribed)
        return {
            "visit_date": entry.visit_date,
            "rom": rom,
            "pain": int(check_pain(entry.pain.strip())) if entry.pain.strip() else None,
            "odi": self.odi_sections(entry.odi) if entry.odi else None,
            "therapist": entry.therapist.strip(),
            "notes": entry.notes,
            "red_flags": self.red_flags_value(entry),
            "psfs": self.psfs_value(entry.psfs),
            "days_done": done,
            "days_prescribed": prescribed,
        }

    def _check(self, entry: VisitEntry) -> dict[str, Any]:
        problems = self.problems(entry)
        if problems:
            field_name, message = next(iter(problems.items()))
            raise WorkbookError(field_name, "see the form", message.rstrip("."))
        return self.log_visit_args(entry)

    def same_day_visit(self, entry: VisitEntry) -> str | None:
        """The id of a visit already saved for this patient on the entry's date (new visits)."""
        if self.editing is not None or self.patient_id is None or entry.visit_date is None:
            return None
        found = self.store.visit_on(self.patient_id, entry.visit_date)
        return str(found) if found else None

    def save(self, entry: VisitEntry, routine: Mapping[str, Any] | None = None) -> Any:
        """Log the visit; raises WorkbookError (or the store's error) and writes nothing then."""
        args = self._check(entry)
        visit_id = self.store.log_visit(
            self.patient_id,
            args.pop("visit_date"),
            args.pop("rom"),
            routine=dict(routine) if routine else None,
            **args,
        )
        log.info("visit %s saved for patient %s", visit_id, self.patient_id)
        return visit_id

    # correcting a saved visit ---------------------------------------------------------------
    def start_correction(self, visit_id: str) -> VisitEntry:
        """Load a saved visit to correct it; the entry to show in the form."""
        visit = self._saved_row(visit_id)
        self.editing = (visit_id, int(visit["version"]))
        return self.entry_of(visit)

    def cancel_correction(self) -> None:
        self.editing = None

    def _saved_row(self, visit_id: str) -> dict[str, Any]:
        rows = self.saved[self.saved["visit_id"] == visit_id] if len(self.saved) else self.saved
        if not len(rows):
            raise WorkbookError("visit", visit_id, "a saved visit of the open patient")
        return dict(rows.iloc[0])

    def entry_of(self, visit: Mapping[str, Any]) -> VisitEntry:
        """A saved visit as the form shows it (text as typed)."""
        readings = self.store.measurements(self.patient_id)
        readings = readings[readings["visit_id"] == visit["visit_id"]]
        rom = {(r["motion"], r["side"]): f"{r['degrees']:g}" for _, r in readings.iterrows()}
        positions = dict(zip(readings["motion"], readings["position"], strict=True))
        instrument = str(readings["instrument"].iloc[0]) if len(readings) else INSTRUMENTS[0]
        sections = visit.get("odi_sections")
        flags = visit.get("red_flags")
        psfs = visit.get("psfs")
        return VisitEntry(
            visit_date=pd.Timestamp(visit["visit_date"]).date(),
            rom=rom,
            positions=positions,
            instrument=instrument,
            pain=_text(visit.get("pain_nprs")),
            odi=[NOT_ANSWERED if v is None else v for v in sections] if sections else [],
            therapist=str(visit.get("therapist") or ""),
            notes=str(visit.get("notes") or ""),
            red_flags_mode=FLAGS_NOT_ASKED if flags is None else FLAGS_ASKED,
            red_flags=list(flags or []),
            psfs=[(a, _text(v)) for a, v in (psfs or {}).items()],
            days_done=_text(visit.get("days_done")),
            days_prescribed=_text(visit.get("days_prescribed")),
        )

    def save_correction(self, entry: VisitEntry, reason: str) -> int:
        """Write the entry as a new version of the visit being corrected; the new version.

        The store refuses (WorkbookError) when someone else changed the visit since it was
        loaded; the expected version is then moved to the one now stored, so a second save
        deliberately replaces it.
        """
        if self.editing is None:
            raise WorkbookError("visit", None, "a saved visit loaded for correction")
        visit_id, version = self.editing
        args = self._check(entry)
        try:
            new = self.store.amend_visit(visit_id, reason=reason, expected_version=version, **args)
        except WorkbookError:
            self._reload_version(visit_id)
            raise
        log.info("visit %s corrected to version %s", visit_id, new)
        self.editing = None
        return int(new)

    def void(self, reason: str) -> None:
        """Void the visit being corrected (kept in its history, left out everywhere else)."""
        if self.editing is None:
            raise WorkbookError("visit", None, "a saved visit loaded for correction")
        visit_id, version = self.editing
        try:
            self.store.void_visit(visit_id, reason=reason, expected_version=version)
        except WorkbookError:
            self._reload_version(visit_id)
            raise
        log.info("visit %s voided", visit_id)
        self.editing = None

    def _reload_version(self, visit_id: str) -> None:
        if self.patient_id is None:
            return
        self.saved = self.store.visits(self.patient_id)
        if len(self.saved) and (self.saved["visit_id"] == visit_id).any():
            self.editing = (visit_id, int(self._saved_row(visit_id)["version"]))


def in_words(exc: WorkbookError) -> str:
    """A refused value in the therapist's words: 'Hip flexion, left = 400° is not allowed...'."""
    field = str(exc.field)
    if field.startswith("psfs score for "):  # the activity as the patient named it
        return error_message("", exc.value, exc.allowed).replace(
            " = ", f"PSFS score for {field.removeprefix('psfs score for ')} = ", 1
        )
    return error_message(exc.field, exc.value, exc.allowed, exc.where)


def _number(text: str) -> object:
    try:
        return float(text)
    except ValueError:
        return text


def _text(value: object) -> str:
    """A stored number as the form shows it ('' when not recorded)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return f"{float(value):g}" if isinstance(value, int | float) else str(value)

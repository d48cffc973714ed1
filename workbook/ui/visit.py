"""The visit form: today's range of motion, pain, ODI, and the save.

:class:`VisitModel` checks each field with the package's own checks (``workbook.clinical.measures``) and
logs the visit in the store; it knows no widget. :class:`VisitForm` is the widget: a wrong value
is reported beside its field as the therapist types, Save is enabled only when the form is
valid, and a failed save keeps every field as typed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets

from ..clinical.measures import (
    INSTRUMENTS,
    MOTIONS,
    SIDES,
    check_degrees,
    check_odi_sections,
    check_pain,
    default_position,
    motion_label,
    odi_band,
    odi_index,
    score_rule,
)
from ..clinical.tables import load_data_table
from ..errors import WorkbookError
from .common import esc, field_message_html, log, message_html, show_error

__all__ = ["NOT_ANSWERED", "VisitEntry", "VisitForm", "VisitModel", "odi_choices", "rom_key"]

NOT_ANSWERED = ""


def _labels(name: str, key: str) -> list[tuple[str, str]]:
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
        index = odi_index(sections)
        return f"ODI {index:.0f} % ({odi_band(index)})"

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


class VisitForm(widgets.VBox):
    """Today's measurements for the open patient.

    Parameters
    ----------
    store : workbook.records.store.Store
        The clinic store.
    routine_provider : callable, optional
        Returns the current routine as a plain dict (``Routine.to_dict()``), saved with the visit.
    today : datetime.date, optional
        Fixed in tests.
    """

    def __init__(
        self,
        store: Any,
        routine_provider: Callable[[], Mapping[str, Any] | None] | None = None,
        *,
        today: dt.date | None = None,
    ) -> None:
        self.model = VisitModel(store, today=today)
        self.routine_provider = routine_provider
        self._quiet = False
        self._listeners: list[Callable[[Any], None]] = []

        self.patient_label = widgets.HTML(message_html("Open a patient first.", "info"))
        self.visit_date = widgets.DatePicker(
            description="Visit date", value=self.model.today, layout=widgets.Layout(width="260px")
        )
        self.visit_date_msg = widgets.HTML()
        self.instrument = widgets.Dropdown(
            options=_labels("instruments.csv", "instrument"),
            value=INSTRUMENTS[0],
            description="Instrument",
            layout=widgets.Layout(width="360px"),
        )
        self.therapist = widgets.Text(description="Therapist", placeholder="who measured")

        position_choices = _labels("positions.csv", "position")
        self._default_positions = {m: default_position(m) for m in MOTIONS}
        self.rom: dict[tuple[str, str], widgets.Text] = {}
        self.rom_msg: dict[tuple[str, str], widgets.HTML] = {}
        self.positions: dict[str, widgets.Dropdown] = {}
        cells: list[widgets.Widget] = [
            widgets.HTML("<b>Motion</b>"),
            *[widgets.HTML(f"<b>{esc(s.capitalize())} (\u00b0)</b>") for s in SIDES],
            widgets.HTML("<b>Position</b>"),
            widgets.HTML(""),
        ]
        for motion in MOTIONS:
            cells.append(widgets.Label(motion_label(motion)))
            messages = []
            for side in SIDES:
                box = widgets.Text(
                    placeholder="not measured",
                    continuous_update=True,
                    layout=widgets.Layout(width="110px"),
                )
                box.observe(self._rom_handler(motion, side), names="value")
                self.rom[(motion, side)] = box
                self.rom_msg[(motion, side)] = widgets.HTML()
                messages.append(self.rom_msg[(motion, side)])
                cells.append(box)
            self.positions[motion] = widgets.Dropdown(
                options=position_choices,
                value=self._default_positions[motion],
                layout=widgets.Layout(width="200px"),
            )
            cells.append(self.positions[motion])
            cells.append(widgets.VBox(messages))
        self.rom_grid = widgets.GridBox(
            cells,
            layout=widgets.Layout(
                grid_template_columns="170px 120px 120px 210px minmax(200px, 1fr)",
                grid_gap="2px 6px",
            ),
        )

        self.pain = widgets.Text(
            description="Pain (0-10)", placeholder="not asked", layout=widgets.Layout(width="220px")
        )
        self.pain_msg = widgets.HTML()
        self.pain.observe(self._on_pain, names="value")

        self.odi = [
            widgets.Dropdown(
                options=odi_choices(),
                value=NOT_ANSWERED,
                description=f"Section {n}",
                layout=widgets.Layout(width="210px"),
            )
            for n in range(1, score_rule("odi_section").sections + 1)
        ]
        for box in self.odi:
            box.observe(self._on_odi, names="value")
        self.odi_msg = widgets.HTML()
        # wraps to the width of the notebook: five a row on a wide screen, fewer on a narrow one
        odi_grid = widgets.GridBox(
            self.odi,
            layout=widgets.Layout(grid_template_columns="repeat(auto-fill, minmax(215px, 1fr))"),
        )

        self.notes = widgets.Textarea(
            description="Notes", layout=widgets.Layout(width="640px", height="70px")
        )
        self.with_routine = widgets.Checkbox(
            value=True, description="Save today's routine with this visit", indent=False
        )
        self.save_button = widgets.Button(
            description="Save visit", button_style="success", icon="save", disabled=True
        )
        self.save_hint = widgets.HTML()
        self.message = widgets.HTML()
        self.save_button.on_click(self._on_save)
        self.visit_date.observe(self._on_date, names="value")

        super().__init__(
            [
                widgets.HTML("<h3 style='margin:4px 0'>3. Visit</h3>"),
                self.patient_label,
                widgets.HBox([self.visit_date, self.visit_date_msg]),
                widgets.HBox([self.instrument, self.therapist]),
                widgets.HTML("<b>Range of motion</b> (leave empty what was not measured)"),
                self.rom_grid,
                widgets.HBox([self.pain, self.pain_msg]),
                widgets.HTML("<b>Oswestry Disability Index</b>: the score of each section (0-5)"),
                odi_grid,
                self.odi_msg,
                self.notes,
                self.with_routine,
                widgets.HBox([self.save_button, self.save_hint]),
                self.message,
            ]
        )
        self._update_save()

    # wiring for the app -------------------------------------------------------------------
    def on_saved(self, callback: Callable[[Any], None]) -> None:
        """Call ``callback(visit_id)`` after each successful save."""
        self._listeners.append(callback)

    def set_patient(self, patient_id: str | None, name: str = "") -> None:
        """Measure for this patient; the form keeps what was typed for nobody else."""
        if patient_id != self.model.patient_id and self.model.has_content(self.entry()):
            self.message.value = message_html(
                "The form still held values typed for the previous patient; they were cleared.",
                "warn",
            )
            self.clear()
        else:
            self.message.value = ""
        self.model.patient_id = patient_id
        self.model.patient_name = name
        self.patient_label.value = (
            message_html("Open a patient first.", "info")
            if patient_id is None
            else f"<div style='font-size:14px'>Visit for <b>{esc(name)}</b> "
            f"<span style='color:#555'>[{esc(patient_id)}]</span></div>"
        )
        self._update_save()

    # reading the form --------------------------------------------------------------------------
    def entry(self) -> VisitEntry:
        return VisitEntry(
            visit_date=self.visit_date.value,
            rom={key: box.value for key, box in self.rom.items()},
            positions={m: box.value for m, box in self.positions.items()},
            instrument=self.instrument.value,
            pain=self.pain.value,
            odi=[box.value for box in self.odi],
            therapist=self.therapist.value,
            notes=self.notes.value,
        )

    def problems(self) -> dict[str, str]:
        return self.model.problems(self.entry())

    def clear(self) -> None:
        """Empty the measurements after a save (date, therapist, instrument, positions stay)."""
        self._quiet = True  # one check at the end, not one per emptied field
        try:
            for box in self.rom.values():
                box.value = ""
            for box in self.rom_msg.values():
                box.value = ""
            self.pain.value = ""
            self.pain_msg.value = ""
            for box in self.odi:
                box.value = NOT_ANSWERED
            self.odi_msg.value = ""
            self.notes.value = ""
        finally:
            self._quiet = False
        self._update_save()

    # callbacks: read a field, ask the model, show its message ------------------------------------
    def _rom_handler(self, motion: str, side: str) -> Callable[[dict], None]:
        def handler(change: dict) -> None:
            if self._quiet:
                return
            message = self.model.check_rom(motion, side, change["new"])
            self.rom_msg[(motion, side)].value = field_message_html(message)
            self._update_save()

        return handler

    def _on_pain(self, change: dict) -> None:
        if self._quiet:
            return
        self.pain_msg.value = field_message_html(self.model.check_pain_text(change["new"]))
        self._update_save()

    def _on_odi(self, _change: dict) -> None:
        if self._quiet:
            return
        values = [box.value for box in self.odi]
        message = self.model.check_odi(values)
        if message:
            self.odi_msg.value = field_message_html(message)
        else:
            summary = self.model.odi_summary(values)
            self.odi_msg.value = f"<span style='color:#555'>{esc(summary)}</span>"
        self._update_save()

    def _on_date(self, change: dict) -> None:
        self.visit_date_msg.value = field_message_html(self.model.check_date(change["new"]))
        self._update_save()

    def _update_save(self) -> None:
        problems = self.problems()
        self.save_button.disabled = bool(problems)
        if not problems:
            self.save_hint.value = ""
            return
        count = len([k for k in problems if k not in ("patient", "empty")])
        if "patient" in problems:
            hint = problems["patient"]
        elif count:
            hint = f"Correct the {count} field{'s' if count > 1 else ''} marked \u26a0 to save."
        else:
            hint = problems.get("empty", "")
        self.save_hint.value = f"<span style='color:#555'>{esc(hint)}</span>"

    def _on_save(self, _button: widgets.Button | None = None) -> Any:
        """Save; on any failure show it and keep every field exactly as typed."""
        self.save_button.disabled = True  # no double save while the store works
        entry = self.entry()
        try:
            routine = (
                self.routine_provider()
                if self.routine_provider and self.with_routine.value
                else None
            )
            visit_id = self.model.save(entry, routine)
        except Exception as exc:
            show_error(self.message, exc, "Saving the visit")
            self._update_save()
            return None
        measured = sum(1 for t in entry.rom.values() if (t or "").strip())
        when = entry.visit_date.strftime("%d %b %Y") if entry.visit_date else ""
        self.message.value = message_html(
            f"Visit of {when} saved for {self.model.patient_name}: {measured} measurement"
            f"{'s' if measured != 1 else ''}"
            + (", pain" if entry.pain.strip() else "")
            + (", ODI" if self.model.odi_sections(entry.odi) else "")
            + (", routine" if self.with_routine.value and self.routine_provider else "")
            + ".",
            "ok",
        )
        self.clear()
        self._update_save()
        for callback in self._listeners:
            try:
                callback(visit_id)
            except Exception as exc:  # the visit is saved; say that the refresh failed
                show_error(self.message, exc, "Refreshing after the save")
        return visit_id

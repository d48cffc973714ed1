"""The visit form: today's range of motion, pain, ODI, and the save.

:class:`~workbook.ui.visit_model.VisitModel` checks each field and logs the visit; it knows no
widget. :class:`VisitForm` is the widget: a wrong value is reported beside its field as the
therapist types, Save is enabled only when the form is valid, and a failed save keeps every
field as typed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets

from ..clinical.display import count_label, format_date
from ..clinical.measures import (
    INSTRUMENTS,
    MOTIONS,
    SIDES,
    default_position,
    motion_label,
    score_rule,
)
from .common import esc, field_message_html, fixed_width, message_html
from .screen import Screen
from .visit_model import NOT_ANSWERED, VisitEntry, VisitModel, labelled_choices, odi_choices

__all__ = ["VisitForm"]

RoutineProvider = Callable[[], Mapping[str, Any] | None]

_ROM_COLUMNS = "170px 120px 120px 210px minmax(200px, 1fr)"
_NO_PATIENT = message_html("Open a patient first.", "info")


class VisitForm(Screen):
    """Today's measurements for the open patient: the visit tab of the app.

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
        routine_provider: RoutineProvider | None = None,
        *,
        today: dt.date | None = None,
    ) -> None:
        super().__init__()
        self.model = VisitModel(store, today=today)
        self.routine_provider = routine_provider
        self._quiet = False
        self._build()
        self._layout()
        self._wire()
        self._update_save()

    def _build(self) -> None:
        self._patient_label = widgets.HTML(_NO_PATIENT)
        self._visit_date = widgets.DatePicker(
            description="Visit date", value=self.model.today, layout=fixed_width("260px")
        )
        self._visit_date_msg = widgets.HTML()
        self._instrument = widgets.Dropdown(
            options=labelled_choices("instruments.csv", "instrument"),
            value=INSTRUMENTS[0],
            description="Instrument",
            layout=fixed_width("360px"),
        )
        self._therapist = widgets.Text(description="Therapist", placeholder="who measured")
        self._build_rom()
        self._pain = widgets.Text(
            description="Pain (0-10)", placeholder="not asked", layout=fixed_width("220px")
        )
        self._pain_msg = widgets.HTML()
        self._odi = [
            widgets.Dropdown(
                options=odi_choices(),
                value=NOT_ANSWERED,
                description=f"Section {n}",
                layout=fixed_width("210px"),
            )
            for n in range(1, score_rule("odi_section").sections + 1)
        ]
        self._odi_msg = widgets.HTML()
        self._notes = widgets.Textarea(
            description="Notes", layout=widgets.Layout(width="640px", height="70px")
        )
        self._with_routine = widgets.Checkbox(
            value=True, description="Save today's routine with this visit", indent=False
        )
        self._save_button = widgets.Button(
            description="Save visit", button_style="success", icon="save", disabled=True
        )
        self._save_hint = widgets.HTML()

    def _build_rom(self) -> None:
        """One text box a motion and side, one position a motion, one message a box."""
        self._rom: dict[tuple[str, str], widgets.Text] = {}
        self._rom_msg: dict[tuple[str, str], widgets.HTML] = {}
        self._positions: dict[str, widgets.Dropdown] = {}
        position_choices = labelled_choices("positions.csv", "position")
        for motion in MOTIONS:
            for side in SIDES:
                self._rom[(motion, side)] = widgets.Text(
                    placeholder="not measured", continuous_update=True, layout=fixed_width("110px")
                )
                self._rom_msg[(motion, side)] = widgets.HTML()
            self._positions[motion] = widgets.Dropdown(
                options=position_choices,
                value=default_position(motion),
                layout=fixed_width("200px"),
            )

    def _rom_grid(self) -> widgets.GridBox:
        cells: list[widgets.Widget] = [
            widgets.HTML("<b>Motion</b>"),
            *[widgets.HTML(f"<b>{esc(s.capitalize())} (\u00b0)</b>") for s in SIDES],
            widgets.HTML("<b>Position</b>"),
            widgets.HTML(""),
        ]
        for motion in MOTIONS:
            cells.append(widgets.Label(motion_label(motion)))
            cells.extend(self._rom[(motion, side)] for side in SIDES)
            cells.append(self._positions[motion])
            cells.append(widgets.VBox([self._rom_msg[(motion, side)] for side in SIDES]))
        layout = widgets.Layout(grid_template_columns=_ROM_COLUMNS, grid_gap="2px 6px")
        return widgets.GridBox(cells, layout=layout)

    def _layout(self) -> None:
        # wraps to the width of the notebook: five a row on a wide screen, fewer on a narrow one
        odi_grid = widgets.GridBox(
            self._odi,
            layout=widgets.Layout(grid_template_columns="repeat(auto-fill, minmax(215px, 1fr))"),
        )
        self.children = [
            widgets.HTML("<h3 style='margin:4px 0'>3. Visit</h3>"),
            self._patient_label,
            widgets.HBox([self._visit_date, self._visit_date_msg]),
            widgets.HBox([self._instrument, self._therapist]),
            widgets.HTML("<b>Range of motion</b> (leave empty what was not measured)"),
            self._rom_grid(),
            widgets.HBox([self._pain, self._pain_msg]),
            widgets.HTML("<b>Oswestry Disability Index</b>: the score of each section (0-5)"),
            odi_grid,
            self._odi_msg,
            self._notes,
            self._with_routine,
            widgets.HBox([self._save_button, self._save_hint]),
            self._message,
        ]

    def _wire(self) -> None:
        for (motion, side), box in self._rom.items():
            box.observe(self._rom_handler(motion, side), names="value")
        self._pain.observe(self._on_pain, names="value")
        for box in self._odi:
            box.observe(self._on_odi, names="value")
        self._visit_date.observe(self._on_date, names="value")
        self._save_button.on_click(self._on_save)

    # for the app and the notebooks --------------------------------------------------------------
    def on_saved(self, callback: Callable[[Any], None]) -> None:
        """Call ``callback(visit_id)`` after each successful save."""
        self.add_listener(callback)

    def set_patient(self, patient_id: str | None, name: str = "") -> None:
        """Measure for this patient; the form keeps what was typed for nobody else."""
        if patient_id != self.model.patient_id and self.model.has_content(self.entry()):
            self._message.value = message_html(
                "The form still held values typed for the previous patient; they were cleared.",
                "warn",
            )
            self.clear()
        else:
            self._message.value = ""
        self.model.patient_id = patient_id
        self.model.patient_name = name
        self._patient_label.value = (
            _NO_PATIENT
            if patient_id is None
            else f"<div style='font-size:14px'>Visit for <b>{esc(name)}</b> "
            f"<span style='color:#555'>[{esc(patient_id)}]</span></div>"
        )
        self._update_save()

    def entry(self) -> VisitEntry:
        """What the form holds now, as typed."""
        return VisitEntry(
            visit_date=self._visit_date.value,
            rom={key: box.value for key, box in self._rom.items()},
            positions={m: box.value for m, box in self._positions.items()},
            instrument=self._instrument.value,
            pain=self._pain.value,
            odi=[box.value for box in self._odi],
            therapist=self._therapist.value,
            notes=self._notes.value,
        )

    def fill(self, entry: VisitEntry) -> None:
        """Type an entry into the form, field by field, as the therapist would.

        Each field is checked as it is set; a field the entry leaves out (a motion not in
        ``entry.rom``, ``visit_date`` None, an empty ``odi``) keeps what the form holds.
        """
        if entry.visit_date is not None:
            self._visit_date.value = entry.visit_date
        for key, text in entry.rom.items():
            self._rom[key].value = text
        for motion, position in entry.positions.items():
            self._positions[motion].value = position
        self._instrument.value = entry.instrument
        self._pain.value = entry.pain
        for box, value in zip(self._odi, entry.odi, strict=False):
            box.value = value
        self._therapist.value = entry.therapist
        self._notes.value = entry.notes

    def problems(self) -> dict[str, str]:
        """Every field's message, keyed by field; empty when the form can be saved."""
        return self.model.problems(self.entry())

    def save(self) -> Any:
        """Save the visit as the Save button does; the visit id, or None when it failed."""
        return self._on_save()

    def clear(self) -> None:
        """Empty the measurements after a save (date, therapist, instrument, positions stay)."""
        self._quiet = True  # one check at the end, not one per emptied field
        try:
            for box in [*self._rom.values(), self._pain, self._notes]:
                box.value = ""
            for box in self._odi:
                box.value = NOT_ANSWERED
            for message in [*self._rom_msg.values(), self._pain_msg, self._odi_msg]:
                message.value = ""
        finally:
            self._quiet = False
        self._update_save()

    # callbacks: read a field, ask the model, show its message ------------------------------------
    def _rom_handler(self, motion: str, side: str) -> Callable[[dict], None]:
        def handler(change: dict) -> None:
            if self._quiet:
                return
            message = self.model.check_rom(motion, side, change["new"])
            self._rom_msg[(motion, side)].value = field_message_html(message)
            self._update_save()

        return handler

    def _on_pain(self, change: dict) -> None:
        if self._quiet:
            return
        self._pain_msg.value = field_message_html(self.model.check_pain_text(change["new"]))
        self._update_save()

    def _on_odi(self, _change: dict) -> None:
        if self._quiet:
            return
        values = [box.value for box in self._odi]
        message = self.model.check_odi(values)
        if message:
            self._odi_msg.value = field_message_html(message)
        else:
            summary = self.model.odi_summary(values)
            self._odi_msg.value = f"<span style='color:#555'>{esc(summary)}</span>"
        self._update_save()

    def _on_date(self, change: dict) -> None:
        self._visit_date_msg.value = field_message_html(self.model.check_date(change["new"]))
        self._update_save()

    def _update_save(self) -> None:
        problems = self.problems()
        self._save_button.disabled = bool(problems)
        if not problems:
            self._save_hint.value = ""
            return
        count = len([k for k in problems if k not in ("patient", "empty")])
        if "patient" in problems:
            hint = problems["patient"]
        elif count:
            hint = f"Correct the {count_label(count, 'field')} marked \u26a0 to save."
        else:
            hint = problems.get("empty", "")
        self._save_hint.value = f"<span style='color:#555'>{esc(hint)}</span>"

    def _on_save(self, _button: widgets.Button | None = None) -> Any:
        """Save; on any failure show it and keep every field exactly as typed."""
        self._save_button.disabled = True  # no double save while the store works
        entry = self.entry()
        with_routine = bool(self.routine_provider and self._with_routine.value)
        try:
            routine = self.routine_provider() if self.routine_provider and with_routine else None
            visit_id = self.model.save(entry, routine)
        except Exception as exc:
            self._show_error(exc, "Saving the visit")
            self._update_save()
            return None
        self._message.value = message_html(_saved_text(self.model, entry, with_routine), "ok")
        self.clear()
        self._notify(visit_id, action="Refreshing after the save")  # the visit is saved
        return visit_id


def _saved_text(model: VisitModel, entry: VisitEntry, with_routine: bool) -> str:
    """'Visit of 01 Mar 2025 saved for Ann: 3 measurements, pain, ODI, routine.'"""
    measured = sum(1 for t in entry.rom.values() if (t or "").strip())
    parts = [count_label(measured, "measurement")]
    if entry.pain.strip():
        parts.append("pain")
    if model.odi_sections(entry.odi):
        parts.append("ODI")
    if with_routine:
        parts.append("routine")
    when = format_date(entry.visit_date, missing="")
    return f"Visit of {when} saved for {model.patient_name}: {', '.join(parts)}."

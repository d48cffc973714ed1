"""The visit form: today's range of motion, pain, ODI, PSFS, adherence, red flags, and the save.

:class:`~workbook.ui.visit_model.VisitModel` checks each field and logs (or corrects) the visit;
it knows no widget. :class:`VisitForm` is the widget, in two columns to fit a 1366 x 768 laptop
(range of motion left; pain, ODI, activities and adherence right): a wrong value is reported in
words beside its field as the therapist types, Save is enabled only when the form is valid, a
failed save keeps every field as typed, and a saved visit can be corrected or voided with a
reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets

from ..clinical.display import count_label, format_date
from ..clinical.measures import INSTRUMENTS, MOTIONS, SIDES, default_position, motion_label
from ..records.identity import current_user
from .common import date_beside_html, esc, field_message_html, fixed_width, full_width, message_html
from .screen import Screen
from .visit_correct import CorrectionPanel, CorrectionsMixin, SameDayPrompt
from .visit_model import FLAGS_NOT_ASKED, NOT_ANSWERED, VisitEntry, VisitModel, labelled_choices
from .visit_sections import AdherenceSection, OdiGrid, PsfsSection, RedFlagSection

__all__ = ["VisitForm"]

RoutineProvider = Callable[[], Mapping[str, Any] | None]

_ROM_COLUMNS = "140px 100px 100px minmax(170px, 1fr)"
_NO_PATIENT = message_html("Open a patient first.", "info")


class VisitForm(Screen, CorrectionsMixin):
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
            description="Visit date", value=self.model.today, layout=fixed_width("250px")
        )
        self._visit_date_msg = widgets.HTML(date_beside_html(self.model.today))
        self._instrument = widgets.Dropdown(
            options=labelled_choices("instruments.csv", "instrument"),
            value=INSTRUMENTS[0],
            description="Instrument",
            layout=fixed_width("330px"),
        )
        self._therapist = widgets.Text(
            description="Therapist", placeholder="who measured", layout=fixed_width("330px")
        )
        self._lock_therapist()
        self._build_rom()
        self._pain = widgets.Text(
            description="Pain (0-10)", placeholder="not asked", layout=fixed_width("200px")
        )
        self._pain_msg = widgets.HTML()
        self._odi_grid = OdiGrid(self._on_odi)
        self._odi = self._odi_grid.boxes
        self._odi_msg = widgets.HTML()
        self._psfs = PsfsSection(self._on_psfs)
        self._adherence = AdherenceSection(self._on_adherence)
        self._red_flags = RedFlagSection(self._update_save)
        self._notes = widgets.Textarea(placeholder="Notes", layout=full_width(height="48px"))
        self._with_routine = widgets.Checkbox(
            value=True, description="Save today's routine with this visit", indent=False
        )
        self._save_button = widgets.Button(
            description="Save visit", button_style="success", icon="save", disabled=True
        )
        self._save_hint = widgets.HTML()
        self._same_day = SameDayPrompt()
        self._correction = CorrectionPanel()

    def _lock_therapist(self) -> None:
        """Inside a hub the therapist is the logged-in user: filled in and locked."""
        user = current_user()
        if user:
            self._therapist.value = user
            self._therapist.disabled = True
            self._therapist.tooltip = "the logged-in user"

    def _build_rom(self) -> None:
        """One text box a motion and side, one position a motion, one message a box."""
        self._rom: dict[tuple[str, str], widgets.Text] = {}
        self._rom_msg: dict[tuple[str, str], widgets.HTML] = {}
        self._positions: dict[str, widgets.Dropdown] = {}
        position_choices = labelled_choices("positions.csv", "position")
        for motion in MOTIONS:
            for side in SIDES:
                self._rom[(motion, side)] = widgets.Text(
                    placeholder="not measured", continuous_update=True, layout=full_width()
                )
                # an empty message takes no room: shown only when it says something
                self._rom_msg[(motion, side)] = widgets.HTML(layout=widgets.Layout(display="none"))
            self._positions[motion] = widgets.Dropdown(
                options=position_choices,
                value=default_position(motion),
                layout=full_width(),
            )

    def _rom_grid(self) -> widgets.Widget:
        cells: list[widgets.Widget] = [
            widgets.HTML("<b>Motion</b>"),
            *[widgets.HTML(f"<b>{esc(s.capitalize())} (\u00b0)</b>") for s in SIDES],
            widgets.HTML("<b>Position</b>"),
        ]
        for motion in MOTIONS:
            cells.append(widgets.Label(motion_label(motion)))
            cells.extend(self._rom[(motion, side)] for side in SIDES)
            cells.append(self._positions[motion])
        layout = widgets.Layout(grid_template_columns=_ROM_COLUMNS, grid_gap="2px 6px")
        messages = widgets.VBox(list(self._rom_msg.values()))
        return widgets.VBox([widgets.GridBox(cells, layout=layout), messages])

    def _layout(self) -> None:
        left = widgets.VBox(
            [
                widgets.HBox([self._visit_date, self._visit_date_msg]),
                self._instrument,
                self._therapist,
                widgets.HTML("<b>Range of motion</b> (leave empty what was not measured)"),
                self._rom_grid(),
                self._notes,
            ],
            layout=widgets.Layout(width="550px", min_width="500px", margin="0 16px 0 0"),
        )
        right = widgets.VBox(
            [
                widgets.HBox([self._pain, self._pain_msg]),
                widgets.HTML("<b>Oswestry Disability Index</b>: each section 0-5"),
                self._odi_grid,
                self._odi_msg,
                self._psfs,
                self._adherence,
                self._red_flags,
            ],
            layout=widgets.Layout(flex="1 1 560px", min_width="520px"),
        )
        self._columns = widgets.HBox([left, right], layout=widgets.Layout(flex_flow="row wrap"))
        # the save sits at the top, with the patient's name: always in view at 1366 x 768
        self.children = [
            widgets.HBox(
                [self._patient_label, self._save_button, self._with_routine, self._save_hint],
                layout=widgets.Layout(align_items="center", flex_flow="row wrap"),
            ),
            self._same_day,
            self._message,
            self._columns,
            self._correction,
        ]

    def _wire(self) -> None:
        for (motion, side), box in self._rom.items():
            box.observe(self._rom_handler(motion, side), names="value")
        self._pain.observe(self._on_pain, names="value")
        self._visit_date.observe(self._on_date, names="value")
        self._save_button.on_click(self._on_save)
        self._same_day.add.on_click(self._on_add_another)
        self._same_day.correct.on_click(self._on_correct_today)
        self._correction.load.on_click(self._on_load_visit)
        self._correction.void.on_click(self._on_void)
        self._correction.cancel.on_click(self._on_cancel_correction)
        self._correction.reason.observe(lambda _change: self._update_save(), names="value")

    # for the app and the notebooks --------------------------------------------------------------
    def on_saved(self, callback: Callable[[Any], None]) -> None:
        """Call ``callback(visit_id)`` after each save, correction or void."""
        self.add_listener(callback)

    def set_patient(self, patient_id: str | None, name: str = "") -> None:
        """Measure for this patient; the form keeps nothing typed for anybody else."""
        changed = patient_id != self.model.patient_id
        if changed and self.has_unsaved():  # the app resets first; used alone, the form does
            self._reset()
            self._message.value = message_html(
                "The form still held values typed for the previous patient; they were cleared.",
                "warn",
            )
        elif changed:
            self._reset()
        self._open(patient_id, name)

    def _open(self, patient_id: str | None, name: str) -> None:
        self.model.load_patient(patient_id, name)
        self._patient_label.value = (
            _NO_PATIENT
            if patient_id is None
            else f"<div style='font-size:14px;margin-right:12px'>Visit for <b>{esc(name)}</b> "
            f"<span style='color:#555'>[{esc(patient_id)}]</span></div>"
        )
        self._refresh_saved()
        self._update_save()

    def _refresh_saved(self) -> None:
        """After a patient is opened or a visit saved: re-check mode, PSFS names, saved list."""
        self._red_flags.set_first_visit(self.model.previous_red_flags() is None)
        if not any(s.strip() for _, s in self._psfs.rows()):
            self._psfs.carry_over(self.model.previous_psfs_names())
        self._correction.set_visits(self.model.visit_choices())
        self._correction.show_editing(None)
        self._save_button.description = "Save visit"

    def has_unsaved(self) -> bool:
        """True when the form holds values typed and not saved."""
        entry = self.entry()
        return (
            self.model.editing is not None
            or self.model.has_content(entry)
            or bool(entry.notes.strip())
        )

    def reset_for_patient(self) -> None:
        """Clear every field (the app calls it when the patient changes)."""
        self._reset()

    def _reset(self) -> None:
        self.model.cancel_correction()
        self.clear()
        self._visit_date.value = self.model.today
        self._instrument.value = INSTRUMENTS[0]
        self._with_routine.value = True
        for motion, box in self._positions.items():
            box.value = default_position(motion)
        if not self._therapist.disabled:  # a locked therapist is the logged-in user
            self._therapist.value = ""
        self._psfs.set_rows([])
        self._correction.show_editing(None)
        self._save_button.description = "Save visit"
        self._same_day.hide()
        self._message.value = ""
        self._update_save()

    def entry(self) -> VisitEntry:
        """What the form holds now, as typed."""
        mode, flags = self._red_flags.answers()
        done, prescribed = self._adherence.texts()
        return VisitEntry(
            visit_date=self._visit_date.value,
            rom={key: box.value for key, box in self._rom.items()},
            positions={m: box.value for m, box in self._positions.items()},
            instrument=self._instrument.value,
            pain=self._pain.value,
            odi=[box.value for box in self._odi],
            therapist=self._therapist.value,
            notes=self._notes.value,
            red_flags_mode=mode,
            red_flags=flags,
            psfs=self._psfs.rows(),
            days_done=done,
            days_prescribed=prescribed,
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
        if not self._therapist.disabled:
            self._therapist.value = entry.therapist
        self._notes.value = entry.notes
        if entry.red_flags_mode != FLAGS_NOT_ASKED or entry.red_flags:
            self._red_flags.set_answers(entry.red_flags_mode, entry.red_flags)
        if entry.psfs:
            self._psfs.set_rows(entry.psfs)
        if entry.days_done or entry.days_prescribed:
            self._adherence.set_texts(entry.days_done, entry.days_prescribed)

    def problems(self) -> dict[str, str]:
        """Every field's message, keyed by field; empty when the form can be saved."""
        found = self.model.problems(self.entry())
        if self.model.editing is not None and not self._correction.reason.value.strip():
            found["reason"] = "Type the reason for the correction."
        return found

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
            self._psfs.carry_over([name for name, _ in self._psfs.rows() if name.strip()])
            self._adherence.set_texts("", "")
            self._red_flags.clear()
            for message in [*self._rom_msg.values(), self._pain_msg, self._odi_msg]:
                message.value = ""
            self._psfs.message.value = self._adherence.message.value = ""
            for message in self._rom_msg.values():
                message.layout.display = "none"
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
            self._rom_msg[(motion, side)].layout.display = None if message else "none"
            self._update_save()

        return handler

    def _on_pain(self, change: dict) -> None:
        if self._quiet:
            return
        self._pain_msg.value = field_message_html(self.model.check_pain_text(change["new"]))
        self._update_save()

    def _on_odi(self) -> None:
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

    def _on_psfs(self) -> None:
        if self._quiet:
            return
        self._psfs.message.value = field_message_html(self.model.check_psfs_rows(self._psfs.rows()))
        self._update_save()

    def _on_adherence(self) -> None:
        if self._quiet:
            return
        message = self.model.check_adherence_text(*self._adherence.texts())
        self._adherence.message.value = field_message_html(message)
        self._update_save()

    def _on_date(self, change: dict) -> None:
        message = self.model.check_date(change["new"])
        # the picker shows the browser's format; beside it, the date as the screens write it
        self._visit_date_msg.value = (
            field_message_html(message) if message else date_beside_html(change["new"])
        )
        self._same_day.hide()
        self._update_save()

    def _update_save(self) -> None:
        if self._quiet:
            return
        problems = self.problems()
        self._save_button.disabled = bool(problems)
        if not problems:
            self._save_hint.value = ""
            return
        count = len([k for k in problems if k not in ("patient", "empty", "reason")])
        if "patient" in problems:
            hint = problems["patient"]
        elif count:
            hint = f"Correct the {count_label(count, 'field')} marked \u26a0 to save."
        else:
            hint = problems.get("reason") or problems.get("empty", "")
        self._save_hint.value = f"<span style='color:#555'>{esc(hint)}</span>"

    def _on_save(self, _button: widgets.Button | None = None, *, same_day_ok: bool = False) -> Any:
        """Save; on any failure show it and keep every field exactly as typed."""
        if self.model.editing is not None:
            return self._save_correction()
        self._save_button.disabled = True  # no double save while the store works
        entry = self.entry()
        with_routine = bool(self.routine_provider and self._with_routine.value)
        try:
            same_day = None if same_day_ok else self.model.same_day_visit(entry)
            if same_day is not None:
                self._same_day.ask(same_day, format_date(entry.visit_date))
                self._update_save()
                return None
            routine = self.routine_provider() if self.routine_provider and with_routine else None
            visit_id = self.model.save(entry, routine)
        except Exception as exc:
            self._show_error(exc, "Saving the visit")
            self._update_save()
            return None
        self._message.value = message_html(_saved_text(self.model, entry, with_routine), "ok")
        self._after_write(visit_id)
        return visit_id

    def _after_write(self, visit_id: str) -> None:
        self._same_day.hide()
        self.clear()
        self.model.load_patient(self.model.patient_id, self.model.patient_name)
        self._refresh_saved()
        self._update_save()
        self._notify(visit_id, action="Refreshing after the save")  # the visit is saved


def _saved_text(model: VisitModel, entry: VisitEntry, with_routine: bool) -> str:
    """'Visit of 01 Mar 2025 saved for Ann: 3 measurements, pain, ODI, routine.'"""
    measured = sum(1 for t in entry.rom.values() if (t or "").strip())
    parts = [count_label(measured, "measurement")]
    if entry.pain.strip():
        parts.append("pain")
    if model.odi_sections(entry.odi):
        parts.append("ODI")
    if any(score.strip() for _, score in entry.psfs):
        parts.append("PSFS")
    if entry.days_done.strip():
        parts.append("adherence")
    if model.red_flags_value(entry) is not None:
        parts.append("red flags")
    if with_routine:
        parts.append("routine")
    when = format_date(entry.visit_date, missing="")
    return f"Visit of {when} saved for {model.patient_name}: {', '.join(parts)}."

"""The routine screen: the generated routine, the therapist's adjustments, the handout.

:class:`~workbook.ui.routine_model.RoutineModel` holds the routine and calls the package;
:class:`RoutineScreen` shows it. Which stretch suits which patient is decided by the package,
never here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import pandas as pd

from ..clinical.display import dose_short, is_blank, movement_label
from ..errors import WorkbookError
from .common import (
    download_link_html,
    esc,
    field_message_html,
    html_table,
    lines_html,
    log,
    message_html,
    safe_call,
)
from .routine_model import DOSAGE_FIELDS, History, RoutineModel
from .screen import Screen

__all__ = ["RoutineScreen", "excluded_table_html", "referral_html", "routine_table_html"]

SavedRoutine = dict[str, Any] | Callable[[], dict[str, Any] | None] | None


def _cautions_html(text: object) -> str:
    body = lines_html(text)
    if not body:
        return ""
    return (
        '<div class="wb-caution" style="background:#fff4d6;border-left:4px solid #e0a100;'
        f'padding:3px 6px;color:#4a3500"><b>\u26a0 Caution</b><br>{body}</div>'
    )


def _warning_html(text: object, kind: str = "dose") -> str:
    if is_blank(text) or not str(text).strip():
        return ""
    return (
        f'<div class="wb-{kind}-warning" style="color:#7a1f1f;background:#fdecea;'
        f'padding:2px 6px;margin-top:2px">\u26a0 {esc(text)}</div>'
    )


def referral_html(referral: str) -> str:
    """A red-flag referral, prominent: no stretches today, what to do instead."""
    if not referral:
        return ""
    return (
        '<div class="wb-referral" style="border:2px solid #c62828;background:#fdecea;'
        'color:#7a1f1f;padding:8px 12px;margin:4px 0;font-size:14px;line-height:1.45">'
        f"<b>\u26d4 Refer, do not stretch.</b><br>{lines_html(referral)}</div>"
    )


def _notes_html(notes: tuple[str, ...] | list[str]) -> str:
    """The routine's notes for the therapist (hip replacement: the surgeon's restrictions)."""
    items = [n for n in notes or () if str(n).strip()]
    if not items:
        return ""
    body = "<br>".join(esc(n) for n in items)
    return (
        '<div class="wb-therapist-notes" style="background:#e8f0fb;border-left:4px solid #1565c0;'
        f'padding:4px 8px;margin:2px 0;color:#1f3a5f"><b>For you:</b> {body}</div>'
    )


def _position_labels() -> dict[str, str]:
    from ..clinical.stretches import stretch_positions_table

    table = stretch_positions_table()
    return dict(zip(table["position"], table["label"], strict=True))


def _stretch_html(row: pd.Series, positions: dict[str, str]) -> str:
    """The stretch's name, intensity, position, equipment and steps."""
    if is_blank(row.get("stretch_id")):
        return "<i>No safe stretch in the table</i>"
    details = [esc(row.get("intensity", ""))]
    if not is_blank(row.get("position")):
        details.append(esc(positions.get(row["position"], row["position"])))
    if not is_blank(row.get("equipment")):
        details.append(f"needs: {esc(row['equipment'])}")
    stretch = (
        f"<b>{esc(row['name'])}</b><br><span style='color:#555'>{' &middot; '.join(details)}</span>"
    )
    if not is_blank(row.get("equipment_flag")) and row.get("equipment_flag"):
        stretch += _warning_html(f"Check: {row['equipment_flag']}", "equipment")
    if not is_blank(row.get("cues")):
        stretch += f"<details><summary>Steps</summary>{lines_html(row['cues'])}</details>"
    return stretch


def _dose(row: pd.Series) -> str:
    return dose_short(
        row.get("hold_s"), row.get("reps"), row.get("per_week"), bool(row.get("per_side", False))
    )


def routine_table_html(table: pd.DataFrame) -> str:
    """The routine as a readable table: cautions stand out, patient-facing text escaped."""
    if table is None or not len(table):
        return message_html("No routine yet: open a patient first.", "info")
    positions = _position_labels()
    rows = []
    for _, row in table.iterrows():
        why = esc(row.get("reason", ""))
        mind = lines_html(row.get("cautions_therapist"))
        if mind:
            why += f"<div class='wb-mind' style='color:#5d4200'><b>Mind:</b> {mind}</div>"
        if row.get("chosen_by", "") == "therapist":
            why += "<br><span style='color:#1565c0'>\u270e changed by the therapist</span>"
        stop = ""
        if not is_blank(row.get("stop_if")):
            stop = f"<div><b>Stop if:</b> {esc(row['stop_if'])}</div>"
        rows.append(
            [
                f"<b>{esc(row.get('movement_label', row['movement']))}</b>",
                _stretch_html(row, positions),
                esc(_dose(row)) + _warning_html(row.get("dose_warning")),
                why,
                _cautions_html(row.get("cautions_patient")) + stop,
            ]
        )
    return html_table(
        rows,
        ["Movement", "Stretch", "Dose", "Why this one (for you)", "Cautions (on the handout)"],
        escape=False,
    )


def excluded_table_html(excluded: pd.DataFrame | None, labels: dict[str, str] | None = None) -> str:
    """What was left out for this patient, and why; movements in words (``labels``: the
    routine's ``movement`` -> ``movement_label``)."""
    if excluded is None or not len(excluded):
        return message_html("Nothing was left out for this patient.", "info")
    labels = labels or {}
    rows = [
        [
            str(r.get("name", r.get("stretch_id", ""))),
            labels.get(str(r.get("movement", ""))) or movement_label(r.get("movement", "")),
            str(r["reason"]),
        ]
        for _, r in excluded.iterrows()
    ]
    return html_table(rows, ["Stretch", "Movement", "Why it was left out"])


class _MovementRow(widgets.VBox):
    """The swap and dosage inputs for one movement, and its message."""

    def __init__(self, movement: str, label: str) -> None:
        super().__init__()
        self.movement = movement
        self.stretch = widgets.Dropdown(layout=widgets.Layout(width="330px"))
        self.dosage = {
            field: widgets.Text(
                description=text,
                style={"description_width": "initial"},
                layout=widgets.Layout(width="140px" if field == "per_week" else "110px"),
                continuous_update=False,
            )
            for field, text in DOSAGE_FIELDS
        }
        self.message = widgets.HTML()
        self.note = widgets.HTML()  # why the swap list has one option
        title = widgets.HTML(
            f"<div style='line-height:1.3'><b>{esc(label)}</b></div>",
            layout=widgets.Layout(width="160px"),
        )
        self.children = [
            widgets.HBox([title, self.stretch, *self.dosage.values()]),
            self.note,
            self.message,
        ]


class RoutineScreen(Screen):
    """The routine for the open patient, with swaps, dosage and the handout.

    Call :meth:`show_patient` when a patient is opened; :meth:`to_dict` gives what the visit
    screen saves with the visit; :meth:`on_change` tells of every change to the routine.
    """

    def __init__(self, *, active: bool = True) -> None:
        super().__init__(active=active)
        self.model = RoutineModel()
        self._pending: tuple[Any, str | None, SavedRoutine] | None = None
        self._history: History = None
        self._profile: Any = None
        self._rows: dict[str, _MovementRow] = {}
        # One row of inputs per movement for the app's life: rebuilding them for every patient
        # left ipywidgets' registry holding the old ones (0.3 MB a patient viewed).
        self._row_cache: dict[str, _MovementRow] = {}
        self._syncing = False
        self._build()
        self._layout()
        self._wire()

    def _build(self) -> None:
        self._for_therapist = widgets.HTML()  # referral and notes on the whole routine
        self._table = widgets.HTML(routine_table_html(pd.DataFrame()))
        self._adjust = widgets.VBox()
        self._excluded = widgets.HTML()
        self._left_out = widgets.Accordion(
            children=[self._excluded], titles=("Left out, and why",), selected_index=None
        )
        self._regenerate_button = widgets.Button(
            description="Start again from the profile",
            icon="refresh",
            disabled=True,
            layout=widgets.Layout(width="260px"),
        )
        self._handout_name = widgets.Checkbox(
            value=True, description="Put the patient's name on the handout", indent=False
        )
        self._handout_note = widgets.Textarea(
            placeholder="A note for the patient (optional)",
            layout=widgets.Layout(width="620px", height="36px"),
            continuous_update=False,
        )
        self._handout_why = widgets.HTML()  # why there is no handout (a referral)
        self._handout_button = widgets.Button(
            description="Make the PDF too",
            icon="file",
            button_style="info",
            disabled=True,
            layout=widgets.Layout(width="200px"),
        )
        self._handout_links = widgets.HTML()

    def _layout(self) -> None:
        # the handout next to the routine it prints, at the top: one click, no scrolling
        self._handout_box = widgets.VBox(
            [
                widgets.HBox(
                    [
                        widgets.HTML("<b>Handout for the patient:</b>"),
                        self._handout_links,
                        self._handout_button,
                        self._handout_name,
                    ],
                    layout=widgets.Layout(align_items="center", flex_flow="row wrap"),
                ),
                self._handout_note,
                self._handout_why,
            ]
        )
        self.children = [
            widgets.HTML("<h3 style='margin:4px 0'>2. Routine</h3>"),
            self._message,
            self._for_therapist,
            self._handout_box,
            self._table,
            widgets.HTML("<b>Adjust the routine</b> (swap a stretch, change the dose)"),
            self._adjust,
            self._regenerate_button,
            self._left_out,
        ]

    def _wire(self) -> None:
        self._regenerate_button.on_click(
            safe_call(self._message, "Making the routine")(self._on_regenerate)
        )
        self._handout_button.on_click(
            safe_call(self._handout_links, "Making the handout")(self._on_handout)
        )
        self._handout_note.observe(self._on_handout_words, names="value")
        self._handout_name.observe(self._on_handout_words, names="value")

    # for the app ------------------------------------------------------------------------------
    def on_change(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` after every change to the routine."""
        self.add_listener(callback)

    def to_dict(self) -> dict[str, Any] | None:
        """The current routine as saved with the visit (made first if still pending)."""
        self.ensure()
        return self.model.to_dict()

    def show_patient(
        self,
        profile: Any,
        patient_name: str | None = None,
        saved: SavedRoutine = None,
        history: History = None,
    ) -> None:
        """Make (or restore) the routine for a patient: now when on screen, else when needed.

        ``saved`` is the routine saved with the last visit, or a function returning it (read
        only when the routine is made). ``history`` returns the patient's measurements and
        visits, which a freshly made routine follows (side focus, progression, regression).
        """
        self._pending = (profile, patient_name, saved)
        self._history = history
        self.model.routine = None  # never keep the previous patient's routine
        self._handout_links.value = ""
        self.mark_stale()

    def reset_for_patient(self) -> None:
        """Forget the previous patient's routine, note and handout: nothing carries over."""
        self._pending = None
        self._profile = None
        self.model.routine = None
        self._syncing = True
        try:
            self._handout_note.value = ""
            self._handout_name.value = True
        finally:
            self._syncing = False
        self._handout_links.value = ""
        self._handout_why.value = ""
        self._for_therapist.value = ""
        self._rows = {}
        self._adjust.children = []
        self._table.value = routine_table_html(pd.DataFrame())
        self._excluded.value = ""

    def _hide_stale(self) -> None:
        self._message.value = message_html("Updating\u2026", "info")

    def _redraw(self) -> None:
        """Make the routine for the patient shown last."""
        if self._pending is None:
            return
        profile, patient_name, saved = self._pending
        self._pending = None
        self._profile = profile
        try:
            self._make(profile, patient_name, saved() if callable(saved) else saved)
        except Exception as exc:
            self._show_error(exc, "Making the routine")
            return
        self._message.value = message_html(f"Routine {self.model.source}.", "info")
        self._regenerate_button.disabled = False
        referral = getattr(self.model.routine, "referral", "")
        self._handout_button.disabled = bool(referral)
        self._handout_why.value = (
            message_html(
                "No handout: a red flag stands, so there are no stretches to give.", "warn"
            )
            if referral
            else ""
        )
        self._for_therapist.value = referral_html(referral) + _notes_html(
            getattr(self.model.routine, "therapist_notes", ())
        )
        self._build_rows()
        self._render()

    def _make(self, profile: Any, patient_name: str | None, saved: dict | None) -> None:
        if saved:
            try:
                self.model.restore(saved, patient_name)
                return
            except Exception as exc:  # an old saved routine no longer loads: start fresh
                log.warning("saved routine not restored: %s", exc)
        self.model.generate(profile, patient_name, self._history)

    def _row_for(self, movement: str, label: str) -> _MovementRow:
        """The movement's inputs, made (and wired) the first time they are needed."""
        if movement not in self._row_cache:
            inputs = _MovementRow(movement, label)
            inputs.stretch.observe(self._stretch_handler(movement), names="value")
            for field, box in inputs.dosage.items():
                box.observe(self._dosage_handler(movement, field), names="value")
            self._row_cache[movement] = inputs
        return self._row_cache[movement]

    def _build_rows(self) -> None:
        self._rows = {}
        for _, row in self.model.table.iterrows():
            movement = str(row["movement"])
            label = str(row.get("movement_label", movement))
            self._rows[movement] = self._row_for(movement, label)
        self._adjust.children = list(self._rows.values())
        self._sync_inputs()

    def _sync_inputs(self) -> None:
        """Show the routine's current values in the inputs without firing the handlers."""
        self._syncing = True
        try:
            for movement, inputs in self._rows.items():
                row = self.model.row(movement)
                choices = self.model.stretch_choices(movement)
                inputs.stretch.options = choices or [("No safe stretch", "")]
                inputs.stretch.value = choices[0][1] if choices else ""
                inputs.stretch.disabled = len(choices) < 2
                inputs.message.value = ""  # nothing said about the previous patient's values
                why = self.model.why_no_other(movement) if len(choices) == 1 else ""
                inputs.note.value = (
                    f"<div class='wb-why-one' style='color:#555;font-size:12px;line-height:1.35'>"
                    f"{esc(why)}</div>"
                    if why
                    else ""
                )
                for field, box in inputs.dosage.items():
                    value = row.get(field)
                    box.value = "" if value is None or is_blank(value) else str(int(value))
                    box.disabled = not choices
        finally:
            self._syncing = False

    def _render(self) -> None:
        table = self.model.table
        if len(table):
            table = table.assign(
                equipment_flag=[self.model.equipment_flag(m) for m in table["movement"]]
            )
        self._table.value = routine_table_html(table)
        labels = (
            dict(zip(table["movement"], table["movement_label"], strict=True)) if len(table) else {}
        )
        self._excluded.value = excluded_table_html(
            getattr(self.model.routine, "excluded", None), labels
        )
        self._html_link()
        self._notify(action="Telling the other screens of the change")

    def _html_link(self) -> None:
        """The handout (web page) ready to download: one click, made as the routine changes."""
        if self.model.routine is None or self.model.routine.referral:
            self._handout_links.value = ""
            return
        try:
            data = self.model.make_handout(
                ".html", with_name=self._handout_name.value, note=self._handout_note.value
            )
        except Exception as exc:
            self._show_error(exc, "Making the handout", self._handout_links)
            return
        self._handout_links.value = download_link_html(
            data, self.model.handout_name(".html"), "Handout (web page, prints well)"
        )

    def _on_handout_words(self, _change: dict) -> None:
        if not self._syncing:
            self._html_link()

    # callbacks: read an input, ask the model, show the result ------------------------------------
    def _on_regenerate(self, _button: widgets.Button) -> None:
        self.show_patient(self._profile, self.model.patient_name, history=self._history)
        self.ensure()

    def _stretch_handler(self, movement: str) -> Callable[[dict], None]:
        def handler(change: dict) -> None:
            if self._syncing or not change["new"]:
                return
            target = self._rows[movement].message
            try:
                self.model.swap(movement, change["new"])
            except Exception as exc:
                self._show_error(exc, "Swapping the stretch", target)
                return
            target.value = ""
            self._sync_inputs()
            self._render()

        return handler

    def _dosage_handler(self, movement: str, field: str) -> Callable[[dict], None]:
        def handler(change: dict) -> None:
            if self._syncing:
                return
            target = self._rows[movement].message
            try:
                self.model.set_dosage(movement, field, change["new"])
            except WorkbookError as exc:
                log.info("dosage refused: %s", exc)
                kept = self.model.row(movement).get(field)
                target.value = field_message_html(f"{exc} Not applied: the routine keeps {kept}.")
                return
            except Exception as exc:
                self._show_error(exc, "Changing the dose", target)
                return
            target.value = ""
            self._render()

        return handler

    def _on_handout(self, _button: widgets.Button) -> None:
        links = []
        kinds = ((".html", "Handout (web page, prints well)"), (".pdf", "Handout (PDF)"))
        for suffix, label in kinds:
            data = self.model.make_handout(
                suffix, with_name=self._handout_name.value, note=self._handout_note.value
            )
            links.append(download_link_html(data, self.model.handout_name(suffix), label))
        self._handout_links.value = "".join(links)

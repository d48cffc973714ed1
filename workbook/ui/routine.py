"""The routine screen: the generated routine, the therapist's adjustments, the handout.

:class:`RoutineModel` holds the current :class:`~workbook.clinical.routine.Routine` and calls the package
(``generate_routine``, ``Routine.with_override``, ``handout``); :class:`RoutineScreen` shows it.
Which stretch suits which patient is decided by the package, never here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import pandas as pd

from ..errors import WorkbookError
from ..records.paths import exports_dir
from .common import (
    download_link_html,
    esc,
    field_message_html,
    html_table,
    lines_html,
    log,
    message_html,
    safe_call,
    show_error,
)

__all__ = [
    "DOSAGE_FIELDS",
    "RoutineModel",
    "RoutineScreen",
    "excluded_table_html",
    "routine_table_html",
    "saved_routine",
]

DOSAGE_FIELDS: tuple[tuple[str, str], ...] = (
    ("hold_s", "Hold (s)"),
    ("reps", "Times"),
    ("per_week", "Days a week"),
)


def _blank(value: object) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value)) or value == ""


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


class RoutineModel:
    """The routine for the open patient, and the therapist's changes to it; no widgets."""

    def __init__(self) -> None:
        self.routine: Any = None
        self.patient_name: str | None = None
        self.source: str = ""

    def generate(self, profile: Any, patient_name: str | None = None) -> Any:
        """A fresh routine from the profile (the same profile always gives the same routine)."""
        from ..clinical.routine import generate_routine

        self.routine = generate_routine(profile)
        self.patient_name = patient_name
        self.source = "generated from the profile"
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
        if not _blank(row.get("stretch_id")):
            choices.append((f"{row['name']} ({row['intensity']})", str(row["stretch_id"])))
        alternatives = getattr(self.routine, "alternatives", None)
        if alternatives is not None and len(alternatives):
            same = alternatives.loc[alternatives["movement"] == movement]
            for alt in same.itertuples(index=False):
                if str(alt.stretch_id) not in {c[1] for c in choices}:
                    choices.append((f"{alt.name} ({alt.intensity})", str(alt.stretch_id)))
        return choices

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

    def make_handout(self, suffix: str, *, with_name: bool = True, note: str = "") -> bytes:
        """The handout as bytes (``.html`` or ``.pdf``), written under the exports folder."""
        from ..documents.handouts import handout

        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        path = exports_dir() / f"handout-{stamp}{suffix}"
        handout(
            self.routine,
            path,
            patient_name=self.patient_name if with_name else None,
            note=note,
        )
        return path.read_bytes()


def _dose_text(row: pd.Series) -> str:
    if _blank(row.get("hold_s")):
        return ""
    side = " each side" if bool(row.get("per_side", False)) else ""
    return (
        f"{int(row['hold_s'])} s hold{side}, {int(row['reps'])} times, "
        f"{int(row['per_week'])} days a week"
    )


def _cautions_html(text: object) -> str:
    body = lines_html(text)
    if not body:
        return ""
    return (
        '<div class="wb-caution" style="background:#fff4d6;border-left:4px solid #e0a100;'
        f'padding:3px 6px;color:#4a3500"><b>\u26a0 Caution</b><br>{body}</div>'
    )


def _position_labels() -> dict[str, str]:
    from ..clinical.stretches import stretch_positions_table

    table = stretch_positions_table()
    return dict(zip(table["position"], table["label"], strict=True))


def routine_table_html(table: pd.DataFrame) -> str:
    """The routine as a readable table: cautions stand out, patient-facing text escaped."""
    if table is None or not len(table):
        return message_html("No routine yet: open a patient first.", "info")
    positions = _position_labels()
    rows = []
    for _, row in table.iterrows():
        label = row.get("movement_label", row["movement"])
        if _blank(row.get("stretch_id")):
            stretch = "<i>No safe stretch in the table</i>"
        else:
            details = [esc(row.get("intensity", ""))]
            if not _blank(row.get("position")):
                details.append(esc(positions.get(row["position"], row["position"])))
            if not _blank(row.get("equipment")):
                details.append(f"needs: {esc(row['equipment'])}")
            stretch = (
                f"<b>{esc(row['name'])}</b><br><span style='color:#555'>"
                f"{' &middot; '.join(details)}</span>"
            )
            if not _blank(row.get("cues")):
                stretch += f"<details><summary>Steps</summary>{lines_html(row['cues'])}</details>"
        chosen = row.get("chosen_by", "")
        why = esc(row.get("reason", ""))
        if chosen == "therapist":
            why += "<br><span style='color:#1565c0'>\u270e changed by the therapist</span>"
        stop = ""
        if not _blank(row.get("stop_if")):
            stop = f"<div><b>Stop if:</b> {esc(row['stop_if'])}</div>"
        rows.append(
            [
                f"<b>{esc(label)}</b>",
                stretch,
                esc(_dose_text(row)),
                why,
                _cautions_html(row.get("cautions_patient")) + stop,
            ]
        )
    return html_table(
        rows, ["Movement", "Stretch", "Dose", "Why this one", "Cautions"], escape=False
    )


def excluded_table_html(excluded: pd.DataFrame | None) -> str:
    if excluded is None or not len(excluded):
        return message_html("Nothing was left out for this patient.", "info")
    rows = [
        [str(r.get("name", r.get("stretch_id", ""))), str(r.get("movement", "")), str(r["reason"])]
        for _, r in excluded.iterrows()
    ]
    return html_table(rows, ["Stretch", "Movement", "Why it was left out"])


class _MovementRow:
    """The swap and dosage inputs for one movement."""

    def __init__(self, movement: str, label: str) -> None:
        self.movement = movement
        self.label = widgets.HTML(f"<b>{esc(label)}</b>", layout=widgets.Layout(width="170px"))
        self.stretch = widgets.Dropdown(layout=widgets.Layout(width="380px"))
        self.dosage = {
            field: widgets.Text(
                description=text,
                style={"description_width": "initial"},
                layout=widgets.Layout(width="150px" if field == "per_week" else "120px"),
                continuous_update=False,
            )
            for field, text in DOSAGE_FIELDS
        }
        self.message = widgets.HTML()
        self.box = widgets.VBox(
            [
                widgets.HBox([self.label, self.stretch, *self.dosage.values()]),
                self.message,
            ]
        )


class RoutineScreen(widgets.VBox):
    """The routine for the open patient, with swaps, dosage and the handout.

    Call :meth:`show_patient` when a patient is opened; :meth:`to_dict` gives what the visit
    screen saves with the visit.
    """

    def __init__(self, *, active: bool = True) -> None:
        self.model = RoutineModel()
        self._active = active
        self._pending: tuple[Any, str | None, Any] | None = None
        self._rows: dict[str, _MovementRow] = {}
        self._syncing = False
        self._listeners: list[Callable[[], None]] = []

        self.header = widgets.HTML("<h3 style='margin:4px 0'>2. Routine</h3>")
        self.message = widgets.HTML()
        self.table = widgets.HTML(routine_table_html(pd.DataFrame()))
        self.adjust = widgets.VBox()
        self.excluded = widgets.HTML()
        self.left_out = widgets.Accordion(
            children=[self.excluded], titles=("Left out, and why",), selected_index=None
        )
        self.regenerate_button = widgets.Button(
            description="Start again from the profile",
            icon="refresh",
            disabled=True,
            layout=widgets.Layout(width="260px"),
        )
        self.regenerate_button.on_click(
            safe_call(self.message, "Making the routine")(self._on_regenerate)
        )

        self.handout_name = widgets.Checkbox(
            value=True, description="Put the patient's name on the handout", indent=False
        )
        self.handout_note = widgets.Textarea(
            placeholder="A note for the patient (optional)",
            layout=widgets.Layout(width="520px", height="48px"),
        )
        self.handout_button = widgets.Button(
            description="Make the handout",
            icon="file",
            button_style="info",
            disabled=True,
            layout=widgets.Layout(width="200px"),
        )
        self.handout_links = widgets.HTML()
        self.handout_button.on_click(
            safe_call(self.handout_links, "Making the handout")(self._on_handout)
        )
        self.handout_box = widgets.VBox(
            [
                widgets.HTML("<b>Handout for the patient</b>"),
                self.handout_name,
                self.handout_note,
                widgets.HBox([self.handout_button, self.handout_links]),
            ]
        )
        self._profile = None

        super().__init__(
            [
                self.header,
                self.message,
                self.table,
                widgets.HTML("<b>Adjust the routine</b> (swap a stretch, change the dose)"),
                self.adjust,
                self.regenerate_button,
                self.left_out,
                self.handout_box,
            ]
        )

    def on_change(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` after every change to the routine."""
        self._listeners.append(callback)

    def to_dict(self) -> dict[str, Any] | None:
        """The current routine as saved with the visit (made first if still pending)."""
        self.ensure()
        return self.model.to_dict()

    @property
    def active(self) -> bool:
        return self._active

    @active.setter
    def active(self, value: bool) -> None:
        """Shown or hidden by the app; the routine is made when first needed."""
        self._active = bool(value)
        if self._active:
            self.ensure()

    def show_patient(
        self,
        profile: Any,
        patient_name: str | None = None,
        saved: dict | Callable[[], dict | None] | None = None,
    ) -> None:
        """Make (or restore) the routine for a patient: now when on screen, else when needed.

        ``saved`` is the routine saved with the last visit, or a function returning it (read
        only when the routine is made).
        """
        self._pending = (profile, patient_name, saved)
        self.model.routine = None  # never keep the previous patient's routine
        self.handout_links.value = ""
        if self._active:
            self.ensure()
        else:
            self.message.value = message_html("Updating\u2026", "info")

    def ensure(self) -> None:
        """Make the routine for the patient shown last, if not made yet."""
        if self._pending is None:
            return
        profile, patient_name, saved = self._pending
        self._pending = None
        self._profile = profile
        if callable(saved):
            saved = saved()
        try:
            if saved:
                try:
                    self.model.restore(saved, patient_name)
                except Exception as exc:  # an old saved routine no longer loads: start fresh
                    log.warning("saved routine not restored: %s", exc)
                    self.model.generate(profile, patient_name)
            else:
                self.model.generate(profile, patient_name)
        except Exception as exc:
            show_error(self.message, exc, "Making the routine")
            return
        self.message.value = message_html(f"Routine {self.model.source}.", "info")
        self.regenerate_button.disabled = False
        self.handout_button.disabled = False
        self._build_rows()
        self._render()

    def _on_regenerate(self, _button: widgets.Button) -> None:
        self.show_patient(self._profile, self.model.patient_name)
        self.ensure()

    def _build_rows(self) -> None:
        self._rows = {}
        table = self.model.table
        for _, row in table.iterrows():
            movement = str(row["movement"])
            label = str(row.get("movement_label", movement))
            widgets_row = _MovementRow(movement, label)
            widgets_row.stretch.observe(self._stretch_handler(movement), names="value")
            for field, box in widgets_row.dosage.items():
                box.observe(self._dosage_handler(movement, field), names="value")
            self._rows[movement] = widgets_row
        self.adjust.children = [r.box for r in self._rows.values()]
        self._sync_inputs()

    def _sync_inputs(self) -> None:
        """Show the routine's current values in the inputs without firing the handlers."""
        self._syncing = True
        try:
            for movement, widgets_row in self._rows.items():
                row = self.model.row(movement)
                choices = self.model.stretch_choices(movement)
                widgets_row.stretch.options = choices or [("No safe stretch", "")]
                widgets_row.stretch.value = choices[0][1] if choices else ""
                widgets_row.stretch.disabled = len(choices) < 2
                for field, box in widgets_row.dosage.items():
                    value = row.get(field)
                    box.value = "" if _blank(value) else str(int(value))
                    box.disabled = not choices
        finally:
            self._syncing = False

    def _render(self) -> None:
        self.table.value = routine_table_html(self.model.table)
        self.excluded.value = excluded_table_html(getattr(self.model.routine, "excluded", None))
        for callback in self._listeners:
            callback()

    def _stretch_handler(self, movement: str) -> Callable[[dict], None]:
        def handler(change: dict) -> None:
            if self._syncing or not change["new"]:
                return
            target = self._rows[movement].message
            try:
                self.model.swap(movement, change["new"])
            except Exception as exc:
                show_error(target, exc, "Swapping the stretch")
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
                show_error(target, exc, "Changing the dose")
                return
            target.value = ""
            self._render()

        return handler

    def _on_handout(self, _button: widgets.Button) -> None:
        links = []
        kinds = ((".html", "Handout (web page, prints well)"), (".pdf", "Handout (PDF)"))
        for suffix, label in kinds:
            data = self.model.make_handout(
                suffix, with_name=self.handout_name.value, note=self.handout_note.value
            )
            links.append(download_link_html(data, f"handout{suffix}", label))
        self.handout_links.value = "".join(links)

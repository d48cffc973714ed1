"""The routine screen: the generated routine, the therapist's adjustments, the handout.

:class:`~workbook.ui.routine_model.RoutineModel` holds the routine and calls the package;
:class:`RoutineScreen` shows it. Which stretch suits which patient is decided by the package,
never here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from ..clinical.display import is_blank
from ..errors import WorkbookError
from .common import (
    download_link_html,
    download_spot,
    esc,
    field_message_html,
    log,
    message_html,
    safe_call,
    start_download,
)
from .routine_cards import (
    card_details_html,
    excluded_table_html,
    notes_html,
    one_option_html,
    referral_html,
)
from .routine_model import DOSAGE_FIELDS, History, RoutineModel
from .screen import Screen

__all__ = ["HANDOUT_KINDS", "RoutineScreen", "excluded_table_html", "referral_html"]

SavedRoutine = dict[str, Any] | Callable[[], dict[str, Any] | None] | None

#: The handout's two downloads: file suffix and the button's words.
HANDOUT_KINDS: tuple[tuple[str, str], ...] = ((".html", "Web page"), (".pdf", "PDF"))

_NO_ROUTINE = message_html("No routine yet: open a patient first.", "info")


def _position_labels() -> dict[str, str]:
    from ..clinical.stretches import stretch_positions_table

    table = stretch_positions_table()
    return dict(zip(table["position"], table["label"], strict=True))


class _MovementCard(widgets.VBox):
    """One movement as a compact card: the swap and dose inputs, then the summary line that
    opens onto the details (why, cautions, steps), and the card's messages."""

    def __init__(self, movement: str, label: str) -> None:
        super().__init__(layout=widgets.Layout(border_bottom="1px solid #ddd", padding="2px 0"))
        self.add_class("wb-routine-card")
        self.movement = movement
        # the list shrinks and the dose fields wrap under it in a narrow notebook (file browser)
        self.stretch = widgets.Dropdown(
            layout=widgets.Layout(flex="0 1 380px", min_width="220px", width="auto")
        )
        self.dosage = {
            field: widgets.Text(
                description=text,
                style={"description_width": "initial"},
                layout=widgets.Layout(width="140px" if field == "per_week" else "110px"),
                continuous_update=False,
            )
            for field, text in DOSAGE_FIELDS
        }
        self.details = widgets.HTML()
        self.message = widgets.HTML()
        # why the swap list has one option: one line, clipped (the whole text in the details)
        self.note = widgets.HTML(layout=widgets.Layout(width="auto", overflow="hidden"))
        title = widgets.HTML(
            f"<div style='line-height:1.2'><b>{esc(label)}</b></div>",
            layout=widgets.Layout(width="170px", min_width="170px"),
        )
        inputs = widgets.HBox(
            [self.stretch, *self.dosage.values()],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
        )
        body = widgets.VBox(
            [inputs, self.details, self.note, self.message],
            layout=widgets.Layout(flex="1 1 auto", min_width="0"),
        )
        self.children = [widgets.HBox([title, body])]


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
        self._rows: dict[str, _MovementCard] = {}
        # One row of inputs per movement for the app's life: rebuilding them for every patient
        # left ipywidgets' registry holding the old ones (0.3 MB a patient viewed).
        self._row_cache: dict[str, _MovementCard] = {}
        self._syncing = False
        self._build()
        self._layout()
        self._wire()

    def _build(self) -> None:
        self._for_therapist = widgets.HTML()  # referral and notes on the whole routine
        self._empty = widgets.HTML(_NO_ROUTINE)
        self._cards = widgets.VBox()
        self._excluded = widgets.HTML()
        self._left_out = widgets.Accordion(
            children=[self._excluded], titles=("Left out, and why",), selected_index=None
        )
        self._regenerate_button = widgets.Button(
            description="Start again from the profile",
            icon="refresh",
            disabled=True,
            layout=widgets.Layout(width="240px"),
        )
        self._handout_name = widgets.Checkbox(
            value=True, description="Patient's name on it", indent=False,
            layout=widgets.Layout(width="160px"),
        )  # fmt: skip
        self._handout_note = widgets.Textarea(
            placeholder="A note for the patient (optional)",
            layout=widgets.Layout(width="360px", height="30px"),
            continuous_update=False,
        )
        self._handout_why = widgets.HTML()  # why there is no handout (a referral)
        self._handout_buttons = {
            suffix: widgets.Button(
                description=label, icon="download", button_style="info", disabled=True,
                tooltip=f"Download the patient's handout ({label.lower()})",
                layout=widgets.Layout(width="auto"),
            )
            for suffix, label in HANDOUT_KINDS
        }  # fmt: skip
        self._handout_links = widgets.HTML()  # the last handout, in case the browser blocked it
        self._download = download_spot()

    def _layout(self) -> None:
        # the handout next to the routine it prints, at the top: one click each, no scrolling
        self._handout_box = widgets.HBox(
            [
                widgets.HTML("<b>Handout:</b>"),
                *self._handout_buttons.values(),
                self._handout_name,
                self._handout_note,
                self._handout_links,
                self._download,
            ],
            layout=widgets.Layout(align_items="center", flex_flow="row wrap"),
        )
        self._handout_box.add_class("wb-handout")
        self.children = [
            self._message,
            self._for_therapist,
            self._handout_box,
            self._handout_why,
            self._empty,
            self._cards,
            widgets.HBox([self._regenerate_button, self._left_out],
                         layout=widgets.Layout(align_items="flex-start")),
        ]  # fmt: skip

    def _wire(self) -> None:
        self._regenerate_button.on_click(
            safe_call(self._message, "Making the routine")(self._on_regenerate)
        )
        for suffix, button in self._handout_buttons.items():
            button.on_click(
                safe_call(self._handout_links, "Making the handout")(self._handout_handler(suffix))
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
        self._download.outputs = ()
        self._handout_why.value = ""
        self._for_therapist.value = ""
        self._rows = {}
        self._cards.children = []
        self._empty.value = _NO_ROUTINE
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
        for button in self._handout_buttons.values():
            button.disabled = bool(referral)
        self._handout_why.value = (
            message_html(
                "No handout: a red flag stands, so there are no stretches to give.", "warn"
            )
            if referral
            else ""
        )
        self._for_therapist.value = referral_html(referral) + notes_html(
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

    def _row_for(self, movement: str, label: str) -> _MovementCard:
        """The movement's inputs, made (and wired) the first time they are needed."""
        if movement not in self._row_cache:
            inputs = _MovementCard(movement, label)
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
        self._cards.children = list(self._rows.values())
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
                inputs.note.value = one_option_html(why)
                for field, box in inputs.dosage.items():
                    value = row.get(field)
                    box.value = "" if value is None or is_blank(value) else str(int(value))
                    box.disabled = not choices
        finally:
            self._syncing = False

    def _render(self) -> None:
        table = self.model.table
        positions = _position_labels() if len(table) else {}
        for _, row in table.iterrows():
            movement = str(row["movement"])
            card = self._rows.get(movement)
            if card is None:
                continue
            single = len(card.stretch.options) == 1
            card.details.value = card_details_html(
                row,
                positions,
                self.model.equipment_flag(movement),
                self.model.why_no_other(movement) if single else "",
            )
        self._empty.value = "" if len(table) else _NO_ROUTINE
        labels = (
            dict(zip(table["movement"], table["movement_label"], strict=True)) if len(table) else {}
        )
        self._excluded.value = excluded_table_html(
            getattr(self.model.routine, "excluded", None), labels
        )
        self._handout_links.value = ""  # an older handout no longer matches the routine
        self._notify(action="Telling the other screens of the change")

    def routine_html(self) -> str:
        """What the cards show now, as one HTML string: each movement, its stretch and details."""
        parts = [self._empty.value]
        for card in self._rows.values():
            label = next((k for k, v in card.stretch.options if v == card.stretch.value), "")
            parts.append(f"<b>{esc(label)}</b>{card.details.value}{card.note.value}")
        return "".join(parts)

    def _on_handout_words(self, _change: dict) -> None:
        if not self._syncing:
            self._handout_links.value = ""  # made again, with these words, at the next click

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

    def _handout_handler(self, suffix: str) -> Callable[[widgets.Button], None]:
        def handler(_button: widgets.Button) -> None:
            self.download_handout(suffix)

        return handler

    def download_handout(self, suffix: str) -> bytes:
        """Make the handout (``.html`` or ``.pdf``) and start its download: one click.

        A link to the same file stays beside the buttons in case the browser blocked it.
        """
        self.ensure()
        if self.model.routine is None or self.model.routine.referral:
            return b""
        data = self.model.make_handout(
            suffix, with_name=self._handout_name.value, note=self._handout_note.value
        )
        name = self.model.handout_name(suffix)
        start_download(self._download, data, name)
        label = dict(HANDOUT_KINDS)[suffix]
        self._handout_links.value = download_link_html(data, name, f"{label} again")
        return data

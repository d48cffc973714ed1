"""The controls of the visit form for correcting or voiding a saved visit, and the same-day
question ("Add another visit, or correct today's?"). Widgets only; the visit form wires them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from ..clinical.display import format_date
from ..errors import WorkbookError
from .common import esc, fixed_width, message_html

if TYPE_CHECKING:
    from .visit_model import VisitEntry, VisitModel

__all__ = ["CorrectionPanel", "CorrectionsMixin", "SameDayPrompt"]


class CorrectionPanel(widgets.VBox):
    """Pick a saved visit, load it, then save a correction or void it, each with a reason."""

    def __init__(self) -> None:
        self.visits = widgets.Dropdown(
            description="Saved visit", options=[], layout=fixed_width("330px")
        )
        self.load = widgets.Button(
            description="Correct or void\u2026", icon="pencil", layout=fixed_width("150px")
        )
        self.banner = widgets.HTML()
        self.reason = widgets.Text(
            description="Reason",
            placeholder="why the record changes (required)",
            layout=fixed_width("420px"),
        )
        self.void = widgets.Button(
            description="Void this visit", icon="ban", button_style="danger",
            layout=fixed_width("150px"),
        )  # fmt: skip
        self.cancel = widgets.Button(description="Stop correcting", layout=fixed_width("140px"))
        self._editing = widgets.HBox([self.reason, self.void, self.cancel])
        super().__init__(
            [widgets.HBox([self.visits, self.load]), self.banner, self._editing],
            layout=widgets.Layout(border_top="1px solid #ddd", padding="4px 0 0 0"),
        )
        self.show_editing(None)

    def set_visits(self, choices: list[tuple[str, str]]) -> None:
        self.visits.options = choices
        self.visits.value = choices[0][1] if choices else None
        self.load.disabled = not choices

    def show_editing(self, label: str | None) -> None:
        """Show the reason and void controls while a visit is being corrected."""
        editing = label is not None
        self._editing.layout.display = None if editing else "none"
        self.banner.value = (
            "<div style='background:#fff4d6;padding:3px 8px;border-left:4px solid #e0a100'>"
            f"\u270e Correcting the visit of <b>{esc(label)}</b>: change the fields, type the "
            "reason, then <b>Save correction</b> (or void it).</div>"
            if editing
            else ""
        )
        if not editing:
            self.reason.value = ""


class SameDayPrompt(widgets.HBox):
    """'A visit is already saved today: add another visit, or correct today's?'"""

    def __init__(self) -> None:
        self.text = widgets.HTML()
        self.add = widgets.Button(description="Add another visit", button_style="success")
        self.correct = widgets.Button(description="Correct today's", button_style="warning")
        self.visit_id: str | None = None
        super().__init__(
            [self.text, self.add, self.correct], layout=widgets.Layout(align_items="center")
        )
        self.hide()

    def ask(self, visit_id: str, when: str) -> None:
        self.visit_id = visit_id
        self.text.value = (
            f"<b>A visit is already saved on {esc(when)}.</b> Add another visit, or correct "
            "today's?&nbsp;"
        )
        self.layout.display = None

    def hide(self) -> None:
        self.visit_id = None
        self.layout.display = "none"


class CorrectionsMixin:
    """The visit form's callbacks for corrections, voids and the same-day question."""

    if TYPE_CHECKING:  # provided by VisitForm and Screen
        model: VisitModel
        _correction: CorrectionPanel
        _same_day: SameDayPrompt
        _message: widgets.HTML
        _save_button: widgets.Button

        def entry(self) -> VisitEntry: ...
        def clear(self) -> None: ...
        def fill(self, entry: VisitEntry) -> None: ...
        def _update_save(self) -> None: ...
        def _refresh_saved(self) -> None: ...
        def _after_write(self, visit_id: str) -> None: ...
        def _on_save(self, _button: Any = None, *, same_day_ok: bool = False) -> Any: ...
        def _show_error(
            self, exc: BaseException, action: str, target: widgets.HTML | None = None
        ) -> str: ...

    def load_visit(self, visit_id: str) -> None:
        """Open a saved visit of this patient for correction (the Progress tab calls it)."""
        self._same_day.hide()
        entry = self.model.start_correction(visit_id)
        self.clear()
        self.fill(entry)
        self._show_correcting(visit_id, entry)
        self._message.value = ""
        self._update_save()

    def _show_correcting(self, visit_id: str, entry: VisitEntry) -> None:
        version = self.model.editing[1] if self.model.editing else 1
        self._correction.visits.value = visit_id
        self._correction.show_editing(f"{format_date(entry.visit_date)} (version {version})")
        self._save_button.description = "Save correction"

    def _save_correction(self) -> Any:
        entry, reason = self.entry(), self._correction.reason.value
        visit_id = self.model.editing[0] if self.model.editing else None
        try:
            version = self.model.save_correction(entry, reason)
        except WorkbookError as exc:  # changed by someone else, or refused: keep every field
            self._refused(exc, "Saving the correction")
            return None
        except Exception as exc:
            self._show_error(exc, "Saving the correction")
            return None
        when = format_date(entry.visit_date)
        self._message.value = message_html(
            f"Correction saved: the visit of {when} is now at version {version}.", "ok"
        )
        self._after_write(str(visit_id))
        return visit_id

    def _refused(self, exc: WorkbookError, action: str) -> None:
        self._show_error(exc, action)
        if self.model.editing is not None:
            visit_id, version = self.model.editing
            when = format_date(self.model.entry_of(self.model._saved_row(visit_id)).visit_date)
            self._correction.show_editing(f"{when} (now version {version})")
            self._correction.set_visits(self.model.visit_choices())
            self._correction.visits.value = visit_id
        self._update_save()

    # correcting a saved visit ---------------------------------------------------------------
    def _on_add_another(self, _button: widgets.Button) -> None:
        self._on_save(same_day_ok=True)

    def _on_correct_today(self, _button: widgets.Button) -> None:
        """Keep what was typed, as a correction of the visit already saved today."""
        visit_id = self._same_day.visit_id
        self._same_day.hide()
        if visit_id is None:
            return
        self.model.start_correction(visit_id)
        self._show_correcting(visit_id, self.entry())
        self._message.value = message_html(
            "Type the reason, then Save correction: the values typed replace that visit's.",
            "info",
        )
        self._update_save()

    def _on_load_visit(self, _button: widgets.Button) -> None:
        if self._correction.visits.value is None:
            return
        try:
            self.load_visit(str(self._correction.visits.value))
        except Exception as exc:
            self._show_error(exc, "Opening the visit")

    def _on_void(self, _button: widgets.Button) -> None:
        visit_id = self.model.editing[0] if self.model.editing else None
        try:
            self.model.void(self._correction.reason.value)
        except WorkbookError as exc:
            self._refused(exc, "Voiding the visit")
            return
        except Exception as exc:
            self._show_error(exc, "Voiding the visit")
            return
        self._message.value = message_html("The visit was voided (its history keeps it).", "ok")
        self._after_write(str(visit_id))

    def _on_cancel_correction(self, _button: widgets.Button) -> None:
        self.model.cancel_correction()
        self.clear()
        self._refresh_saved()
        self._update_save()

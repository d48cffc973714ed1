"""The progress screen: review flags, what changed and whether it is real, the chart and its
exports.

:class:`~workbook.ui.progress_model.ProgressModel` reads the store and calls the package; it knows
no widget. :class:`ProgressScreen` shows the review flags at the top (coloured by severity), the
chart drawn at exactly its on-screen width (never scaled, never blurred) with its exports one
click each beside it, then the tables (words from ``workbook.clinical.display``) and a way to
correct or void a visit.

Speed: when a patient is picked while the tab is hidden, the model reads and draws everything
in a background thread, so the tab shows its chart at once when clicked.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from ..clinical.display import count_label, format_date
from .common import (
    download_link_html,
    download_spot,
    fixed_width,
    log,
    message_html,
    start_download,
)
from .progress_model import ProgressModel
from .progress_tables import (
    adherence_html,
    flags_html,
    progress_table_html,
    psfs_table_html,
    scores_table_html,
)
from .screen import Screen

__all__ = ["EXPORT_FORMATS", "ProgressScreen", "progress_table_html", "scores_table_html"]

EXPORT_FORMATS: tuple[tuple[str, str], ...] = (
    ("png", "Chart PNG"),
    ("svg", "Chart SVG"),
    ("pdf", "Chart PDF"),
)


class ProgressScreen(Screen):
    """Review flags, progress tables, chart and exports for the open patient.

    Parameters
    ----------
    store : workbook.records.store.Store
        The clinic store.
    active : bool
        Render at once. In the app the screen is drawn when it is shown (prepared in the
        background as soon as a patient is picked); a stale chart is never shown.
    today : datetime.date, optional
        Fixed in tests.
    """

    def __init__(self, store: Any, *, active: bool = True, today: Any = None) -> None:
        super().__init__(active=active)
        self.model = ProgressModel(store, today=today)
        self._patient_id: str | None = None
        self._correct_listeners: list[Callable[[str], None]] = []
        self._worker: threading.Thread | None = None
        self._generation = 0  # each pick or save while hidden; an older preparation is dropped
        self._prepared: tuple[int, str] | None = None
        self._worker_error: tuple[int, BaseException] | None = None
        self._build()
        self._layout()
        self._wire()

    def _build(self) -> None:
        self._message.value = message_html("Open a patient to see their progress.", "info")
        self._flags = widgets.HTML()
        self._table = widgets.HTML()
        self._scores = widgets.HTML()
        self._adherence = widgets.HTML()
        self._psfs = widgets.HTML()
        width = f"{self.model.width_px}px"
        # Pixel for pixel where the notebook is wide enough (the app); a little smaller, never
        # cropped or scrolled sideways, where it is not (JupyterLab with the file browser open).
        self._chart = widgets.Image(
            value=b"", format="png", width=str(self.model.width_px),
            layout=widgets.Layout(
                width=width, max_width="100%", height="auto", margin="2px 0", display="none"
            ),
        )  # fmt: skip
        compact = fixed_width("auto")
        self._export_buttons = {
            fmt: widgets.Button(description=label, icon="download", disabled=True, layout=compact)
            for fmt, label in EXPORT_FORMATS
        }
        self._report_button = widgets.Button(
            description="Report PDF", icon="file-pdf-o", disabled=True, button_style="info",
            layout=fixed_width("auto"),
        )  # fmt: skip
        self._share_button = widgets.Button(
            description="Share (de-identified)", icon="share", disabled=True,
            layout=fixed_width("auto"),
        )  # fmt: skip
        self._links = widgets.HTML()
        self._export_message = widgets.HTML()
        self._download = download_spot()
        self._visit_choice = widgets.Dropdown(
            description="Visit", options=[], layout=fixed_width("300px")
        )
        self._correct_button = widgets.Button(
            description="Correct or void\u2026", icon="pencil", disabled=True,
            layout=fixed_width("auto"),
        )  # fmt: skip

    def _layout(self) -> None:
        exports = widgets.HBox(
            [
                *self._export_buttons.values(),
                self._report_button,
                self._share_button,
                self._links,
                self._download,
            ],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
        )
        self.children = [
            self._flags,
            self._message,
            exports,
            self._export_message,
            self._chart,
            self._table,
            self._scores,
            self._adherence,
            self._psfs,
            widgets.HBox([self._visit_choice, self._correct_button]),
        ]

    def _wire(self) -> None:
        for fmt, button in self._export_buttons.items():
            button.on_click(self._action(self._export_handler(fmt), "Exporting the chart"))
        self._report_button.on_click(self._action(self._on_report, "Making the report"))
        self._share_button.on_click(self._action(self._on_share, "Preparing the shared case"))
        self._correct_button.on_click(self._on_correct)

    def _action(self, work: Callable[[], None], action: str) -> Callable[[Any], None]:
        def handler(_button: Any) -> None:
            try:
                work()
            except Exception as exc:
                self._show_error(exc, action, target=self._export_message)

        return handler

    # for the app ----------------------------------------------------------------------------
    def show_patient(self, patient_id: str) -> None:
        """Show a patient's progress: now when on screen, else prepared in the background."""
        self._patient_id = patient_id
        self.mark_stale()
        if not self.active:
            self._prepare_in_background(patient_id)

    def refresh(self, *_args: Any) -> None:
        """Read the store again (after a save)."""
        if self._patient_id is not None:
            self.show_patient(self._patient_id)

    def reset_for_patient(self) -> None:
        """Forget everything shown for the previous patient (the app calls it)."""
        for html in (self._links, self._export_message, self._flags, self._table, self._scores):
            html.value = ""
        self._adherence.value = self._psfs.value = ""
        self._download.outputs = ()
        self._visit_choice.options = []
        self._correct_button.disabled = True
        self._chart.layout.display = "none"

    def on_correct(self, callback: Callable[[str], None]) -> None:
        """Call ``callback(visit_id)`` when the therapist asks to correct or void a visit."""
        self._correct_listeners.append(callback)

    # drawing -----------------------------------------------------------------------------------
    def _prepare_in_background(self, patient_id: str) -> None:
        self._generation += 1
        generation = self._generation

        def work() -> None:
            try:
                if self.model.prepare(patient_id, lambda: generation == self._generation):
                    self._prepared = (generation, patient_id)
            except Exception as exc:  # shown when the tab is opened
                self._worker_error = (generation, exc)

        # not a daemon: a kernel shutting down lets the drawing finish instead of aborting it
        self._worker = threading.Thread(target=work, name="progress-prepare")
        self._worker.start()

    def _take_prepared(self) -> tuple[bool, BaseException | None]:
        """Wait for the background preparation; (prepared for the patient asked, its error)."""
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.join()
        prepared, self._prepared = self._prepared, None
        failed, self._worker_error = self._worker_error, None
        current = (self._generation, self._patient_id)
        error = failed[1] if failed is not None and failed[0] == self._generation else None
        return prepared == current, error

    def _hide_stale(self) -> None:
        # never leave another patient's (or an older) chart on screen meanwhile
        self._chart.layout.display = "none"
        self._message.value = message_html("Updating\u2026", "info")

    def _redraw(self) -> None:
        self._links.value = self._export_message.value = ""
        if self._patient_id is None:
            return
        prepared, error = self._take_prepared()
        try:
            if error is not None:
                raise error
            if not prepared or self.model.patient_id != self._patient_id:
                self._generation += 1  # a straggling preparation must not overwrite this
                self.model.load(self._patient_id)
        except Exception as exc:
            self._show_error(exc, "Reading the progress")
            self._flags.value = ""
            self._set_buttons(False)
            return
        self._show_tables()
        if not self.model.has_data:
            self._message.value = message_html("No visit recorded yet for this patient.", "info")
            self._chart.layout.display = "none"
            self._set_buttons(False)
            return
        self._set_buttons(True)
        if self._draw_chart():
            on_record = f"{count_label(len(self.model.visits), 'visit')} on record."
            self._message.value = message_html(on_record, "info")

    def _show_tables(self) -> None:
        model = self.model
        self._flags.value = flags_html(model.flags)
        self._table.value = progress_table_html(model.table)
        self._scores.value = scores_table_html(model.scores)
        self._adherence.value = adherence_html(model.adherence) if model.has_data else ""
        self._psfs.value = psfs_table_html(model.psfs)
        choices = [
            (format_date(v["visit_date"]), str(v["visit_id"]))
            for v in reversed(model.visits.to_dict("records"))
        ] if len(model.visits) else []  # fmt: skip
        self._visit_choice.options = choices
        self._visit_choice.value = choices[0][1] if choices else None
        self._correct_button.disabled = not choices

    def _set_buttons(self, enabled: bool) -> None:
        for button in (*self._export_buttons.values(), self._report_button, self._share_button):
            button.disabled = not enabled

    def _draw_chart(self) -> bool:
        try:
            png = self.model.chart_png()
        except Exception as exc:
            self._chart.layout.display = "none"
            self._show_error(exc, "Drawing the chart")
            return False
        self._chart.value = png
        self._chart.layout.display = None
        log.debug("chart shown for %s (%d bytes)", self.model.patient_id, len(png))
        return True

    # callbacks: ask the model for the file, download it at once ---------------------------------
    def _offer(self, data: bytes, name: str, note: str = "") -> None:
        """Start the download in the browser (one click) and keep a link in case it is blocked."""
        start_download(self._download, data, name)
        self._links.value = download_link_html(data, name, name)
        self._export_message.value = message_html(note, "info")

    def _export_handler(self, fmt: str) -> Callable[[], None]:
        def handler() -> None:
            self._offer(*self.model.export(fmt))

        return handler

    def _on_report(self) -> None:
        self._offer(*self.model.report())

    def _on_share(self) -> None:
        self._offer(
            *self.model.share(),
            note="The bundle carries no name, id or dates; check it before you send it.",
        )

    def _on_correct(self, _button: widgets.Button) -> None:
        visit_id = self._visit_choice.value
        if visit_id is None:
            return
        for callback in self._correct_listeners:
            try:
                callback(str(visit_id))
            except Exception as exc:
                self._show_error(exc, "Opening the visit")

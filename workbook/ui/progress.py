"""The progress screen: what changed, whether it is real, the chart and its exports.

:class:`~workbook.ui.progress_model.ProgressModel` reads the store and calls the package; it knows
no widget. :class:`ProgressScreen` shows the table (words from ``workbook.clinical.display``, the
numbers stay raw in the model), the chart as an ``Image`` rendered from a Figure (no pyplot:
nothing duplicated, nothing stale), and download links for the exports.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import pandas as pd

from ..clinical.display import (
    count_label,
    format_date,
    format_degrees,
    format_number,
    score_label,
    verdict_label,
)
from ..clinical.measures import motion_label
from .common import (
    download_link_html,
    esc,
    fixed_width,
    html_table,
    log,
    message_html,
    png_image,
    safe_call,
)
from .progress_model import ProgressModel
from .screen import Screen

__all__ = ["EXPORT_FORMATS", "ProgressScreen", "progress_table_html", "scores_table_html"]

EXPORT_FORMATS: tuple[tuple[str, str], ...] = (
    ("png", "Chart (PNG, for print)"),
    ("svg", "Chart (SVG)"),
    ("pdf", "Chart (PDF)"),
)

# the colour of each verdict on screen (the words, with a sign that reads without colour, come
# from clinical.display)
_VERDICT_COLOUR = {"improved": "#1b5e20", "worse": "#b71c1c", "not recorded": "#999"}


def _verdict_html(value: object) -> str:
    colour = _VERDICT_COLOUR.get(str(value), "#555")
    return f"<span style='color:{colour};font-weight:600'>{esc(verdict_label(value))}</span>"


def _value_on(value: str, day: Any) -> str:
    """A value over the small date it was measured on."""
    return f"{value}<br><small>{esc(format_date(day, missing=''))}</small>"


def progress_table_html(table: pd.DataFrame) -> str:
    """Range of motion progress, formatted for reading (the numbers stay raw in the model)."""
    if table is None or not len(table):
        return message_html("No range of motion recorded yet.", "info")
    rows = []
    for _, r in table.iterrows():
        note = ""
        if bool(r.get("instrument_changed", False)):
            note = "<br><span style='color:#8a6d00'>instrument changed: weaker comparison</span>"
        rows.append(
            [
                esc(motion_label(r["motion"])),
                esc(r["side"]),
                _value_on(format_degrees(r["baseline_degrees"]), r["baseline_date"]),
                _value_on(format_degrees(r["latest_degrees"]), r["latest_date"]),
                format_degrees(r["change_degrees"], signed=True),
                _verdict_html(r["real_change"])
                + f"<br><small>MDC {format_degrees(r['mdc_degrees'], digits=1)}</small>{note}",
                f"{format_number(r['percent_of_normal'], unit=' %')}"
                f"<br><small>normal {format_degrees(r['normal_degrees'])}</small>",
                format_degrees(r["side_difference_degrees"], signed=True),
                str(int(r["n_visits"])),
            ]
        )
    headers = ["Motion", "Side", "First", "Latest", "Change", "Real change?", "Of normal"]
    return html_table(rows, [*headers, "Left \u2212 right", "Visits"], escape=False)


def scores_table_html(scores: pd.DataFrame) -> str:
    """Pain and ODI progress, formatted for reading."""
    if scores is None or not len(scores):
        return ""
    rows = [
        [
            esc(score_label(r["measure"])),
            _value_on(format_number(r["baseline_points"]), r["baseline_date"]),
            _value_on(format_number(r["latest_points"]), r["latest_date"]),
            format_number(r["change_points"], signed=True),
            _verdict_html(r["important_change"])
            + f"<br><small>important change: {format_number(r['mcid_points'])} points "
            f"and {format_number(r['mcid_percent'], unit=' %')}</small>",
        ]
        for _, r in scores.iterrows()
    ]
    return html_table(
        rows, ["Score", "First", "Latest", "Change", "Important change?"], escape=False
    )


class ProgressScreen(Screen):
    """Progress table, chart and exports for the open patient.

    Parameters
    ----------
    store : workbook.records.store.Store
        The clinic store.
    active : bool
        Render the chart at once. In the app the chart is drawn when this screen is shown, so
        that opening a patient stays quick; a stale chart is never shown.
    """

    def __init__(self, store: Any, *, active: bool = True) -> None:
        super().__init__(active=active)
        self.model = ProgressModel(store)
        self._patient_id: str | None = None
        self._build()
        self._layout()
        self._wire()

    def _build(self) -> None:
        self._message.value = message_html("Open a patient to see their progress.", "info")
        self._table = widgets.HTML()
        self._scores = widgets.HTML()
        self._chart = png_image(width="100%", max_width="980px")
        self._chart.layout.display = "none"
        self._export_buttons = {
            fmt: widgets.Button(
                description=label, icon="download", disabled=True, layout=fixed_width("190px")
            )
            for fmt, label in EXPORT_FORMATS
        }
        self._report_button = widgets.Button(
            description="Progress report (PDF)",
            icon="file-pdf-o",
            disabled=True,
            button_style="info",
            layout=fixed_width("210px"),
        )
        self._share_button = widgets.Button(
            description="Share with a colleague (de-identified)",
            icon="share",
            disabled=True,
            layout=fixed_width("300px"),
        )
        self._links = widgets.HTML()
        self._export_message = widgets.HTML()

    def _layout(self) -> None:
        self.children = [
            widgets.HTML("<h3 style='margin:4px 0'>4. Progress</h3>"),
            self._message,
            self._table,
            self._scores,
            self._chart,
            widgets.HTML("<b>Export</b> (the file downloads from the link)"),
            widgets.HBox([*self._export_buttons.values(), self._report_button]),
            self._share_button,
            self._links,
            self._export_message,
        ]

    def _wire(self) -> None:
        for fmt, button in self._export_buttons.items():
            button.on_click(
                safe_call(self._export_message, "Exporting the chart")(self._export_handler(fmt))
            )
        self._report_button.on_click(
            safe_call(self._export_message, "Making the report")(self._on_report)
        )
        self._share_button.on_click(
            safe_call(self._export_message, "Preparing the shared case")(self._on_share)
        )

    # for the app ----------------------------------------------------------------------------
    def show_patient(self, patient_id: str) -> None:
        """Show a patient's progress: now when on screen, else as soon as it is shown."""
        self._patient_id = patient_id
        self.mark_stale()

    def refresh(self, *_args: Any) -> None:
        """Read the store again (after a save)."""
        if self._patient_id is not None:
            self.mark_stale()

    def _hide_stale(self) -> None:
        # never leave another patient's (or an older) chart on screen meanwhile
        self._chart.layout.display = "none"
        self._message.value = message_html("Updating\u2026", "info")

    def _redraw(self) -> None:
        self._links.value = ""
        self._export_message.value = ""
        if self._patient_id is None:
            return
        try:
            self.model.load(self._patient_id)
        except Exception as exc:
            self._show_error(exc, "Reading the progress")
            self._set_buttons(False)
            return
        self._table.value = progress_table_html(self.model.table)
        self._scores.value = scores_table_html(self.model.scores)
        if not self.model.has_data:
            self._message.value = message_html("No visit recorded yet for this patient.", "info")
            self._chart.layout.display = "none"
            self._set_buttons(False)
            return
        on_record = f"{count_label(len(self.model.visits), 'visit')} on record."
        self._set_buttons(True)
        if not self.model.chart_cached:
            # the first drawing for a patient takes a moment: the tables are already shown
            self._message.value = message_html(f"{on_record} Drawing the chart\u2026", "info")
        if self._draw_chart():
            self._message.value = message_html(on_record, "info")

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
        log.debug("chart drawn for %s (%d bytes)", self.model.patient_id, len(png))
        return True

    # callbacks: ask the model for the file, offer it as a link ---------------------------------
    def _offer(self, data: bytes, name: str, note: str = "") -> None:
        self._links.value = download_link_html(data, name, f"Download {name}")
        self._export_message.value = message_html(note, "info")

    def _export_handler(self, fmt: str) -> Callable[[widgets.Button], None]:
        def handler(_button: widgets.Button) -> None:
            self._offer(*self.model.export(fmt))

        return handler

    def _on_report(self, _button: widgets.Button) -> None:
        self._offer(*self.model.report())

    def _on_share(self, _button: widgets.Button) -> None:
        self._offer(
            *self.model.share(),
            note="The bundle carries no name, id or dates; check it before you send it.",
        )

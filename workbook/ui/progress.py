"""The progress screen: what changed, whether it is real, the chart and its exports.

:class:`ProgressModel` reads the store and calls the package (``workbook.clinical.outcomes``,
``workbook.documents.charts``, ``workbook.documents.report``); it knows no widget. :class:`ProgressScreen` shows the
table (formatted here, for display only), the chart as an ``Image`` rendered from a Figure (no
pyplot: nothing duplicated, nothing stale), and download links for the exports.
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd

from ..clinical.measures import motion_label
from ..records.paths import exports_dir
from .common import (
    download_link_html,
    esc,
    html_table,
    log,
    message_html,
    png_image,
    safe_call,
    show_error,
)

__all__ = [
    "DEG",
    "EXPORT_FORMATS",
    "ProgressModel",
    "ProgressScreen",
    "progress_table_html",
    "scores_table_html",
]

DEG = "\u00b0"

EXPORT_FORMATS: tuple[tuple[str, str], ...] = (
    ("png", "Chart (PNG, for print)"),
    ("svg", "Chart (SVG)"),
    ("pdf", "Chart (PDF)"),
)

_JUDGEMENT_STYLE = {
    "improved": ("#1b5e20", "\u25b2 improved"),
    "worse": ("#b71c1c", "\u25bc worse"),
    "within measurement error": ("#555", "\u2248 within measurement error"),
    "single measurement": ("#555", "one visit so far"),
    "no important change": ("#555", "\u2248 no important change"),
    "single score": ("#555", "one visit so far"),
    "not recorded": ("#999", "not recorded"),
}


class ProgressModel:
    """The open patient's progress numbers and chart; no widgets."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.patient_id: str | None = None
        self.measurements: pd.DataFrame = pd.DataFrame()
        self.visits: pd.DataFrame = pd.DataFrame()
        self.profile: Any = None
        self.table: pd.DataFrame = pd.DataFrame()
        self.scores: pd.DataFrame = pd.DataFrame()
        self._renderer: Any = None

    def load(self, patient_id: str) -> pd.DataFrame:
        """Read the patient's record and compute the progress table."""
        from ..clinical.outcomes import progress, score_progress

        profile = self.store.profile(patient_id)
        if patient_id != self.patient_id or profile != self.profile:
            self._renderer = None  # a new patient (or new age) gets new axes and normal ranges
        self.patient_id = patient_id
        self.measurements = self.store.measurements(patient_id)
        self.visits = self.store.visits(patient_id)
        self.profile = profile
        self.table = progress(self.measurements, self.visits, self.profile)
        self.scores = score_progress(self.visits)
        return self.table

    @property
    def chart_cached(self) -> bool:
        """True when the chart's background for this patient is drawn (updates are quick)."""
        return self._renderer is not None

    @property
    def has_data(self) -> bool:
        return len(self.measurements) > 0 or len(self.visits) > 0

    def figure(self) -> Any:
        """A new Figure of the progress chart, at print quality (for exports)."""
        from ..documents.charts import progress_chart

        return progress_chart(self.measurements, self.visits, profile=self.profile)

    def chart_png(self) -> bytes:
        """PNG bytes of the chart for the screen.

        The renderer is kept for the patient: after a save only the changed lines are redrawn
        over a cached background, so the chart follows the save at once.
        """
        from ..documents.charts import ProgressChart

        if self._renderer is None:
            self._renderer = ProgressChart(profile=self.profile)
        return self._renderer.update(self.measurements, self.visits)

    def export(self, fmt: str) -> tuple[bytes, str]:
        """The chart as a file, written under the exports folder: ``(bytes, file name)``."""
        from ..documents.charts import export_chart

        name = f"progress-chart-{dt.date.today():%Y%m%d}.{fmt}"
        path = exports_dir() / name
        export_chart(self.figure(), path)
        return path.read_bytes(), name

    def report(self) -> tuple[bytes, str]:
        """The multi-page progress report (PDF): ``(bytes, file name)``."""
        from ..documents.report import progress_report

        name = f"progress-report-{dt.date.today():%Y%m%d}.pdf"
        path = exports_dir() / name
        progress_report(self.store, self.patient_id, path)
        return path.read_bytes(), name

    def share(self) -> tuple[bytes, str]:
        """A de-identified case bundle (zip) for a colleague: ``(bytes, file name)``.

        The name carries no date: today may be a visit date, which the bundle must not reveal.
        """
        from ..documents.share import share_case

        folder = Path(tempfile.mkdtemp(prefix="share-", dir=exports_dir()))
        path = share_case(self.store, self.patient_id, folder / "shared-case.zip")
        return Path(path).read_bytes(), "shared-case.zip"


def _num(value: object, unit: str = "", signed: bool = False, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "\u2013"
    text = f"{float(value):+.{digits}f}" if signed else f"{float(value):.{digits}f}"
    return f"{text}{unit}"


def _date(value: object) -> str:
    if value is None or pd.isna(value):
        return ""
    return pd.Timestamp(value).strftime("%d %b %Y")


def _judgement_html(value: object) -> str:
    colour, text = _JUDGEMENT_STYLE.get(str(value), ("#555", str(value)))
    return f"<span style='color:{colour};font-weight:600'>{esc(text)}</span>"


def progress_table_html(table: pd.DataFrame) -> str:
    """Range of motion progress, formatted for reading (the numbers stay raw in the model)."""
    if table is None or not len(table):
        return message_html("No range of motion recorded yet.", "info")
    rows = []
    for _, r in table.iterrows():
        latest = _num(r["latest_degrees"], DEG)
        note = ""
        if bool(r.get("instrument_changed", False)):
            note = "<br><span style='color:#8a6d00'>instrument changed: weaker comparison</span>"
        rows.append(
            [
                esc(motion_label(r["motion"])),
                esc(r["side"]),
                f"{_num(r['baseline_degrees'], DEG)}<br>"
                f"<small>{esc(_date(r['baseline_date']))}</small>",
                f"{latest}<br><small>{esc(_date(r['latest_date']))}</small>",
                _num(r["change_degrees"], DEG, signed=True),
                _judgement_html(r["real_change"])
                + f"<br><small>MDC {_num(r['mdc_degrees'], DEG, digits=1)}</small>{note}",
                f"{_num(r['percent_of_normal'], ' %')}"
                f"<br><small>normal {_num(r['normal_degrees'], DEG)}</small>",
                _num(r["side_difference_degrees"], DEG, signed=True),
                str(int(r["n_visits"])),
            ]
        )
    return html_table(
        rows,
        [
            "Motion",
            "Side",
            "First",
            "Latest",
            "Change",
            "Real change?",
            "Of normal",
            "Left \u2212 right",
            "Visits",
        ],
        escape=False,
    )


_SCORE_LABELS = {"pain_nprs": "Pain (0-10)", "odi_index": "Disability, ODI (%)"}


def scores_table_html(scores: pd.DataFrame) -> str:
    """Pain and ODI progress, formatted for reading."""
    if scores is None or not len(scores):
        return ""
    rows = [
        [
            esc(_SCORE_LABELS.get(r["measure"], r["measure"])),
            f"{_num(r['baseline_points'])}<br><small>{esc(_date(r['baseline_date']))}</small>",
            f"{_num(r['latest_points'])}<br><small>{esc(_date(r['latest_date']))}</small>",
            _num(r["change_points"], signed=True),
            _judgement_html(r["important_change"])
            + f"<br><small>important change: {_num(r['mcid_points'])} points "
            f"and {_num(r['mcid_percent'], ' %')}</small>",
        ]
        for _, r in scores.iterrows()
    ]
    return html_table(
        rows, ["Score", "First", "Latest", "Change", "Important change?"], escape=False
    )


class ProgressScreen(widgets.VBox):
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
        self.model = ProgressModel(store)
        self._active = active
        self._stale = False
        self._pending: str | None = None

        self.title = widgets.HTML("<h3 style='margin:4px 0'>4. Progress</h3>")
        self.message = widgets.HTML(message_html("Open a patient to see their progress.", "info"))
        self.table = widgets.HTML()
        self.scores = widgets.HTML()
        self.chart = png_image(width="100%", max_width="980px")
        self.chart.layout.display = "none"
        self.export_buttons = {
            fmt: widgets.Button(
                description=label,
                icon="download",
                disabled=True,
                layout=widgets.Layout(width="190px"),
            )
            for fmt, label in EXPORT_FORMATS
        }
        self.report_button = widgets.Button(
            description="Progress report (PDF)",
            icon="file-pdf-o",
            disabled=True,
            button_style="info",
            layout=widgets.Layout(width="210px"),
        )
        self.share_button = widgets.Button(
            description="Share with a colleague (de-identified)",
            icon="share",
            disabled=True,
            layout=widgets.Layout(width="300px"),
        )
        self.links = widgets.HTML()
        self.export_message = widgets.HTML()
        for fmt, button in self.export_buttons.items():
            button.on_click(
                safe_call(self.export_message, "Exporting the chart")(self._export_handler(fmt))
            )
        self.report_button.on_click(
            safe_call(self.export_message, "Making the report")(self._on_report)
        )
        self.share_button.on_click(
            safe_call(self.export_message, "Preparing the shared case")(self._on_share)
        )

        super().__init__(
            [
                self.title,
                self.message,
                self.table,
                self.scores,
                self.chart,
                widgets.HTML("<b>Export</b> (the file downloads from the link)"),
                widgets.HBox([*self.export_buttons.values(), self.report_button]),
                self.share_button,
                self.links,
                self.export_message,
            ]
        )

    # wiring for the app -----------------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self._active

    @active.setter
    def active(self, value: bool) -> None:
        """Shown or hidden by the app; a screen shown with stale content redraws at once."""
        self._active = bool(value)
        if self._active and self._stale:
            self._draw()

    def show_patient(self, patient_id: str) -> None:
        """Show a patient's progress: now when on screen, else as soon as it is shown."""
        self._pending = patient_id
        self._stale = True
        if self._active:
            self._draw()
        else:
            # never leave another patient's (or an older) chart on screen meanwhile
            self.chart.layout.display = "none"
            self.message.value = message_html("Updating\u2026", "info")

    def refresh(self, *_args: Any) -> None:
        """Read the store again (after a save)."""
        if self._pending is not None:
            self.show_patient(self._pending)

    def _draw(self) -> None:
        patient_id = self._pending
        self._stale = False
        self.links.value = ""
        self.export_message.value = ""
        if patient_id is None:
            return
        try:
            self.model.load(patient_id)
        except Exception as exc:
            show_error(self.message, exc, "Reading the progress")
            self._set_buttons(False)
            return
        self.table.value = progress_table_html(self.model.table)
        self.scores.value = scores_table_html(self.model.scores)
        if not self.model.has_data:
            self.message.value = message_html("No visit recorded yet for this patient.", "info")
            self.chart.layout.display = "none"
            self._set_buttons(False)
            return
        n = len(self.model.visits)
        on_record = f"{n} visit{'s' if n != 1 else ''} on record."
        self._set_buttons(True)
        if not self.model.chart_cached:
            # the first drawing for a patient takes a moment: the tables are already shown
            self.message.value = message_html(f"{on_record} Drawing the chart\u2026", "info")
        if self._draw_chart():
            self.message.value = message_html(on_record, "info")

    def _set_buttons(self, enabled: bool) -> None:
        for button in (*self.export_buttons.values(), self.report_button, self.share_button):
            button.disabled = not enabled

    def _draw_chart(self) -> bool:
        try:
            png = self.model.chart_png()
        except Exception as exc:
            self.chart.layout.display = "none"
            show_error(self.message, exc, "Drawing the chart")
            return False
        self.chart.value = png
        self.chart.layout.display = None
        log.debug("chart drawn for %s (%d bytes)", self.model.patient_id, len(png))
        return True

    def _export_handler(self, fmt: str):
        def handler(_button: widgets.Button) -> None:
            data, name = self.model.export(fmt)
            self.links.value = download_link_html(data, name, f"Download {name}")
            self.export_message.value = ""

        return handler

    def _on_report(self, _button: widgets.Button) -> None:
        data, name = self.model.report()
        self.links.value = download_link_html(data, name, f"Download {name}")
        self.export_message.value = ""

    def _on_share(self, _button: widgets.Button) -> None:
        data, name = self.model.share()
        self.links.value = download_link_html(data, name, f"Download {name}")
        self.export_message.value = message_html(
            "The bundle carries no name, id or dates; check it before you send it.", "info"
        )

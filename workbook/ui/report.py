"""The progress-report screen: find a patient, then their progress, chart, exports and report.

The screen of ``notebooks/progress_report.ipynb``: the patient screen without its add and edit
sections, and the progress screen, always shown. The notebook runs in a kernel of its own, so a
visit saved from the visit screen reaches it when the therapist clicks "Refresh" (or picks the
patient again): the screen and the PDF then read the same store, at the same moment.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ipywidgets as widgets

from .common import demo_banner_html, message_html, open_default_store, store_line_html
from .patient import PatientScreen
from .patient_model import ChosenPatient
from .progress import ProgressScreen
from .screen import Screen

__all__ = ["ReportScreen"]


class ReportScreen(Screen):
    """One patient's progress, chart, exports and report.

    Parameters
    ----------
    store : workbook.records.store.Store, optional
        The clinic store; by default ``open_store()``.
    today : datetime.date, optional
        Fixed in tests.
    """

    def __init__(self, store: Any = None, *, today: dt.date | None = None) -> None:
        super().__init__()
        self.store = store if store is not None else open_default_store()
        self._build(today)
        self._layout()
        self._wire()

    def _build(self, today: dt.date | None) -> None:
        self.patient = PatientScreen(self.store, today=today)
        self.patient.show_sections(False)  # finding is enough here
        self.progress = ProgressScreen(self.store, active=True)
        self._banner = widgets.HTML(demo_banner_html(self.store))
        self._store_line = widgets.HTML(store_line_html(self.store))
        self._refresh_button = widgets.Button(
            description="Refresh",
            icon="refresh",
            tooltip="Read the store again: visits saved elsewhere since this page opened",
        )
        self._refreshed = widgets.HTML()

    def _layout(self) -> None:
        self.children = [
            self._banner,
            self._store_line,
            widgets.HBox([self._refresh_button, self._refreshed]),
            self.patient,
            self.progress,
        ]

    def _wire(self) -> None:
        self.patient.on_choose(self._on_patient)
        self._refresh_button.on_click(self.refresh)

    # for the notebook ---------------------------------------------------------------------------
    def refresh(self, _button: widgets.Button | None = None) -> None:
        """Read the store again: the list, and the open patient's progress, chart and report."""
        self.patient.refresh_list()
        self.progress.refresh()
        chosen = self.patient.model.chosen
        where = f" for {chosen.name}" if chosen else ""
        self._refreshed.value = message_html(f"Read from the store again{where}.", "info")

    # callbacks ------------------------------------------------------------------------------------
    def _on_patient(self, chosen: ChosenPatient) -> None:
        self.progress.show_patient(chosen.patient_id)

"""The open patient's progress numbers, chart and exports: the model behind the progress
screen; no widgets.

It reads the store and calls the package (``workbook.clinical.outcomes``,
``workbook.documents.charts``, ``workbook.documents.report``, ``workbook.documents.share``).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import WorkbookError
from ..records.paths import exports_dir

__all__ = ["ProgressModel"]


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

    def open_patient(self) -> str:
        """The id of the patient loaded last; a WorkbookError when none is."""
        if self.patient_id is None:
            raise WorkbookError("patient", None, "open a patient first")
        return self.patient_id

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
        progress_report(self.store, self.open_patient(), path)
        return path.read_bytes(), name

    def share(self) -> tuple[bytes, str]:
        """A de-identified case bundle (zip) for a colleague: ``(bytes, file name)``.

        The name carries no date: today may be a visit date, which the bundle must not reveal.
        """
        from ..documents.share import share_case

        folder = Path(tempfile.mkdtemp(prefix="share-", dir=exports_dir()))
        path = share_case(self.store, self.open_patient(), folder / "shared-case.zip")
        return Path(path).read_bytes(), "shared-case.zip"

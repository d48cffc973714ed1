"""The open patient's progress numbers, review flags, chart and exports: the model behind the
progress screen; no widgets.

It reads the store and calls the package (``workbook.clinical.outcomes``, ``.review``,
``.questionnaires``, ``.adherence``, ``workbook.documents.live_chart``, ``.report``, ``.share``).

Speed and memory: one chart renderer (one matplotlib Figure) serves every patient, and only the
current patient's PNG is kept. :meth:`ProgressModel.prepare` does all the reading and drawing,
so the screen can run it in the background right after a patient is picked and show the result
at once when its tab is clicked.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from ..clinical.adherence import adherence_summary
from ..clinical.questionnaires import PSFS_COLUMNS, psfs_progress
from ..documents.live_chart import SCREEN_WIDTH_PX, ProgressChart
from ..errors import WorkbookError
from ..records.paths import export_name, exports_dir

__all__ = ["ProgressModel", "psfs_frame"]


def psfs_frame(visits: pd.DataFrame) -> pd.DataFrame:
    """The visits' PSFS ratings, one row per visit and activity (``PSFS_COLUMNS``)."""
    rows: list[tuple[Any, Any, str, float]] = []
    if "psfs" in visits.columns:
        for visit in visits.to_dict("records"):
            ratings = visit.get("psfs")
            if isinstance(ratings, dict):
                rows.extend(
                    (visit["visit_id"], visit["visit_date"], activity, float(score))
                    for activity, score in ratings.items()
                )
    return pd.DataFrame(rows, columns=list(PSFS_COLUMNS))


class ProgressModel:
    """The open patient's progress numbers and chart; no widgets.

    Parameters
    ----------
    store : workbook.records.store.Store
    today : datetime.date, optional
        For "reassessment due" (fixed in tests).
    width_px : int
        The chart's width on screen, in pixels (drawn at exactly that width).
    """

    def __init__(
        self, store: Any, *, today: dt.date | None = None, width_px: int = SCREEN_WIDTH_PX
    ) -> None:
        self.store = store
        self._today = today
        self.width_px = width_px
        self.patient_id: str | None = None
        self.name: str = ""
        self.measurements: pd.DataFrame = pd.DataFrame()
        self.visits: pd.DataFrame = pd.DataFrame()
        self.profile: Any = None
        self.table: pd.DataFrame = pd.DataFrame()
        self.scores: pd.DataFrame = pd.DataFrame()
        self.flags: pd.DataFrame = pd.DataFrame()
        self.psfs: pd.DataFrame = pd.DataFrame()
        self.adherence: dict[str, float | int] = {}
        self._renderer = ProgressChart(width_px=width_px)  # one Figure for every patient
        self._png: tuple[tuple, bytes] | None = None  # the current patient's chart only
        self._lock = threading.RLock()  # the background drawing and a click never overlap

    @property
    def today(self) -> dt.date:
        return self._today or dt.date.today()

    def load(self, patient_id: str) -> pd.DataFrame:
        """Read the patient's record and compute the progress tables and review flags."""
        from ..clinical.outcomes import progress, score_progress
        from ..clinical.review import review

        with self._lock:
            profile = self.store.profile(patient_id)
            if patient_id != self.patient_id or profile != self.profile:
                self._renderer.reset(profile)  # new normal values and axes, the same Figure
                self._png = None
            self.patient_id, self.profile = patient_id, profile
            self.name = str(self.store.patient(patient_id).get("name", ""))
            self.measurements = self.store.measurements(patient_id)
            self.visits = self.store.visits(patient_id)
            self.table = progress(self.measurements, self.visits, profile)
            self.scores = score_progress(self.visits)
            self.flags = review(
                self.measurements, self.visits, self._with_visit_flags(profile), today=self.today
            )
            self.psfs = psfs_progress(psfs_frame(self.visits))
            self.adherence = adherence_summary(self.visits)
            return self.table

    def _with_visit_flags(self, profile: Any) -> Any:
        """The profile with the red flags answered yes at the latest visit that asked them."""
        if "red_flags" not in self.visits.columns or profile is None:
            return profile
        for flags in reversed(list(self.visits["red_flags"])):
            if isinstance(flags, list | tuple):
                merged = set(profile.red_flags) | set(flags)
                return dataclasses.replace(profile, red_flags=frozenset(merged))
        return profile

    def prepare(self, patient_id: str, wanted: Callable[[], bool] = lambda: True) -> bool:
        """Everything the screen shows, chart included: for a background thread after a pick.

        ``wanted()`` is asked once the lock is held: a request overtaken by a later pick does
        nothing (so an older patient can never replace the one on screen). True when done.
        """
        with self._lock:
            if not wanted():
                return False
            self.load(patient_id)
            if self.has_data:
                self.chart_png()
            return True

    def open_patient(self) -> str:
        """The id of the patient loaded last; a WorkbookError when none is."""
        if self.patient_id is None:
            raise WorkbookError("patient", None, "open a patient first")
        return self.patient_id

    @property
    def _data_key(self) -> tuple:
        versions = tuple(self.visits.get("version", pd.Series(dtype=object)))
        ids = tuple(self.visits.get("visit_id", pd.Series(dtype=object)))
        return (self.patient_id, ids, versions, len(self.measurements))

    @property
    def chart_cached(self) -> bool:
        """True when the chart for what is loaded is drawn already (shown at once)."""
        return self._png is not None and self._png[0] == self._data_key

    @property
    def has_data(self) -> bool:
        return len(self.measurements) > 0 or len(self.visits) > 0

    def figure(self) -> Any:
        """A new Figure of the progress chart, at print quality (for exports)."""
        from ..documents.charts import progress_chart

        return progress_chart(self.measurements, self.visits, profile=self.profile)

    def chart_png(self) -> bytes:
        """PNG bytes of the chart for the screen, ``width_px`` wide (drawn once per change)."""
        with self._lock:
            key = self._data_key
            if self._png is None or self._png[0] != key:
                self._png = (key, self._renderer.update(self.measurements, self.visits))
            return self._png[1]

    def file_name(self, what: str, suffix: str) -> str:
        """``<initials>-<what>-<date><suffix>``: exports a therapist can file."""
        return export_name(self.name, what, self.today, suffix)

    def export(self, fmt: str) -> tuple[bytes, str]:
        """The chart as a file, written under the exports folder: ``(bytes, file name)``."""
        from ..documents.charts import export_chart

        name = self.file_name("progress-chart", f".{fmt}")
        path = exports_dir() / name
        export_chart(self.figure(), path)
        return path.read_bytes(), name

    def report(self) -> tuple[bytes, str]:
        """The multi-page progress report (PDF): ``(bytes, file name)``."""
        from ..documents.report import progress_report

        name = self.file_name("progress-report", ".pdf")
        path = exports_dir() / name
        progress_report(self.store, self.open_patient(), path)
        return path.read_bytes(), name

    def share(self) -> tuple[bytes, str]:
        """A de-identified case bundle (zip) for a colleague: ``(bytes, file name)``.

        The name carries no initials and no date: today may be a visit date, which the bundle
        must not reveal.
        """
        from ..documents.share import share_case

        folder = Path(tempfile.mkdtemp(prefix="share-", dir=exports_dir()))
        path = share_case(self.store, self.open_patient(), folder / "shared-case.zip")
        return Path(path).read_bytes(), "shared-case.zip"

"""The progress report: one PDF a therapist can print or file.

Pages, in order:

1. the progress chart (range of motion per motion and side, pain and ODI);
2. the progress table (baseline, latest, change against the MDC, percent of normal with its
   reference, left-right difference) and the pain and ODI summary against their MCID;
3. the current routine (the latest routine recorded at a visit);
4. the pain and ODI course, visit by visit, with its chart; a long course continues on further
   pages of ``COURSE_ROWS_PER_PAGE`` visits.

Made with matplotlib's PDF backend (``PdfPages``) and the object API only. The PDF's metadata is
neutral (no software version, no creation date, no title); the patient's name is printed on the
pages unless ``include_name=False``.
"""

from __future__ import annotations

import math
import os
import re
import textwrap
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..clinical.display import (
    DEG,
    MISSING,
    count_label,
    format_date,
    format_degrees,
    format_number,
    format_percent,
    normal_label,
    score_label,
    verdict_label,
    yes_no,
)
from ..clinical.measures import motion_label, odi_band
from ..clinical.outcomes import progress, score_progress
from ..clinical.profile import PatientProfile
from ..errors import WorkbookError
from .chart_export import laid_out_once
from .charts import progress_chart, score_chart
from .files import atomic_path, check_target, neutral_metadata, pdf_text
from .literal_text import literal_text

__all__ = [
    "A4_LANDSCAPE",
    "A4_PORTRAIT",
    "COURSE_ROWS_PER_PAGE",
    "ProgressStore",
    "progress_report",
    "report_page_count",
    "report_pages",
    "without_paths",
]

A4_PORTRAIT = (8.27, 11.69)
A4_LANDSCAPE = (11.69, 8.27)
COURSE_ROWS_PER_PAGE = 28
_FONT = 8
_HEADER_GREY = "#e8e8e8"


class ProgressStore(Protocol):
    """What the report reads from a store (``workbook.records.store.Store`` provides it)."""

    def patient(self, patient_id: str) -> dict[str, Any]: ...
    def profile(self, patient_id: str) -> PatientProfile: ...
    def visits(self, patient_id: str) -> pd.DataFrame: ...
    def measurements(self, patient_id: str) -> pd.DataFrame: ...


def report_page_count(n_course_visits: int) -> int:
    """Pages in a report whose visit log has ``n_course_visits`` visits."""
    return 3 + max(1, math.ceil(n_course_visits / COURSE_ROWS_PER_PAGE))


def _page(size: tuple[float, float], heading: str, subtitle: str) -> Figure:
    fig = Figure(figsize=size)
    FigureCanvasAgg(fig)
    fig.text(0.05, 0.965, heading, fontsize=_FONT + 6, fontweight="bold", va="top")
    if subtitle:
        fig.text(0.05, 0.935, subtitle, fontsize=_FONT + 1, va="top", color="#444444")
    return fig


# The look of matplotlib's ``ax.table`` (row height from a 10 pt font, scaled 1.35; 2 % margin;
# text a tenth of a column in), drawn as one line collection and plain texts: no patch, and no
# measuring of every cell at each draw, which made the tables a third of the report's time.
_ROW_SCALE = 10 / 72 * 1.2 * 1.35  # inches per row
_TABLE_MARGIN = 0.02
_CELL_INDENT = 0.1
_GRID_COLOUR, _GRID_WIDTH = "#bbbbbb", 0.4


def _table(
    fig: Figure,
    rect: tuple[float, float, float, float],
    header: list[str],
    rows: list[list[str]],
    widths: list[float],
    *,
    font: float = _FONT,
) -> None:
    """A ruled table of ``rows`` under a grey ``header`` in ``rect`` (figure fractions); column
    ``widths`` are fractions of the rectangle."""
    ax = fig.add_axes(rect)
    ax.set_axis_off()
    if not rows:
        ax.text(0, 1, "Nothing recorded yet.", fontsize=font + 1, va="top")
        return
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    height = _ROW_SCALE / (rect[3] * fig.get_figheight())
    edges = _TABLE_MARGIN + np.concatenate([[0.0], np.cumsum(widths)])
    top = 1 - _TABLE_MARGIN
    lines = top - height * np.arange(len(rows) + 2)
    ax.add_patch(
        Rectangle((edges[0], lines[1]), edges[-1] - edges[0], height, color=_HEADER_GREY, lw=0)
    )
    ax.add_collection(
        LineCollection(
            [[(edges[0], y), (edges[-1], y)] for y in lines]
            + [[(x, lines[0]), (x, lines[-1])] for x in edges],
            colors=_GRID_COLOUR,
            linewidths=_GRID_WIDTH,
        )
    )
    for number, row in enumerate([header, *rows]):
        middle = top - height * (number + 0.5)
        weight = "bold" if number == 0 else "normal"
        for left, width, cell in zip(edges, widths, row, strict=False):
            text = cell if number == 0 else without_paths(cell)
            ax.text(left + _CELL_INDENT * width, middle, text, fontsize=font, va="center",
                    fontweight=weight)  # fmt: skip


_DATA_PATH = re.compile(r"\s*[(,;]?\s*(?:see\s+)?(?:data/)?[\w-]+\.csv\)?", re.IGNORECASE)


def without_paths(text: object) -> str:
    """Text for the printed page without the data files it came from (a developer's detail).

    Examples
    --------
    >>> without_paths("MDC95 (data/measurement_error.csv)")
    'MDC95'
    >>> without_paths("stretch table (data/stretches.csv), Ostelo 2008")
    'stretch table, Ostelo 2008'
    """
    return _DATA_PATH.sub("", str(text)).strip()


def _notes(fig: Figure, y: float, lines: list[str]) -> None:
    fig.text(
        0.05,
        y,
        # wrapped to the page's width (landscape A4 at this size takes about 180 characters)
        "\n".join(textwrap.fill(without_paths(line), 175) for line in lines),
        fontsize=_FONT - 0.5,
        va="top",
        color="#333333",
        linespacing=1.5,
    )


def _chart_page(
    measurements: pd.DataFrame, visits: pd.DataFrame, profile: PatientProfile, title: str
) -> Figure:
    return progress_chart(measurements, visits, profile=profile, figsize=A4_PORTRAIT, title=title)


# The numbers are computed in clinical.outcomes and turned into words by clinical.display;
# the tables below only lay them out. Column widths are fractions of the table (at most 1).
_ROM_COLUMNS: tuple[tuple[str, float], ...] = (
    ("Motion", 0.12),
    ("Side", 0.04),
    ("Visits", 0.04),
    ("First visit", 0.07),
    ("First value", 0.065),
    ("Latest visit", 0.07),
    ("Latest value", 0.075),
    ("Change", 0.05),
    ("MDC", 0.045),
    ("Judgement", 0.075),
    ("% of normal", 0.07),
    ("Normal (reference)", 0.12),
    ("Left − right", 0.07),
    ("Instrument", 0.09),
)
_SCORE_COLUMNS: tuple[tuple[str, float], ...] = (
    ("Measure", 0.135),
    ("Scored", 0.05),
    ("First visit", 0.08),
    ("First score", 0.075),
    ("Latest visit", 0.08),
    ("Latest score", 0.085),
    ("Change", 0.055),
    ("Change %", 0.07),
    ("MCID", 0.05),
    ("Meets MCID", 0.08),
    ("Meets 30 %", 0.08),
    ("Judgement", 0.15),
)
_PROGRESS_NOTES = [
    "First and latest visit: the first and last visits at which each was measured. "
    "Change: latest minus first; a larger angle is better, a lower pain or ODI score is "
    "better.",
    "Range of motion: 'improved' or 'worse' when the change reaches the minimal detectable "
    "change (MDC95, from the measurement-error reference); 'within error' when it "
    "does not, so it may be measurement noise.",
    "Pain and ODI: 'improved' when the fall reaches both the MCID and 30 % of the first "
    "score (Ostelo 2008).",
    f"Instrument 'changed': readings differ by 3-5{DEG} between instruments, so compare with "
    "care. Normal values: the reference named beside each value.",
]


def _rom_rows(table: pd.DataFrame) -> list[list[str]]:
    return [
        [
            motion_label(str(row["motion"])),
            str(row["side"]),
            str(row["n_visits"]),
            format_date(row["baseline_date"]),
            format_degrees(row["baseline_degrees"]),
            format_date(row["latest_date"]),
            format_degrees(row["latest_degrees"]),
            format_degrees(row["change_degrees"], signed=True),
            format_degrees(row["mdc_degrees"], digits=1),
            verdict_label(row["real_change"], short=True),
            format_percent(row["percent_of_normal"]),
            normal_label(float(row["normal_degrees"]), str(row["normal_source"])),
            format_degrees(row["side_difference_degrees"], signed=True),
            "changed" if row["instrument_changed"] else "same",
        ]
        for row in table.to_dict("records")
    ]


def _score_rows(scores: pd.DataFrame) -> list[list[str]]:
    return [
        [
            score_label(str(row["measure"]), scale=True),
            str(row["n_visits"]),
            format_date(row["baseline_date"]),
            format_number(row["baseline_points"]),
            format_date(row["latest_date"]),
            format_number(row["latest_points"]),
            format_number(row["change_points"], signed=True),
            format_percent(row["change_percent"], signed=True),
            format_number(row["mcid_points"]),
            yes_no(row["meets_mcid"]),
            yes_no(row["meets_percent"]),
            verdict_label(row["important_change"], short=True),
        ]
        for row in scores.to_dict("records")
    ]


def _progress_page(table: pd.DataFrame, scores: pd.DataFrame, subtitle: str) -> Figure:
    fig = _page(A4_LANDSCAPE, "Progress", subtitle)
    header, widths = zip(*_ROM_COLUMNS, strict=True)
    _table(
        fig, (0.05, 0.40, 0.88, 0.5), list(header), _rom_rows(table), list(widths), font=_FONT - 1
    )
    fig.text(0.05, 0.37, "Pain and disability", fontsize=_FONT + 3, fontweight="bold", va="top")
    header, widths = zip(*_SCORE_COLUMNS, strict=True)
    _table(fig, (0.05, 0.17, 0.9, 0.17), list(header), _score_rows(scores), list(widths))
    _notes(fig, 0.12, _PROGRESS_NOTES)
    return fig


def _latest_routine(visits: pd.DataFrame) -> tuple[pd.Timestamp | None, dict[str, Any] | None]:
    if "routine" not in visits.columns:
        return None, None
    ordered = visits.sort_values("visit_date", kind="stable")
    for _, row in ordered.iloc[::-1].iterrows():
        routine = row["routine"]
        if isinstance(routine, dict) and routine.get("items"):
            return pd.Timestamp(row["visit_date"]), routine
    return None, None


def _routine_page(visits: pd.DataFrame, subtitle: str) -> Figure:
    from ..clinical.stretches import load_stretches, movement_label

    fig = _page(A4_LANDSCAPE, "Current routine", subtitle)
    given, routine = _latest_routine(visits)
    if routine is None:
        fig.text(0.05, 0.85, "No routine recorded at a visit yet.", fontsize=_FONT + 2)
        return fig
    names = dict(zip(*(load_stretches()[c] for c in ("stretch_id", "name")), strict=True))
    rows = []
    for item in routine["items"]:
        movement = str(item.get("movement", ""))
        try:
            movement_text = movement_label(movement)
        except WorkbookError:  # an older routine may name a movement the table no longer has
            movement_text = movement
        stretch_id = str(item.get("stretch_id", ""))
        rows.append(
            [
                movement_text,
                names.get(stretch_id, stretch_id),
                format_number(item.get("hold_s")),
                format_number(item.get("reps")),
                format_number(item.get("per_week")),
                str(item.get("chosen_by", "")),
            ]
        )
    fig.text(
        0.05, 0.89, f"Given at the visit of {format_date(given)}.", fontsize=_FONT + 1, va="top"
    )
    _table(
        fig,
        (0.05, 0.3, 0.9, 0.56),
        ["Movement", "Stretch", "Hold (s)", "Repetitions", "Days a week", "Chosen by"],
        rows,
        [0.27, 0.33, 0.08, 0.1, 0.1, 0.1],
        font=_FONT + 1,
    )
    return fig


def _numbers(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as numbers (NaN where empty or absent)."""
    if column not in frame.columns:
        return pd.Series(float("nan"), index=frame.index, dtype="float64")
    return pd.to_numeric(frame[column], errors="coerce").astype("float64")


def _course_pages(visits: pd.DataFrame, subtitle: str) -> list[Figure]:
    ordered = visits.sort_values("visit_date", kind="stable").reset_index(drop=True)
    pain = _numbers(ordered, "pain_nprs")
    odi = _numbers(ordered, "odi_index")
    rows = []
    for i in range(len(ordered)):
        band = odi_band(float(odi[i])) if pd.notna(odi[i]) else MISSING
        rows.append(
            [
                format_date(ordered.at[i, "visit_date"]),
                format_number(pain[i]),
                format_number(odi[i]),
                band,
            ]
        )
    header = ["Visit", "Pain (NPRS 0-10)", "ODI (0-100)", "ODI band (Fairbank)"]
    widths = [0.25, 0.25, 0.2, 0.3]
    pages = []
    chunks = [
        rows[i : i + COURSE_ROWS_PER_PAGE] for i in range(0, len(rows), COURSE_ROWS_PER_PAGE)
    ] or [[]]
    for number, chunk in enumerate(chunks):
        heading = "Pain and disability course" + (" (continued)" if number else "")
        fig = _page(A4_PORTRAIT, heading, subtitle)
        top = 0.9
        if number == 0:
            ax = fig.add_axes((0.1, 0.62, 0.8, 0.26))
            score_chart(ordered.assign(pain_nprs=pain, odi_index=odi), ax=ax)
            top = 0.56
        _table(fig, (0.1, 0.04, 0.8, top - 0.04), header, chunk, widths)
        pages.append(fig)
    return pages


@literal_text()  # names, notes and routines are patient text, never mathtext
def report_pages(
    store: ProgressStore, patient_id: str, *, include_name: bool = True
) -> list[Figure]:
    """The report's pages as Figures, in order (see :func:`progress_report`)."""
    patient = store.patient(patient_id)
    profile = store.profile(patient_id)
    visits = store.visits(patient_id)
    measurements = store.measurements(patient_id)

    name = str(patient.get("name", "")) if include_name else ""
    last_visit = format_date(visits["visit_date"].max()) if len(visits) else MISSING
    subtitle = " · ".join(
        part
        for part in (name, f"{count_label(len(visits), 'visit')}, the last on {last_visit}")
        if part
    )
    return [
        _chart_page(measurements, visits, profile, name or "Progress"),
        _progress_page(progress(measurements, visits, profile), score_progress(visits), subtitle),
        _routine_page(visits, subtitle),
        *_course_pages(visits, subtitle),
    ]


def progress_report(
    store: ProgressStore,
    patient_id: str,
    path: str | os.PathLike[str],
    *,
    include_name: bool = True,
) -> Path:
    """Write a patient's progress report as a multi-page PDF, readable by its owner only.

    Parameters
    ----------
    store : Store
        An open store (anything with ``patient``, ``profile``, ``visits``, ``measurements``).
    patient_id : str
    path : str or path-like
        A ``.pdf`` file in an existing folder. Written beside the target and renamed, so it is
        complete or absent.
    include_name : bool, default True
        Print the patient's name on the pages (for the clinic's file). False leaves it out.

    Returns
    -------
    Path
        The file written; ``report_page_count(len(visits))`` pages.

    Raises
    ------
    WorkbookError
        For a path not ending in .pdf or in a missing folder, or an unknown patient (from the
        store).
    """
    target = check_target(path, (".pdf",))
    pages = report_pages(store, patient_id, include_name=include_name)
    with (
        atomic_path(target) as temporary,
        pdf_text(),
        PdfPages(temporary, metadata=neutral_metadata("pdf")) as pdf,
    ):
        for page in pages:
            # The chart page lays itself out once, not twice (see chart_export.laid_out_once).
            with laid_out_once(page, fmt="pdf"):
                pdf.savefig(page)
    return target

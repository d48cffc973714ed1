"""Progress charts: range of motion per motion and side, with pain and disability on the same dates.

Built with matplotlib's object API (:class:`matplotlib.figure.Figure`), never pyplot, so charts
are deterministic, testable without a display and safe inside widget callbacks. The work is
split by step, each in its own module:

- :mod:`~workbook.documents.chart_plan`: what to draw, worked out from the data;
- :mod:`~workbook.documents.chart_draw`: drawing it (what each panel shows, and why);
- :mod:`~workbook.documents.chart_export`: :func:`export_chart` writes PNG (at least 150 dpi),
  SVG or PDF, with neutral metadata and no identifiers unless the caller adds them;
- :mod:`~workbook.documents.live_chart`: :class:`ProgressChart`, the screen renderer that redraws
  only the lines between visits.

This module holds the two drawing entry points, :func:`progress_chart` (the whole chart, for a
notebook, the report or an export) and :func:`score_chart` (pain and ODI on an ``ax``), and
names the others so that ``from workbook.documents.charts import ...`` finds every public name.

Examples
--------
>>> import pandas as pd
>>> readings = pd.DataFrame({
...     "visit_id": ["v1", "v2"], "visit_date": ["2024-03-01", "2024-03-15"],
...     "motion": ["hip_flexion"] * 2, "side": ["left"] * 2, "degrees": [95.0, 104.0],
...     "instrument": ["goniometer"] * 2, "position": ["supine"] * 2})
>>> fig = progress_chart(readings)
>>> [ax.get_title(loc="left") for ax in fig.axes]
['Hip flexion']
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..clinical.profile import PatientProfile
from ..errors import WorkbookError
from .chart_draw import (
    FONT_SIZE,
    NORMAL_FILL,
    NORMAL_LINE,
    OKABE_ITO,
    SCORE_STYLE,
    SIDE_STYLE,
    draw_chart,
    draw_scores,
    format_date_axis,
)
from .chart_export import EXPORT_DPI, EXPORT_FORMATS, MIN_EXPORT_DPI, export_chart
from .chart_plan import ChartPlan, axis_limits, plan_chart, score_series
from .live_chart import SCREEN_DPI, ProgressChart, check_title

__all__ = [
    "EXPORT_DPI",
    "EXPORT_FORMATS",
    "MIN_EXPORT_DPI",
    "NORMAL_FILL",
    "NORMAL_LINE",
    "OKABE_ITO",
    "SCORE_STYLE",
    "SCREEN_DPI",
    "SIDE_STYLE",
    "ProgressChart",
    "export_chart",
    "progress_chart",
    "score_chart",
]


def _check_ax(ax: object) -> None:
    if ax is not None and not isinstance(ax, Axes):
        raise WorkbookError("ax", type(ax).__name__, "a matplotlib Axes or None")


def progress_chart(
    measurements: pd.DataFrame,
    visits: pd.DataFrame | None = None,
    *,
    motions: Sequence[str] | None = None,
    title: str | None = None,
    ax: Axes | None = None,
    profile: PatientProfile | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Draw range of motion over time, one panel per motion, with pain and ODI below.

    Parameters
    ----------
    measurements : DataFrame
        From ``store.measurements(patient_id)`` (visit_id, visit_date, motion, side, degrees,
        instrument, position). May be empty: the chart then says there are no measurements yet.
    visits : DataFrame, optional
        From ``store.visits(patient_id)``; its pain_nprs and odi_index are drawn in a panel of
        their own when any were recorded.
    motions : list of str, optional
        The motions to show, in this order; a motion without readings gets a "not measured yet"
        panel. Default: every motion measured, in the order of ``MOTIONS``.
    title : str, optional
        A title over the chart. Nothing is written unless given, so a chart never carries a
        patient's name by accident.
    ax : Axes, optional
        Draw into the space of this Axes (made by ``subplots``/``add_subplot``) in the caller's
        Figure instead of a new Figure. A single panel uses ``ax`` itself; several panels
        replace it with a grid in its place.
    profile : PatientProfile, optional
        Its age chooses age-specific normal values (see
        :func:`workbook.clinical.reference.normal_value`).
    figsize : (float, float), optional
        Inches; by default sized to the number of panels.

    Returns
    -------
    Figure
    """
    plan = plan_chart(measurements, visits, motions=motions, profile=profile)
    _check_ax(ax)
    drawn = draw_chart(
        plan,
        axis_limits(plan, headroom=False),
        title=check_title(title),
        ax=ax,
        animated=False,
        figsize=figsize,
    )
    return drawn.figure


def score_chart(visits: pd.DataFrame | None, *, ax: Axes | None = None) -> Axes:
    """Draw pain (NPRS, left axis) and disability (ODI, right axis) over the visit dates.

    Parameters
    ----------
    visits : DataFrame or None
        From ``store.visits(patient_id)``: visit_date, pain_nprs, odi_index.
    ax : Axes, optional
        Where to draw; by default a new Figure.

    Returns
    -------
    Axes
        The pain axes (the ODI axes is its twin); with nothing recorded, an axes that says so.

    Examples
    --------
    >>> visits = pd.DataFrame({"visit_date": ["2024-03-01", "2024-03-15"],
    ...                        "pain_nprs": [6, 3], "odi_index": [40.0, 24.0]})
    >>> score_chart(visits).get_title(loc="left")
    'Pain and disability'
    """
    _check_ax(ax)
    if ax is None:
        fig = Figure(figsize=(8, 3), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
    scores = score_series(visits)
    plan = ChartPlan(
        panels=(), scores=scores, dates=np.concatenate([x for x, _ in scores.values()])
    )
    with mpl.rc_context({"font.size": FONT_SIZE}):
        if not plan.has_scores:
            ax.text(
                0.5,
                0.5,
                "No pain or ODI scores recorded yet",
                ha="center",
                va="center",
                fontsize=FONT_SIZE + 2,
                color=NORMAL_LINE,
                transform=ax.transAxes,
            )
            ax.set_axis_off()
            return ax
        lines = draw_scores(ax, plan, animated=False)
        limits = axis_limits(plan, headroom=False)
        if limits.x is not None:
            ax.set_xlim(*limits.x)
            format_date_axis(ax)
        shown = [line for (_, score), line in lines.items() if len(plan.scores[score][0])]
        ax.legend(handles=shown, loc="upper right", fontsize=FONT_SIZE - 1)
    return ax

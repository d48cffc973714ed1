"""Progress charts drawn on a kept Figure, for pictures drawn once and thrown away.

A shared case's chart is drawn, turned into a PNG and dropped. Most of its time is matplotlib
making things every chart of that shape has anyway: the Figure, its Axes, their ticks (some
ninety, each three lines and two texts) and the drawing buffer; and then Python's collector
walking all of them. :class:`KeptCharts` keeps one Figure per chart shape (the motions shown,
scores or none, title or none) and draws the next chart of that shape on it: everything that
carries the patient's numbers or words is taken away (:func:`wipe`) and drawn anew, the rest is
kept. The picture is the same, byte for byte, as one drawn
on a new Figure (``tests/documents/test_chart_kept.py``).

The kept Figure never leaves :meth:`KeptCharts.chart`: callers get it inside a ``with`` block
and make their file there, so nothing outside holds a Figure that the next chart redraws. Two
threads never share it: while one draws, another gets a Figure of its own. At most
``shapes`` Figures are kept, the least recently used dropped first: each holds about 20 MB
(its drawing buffer at print resolution, 17 MB, with it), so two by default.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
from matplotlib.figure import Figure

from ..clinical.profile import PatientProfile
from .chart_draw import DrawnChart, draw_chart
from .chart_plan import axis_limits, plan_chart

__all__ = ["KEPT_CHARTS", "KeptCharts", "wipe"]


class KeptCharts:
    """One kept Figure per chart shape, at most ``shapes`` of them (about 20 MB each).

    Examples
    --------
    >>> readings = pd.DataFrame({
    ...     "visit_id": ["v1"], "visit_date": ["2024-03-01"], "motion": ["hip_flexion"],
    ...     "side": ["left"], "degrees": [95.0], "instrument": ["goniometer"], "position": [""]})
    >>> kept = KeptCharts()
    >>> with kept.chart(readings) as first:
    ...     pass
    >>> with kept.chart(readings.assign(degrees=101.0)) as second:
    ...     second is first, kept.redraws
    (True, 1)
    """

    def __init__(self, shapes: int = 2) -> None:
        self.shapes = shapes
        self.redraws = 0  # charts drawn on a kept Figure; for tests and benchmarks
        self._figures: OrderedDict[tuple, DrawnChart] = OrderedDict()
        self._lock = threading.Lock()

    @contextmanager
    def chart(
        self,
        measurements: pd.DataFrame,
        visits: pd.DataFrame | None = None,
        *,
        profile: PatientProfile | None = None,
    ) -> Iterator[Figure]:
        """The chart ``progress_chart`` draws for these arguments, on a kept Figure.

        Use the Figure inside the block only (make its file there): the next chart of the
        same shape is drawn on it.
        """
        plan = plan_chart(measurements, visits, motions=None, profile=profile)
        limits = axis_limits(plan, headroom=False)
        shape = (tuple(panel.motion for panel in plan.panels), plan.has_scores)
        if not self._lock.acquire(blocking=False):  # another thread is drawing: a new Figure
            yield draw_chart(plan, limits, title=None, ax=None, animated=False).figure
            return
        try:
            kept = self._figures.pop(shape, None)
            if kept is not None:
                wipe(kept.figure)
            drawn = draw_chart(plan, limits, title=None, ax=None, animated=False, onto=kept)
            self.redraws += kept is not None
            self._figures[shape] = drawn
            while len(self._figures) > self.shapes:
                self._figures.popitem(last=False)
            yield drawn.figure
        finally:
            self._lock.release()


def wipe(fig: Figure) -> None:
    """Take away every artist a chart added to ``fig``, to draw the next chart on it.

    What stays is what a chart of this shape always has: the Axes in their grid, their ticks
    (positions and labels are set anew at the next draw) and spines. Everything that carries
    a patient's numbers or words goes: lines, bands, texts, titles, axis labels, the key; the
    data limits are forgotten. ``tests/documents/test_chart_kept.py`` checks the chart drawn
    next is the same picture, byte for byte, as one drawn on a new Figure.
    """
    for legend in list(fig.legends):
        legend.remove()
    for ax in fig.axes:
        for artist in [*ax.lines, *ax.patches, *ax.collections, *ax.texts]:
            artist.remove()
        for loc in ("left", "center", "right"):
            ax.set_title("", loc=loc)
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.xaxis.get_offset_text().set_visible(True)
        ax.relim()
        ax.set_autoscale_on(True)


KEPT_CHARTS = KeptCharts()  # the process's kept Figures, for the shared case's chart

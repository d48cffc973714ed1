"""Progress charts drawn on a kept Figure, for pictures drawn once and thrown away.

A shared case's chart is drawn, turned into a PNG and dropped. Most of its time is matplotlib
making things every chart of that shape has anyway: the Figure, its Axes, their ticks (some
ninety, each three lines and two texts) and the drawing buffer; and then Python's collector
walking all of them. :class:`KeptCharts` keeps one Figure per chart shape (the motions shown,
scores or none; never a title) and draws the next chart of that shape on it: everything that
carries the patient's numbers or words is taken away (:func:`wipe`) and drawn anew, the rest is
kept. The picture is the same, byte for byte, as one drawn on a new Figure
(``tests/documents/test_chart_kept.py``).

The kept Figure never leaves :meth:`KeptCharts.chart`: callers get it inside a ``with`` block
and make their file there, so nothing outside holds a Figure that the next chart redraws. When
the block ends, the Figure is wiped and its drawing buffer blanked: nothing of the patient
stays in it. One thread draws at a time (matplotlib's settings, which drawing changes for a
while, are the process's); a chart asked for inside another's block is drawn on a Figure of
its own. At most ``shapes`` Figures are kept, the least recently used dropped first: each
holds about 20 MB (its drawing buffer at print resolution, 17 MB), so two by default.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure

from ..clinical.profile import PatientProfile
from .chart_draw import DrawnChart, draw_chart
from .chart_plan import AxisLimits, ChartPlan, axis_limits, plan_chart

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
        self._owner: int | None = None  # the thread inside a block, if any

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
        if self._owner == threading.get_ident():  # inside this thread's own block
            yield draw_chart(plan, limits, title=None, ax=None, animated=False).figure
            return
        with self._lock:
            self._owner = threading.get_ident()
            try:
                yield self._drawn(shape, plan, limits).figure
            finally:
                self._owner = None
                kept = self._figures.get(shape)
                if kept is not None:
                    _blank(kept.figure)

    def _drawn(self, shape: tuple, plan: ChartPlan, limits: AxisLimits) -> DrawnChart:
        """The chart on the kept Figure of ``shape`` (made if there is none); a chart that
        fails midway leaves no Figure kept for its shape."""
        kept = self._figures.pop(shape, None)
        drawn = draw_chart(plan, limits, title=None, ax=None, animated=False, onto=kept)
        self.redraws += kept is not None
        self._figures[shape] = drawn
        while len(self._figures) > self.shapes:
            self._figures.popitem(last=False)
        return drawn


def _blank(fig: Figure) -> None:
    """Wipe ``fig``, empty its tick labels (dates of the care among them) and clear its
    drawing buffer: nothing of the chart, words or pixels, stays in memory."""
    wipe(fig)
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            axis.offsetText.set_text("")
            for tick in [*axis.majorTicks, *axis.minorTicks]:  # set anew at the next draw
                tick.label1.set_text("")
                tick.label2.set_text("")
    renderer = getattr(fig.canvas, "renderer", None)  # Agg's buffer, once the figure is drawn
    if isinstance(renderer, RendererAgg):
        renderer.clear()


def wipe(fig: Figure) -> None:
    """Take away every artist a chart added to ``fig``, to draw the next chart on it.

    What stays is what a chart of this shape always has: the Axes in their grid, their ticks
    (positions and labels are set anew at the next draw) and spines. Everything that carries
    a patient's numbers or words goes: lines, bands, images, tables, texts (the figure's are
    emptied), titles, axis labels, keys; the data limits are forgotten.
    ``tests/documents/test_chart_kept.py`` checks the chart drawn next is the same picture, byte
    for byte, as one drawn on a new Figure.
    """
    for artist in [*fig.legends, *fig.artists, *fig.images, *fig.lines, *fig.patches]:
        artist.remove()
    for text in fig.texts:  # the figure's title among them: kept, emptied
        text.set_text("")
    for ax in fig.axes:
        drawn = [*ax.lines, *ax.patches, *ax.collections, *ax.texts, *ax.images, *ax.tables]
        for artist in [*drawn, *ax.artists, *ax.child_axes]:
            artist.remove()
        key = ax.get_legend()
        if key is not None:
            key.remove()
        for loc in ("left", "center", "right"):
            ax.set_title("", loc=loc)
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.xaxis.get_offset_text().set_visible(True)
        ax.relim()
        ax.set_autoscale_on(True)


KEPT_CHARTS = KeptCharts()  # the process's kept Figures, for the shared case's chart

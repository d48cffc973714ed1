"""The live progress chart of the screen: one Figure kept between visits, redrawn fast.

Everything that does not change between visits (axes, ticks, normal range, measurement-error
bands, legend) is cached as a bitmap and only the lines are redrawn, so a logged visit turns into
new PNG bytes in tens of milliseconds (``benchmarks/bench_chart.py``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..clinical.measures import SIDES
from ..clinical.profile import PatientProfile
from ..errors import WorkbookError
from .chart_draw import DrawnChart, draw_chart
from .chart_plan import AxisLimits, ChartPlan, axis_limits, plan_chart

__all__ = ["SCREEN_DPI", "ProgressChart", "check_title"]

SCREEN_DPI = 72  # the widget shows the chart at about its natural size


def check_title(title: object) -> str | None:
    """A chart title: text, or None (and '') for none."""
    if title is None or title == "":
        return None
    if not isinstance(title, str):
        raise WorkbookError("title", title, "a text or None")
    return title


class ProgressChart:
    """A progress chart kept alive between visits, redrawn fast for the widget screen.

    The first :meth:`update` draws the whole chart once with the data lines left out, keeps that
    picture (axes, ticks, normal ranges, MDC bands, legend) as a bitmap, then draws the lines on
    top. Later updates restore the bitmap and redraw only the lines, as long as the panels,
    normal values and first values are unchanged and the new points fit the axes; otherwise
    the chart is rebuilt. The date axis leaves room on the right for a few more visits, so a new
    visit does not usually force a rebuild.

    Parameters
    ----------
    profile : PatientProfile, optional
        For age-specific normal values.
    motions : list of str, optional
        As in ``progress_chart``.
    title : str, optional
        As in ``progress_chart``: none unless given.
    dpi : float, default 72
        Screen resolution; exports use ``progress_chart`` and ``export_chart`` at print
        resolution instead.
    blit : bool, default True
        False redraws the whole figure on every update (same picture, slower); for comparison.

    Examples
    --------
    >>> import pandas as pd
    >>> readings = pd.DataFrame({
    ...     "visit_id": ["v1"], "visit_date": ["2024-03-01"], "motion": ["hip_flexion"],
    ...     "side": ["left"], "degrees": [95.0], "instrument": ["goniometer"],
    ...     "position": ["supine"]})
    >>> chart = ProgressChart()
    >>> chart.update(readings)[:4]
    b'\\x89PNG'
    >>> later = pd.concat([readings, readings.assign(visit_id="v2", visit_date="2024-03-15",
    ...                                                degrees=99.0)])
    >>> _ = chart.update(later)
    >>> chart.rebuilds  # the second visit only redrew the lines
    1
    """

    def __init__(
        self,
        profile: PatientProfile | None = None,
        *,
        motions: Sequence[str] | None = None,
        title: str | None = None,
        dpi: float = SCREEN_DPI,
        blit: bool = True,
    ) -> None:
        if isinstance(dpi, bool) or not isinstance(dpi, int | float) or not 20 <= dpi <= 600:
            raise WorkbookError("dpi", dpi, "a number from 20 to 600")
        self.profile = profile
        self.motions = motions
        self.title = check_title(title)
        self.dpi = float(dpi)
        self.blit = bool(blit)
        self.rebuilds = 0  # how many times the whole chart was drawn; for tests and benchmarks
        self._drawn: DrawnChart | None = None
        self._key: tuple | None = None
        self._limits: AxisLimits | None = None
        self._background: Any = None

    @property
    def figure(self) -> Figure | None:
        """The screen figure (with the data lines only on the cached bitmap when blitting).

        For a file, use ``export_chart(progress_chart(...), path)``: it draws at print
        resolution and includes everything.
        """
        return self._drawn.figure if self._drawn else None

    def update(self, measurements: pd.DataFrame, visits: pd.DataFrame | None = None) -> bytes:
        """Draw the chart for these data and return it as PNG bytes (at ``dpi``).

        Parameters
        ----------
        measurements, visits : DataFrame
            As for ``progress_chart``: the patient's whole record, not just the new visit.

        Returns
        -------
        bytes
            A PNG image, for ``ipywidgets.Image(value=...)``.
        """
        plan = plan_chart(measurements, visits, motions=self.motions, profile=self.profile)
        drawn = self._drawn
        if (
            drawn is None
            or self._key != plan.layout_key
            or self._limits is None
            or not self._limits.fits(plan)
        ):
            drawn = self._rebuild(plan)
        else:
            self._set_lines(drawn, plan)
        canvas = _agg_canvas(drawn.figure)
        if self.blit:
            canvas.restore_region(self._background)
            for line in drawn.lines.values():
                if line.axes is not None:
                    line.axes.draw_artist(line)
        else:
            canvas.draw()
        return _encode_png(canvas)

    def _rebuild(self, plan: ChartPlan) -> DrawnChart:
        self._limits = axis_limits(plan, headroom=True)
        self._key = plan.layout_key
        self._drawn = draw_chart(
            plan, self._limits, title=self.title, ax=None, animated=self.blit, dpi=self.dpi
        )
        figure = self._drawn.figure
        canvas = _agg_canvas(figure)
        canvas.draw()
        # Freeze the layout: later blits must land exactly where the background was drawn.
        figure.set_layout_engine("none")
        if self.blit:
            self._background = canvas.copy_from_bbox(figure.bbox)
        self.rebuilds += 1
        return self._drawn

    @staticmethod
    def _set_lines(drawn: DrawnChart, plan: ChartPlan) -> None:
        lines = drawn.lines
        for panel in plan.panels:
            for side in SIDES:
                lines[(panel.motion, side)].set_data(*panel.series[side])
        for score, (x, y) in plan.scores.items():
            if ("score", score) in lines:
                lines[("score", score)].set_data(x, y)


def _agg_canvas(figure: Figure) -> FigureCanvasAgg:
    """The figure's Agg canvas (draw_chart always gives one): blitting needs Agg's buffer."""
    canvas = figure.canvas
    if not isinstance(canvas, FigureCanvasAgg):
        raise TypeError(f"the screen chart draws on an Agg canvas, not {type(canvas).__name__}")
    return canvas


def _encode_png(canvas: FigureCanvasAgg) -> bytes:
    from PIL import Image  # Pillow is a dependency of matplotlib itself

    width, height = canvas.get_width_height(physical=True)
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buffer = io.BytesIO()
    # Level 1: a screen image is thrown away at the next visit; speed beats a smaller file.
    image.convert("RGB").save(buffer, format="png", compress_level=1)
    return buffer.getvalue()

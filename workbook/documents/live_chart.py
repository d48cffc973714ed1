"""The live progress chart of the screen: one Figure kept between visits, redrawn fast.

Everything that does not change between visits (axes, ticks, normal range, measurement-error
bands, legend) is cached as a bitmap and only the lines are redrawn, so a logged visit turns into
new PNG bytes in tens of milliseconds (``benchmarks/bench_chart.py``).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..clinical.measures import SIDES
from ..clinical.profile import PatientProfile
from ..errors import WorkbookError
from .chart_draw import FONT_SIZE, DrawnChart, draw_chart
from .chart_plan import AxisLimits, ChartPlan, axis_limits, plan_chart

__all__ = ["SCREEN_DPI", "SCREEN_WIDTH_PX", "ProgressChart", "check_title"]

SCREEN_DPI = 72  # the widget shows the chart at about its natural size
#: The chart's width on a 1366 x 768 laptop, in pixels: drawn at this width, shown at this width
#: (never scaled by the browser, so never blurred).
SCREEN_WIDTH_PX = 940
# the screen chart is shorter than the printed one, so more of it fits a laptop's height
_SCREEN_PANEL_IN, _SCREEN_SCORE_IN, _SCREEN_MARGIN_IN = 1.9, 1.7, 0.8


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
    width_px : int, optional
        Draw exactly this many pixels wide (the resolution follows), on one Figure reused for
        every patient, with the legend at the top: the screen's chart. Without it, the chart
        is drawn at ``dpi`` on a new Figure per layout, the legend at the bottom.

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
        width_px: int | None = None,
    ) -> None:
        if isinstance(dpi, bool) or not isinstance(dpi, int | float) or not 20 <= dpi <= 600:
            raise WorkbookError("dpi", dpi, "a number from 20 to 600")
        self.profile = profile
        self.motions = motions
        self.title = check_title(title)
        self.dpi = float(dpi)
        self.blit = bool(blit)
        if width_px is not None and (
            isinstance(width_px, bool) or not isinstance(width_px, int) or not width_px >= 200
        ):
            raise WorkbookError("width_px", width_px, "a whole number of pixels, 200 or more")
        self.width_px = width_px
        self._figure: Figure | None = None  # the one Figure reused when width_px is given
        self.rebuilds = 0  # how many times the whole chart was drawn; for tests and benchmarks
        self._drawn: DrawnChart | None = None
        self._key: tuple | None = None
        self._limits: AxisLimits | None = None
        self._background: Any = None

    def reset(self, profile: PatientProfile | None) -> None:
        """Another patient: their normal values, a full redraw next time, the same Figure."""
        self.profile = profile
        self._key = None
        self._drawn = None
        self._background = None

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
        if self.width_px is None:
            self._drawn = draw_chart(
                plan, self._limits, title=self.title, ax=None, animated=self.blit, dpi=self.dpi
            )
        else:
            self._drawn = self._draw_on_screen_figure(plan, self._limits)
        figure = self._drawn.figure
        canvas = _agg_canvas(figure)
        canvas.draw()
        # Freeze the layout: later blits must land exactly where the background was drawn.
        figure.set_layout_engine("none")
        if self.blit:
            self._background = canvas.copy_from_bbox(figure.bbox)
        self.rebuilds += 1
        return self._drawn

    def _draw_on_screen_figure(self, plan: ChartPlan, limits: AxisLimits) -> DrawnChart:
        """Draw on the one kept Figure, exactly ``width_px`` wide, legend on top."""
        n_panels = max(1, len(plan.panels))
        cols = 1 if n_panels <= 1 else 2
        rows = math.ceil(n_panels / cols)
        width_in = 10.0 if cols == 2 else 6.5
        height_in = rows * _SCREEN_PANEL_IN + _SCREEN_MARGIN_IN + (0.3 if self.title else 0)
        height_in += _SCREEN_SCORE_IN if plan.has_scores else 0
        assert self.width_px is not None
        dpi = self.width_px / width_in
        figure = self._figure
        if figure is None:
            figure = self._figure = Figure()
            FigureCanvasAgg(figure)
        figure.clear()
        figure.set_layout_engine("constrained")
        figure.set_dpi(dpi)
        figure.set_size_inches(width_in, height_in)
        drawn = draw_chart(
            plan, limits, title=self.title, ax=figure.add_subplot(), animated=self.blit, dpi=dpi
        )
        _legend_on_top(figure, drawn)
        return drawn

    @staticmethod
    def _set_lines(drawn: DrawnChart, plan: ChartPlan) -> None:
        lines = drawn.lines
        for panel in plan.panels:
            for side in SIDES:
                lines[(panel.motion, side)].set_data(*panel.series[side])
        for score, (x, y) in plan.scores.items():
            if ("score", score) in lines:
                lines[("score", score)].set_data(x, y)


def _legend_on_top(figure: Figure, drawn: DrawnChart) -> None:
    """Move the key to the top of the figure, where it is read before the panels."""
    for ax in drawn.axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        handles = list(legend.legend_handles)
        labels = [text.get_text() for text in legend.get_texts()]
        legend.remove()
        figure.legend(
            handles=handles,
            labels=labels,
            loc="outside upper center",
            ncols=min(4, len(handles)),
            frameon=False,
            fontsize=FONT_SIZE,
        )
        return


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

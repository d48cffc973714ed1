"""Drawing a planned progress chart with matplotlib's object API: panels, bands, lines, legend.

What each panel shows, and why:

- left and right as separate Okabe-Ito colours that also differ by marker and line style, so the
  chart reads in grey print and for colour-blind readers;
- the normal range shaded (grey) and the normal value in use as a dotted line, its reference named
  in the panel's corner;
- a band of +/- the MDC around each side's first value: a later point outside the band is a real
  change, a point inside may be measurement noise;
- pain (NPRS, left axis 0-10) and disability (ODI, right axis 0-100) in a panel of their own, on
  the same date axis.

Every function draws on a Figure or Axes it is given (or makes a new Figure) and never touches
pyplot. ``animated=True`` leaves the data lines out of a normal draw, for the live screen chart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial
from typing import Any

import matplotlib as mpl
import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpecBase, SubplotSpec
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator

from ..clinical.display import format_degrees, normal_label
from ..clinical.measures import SIDES, motion_label
from ..errors import WorkbookError
from .chart_layout import TextMarginLayout
from .chart_plan import AxisLimits, ChartPlan, MotionPanel
from .literal_text import literal_text

__all__ = [
    "FONT_SIZE",
    "NORMAL_FILL",
    "NORMAL_LINE",
    "OKABE_ITO",
    "SCORE_STYLE",
    "SIDE_STYLE",
    "DrawnChart",
    "draw_chart",
    "draw_scores",
    "figure_of",
    "format_date_axis",
]

# Okabe & Ito (2008) colour-blind-safe palette; each series also has its own marker and dash so
# the chart survives grey printing.
OKABE_ITO: dict[str, str] = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}
SIDE_STYLE: dict[str, dict[str, Any]] = {
    "left": {"color": OKABE_ITO["blue"], "marker": "o", "linestyle": "-", "label": "Left"},
    "right": {"color": OKABE_ITO["vermillion"], "marker": "s", "linestyle": "--", "label": "Right"},
}
SCORE_STYLE: dict[str, dict[str, Any]] = {
    "pain_nprs": {
        "color": OKABE_ITO["bluish_green"],
        "marker": "^",
        "linestyle": "-",
        "label": "Pain (NPRS 0-10, left axis)",
    },
    "odi_index": {
        "color": OKABE_ITO["reddish_purple"],
        "marker": "D",
        "linestyle": ":",
        "label": "Disability (ODI 0-100, right axis)",
    },
}
NORMAL_FILL = "#e0e0e0"
NORMAL_LINE = "#555555"
FONT_SIZE = 8
_MDC_ALPHA = 0.10
_PANEL_HEIGHT_IN = 2.5
_SCORE_HEIGHT_IN = 2.3
_DEGREE_TICKS = partial(MaxNLocator, nbins=6, steps=[1, 2, 3, 5, 10], integer=True)
_LINE_STYLE: dict[str, Any] = {"markersize": 5, "linewidth": 1.6, "zorder": 3}
# Panel titles sit on the top edge of their panel (where matplotlib would put them: no tick
# labels or offset text above a panel). Given explicitly, matplotlib no longer measures every
# axis of the panel and its twin at each draw to find that place: a tenth of a chart's time.
_TITLE_Y = 1.0


@dataclass
class DrawnChart:
    """A drawn chart: its Figure, its axes and its data lines by (motion or 'score', side/score)."""

    figure: Figure
    axes: list[Axes]
    lines: dict[tuple[str, str], Line2D]


@dataclass
class _Layout:
    figure: Figure
    slots: list[SubplotSpec]
    score_slot: SubplotSpec | None
    reuse: Axes | None  # the caller's Axes, when the chart fits in it as it is
    own_figure: bool


def figure_of(ax: Axes) -> Figure:
    """The Figure an Axes sits in (its top-level figure, even inside a SubFigure)."""
    fig = ax.get_figure(root=True)
    if not isinstance(fig, Figure):
        raise WorkbookError("ax", "an Axes outside any Figure", "an Axes placed on a Figure")
    return fig


def _grid_shape(n_panels: int) -> tuple[int, int]:
    cols = 1 if n_panels <= 1 else 2
    return max(1, math.ceil(n_panels / cols)), cols


# Dates as the rest of the workbook writes them (24 Nov 2026): day and month on the ticks, the
# year (or month and year) once below the axis; never "2026-Dec" or a bare day number.
_TICK_FORMATS = ["%Y", "%b", "%d %b", "%H:%M", "%H:%M", "%S.%f"]
_ZERO_FORMATS = ["", "%Y", "%d %b", "%d %b", "%H:%M", "%H:%M"]
_OFFSET_FORMATS = ["", "%Y", "%Y", "%d %b %Y", "%d %b %Y", "%d %b %Y %H:%M"]


def format_date_axis(ax: Axes) -> None:
    """Few, short date labels that never overlap, with the year once in the offset.

    Examples
    --------
    >>> import datetime as dt
    >>> fig = Figure()
    >>> ax = fig.add_subplot()
    >>> _ = ax.plot([dt.date(2026, 11, 24), dt.date(2026, 12, 22)], [1, 2])
    >>> format_date_axis(ax)
    >>> FigureCanvasAgg(fig).draw()
    >>> [t.get_text() for t in ax.get_xticklabels()], ax.xaxis.get_offset_text().get_text()
    (['01 Dec', '08 Dec', '15 Dec', '22 Dec'], '2026')
    """
    locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
    ax.xaxis.set_major_locator(locator)
    formatter = mdates.ConciseDateFormatter(
        locator, formats=_TICK_FORMATS, zero_formats=_ZERO_FORMATS, offset_formats=_OFFSET_FORMATS
    )
    ax.xaxis.set_major_formatter(formatter)


def _layout(
    plan: ChartPlan,
    *,
    title: str | None,
    ax: Axes | None,
    figsize: tuple[float, float] | None,
    dpi: float,
) -> _Layout:
    n_panels = max(1, len(plan.panels))
    rows, cols = _grid_shape(n_panels)
    score_rows = 1 if plan.has_scores else 0
    heights = [_PANEL_HEIGHT_IN] * rows + [_SCORE_HEIGHT_IN] * score_rows
    grid: GridSpecBase
    if ax is None:
        width = 10.0 if cols == 2 else 6.5
        size = figsize or (width, sum(heights) + 0.9 + (0.3 if title else 0))
        fig = Figure(figsize=size, dpi=dpi, layout=TextMarginLayout())
        FigureCanvasAgg(fig)
        grid = fig.add_gridspec(rows + score_rows, cols, height_ratios=heights)
    else:
        fig = figure_of(ax)
        spec = ax.get_subplotspec()
        if spec is None:
            raise WorkbookError(
                "ax", "an Axes placed with add_axes", "an Axes made by subplots() or add_subplot()"
            )
        if n_panels == 1 and not score_rows:
            return _Layout(fig, [spec], None, reuse=ax, own_figure=False)
        ax.remove()  # the chart takes over the space the caller reserved for it
        grid = spec.subgridspec(rows + score_rows, cols, height_ratios=heights)
    return _Layout(
        fig,
        [grid[i // cols, i % cols] for i in range(n_panels)],
        grid[rows, :] if score_rows else None,
        reuse=None,
        own_figure=ax is None,
    )


def draw_chart(
    plan: ChartPlan,
    limits: AxisLimits,
    *,
    title: str | None,
    ax: Axes | None,
    animated: bool,
    figsize: tuple[float, float] | None = None,
    dpi: float = 100,
    onto: DrawnChart | None = None,
) -> DrawnChart:
    """Draw ``plan`` within ``limits`` on a new Figure, or in the place of the caller's ``ax``.

    ``onto``: a chart drawn earlier by this function on a Figure of its own, of the same shape
    (the same motions, scores or none, title or none, size), and wiped since
    (:func:`.chart_kept.wipe`): the chart is drawn on its Axes, keeping the ticks matplotlib
    made for them.
    """
    layout = (
        _layout(plan, title=title, ax=ax, figsize=figsize, dpi=dpi)
        if onto is None
        else _kept_layout(onto, plan)
    )
    fig = layout.figure
    kept = iter(onto.axes) if onto is not None else None
    axes: list[Axes] = []
    lines: dict[tuple[str, str], Line2D] = {}

    def new_axes(slot: SubplotSpec) -> Axes:
        if kept is not None:
            made = next(kept)
        else:
            made = layout.reuse if layout.reuse is not None else fig.add_subplot(slot)
        axes.append(made)
        return made

    with literal_text(), mpl.rc_context({"font.size": FONT_SIZE}):  # a title is patient text
        if not plan.panels:
            _draw_empty(new_axes(layout.slots[0]), has_scores=plan.has_scores)
        for panel, slot, ylim in zip(plan.panels, layout.slots, limits.y, strict=False):
            lines.update(_draw_motion(new_axes(slot), panel, ylim, animated=animated))
        if layout.score_slot is not None:
            score_ax = new_axes(layout.score_slot)
            twin = _twin_of(score_ax) if onto is not None else None
            lines.update(draw_scores(score_ax, plan, animated=animated, odi_ax=twin))
        if limits.x is not None:
            # The same limits on every panel, so a visit sits at the same x in every panel;
            # each panel keeps its own date ticks, readable on its own when printed.
            for made in axes:
                if made.axison:
                    made.set_xlim(*limits.x)
                    format_date_axis(made)
        if plan.panels or plan.has_scores:
            _legend(fig, plan, own_figure=layout.own_figure, first=axes[0])
        if title:
            fig.suptitle(title, fontsize=FONT_SIZE + 3)
    return DrawnChart(figure=fig, axes=axes, lines=lines)


def _kept_layout(drawn: DrawnChart, plan: ChartPlan) -> _Layout:
    """The grid of ``drawn``, wiped by the caller (:func:`.chart_kept.wipe`), to draw on."""
    slots = [spec for spec in (ax.get_subplotspec() for ax in drawn.axes) if spec is not None]
    n_panels = max(1, len(plan.panels))
    score_slot = slots[n_panels] if plan.has_scores and len(slots) > n_panels else None
    return _Layout(drawn.figure, slots[:n_panels], score_slot, reuse=None, own_figure=True)


def _twin_of(ax: Axes) -> Axes | None:
    """The Axes drawn over ``ax`` in the same place (the ODI axis of the scores panel)."""
    fig = figure_of(ax)
    spec = ax.get_subplotspec()
    return next((a for a in fig.axes if a is not ax and a.get_subplotspec() == spec), None)


def _say(ax: Axes, text: str, size: float = FONT_SIZE) -> None:
    ax.text(
        0.5,
        0.5,
        text,
        ha="center",
        va="center",
        fontsize=size,
        color=NORMAL_LINE,
        transform=ax.transAxes,
    )


def _draw_empty(ax: Axes, *, has_scores: bool) -> None:
    _say(ax, "No range-of-motion measurements yet" if has_scores else "No measurements yet", 12)
    ax.set_axis_off()


def _band(ax: Axes, low: float, high: float, **style: Any) -> None:
    """A band across the panel from ``low`` to ``high`` degrees (like ``axhspan``).

    Added as a plain artist: the panel's limits are set by the chart, so matplotlib need not
    work out the band's data limits (a tenth of the time a panel takes to build).
    """
    ax.add_artist(Rectangle((0, low), 1, high - low, transform=ax.get_yaxis_transform(), **style))


def _levels(ax: Axes, levels: list[tuple[float, dict[str, Any]]]) -> None:
    """Lines across the panel at each ``(degrees, style)``, later ones on top (like
    ``axhline``): one collection per panel instead of a Line2D each, and no data limits to
    work out, a tenth of the time a panel takes."""
    segments = [[(0.0, degrees), (1.0, degrees)] for degrees, _ in levels]
    styles = [style for _, style in levels]
    ax.add_collection(
        LineCollection(
            segments,
            colors=[to_rgba(s["color"], s.get("alpha", 1.0)) for s in styles],
            linestyles=[s["linestyle"] for s in styles],
            linewidths=[s["linewidth"] for s in styles],
            transform=ax.get_yaxis_transform(which="grid"),
            zorder=0.6,  # over the bands and the grid, under the readings
        ),
        autolim=False,
    )


def _draw_bands(ax: Axes, panel: MotionPanel) -> None:
    normal = panel.normal
    if not math.isnan(normal.low_degrees):
        _band(
            ax,
            normal.low_degrees,
            normal.high_degrees,
            facecolor=NORMAL_FILL,
            edgecolor="none",
            zorder=0,
        )
    levels = []
    for side, base in panel.baselines:
        style = SIDE_STYLE[side]
        low, high = base - panel.mdc, base + panel.mdc
        _band(
            ax, low, high, facecolor=style["color"], alpha=_MDC_ALPHA, edgecolor="none", zorder=0.5
        )
        edge = {"color": style["color"], "linestyle": style["linestyle"], "linewidth": 0.6}
        levels += [(low, edge | {"alpha": 0.6}), (high, edge | {"alpha": 0.6})]
    normal_line = {"color": NORMAL_LINE, "linestyle": (0, (1, 2)), "linewidth": 1}
    _levels(ax, [*levels, (normal.degrees, normal_line)])


def _draw_motion(
    ax: Axes, panel: MotionPanel, ylim: tuple[float, float], *, animated: bool
) -> dict[tuple[str, str], Line2D]:
    _draw_bands(ax, panel)
    lines = {}
    for side in SIDES:
        style = SIDE_STYLE[side]
        (line,) = ax.plot(
            *panel.series[side],
            color=style["color"],
            marker=style["marker"],
            linestyle=style["linestyle"],
            animated=animated,
            label=style["label"],
            **_LINE_STYLE,
        )
        lines[(panel.motion, side)] = line
    if not panel.baselines:
        _say(ax, "not measured yet")
    ax.set_ylim(*ylim)
    # Whole degrees, about five to a panel: as easy to read off as nine, and each tick
    # matplotlib makes and draws is a millisecond and a half of every chart.
    ax.yaxis.set_major_locator(_DEGREE_TICKS())
    # Motion name, then a line naming the normal value's reference and the MDC: on a line of
    # their own they have the panel's full width, however narrow the panel.
    ax.set_title(
        motion_label(panel.motion),
        loc="left",
        fontsize=FONT_SIZE + 1,
        fontweight="bold",
        pad=FONT_SIZE + 6,
        y=_TITLE_Y,
    )
    ax.text(
        0,
        1.015,
        f"normal {normal_label(panel.normal.degrees, panel.normal.label)}"
        f" · MDC {format_degrees(panel.mdc, digits=None)}",
        transform=ax.transAxes,
        ha="left",
        va="bottom",
        fontsize=FONT_SIZE - 1,
        color=NORMAL_LINE,
    )
    ax.set_ylabel("Angle (degrees)", fontsize=FONT_SIZE)
    ax.tick_params(labelsize=FONT_SIZE)
    ax.grid(axis="y", color="#eeeeee", linewidth=0.6, zorder=0)
    ax.set_axisbelow(True)
    return lines


def draw_scores(
    ax: Axes, plan: ChartPlan, *, animated: bool, odi_ax: Axes | None = None
) -> dict[tuple[str, str], Line2D]:
    """Pain on ``ax`` (0-10) and ODI on its twin (0-100, ``odi_ax`` or a new one), sharing
    gridlines."""
    odi_ax = ax.twinx() if odi_ax is None else odi_ax
    lines = {}
    for score, target in (("pain_nprs", ax), ("odi_index", odi_ax)):
        style = SCORE_STYLE[score]
        (line,) = target.plot(
            *plan.scores[score],
            color=style["color"],
            marker=style["marker"],
            linestyle=style["linestyle"],
            animated=animated,
            label=style["label"],
            **_LINE_STYLE,
        )
        lines[("score", score)] = line
    # Both scales start at 0 and share gridlines: 2 NPRS points per 20 ODI points.
    ax.set_ylim(-0.5, 10.5)
    odi_ax.set_ylim(-5, 105)
    ax.set_yticks(range(0, 11, 2))
    odi_ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel("Pain (NPRS, points 0-10)", fontsize=FONT_SIZE)
    odi_ax.set_ylabel("Disability (ODI, 0-100)", fontsize=FONT_SIZE)
    ax.tick_params(labelsize=FONT_SIZE)
    odi_ax.tick_params(labelsize=FONT_SIZE)
    ax.set_title(
        "Pain and disability", loc="left", fontsize=FONT_SIZE + 1, fontweight="bold", y=_TITLE_Y
    )
    ax.set_title(
        "lower is better", loc="right", fontsize=FONT_SIZE - 1, color=NORMAL_LINE, y=_TITLE_Y
    )
    ax.grid(axis="y", color="#eeeeee", linewidth=0.6)
    ax.set_axisbelow(True)
    return lines


def _series_key(style: dict[str, Any]) -> Line2D:
    return Line2D(
        [],
        [],
        color=style["color"],
        marker=style["marker"],
        linestyle=style["linestyle"],
        label=style["label"],
    )


def _legend_handles(plan: ChartPlan) -> list[Any]:
    measured = [
        side for side in SIDES if any(side == s for p in plan.panels for s, _ in p.baselines)
    ]
    handles: list[Any] = [_series_key(SIDE_STYLE[side]) for side in measured]
    for side in measured:
        style = SIDE_STYLE[side]
        handles.append(
            Patch(
                facecolor=style["color"],
                alpha=_MDC_ALPHA * 2,
                edgecolor=style["color"],
                linestyle=style["linestyle"],
                label=f"{style['label']}: first value ± MDC",
            )
        )
    if plan.panels:
        handles += [
            Patch(facecolor=NORMAL_FILL, label="Normal range"),
            Line2D([], [], color=NORMAL_LINE, linestyle=(0, (1, 2)), label="Normal value"),
        ]
    handles += [_series_key(SCORE_STYLE[s]) for s, (x, _) in plan.scores.items() if len(x)]
    return handles


def _legend(fig: Figure, plan: ChartPlan, *, own_figure: bool, first: Axes) -> None:
    handles = _legend_handles(plan)
    if own_figure:
        fig.legend(
            handles=handles,
            loc="outside lower center",
            ncols=min(4, len(handles)),
            frameon=False,
            fontsize=FONT_SIZE,
        )
    else:
        first.legend(handles=handles, loc="best", fontsize=FONT_SIZE - 1)

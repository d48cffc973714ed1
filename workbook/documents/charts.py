"""Progress charts: range of motion per motion and side, with pain and disability on the same dates.

Built with matplotlib's object API (:class:`matplotlib.figure.Figure`), never pyplot, so charts
are deterministic, testable without a display and safe inside widget callbacks.

- :func:`progress_chart` draws the whole chart and returns the Figure (for a notebook, the report
  or an export).
- :func:`export_chart` writes PNG (at least 150 dpi), SVG or PDF, chosen by the file suffix,
  with neutral metadata and no identifiers unless the caller adds them.
- :class:`ProgressChart` is the screen renderer: it keeps one Figure, caches everything that does
  not change between visits (axes, ticks, normal range, measurement-error bands, legend) as a
  bitmap and redraws only the lines, so a logged visit turns into new PNG bytes in tens of
  milliseconds (``benchmarks/bench_chart.py``).

What each panel shows, and why:

- left and right as separate Okabe-Ito colours that also differ by marker and line style, so the
  chart reads in grey print and for colour-blind readers;
- the normal range shaded (grey) and the normal value in use as a dotted line, its reference named
  in the panel's corner;
- a band of +/- the MDC around each side's first value: a later point outside the band is a real
  change, a point inside may be measurement noise;
- pain (NPRS, left axis 0-10) and disability (ODI, right axis 0-100) in a panel of their own, on
  the same date axis.
"""

from __future__ import annotations

import io
import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..clinical.measures import MOTIONS, SIDES, check_motion, motion_label
from ..clinical.outcomes import per_visit
from ..clinical.profile import PatientProfile
from ..clinical.reference import NormalValue, mdc_degrees, normal_value
from ..errors import WorkbookError, one_of

__all__ = [
    "EXPORT_DPI",
    "EXPORT_FORMATS",
    "MIN_EXPORT_DPI",
    "NEUTRAL_CREATOR",
    "NORMAL_FILL",
    "NORMAL_LINE",
    "OKABE_ITO",
    "SCORE_STYLE",
    "SCREEN_DPI",
    "SIDE_STYLE",
    "ProgressChart",
    "export_chart",
    "figure_png",
    "progress_chart",
    "score_chart",
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
_MDC_ALPHA = 0.10
NORMAL_LINE = "#555555"

EXPORT_DPI = 200  # print quality; the issue asks for at least 150
MIN_EXPORT_DPI = 150
SCREEN_DPI = 72  # the widget shows the chart at about its natural size
EXPORT_FORMATS: dict[str, str] = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
# Neutral, fixed metadata: no software version, no creation date, no title. Sharing depends on
# exports carrying nothing that identifies a patient, a clinic or a moment.
NEUTRAL_CREATOR = "Hip Mobility Workbook"
_NEUTRAL_METADATA: dict[str, dict[str, Any]] = {
    "png": {"Software": None},
    "svg": {"Creator": NEUTRAL_CREATOR, "Date": None},
    "pdf": {"Creator": NEUTRAL_CREATOR, "Producer": NEUTRAL_CREATOR, "CreationDate": None},
}
_SVG_SALT = "hip-mobility-workbook"  # fixed ids in SVG output, so two exports are identical

_PANEL_HEIGHT_IN = 2.5
_SCORE_HEIGHT_IN = 2.3
_FONT_SIZE = 8
_DEGREE_STEP = 10  # y limits snap to tens of degrees: stable axes as new values arrive
_DAY_PAD = 7.0  # at least a week either side of the visits, so one visit still has an axis


# --------------------------------------------------------------------------------------------
# What to draw (pure data), separated from drawing so the screen renderer can compare plans.


@dataclass(frozen=True)
class _Panel:
    motion: str
    normal: NormalValue
    mdc: float
    baselines: tuple[tuple[str, float], ...]  # (side, first value) for the sides measured
    series: dict[str, tuple[np.ndarray, np.ndarray]] = field(compare=False, hash=False)

    @property
    def extent(self) -> tuple[float, float]:
        """Lowest and highest degrees the panel must show."""
        values = [self.normal.degrees]
        if not math.isnan(self.normal.low_degrees):
            values += [self.normal.low_degrees, self.normal.high_degrees]
        for _, base in self.baselines:
            values += [base - self.mdc, base + self.mdc]
        for _, y in self.series.values():
            values += [float(y.min()), float(y.max())] if len(y) else []
        return min(values), max(values)


@dataclass(frozen=True)
class _Plan:
    panels: tuple[_Panel, ...]
    scores: dict[str, tuple[np.ndarray, np.ndarray]] = field(compare=False, hash=False)
    dates: np.ndarray = field(compare=False, hash=False)  # every date shown, as date numbers

    @property
    def has_scores(self) -> bool:
        return any(len(x) for x, _ in self.scores.values())

    @property
    def layout_key(self) -> tuple:
        """What the cached background depends on, apart from the axis limits."""
        return (
            self.panels,
            tuple(score for score, (x, _) in self.scores.items() if len(x)),
        )


def _date_numbers(dates: pd.Series) -> np.ndarray:
    return mdates.date2num(pd.to_datetime(dates).to_numpy(dtype="datetime64[ns]"))


def _plan(
    measurements: pd.DataFrame,
    visits: pd.DataFrame | None,
    *,
    motions: Sequence[str] | None,
    profile: PatientProfile | None,
) -> _Plan:
    if profile is not None and not isinstance(profile, PatientProfile):
        raise WorkbookError("profile", type(profile).__name__, "a PatientProfile or None")
    readings = per_visit(measurements)
    if motions is None:
        shown = [m for m in MOTIONS if m in set(readings["motion"])]
    else:
        if isinstance(motions, str):
            motions = [motions]
        shown = list(dict.fromkeys(check_motion(m) for m in motions))
        if not shown:
            raise WorkbookError("motions", motions, f"None or a list, each {one_of(MOTIONS)}")
    age = profile.age if profile is not None else None
    # Plain arrays and masks: this runs on every screen update, and per-motion pandas
    # filtering cost more than the drawing itself.
    x_all = _date_numbers(readings["visit_date"])
    y_all = readings["degrees"].to_numpy(dtype="float64")
    motion_of = readings["motion"].to_numpy(dtype=object)
    side_of = readings["side"].to_numpy(dtype=object)
    position_of = readings["position"].to_numpy(dtype=object)
    panels = []
    for motion in shown:
        in_motion = motion_of == motion
        series: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        baselines = []
        for side in SIDES:
            chosen = in_motion & (side_of == side)
            series[side] = (x_all[chosen], y_all[chosen])
            if chosen.any():
                baselines.append((side, float(y_all[chosen][0])))
        # readings are in date order: the last of the motion is its latest position
        position = position_of[in_motion][-1] if in_motion.any() else None
        panels.append(
            _Panel(
                motion=motion,
                normal=normal_value(motion, age=age, position=position or None),
                mdc=mdc_degrees(motion),
                baselines=tuple(baselines),
                series=series,
            )
        )
    scores = _score_series(visits)
    all_dates = [x for p in panels for x, _ in p.series.values()]
    all_dates += [x for x, _ in scores.values()]
    dates = np.concatenate(all_dates) if all_dates else np.array([], dtype="float64")
    return _Plan(panels=tuple(panels), scores=scores, dates=dates)


def _score_series(visits: pd.DataFrame | None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    empty = np.array([], dtype="float64")
    series = dict.fromkeys(SCORE_STYLE, (empty, empty))
    if visits is None:
        return series
    if not isinstance(visits, pd.DataFrame) or "visit_date" not in visits.columns:
        raise WorkbookError("visits", type(visits).__name__, "a DataFrame with a visit_date column")
    ordered = visits.sort_values("visit_date", kind="stable")
    for score in SCORE_STYLE:
        if score not in ordered.columns:
            continue
        values = pd.to_numeric(ordered[score], errors="coerce").astype("float64")
        kept = values.notna()
        series[score] = (
            _date_numbers(ordered.loc[kept, "visit_date"]),
            values[kept].to_numpy(dtype="float64"),
        )
    return series


@dataclass(frozen=True)
class _Limits:
    x: tuple[float, float] | None
    y: tuple[tuple[float, float], ...]  # one per panel

    def fits(self, plan: _Plan) -> bool:
        """True when every value of ``plan`` lies inside these limits."""
        if len(plan.dates) and (
            self.x is None or not self.x[0] < plan.dates.min() <= plan.dates.max() < self.x[1]
        ):
            return False
        return all(
            low < panel.extent[0] and panel.extent[1] < high
            for panel, (low, high) in zip(plan.panels, self.y, strict=True)
        )


def _limits(plan: _Plan, *, headroom: bool) -> _Limits:
    """Axis limits with padding; ``headroom`` leaves room on the right for the next visits."""
    x = None
    if len(plan.dates):
        first, last = float(plan.dates.min()), float(plan.dates.max())
        pad = max(_DAY_PAD, 0.04 * (last - first))
        right = max(pad, 0.3 * (last - first), 28.0) if headroom else pad
        x = (first - pad, last + right)
    y = []
    for panel in plan.panels:
        low, high = panel.extent
        y.append(
            (
                math.floor((low - 3) / _DEGREE_STEP) * _DEGREE_STEP,
                math.ceil((high + 3) / _DEGREE_STEP) * _DEGREE_STEP,
            )
        )
    return _Limits(x=x, y=tuple(y))


# --------------------------------------------------------------------------------------------
# Drawing.


@dataclass
class _Drawn:
    figure: Figure
    axes: list[Axes]
    lines: dict[tuple[str, str], Line2D]  # (motion or 'score', side or score) -> line


def _grid_shape(n_panels: int) -> tuple[int, int]:
    cols = 1 if n_panels <= 1 else 2
    return max(1, math.ceil(n_panels / cols)), cols


def _format_date_axis(ax: Axes) -> None:
    # AutoDateLocator + ConciseDateFormatter: few, short labels that never overlap, with the
    # year shown once in the offset rather than on every tick.
    locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _draw(
    plan: _Plan,
    limits: _Limits,
    *,
    title: str | None,
    ax: Axes | None,
    animated: bool,
    figsize: tuple[float, float] | None = None,
    dpi: float = 100,
) -> _Drawn:
    n_motion_panels = max(1, len(plan.panels))
    rows, cols = _grid_shape(n_motion_panels)
    score_rows = 1 if plan.has_scores else 0
    heights = [_PANEL_HEIGHT_IN] * rows + [_SCORE_HEIGHT_IN] * score_rows

    own_figure = ax is None
    if ax is None:
        width = 10.0 if cols == 2 else 6.5
        size = figsize or (width, sum(heights) + 0.9 + (0.3 if title else 0))
        fig = Figure(figsize=size, dpi=dpi, layout="constrained")
        FigureCanvasAgg(fig)
        grid = fig.add_gridspec(rows + score_rows, cols, height_ratios=heights)
        slots = [grid[i // cols, i % cols] for i in range(n_motion_panels)]
        score_slot = grid[rows, :] if score_rows else None
    else:
        fig = ax.get_figure(root=True)
        spec = ax.get_subplotspec()
        if spec is None:
            raise WorkbookError(
                "ax", "an Axes placed with add_axes", "an Axes made by subplots() or add_subplot()"
            )
        if n_motion_panels == 1 and not score_rows:
            slots, score_slot = [spec], None
        else:
            ax.remove()  # the chart takes over the space the caller reserved for it
            grid = spec.subgridspec(rows + score_rows, cols, height_ratios=heights)
            slots = [grid[i // cols, i % cols] for i in range(n_motion_panels)]
            score_slot = grid[rows, :] if score_rows else None
            ax = None

    axes: list[Axes] = []
    lines: dict[tuple[str, str], Line2D] = {}

    def new_axes(slot) -> Axes:
        made = ax if ax is not None else fig.add_subplot(slot)
        axes.append(made)
        return made

    with mpl.rc_context({"font.size": _FONT_SIZE}):
        if not plan.panels:
            panel_ax = new_axes(slots[0])
            _draw_empty(panel_ax, has_scores=plan.has_scores)
        for panel, slot, ylim in zip(plan.panels, slots, limits.y, strict=False):
            panel_ax = new_axes(slot)
            lines.update(_draw_motion(panel_ax, panel, ylim, animated=animated))
        if score_slot is not None:
            score_ax = new_axes(score_slot)
            lines.update(_draw_scores(score_ax, plan, animated=animated))
        if limits.x is not None:
            # The same limits on every panel, so a visit sits at the same x in every panel;
            # each panel keeps its own date ticks, readable on its own when printed.
            for made in axes:
                if made.axison:
                    made.set_xlim(*limits.x)
                    _format_date_axis(made)
        if plan.panels or plan.has_scores:
            _legend(fig, plan, own_figure=own_figure, first=axes[0])
        if title:
            fig.suptitle(title, fontsize=_FONT_SIZE + 3)
    return _Drawn(figure=fig, axes=axes, lines=lines)


def _draw_empty(ax: Axes, *, has_scores: bool) -> None:
    text = "No range-of-motion measurements yet" if has_scores else "No measurements yet"
    ax.text(
        0.5,
        0.5,
        text,
        ha="center",
        va="center",
        fontsize=_FONT_SIZE + 4,
        color=NORMAL_LINE,
        transform=ax.transAxes,
    )
    ax.set_axis_off()


def _draw_motion(
    ax: Axes, panel: _Panel, ylim: tuple[float, float], *, animated: bool
) -> dict[tuple[str, str], Line2D]:
    normal = panel.normal
    if not math.isnan(normal.low_degrees):
        ax.axhspan(
            normal.low_degrees,
            normal.high_degrees,
            facecolor=NORMAL_FILL,
            edgecolor="none",
            zorder=0,
        )
    ax.axhline(normal.degrees, color=NORMAL_LINE, linestyle=(0, (1, 2)), linewidth=1, zorder=1)
    for side, base in panel.baselines:
        style = SIDE_STYLE[side]
        ax.axhspan(
            base - panel.mdc,
            base + panel.mdc,
            facecolor=style["color"],
            alpha=_MDC_ALPHA,
            edgecolor="none",
            zorder=0.5,
        )
        for edge in (base - panel.mdc, base + panel.mdc):
            ax.axhline(
                edge,
                color=style["color"],
                linestyle=style["linestyle"],
                linewidth=0.6,
                alpha=0.6,
                zorder=0.6,
            )
    lines = {}
    for side in SIDES:
        x, y = panel.series[side]
        style = SIDE_STYLE[side]
        (line,) = ax.plot(
            x,
            y,
            color=style["color"],
            marker=style["marker"],
            linestyle=style["linestyle"],
            markersize=5,
            linewidth=1.6,
            zorder=3,
            animated=animated,
            label=style["label"],
        )
        lines[(panel.motion, side)] = line
    if not panel.baselines:
        ax.text(
            0.5,
            0.5,
            "not measured yet",
            ha="center",
            va="center",
            color=NORMAL_LINE,
            transform=ax.transAxes,
        )
    ax.set_ylim(*ylim)
    # Motion name, then a line naming the normal value's reference and the MDC: on a line of
    # their own they have the panel's full width, however narrow the panel.
    ax.set_title(
        motion_label(panel.motion),
        loc="left",
        fontsize=_FONT_SIZE + 1,
        fontweight="bold",
        pad=_FONT_SIZE + 6,
    )
    ax.text(
        0,
        1.015,
        f"normal {normal.degrees:g}° ({normal.label}) · MDC {panel.mdc:g}°",
        transform=ax.transAxes,
        ha="left",
        va="bottom",
        fontsize=_FONT_SIZE - 1,
        color=NORMAL_LINE,
    )
    ax.set_ylabel("Angle (degrees)", fontsize=_FONT_SIZE)
    ax.tick_params(labelsize=_FONT_SIZE)
    ax.grid(axis="y", color="#eeeeee", linewidth=0.6, zorder=0)
    ax.set_axisbelow(True)
    return lines


def _draw_scores(ax: Axes, plan: _Plan, *, animated: bool) -> dict[tuple[str, str], Line2D]:
    odi_ax = ax.twinx()
    lines = {}
    for score, target in (("pain_nprs", ax), ("odi_index", odi_ax)):
        x, y = plan.scores[score]
        style = SCORE_STYLE[score]
        (line,) = target.plot(
            x,
            y,
            color=style["color"],
            marker=style["marker"],
            linestyle=style["linestyle"],
            markersize=5,
            linewidth=1.6,
            zorder=3,
            animated=animated,
            label=style["label"],
        )
        lines[("score", score)] = line
    # Both scales start at 0 and share gridlines: 2 NPRS points per 20 ODI points.
    ax.set_ylim(-0.5, 10.5)
    odi_ax.set_ylim(-5, 105)
    ax.set_yticks(range(0, 11, 2))
    odi_ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel("Pain (NPRS, points 0-10)", fontsize=_FONT_SIZE)
    odi_ax.set_ylabel("Disability (ODI, 0-100)", fontsize=_FONT_SIZE)
    ax.tick_params(labelsize=_FONT_SIZE)
    odi_ax.tick_params(labelsize=_FONT_SIZE)
    ax.set_title("Pain and disability", loc="left", fontsize=_FONT_SIZE + 1, fontweight="bold")
    ax.set_title("lower is better", loc="right", fontsize=_FONT_SIZE - 1, color=NORMAL_LINE)
    ax.grid(axis="y", color="#eeeeee", linewidth=0.6)
    ax.set_axisbelow(True)
    return lines


def _legend(fig: Figure, plan: _Plan, *, own_figure: bool, first: Axes) -> None:
    handles: list[Any] = []
    measured = {side for panel in plan.panels for side, _ in panel.baselines}
    for side in SIDES:
        if side in measured:
            style = SIDE_STYLE[side]
            handles.append(
                Line2D(
                    [],
                    [],
                    color=style["color"],
                    marker=style["marker"],
                    linestyle=style["linestyle"],
                    label=style["label"],
                )
            )
    for side in SIDES:
        if side in measured:
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
    for score, (x, _) in plan.scores.items():
        if len(x):
            style = SCORE_STYLE[score]
            handles.append(
                Line2D(
                    [],
                    [],
                    color=style["color"],
                    marker=style["marker"],
                    linestyle=style["linestyle"],
                    label=style["label"],
                )
            )
    if own_figure:
        fig.legend(
            handles=handles,
            loc="outside lower center",
            ncols=min(4, len(handles)),
            frameon=False,
            fontsize=_FONT_SIZE,
        )
    else:
        first.legend(handles=handles, loc="best", fontsize=_FONT_SIZE - 1)


def _check_title(title: object) -> str | None:
    if title is None or title == "":
        return None
    if not isinstance(title, str):
        raise WorkbookError("title", title, "a text or None")
    return title


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
        Its age chooses age-specific normal values (see :func:`workbook.clinical.reference.normal_value`).
    figsize : (float, float), optional
        Inches; by default sized to the number of panels.

    Returns
    -------
    Figure
    """
    plan = _plan(measurements, visits, motions=motions, profile=profile)
    if ax is not None and not isinstance(ax, Axes):
        raise WorkbookError("ax", type(ax).__name__, "a matplotlib Axes or None")
    drawn = _draw(
        plan,
        _limits(plan, headroom=False),
        title=_check_title(title),
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
    """
    if ax is not None and not isinstance(ax, Axes):
        raise WorkbookError("ax", type(ax).__name__, "a matplotlib Axes or None")
    if ax is None:
        fig = Figure(figsize=(8, 3), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
    scores = _score_series(visits)
    dates = np.concatenate([x for x, _ in scores.values()])
    plan = _Plan(panels=(), scores=scores, dates=dates)
    with mpl.rc_context({"font.size": _FONT_SIZE}):
        if not plan.has_scores:
            ax.text(
                0.5,
                0.5,
                "No pain or ODI scores recorded yet",
                ha="center",
                va="center",
                fontsize=_FONT_SIZE + 2,
                color=NORMAL_LINE,
                transform=ax.transAxes,
            )
            ax.set_axis_off()
            return ax
        lines = _draw_scores(ax, plan, animated=False)
        limits = _limits(plan, headroom=False)
        if limits.x is not None:
            ax.set_xlim(*limits.x)
            _format_date_axis(ax)
        shown = [line for (_, score), line in lines.items() if len(plan.scores[score][0])]
        ax.legend(handles=shown, loc="upper right", fontsize=_FONT_SIZE - 1)
    return ax


# --------------------------------------------------------------------------------------------
# Export.


def export_chart(
    fig: Figure,
    path: str | os.PathLike[str],
    *,
    metadata: Mapping[str, Any] | None = None,
    dpi: float = EXPORT_DPI,
) -> Path:
    """Write a chart to PNG, SVG or PDF, the format chosen by the file suffix.

    The output carries no identifiers: no software version, no creation date, no title (unless
    passed in ``metadata``). It is deterministic: the same data drawn by :func:`progress_chart`
    export to the same bytes (SVG element ids are salted with a fixed value). The file appears
    complete or not at all (written beside the target, then renamed).

    Parameters
    ----------
    fig : Figure
    path : str or path-like
        Ending in .png, .svg or .pdf (any case). The folder must exist.
    metadata : mapping, optional
        Extra metadata for the file (e.g. ``{"Title": "Hip progress"}``), merged over the neutral
        defaults; keys as matplotlib's ``savefig`` accepts for the format.
    dpi : float, default 200
        Resolution of the PNG (at least 150, for print) and of any raster part of SVG/PDF.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    WorkbookError
        For another suffix, a missing folder, a dpi under 150, or a figure that is not a Figure.
    """
    if not isinstance(fig, Figure):
        raise WorkbookError("fig", type(fig).__name__, "a matplotlib Figure")
    target = Path(path)
    fmt = EXPORT_FORMATS.get(target.suffix.lower())
    if fmt is None:
        raise WorkbookError("path", str(path), "a file name ending in " + one_of(EXPORT_FORMATS))
    if not target.parent.is_dir():
        raise WorkbookError("path", str(path), "a file in an existing folder")
    if isinstance(dpi, bool) or not isinstance(dpi, int | float) or not dpi >= MIN_EXPORT_DPI:
        raise WorkbookError("dpi", dpi, f"a number of at least {MIN_EXPORT_DPI}")
    if metadata is not None and not isinstance(metadata, Mapping):
        raise WorkbookError("metadata", metadata, "a mapping of metadata keys to values, or None")
    info = {**_NEUTRAL_METADATA[fmt], **dict(metadata or {})}
    handle, temporary = tempfile.mkstemp(prefix=".export-", suffix=target.suffix, dir=target.parent)
    os.close(handle)
    try:
        with mpl.rc_context({"svg.hashsalt": _SVG_SALT}):
            fig.savefig(temporary, format=fmt, dpi=dpi, metadata=info)
        Path(temporary).replace(target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def figure_png(fig: Figure, *, dpi: float | None = None) -> bytes:
    """PNG bytes of a figure, neutral metadata, for the screen or a download link."""
    if not isinstance(fig, Figure):
        raise WorkbookError("fig", type(fig).__name__, "a matplotlib Figure")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi or fig.dpi, metadata=_NEUTRAL_METADATA["png"])
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# The screen renderer.


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
        As in :func:`progress_chart`.
    title : str, optional
        As in :func:`progress_chart`: none unless given.
    dpi : float, default 72
        Screen resolution; exports use :func:`progress_chart` and :func:`export_chart` at print
        resolution instead.
    blit : bool, default True
        False redraws the whole figure on every update (same picture, slower); for comparison.

    Examples
    --------
    >>> chart = ProgressChart()                          # doctest: +SKIP
    >>> image.value = chart.update(store.measurements(pid), store.visits(pid))  # doctest: +SKIP
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
        self.title = _check_title(title)
        self.dpi = float(dpi)
        self.blit = bool(blit)
        self.rebuilds = 0  # how many times the whole chart was drawn; for tests and benchmarks
        self._drawn: _Drawn | None = None
        self._key: tuple | None = None
        self._limits: _Limits | None = None
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
            As for :func:`progress_chart`: the patient's whole record, not just the new visit.

        Returns
        -------
        bytes
            A PNG image, for ``ipywidgets.Image(value=...)``.
        """
        plan = _plan(measurements, visits, motions=self.motions, profile=self.profile)
        reusable = (
            self._drawn is not None
            and self._key == plan.layout_key
            and self._limits is not None
            and self._limits.fits(plan)
        )
        drawn = self._drawn
        if drawn is None or not reusable:
            drawn = self._rebuild(plan)
        else:
            self._set_lines(drawn, plan)
        canvas = drawn.figure.canvas
        if self.blit:
            canvas.restore_region(self._background)
            for line in drawn.lines.values():
                line.axes.draw_artist(line)
        else:
            canvas.draw()
        return _encode_png(canvas)

    def _rebuild(self, plan: _Plan) -> _Drawn:
        self._limits = _limits(plan, headroom=True)
        self._key = plan.layout_key
        self._drawn = _draw(
            plan, self._limits, title=self.title, ax=None, animated=self.blit, dpi=self.dpi
        )
        figure = self._drawn.figure
        figure.canvas.draw()
        # Freeze the layout: later blits must land exactly where the background was drawn.
        figure.set_layout_engine("none")
        if self.blit:
            self._background = figure.canvas.copy_from_bbox(figure.bbox)
        self.rebuilds += 1
        return self._drawn

    @staticmethod
    def _set_lines(drawn: _Drawn, plan: _Plan) -> None:
        lines = drawn.lines
        for panel in plan.panels:
            for side in SIDES:
                lines[(panel.motion, side)].set_data(*panel.series[side])
        for score, (x, y) in plan.scores.items():
            if ("score", score) in lines:
                lines[("score", score)].set_data(x, y)


def _encode_png(canvas: FigureCanvasAgg) -> bytes:
    from PIL import Image  # Pillow is a dependency of matplotlib itself

    width, height = canvas.get_width_height(physical=True)
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buffer = io.BytesIO()
    # Level 1: a screen image is thrown away at the next visit; speed beats a smaller file.
    image.convert("RGB").save(buffer, format="png", compress_level=1)
    return buffer.getvalue()

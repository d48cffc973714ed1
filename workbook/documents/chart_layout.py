"""A layout engine for the workbook's own chart figures: margins from the sizes of their texts.

matplotlib's constrained layout finds room for every label by measuring each Axes as it would
be drawn: every tick is made, placed and measured, and then made again by the draw itself. On
the 8-panel progress chart that measuring is a quarter of the time a shared case takes. The
workbook's charts are a grid of panels (a motion each, the scores spanning the last row), with
a figure title above and a key below, so their margins follow from a few strings alone: the
tick labels the locator and formatter will give (computed, not drawn), the axis labels, the
titles above each panel, the figure's title and key. :class:`TextMarginLayout` sizes the
margins and gaps from those, in points, places the axis labels at the same offsets matplotlib
would (so the draw no longer measures every tick to find them), and leaves the panels as large
as the texts allow. ``tests/documents/test_chart_layout.py`` checks, over charts of every
shape, that no text leaves the figure or meets another panel, and that the panels are as large
as constrained layout makes them.

Examples
--------
>>> fig = Figure(figsize=(6, 3), layout=TextMarginLayout())
>>> ax = fig.add_subplot()
>>> _ = ax.set_ylabel("Angle (degrees)")
>>> fig.get_layout_engine().execute(fig)
>>> box = ax.get_position()  # the margins in inches: room for the label and tick labels left
>>> print(*(f"{v:.2f}" for v in (box.x0 * 6, box.y0 * 3, (1 - box.x1) * 6, (1 - box.y1) * 3)))
0.56 0.28 0.15 0.11
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from matplotlib.axes import Axes
from matplotlib.axis import Axis, XAxis
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.gridspec import GridSpec
from matplotlib.layout_engine import LayoutEngine
from matplotlib.text import Text
from matplotlib.transforms import IdentityTransform, ScaledTranslation

__all__ = ["TextMarginLayout"]

_EDGE_PT = 3.0  # white space kept at the figure's edges and around the key and the title
_GAP_PT = 4.0  # white space between a panel's texts and the next panel's


@dataclass
class _Zones:
    """How far, in points, an Axes' texts reach beyond each of its sides."""

    left: float = 0.0
    right: float = 0.0
    top: float = 0.0
    bottom: float = 0.0


class TextMarginLayout(LayoutEngine):
    """Lay a figure's grid of Axes out from the sizes of its texts, measured without a draw.

    For figures made by the workbook's charts (one GridSpec; texts as the chart draws them).
    Margins and gaps are the same for every row and column boundary of the grid: the largest
    that any boundary needs.
    """

    _adjust_compatible = True  # it sets the margins through Figure.subplots_adjust
    _colorbar_gridspec = False

    def set(self, **kwargs: object) -> None:
        """No parameters: the sizes come from the figure's texts."""
        if kwargs:
            raise TypeError(f"TextMarginLayout takes no parameters, got {sorted(kwargs)}")

    def execute(self, fig: Figure) -> None:
        """Set the grid's margins and gaps, and place the axis labels."""
        grid = _the_grid(fig)
        if grid is None:
            return
        renderer = _renderer(fig.dpi)
        zones = {ax: _zones(ax, renderer) for ax in fig.axes if ax.get_visible()}
        top_pt, bottom_pt = _figure_texts(fig, renderer)
        nrows, ncols = grid.get_geometry()
        # Texts reaching past each grid line: ends[i] from the cells that end at line i
        # (their right or bottom texts), starts[i] from those that start there.
        col_ends, col_starts = [0.0] * (ncols + 1), [0.0] * (ncols + 1)
        row_ends, row_starts = [0.0] * (nrows + 1), [0.0] * (nrows + 1)
        for ax, zone in zones.items():
            spec = ax.get_subplotspec()
            if spec is None:
                continue
            rows, cols = spec.rowspan, spec.colspan
            col_ends[cols.stop] = max(col_ends[cols.stop], zone.right)
            col_starts[cols.start] = max(col_starts[cols.start], zone.left)
            row_ends[rows.stop] = max(row_ends[rows.stop], zone.bottom)
            row_starts[rows.start] = max(row_starts[rows.start], zone.top)
        # A gap holds the texts of the cells on both sides of it: the widest gap sets them all.
        gap_w = max((col_ends[i] + col_starts[i] for i in range(1, ncols)), default=0.0)
        gap_h = max((row_ends[i] + row_starts[i] for i in range(1, nrows)), default=0.0)
        edges = _Zones(col_starts[0], col_ends[ncols], row_starts[0], row_ends[nrows])
        width_pt, height_pt = fig.get_figwidth() * 72, fig.get_figheight() * 72
        left, right = edges.left + _EDGE_PT, edges.right + _EDGE_PT
        top, bottom = edges.top + top_pt + _EDGE_PT, edges.bottom + bottom_pt + _EDGE_PT
        fig.subplots_adjust(
            left=left / width_pt,
            right=1 - right / width_pt,
            top=1 - top / height_pt,
            bottom=bottom / height_pt,
            wspace=_relative_gap(gap_w + _GAP_PT, width_pt - left - right, ncols),
            hspace=_relative_gap(gap_h + _GAP_PT, height_pt - top - bottom, nrows),
        )
        for ax in zones:
            _place_axis_labels(ax, renderer)


def _relative_gap(gap_pt: float, span_pt: float, cells: int) -> float:
    """A gap in points as GridSpec's wspace/hspace: a fraction of the mean cell size."""
    if cells <= 1:
        return 0.0
    cell = (span_pt - (cells - 1) * gap_pt) / cells
    return gap_pt / cell if cell > 0 else 0.0


def _the_grid(fig: Figure) -> GridSpec | None:
    """The figure's one GridSpec, or None when its Axes are placed otherwise."""
    grids = set()
    for ax in fig.axes:
        spec = ax.get_subplotspec()
        if spec is None:
            return None
        grids.add(spec.get_gridspec())
    grid = grids.pop() if len(grids) == 1 else None
    if not isinstance(grid, GridSpec):
        return None
    # A grid with margins of its own does not follow the figure's (subplots_adjust).
    own = (grid.left, grid.right, grid.top, grid.bottom, grid.wspace, grid.hspace)
    return grid if all(value is None for value in own) else None


@lru_cache(maxsize=8)
def _renderer(dpi: float) -> RendererAgg:
    """A 1-pixel Agg renderer at ``dpi``: text metrics only, nothing is drawn on it."""
    return RendererAgg(1, 1, dpi)


def _text_size(text: str, font: FontProperties, dpi: float) -> tuple[float, float, float]:
    """Width, height and descent in points of a text (its last line's descent, where a text
    aligned on its baseline sits), as matplotlib lays it out; tick labels and the chart's own
    words are measured once (cached), see :func:`_measure`."""
    return _measured(text, font.copy(), dpi)  # a copy: the cache must not hold a live object


@lru_cache(maxsize=4096)
def _measured(text: str, font: FontProperties, dpi: float) -> tuple[float, float, float]:
    return _measure(text, font, dpi)


def _measure(text: str, font: FontProperties, dpi: float) -> tuple[float, float, float]:
    """The size matplotlib gives ``text`` (lines, their spacing, the font's ascent and
    descent), measured on a Text of its own that is never drawn. Not cached: a figure's title
    may name the patient, and stays in no cache."""
    probe = Text(0, 0, text, fontproperties=font, parse_math=False, transform=IdentityTransform())
    probe.set_figure(_measuring_figure(dpi))
    box = probe.get_window_extent(_renderer(dpi))
    scale = 72 / dpi
    return box.width * scale, box.height * scale, -box.y0 * scale


@lru_cache(maxsize=8)
def _measuring_figure(dpi: float) -> Figure:
    """A Figure at ``dpi`` for measuring texts (matplotlib sizes a text at its figure's dpi)."""
    return Figure(dpi=dpi)


def _tick_labels(axis: Axis) -> list[str]:
    """The major tick labels the axis will draw, from its locator and formatter (no Ticks)."""
    low, high = sorted(axis.get_view_interval())
    slack = (high - low) * 1e-9
    values = [v for v in axis.get_major_locator()() if low - slack <= v <= high + slack]
    return [label for label in axis.get_major_formatter().format_ticks(values) if label]


def _axis_reach(axis: Axis, dpi: float) -> tuple[float, float, float]:
    """Points beyond the spine reached by the tick labels (across the axis), the axis label
    beyond them, and half the widest tick label (along the axis, past the Axes' ends)."""
    if not axis.get_visible():
        return 0.0, 0.0, 0.0
    tick = axis.majorTicks[0]
    font = tick.label1.get_fontproperties()
    sizes = [_text_size(label, font, dpi) for label in _tick_labels(axis)]
    across = [h if isinstance(axis, XAxis) else w for w, h, _ in sizes]
    along = [w if isinstance(axis, XAxis) else h for w, h, _ in sizes]
    pad: float = cast(Any, tick).get_pad()  # points; matplotlib's stubs say it returns None
    ticks = tick.get_tick_padding() + (pad + max(across) if across else 0.0)
    offset = axis.get_major_formatter().get_offset() if sizes else ""
    if offset and axis.offsetText.get_visible() and isinstance(axis, XAxis):
        offset_font = axis.offsetText.get_fontproperties()
        ticks += Axis.OFFSETTEXTPAD + _text_size(offset, offset_font, dpi)[1]
    label = axis.label
    beyond = 0.0
    if label.get_visible() and label.get_text():
        beyond = axis.labelpad + _text_size(label.get_text(), label.get_fontproperties(), dpi)[1]
    return ticks, beyond, max(along, default=0.0) / 2


def _labels_on(axis: Axis) -> tuple[bool, bool]:
    """Whether the tick labels are drawn on the low side (left/bottom) and the high side."""
    tick = axis.majorTicks[0]
    return tick.label1.get_visible(), tick.label2.get_visible()


def _zones(ax: Axes, renderer: RendererAgg) -> _Zones:
    zone = _Zones()
    if not ax.axison:
        return zone
    dpi = renderer.dpi
    for axis in (ax.xaxis, ax.yaxis):
        ticks, beyond, half = _axis_reach(axis, dpi)
        low, high = _labels_on(axis)
        label_high = axis.get_label_position() in ("top", "right")
        reach_low = (ticks if low else 0.0) + (0.0 if label_high else beyond)
        reach_high = (ticks if high else 0.0) + (beyond if label_high else 0.0)
        if isinstance(axis, XAxis):
            zone.bottom, zone.top = max(zone.bottom, reach_low), max(zone.top, reach_high)
            zone.left, zone.right = max(zone.left, half), max(zone.right, half)
        else:
            zone.left, zone.right = max(zone.left, reach_low), max(zone.right, reach_high)
            zone.bottom, zone.top = max(zone.bottom, half), max(zone.top, half)
    zone.top = max(zone.top, _reach_above(ax, _texts(ax), renderer.dpi))
    return zone


def _texts(ax: Axes) -> Iterable[Text]:
    """The Axes' own texts (titles and texts placed on it), those that are shown."""
    return (
        child
        for child in ax.get_children()
        if isinstance(child, Text) and child.get_visible() and child.get_text()
    )


def _vertical_extent(text: Text, dpi: float, *, keep: bool = True) -> tuple[float, float]:
    """Bottom and top of a text in display pixels, from its anchor and alignment, measured
    without drawing it (a rotated text counts its width as its height). ``keep=False``: not
    cached (a figure's title may name the patient)."""
    _, anchor = text.get_transform().transform(text.get_unitless_position())
    size = _text_size if keep else _measure
    width, height, descent = size(text.get_text(), text.get_fontproperties(), dpi)
    if text.get_rotation() % 180:
        height, descent = width, width / 2
    height, descent = height * dpi / 72, descent * dpi / 72
    below = {"top": height, "center": height / 2, "bottom": 0.0}.get(
        text.get_verticalalignment(), descent
    )
    return anchor - below, anchor - below + height


def _reach_above(ax: Axes, texts: Iterable[Text], dpi: float) -> float:
    """Points above the Axes' top reached by its titles and texts.

    Rounded to a thousandth of a point: measured from where the Axes is now, the figure's
    last digits would otherwise depend on where it was before, and a chart drawn again on a
    kept Figure (:mod:`.chart_kept`) would differ from a new one in its antialiasing.
    """
    top = ax.bbox.y1
    reach = max((_vertical_extent(text, dpi)[1] - top for text in texts), default=0.0)
    return round(max(0.0, reach) * 72 / dpi, 3)


def _figure_texts(fig: Figure, renderer: RendererAgg) -> tuple[float, float]:
    """Points to keep at the figure's top (its title) and bottom (its key)."""
    height = fig.bbox.height
    boxes = [
        _vertical_extent(text, renderer.dpi, keep=False)
        for text in fig.texts
        if text.get_visible() and text.get_text()
    ]
    for legend in fig.legends:
        if legend.get_visible():
            box = legend.get_window_extent(renderer)
            boxes.append((box.y0, box.y1))
    top = max((height - y0 for y0, _ in boxes if y0 > height / 2), default=0.0)
    bottom = max((y1 for y0, y1 in boxes if y0 <= height / 2), default=0.0)
    scale = 72 / renderer.dpi
    return top * scale, bottom * scale


def _place_axis_labels(ax: Axes, renderer: RendererAgg) -> None:
    """Each axis label where matplotlib would put it: ``labelpad`` beyond the tick labels.

    Placed once here, in points from the spine, the draw does not measure every tick label of
    the axis again to find the place.
    """
    fig = ax.get_figure(root=True)
    if not isinstance(fig, Figure):
        return
    for axis in (ax.xaxis, ax.yaxis):
        if not (axis.get_visible() and axis.label.get_text()):
            continue
        ticks, _, _ = _axis_reach(axis, renderer.dpi)
        low, high = _labels_on(axis)
        side = axis.get_label_position()
        shown = high if side in ("top", "right") else low
        reach = (ticks if shown else axis.majorTicks[0].get_tick_padding()) + axis.labelpad
        sign = 1.0 if side in ("top", "right") else -1.0
        shift = sign * reach / 72
        if isinstance(axis, XAxis):
            where = (0.5, 1.0 if sign > 0 else 0.0)
            offset = ScaledTranslation(0, shift, fig.dpi_scale_trans)
        else:
            where = (1.0 if sign > 0 else 0.0, 0.5)
            offset = ScaledTranslation(shift, 0, fig.dpi_scale_trans)
        axis.set_label_coords(*where, transform=ax.transAxes + offset)

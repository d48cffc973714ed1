"""The chart's own layout engine: every text inside the figure, clear of the other panels, and
panels as large as matplotlib's constrained layout makes them.

``TextMarginLayout`` sizes margins from strings instead of drawing every tick (see
``workbook/documents/chart_layout.py``); these tests draw the charts for real and measure what
was drawn, over every shape a chart takes: one panel or many, odd counts, scores alone or with
motions, nothing measured, a title, a printed page's size, a shared case's day axis, negative
and three-digit angles.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from tests.documents.chart_cases import readings, scores
from workbook.clinical.measures import MOTIONS
from workbook.documents.chart_export import laid_out_once
from workbook.documents.chart_layout import TextMarginLayout
from workbook.documents.charts import progress_chart
from workbook.documents.share import case_chart

NO_READINGS = readings(MOTIONS[:1]).iloc[0:0]
CHARTS = {
    "one panel": lambda: progress_chart(readings(MOTIONS[:1])),
    "one panel and scores": lambda: progress_chart(readings(MOTIONS[:1]), scores()),
    "two panels": lambda: progress_chart(readings(MOTIONS[:2])),
    "three panels and scores": lambda: progress_chart(readings(MOTIONS[:3]), scores()),
    "every motion and scores": lambda: progress_chart(readings(MOTIONS), scores()),
    "scores only": lambda: progress_chart(NO_READINGS, scores()),
    "nothing measured": lambda: progress_chart(NO_READINGS),
    "a title": lambda: progress_chart(readings(MOTIONS), scores(), title="Hip progress, 2025"),
    "a title of two lines": lambda: progress_chart(
        readings(MOTIONS[:2]), scores(), title="Hip progress\nRosa Fictional, 2025"
    ),
    "a printed page": lambda: progress_chart(
        readings(MOTIONS), scores(), figsize=(8.27, 11.69), title="Hip progress"
    ),
    "one visit": lambda: progress_chart(readings(MOTIONS[:4], days=(0,)), scores(days=(0,))),
    "a year of visits": lambda: progress_chart(
        readings(MOTIONS, days=(0, 30, 90, 180, 365)), scores(days=(0, 30, 90, 180))
    ),
    "a shared case (days)": lambda: case_chart(readings(MOTIONS), scores()),
}


def drawn(fig: Figure, dpi: float = 100) -> FigureCanvasAgg:
    """The figure laid out and drawn as an export draws it."""
    canvas = FigureCanvasAgg(fig)
    with laid_out_once(fig, dpi):
        fig.set_dpi(dpi)
        canvas.draw()
    return canvas


def panel_boxes(fig: Figure, renderer) -> dict[object, Bbox]:
    """Each grid cell's drawn extent (a panel with its twin, texts included), by cell."""
    boxes: dict[object, list[Bbox]] = {}
    for ax in fig.axes:
        spec = ax.get_subplotspec()
        key = (spec.rowspan, spec.colspan)
        boxes.setdefault(key, []).append(ax.get_tightbbox(renderer))
    return {key: Bbox.union(found) for key, found in boxes.items()}


def overlap(a: Bbox, b: Bbox, tolerance: float = 0.5) -> bool:
    return (
        min(a.x1, b.x1) - max(a.x0, b.x0) > tolerance
        and min(a.y1, b.y1) - max(a.y0, b.y0) > tolerance
    )


@pytest.fixture(params=list(CHARTS), ids=list(CHARTS))
def chart(request) -> Figure:
    fig = CHARTS[request.param]()
    assert isinstance(fig.get_layout_engine(), TextMarginLayout)
    return fig


def test_every_text_stays_inside_the_figure(chart):
    renderer = drawn(chart).get_renderer()
    page = chart.bbox
    for artist in [*chart.axes, *chart.legends, *chart.texts]:
        box = artist.get_tightbbox(renderer) if isinstance(artist, Axes) else None
        box = box or artist.get_window_extent(renderer)
        assert page.x0 - 0.5 <= box.x0 and box.x1 <= page.x1 + 0.5, (artist, box, page)
        assert page.y0 - 0.5 <= box.y0 and box.y1 <= page.y1 + 0.5, (artist, box, page)


def assert_panels_apart(fig: Figure) -> None:
    renderer = drawn(fig).get_renderer()
    cells = panel_boxes(fig, renderer)
    for (one, a), (other, b) in itertools.combinations(cells.items(), 2):
        assert not overlap(a, b), f"panels {one} and {other} overlap: {a} {b}"
    for extra in [*fig.legends, *[t for t in fig.texts if t.get_text()]]:
        box = extra.get_window_extent(renderer)
        for cell, panel in cells.items():
            assert not overlap(box, panel), f"{extra} meets the panel {cell}"


def test_no_panel_title_label_or_key_meets_another(chart):
    assert_panels_apart(chart)


def test_axis_labels_clear_their_tick_labels(chart):
    renderer = drawn(chart).get_renderer()
    for ax in chart.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if not (axis.get_visible() and axis.label.get_text()):
                continue
            label = axis.label.get_window_extent(renderer)
            for tick in axis.get_ticklabels():
                if tick.get_visible() and tick.get_text():
                    box = tick.get_window_extent(renderer)
                    assert not overlap(label, box, 0), (axis.label.get_text(), tick.get_text())


def test_panels_are_as_large_as_constrained_layout_makes_them(chart):
    def panel_area(fig: Figure) -> float:
        drawn(fig)
        return sum(ax.bbox.width * ax.bbox.height for ax in fig.axes if ax.axison)

    ours = panel_area(chart)
    chart.set_layout_engine("constrained")
    theirs = panel_area(chart)
    assert ours >= 0.96 * theirs, f"panels take {ours / theirs:.0%} of constrained layout's"


@pytest.mark.parametrize("name", ["every motion and scores", "a shared case (days)"])
def test_axis_labels_sit_where_matplotlib_would_put_them(name):
    """The same place matplotlib finds by measuring every drawn tick label, to the pixel."""
    ours = CHARTS[name]()
    drawn(ours)
    theirs = CHARTS[name]()  # the same chart, its panels put where ours are, labels left alone
    theirs.set_layout_engine(None)
    for mine, other in zip(ours.axes, theirs.axes, strict=True):
        other.set_position(mine.get_position())
    FigureCanvasAgg(theirs).draw()
    renderer = ours.canvas.get_renderer()
    for mine, other in zip(ours.axes, theirs.axes, strict=True):
        for axis, auto in ((mine.xaxis, other.xaxis), (mine.yaxis, other.yaxis)):
            if axis.get_visible() and axis.label.get_text():
                placed = axis.label.get_window_extent(renderer).extents
                found = auto.label.get_window_extent().extents
                assert np.allclose(placed, found, atol=1.0), (axis.label.get_text(), placed, found)


def test_a_changed_chart_is_laid_out_anew_at_the_next_draw():
    """Labels added after drawing (as the shared case adds its day axis) get their room."""
    fig = progress_chart(readings(MOTIONS[:2]), scores())
    drawn(fig)
    before = fig.axes[0].get_position().y0
    for ax in fig.axes:
        ax.set_xlabel("Days since the first visit")
    drawn(fig)
    assert fig.axes[0].get_position().y0 > before
    assert_panels_apart(fig)


def test_the_engine_takes_no_settings_and_leaves_other_figures_alone():
    with pytest.raises(TypeError, match="no parameters"):
        TextMarginLayout().set(pad=2)
    fig = Figure(layout=TextMarginLayout())
    ax = fig.add_axes((0.1, 0.1, 0.5, 0.5))  # placed by hand: nothing to lay out
    fig.get_layout_engine().execute(fig)
    assert tuple(ax.get_position().bounds) == pytest.approx((0.1, 0.1, 0.5, 0.5))

"""A chart drawn on a kept Figure is the chart a new Figure gives, byte for byte: nothing of the
patient drawn before it stays (a shared case must never carry another patient's numbers)."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from tests.documents.chart_cases import readings, scores
from workbook.clinical.measures import MOTIONS
from workbook.clinical.profile import PatientProfile
from workbook.documents import chart_draw
from workbook.documents.chart_export import EXPORT_DPI, laid_out_once, png_bytes
from workbook.documents.chart_kept import KeptCharts
from workbook.documents.charts import progress_chart
from workbook.documents.share import case_chart, case_chart_png
from workbook.records.deidentify import DeidentifiedCase

DPI = 100  # the comparison needs every pixel, not print resolution


def angles(motions, days, base, sides=("left", "right"), position="") -> pd.DataFrame:
    """Readings 9 degrees apart from one motion to the next, from ``base``."""
    high = base + 9 * (len(motions) - 1)
    return readings(motions, days, low=base, high=high, sides=sides, position=position)


FOUR = MOTIONS[:4]
# Patients one after another, as a clinic shares them: the same shape of chart (four motions and
# scores) with other angles, spans, sides and ages, then other shapes in between.
PATIENTS = [
    ("four motions", angles(FOUR, (0, 14, 28), 20.0), scores((0, 14, 28)), 70),
    (
        "higher angles, a year, seated",
        angles(FOUR, (0, 90, 365), 95.0, position="seated"),
        scores((0, 365), 3, 12.0),
        30,
    ),
    (
        "right side only, prone",
        angles(FOUR, (0, 7), -10.0, ("right",), position="prone"),
        scores((0, 7)),
        52,
    ),
    ("one visit", angles(FOUR, (0,), 40.0), scores((0,)), 45),
    ("every motion", angles(MOTIONS, (0, 21, 42, 63), 30.0), scores((0, 63)), 60),
    ("no scores", angles(FOUR, (0, 14), 25.0), scores(()), 66),
    ("scores only", angles(FOUR, (), 0.0), scores((0, 30, 60)), 58),
    ("four motions again", angles(FOUR, (0, 10, 20, 40, 80), 12.0), scores((0, 80)), 81),
]


def profile(age: int) -> PatientProfile:
    return PatientProfile(age=age, activity="active", floor_transfer=True, kneeling="comfortable")


def fresh_png(m: pd.DataFrame, v: pd.DataFrame, age: int) -> bytes:
    fig = progress_chart(m, v, profile=profile(age))
    with laid_out_once(fig, DPI):
        return png_bytes(fig, DPI)


def test_each_chart_on_a_kept_figure_is_the_chart_a_new_figure_gives():
    kept = KeptCharts(shapes=4)  # every shape of PATIENTS stays kept: each is drawn on again
    for name, m, v, age in PATIENTS * 2:
        with kept.chart(m, v, profile=profile(age)) as fig, laid_out_once(fig, DPI):
            again = png_bytes(fig, DPI)
        assert again == fresh_png(m, v, age), name
    assert kept.redraws >= len(PATIENTS), "the kept Figures were drawn on again"


def test_at_print_resolution_too():
    """The share draws at 200 dpi: two patients of one shape, one after the other."""
    kept = KeptCharts()
    for _, m, v, age in (PATIENTS[0], PATIENTS[1]):
        with kept.chart(m, v, profile=profile(age)) as fig, laid_out_once(fig, EXPORT_DPI):
            again = png_bytes(fig, EXPORT_DPI)
        new = progress_chart(m, v, profile=profile(age))
        with laid_out_once(new, EXPORT_DPI):
            assert again == png_bytes(new, EXPORT_DPI)
    assert kept.redraws == 1


def test_a_shared_case_chart_carries_nothing_of_the_case_before():
    def case(m: pd.DataFrame, v: pd.DataFrame, age: int) -> DeidentifiedCase:
        return DeidentifiedCase(
            case_code="CASE-TEST01",
            age_band="40-49",
            profile=profile(age),
            measurements=m.drop(columns=["visit_id", "visit_date"]),
            visits=v.drop(columns=["visit_id", "visit_date"]),
            routine=None,
        )

    for name, m, v, age in PATIENTS:
        shared = case(m, v, age)
        fig = case_chart(shared.measurements, shared.visits, shared.profile)
        with laid_out_once(fig, DPI):
            expected = png_bytes(fig, DPI, compress_level=1)
        assert case_chart_png(shared, dpi=DPI) == expected, name


def test_only_a_few_shapes_are_kept():
    kept = KeptCharts(shapes=2)
    shapes = [PATIENTS[0], PATIENTS[4], PATIENTS[5], PATIENTS[0]]
    figures = []
    for _, m, v, age in shapes:
        with kept.chart(m, v, profile=profile(age)) as fig:
            figures.append(fig)
    assert len(kept._figures) == 2
    # The first shape was dropped when the third came: the fourth chart is on a new Figure.
    assert figures[3] is not figures[0]


def test_one_thread_draws_at_a_time_and_a_chart_inside_a_block_gets_its_own_figure():
    kept = KeptCharts()
    _, m, v, age = PATIENTS[0]
    with kept.chart(m, v, profile=profile(age)) as first:
        pass
    inside: list[Figure] = []
    other: list[Figure] = []
    started = threading.Event()

    def draw_in_another_thread() -> None:
        started.set()
        with kept.chart(m, v, profile=profile(age)) as fig:
            other.append(fig)

    with kept.chart(m, v, profile=profile(age)) as held:
        with kept.chart(m, v, profile=profile(age)) as nested:  # the same thread, inside
            inside.append(nested)
        worker = threading.Thread(target=draw_in_another_thread)
        worker.start()
        started.wait(5)
        worker.join(0.5)
        assert worker.is_alive() and other == []  # it waits for this block to end
    worker.join(30)
    assert held is first and inside[0] is not first and other == [first]


def test_a_kept_figure_holds_nothing_of_the_patient_after_the_block():
    kept = KeptCharts()
    _, m, v, age = PATIENTS[0]
    with kept.chart(m, v, profile=profile(age)) as fig, laid_out_once(fig, DPI):
        png_bytes(fig, DPI)
    words = [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]
    lines = [line for ax in fig.axes for line in ax.get_lines()]
    assert words == [] and lines == [] and fig.legends == []
    pixels = np.asarray(fig.canvas.renderer.buffer_rgba())  # the buffer the chart was drawn in
    assert (pixels == pixels[0, 0]).all(), "the chart's pixels are blanked"


def test_a_chart_that_fails_midway_is_not_kept(monkeypatch):
    kept = KeptCharts()
    _, m, v, age = PATIENTS[0]
    with kept.chart(m, v, profile=profile(age)) as first:
        pass

    def fails(*args, **kwargs):
        raise MemoryError("out of memory while drawing a panel")

    with monkeypatch.context() as patched:
        patched.setattr(chart_draw, "_draw_motion", fails)
        with pytest.raises(MemoryError), kept.chart(m, v, profile=profile(age)):
            pass
    with kept.chart(m, v, profile=profile(age)) as after, laid_out_once(after, DPI):
        assert png_bytes(after, DPI) == fresh_png(m, v, age)
    assert after is not first

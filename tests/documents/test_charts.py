"""Progress charts render for the edge cases, exports are valid and identifier-free."""

from __future__ import annotations

import io
import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.image import imread
from matplotlib.text import Text

from workbook.documents.charts import (
    SIDE_STYLE,
    ProgressChart,
    export_chart,
    progress_chart,
)
from workbook.errors import WorkbookError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def measurements(
    days=(0, 14, 28),
    motions=("hip_flexion", "hip_internal_rotation"),
    sides=("left", "right"),
    start=90.0,
) -> pd.DataFrame:
    rows = []
    for i, day in enumerate(days):
        for k, motion in enumerate(motions):
            for side in sides:
                rows.append(
                    {
                        "visit_id": f"v{day}",
                        "visit_date": pd.Timestamp("2025-01-06") + pd.Timedelta(days=day),
                        "motion": motion,
                        "side": side,
                        "degrees": start - 50 * k + 3 * i - (4 if side == "right" else 0),
                        "instrument": "goniometer",
                        "position": "",
                    }
                )
    return pd.DataFrame(rows)


def visits(days=(0, 14, 28), pain=(7, 5, 4), odi=(40.0, None, 30.0)) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "visit_id": [f"v{d}" for d in days],
            "visit_date": [pd.Timestamp("2025-01-06") + pd.Timedelta(days=d) for d in days],
            "pain_nprs": pd.array(pain, dtype="Int64"),
            "odi_index": pd.array(odi, dtype="float64"),
        }
    )


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text)]


def data_axes(fig: Figure):
    """The panels with a y label in degrees (the motion panels)."""
    return [ax for ax in fig.axes if ax.get_ylabel() == "Angle (degrees)"]


# Rendering ----------------------------------------------------------------------------------


def test_chart_has_one_panel_per_motion_and_a_pain_panel():
    fig = progress_chart(measurements(), visits())
    assert isinstance(fig, Figure)
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles.count("Hip flexion") == 1
    assert titles.count("Hip internal rotation") == 1
    assert "Pain and disability" in titles
    fig.canvas.draw()


def test_left_and_right_differ_in_colour_marker_and_line_style():
    fig = progress_chart(measurements(motions=("hip_flexion",)))
    lines = {line.get_label(): line for line in data_axes(fig)[0].get_lines()}
    left, right = lines["Left"], lines["Right"]
    assert left.get_color() != right.get_color()
    assert left.get_marker() != right.get_marker()
    assert left.get_linestyle() != right.get_linestyle()
    assert {left.get_color(), right.get_color()} == {
        SIDE_STYLE["left"]["color"],
        SIDE_STYLE["right"]["color"],
    }


def test_dates_use_concise_formatter_and_axes_name_their_units():
    fig = progress_chart(measurements(), visits())
    for ax in fig.axes:
        if ax.axison and ax.get_title(loc="left"):
            assert isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)
    assert all("degrees" in ax.get_ylabel() for ax in data_axes(fig))
    pain_axes = [ax for ax in fig.axes if "NPRS" in ax.get_ylabel()]
    assert len(pain_axes) == 1


def test_no_title_unless_one_is_passed():
    untitled = progress_chart(measurements())
    assert untitled._suptitle is None
    titled = progress_chart(measurements(), title="Ada Example")
    assert titled._suptitle.get_text() == "Ada Example"


def test_single_visit_renders_with_a_date_range_around_it():
    fig = progress_chart(measurements(days=(0,)), visits(days=(0,), pain=(6,), odi=(None,)))
    ax = data_axes(fig)[0]
    low, high = ax.get_xlim()
    assert low < mdates.date2num(pd.Timestamp("2025-01-06")) < high
    fig.canvas.draw()


def test_gap_between_visits_renders_with_the_points_measured():
    frame = measurements(days=(0, 14, 90))
    frame = frame[~((frame["visit_id"] == "v14") & (frame["motion"] == "hip_flexion"))]
    fig = progress_chart(frame)
    flexion = data_axes(fig)[0]
    lines = {line.get_label(): line for line in flexion.get_lines()}
    assert len(lines["Left"].get_xdata()) == len(lines["Right"].get_xdata()) == 2
    fig.canvas.draw()


def test_missing_side_renders_and_the_legend_leaves_it_out():
    fig = progress_chart(measurements(sides=("left",)))
    legend_texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "Left" in legend_texts
    assert "Right" not in legend_texts
    fig.canvas.draw()


def test_empty_measurements_show_a_clear_message():
    fig = progress_chart(measurements().iloc[:0])
    assert "No measurements yet" in texts(fig)
    fig.canvas.draw()


def test_empty_measurements_with_pain_still_show_pain():
    fig = progress_chart(measurements().iloc[:0], visits())
    assert "No range-of-motion measurements yet" in texts(fig)
    assert any(ax.get_title(loc="left") == "Pain and disability" for ax in fig.axes)


def test_requested_motion_without_readings_says_not_measured_yet():
    fig = progress_chart(
        measurements(motions=("hip_flexion",)), motions=["hip_flexion", "hip_adduction"]
    )
    assert "not measured yet" in texts(fig)
    assert len(data_axes(fig)) == 2


def test_unknown_motion_in_motions_is_refused():
    with pytest.raises(WorkbookError, match="motion"):
        progress_chart(measurements(), motions=["knee_flexion"])


def test_panel_shows_which_normal_reference_it_uses():
    fig = progress_chart(measurements(motions=("hip_flexion",)))
    assert any("AAOS mean" in text.get_text() for text in data_axes(fig)[0].texts)


def test_single_panel_draws_on_the_callers_axes():
    fig = Figure()
    ax = fig.add_subplot()
    returned = progress_chart(measurements(motions=("hip_flexion",)), ax=ax)
    assert returned is fig
    assert ax.get_title(loc="left") == "Hip flexion"


def test_several_panels_fill_the_callers_axes_slot():
    fig = Figure(figsize=(12, 8))
    left, right = fig.subplots(1, 2)
    progress_chart(measurements(), visits(), ax=right)
    assert left in fig.axes
    assert right not in fig.axes
    assert len(data_axes(fig)) == 2


# Export -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_chart() -> Figure:
    return progress_chart(measurements(motions=("hip_flexion",)), visits(), figsize=(6, 4))


def png_size_and_dpi(data: bytes) -> tuple[int, int, float]:
    assert data[:8] == PNG_SIGNATURE
    width, height = struct.unpack(">II", data[16:24])
    at = data.index(b"pHYs")
    per_metre, _, unit = struct.unpack(">IIB", data[at + 4 : at + 13])
    assert unit == 1
    return width, height, per_metre * 0.0254


def test_png_export_is_a_png_at_print_resolution(tmp_path: Path, small_chart: Figure):
    path = export_chart(small_chart, tmp_path / "chart.png")
    width, height, dpi = png_size_and_dpi(path.read_bytes())
    assert dpi >= 150
    assert (width, height) == (round(6 * dpi), round(4 * dpi))


def test_png_export_honours_a_higher_dpi(tmp_path: Path, small_chart: Figure):
    path = export_chart(small_chart, tmp_path / "chart.PNG", dpi=300)
    width, _, dpi = png_size_and_dpi(path.read_bytes())
    assert width == 1800
    assert round(dpi) == 300


def test_svg_export_parses_as_xml(tmp_path: Path, small_chart: Figure):
    path = export_chart(small_chart, tmp_path / "chart.svg")
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")


def test_pdf_export_has_a_header_and_one_page(tmp_path: Path, small_chart: Figure):
    data = export_chart(small_chart, tmp_path / "chart.pdf").read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 1


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_same_data_export_the_same_bytes_naming_no_software_or_date(tmp_path: Path, suffix: str):
    files = []
    for name in ("a", "b"):
        fig = progress_chart(measurements(motions=("hip_flexion",)), visits(), figsize=(6, 4))
        files.append(export_chart(fig, tmp_path / f"{name}{suffix}").read_bytes())
    first, second = files
    assert first == second
    assert b"matplotlib.org" not in first  # the default Creator/Software names and versions
    assert b"Matplotlib version" not in first
    assert b"CreationDate" not in first
    assert b"<dc:date>" not in first


def test_export_metadata_can_add_a_title(tmp_path: Path, small_chart: Figure):
    data = export_chart(small_chart, tmp_path / "t.svg", metadata={"Title": "Hip progress"})
    assert b"Hip progress" in data.read_bytes()


def test_unknown_suffix_is_refused_and_nothing_is_written(tmp_path: Path, small_chart: Figure):
    with pytest.raises(WorkbookError, match=r"\.png"):
        export_chart(small_chart, tmp_path / "chart.jpg")
    assert list(tmp_path.iterdir()) == []


def test_dpi_below_print_quality_is_refused(tmp_path: Path, small_chart: Figure):
    with pytest.raises(WorkbookError, match="150"):
        export_chart(small_chart, tmp_path / "chart.png", dpi=100)


def test_missing_folder_is_refused(tmp_path: Path, small_chart: Figure):
    with pytest.raises(WorkbookError, match="folder"):
        export_chart(small_chart, tmp_path / "nowhere" / "chart.png")


def test_failed_export_leaves_no_partial_file(tmp_path: Path, small_chart: Figure):
    with pytest.raises(ValueError):
        export_chart(small_chart, tmp_path / "chart.svg", metadata={"NotAKey": "x"})
    assert list(tmp_path.iterdir()) == []


# The screen renderer ----------------------------------------------------------------------


def decode(png: bytes) -> np.ndarray:
    return imread(io.BytesIO(png), format="png")


def test_screen_update_returns_png_bytes():
    png = ProgressChart().update(measurements(), visits())
    assert png[:8] == PNG_SIGNATURE


def test_new_visit_within_the_axes_redraws_lines_without_rebuilding():
    chart = ProgressChart()
    before = chart.update(
        measurements(days=(0, 14)), visits(days=(0, 14), pain=(7, 5), odi=(40.0, None))
    )
    after = chart.update(measurements(days=(0, 14, 28)), visits())
    assert chart.rebuilds == 1
    assert before != after


def test_incremental_picture_matches_a_full_redraw():
    blitted, full = ProgressChart(), ProgressChart(blit=False)
    for chart in (blitted, full):
        chart.update(
            measurements(days=(0, 14)), visits(days=(0, 14), pain=(7, 5), odi=(40.0, None))
        )
    a = decode(blitted.update(measurements(), visits()))
    b = decode(full.update(measurements(), visits()))
    assert a.shape == b.shape
    differing = np.abs(a - b).max(axis=-1) > 0.1
    assert differing.mean() < 0.002  # antialiasing at a few line ends at most


def test_value_outside_the_axes_rebuilds_the_chart():
    chart = ProgressChart()
    chart.update(measurements(days=(0, 14)))
    wild = measurements(days=(0, 14, 28))
    wild.loc[wild.index[-1], "degrees"] = 5.0
    chart.update(wild)
    assert chart.rebuilds == 2


def test_new_motion_rebuilds_the_chart():
    chart = ProgressChart()
    chart.update(measurements(motions=("hip_flexion",)))
    chart.update(measurements(motions=("hip_flexion", "hip_abduction")))
    assert chart.rebuilds == 2
    assert len(data_axes(chart.figure)) == 2


# Drawing once for several files ------------------------------------------------------------


def test_laying_out_once_gives_the_same_png_and_keeps_the_figures_layout():
    from workbook.documents.chart_export import laid_out_once

    def chart() -> Figure:
        return progress_chart(measurements(), visits(), title="Same picture")

    as_before = io.BytesIO()
    chart().savefig(as_before, format="png", dpi=150)
    fig = chart()
    engine = fig.get_layout_engine()
    with laid_out_once(fig, 150):
        assert fig.get_layout_engine() is None  # each save inside is a single draw
        once = io.BytesIO()
        fig.savefig(once, format="png", dpi=150)
    assert fig.get_layout_engine() is engine  # the caller's figure still lays itself out
    as_before.seek(0)
    once.seek(0)
    assert np.array_equal(imread(as_before), imread(once))  # the same, pixel for pixel


def test_chart_png_bytes_are_opaque_rgb_at_print_resolution():
    from PIL import Image

    from workbook.documents.chart_export import EXPORT_DPI, png_bytes

    fig = progress_chart(measurements(), visits())
    data = png_bytes(fig)
    assert data.startswith(PNG_SIGNATURE) and b"matplotlib" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.mode == "RGB"
        assert [round(d) for d in image.info["dpi"]] == [EXPORT_DPI, EXPORT_DPI]
        assert image.width == round(fig.get_figwidth() * EXPORT_DPI)
        drawn = io.BytesIO()
        fig.savefig(drawn, format="png", dpi=EXPORT_DPI)
        drawn.seek(0)
        assert np.array_equal(np.asarray(image), (imread(drawn)[..., :3] * 255).round())

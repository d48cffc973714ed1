"""Every stretch has a drawing, every drawing renders, an unknown pose never breaks a handout."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import matplotlib

matplotlib.use("Agg")

import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from PIL import Image

from workbook.clinical.stretches import load_stretches
from workbook.documents.pictograms import (
    KNOWN_POSES,
    PLACEHOLDER_DESCRIPTION,
    POSES,
    draw_pose,
    pose_description,
    pose_png,
    pose_svg,
)
from workbook.errors import WorkbookError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def dark_pixel_share(png: bytes, below: int = 100) -> float:
    """Share of pixels darker than ``below`` (0 black, 255 white) on the white background."""
    image = Image.open(io.BytesIO(png)).convert("L")
    histogram = image.histogram()
    return sum(histogram[:below]) / sum(histogram)


def test_every_stretch_in_the_table_names_a_known_drawing():
    pictograms = set(load_stretches()["pictogram"])
    assert pictograms <= set(KNOWN_POSES), pictograms - set(KNOWN_POSES)


def test_the_brief_s_eleven_poses_are_all_known():
    assert set(KNOWN_POSES) == {
        "rock_back",
        "frog_rock_back",
        "childs_pose",
        "seated_hip_hinge",
        "kneeling_hip_flexor",
        "seated_hip_flexor",
        "seated_piriformis",
        "modified_pigeon",
        "seated_butterfly",
        "bed_butterfly",
        "deep_squat",
    }


@pytest.mark.parametrize("pose", KNOWN_POSES)
def test_every_pose_draws_a_visible_figure_to_png(pose):
    png = pose_png(pose, size_px=300)
    assert png.startswith(PNG_MAGIC)
    image = Image.open(io.BytesIO(png))
    assert image.size == (300, 200)
    # a stick figure: clearly some dark ink, but far from a black page
    assert 0.01 < dark_pixel_share(png) < 0.5


@pytest.mark.parametrize("pose", KNOWN_POSES)
def test_every_pose_draws_on_a_given_axes_and_returns_it(pose):
    fig = Figure(figsize=(3, 2))
    ax = fig.add_axes((0, 0, 1, 1))
    assert draw_pose(pose, ax) is ax
    assert ax.lines, "the body is drawn as lines"
    assert not ax.axison, "a pictogram has no axis frame or ticks"


def test_draw_pose_without_axes_makes_its_own_figure():
    ax = draw_pose("deep_squat")
    assert isinstance(ax, Axes)
    assert isinstance(ax.get_figure(), Figure)


def test_every_pose_has_a_head_and_joints_its_lines_name():
    for name, pose in POSES.items():
        joints = set(pose.joints)
        assert pose.head in joints, name
        for chain in (*pose.body, *pose.far, *pose.curves):
            assert set(chain) <= joints, (name, chain)


def test_drawings_share_one_aspect_ratio_so_they_line_up_on_a_handout():
    ratios = set()
    for pose in KNOWN_POSES:
        ax = draw_pose(pose)
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        ratios.add(round((x1 - x0) / (y1 - y0), 6))
    assert len(ratios) == 1


@pytest.mark.parametrize("pose", ["no_such_pose", "", None, float("nan"), 42])
def test_an_unknown_pose_draws_a_framed_placeholder_instead_of_failing(pose):
    ax = draw_pose(pose)
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["no drawing"]
    assert ax.patches, "the placeholder is framed"
    png = pose_png(pose, size_px=200)
    assert dark_pixel_share(png, below=160) > 0.005
    assert pose_description(pose) == PLACEHOLDER_DESCRIPTION


def test_svg_is_a_standalone_document_without_date_or_creator_stamp():
    svg = pose_svg("seated_hip_hinge")
    root = ET.fromstring(svg.split("?>", 1)[1] if svg.startswith("<?xml") else svg)
    assert root.tag.endswith("svg")
    assert "matplotlib.org" not in svg
    assert "<dc:date>" not in svg


def test_svg_of_a_pose_is_the_same_every_time():
    assert pose_svg("rock_back") == pose_svg("rock_back")


def test_png_carries_no_software_stamp():
    assert b"Matplotlib" not in pose_png("childs_pose", size_px=120)


@pytest.mark.parametrize("size", [0, 10, -5, 1.5, "300", True, 10_000])
def test_a_silly_png_size_is_refused_with_the_field_named(size):
    with pytest.raises(WorkbookError, match="size_px"):
        pose_png("rock_back", size_px=size)


def test_every_known_pose_has_its_own_description():
    descriptions = [pose_description(p) for p in KNOWN_POSES]
    assert len(set(descriptions)) == len(descriptions)
    assert PLACEHOLDER_DESCRIPTION not in descriptions

"""Stick-figure pictograms of the stretches, drawn by code for the patient handout.

Each pose is data (:mod:`workbook.documents.poses`): joint coordinates, the polylines that join
them, the props (floor, chair, stick, block, bed) and the arrows that show which way to move. This
module draws them. An unknown pose name draws a framed placeholder rather than failing, so that a
clinic's new stretch still gets a handout before it gets a drawing.

Only matplotlib's object API is used (``matplotlib.figure.Figure``), never pyplot: nothing is
kept alive between calls and nothing depends on a GUI backend.

Examples
--------
>>> from workbook.documents.pictograms import pose_png
>>> pose_png("deep_squat", size_px=300)[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

import io
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, Rectangle

from ..errors import WorkbookError
from .chart_draw import figure_of
from .files import neutral_metadata
from .poses import KNOWN_POSES, PLACEHOLDER_DESCRIPTION, POSES, STICK_POSES, Point, Pose

__all__ = [
    "ARROW_COLOUR",
    "ASPECT",
    "BODY_COLOUR",
    "FAR_COLOUR",
    "HEAD_RADIUS",
    "KNOWN_POSES",
    "MIN_WIDTH",
    "PLACEHOLDER_DESCRIPTION",
    "POSES",
    "PROP_COLOUR",
    "PROP_FILL",
    "Pose",
    "draw_pose",
    "pose_description",
    "pose_png",
    "pose_svg",
]

# Colours: the body near-black, props light grey (they set the scene, they are not the stretch),
# the far-side limbs mid grey, arrows in a blue that still reads as dark grey on a b/w printer.
BODY_COLOUR = "#1c1c1c"
FAR_COLOUR = "#8c8c8c"
PROP_COLOUR = "#b4b4b4"
PROP_FILL = "#e6e6e6"
ARROW_COLOUR = "#1f5fa8"
HEAD_RADIUS = 0.36
ASPECT = 1.5  # width / height of every drawing, so they line up on a handout
MIN_WIDTH = 8.6  # drawing units: a common scale, so a chair is the same size in every picture

# --- Drawing ------------------------------------------------------------------------------------


def pose_description(pose: object) -> str:
    """One plain sentence describing the position (alt text); a neutral line for unknown poses."""
    known = POSES.get(pose) if isinstance(pose, str) else None
    return known.description if known else PLACEHOLDER_DESCRIPTION


def _quad(p0: Point, p1: Point, p2: Point, n: int = 24) -> tuple[list[float], list[float]]:
    """A quadratic Bezier curve passing through p1 at its middle (p1 is on the curve, not a
    control point: easier to place by eye)."""
    cx = 2 * p1[0] - (p0[0] + p2[0]) / 2
    cy = 2 * p1[1] - (p0[1] + p2[1]) / 2
    xs, ys = [], []
    for i in range(n + 1):
        t = i / n
        xs.append((1 - t) ** 2 * p0[0] + 2 * (1 - t) * t * cx + t**2 * p2[0])
        ys.append((1 - t) ** 2 * p0[1] + 2 * (1 - t) * t * cy + t**2 * p2[1])
    return xs, ys


def _bounds(pose: Pose) -> tuple[float, float, float, float]:
    xs = [x for x, _ in pose.joints.values()]
    ys = [y for _, y in pose.joints.values()]
    hx, hy = pose.joints[pose.head]
    xs += [hx - HEAD_RADIUS, hx + HEAD_RADIUS]
    ys += [hy + HEAD_RADIUS, 0.0]
    for x0, y0, x1, y1, bend in pose.arrows:
        # arc3's control point (the curve stays inside the triangle it makes with the ends)
        cx, cy = (x0 + x1) / 2 + bend * (y1 - y0), (y0 + y1) / 2 - bend * (x1 - x0)
        xs += [x0, x1, (cx + (x0 + x1) / 2) / 2]
        ys += [y0, y1, (cy + (y0 + y1) / 2) / 2]
    for kind, values in pose.props:
        if kind == "floor":
            xs += list(values)
        elif kind == "line":
            xs += list(values[0::2])
            ys += list(values[1::2])
        elif kind in ("box", "frame"):
            x, y, w, h = values
            xs += [x, x + w]
            ys += [y, y + h]
    return min(xs), max(xs), min(ys), max(ys)


def _frame_axes(ax: Axes, x0: float, x1: float, y0: float, y1: float) -> None:
    """Fix limits at the common aspect ratio and scale, content centred, floor near the bottom."""
    width = max(x1 - x0 + 0.8, MIN_WIDTH, (y1 - y0 + 0.8) * ASPECT)
    height = width / ASPECT
    cx = (x0 + x1) / 2
    bottom = y0 - 0.35
    ax.set_xlim(cx - width / 2, cx + width / 2)
    ax.set_ylim(bottom, bottom + height)
    ax.set_aspect("equal", adjustable="box")
    ax.set_axis_off()


def _line_scale(ax: Axes) -> float:
    """Line widths in points follow the axes' printed width (3 inches is the reference)."""
    width_in = ax.get_position().width * figure_of(ax).get_figwidth()
    return max(0.5, min(2.5, width_in / 3.0))


_ROUND: dict[str, Any] = {"solid_capstyle": "round", "solid_joinstyle": "round", "clip_on": False}
_STICK_COLOUR = "#a0764a"


def _draw_props(ax: Axes, pose: Pose, scale: float) -> None:
    prop_lw = 2.6 * scale
    for kind, values in pose.props:
        if kind == "floor":
            ax.plot(list(values), [0.0, 0.0], color=PROP_COLOUR, lw=prop_lw, zorder=1, **_ROUND)
        elif kind == "line":
            ax.plot(values[0::2], values[1::2], color=PROP_COLOUR, lw=prop_lw, zorder=1, **_ROUND)
        elif kind in ("box", "frame"):
            x, y, w, h = values
            box = kind == "box"  # a filled block or bed; a frame is an inset's white border
            ax.add_patch(
                Rectangle(
                    (x, y),
                    w,
                    h,
                    facecolor=PROP_FILL if box else "white",
                    edgecolor=PROP_COLOUR,
                    lw=prop_lw * (0.6 if box else 0.4),
                    zorder=1 if box else 0.5,
                    clip_on=False,
                )
            )
        elif kind == "label":
            x, y, text = values
            ax.text(
                x,
                y,
                text,
                ha="center",
                va="center",
                fontsize=6.5 * scale,
                color="#555555",
                parse_math=False,
                clip_on=False,
            )


def _chain(ax: Axes, joints: Any, chain: tuple[str, ...], **style: Any) -> None:
    ax.plot([joints[n][0] for n in chain], [joints[n][1] for n in chain], **style, **_ROUND)


def _draw_figure(ax: Axes, name: str, pose: Pose, scale: float) -> None:
    body_lw = 4.2 * scale
    j = pose.joints
    if name in STICK_POSES:  # a prop, but it must read above the body line
        _chain(ax, j, STICK_POSES[name], color=_STICK_COLOUR, lw=2.6 * scale * 1.1, zorder=4)
    for chain in pose.far:
        _chain(ax, j, chain, color=FAR_COLOUR, lw=body_lw, zorder=2)
    for chain in pose.body:
        _chain(ax, j, chain, color=BODY_COLOUR, lw=body_lw, zorder=3)
    for start, middle, end in pose.curves:
        xs, ys = _quad(j[start], j[middle], j[end])
        ax.plot(xs, ys, color=BODY_COLOUR, lw=body_lw, zorder=3, **_ROUND)
    for joint, radius in ((pose.head, HEAD_RADIUS), *pose.extra_heads):
        ax.add_patch(
            Circle(
                j[joint],
                radius,
                facecolor=BODY_COLOUR,
                edgecolor=BODY_COLOUR,
                zorder=5,
                clip_on=False,
            )
        )


def _draw_arrows(ax: Axes, pose: Pose, scale: float) -> None:
    for x0, y0, x1, y1, bend in pose.arrows:
        ax.add_patch(
            FancyArrowPatch(
                (x0, y0),
                (x1, y1),
                connectionstyle=f"arc3,rad={bend}",
                arrowstyle=f"-|>,head_length={0.45 * scale:.2f},head_width={0.25 * scale:.2f}",
                mutation_scale=10 * scale,
                color=ARROW_COLOUR,
                lw=1.8 * scale,
                zorder=6,
                clip_on=False,
            )
        )


def _draw_known(ax: Axes, name: str, pose: Pose) -> None:
    scale = _line_scale(ax)
    _draw_props(ax, pose, scale)
    _draw_figure(ax, name, pose, scale)
    _draw_arrows(ax, pose, scale)
    _frame_axes(ax, *_bounds(pose))


def _draw_placeholder(ax: Axes) -> None:
    scale = _line_scale(ax)
    ax.add_patch(
        Rectangle(
            (0.3, 0.3),
            MIN_WIDTH - 0.6,
            MIN_WIDTH / ASPECT - 0.6,
            facecolor="white",
            edgecolor=FAR_COLOUR,
            lw=1.5 * scale,
            linestyle=(0, (4, 3)),
            clip_on=False,
        )
    )
    ax.text(
        MIN_WIDTH / 2,
        MIN_WIDTH / ASPECT / 2,
        "no drawing",
        ha="center",
        va="center",
        fontsize=12 * scale,
        color="#555555",
        parse_math=False,
    )
    ax.set_xlim(0, MIN_WIDTH)
    ax.set_ylim(0, MIN_WIDTH / ASPECT)
    ax.set_aspect("equal", adjustable="box")
    ax.set_axis_off()


def _new_axes(width_in: float = 3.0) -> Axes:
    fig = Figure(figsize=(width_in, width_in / ASPECT))
    return fig.add_axes((0.0, 0.0, 1.0, 1.0))


def draw_pose(pose: str, ax: Axes | None = None) -> Axes:
    """Draw the stick figure for ``pose`` on ``ax`` (a new figure's axes when None).

    Parameters
    ----------
    pose : str
        One of :data:`KNOWN_POSES`. Anything else (an unknown name, an empty cell, None) draws a
        framed "no drawing" placeholder instead of failing: a new stretch in the table should
        not stop a handout from printing.
    ax : matplotlib.axes.Axes, optional
        Where to draw; its limits and aspect are set, its frame hidden.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    if ax is None:
        ax = _new_axes()
    known = POSES.get(pose) if isinstance(pose, str) else None
    if known is None:
        _draw_placeholder(ax)
    else:
        _draw_known(ax, pose, known)
    return ax


def _figure_for(pose: str, width_in: float) -> Figure:
    return figure_of(draw_pose(pose, _new_axes(width_in)))


def pose_png(pose: str, *, size_px: int = 450) -> bytes:
    """The drawing as PNG bytes, ``size_px`` wide (height is two thirds of that).

    PNG metadata is left neutral (no software or version stamp).
    """
    if isinstance(size_px, bool) or not isinstance(size_px, int) or not 48 <= size_px <= 4000:
        raise WorkbookError("size_px", size_px, "a whole number of pixels from 48 to 4000")
    dpi = 100
    fig = _figure_for(pose, size_px / dpi)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white", metadata=neutral_metadata("png"))
    return buffer.getvalue()


def pose_svg(pose: str) -> str:
    """The drawing as a standalone SVG document (text), with no date or creator stamp."""
    fig = _figure_for(pose, 3.0)
    buffer = io.StringIO()
    # A fixed hash salt keeps the SVG's internal ids stable: the same pose gives the same bytes.
    with matplotlib.rc_context({"svg.hashsalt": "workbook-pictogram", "svg.fonttype": "path"}):
        fig.savefig(
            buffer,
            format="svg",
            facecolor="white",
            metadata=neutral_metadata("svg", {"Creator": None}),
        )
    return buffer.getvalue()

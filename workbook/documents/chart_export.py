"""Chart files: PNG, SVG or PDF, chosen by the suffix, deterministic and neutral.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from matplotlib.figure import Figure
>>> fig = Figure(figsize=(2, 1))
>>> _ = fig.add_subplot().plot([0, 1], [0, 1])
>>> with tempfile.TemporaryDirectory() as folder:
...     path = export_chart(fig, Path(folder) / "chart.svg")
...     print(path.name, b"CreationDate" in path.read_bytes(), oct(path.stat().st_mode & 0o777))
chart.svg False 0o600
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
from matplotlib.backends.backend_pdf import FigureCanvasPdf
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.layout_engine import PlaceHolderLayoutEngine

from ..errors import WorkbookError
from .files import atomic_path, check_target, neutral_metadata

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

__all__ = [
    "EXPORT_DPI",
    "EXPORT_FORMATS",
    "MIN_EXPORT_DPI",
    "encode_png",
    "export_chart",
    "laid_out_once",
    "png_bytes",
    "png_picture",
]

EXPORT_DPI = 200  # print quality; the issue asks for at least 150
MIN_EXPORT_DPI = 150
EXPORT_FORMATS: dict[str, str] = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
_SVG_SALT = "hip-mobility-workbook"  # fixed ids in SVG output, so two exports are identical


def export_chart(
    fig: Figure,
    path: str | os.PathLike[str],
    *,
    metadata: Mapping[str, Any] | None = None,
    dpi: float = EXPORT_DPI,
) -> Path:
    """Write a chart to PNG, SVG or PDF, the format chosen by the file suffix.

    The output carries no identifiers: no software version, no creation date, no title (unless
    passed in ``metadata``). It is deterministic: the same data drawn by ``progress_chart``
    export to the same bytes (SVG element ids are salted with a fixed value). The file appears
    complete or not at all, readable by its owner only (see :mod:`workbook.documents.files`).

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
    target = check_target(path, EXPORT_FORMATS)
    fmt = EXPORT_FORMATS[target.suffix.lower()]
    if isinstance(dpi, bool) or not isinstance(dpi, int | float) or not dpi >= MIN_EXPORT_DPI:
        raise WorkbookError("dpi", dpi, f"a number of at least {MIN_EXPORT_DPI}")
    info = neutral_metadata(fmt, metadata)
    with (
        laid_out_once(fig, dpi, fmt),
        atomic_path(target) as temporary,
        mpl.rc_context({"svg.hashsalt": _SVG_SALT}),
    ):
        fig.savefig(temporary, format=fmt, dpi=dpi, metadata=info)
    return target


@contextmanager
def laid_out_once(fig: Figure, dpi: float = EXPORT_DPI, fmt: str = "png") -> Iterator[Figure]:
    """Inside the block, ``fig`` keeps the layout its engine computes once, for ``fmt``.

    A Figure with a layout engine (``layout="constrained"``) lays itself out twice at every
    ``savefig`` (a hidden draw to measure, then the real one) and again for the next file. Here
    the engine runs once, measuring text as the backend of ``fmt`` will draw it (Agg at ``dpi``
    for PNG; 72 points to the inch for PDF and SVG), and is set aside, so each save inside the
    block is a single draw with the positions the engine would have given: the file looks the
    same, pixel for pixel. The engine is put back on leaving, so the caller's figure still lays
    itself out afterwards.

    Examples
    --------
    >>> fig = Figure(figsize=(3, 2), layout="constrained")
    >>> _ = fig.add_subplot().set_title("Hip flexion")
    >>> with laid_out_once(fig, 200):
    ...     fig.get_layout_engine() is None, len(png_bytes(fig, 200)) > 1000
    (True, True)
    >>> type(fig.get_layout_engine()).__name__
    'ConstrainedLayoutEngine'
    """
    engine = fig.get_layout_engine()
    # set_layout_engine(None) removes the engine only when no rcParam asks for a default one;
    # otherwise (or with no engine) the figure is saved as it is: the same files, only slower.
    automatic = mpl.rcParams["figure.autolayout"] or mpl.rcParams["figure.constrained_layout.use"]
    if engine is None or isinstance(engine, PlaceHolderLayoutEngine) or automatic:
        yield fig
        return
    canvas, saved_dpi = fig.canvas, fig.dpi
    if fmt == "pdf":
        FigureCanvasPdf(fig)  # sets itself as the figure's canvas while measuring
    elif fmt == "svg":
        FigureCanvasSVG(fig)
    fig.set_dpi(dpi if fmt == "png" else 72)
    try:
        engine.execute(fig)
    finally:
        fig.set_dpi(saved_dpi)
        fig.set_canvas(canvas)
    fig.set_layout_engine(None)  # None, not "none": savefig then skips its measuring draw
    try:
        yield fig
    finally:
        fig.set_layout_engine(engine)


def png_bytes(fig: Figure, dpi: float = EXPORT_DPI, *, compress_level: int = 6) -> bytes:
    """The figure as PNG bytes with neutral metadata (for a page or a notebook to embed).

    ``compress_level`` is zlib's, 1 (fastest) to 9 (smallest); 6 is Pillow's default.
    See :func:`png_picture` and :func:`encode_png`, its two halves.

    Examples
    --------
    >>> from PIL import Image
    >>> fig = Figure(figsize=(2, 1))
    >>> image = Image.open(io.BytesIO(png_bytes(fig, 150)))
    >>> image.mode, image.size, [round(d) for d in image.info["dpi"]], "Software" in image.info
    ('RGB', (300, 150), [150, 150], False)
    """
    return encode_png(png_picture(fig, dpi), dpi, compress_level=compress_level)


def png_picture(fig: Figure, dpi: float = EXPORT_DPI) -> PILImage:
    """The figure drawn at ``dpi``, as an RGBA Pillow image for :func:`encode_png`."""
    from PIL import Image  # Pillow is a dependency of matplotlib itself

    buffer = io.BytesIO()
    fig.savefig(buffer, format="rgba", dpi=dpi)
    raw = buffer.getvalue()
    width = int(fig.get_figwidth() * dpi)  # as the Agg canvas sizes itself
    return Image.frombuffer("RGBA", (width, len(raw) // (4 * width)), raw, "raw", "RGBA", 0, 1)


def encode_png(picture: PILImage, dpi: float, *, compress_level: int = 6) -> bytes:
    """A picture from :func:`png_picture` as PNG bytes, its resolution recorded (so it prints
    at the figure's size) and nothing else: no software name, no date.

    A picture opaque everywhere is written as RGB, not RGBA: the same picture, a tenth smaller
    and faster to encode. Pillow checks, converts and compresses without holding Python's
    lock, so another thread can work meanwhile (``share_case`` writes the bundle's text files
    while its chart is encoded).
    """
    out = io.BytesIO()
    opaque = picture.mode == "RGBA" and picture.getchannel("A").getextrema() == (255, 255)
    image = picture.convert("RGB") if opaque else picture
    image.save(out, format="png", dpi=(dpi, dpi), compress_level=compress_level)
    return out.getvalue()

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

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib as mpl
from matplotlib.figure import Figure

from ..errors import WorkbookError
from .files import atomic_path, check_target, neutral_metadata

__all__ = ["EXPORT_DPI", "EXPORT_FORMATS", "MIN_EXPORT_DPI", "export_chart"]

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
    with atomic_path(target) as temporary, mpl.rc_context({"svg.hashsalt": _SVG_SALT}):
        fig.savefig(temporary, format=fmt, dpi=dpi, metadata=info)
    return target

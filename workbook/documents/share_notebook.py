"""The ``charts.ipynb`` of a shared case: executed, so it reads without installing anything.

A colleague may open the notebook on a code host, in nbviewer or in a Jupyter without the
workbook: it arrives with its outputs already in place (the de-identified measurements table as
HTML and text, the progress chart as a PNG), so the reader sees the case before running
anything. Run again with the workbook installed, the same cells rebuild the same table and chart
from the CSV files beside the notebook; the chart is displayed as an image
(``IPython.display.Image`` of PNG bytes), never as a bare Figure's ``<Figure size ...>`` repr.
The PNG is the bundle's ``chart.png`` (print resolution), shown at half its pixel size
(``retina=True``): screen size, sharp on a high-density display, and drawn only once per share.

The notebook is nbformat 4.5: every cell has a fixed ``id`` (fixed, so the file carries no
trace of when it was made), no metadata beyond the kernel's name, and only the de-identified
table and chart as outputs (nothing of the notes, even when they travel in ``visits.csv``).
"""

from __future__ import annotations

import base64
from typing import Any

import pandas as pd

__all__ = ["CHART_CELL", "TABLE_CELL", "case_notebook", "retina_metadata"]

TABLE_CELL = (
    "from workbook.documents.share import read_case\n\n"
    "case = read_case('.')  # the CSV files beside this notebook\n"
    "case.measurements"
)
CHART_CELL = (
    "from IPython.display import Image\n"
    "from workbook.documents.share import case_chart_png\n\n"
    "Image(case_chart_png(case), retina=True)"
)


def _markdown(cell_id: str, text: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": text}


def _code(
    cell_id: str,
    source: str,
    count: int,
    data: dict[str, Any],
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "id": cell_id,
        "metadata": {},
        "execution_count": count,
        "source": source,
        "outputs": [
            {
                "output_type": "execute_result",
                "execution_count": count,
                "data": data,
                "metadata": metadata or {},
            }
        ],
    }


def retina_metadata(png: bytes) -> dict[str, Any]:
    """The output metadata IPython gives ``Image(png, retina=True)``: half the pixel size.

    Examples
    --------
    >>> header = b"\\x89PNG\\r\\n\\x1a\\n" + bytes(4) + b"IHDR" + (2000).to_bytes(4, "big")
    >>> retina_metadata(header + (1070).to_bytes(4, "big"))
    {'image/png': {'width': 1000, 'height': 535}}
    >>> retina_metadata(b"not a png")
    {}
    """
    if len(png) < 24 or png[12:16] != b"IHDR":
        return {}
    width, height = (int.from_bytes(png[i : i + 4], "big") for i in (16, 20))
    return {"image/png": {"width": width // 2, "height": height // 2}}


def case_notebook(case_code: str, measurements: pd.DataFrame, chart_png: bytes) -> dict[str, Any]:
    """The notebook as a JSON-ready dict, its outputs filled in.

    Parameters
    ----------
    case_code : str
        The random case code (the only name the notebook carries).
    measurements : DataFrame
        The de-identified measurements, as ``read_case`` gives them back.
    chart_png : bytes
        The chart as ``share.case_chart_png`` draws it.

    Examples
    --------
    >>> frame = pd.DataFrame({"visit": [1], "degrees": [95.0]})
    >>> nb = case_notebook("CASE-ABC123", frame, b"\\x89PNG")
    >>> [c["id"] for c in nb["cells"]], nb["nbformat_minor"]
    (['about', 'read-case', 'chart'], 5)
    >>> sorted(nb["cells"][2]["outputs"][0]["data"])
    ['image/png', 'text/plain']
    """
    about = (
        f"# Shared case {case_code}\n\n"
        "The table and the progress chart below are saved in this notebook: they show in any "
        "Jupyter, on a code host or in nbviewer, with nothing installed.\n\n"
        "To rebuild them from `measurements.csv` and `visits.csv` beside this notebook, install "
        "the Hip Mobility Workbook and run all cells."
    )
    # What Jupyter shows for the frame when the cell runs: pandas' own HTML and text forms.
    html = measurements._repr_html_()  # type: ignore[operator]
    table = {"text/html": html, "text/plain": repr(measurements)}
    chart = {
        "image/png": base64.b64encode(chart_png).decode("ascii"),
        "text/plain": "<IPython.core.display.Image object>",
    }
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "cells": [
            _markdown("about", about),
            _code("read-case", TABLE_CELL, 1, table),
            _code("chart", CHART_CELL, 2, chart, retina_metadata(chart_png)),
        ],
    }

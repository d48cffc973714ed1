"""Patient text stays text in every matplotlib output: never read as a formula (mathtext)."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import zlib
from pathlib import Path

import matplotlib as mpl
import pandas as pd
import pytest
from matplotlib.figure import Figure

from workbook import PatientProfile, generate_routine
from workbook.documents.charts import progress_chart
from workbook.documents.handout_content import handout_items
from workbook.documents.handout_pdf_layout import pdf_pages
from workbook.documents.handouts import handout
from workbook.documents.report import progress_report, report_pages

BROKEN = r"Bob $\foo$ Smith"  # not valid mathtext: drawing it as maths raises
FORMULA = "Ann $x^2$ Lee"  # valid mathtext: drawn as maths it would print x squared
PROFILE = PatientProfile(age=70, activity="active", floor_transfer=True, kneeling="comfortable")


def svg_text(fig: Figure) -> str:
    """The text printed on a figure: its SVG with text kept as text, comments left out (the SVG
    writer copies each raw string into a comment, maths or not)."""
    buffer = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg")
    return re.sub(r"<!--.*?-->", "", buffer.getvalue(), flags=re.DOTALL)


def _readings() -> tuple[pd.DataFrame, pd.DataFrame]:
    dates = pd.to_datetime(["2026-01-05", "2026-02-02"])
    measurements = pd.DataFrame(
        {
            "visit_id": ["a", "b"],
            "visit_date": dates,
            "motion": "hip_flexion",
            "side": "left",
            "degrees": [95.0, 104.0],
            "instrument": "goniometer",
            "position": "supine",
        }
    )
    visits = pd.DataFrame(
        {"visit_id": ["a", "b"], "visit_date": dates, "pain_nprs": [5, 3], "odi_index": [30, 22]}
    )
    return measurements, visits


@pytest.mark.parametrize("title", [BROKEN, FORMULA])
def test_a_titled_chart_prints_the_title_as_typed(title):
    fig = progress_chart(*_readings(), title=title)
    fig.savefig(io.BytesIO(), format="png")  # raised ValueError for BROKEN before
    assert title in svg_text(fig)


def _store_with(store, name: str) -> str:
    patient_id = store.add_patient(name, 1956, PROFILE)
    routine = generate_routine(PROFILE).to_dict()
    for n in range(2):
        store.log_visit(
            patient_id,
            dt.date(2026, 1, 5) + dt.timedelta(days=21 * n),
            {("hip_flexion", "left"): 95 + 5 * n},
            pain=4,
            routine=routine,
            notes=f"{FORMULA} and {BROKEN}",
        )
    return patient_id


@pytest.mark.parametrize("name", [BROKEN, FORMULA])
def test_progress_report_prints_names_and_notes_as_typed(new_store, tmp_path: Path, name):
    store = new_store()
    patient_id = _store_with(store, name)
    path = progress_report(store, patient_id, tmp_path / "report.pdf")  # raised for BROKEN
    assert path.read_bytes().startswith(b"%PDF")
    pages = "".join(svg_text(page) for page in report_pages(store, patient_id))
    assert name in pages


@pytest.mark.parametrize("text", [BROKEN, FORMULA])
def test_handout_pdf_prints_name_and_note_as_typed(tmp_path: Path, text):
    routine = generate_routine(PROFILE)
    pages = pdf_pages(handout_items(routine), patient_name=text, note=f"Note: {text}")
    first = svg_text(pages[0])
    assert text in first and f"Note: {text}" in first
    path = handout(routine, tmp_path / "handout.pdf", patient_name=text, note=text)
    assert path.read_bytes().startswith(b"%PDF")
    assert _pdf_has_no_maths(path.read_bytes())


def _pdf_has_no_maths(data: bytes) -> bool:
    """No mathtext font (DejaVu Sans Oblique / cmmi) is embedded: x^2 was not drawn as maths."""
    streams = [data]
    start = 0
    while (at := data.find(b"stream\n", start)) != -1:
        end = data.find(b"endstream", at)
        with contextlib.suppress(zlib.error):
            streams.append(zlib.decompress(data[at + 7 : end]))
        start = end
    everything = b"".join(streams)
    return b"Oblique" not in everything and b"cmmi" not in everything

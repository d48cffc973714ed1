"""The progress report: a complete multi-page PDF from a store, with neutral metadata."""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest
import sqlalchemy as sa
from matplotlib.text import Text

from workbook.clinical.profile import PatientProfile
from workbook.documents.report import (
    COURSE_ROWS_PER_PAGE,
    progress_report,
    report_page_count,
    report_pages,
)
from workbook.errors import WorkbookError
from workbook.records.schema import visit_versions_t

ROUTINE = {
    "profile": {},
    "items": [
        {
            "movement": "hip_flexion",
            "stretch_id": "seated_hip_hinge",
            "hold_s": 60,
            "reps": 2,
            "per_week": 5,
            "chosen_by": "workbook",
        },
        {
            "movement": "hip_extension",
            "stretch_id": "not_in_the_table",
            "hold_s": 30,
            "reps": 3,
            "per_week": 7,
            "chosen_by": "therapist",
        },
    ],
}


def page_count(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", data))


@pytest.fixture(scope="module")
def clinic(tmp_path_factory):
    """One store with one patient, shared by the tests that only read it (reports are slow)."""
    from workbook.records.store import open_store

    folder = tmp_path_factory.mktemp("clinic")
    with open_store(folder / "clinic.sqlite") as opened:
        profile = PatientProfile(
            age=62, activity="active", floor_transfer=True, kneeling="comfortable"
        )
        pid = opened.add_patient("Ada Example", 1963, profile)
        opened.log_visit(
            pid,
            "2025-01-06",
            {
                ("hip_flexion", "left"): 90,
                ("hip_flexion", "right"): 85,
                ("hip_extension", "left"): 0,
            },
            pain=7,
            odi=[3, 2, 3, 2, 2, 1, 2, 2, 2, 1],
        )
        visit = opened.log_visit(
            pid,
            "2025-02-03",
            {("hip_flexion", "left"): 101, ("hip_flexion", "right"): 88},
            pain=4,
        )
        # A routine saved by an earlier workbook, before the store checked routines (issue 10):
        # the store now refuses an unknown stretch, so it is written here as an old store holds it.
        with opened.engine.begin() as conn:
            conn.execute(
                sa.update(visit_versions_t)
                .where(visit_versions_t.c.visit_id == visit)
                .values(routine=json.dumps(ROUTINE))
            )
        yield opened, pid


@pytest.fixture(scope="module")
def report_bytes(clinic, tmp_path_factory) -> bytes:
    store, pid = clinic
    return progress_report(store, pid, tmp_path_factory.mktemp("out") / "report.pdf").read_bytes()


def test_report_is_a_pdf_with_chart_table_routine_and_course(report_bytes: bytes):
    assert report_bytes.startswith(b"%PDF")
    assert page_count(report_bytes) == 4 == report_page_count(2)


def test_report_metadata_names_no_software_date_or_title(report_bytes: bytes):
    assert b"CreationDate" not in report_bytes
    assert b"matplotlib.org" not in report_bytes
    assert b"/Title" not in report_bytes


def all_text(pages) -> str:
    """Every text on the pages, table cells included."""
    texts = [t.get_text() for page in pages for t in page.findobj(Text)]
    texts += [
        cell.get_text().get_text()
        for page in pages
        for ax in page.axes
        for table in ax.tables
        for cell in table.get_celld().values()
    ]
    return "\n".join(texts)


def test_pages_name_the_patient_and_the_routine(clinic):
    store, pid = clinic
    text = all_text(report_pages(store, pid))
    assert "Ada Example" in text
    assert "Seated hip hinge with a stick" in text  # stretch name from the stretch table
    assert "not_in_the_table" in text  # an unknown stretch shows its id rather than vanishing


def test_name_is_left_out_when_asked(clinic):
    store, pid = clinic
    assert "Ada Example" not in all_text(report_pages(store, pid, include_name=False))


def test_long_course_continues_on_further_pages(store, tmp_path: Path):
    profile = PatientProfile(age=40, activity="active", floor_transfer=True, kneeling="comfortable")
    pid = store.add_patient("Long Course", 1985, profile)
    n = COURSE_ROWS_PER_PAGE + 2
    for day in range(n):
        store.log_visit(
            pid,
            f"2024-{1 + day // 28:02d}-{1 + day % 28:02d}",
            {("hip_flexion", "left"): 90 + day % 5},
            pain=5,
        )
    data = progress_report(store, pid, tmp_path / "long.pdf").read_bytes()
    assert page_count(data) == report_page_count(n) == 5


def test_patient_without_visits_still_gets_a_complete_report(store, tmp_path: Path):
    profile = PatientProfile(
        age=30, activity="athletic", floor_transfer=True, kneeling="comfortable"
    )
    pid = store.add_patient("New Patient", 1995, profile)
    data = progress_report(store, pid, tmp_path / "new.pdf").read_bytes()
    assert page_count(data) == 4


def test_path_must_end_in_pdf(clinic, tmp_path: Path):
    store, pid = clinic
    with pytest.raises(WorkbookError, match=r"\.pdf"):
        progress_report(store, pid, tmp_path / "report.png")


def test_unknown_patient_fails_before_anything_is_written(store, tmp_path: Path):
    with pytest.raises(WorkbookError):
        progress_report(store, "p_nobody", tmp_path / "report.pdf")
    assert list(tmp_path.glob("*.pdf")) == []


def test_report_text_can_be_selected_and_read_aloud(report_bytes: bytes, tmp_path: Path):
    """Embedded fonts carry a Unicode map: the words come out of the PDF as written."""
    import subprocess

    fonts = len(re.findall(rb"/Type\s*/Font\b", report_bytes))
    assert fonts and report_bytes.count(b"/ToUnicode") * 2 >= fonts  # every font has its map
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(report_bytes)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Ada Example" in text and "Hip flexion" in text and "Current routine" in text

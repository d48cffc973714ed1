"""The progress-report screen and the report it prints: in step with the store, in words."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.documents.test_report import all_text
from workbook.documents.report import report_pages
from workbook.ui import ReportScreen

TODAY = dt.date(2025, 3, 1)


@pytest.fixture
def clinic(store, older_stenosis):
    ann = store.add_patient("Ann Byrne", 1945, older_stenosis)
    store.log_visit(ann, "2025-01-06", {("hip_flexion", "left"): 90}, pain=7)
    return store, ann


def test_refresh_shows_a_visit_saved_elsewhere(clinic):
    store, ann = clinic
    screen = ReportScreen(store, today=TODAY)
    screen.patient.select(ann)
    assert "1 visit on record" in screen.progress._message.value
    store.log_visit(ann, "2025-02-03", {("hip_flexion", "left"): 99}, pain=5)  # another kernel
    screen._refresh_button.click()
    assert "2 visits on record" in screen.progress._message.value
    assert "2 visits" in dict(screen.patient._results.options).__repr__()
    assert "Ann Byrne" in screen._refreshed.value


def test_the_report_screen_names_a_clinic_store(clinic):
    store, _ = clinic
    assert "Clinic store" in ReportScreen(store, today=TODAY)._store_line.value


def test_the_printed_report_has_no_developer_paths_or_doubled_headers(clinic):
    store, ann = clinic
    store.log_visit(ann, "2025-02-03", {("hip_flexion", "left"): 99}, pain=5)
    text = all_text(report_pages(store, ann))
    assert ".csv" not in text and "data/" not in text
    assert "First visit" in text and "Latest value" in text
    for word in ("First", "Latest"):
        assert f"{word}\n{word}\n" not in text

"""The workbook app: patient, routine, visit and progress tabs wired together."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from workbook.ui import ReportScreen, WorkbookApp
from workbook.ui.app import PROGRESS_TAB, ROUTINE_TAB, VISIT_TAB

TODAY = dt.date(2025, 3, 1)


@pytest.fixture
def clinic(store, older_stenosis, athlete):
    ann = store.add_patient("Ann Byrne", 1945, older_stenosis)
    store.log_visit(ann, "2025-01-06", {("hip_flexion", "left"): 90}, pain=7)
    carl = store.add_patient("Carl Dunne", 1997, athlete)
    return store, ann, carl


@pytest.fixture
def app(clinic):
    return WorkbookApp(clinic[0], today=TODAY)


def test_the_screen_opens_on_the_patient_tab_without_errors(app):
    assert app.tab == 0
    assert app.tab_titles == ("1. Patient", "2. Routine", "3. Visit", "4. Progress")
    assert app.errors() == []
    assert app.banner == ""  # a clinic store gets no demo banner


def test_a_demo_store_says_so_on_screen(store):
    store.mark_as_demo()
    assert "fictional" in WorkbookApp(store, today=TODAY).banner


def test_picking_a_patient_sets_up_every_tab(app, clinic):
    _, ann, _ = clinic
    app.patient.select(ann)
    assert "Ann Byrne" in app.visit._patient_label.value
    app.show_tab(ROUTINE_TAB)
    assert app.routine.model.routine.profile == app.patient.model.chosen.profile
    app.show_tab(PROGRESS_TAB)
    assert "Hip flexion" in app.progress._table.value
    assert bytes(app.progress._chart.value).startswith(b"\x89PNG")


def test_a_saved_visit_carries_the_routine_and_refreshes_the_progress(app, clinic):
    store, ann, _ = clinic
    app.patient.select(ann)
    app.show_tab(ROUTINE_TAB)
    movement = next(iter(app.routine._rows))
    app.routine._rows[movement].dosage["hold_s"].value = "45"
    app.show_tab(VISIT_TAB)
    app.visit._rom[("hip_flexion", "left")].value = "106"
    app.visit._save_button.click()

    visits = store.visits(ann)
    assert len(visits) == 2
    saved = {i["movement"]: i for i in visits.iloc[-1]["routine"]["items"]}
    assert saved[movement]["hold_s"] == 45
    app.show_tab(PROGRESS_TAB)
    assert "2 visits on record" in app.progress._message.value
    assert "106\u00b0" in app.progress._table.value
    assert app.errors() == []


def test_progress_shown_while_saving_is_redrawn_at_once(app, clinic):
    _, ann, _ = clinic
    app.patient.select(ann)
    app.show_tab(PROGRESS_TAB)
    before = bytes(app.progress._chart.value)
    app.visit._rom[("hip_flexion", "left")].value = "108"
    app.visit._save_button.click()
    assert bytes(app.progress._chart.value) != before
    assert "2 visits on record" in app.progress._message.value


def test_a_new_patient_gets_their_own_routine_and_an_empty_progress(app, clinic):
    _, ann, carl = clinic
    app.patient.select(ann)
    app.show_tab(PROGRESS_TAB)
    app.patient.select(carl)
    assert "No visit recorded yet" in app.progress._message.value
    assert app.progress._chart.layout.display == "none"
    app.show_tab(ROUTINE_TAB)
    assert app.routine.model.routine.profile == app.patient.model.chosen.profile


def test_shown_errors_finds_an_error_message_anywhere_on_screen(app):
    app.visit._message.value = '<div class="wb-msg wb-msg-error">\u26a0 it broke &amp; why</div>'
    assert app.errors() == ["\u26a0 it broke & why"]


def test_the_report_screen_follows_the_patient_chosen(clinic):
    store, ann, _ = clinic
    screen = ReportScreen(store, today=TODAY)
    screen.patient.select(ann)
    assert "Hip flexion" in screen.progress._table.value
    assert bytes(screen.progress._chart.value).startswith(b"\x89PNG")
    screen.progress._report_button.click()
    assert re.search(r'download="progress-report-\d{8}\.pdf"', screen.progress._links.value)

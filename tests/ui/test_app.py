"""The workbook app: patient, routine, visit and progress tabs wired together."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import ipywidgets as widgets
import pytest

from workbook.ui import ReportScreen, WorkbookApp
from workbook.ui.app import PATIENT_TAB, PROGRESS_TAB, ROUTINE_TAB, VISIT_TAB
from workbook.ui.common import store_label
from workbook.ui.screen import input_widgets

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
    assert app.tab_titles == ("1. Patient", "2. Routine", "3. Visit", "4. Progress", "5. Caseload")
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
    assert re.search(
        r'download="AB-progress-report-\d{4}-\d{2}-\d{2}\.pdf"', screen.progress._links.value
    )


# one patient at a time ---------------------------------------------------------------------------
def _navigation(app):
    """The patient picker itself: choosing with it is the act under test, not patient data.

    The caseload's filters and sort choose among patients too (navigation, not patient data).
    """
    caseload = (app.caseload._flag, app.caseload._therapist, app.caseload._sort)
    return {id(app.patient._search), id(app.patient._results), *map(id, caseload)}


def _show_every_tab(app):
    for tab in (ROUTINE_TAB, VISIT_TAB, PROGRESS_TAB, 0):
        app.show_tab(tab)


def _type_something_distinctive(widget):
    """Set a value nobody would choose for patient B, as a therapist typing for A would."""
    if isinstance(widget, widgets.DatePicker):
        widget.value = dt.date(2020, 2, 2)
    elif isinstance(widget, widgets.Checkbox | widgets.ToggleButton):
        widget.value = not widget.value
    elif isinstance(widget, widgets.SelectMultiple):
        if widget.options:
            widget.value = (
                widget.options[-1][1]
                if isinstance(widget.options[-1], tuple)
                else widget.options[-1],
            )
    elif isinstance(widget, widgets.Dropdown | widgets.Select | widgets.RadioButtons):
        values = [o[1] if isinstance(o, tuple) else o for o in widget.options]
        others = [v for v in values if v != widget.value]
        if others:
            widget.value = others[-1]
    elif isinstance(widget, widgets.IntText | widgets.BoundedIntText | widgets.IntSlider):
        widget.value = getattr(widget, "max", 7) if hasattr(widget, "max") else 7
    elif isinstance(widget, widgets.FloatText | widgets.BoundedFloatText | widgets.FloatSlider):
        widget.value = getattr(widget, "max", 7.5) if hasattr(widget, "max") else 7.5
    elif isinstance(widget, widgets.Text | widgets.Textarea):
        widget.value = "typed for A 77"
    return widget.value


def _values(app):
    skip = _navigation(app)
    return [
        (type(w).__name__, w.description, w.value) for w in input_widgets(app) if id(w) not in skip
    ]


def test_nothing_typed_for_one_patient_is_visible_after_picking_another(clinic):
    store, ann, carl = clinic
    app = WorkbookApp(store, today=TODAY)
    app.patient.select(ann)
    _show_every_tab(app)
    app.patient._sections.selected_index = 0  # the add-patient section open, as in use
    skip = _navigation(app)
    typed = {id(w): _type_something_distinctive(w) for w in input_widgets(app) if id(w) not in skip}
    assert len(typed) > 20  # every tab's inputs were reached
    app.patient.select(carl)
    assert "Discard today's unsaved values" in app.asking  # the visit form holds values for A
    app._discard_button.click()
    _show_every_tab(app)

    fresh = WorkbookApp(store, today=TODAY)  # what the screens show for B with nothing typed
    fresh.patient.select(carl)
    _show_every_tab(fresh)
    assert _values(app) == _values(fresh)
    assert app.routine._handout_note.value == ""
    assert not any(box.value for box in app.patient._new_form._conditions.values())
    assert not any(box.value for box in app.patient._new_form._equipment.values())


def test_every_screen_is_told_to_forget_the_previous_patient(app, clinic, monkeypatch):
    _, ann, carl = clinic
    told = []
    for screen in app.screens:
        monkeypatch.setattr(screen, "reset_for_patient", lambda s=screen: told.append(s))
    app.patient.select(ann)
    assert told == list(app.screens)
    app.patient.select(ann)  # the same patient again (a saved profile): nothing forgotten
    assert told == list(app.screens)
    app.patient.select(carl)
    assert told == list(app.screens) * 2


def test_unsaved_visit_values_ask_before_they_are_dropped_and_keep_keeps_them(app, clinic):
    _, ann, carl = clinic
    app.patient.select(ann)
    app.visit.has_unsaved = lambda: True  # the visit tab says it holds unsaved values
    app.patient.select(carl)
    assert "Discard today's unsaved values for Ann Byrne?" in app.asking
    assert app.patient.model.chosen.patient_id == ann  # nothing dropped yet
    assert app.patient._results.value == ann
    app._keep_button.click()
    assert app.asking == ""
    assert app.patient.model.chosen.patient_id == ann
    assert app.tab == VISIT_TAB  # back to the values to save them


def test_discard_opens_the_other_patient_and_clears_the_question(app, clinic):
    _, ann, carl = clinic
    app.patient.select(ann)
    app.visit.has_unsaved = lambda: True
    app.patient.select(carl)
    app._discard_button.click()
    assert app.asking == ""
    assert app.patient.model.chosen.patient_id == carl
    assert "Carl Dunne" in app.visit._patient_label.value


def test_no_question_when_nothing_is_unsaved(app, clinic):
    _, ann, carl = clinic
    app.patient.select(ann)
    app.patient.select(carl)
    assert app.asking == ""
    assert app.patient.model.chosen.patient_id == carl


# fits the screen, names the store -------------------------------------------------------
def test_the_tab_bar_stays_in_view(app):
    assert "wb-tabs" in app._tabs._dom_classes and "wb-app" in app._dom_classes
    style = app.children[0].value
    assert "position: sticky" in style and ".wb-tabs" in style


def test_another_tab_opens_at_its_top_under_the_bar(app):
    """The front-end half (the browser tests check it works): the tab contents stay a window
    tall, scroll anchoring is off, and the script that scrolls a new tab to its top arrives
    whole in one attribute, loads nothing from the network and runs no ``<script>`` tag."""
    style = app.children[0].value
    assert "min-height: 100vh" in style and "overflow-anchor: none" in style
    images: list[dict[str, str | None]] = []

    class Images(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "img":
                images.append(dict(attrs))

    Images().feed(style)
    assert "<script" not in style and len(images) == 1
    (image,) = images
    assert image["src"] == "data:," and image["style"] == "display:none"
    code = image["onerror"] or ""
    assert code.startswith("(function (img) {") and code.endswith("})(this);")
    assert "MutationObserver" in code and "scrollTop" in code and "lm-mod-hidden" in code
    assert code.count("(") == code.count(")") and code.count("{") == code.count("}")


def test_a_clinic_store_is_named_on_screen_and_the_demo_is_not(clinic):
    store = clinic[0]
    app = WorkbookApp(store, today=TODAY)
    assert "Clinic store" in app.store_line
    assert store_label(store) in app.store_line
    store.mark_as_demo()
    demo = WorkbookApp(store, today=TODAY)
    assert demo.store_line == "" and "fictional" in demo.banner


def test_viewing_patients_all_week_keeps_no_widgets_per_patient(app, clinic):
    """Issue 13: a kernel left open all week grew 0.3 MB a patient; widgets are made once."""
    from ipywidgets.widgets.widget import _instances

    _, ann, carl = clinic

    def view(patient_id):
        app.show_tab(PATIENT_TAB)
        app.patient.select(patient_id)
        app.show_tab(ROUTINE_TAB)
        app.show_tab(PROGRESS_TAB)

    for patient_id in (ann, carl, ann, carl):
        view(patient_id)
    settled = len(_instances)
    for _ in range(10):
        view(ann)
        view(carl)
    assert len(_instances) <= settled + 5, f"{len(_instances) - settled} widgets kept in 20 views"

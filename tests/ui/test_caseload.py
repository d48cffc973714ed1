"""The caseload screen: filter by flag and therapist, sort, open in one click, discharge."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from workbook.ui.caseload import PAGE_SIZE, CaseloadScreen, filter_caseload, sort_caseload

TODAY = dt.date(2025, 3, 1)


def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient_id": ["p1", "p2", "p3"],
            "name": ["Cara", "Abe", "Bea"],
            "therapist": ["rq", "lm", None],
            "flags": [["worse", "asymmetry"], [], ["low_adherence"]],
            "days_since_last": [3, 40, 12],
            "adherence_percent": [90.0, float("nan"), 20.0],
        }
    )


def test_filter_by_flag_and_by_therapist():
    assert list(filter_caseload(table(), flag="asymmetry")["name"]) == ["Cara"]
    assert list(filter_caseload(table(), therapist="lm")["name"]) == ["Abe"]
    assert list(filter_caseload(table(), flag="worse", therapist="lm")["name"]) == []
    assert len(filter_caseload(table())) == 3


@pytest.mark.parametrize(
    ("key", "names"),
    [
        ("urgent", ["Cara", "Abe", "Bea"]),  # as the caseload orders it
        ("overdue", ["Abe", "Bea", "Cara"]),
        ("name", ["Abe", "Bea", "Cara"]),
        ("adherence", ["Bea", "Cara", "Abe"]),  # not recorded last
    ],
)
def test_sorts(key, names):
    assert list(sort_caseload(table(), key)["name"]) == names


def test_an_unknown_sort_is_refused_in_words():
    with pytest.raises(ValueError, match="sort = 'age'"):
        sort_caseload(table(), "age")


@pytest.fixture
def clinic(store, older_stenosis):
    worse = store.add_patient("Wes Worse", 1950, older_stenosis)
    store.log_visit(worse, "2025-01-06", {}, pain=3, therapist="rq")
    store.log_visit(worse, "2025-02-20", {}, pain=8, therapist="rq")
    calm = store.add_patient("Cal Calm", 1960, older_stenosis)
    store.log_visit(calm, "2025-02-25", {("hip_flexion", "left"): 100}, pain=4, therapist="lm")
    return store, worse, calm


def test_the_screen_lists_filters_and_opens_a_patient_in_one_click(clinic):
    store, worse, calm = clinic
    opened = []
    screen = CaseloadScreen(store, on_open=opened.append, today=TODAY)
    assert set(screen.listed()) == {worse, calm}
    assert "2</b> of 2 active patients" in screen._count.value
    screen._flag.value = "worse"
    assert screen.listed() == [worse]
    assert "Worse" in screen._cells[0][4].value  # the flag in words
    assert screen._open_buttons[1].layout.display == "none"  # unused rows hidden
    screen._open_buttons[0].click()
    assert opened == [worse]
    screen._flag.value = ""
    screen._therapist.value = "lm"
    assert screen.listed() == [calm]


def test_discharge_needs_a_reason_and_takes_the_patient_off_the_caseload(clinic):
    store, worse, calm = clinic
    screen = CaseloadScreen(store, today=TODAY)
    screen._discharge_who.value = calm
    assert screen._discharge_button.disabled
    screen._discharge_reason.value = "goals met"
    screen._discharge_button.click()
    assert screen.listed() == [worse]
    assert "Cal Calm was discharged" in screen._message.value
    patients = store.patients(active_only=False).set_index("patient_id")
    assert patients.at[calm, "discharge_reason"] == "goals met"


def test_the_app_has_the_caseload_as_a_fifth_tab_that_opens_the_visit(clinic):
    from workbook.ui.app import VISIT_TAB, WorkbookApp

    store, worse, _ = clinic
    app = WorkbookApp(store, today=TODAY)
    assert app._tabs.titles[-1] == "5. Caseload"
    app.show_tab(len(app._tabs.children) - 1)
    assert worse in app.caseload.listed()
    app.caseload.open_patient(worse)
    assert app.tab == VISIT_TAB
    assert app.visit.model.patient_id == worse


def test_a_long_caseload_is_shown_a_page_at_a_time(store, older_stenosis):
    for n in range(PAGE_SIZE + 2):
        pid = store.add_patient(f"Pat {n:02d}", 1960, older_stenosis)
        store.log_visit(pid, "2025-02-01", {}, pain=4)
    screen = CaseloadScreen(store, today=TODAY)
    screen._sort.value = "name"
    assert len(screen.listed()) == PAGE_SIZE and "page 1 of 2" in screen._page_label.value
    screen._next.click()
    assert len(screen.listed()) == 2 and screen._next.disabled

"""The visit form: messages as the therapist types, Save only when valid, nothing lost."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from workbook.clinical.profile import PatientProfile
from workbook.clinical.routine import generate_routine
from workbook.ui.visit import VisitForm
from workbook.ui.visit_model import NOT_ANSWERED

TODAY = dt.date(2025, 3, 1)
# The shape Routine.to_dict() writes: the store refuses any other routine (issue 10).
ROUTINE = generate_routine(
    PatientProfile(age=80, activity="sedentary", floor_transfer=False, kneeling="unable")
).to_dict()


@pytest.fixture
def clinic(store, older_stenosis):
    pid = store.add_patient("Ann <i>Byrne</i>", 1945, older_stenosis)
    return store, pid


@pytest.fixture
def form(clinic):
    store, pid = clinic
    screen = VisitForm(store, today=TODAY)
    screen.set_patient(pid, "Ann <i>Byrne</i>")
    return screen


class FailingStore:
    """The real store, except that writing a visit fails (a full disk, a lost connection)."""

    def __init__(self, store, error):
        self._store = store
        self._error = error

    def log_visit(self, *args, **kwargs):
        raise self._error

    def __getattr__(self, name):
        return getattr(self._store, name)


def fill(form):
    form._rom[("hip_flexion", "left")].value = "98"
    form._rom[("hip_flexion", "right")].value = "104.5"
    form._rom[("hip_extension", "left")].value = "-5"
    form._pain.value = "6"
    for box, score in zip(form._odi, [2, 1, 3, 2, 0, 1, 2, 1, 1, 2], strict=True):
        box.value = score
    form._therapist.value = "R. Quinn"
    form._notes.value = "Stiff in the morning; <b>walks</b> 20 min."


def test_save_is_disabled_until_something_is_entered(form):
    assert form._save_button.disabled
    assert "at least one measurement" in form._save_hint.value
    form._rom[("hip_flexion", "left")].value = "100"
    assert not form._save_button.disabled


def test_save_is_disabled_without_a_patient(clinic):
    form = VisitForm(clinic[0], today=TODAY)
    form._rom[("hip_flexion", "left")].value = "100"
    assert form._save_button.disabled
    assert "Open a patient" in form._save_hint.value


def test_a_wrong_degree_is_reported_beside_its_field_and_blocks_the_save(form, clinic):
    store, pid = clinic
    form._rom[("hip_abduction", "right")].value = "95"
    message = form._rom_msg[("hip_abduction", "right")].value
    assert "0 to 80" in message and "hip abduction" in message
    assert form._rom_msg[("hip_abduction", "left")].value == ""
    assert form._save_button.disabled
    assert "Correct the 1 field" in form._save_hint.value
    assert form.save() is None  # even forced, nothing is written
    assert store.visits(pid).empty
    assert form._rom[("hip_abduction", "right")].value == "95"


def test_text_where_degrees_belong_is_reported_as_typed(form):
    form._rom[("hip_flexion", "left")].value = "ninety"
    assert "'ninety' is not allowed" in form._rom_msg[("hip_flexion", "left")].value.replace(
        "&#x27;", "'"
    )
    form._rom[("hip_flexion", "left")].value = "90"
    assert form._rom_msg[("hip_flexion", "left")].value == ""
    assert not form._save_button.disabled


def test_pain_outside_the_scale_is_reported(form):
    form._pain.value = "11"
    assert "0 to 10" in form._pain_msg.value
    assert form._save_button.disabled


def test_too_few_odi_sections_answered_is_reported_and_a_full_form_is_scored(form):
    form._odi[0].value = 3
    assert "at least 8" in form._odi_msg.value
    assert form._save_button.disabled
    for box, score in zip(form._odi, [2, 1, 3, 2, 0, 1, 2, 1, 1, 2], strict=True):
        box.value = score
    assert "ODI 30 % (moderate)" in form._odi_msg.value
    assert not form._save_button.disabled


def test_a_visit_date_in_the_future_is_reported(form):
    form._rom[("hip_flexion", "left")].value = "100"
    form._visit_date.value = TODAY + dt.timedelta(days=1)
    assert "in the future" in form._visit_date_msg.value
    assert form._save_button.disabled


def test_a_valid_visit_is_saved_confirmed_and_the_form_emptied(form, clinic):
    store, pid = clinic
    form.routine_provider = lambda: ROUTINE
    saved = []
    form.on_saved(saved.append)
    fill(form)
    form._instrument.value = "inclinometer"
    form._positions["hip_flexion"].value = "seated"
    form._save_button.click()

    visits = store.visits(pid)
    assert len(visits) == 1 and saved == [visits.at[0, "visit_id"]]
    visit = visits.iloc[0]
    assert visit["visit_date"] == pd.Timestamp(TODAY)
    assert visit["pain_nprs"] == 6
    assert visit["odi_index"] == pytest.approx(30.0)
    assert visit["therapist"] == "R. Quinn"
    assert visit["notes"] == "Stiff in the morning; <b>walks</b> 20 min."
    assert visit["routine"] == ROUTINE
    rows = store.measurements(pid).set_index(["motion", "side"])
    assert rows.loc[("hip_flexion", "right"), "degrees"] == 104.5
    assert rows.loc[("hip_extension", "left"), "degrees"] == -5
    assert rows.loc[("hip_flexion", "left"), "instrument"] == "inclinometer"
    assert rows.loc[("hip_flexion", "left"), "position"] == "seated"
    assert rows.loc[("hip_extension", "left"), "position"] == "prone"
    assert len(rows) == 3  # empty fields are 'not measured', not zero

    assert "saved for Ann &lt;i&gt;Byrne&lt;/i&gt;: 3 measurements, pain, ODI, routine" in (
        form._message.value
    )
    assert all(box.value == "" for box in form._rom.values())
    assert all(box.value == NOT_ANSWERED for box in form._odi)
    assert form._pain.value == "" and form._notes.value == ""
    assert form._therapist.value == "R. Quinn"  # who measured stays for the next visit
    assert form._save_button.disabled  # nothing left to save twice


@pytest.mark.parametrize(
    "error", [RuntimeError("disk I/O error"), OSError("the network store is unreachable")]
)
def test_a_failed_save_keeps_every_field_and_shows_the_error(clinic, error):
    store, pid = clinic
    form = VisitForm(FailingStore(store, error), today=TODAY)
    form.set_patient(pid, "Ann")
    fill(form)
    typed = form.entry()
    form._save_button.click()

    assert str(error) in form._message.value
    assert "wb-msg-error" in form._message.value
    assert form.entry() == typed
    assert not form._save_button.disabled  # the therapist can try again
    assert store.visits(pid).empty


def test_a_visit_refused_by_the_store_keeps_the_form_and_names_the_field(form, clinic):
    store, pid = clinic
    fill(form)
    form._visit_date.value = dt.date(1930, 5, 1)  # before the birth year: the store refuses
    typed = form.entry()
    form._save_button.click()
    assert "visit_date" in form._message.value and "1945" in form._message.value
    assert form.entry() == typed
    assert store.visits(pid).empty


def test_changing_patient_clears_values_typed_for_the_previous_one(form, clinic):
    store, _ = clinic
    other = store.add_patient("Carl Dunne", 1990, store.profile(clinic[1]))
    form._rom[("hip_flexion", "left")].value = "100"
    form.set_patient(other, "Carl Dunne")
    assert form._rom[("hip_flexion", "left")].value == ""
    assert "previous patient" in form._message.value
    assert "Carl Dunne" in form._patient_label.value

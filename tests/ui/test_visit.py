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
    assert "Visit date" in form._message.value and "1945" in form._message.value
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


# issue 13 and 11: the form fits a laptop, in words, with red flags, PSFS, adherence -------------


def visit_with(store, pid, day, **answers):
    return store.log_visit(pid, day, {("hip_flexion", "left"): 95}, pain=5, **answers)


def test_the_form_is_two_columns_with_the_ten_odi_sections_by_name(form):
    from workbook.clinical.questionnaires import odi_section_names

    left, right = form._columns.children
    assert form._save_button in _descendants(form.children[0])  # the save at the top
    assert form._rom[("hip_flexion", "left")] in _descendants(left)
    assert form._pain in _descendants(right) and form._odi[9] in _descendants(right)
    text = " ".join(w.value for w in _descendants(form._odi_grid) if hasattr(w, "value"))
    for name in odi_section_names():
        assert name.replace(",", "") in text.replace(",", "")
    assert "repeat(5" in form._odi_grid.layout.grid_template_columns  # 2 rows of 5


def _descendants(widget):
    found, stack = [], [widget]
    while stack:
        item = stack.pop()
        found.append(item)
        stack.extend(getattr(item, "children", ()))
    return found


def test_a_wrong_value_is_reported_in_words_not_codes(form):
    form._rom[("hip_flexion", "left")].value = "400"
    message = form._rom_msg[("hip_flexion", "left")].value
    assert "Hip flexion, left = 400\u00b0 is not allowed" in message
    assert "hip_flexion" not in message
    form._pain.value = "eleven"
    assert "Pain (0-10) =" in form._pain_msg.value


def test_first_visit_asks_every_red_flag_and_a_yes_is_stored_and_warned(form, clinic):
    store, pid = clinic
    assert form._red_flags._list.layout.display is None  # the whole list at the first visit
    form._rom[("hip_flexion", "left")].value = "100"
    form._red_flags.boxes["cauda_equina"].value = True
    assert "wb-msg-error" in form._red_flags.warning.value
    assert "Emergency" in form._red_flags.warning.value
    form._save_button.click()
    assert list(store.visits(pid).iloc[0]["red_flags"]) == ["cauda_equina"]


def test_a_later_visit_asks_any_change_since_last_time(clinic):
    store, pid = clinic
    visit_with(store, pid, "2025-02-01", red_flags=["night_pain"])
    form = VisitForm(store, today=TODAY)
    form.set_patient(pid, "Ann")
    assert form._red_flags._list.layout.display == "none"  # a quick re-check first
    assert "Any change since last time? No" in [label for label, _ in form._red_flags._mode.options]
    form._red_flags._mode.value = "same"
    form._pain.value = "4"
    form._save_button.click()
    assert list(store.visits(pid).iloc[-1]["red_flags"]) == ["night_pain"]  # carried, asked
    form._red_flags._mode.value = "asked"  # "something changed": the list opens
    assert form._red_flags._list.layout.display is None


def test_red_flags_not_asked_are_stored_as_not_asked(form, clinic):
    store, pid = clinic
    form._pain.value = "3"
    form._save_button.click()
    assert store.visits(pid).iloc[0]["red_flags"] is None


def test_psfs_activities_carry_over_and_scores_are_stored(clinic):
    store, pid = clinic
    visit_with(store, pid, "2025-02-01", psfs={"Putting on socks": 3, "Stairs": 5})
    form = VisitForm(store, today=TODAY)
    form.set_patient(pid, "Ann")
    assert [a.value for a in form._psfs.activities] == ["Putting on socks", "Stairs", ""]
    assert all(s.value == "" for s in form._psfs.scores)  # names carried over, not the scores
    form._psfs.scores[0].value = "11"
    assert "0 to 10" in form._psfs.message.value and form._save_button.disabled
    form._psfs.scores[0].value = "6"
    form._psfs.scores[1].value = "7"
    assert form._psfs.message.value == "" and not form._save_button.disabled
    form._save_button.click()
    assert store.visits(pid).iloc[-1]["psfs"] == {"Putting on socks": 6, "Stairs": 7}


def test_adherence_is_stored_and_a_wrong_answer_is_reported(form, clinic):
    store, pid = clinic
    form._adherence.done.value = "9"
    form._adherence.prescribed.value = "7"
    assert "Days done" in form._adherence.message.value and form._save_button.disabled
    form._adherence.done.value = "5"
    assert form._adherence.message.value == "" and not form._save_button.disabled
    form._save_button.click()
    visit = store.visits(pid).iloc[0]
    assert (visit["days_done"], visit["days_prescribed"]) == (5, 7)


def test_a_saved_visit_is_corrected_with_a_reason_at_the_version_loaded(clinic):
    store, pid = clinic
    visit_id = visit_with(store, pid, "2025-02-01")
    form = VisitForm(store, today=TODAY)
    saved = []
    form.on_saved(saved.append)
    form.set_patient(pid, "Ann")
    form._correction.visits.value = visit_id
    form._correction.load.click()
    assert form._rom[("hip_flexion", "left")].value == "95" and form._pain.value == "5"
    assert form._save_button.description == "Save correction"
    form._pain.value = "4"
    assert form._save_button.disabled  # a reason first
    form._correction.reason.value = "pain misheard"
    form._save_button.click()
    visit = store.visits(pid).iloc[0]
    assert len(store.visits(pid)) == 1
    assert (visit["pain_nprs"], visit["version"]) == (4, 2)
    assert "version 2" in form._message.value and saved == [visit_id]
    assert form._save_button.description == "Save visit" and not form.has_unsaved()


def test_a_correction_after_someone_elses_shows_the_new_version_and_keeps_the_values(clinic):
    store, pid = clinic
    visit_id = visit_with(store, pid, "2025-02-01")
    form = VisitForm(store, today=TODAY)
    form.set_patient(pid, "Ann")
    form.load_visit(visit_id)
    store.amend_visit(visit_id, reason="colleague", pain=2, expected_version=1)
    form._pain.value = "4"
    form._correction.reason.value = "pain misheard"
    typed = form.entry()
    form._save_button.click()
    assert "version 2" in form._message.value and "wb-msg-error" in form._message.value
    assert form.entry() == typed  # nothing typed is lost
    assert "now version 2" in form._correction.banner.value
    assert store.visits(pid).iloc[0]["pain_nprs"] == 2
    form._save_button.click()  # saving again now knowingly replaces version 2
    assert store.visits(pid).iloc[0]["pain_nprs"] == 4


def test_a_visit_is_voided_with_a_reason(clinic):
    store, pid = clinic
    visit_id = visit_with(store, pid, "2025-02-01")
    form = VisitForm(store, today=TODAY)
    form.set_patient(pid, "Ann")
    form.load_visit(visit_id)
    form._correction.reason.value = "entered for the wrong patient"
    form._correction.void.click()
    assert store.visits(pid).empty
    assert "voided" in form._message.value
    assert form._correction.visits.options == ()


def test_a_second_save_on_the_same_day_asks_add_or_correct(form, clinic):
    store, pid = clinic
    form._pain.value = "6"
    form._save_button.click()
    form._pain.value = "5"
    assert form.save() is None  # not saved yet: the question is asked
    assert form._same_day.layout.display is None
    assert "Add another visit, or correct today's?" in form._same_day.text.value
    form._same_day.add.click()
    assert len(store.visits(pid)) == 2
    form._pain.value = "3"
    form._save_button.click()
    form._same_day.correct.click()
    assert form._save_button.description == "Save correction" and form._pain.value == "3"
    form._correction.reason.value = "second reading"
    form._save_button.click()
    visits = store.visits(pid)
    assert len(visits) == 2 and 3 in set(visits["pain_nprs"])


def test_inside_a_hub_the_therapist_is_the_logged_in_user_and_locked(clinic, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "rquinn")
    store, pid = clinic
    form = VisitForm(store, today=TODAY)
    form.set_patient(pid, "Ann")
    assert form._therapist.value == "rquinn" and form._therapist.disabled
    form.reset_for_patient()
    assert form._therapist.value == "rquinn"


def test_has_unsaved_and_reset_for_patient_clear_every_field(form):
    assert not form.has_unsaved()
    fill(form)
    form._psfs.activities[0].value = "Stairs"
    form._psfs.scores[0].value = "4"
    form._adherence.done.value = "3"
    form._red_flags.boxes["night_pain"].value = True
    form._visit_date.value = TODAY - dt.timedelta(days=2)
    assert form.has_unsaved()
    form.reset_for_patient()
    assert not form.has_unsaved()
    entry = form.entry()
    assert entry.visit_date == TODAY and entry.therapist == "" and entry.notes == ""
    assert all(v == "" for v in entry.rom.values()) and entry.red_flags == []
    assert entry.psfs == [("", "")] * 3 and (entry.days_done, entry.days_prescribed) == ("", "")
    assert form._red_flags.warning.value == ""


def test_the_visit_date_reads_in_the_workbooks_format_beside_the_picker(form):
    assert "01 Mar 2025" in form._visit_date_msg.value
    form._visit_date.value = dt.date(2025, 2, 24)
    assert "24 Feb 2025" in form._visit_date_msg.value

"""The patient screen: find, add and edit patients by setting values and clicking."""

from __future__ import annotations

import datetime as dt

import pytest

from workbook.clinical.profile import PatientProfile, known_conditions, known_equipment
from workbook.ui.patient import PatientScreen

TODAY = dt.date(2025, 3, 1)


@pytest.fixture
def clinic(store, older_stenosis, athlete):
    ids = {
        "ann": store.add_patient("Ann <script>alert(1)</script> Byrne", 1945, older_stenosis),
        "carl": store.add_patient("Carl Dunne", 1997, athlete),
    }
    return store, ids


@pytest.fixture
def screen(clinic):
    return PatientScreen(clinic[0], today=TODAY)


def test_every_patient_is_listed_before_any_search(screen, clinic):
    _, ids = clinic
    assert {pid for _, pid in screen._results.options} == set(ids.values())


def test_typing_part_of_a_name_narrows_the_list(screen, clinic):
    _, ids = clinic
    screen._search.value = "dun"
    assert [pid for _, pid in screen._results.options] == [ids["carl"]]


def test_a_search_without_match_says_so(screen):
    screen._search.value = "nobody"
    assert screen._results.options == ()
    assert "No patient matches" in screen._message.value


def test_picking_a_patient_shows_an_escaped_card_and_tells_the_other_screens(screen, clinic):
    _, ids = clinic
    told = []
    screen.on_choose(told.append)
    screen._results.value = ids["ann"]
    assert [c.patient_id for c in told] == [ids["ann"]]
    assert "&lt;script&gt;" in screen._card.value
    assert "<script>" not in screen._card.value
    assert screen._edit_form._kneeling.value == "unable"
    assert screen._edit_form._conditions["spinal_stenosis"].value is True
    assert screen._save_profile_button.disabled is False


def test_the_profile_choices_are_the_allowed_values_from_the_data_tables(screen):
    assert set(screen._new_form._conditions) == set(known_conditions())
    assert set(screen._new_form._equipment) == set(known_equipment())
    assert [v for _, v in screen._new_form._activity.options] == ["sedentary", "active", "athletic"]


def test_adding_a_patient_stores_the_chosen_profile_and_opens_them(screen, clinic):
    store, _ = clinic
    told = []
    screen.on_choose(told.append)
    screen._new_name.value = "Eve Fox"
    screen._new_birth_year.value = "1960"
    screen._new_form._activity.value = "active"
    screen._new_form._floor_transfer.value = False
    screen._new_form._kneeling.value = "painful"
    screen._new_form._conditions["sciatica"].value = True
    screen._new_form._equipment["armless_chair"].value = True
    screen._add_button.click()

    assert len(store.patients()) == 3
    assert told and told[-1].name == "Eve Fox"
    profile = store.profile(told[-1].patient_id)
    assert profile == PatientProfile(
        age=65,
        activity="active",
        floor_transfer=False,
        kneeling="painful",
        conditions={"sciatica"},
        equipment={"armless_chair"},
    )
    assert "added" in screen._add_message.value
    assert screen._results.value == told[-1].patient_id
    assert screen._new_name.value == ""


def test_after_adding_the_form_closes_and_the_message_stays_in_sight(screen):
    screen._sections.selected_index = 0
    screen._new_name.value = "Eve Fox"
    screen._new_birth_year.value = "1960"
    screen._add_button.click()
    assert screen._sections.selected_index is None  # the new patient's card is what shows
    assert "Eve Fox added" in screen._message.value


def test_a_birth_year_in_the_future_is_reported_as_typed_and_refused(screen, clinic):
    store, _ = clinic
    screen._new_name.value = "Gil Hart"
    screen._new_birth_year.value = "2031"
    assert "no later than 2025" in screen._new_birth_year_msg.value
    screen._add_button.click()
    assert "no later than 2025" in screen._add_message.value
    assert len(store.patients()) == 2
    assert screen._new_name.value == "Gil Hart"  # what was typed stays


def test_a_patient_without_a_name_is_refused_and_nothing_is_stored(screen, clinic):
    store, _ = clinic
    screen._new_birth_year.value = "1970"
    screen._add_button.click()
    assert "name" in screen._add_message.value
    assert len(store.patients()) == 2


def test_editing_the_profile_records_a_new_one_for_the_open_patient(screen, clinic):
    store, ids = clinic
    screen._results.value = ids["carl"]
    told = []
    screen.on_choose(told.append)
    screen._edit_form._conditions["hip_labral_tear"].value = True
    screen._save_profile_button.click()
    assert "hip_labral_tear" in store.profile(ids["carl"]).conditions
    assert "Profile saved" in screen._edit_message.value
    assert told and "hip_labral_tear" in told[-1].profile.conditions


def test_select_by_id_opens_a_patient_hidden_by_the_current_search(screen, clinic):
    _, ids = clinic
    screen._search.value = "dun"
    chosen = screen.select(ids["ann"])
    assert chosen.patient_id == ids["ann"]


def test_an_age_typed_for_the_birth_year_is_understood_and_said(screen, clinic):
    store, _ = clinic
    screen._new_name.value = "Gil Hart"
    screen._new_birth_year.value = "54"
    assert "age 54: born 1971" in screen._new_birth_year_msg.value
    screen._add_button.click()
    assert store.patient(screen.model.chosen.patient_id)["birth_year"] == 1971


def test_a_wrong_birth_year_is_said_in_words_not_column_names(screen):
    screen._new_birth_year.value = "19x0"
    assert "Birth year" in screen._new_birth_year_msg.value
    assert "birth_year" not in screen._new_birth_year_msg.value


def test_the_floor_question_is_shown_whole_beside_its_tick(screen):
    form = screen._new_form
    assert form._floor_transfer.description == ""  # a description would be cut at its width
    assert any(
        getattr(w, "value", None) == "Gets down to the floor and back up unaided"
        for w in form.children[1].children
    )


def test_the_add_form_starts_empty_for_the_next_new_patient(screen, clinic):
    form = screen._new_form
    screen._new_name.value = "Gil Hart"
    screen._new_birth_year.value = "1950"
    first_condition = next(iter(form._conditions.values()))
    first_equipment = next(iter(form._equipment.values()))
    first_condition.value = first_equipment.value = True
    form._floor_transfer.value = False
    form._kneeling.value = "unable"
    screen._add_button.click()
    assert "added" in screen._add_message.value
    assert not first_condition.value and not first_equipment.value
    assert form._floor_transfer.value is True and form._kneeling.value == "comfortable"
    assert screen._new_birth_year.value == ""


def test_another_patient_guarded_by_the_app_keeps_the_open_one(screen, clinic):
    _, ids = clinic
    screen.select(ids["ann"])
    asked = []
    screen.set_guard(lambda pid: asked.append(pid) or False)
    screen._results.value = ids["carl"]
    assert asked == [ids["carl"]]
    assert screen.model.chosen.patient_id == ids["ann"]
    assert screen._results.value == ids["ann"]

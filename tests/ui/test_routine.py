"""The routine screen: a readable table, swaps, dosage changes, what was left out."""

from __future__ import annotations

import base64
import re

import pytest

from workbook.clinical.routine import generate_routine
from workbook.ui.routine import RoutineScreen
from workbook.ui.routine_model import saved_routine


@pytest.fixture
def screen(older_stenosis):
    shown = RoutineScreen()
    shown.show_patient(older_stenosis, "Ann <b>Byrne</b>")
    return shown


def test_the_routine_is_shown_one_row_per_movement_with_reasons(screen, older_stenosis):
    routine = generate_routine(older_stenosis)
    for row in routine.table.itertuples():
        assert row.name.replace("'", "&#x27;") in screen.routine_html()
    assert set(screen._rows) == set(routine.table["movement"])
    assert "Why this one" in screen.routine_html()


def test_cautions_stand_out(screen):
    assert 'class="wb-caution"' in screen.routine_html()
    assert "Caution" in screen.routine_html()


def test_swapping_a_stretch_records_the_therapists_choice(athlete):
    screen = RoutineScreen()
    screen.show_patient(athlete, "Carl")
    movement = next(m for m, r in screen._rows.items() if len(r.stretch.options) > 1)
    before = screen.model.row(movement)["stretch_id"]
    other = next(v for _, v in screen._rows[movement].stretch.options if v != before)
    screen._rows[movement].stretch.value = other

    row = screen.model.row(movement)
    assert row["stretch_id"] == other
    assert row["chosen_by"] == "therapist"
    assert "changed by the therapist" in screen.routine_html()
    saved = {i["movement"]: i for i in screen.to_dict()["items"]}
    assert saved[movement]["stretch_id"] == other


def test_only_stretches_of_the_same_movement_are_offered(athlete):
    screen = RoutineScreen()
    screen.show_patient(athlete, "Carl")
    stretches = screen.model.routine.stretches.set_index("stretch_id")
    for movement, row in screen._rows.items():
        for _, stretch_id in row.stretch.options:
            assert stretches.at[stretch_id, "movement"] == movement


def test_a_new_hold_time_is_applied_and_saved_with_the_visit(screen):
    movement = next(iter(screen._rows))
    screen._rows[movement].dosage["hold_s"].value = "45"
    assert screen.model.row(movement)["hold_s"] == 45
    assert "45 s hold" in screen.routine_html()
    saved = {i["movement"]: i for i in screen.to_dict()["items"]}
    assert saved[movement]["hold_s"] == 45


@pytest.mark.parametrize("typed", ["abc", "0", "100000"])
def test_a_wrong_dose_is_reported_beside_it_and_the_routine_is_unchanged(screen, typed):
    movement = next(iter(screen._rows))
    before = screen.to_dict()
    screen._rows[movement].dosage["reps"].value = typed
    message = screen._rows[movement].message.value
    assert "reps" in message and "Not applied" in message
    assert screen.to_dict() == before
    assert screen._rows[movement].dosage["reps"].value == typed  # what was typed stays


def test_what_was_left_out_and_why_is_in_a_closed_section(screen, older_stenosis):
    excluded = generate_routine(older_stenosis).excluded
    assert len(excluded)
    assert screen._left_out.selected_index is None
    for name in excluded["name"]:
        assert name.replace("'", "&#x27;") in screen._excluded.value
    assert "Why it was left out" in screen._excluded.value


def test_a_hidden_screen_makes_the_routine_only_when_needed(older_stenosis):
    screen = RoutineScreen(active=False)
    screen.show_patient(older_stenosis, "Ann")
    assert screen.model.routine is None
    saved = screen.to_dict()  # the visit form asks for it when saving
    assert saved == generate_routine(older_stenosis).to_dict()
    assert "Caution" in screen.routine_html()


def test_a_new_patient_never_keeps_the_previous_patients_routine(older_stenosis, athlete):
    screen = RoutineScreen(active=False)
    screen.show_patient(older_stenosis, "Ann")
    screen.ensure()
    screen.show_patient(athlete, "Carl")
    assert screen.model.routine is None
    assert screen.to_dict()["profile"] == athlete.to_dict()


def test_the_routine_saved_with_the_last_visit_is_restored_for_the_same_profile(store, athlete):
    pid = store.add_patient("Carl", 1997, athlete)
    routine = generate_routine(athlete)
    movement = routine.table["movement"].iloc[0]
    chosen = routine.with_override(movement, hold_s=50)
    store.log_visit(pid, "2025-02-01", {("hip_flexion", "left"): 110}, routine=chosen.to_dict())

    saved = saved_routine(store, pid, athlete)
    assert saved == chosen.to_dict()
    screen = RoutineScreen()
    screen.show_patient(athlete, "Carl", saved=saved)
    assert screen.model.row(movement)["hold_s"] == 50
    assert "saved with the last visit" in screen._message.value


def test_a_routine_saved_for_an_older_profile_is_not_restored(store, athlete, active_adult):
    pid = store.add_patient("Carl", 1997, athlete)
    store.log_visit(
        pid,
        "2025-02-01",
        {("hip_flexion", "left"): 110},
        routine=generate_routine(athlete).to_dict(),
    )
    assert saved_routine(store, pid, active_adult) is None


def test_start_again_drops_the_therapists_changes(screen):
    movement = next(iter(screen._rows))
    screen._rows[movement].dosage["hold_s"].value = "45"
    screen._regenerate_button.click()
    assert screen.model.row(movement)["chosen_by"] == "workbook"
    assert screen._rows[movement].dosage["hold_s"].value != "45"


def _handout_link(screen, suffix):
    """Click the handout's button; the file it made (name, bytes) from the link it leaves."""
    screen._handout_buttons[suffix].click()
    found = re.findall(
        r'download="([^"]+)" href="data:[^;]+;base64,([^"]+)"', screen._handout_links.value
    )
    assert len(found) == 1
    name, encoded = found[0]
    return name, base64.b64decode(encoded)


def test_each_handout_button_gives_its_file_with_the_name_escaped(screen):
    assert screen._handout_box.layout.display is None
    screen._handout_note.value = "Twice a day <b>gently</b>"
    html_name, pdf_name = (screen.model.handout_name(s) for s in (".html", ".pdf"))
    assert re.fullmatch(r"[A-Z]+-handout-\d{4}-\d\d-\d\d\.html", html_name)  # initials, what, day
    name, data = _handout_link(screen, ".html")
    assert name == html_name
    page = data.decode("utf-8")
    assert "Ann &lt;b&gt;Byrne&lt;/b&gt;" in page and "<b>Byrne</b>" not in page
    assert "&lt;b&gt;gently&lt;/b&gt;" in page
    name, data = _handout_link(screen, ".pdf")
    assert name == pdf_name
    assert data.startswith(b"%PDF")


def test_a_handout_button_starts_the_download_at_once(screen):
    """One click: the file is made and the browser told to download it, no second button."""
    screen._handout_buttons[".pdf"].click()
    script = screen._download.outputs[0]["data"]["application/javascript"]
    assert "a.click()" in script and screen.model.handout_name(".pdf") in script


def test_the_handout_can_leave_the_name_out(screen):
    screen._handout_name.value = False
    _, data = _handout_link(screen, ".html")
    assert "Byrne" not in data.decode("utf-8")


# two readers, equipment, one click -----------------------------------------------------
def test_what_was_left_out_names_movements_in_words(screen):
    assert "hip_flexion" not in screen._excluded.value
    assert "Hip flexion" in screen._excluded.value


def test_a_red_flag_shows_the_referral_and_no_handout(older_stenosis):
    from dataclasses import replace

    flagged = replace(older_stenosis, red_flags=frozenset({"cauda_equina"}))
    screen = RoutineScreen()
    screen.show_patient(flagged, "Ann Byrne")
    assert 'class="wb-referral"' in screen._for_therapist.value
    assert "Refer" in screen._for_therapist.value
    assert all(button.disabled for button in screen._handout_buttons.values())
    assert "red flag" in screen._handout_why.value
    assert screen._handout_links.value == ""


def test_a_hip_replacement_tells_the_therapist_to_confirm_the_surgeons_restrictions(
    older_stenosis,
):
    from dataclasses import replace

    operated = replace(older_stenosis, conditions=frozenset({"hip_replacement_posterior"}))
    screen = RoutineScreen()
    screen.show_patient(operated, "Ann Byrne")
    assert "surgeon" in screen._for_therapist.value
    assert "wb-therapist-notes" in screen._for_therapist.value


def test_a_dose_outside_the_evidence_range_is_flagged_on_screen(screen):
    movement = next(iter(screen._rows))
    screen._rows[movement].dosage["hold_s"].value = "300"
    assert 'class="wb-dose-warning"' in screen.routine_html()
    assert "evidence range" in screen.routine_html()


def test_a_stretch_needing_what_the_patient_lacks_is_flagged_with_its_substitute():
    from workbook.clinical.profile import PatientProfile

    chair_only = PatientProfile(
        age=70,
        activity="sedentary",
        floor_transfer=False,
        kneeling="unable",
        equipment={"armless_chair"},
    )
    screen = RoutineScreen()
    screen.show_patient(chair_only, "Eve Example")
    table = screen.routine_html()
    assert 'class="wb-equipment-warning"' in table
    assert "not at home: a broomstick" in table and "straight stick" in table


def test_a_swap_list_with_one_option_says_why_nothing_else_fits(screen):
    single = [r for r in screen._rows.values() if len(r.stretch.options) == 1]
    assert single  # the older stenosis patient has movements with one safe stretch
    for row in single:
        assert "Nothing else fits" in row.note.value or "No other stretch" in row.note.value
    assert "cannot" in " ".join(r.note.value for r in single)


def test_the_handout_web_page_is_one_click_as_soon_as_the_routine_is_ready(screen):
    assert not screen._handout_buttons[".html"].disabled
    screen._handout_note.value = "After your morning walk"
    name, data = _handout_link(screen, ".html")
    assert name == screen.model.handout_name(".html")
    assert "After your morning walk" in data.decode("utf-8")


def test_a_changed_note_drops_the_link_to_the_older_handout(screen):
    _handout_link(screen, ".html")
    screen._handout_note.value = "After your morning walk"
    assert screen._handout_links.value == ""


def test_the_handout_note_does_not_carry_to_the_next_patient(screen, athlete):
    screen._handout_note.value = "After your morning walk"
    screen._handout_name.value = False
    screen.reset_for_patient()
    screen.show_patient(athlete, "Carl Dunne")
    assert screen._handout_note.value == "" and screen._handout_name.value is True
    _, data = _handout_link(screen, ".html")
    assert "morning walk" not in data.decode("utf-8")


def test_all_four_movements_show_as_cards_with_details_on_demand(screen):
    """Issue 13: the routine fits the screen; reasoning and cautions open on demand."""
    assert len(screen._cards.children) == len(screen._rows) == 4
    for card in screen._rows.values():
        assert card.details.value.startswith('<details class="wb-card-details"')
        summary = card.details.value.split("</summary>")[0]
        # the therapist's reasoning is behind the toggle
        assert "Why this one (for you)" not in summary
    assert "wb-has-cautions" in screen.routine_html()  # cautions marked, never out of sight


def test_a_fresh_routine_follows_the_measurements_so_far(store):
    """Issue 11: a left hip 15 degrees stiffer than the right puts the left side first."""
    from workbook import PatientProfile
    from workbook.ui import WorkbookApp
    from workbook.ui.app import ROUTINE_TAB

    profile = PatientProfile(
        age=72, activity="sedentary", floor_transfer=False, kneeling="painful",
        conditions={"spinal_stenosis", "sciatica"}, sex="female",
    )  # fmt: skip
    pid = store.add_patient("Edna Example", 1954, profile)
    for day in ("2026-10-01", "2026-10-15", "2026-10-29"):
        readings = {("hip_flexion", "left"): 95, ("hip_flexion", "right"): 110}
        store.log_visit(pid, day, readings, pain=4)
    app = WorkbookApp(store)
    app.patient.select(pid)
    app.show_tab(ROUTINE_TAB)
    app.routine._on_regenerate(None)  # a fresh routine, not the one saved with a visit
    row = app.routine.model.routine.stretch("hip_flexion")
    assert row["focus_side"] == "left"
    assert "measurements" in app.routine.model.source

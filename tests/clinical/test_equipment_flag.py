"""What a stretch needs that the patient lacks: flagged for the therapist, substitute named."""

from __future__ import annotations

from workbook.clinical.profile import PatientProfile
from workbook.clinical.routine import generate_routine
from workbook.clinical.selection import missing_equipment


def _chair_only() -> PatientProfile:
    return PatientProfile(
        age=70,
        activity="sedentary",
        floor_transfer=False,
        kneeling="unable",
        equipment={"armless_chair"},
    )


def test_what_the_patient_has_is_never_flagged():
    assert missing_equipment({"equipment": ("armless_chair",)}, _chair_only()) == []
    assert missing_equipment({"equipment": ()}, _chair_only()) == []


def test_a_missing_item_is_named_with_its_household_substitute():
    missing = missing_equipment({"equipment": ("broomstick", "yoga_mat")}, _chair_only())
    assert [label for label, _ in missing] == ["A broomstick", "A yoga mat"]
    assert all(substitute for _, substitute in missing)


def test_every_chosen_stretch_of_a_routine_can_be_checked_for_equipment():
    routine = generate_routine(_chair_only())
    stretches = routine.stretches.set_index("stretch_id")
    flagged = {
        row.stretch_id: missing_equipment(stretches.loc[row.stretch_id], routine.profile)
        for row in routine.table.itertuples()
        if row.stretch_id
    }
    assert any(flagged.values())  # the chair-only patient is missing a broomstick
    for items in flagged.values():
        for label, _ in items:
            assert label != "A sturdy chair without arms"

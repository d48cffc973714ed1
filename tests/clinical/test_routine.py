"""The routine generator: each rule of the article, as a therapist would check it."""

from __future__ import annotations

import csv
import shutil

import pytest

from workbook import MOVEMENTS, PatientProfile, Routine, WorkbookError, generate_routine
from workbook.clinical.paths import data_dir
from workbook.clinical.stretches import load_stretches


def chosen(routine: Routine) -> dict[str, str]:
    return dict(zip(routine.table["movement"], routine.table["stretch_id"], strict=True))


def row(routine: Routine, stretch_id: str):
    return routine.table.set_index("stretch_id").loc[stretch_id]


def test_signoff_case_gets_chair_and_bed_stretches_only_with_reasons_and_cautions(older_stenosis):
    routine = generate_routine(older_stenosis)
    stretches = load_stretches().set_index("stretch_id")
    assert list(routine.table["movement"]) == list(MOVEMENTS)
    for stretch_id in routine.table["stretch_id"]:
        assert stretches.at[stretch_id, "position"] in {"seated_chair", "seated_bed"}
        assert not stretches.at[stretch_id, "needs_floor"]
    assert (routine.table["reason"].str.len() > 40).all()
    assert (routine.table["cautions_patient"] != "").all()
    assert "floor" in row(routine, "seated_hip_hinge")["reason"]


def test_sedentary_patient_gets_gentle_and_fit_patient_intense(older_stenosis, athlete):
    assert set(generate_routine(older_stenosis).table["intensity"]) == {"gentle"}
    assert set(generate_routine(athlete).table["intensity"]) == {"intense"}


def test_deep_squat_is_kept_for_athletes_and_active_patients_get_the_butterfly(
    athlete, active_adult
):
    assert chosen(generate_routine(athlete))["hip_abduction"] == "deep_squat"
    routine = generate_routine(active_adult)
    assert chosen(routine)["hip_abduction"] == "seated_butterfly"
    reason = row(routine, "seated_butterfly")["reason"]
    assert "Deep squat stretch suits athletic patients" in reason


def test_no_floor_means_no_floor_stretch_and_butterfly_on_a_bed():
    profile = PatientProfile(
        age=40, activity="active", floor_transfer=False, kneeling="comfortable"
    )
    routine = generate_routine(profile)
    stretches = load_stretches().set_index("stretch_id")
    assert not stretches.loc[list(routine.table["stretch_id"]), "needs_floor"].any()
    assert chosen(routine)["hip_abduction"] == "bed_butterfly"
    excluded = routine.excluded.set_index("stretch_id")
    assert "floor" in excluded.at["seated_butterfly", "reason"]


def test_painful_kneeling_keeps_the_kneeling_stretch_with_padding_advice(painful_kneeling):
    routine = generate_routine(painful_kneeling)
    assert chosen(routine)["hip_extension"] == "kneeling_hip_flexor"
    cautions = row(routine, "kneeling_hip_flexor")["cautions_patient"]
    assert "pillow" in cautions and "bed" in cautions
    # a stretch that does not kneel gets no padding advice
    assert "pillow" not in row(routine, "seated_butterfly")["cautions_patient"]


def test_unable_to_kneel_gets_the_seated_alternative_for_every_kneeling_stretch(cannot_kneel):
    routine = generate_routine(cannot_kneel)
    stretches = load_stretches().set_index("stretch_id")
    assert not stretches.loc[list(routine.table["stretch_id"]), "needs_kneeling"].any()
    assert chosen(routine)["hip_extension"] == "seated_hip_flexor"
    assert chosen(routine)["hip_external_rotation"] == "seated_piriformis"
    kneeling = set(stretches.index[stretches["needs_kneeling"]])
    assert kneeling <= set(routine.excluded["stretch_id"])


def test_sciatica_puts_the_caution_on_the_piriformis_stretch(sciatica):
    routine = generate_routine(sciatica)
    piriformis = chosen(routine)["hip_external_rotation"]
    assert "Sciatica:" in row(routine, piriformis)["cautions_patient"]
    gentle = generate_routine(
        PatientProfile(
            age=70,
            activity="sedentary",
            floor_transfer=False,
            kneeling="unable",
            conditions={"sciatica"},
        )
    )
    assert "Sciatica:" in row(gentle, "seated_piriformis")["cautions_patient"]
    # and not on stretches that do not stretch the piriformis
    assert "Sciatica:" not in row(routine, chosen(routine)["hip_abduction"])["cautions_patient"]


@pytest.mark.parametrize("condition", ["spinal_stenosis", "degenerative_disc_disease"])
def test_stenosis_or_disc_disease_shows_arch_caution(condition):
    profile = PatientProfile(
        age=60,
        activity="active",
        floor_transfer=True,
        kneeling="comfortable",
        conditions={condition},
    )
    routine = generate_routine(profile)
    assert "arch" in row(routine, "kneeling_hip_flexor")["cautions_patient"]


def test_disc_disease_is_not_offered_childs_pose_with_the_stenosis_rationale():
    profile = PatientProfile(
        age=60,
        activity="active",
        floor_transfer=True,
        kneeling="comfortable",
        conditions={"degenerative_disc_disease"},
    )
    routine = generate_routine(profile)
    offered = routine.alternatives.set_index("stretch_id")
    assert not offered.at["childs_pose", "reason"].startswith("Offered for")


@pytest.mark.parametrize("condition", ["spinal_stenosis"])
def test_stenosis_shows_arch_caution_and_offers_childs_pose(condition):
    profile = PatientProfile(
        age=60,
        activity="active",
        floor_transfer=True,
        kneeling="comfortable",
        conditions={condition},
    )
    routine = generate_routine(profile)
    assert "arching" in row(routine, "kneeling_hip_flexor")["cautions_patient"]
    offered = routine.alternatives.set_index("stretch_id")
    assert "childs_pose" in offered.index
    assert offered.at["childs_pose", "reason"].startswith("Offered for")
    assert "Child's pose" in row(routine, chosen(routine)["hip_flexion"])["reason"]


def test_childs_pose_is_not_offered_when_the_patient_cannot_get_to_the_floor(older_stenosis):
    routine = generate_routine(older_stenosis)
    assert "childs_pose" not in set(routine.alternatives["stretch_id"])
    assert "childs_pose" in set(routine.excluded["stretch_id"])


def test_avoid_if_leaves_the_stretch_out_with_the_condition_named():
    profile = PatientProfile(
        age=30,
        activity="athletic",
        floor_transfer=True,
        kneeling="comfortable",
        conditions={"knee_pain"},
    )
    routine = generate_routine(profile)
    assert chosen(routine)["hip_abduction"] != "deep_squat"
    assert "knee pain" in routine.excluded.set_index("stretch_id").at["deep_squat", "reason"]


def test_movement_with_no_safe_stretch_says_so_and_why(tmp_path, older_stenosis):
    source = load_stretches()
    # a clinic table where every groin stretch needs the floor
    table = source[source["stretch_id"] != "bed_butterfly"].reset_index(drop=True)
    routine = generate_routine(older_stenosis, table)
    groin = routine.table.set_index("movement").loc["hip_abduction"]
    assert groin["stretch_id"] == ""
    assert "No stretch in the table is safe" in groin["reason"]
    assert "floor" in groin["reason"]
    assert len(routine.table) == len(MOVEMENTS)


def test_dosage_follows_the_evidence_by_age(active_adult, older_stenosis):
    adult = generate_routine(active_adult).table
    assert set(adult["hold_s"]) == {30}
    assert adult["dosage_source"].str.contains("Bandy").all()
    older = generate_routine(older_stenosis).table
    assert set(older["hold_s"]) == {60}
    assert older["dosage_source"].str.contains("Feland").all()


def test_missing_equipment_with_a_household_substitute_is_explained(older_stenosis):
    equipment = row(generate_routine(older_stenosis), "seated_hip_hinge")["equipment"]
    assert "broomstick" in equipment.lower() and "mop handle" in equipment


def test_same_profile_always_gives_the_same_routine(sciatica):
    first, second = generate_routine(sciatica), generate_routine(sciatica)
    assert first.table.equals(second.table)
    assert first.alternatives.equals(second.alternatives)


def test_override_swaps_within_the_movement_and_records_the_therapist(athlete):
    routine = generate_routine(athlete)
    changed = routine.with_override("hip_abduction", stretch_id="seated_butterfly", hold_s=45)
    groin = row(changed, "seated_butterfly")
    assert groin["chosen_by"] == "therapist" and groin["hold_s"] == 45
    assert "therapist" in groin["reason"].lower()
    assert "deep_squat" in set(changed.alternatives["stretch_id"])
    assert chosen(routine)["hip_abduction"] == "deep_squat"  # the original is unchanged


def test_override_refuses_another_movements_stretch_and_silly_dosage(athlete):
    routine = generate_routine(athlete)
    with pytest.raises(WorkbookError, match="stretch_id = 'seated_piriformis'"):
        routine.with_override("hip_abduction", stretch_id="seated_piriformis")
    with pytest.raises(WorkbookError, match="hold_s = 1000"):
        routine.with_override("hip_abduction", hold_s=1000)
    with pytest.raises(WorkbookError, match="movement = 'neck'"):
        routine.with_override("neck", reps=2)


def test_override_into_an_excluded_stretch_carries_the_exclusion_as_a_caution(older_stenosis):
    routine = generate_routine(older_stenosis).with_override("hip_flexion", stretch_id="rock_back")
    assert "left this out" in row(routine, "rock_back")["cautions_therapist"]
    assert "left this out" not in row(routine, "rock_back")["cautions_patient"]


def test_routine_round_trips_through_a_plain_dict(athlete):
    routine = generate_routine(athlete).with_override(
        "hip_flexion", stretch_id="frog_rock_back", reps=3
    )
    again = Routine.from_dict(routine.to_dict())
    assert again.table.equals(routine.table)


def test_a_clinic_adds_a_condition_by_editing_data_only(tmp_path, monkeypatch, active_adult):
    clinic = tmp_path / "data"
    shutil.copytree(data_dir(), clinic)
    with (clinic / "conditions.csv").open("a", newline="") as handle:
        csv.writer(handle).writerow(
            [
                "pregnancy",
                "Pregnancy",
                "Skip deep squats late in pregnancy.",
                "",
                "false",
                "clinic policy",
            ]
        )
    rows = list(csv.DictReader((clinic / "stretches.csv").open(newline="")))
    for stretch in rows:
        if stretch["stretch_id"] == "deep_squat":
            stretch["avoid_if"] = "knee_pain;pregnancy"
    with (clinic / "stretches.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    monkeypatch.setenv("WORKBOOK_DATA", str(clinic))
    profile = PatientProfile(
        age=30,
        activity="athletic",
        floor_transfer=True,
        kneeling="comfortable",
        conditions={"pregnancy"},
    )
    routine = generate_routine(profile)
    assert "pregnancy" in routine.excluded.set_index("stretch_id").at["deep_squat", "reason"]

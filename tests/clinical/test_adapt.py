"""Routines that follow the measurements: side focus, progression, regression."""

from __future__ import annotations

import pandas as pd
import pytest

from workbook import PatientProfile, Routine, generate_routine

COLUMNS = ["visit_id", "visit_date", "motion", "side", "degrees", "instrument", "position"]


def frames(readings, pains):
    dates = pd.date_range("2025-01-06", periods=len(pains), freq="14D")
    rows = [
        (f"v{n}", dates[n], motion, side, float(degrees), "goniometer", "supine")
        for n, motion, side, degrees in readings
    ]
    visits = pd.DataFrame(
        {"visit_id": [f"v{n}" for n in range(len(pains))], "visit_date": dates, "pain_nprs": pains}
    )
    return pd.DataFrame(rows, columns=COLUMNS), visits


@pytest.fixture
def sedentary() -> PatientProfile:
    return PatientProfile(age=60, activity="sedentary", floor_transfer=True, kneeling="unable")


def test_a_difference_below_the_mdc_gives_no_focus(sedentary):
    m, v = frames([(0, "hip_flexion", "left", 100), (0, "hip_flexion", "right", 109)], [4.0])
    routine = generate_routine(sedentary, measurements=m, visits=v)
    assert set(routine.table["focus_side"]) == {""}


def test_a_per_side_stretch_puts_the_stiffer_side_first_with_an_extra_round(sedentary):
    m, v = frames(
        [(0, "hip_external_rotation", "left", 40), (0, "hip_external_rotation", "right", 28)], [4.0]
    )
    row = generate_routine(sedentary, measurements=m, visits=v).stretch("hip_external_rotation")
    assert row["focus_side"] == "right" and row["focus_reps"] == row["reps"] + 1
    assert "start with your right side" in row["note_patient"]
    assert "left 40 vs right 28" in row["reason"]


def test_progression_to_the_intense_version_names_the_numbers(sedentary):
    m, v = frames(
        [
            (0, "hip_external_rotation", "left", 30),
            (0, "hip_external_rotation", "right", 31),
            (1, "hip_external_rotation", "left", 46),
            (1, "hip_external_rotation", "right", 47),
        ],
        [4.0, 3.0],
    )
    profile = PatientProfile(
        age=60, activity="sedentary", floor_transfer=True, kneeling="comfortable"
    )
    plain = generate_routine(profile).stretch("hip_external_rotation")
    row = generate_routine(profile, measurements=m, visits=v).stretch("hip_external_rotation")
    assert plain["intensity"] == "gentle" and row["intensity"] == "intense"
    assert "30 -> 46" in row["reason"] and "Pain 4 -> 3" in row["reason"]
    assert "step up" in row["note_patient"]


def test_no_progression_when_pain_rose_by_the_mcid(sedentary):
    m, v = frames(
        [(0, "hip_external_rotation", "left", 30), (1, "hip_external_rotation", "left", 46)],
        [3.0, 5.0],
    )
    row = generate_routine(sedentary, measurements=m, visits=v).stretch("hip_external_rotation")
    assert row["intensity"] == "gentle"


def test_a_flare_regresses_everything_to_gentle_with_shorter_holds(athlete):
    m, v = frames([(0, "hip_flexion", "left", 110), (1, "hip_flexion", "left", 112)], [3.0, 6.0])
    plain = generate_routine(athlete)
    routine = generate_routine(athlete, measurements=m, visits=v)
    assert set(routine.table["intensity"]) == {"gentle"}
    assert (routine.table["hold_s"] < plain.table["hold_s"]).all()
    assert routine.table["reason"].str.contains("pain rose from 3 to 6").all()
    assert routine.table["note_patient"].str.contains("pain went up").all()
    assert (routine.table["dose_warning"] == "").all()


def test_an_adapted_routine_round_trips_through_a_plain_dict(sedentary):
    m, v = frames(
        [(0, "hip_external_rotation", "left", 40), (0, "hip_external_rotation", "right", 28)], [4.0]
    )
    routine = generate_routine(sedentary, measurements=m, visits=v)
    again = Routine.from_dict(routine.to_dict())
    columns = ["stretch_id", "hold_s", "reps", "focus_side", "focus_reps", "note_patient"]
    assert again.table[columns].equals(routine.table[columns])

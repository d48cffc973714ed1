"""The issue's sign-off case: a 72-year-old woman with stenosis and sciatica, left hip stiffer."""

from __future__ import annotations

import pandas as pd
import pytest

from workbook import PatientProfile, generate_routine, review
from workbook.clinical.routine import PATIENT_COLUMNS
from workbook.clinical.stretches import load_stretches

DATES = pd.to_datetime(["2025-01-06", "2025-02-03", "2025-03-03"])


@pytest.fixture
def her() -> PatientProfile:
    return PatientProfile(
        age=72,
        activity="sedentary",
        floor_transfer=False,
        kneeling="painful",
        conditions={"spinal_stenosis", "sciatica"},
        sex="female",
    )


@pytest.fixture
def measurements() -> pd.DataFrame:
    rows = []
    for number, date in enumerate(DATES):
        for side, degrees in (("left", 95 + number), ("right", 110 + number)):
            rows.append(
                (f"v{number}", date, "hip_flexion", side, float(degrees), "goniometer", "supine")
            )
    columns = ["visit_id", "visit_date", "motion", "side", "degrees", "instrument", "position"]
    return pd.DataFrame(rows, columns=columns)


@pytest.fixture
def visits() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "visit_id": ["v0", "v1", "v2"],
            "visit_date": DATES,
            "pain_nprs": [5.0, 5.0, 4.0],
            "odi_index": [30.0, 28.0, 28.0],
        }
    )


def test_signoff_routine_is_seated_or_bed_with_patient_cautions_and_left_focus(
    her, measurements, visits
):
    routine = generate_routine(her, measurements=measurements, visits=visits)
    stretches = load_stretches().set_index("stretch_id")
    positions = {stretches.at[s, "position"] for s in routine.table["stretch_id"]}
    assert positions <= {"seated_chair", "seated_bed"}
    cautions = "\n".join(routine.table["cautions_patient"])
    assert "Spinal stenosis: Keep your lower back from arching" in cautions
    assert "Sciatica: Keep this stretch mild" in cautions
    flexion = routine.stretch("hip_flexion")
    assert flexion["focus_side"] == "left"
    assert flexion["focus_reps"] == flexion["reps"] + 1
    assert "left 97 vs right 112" in flexion["reason"] and "MDC of 9.7" in flexion["reason"]
    assert flexion["note_patient"].startswith("Your left hip is stiffer")
    assert set(routine.table.loc[routine.table["movement"] != "hip_flexion", "focus_side"]) == {""}
    for column in PATIENT_COLUMNS:
        text = " ".join(routine.table[column].astype(str))
        assert "patient" not in text.lower() and "workbook" not in text.lower()


def test_signoff_review_shows_the_asymmetry(her, measurements, visits):
    flags = review(measurements, visits, her)
    asymmetry = flags[flags["flag"] == "asymmetry"]
    assert len(asymmetry) == 1
    assert "left side is stiffer" in asymmetry["message"].iloc[0]


def test_same_inputs_give_the_same_routine(her, measurements, visits):
    first = generate_routine(her, measurements=measurements, visits=visits)
    second = generate_routine(her, measurements=measurements, visits=visits)
    assert first.table.equals(second.table)

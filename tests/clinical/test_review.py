"""Review flags: what to look at first, each with the numbers behind it."""

from __future__ import annotations

import pandas as pd

from workbook import PatientProfile, review
from workbook.clinical.review import FLAGS, review_rules_table

COLUMNS = ["visit_id", "visit_date", "motion", "side", "degrees", "instrument", "position"]
PROFILE = PatientProfile(age=50, activity="active", floor_transfer=True, kneeling="comfortable")


def case(degrees, pains, days=14, **extra):
    dates = pd.date_range("2025-01-06", periods=len(pains), freq=f"{days}D")
    rows = [
        (f"v{n}", dates[n], "hip_flexion", side, float(value), "goniometer", "supine")
        for n, pair in enumerate(degrees)
        for side, value in zip(("left", "right"), pair, strict=True)
    ]
    visits = pd.DataFrame(
        {
            "visit_id": [f"v{n}" for n in range(len(pains))],
            "visit_date": dates,
            "pain_nprs": pains,
            "odi_index": [30.0] * len(pains),
            **extra,
        }
    )
    return pd.DataFrame(rows, columns=COLUMNS), visits


def flags(frame) -> set[str]:
    return set(frame["flag"])


def test_thresholds_cover_every_flag_with_a_source():
    table = review_rules_table()
    assert set(table["flag"]) == set(FLAGS)
    assert (table["source"].str.len() > 0).all()


def test_red_flag_is_high_and_first():
    m, v = case([(100, 100)], [4.0])
    profile = PatientProfile(**{**PROFILE.to_dict(), "red_flags": ["fever_or_infection"]})
    result = review(m, v, profile)
    assert result.iloc[0]["flag"] == "red_flag" and result.iloc[0]["severity"] == "high"


def test_worse_after_a_flare_and_a_real_loss():
    m, v = case([(110, 110), (95, 110)], [3.0, 6.0])
    result = review(m, v, PROFILE)
    assert "worse" in flags(result)
    assert "pain flare 3 -> 6" in result.set_index("flag").at["worse", "message"]


def test_not_responding_after_four_visits_without_real_change():
    m, v = case([(100, 100)] * 4, [5.0, 5.0, 4.0, 5.0], days=7)
    assert "not_responding" in flags(review(m, v, PROFILE))
    m, v = case([(100, 100), (101, 101), (102, 102), (115, 115)], [5.0, 5.0, 4.0, 5.0], days=7)
    assert "not_responding" not in flags(review(m, v, PROFILE))


def test_asymmetry_from_the_mdc():
    assert "asymmetry" in flags(review(*case([(95, 110)], [4.0]), PROFILE))
    assert "asymmetry" not in flags(review(*case([(105, 110)], [4.0]), PROFILE))


def test_ready_to_progress_when_a_motion_improved_by_the_mdc():
    m, v = case([(95, 95), (110, 110)], [4.0, 4.0])
    assert "ready_to_progress" in flags(review(m, v, PROFILE))


def test_reassess_due_after_four_weeks_without_measuring():
    m, v = case([(100, 100)], [4.0])
    assert "reassess_due" not in flags(review(m, v, PROFILE))
    assert "reassess_due" in flags(review(m, v, PROFILE, today="2025-02-10"))


def test_low_adherence_from_days_done_of_days_prescribed():
    m, v = case([(100, 100), (101, 101)], [4.0, 4.0], days_done=[0, 3], days_prescribed=[0, 14])
    v.loc[0, ["days_done", "days_prescribed"]] = None
    result = review(m, v, PROFILE)
    assert "low_adherence" in flags(result)
    assert "3 of 14" in result.set_index("flag").at["low_adherence", "message"]


def test_nothing_recorded_gives_no_flags():
    empty = pd.DataFrame(columns=COLUMNS)
    assert review(empty, None).empty
    assert list(review(empty, None).columns) == ["flag", "severity", "message"]

"""Progress numbers on small hand-computed cases: change, real change, normal, side difference."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from workbook.clinical.outcomes import (
    PROGRESS_COLUMNS,
    SCORE_COLUMNS,
    per_visit,
    progress,
    score_progress,
)
from workbook.clinical.profile import PatientProfile
from workbook.errors import WorkbookError

DATES = {"v1": "2025-01-06", "v2": "2025-02-03", "v3": "2025-03-03"}


def readings(*rows: tuple) -> pd.DataFrame:
    """(visit_id, motion, side, degrees[, instrument[, position]]) -> a measurements frame."""
    records = []
    for row in rows:
        visit_id, motion, side, degrees, *rest = row
        records.append(
            {
                "visit_id": visit_id,
                "visit_date": pd.Timestamp(DATES[visit_id]),
                "motion": motion,
                "side": side,
                "degrees": float(degrees),
                "instrument": rest[0] if rest else "goniometer",
                "position": rest[1] if len(rest) > 1 else "supine",
            }
        )
    return pd.DataFrame(records)


def row_of(table: pd.DataFrame, motion: str, side: str) -> pd.Series:
    match = table[(table["motion"] == motion) & (table["side"] == side)]
    assert len(match) == 1
    return match.iloc[0]


def visits_frame(pain, odi) -> pd.DataFrame:
    ids = list(DATES)[: len(pain)]
    return pd.DataFrame(
        {
            "visit_id": ids,
            "visit_date": pd.to_datetime([DATES[i] for i in ids]),
            "pain_nprs": pd.array(pain, dtype="Int64"),
            "odi_index": pd.array(odi, dtype="float64"),
        }
    )


def test_baseline_latest_and_change_are_first_and_last_visit():
    table = progress(
        readings(
            ("v1", "hip_flexion", "left", 90),
            ("v2", "hip_flexion", "left", 95),
            ("v3", "hip_flexion", "left", 104),
        )
    )
    row = row_of(table, "hip_flexion", "left")
    assert row["n_visits"] == 3
    assert row["baseline_date"] == pd.Timestamp("2025-01-06")
    assert row["baseline_degrees"] == 90.0
    assert row["latest_date"] == pd.Timestamp("2025-03-03")
    assert row["latest_degrees"] == 104.0
    assert row["change_degrees"] == 14.0
    assert row["real_change"] == "improved"


def test_columns_are_the_documented_ones_in_order():
    table = progress(readings(("v1", "hip_flexion", "left", 90)))
    assert tuple(table.columns) == PROGRESS_COLUMNS


def test_single_visit_has_no_change_and_says_so():
    row = row_of(progress(readings(("v1", "hip_abduction", "right", 30))), "hip_abduction", "right")
    assert row["n_visits"] == 1
    assert math.isnan(row["change_degrees"])
    assert row["real_change"] == "single measurement"
    assert row["baseline_degrees"] == row["latest_degrees"] == 30.0


def test_side_never_measured_has_no_row_and_no_side_difference():
    table = progress(
        readings(
            ("v1", "hip_flexion", "left", 90),
            ("v2", "hip_flexion", "left", 100),
        )
    )
    assert list(table["side"]) == ["left"]
    assert math.isnan(table.iloc[0]["side_difference_degrees"])


def test_motion_measured_once_beside_one_measured_twice():
    table = progress(
        readings(
            ("v1", "hip_flexion", "left", 90),
            ("v2", "hip_flexion", "left", 93),
            ("v2", "hip_adduction", "left", 20),
        )
    )
    assert row_of(table, "hip_flexion", "left")["real_change"] == "within measurement error"
    assert row_of(table, "hip_adduction", "left")["real_change"] == "single measurement"


def test_rows_follow_the_motion_order_then_left_right():
    table = progress(
        readings(
            ("v1", "hip_adduction", "right", 20),
            ("v1", "hip_flexion", "right", 90),
            ("v1", "hip_flexion", "left", 95),
        )
    )
    assert list(zip(table["motion"], table["side"], strict=True)) == [
        ("hip_flexion", "left"),
        ("hip_flexion", "right"),
        ("hip_adduction", "right"),
    ]


def test_change_exactly_at_the_mdc_counts_as_real():
    # Flexion MDC95 is 9.7 degrees; 100.0 -> 109.7 is 9.700000000000003 in floating point and
    # 22.6 -> 32.3 is 9.699999999999996: both are exactly the MDC to a goniometer.
    table = progress(
        readings(
            ("v1", "hip_flexion", "left", 100.0),
            ("v2", "hip_flexion", "left", 109.7),
            ("v1", "hip_flexion", "right", 22.6),
            ("v2", "hip_flexion", "right", 32.3),
        )
    )
    assert row_of(table, "hip_flexion", "left")["mdc_degrees"] == 9.7
    assert row_of(table, "hip_flexion", "left")["real_change"] == "improved"
    assert row_of(table, "hip_flexion", "right")["real_change"] == "improved"


def test_change_just_under_the_mdc_is_within_measurement_error():
    table = progress(
        readings(
            ("v1", "hip_flexion", "left", 100.0),
            ("v2", "hip_flexion", "left", 109.6),
        )
    )
    assert row_of(table, "hip_flexion", "left")["real_change"] == "within measurement error"


def test_loss_beyond_the_mdc_is_worse():
    table = progress(
        readings(
            ("v1", "hip_internal_rotation", "left", 35),
            ("v2", "hip_internal_rotation", "left", 26),
        )
    )
    row = row_of(table, "hip_internal_rotation", "left")
    assert row["change_degrees"] == -9.0
    assert row["mdc_degrees"] == 8.6
    assert row["real_change"] == "worse"


def test_extension_gain_from_a_contracture_is_an_improvement():
    table = progress(
        readings(
            ("v1", "hip_extension", "left", -10),
            ("v2", "hip_extension", "left", 5),
        )
    )
    row = row_of(table, "hip_extension", "left")
    assert row["change_degrees"] == 15.0
    assert row["real_change"] == "improved"


def test_instrument_change_between_visits_is_flagged():
    table = progress(
        readings(
            ("v1", "hip_flexion", "left", 90, "goniometer"),
            ("v2", "hip_flexion", "left", 101, "inclinometer"),
            ("v1", "hip_flexion", "right", 90, "goniometer"),
            ("v2", "hip_flexion", "right", 101, "goniometer"),
        )
    )
    assert bool(row_of(table, "hip_flexion", "left")["instrument_changed"]) is True
    assert bool(row_of(table, "hip_flexion", "right")["instrument_changed"]) is False


def test_percent_of_normal_uses_the_all_adults_value_without_a_profile():
    row = row_of(progress(readings(("v1", "hip_flexion", "left", 121))), "hip_flexion", "left")
    assert row["normal_degrees"] == 121.0
    assert row["percent_of_normal"] == 100.0
    assert row["normal_source"] == "AAOS mean"


def test_profile_age_and_sex_choose_the_normal_value():
    profile = PatientProfile(
        age=72, activity="active", floor_transfer=True, kneeling="comfortable", sex="female"
    )
    table = progress(readings(("v1", "hip_extension", "left", 16.8)), profile=profile)
    row = row_of(table, "hip_extension", "left")
    assert row["normal_degrees"] == 16.8
    assert row["normal_source"].startswith("Physiol Anthropol 2016")
    assert row["percent_of_normal"] == pytest.approx(100.0)
    unknown_sex = PatientProfile(
        age=72, activity="active", floor_transfer=True, kneeling="comfortable"
    )
    row = row_of(
        progress(readings(("v1", "hip_extension", "left", 6)), profile=unknown_sex),
        "hip_extension",
        "left",
    )
    assert row["normal_degrees"] == 12.0 and row["percent_of_normal"] == pytest.approx(50.0)


def test_side_difference_is_left_minus_right_at_the_latest_visit_with_both():
    table = progress(
        readings(
            ("v1", "hip_flexion", "left", 90),
            ("v1", "hip_flexion", "right", 80),
            ("v2", "hip_flexion", "left", 100),
            ("v2", "hip_flexion", "right", 94),
            ("v3", "hip_flexion", "left", 110),  # right not measured at the last visit
        )
    )
    assert list(table["side_difference_degrees"]) == [6.0, 6.0]


def test_repeated_readings_at_one_visit_are_averaged():
    table = per_visit(
        readings(
            ("v1", "hip_flexion", "left", 90),
            ("v1", "hip_flexion", "left", 94),
        )
    )
    assert list(table["degrees"]) == [92.0]


def test_empty_measurements_give_an_empty_table_with_the_columns():
    table = progress(readings(("v1", "hip_flexion", "left", 90)).iloc[:0])
    assert table.empty
    assert tuple(table.columns) == PROGRESS_COLUMNS
    assert table["n_visits"].dtype == "int64"


def test_missing_column_is_named_in_the_error():
    with pytest.raises(WorkbookError, match="degrees"):
        progress(readings(("v1", "hip_flexion", "left", 90)).drop(columns="degrees"))


def test_unknown_motion_is_refused():
    with pytest.raises(WorkbookError, match="knee_flexion"):
        progress(readings(("v1", "hip_flexion", "left", 90)).assign(motion="knee_flexion"))


def test_measurement_of_a_visit_not_in_the_visit_log_is_refused():
    with pytest.raises(WorkbookError, match="v2"):
        progress(readings(("v2", "hip_flexion", "left", 90)), visits_frame([5], [40.0]))


def test_input_frame_is_left_unchanged():
    frame = readings(("v1", "hip_flexion", "left", 90), ("v2", "hip_flexion", "left", 100))
    before = frame.copy()
    progress(frame)
    pd.testing.assert_frame_equal(frame, before)


# Pain and ODI ------------------------------------------------------------------------------


def score_row(table: pd.DataFrame, measure: str) -> pd.Series:
    return table.set_index("measure").loc[measure]


def test_score_table_always_has_pain_then_odi_with_documented_columns():
    table = score_progress(None)
    assert tuple(table.columns) == SCORE_COLUMNS
    assert list(table["measure"]) == ["pain_nprs", "odi_index"]
    assert list(table["important_change"]) == ["not recorded", "not recorded"]


def test_pain_improvement_meeting_mcid_and_30_percent_is_improved():
    row = score_row(score_progress(visits_frame([6, 5, 4], [None] * 3)), "pain_nprs")
    assert row["change_points"] == -2.0
    assert row["change_percent"] == pytest.approx(-100 / 3)
    assert bool(row["meets_mcid"]) and bool(row["meets_percent"])
    assert row["important_change"] == "improved"


def test_pain_drop_of_30_percent_below_the_mcid_is_not_important():
    # 3 -> 2 is 33 % but one point, within the NPRS's 2-point MDC.
    row = score_row(score_progress(visits_frame([3, 2], [None, None])), "pain_nprs")
    assert bool(row["meets_percent"]) and not bool(row["meets_mcid"])
    assert row["important_change"] == "no important change"


def test_odi_drop_meeting_mcid_but_not_30_percent_is_not_important():
    row = score_row(score_progress(visits_frame([None, None], [80.0, 70.0])), "odi_index")
    assert bool(row["meets_mcid"]) and not bool(row["meets_percent"])
    assert row["important_change"] == "no important change"


def test_score_rising_by_the_mcid_is_worse():
    row = score_row(score_progress(visits_frame([3, 5], [None, None])), "pain_nprs")
    assert row["important_change"] == "worse"


def test_score_recorded_once_is_a_single_score():
    row = score_row(score_progress(visits_frame([None, 4], [None, None])), "pain_nprs")
    assert row["n_visits"] == 1
    assert row["baseline_date"] == pd.Timestamp(DATES["v2"])
    assert row["important_change"] == "single score"


def test_baseline_and_latest_skip_visits_without_the_score():
    row = score_row(
        score_progress(visits_frame([None, None, None], [40.0, None, 26.0])), "odi_index"
    )
    assert (row["baseline_points"], row["latest_points"], row["n_visits"]) == (40.0, 26.0, 2)
    assert row["important_change"] == "improved"

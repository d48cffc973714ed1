"""Reference tables: normal range of motion, measurement error and MCID, each with its source."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from workbook.clinical.measures import MOTIONS
from workbook.clinical.paths import data_dir
from workbook.clinical.reference import (
    mcid_table,
    mdc_degrees,
    measurement_error_table,
    normal_rom_table,
    normal_value,
    score_threshold,
)
from workbook.errors import WorkbookError


@pytest.fixture
def data_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clinic's own copy of data/, which a test may edit."""
    folder = tmp_path / "data"
    shutil.copytree(data_dir(), folder)
    monkeypatch.setenv("WORKBOOK_DATA", str(folder))
    return folder


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text  # the test's own precondition on the shipped table
    path.write_text(text.replace(old, new, 1))


def test_every_reference_table_row_names_its_source():
    for table in (normal_rom_table(), measurement_error_table(), mcid_table()):
        assert (table["source"].str.len() > 0).all()


def test_every_motion_has_a_normal_value_for_an_unknown_patient():
    for motion in MOTIONS:
        value = normal_value(motion)
        assert value.degrees > 0
        assert value.reference in {"aaos_mean", "wilson_2014"}


def test_all_adults_set_is_used_without_age_sex_or_position():
    everyone = {m: normal_value(m).degrees for m in MOTIONS}
    assert everyone == {
        "hip_flexion": 121.0,
        "hip_extension": 12.0,
        "hip_internal_rotation": 35.0,
        "hip_external_rotation": 50.0,
        "hip_abduction": 41.0,
        "hip_adduction": 27.0,
    }


def test_all_adults_value_comes_with_its_own_range_and_label():
    value = normal_value("hip_flexion")
    assert (value.low_degrees, value.high_degrees) == (114.6, 127.4)
    assert value.label == "AAOS mean"
    assert value.range_label == "AAOS mean +- 1 SD"
    extension = normal_value("hip_extension")  # the issue: 30 with a 10-15 band
    assert extension.low_degrees <= extension.degrees <= extension.high_degrees


def test_sex_specific_row_applies_only_when_sex_is_known():
    assert normal_value("hip_extension", age=55, sex="female").degrees == 16.7
    assert normal_value("hip_extension", age=55, sex="male").degrees == 13.5
    assert normal_value("hip_extension", age=55).reference == "aaos_mean"


def test_age_band_limits_an_age_specific_row():
    assert normal_value("hip_extension", age=44, sex="female").reference == "aaos_mean"
    assert normal_value("hip_extension", age=69, sex="female").reference == "soucie_2011"
    assert normal_value("hip_extension", age=71, sex="female").reference == "jpa_2016"


def test_position_specific_row_applies_when_position_matches(data_copy: Path):
    replace_in(
        data_copy / "normal_rom.csv",
        'hip_external_rotation,gradoz_2018,"Gradoz 2018, seated",,,,seated,44.2,,,false',
        'hip_external_rotation,gradoz_2018,"Gradoz 2018, seated",,,,seated,44.2,,,true',
    )
    assert normal_value("hip_external_rotation", position="seated").degrees == 44.2
    assert normal_value("hip_external_rotation", position="standing").reference == "wilson_2014"


def test_more_specific_row_wins_over_a_less_specific_one():
    # Soucie (sex and age band) and the all-adults row both apply to a woman of 50.
    value = normal_value("hip_extension", age=50, sex="female")
    assert value.reference == "soucie_2011"
    assert value.degrees == 16.7


def test_range_falls_back_to_a_less_specific_row_when_the_chosen_one_has_none():
    value = normal_value("hip_extension", age=55, sex="female")
    assert value.degrees == 16.7
    assert (value.low_degrees, value.high_degrees) == (6.6, 17.4)
    assert value.range_label == "AAOS mean +- 1 SD"


def test_unknown_sex_is_refused_with_the_allowed_values():
    with pytest.raises(WorkbookError, match="female"):
        normal_value("hip_flexion", sex="f")


def test_unknown_motion_is_refused():
    with pytest.raises(WorkbookError, match="motion"):
        normal_value("knee_flexion")


def test_a_clinic_can_switch_to_another_reference_by_editing_in_use(data_copy: Path):
    path = data_copy / "normal_rom.csv"
    replace_in(
        path,
        "hip_flexion,aaos_mean,AAOS mean,,,,,121.0,114.6,127.4,true",
        "hip_flexion,aaos_mean,AAOS mean,,,,,121.0,114.6,127.4,false",
    )
    replace_in(
        path,
        "hip_flexion,aaos_classic,AAOS classic set,,,,,120,,,false",
        "hip_flexion,aaos_classic,AAOS classic set,,,,,120,,,true",
    )
    value = normal_value("hip_flexion")
    assert (value.degrees, value.reference) == (120.0, "aaos_classic")


def test_two_rows_in_use_for_the_same_patients_are_refused(data_copy: Path):
    replace_in(
        data_copy / "normal_rom.csv",
        "hip_flexion,aaos_classic,AAOS classic set,,,,,120,,,false",
        "hip_flexion,aaos_classic,AAOS classic set,,,,,120,,,true",
    )
    with pytest.raises(WorkbookError, match="only one row in use"):
        normal_value("hip_flexion")


def test_a_number_typed_as_text_names_the_row(data_copy: Path):
    replace_in(data_copy / "normal_rom.csv", "AAOS mean,,,,,121.0,", "AAOS mean,,,,,abc,")
    with pytest.raises(WorkbookError, match=r"normal_rom\.csv row 2"):
        normal_value("hip_flexion")


def test_mdc_is_derived_from_the_sem_by_the_documented_formula():
    table = measurement_error_table()
    with_sem = table[table["sem_degrees"].notna()]
    derived = 1.96 * math.sqrt(2) * with_sem["sem_degrees"]
    assert ((with_sem["mdc95_degrees"] - derived).abs() < 0.06).all()


def test_mdc_per_motion_matches_clinical_reference():
    assert mdc_degrees("hip_flexion") == 9.7
    assert mdc_degrees("hip_extension") == 13.0
    assert mdc_degrees("hip_internal_rotation") == 8.6


def test_empty_mdc_is_computed_from_the_sem(data_copy: Path):
    replace_in(data_copy / "measurement_error.csv", "hip_flexion,3.5,9.7,", "hip_flexion,3.0,,")
    assert mdc_degrees("hip_flexion") == pytest.approx(1.96 * math.sqrt(2) * 3.0)


def test_measurement_error_table_must_cover_every_motion(data_copy: Path):
    path = data_copy / "measurement_error.csv"
    path.write_text(
        "\n".join(
            line for line in path.read_text().splitlines() if not line.startswith("hip_adduction")
        )
        + "\n"
    )
    with pytest.raises(WorkbookError, match="every motion"):
        mdc_degrees("hip_flexion")


def test_pain_and_odi_thresholds_follow_ostelo_2008():
    pain, odi = score_threshold("pain_nprs"), score_threshold("odi_index")
    assert (pain.mcid_points, pain.improvement_percent, pain.lower_is_better) == (2, 30, True)
    assert (odi.mcid_points, odi.improvement_percent) == (10, 30)
    assert math.isnan(odi.mdc_points)


def test_unknown_score_is_refused():
    with pytest.raises(WorkbookError, match="pain_nprs"):
        score_threshold("vas")

"""Checks on what is measured at a visit: degrees, pain and the Oswestry index."""

from __future__ import annotations

import math

import pytest

from workbook import WorkbookError
from workbook.clinical.measures import (
    MOTIONS,
    check_degrees,
    check_odi_sections,
    check_pain,
    default_position,
    odi_band,
    odi_index,
)


def test_all_six_hip_motions_are_known_with_a_default_position():
    assert set(MOTIONS) == {
        "hip_flexion",
        "hip_extension",
        "hip_internal_rotation",
        "hip_external_rotation",
        "hip_abduction",
        "hip_adduction",
    }
    assert default_position("hip_extension") == "prone"


def test_negative_extension_records_a_flexion_contracture():
    assert check_degrees("hip_extension", -10) == -10.0


@pytest.mark.parametrize("value", [151, -1, "abc", math.nan, math.inf, None, True, ""])
def test_implausible_flexion_is_refused_with_the_bounds(value):
    with pytest.raises(WorkbookError) as caught:
        check_degrees("hip_flexion", value, "left")
    assert "hip_flexion left" in str(caught.value)
    assert "from 0 to 150" in str(caught.value)


def test_degrees_typed_as_text_are_accepted():
    assert check_degrees("hip_flexion", " 105 ") == 105.0


@pytest.mark.parametrize("value", [-1, 11, 3.5, "a lot"])
def test_pain_outside_0_10_or_fractional_is_refused(value):
    with pytest.raises(WorkbookError, match="whole number from 0 to 10"):
        check_pain(value)


def test_odi_index_by_the_standard_rule():
    assert odi_index([5] * 10) == 100.0
    assert odi_index([2, 1, 3, 2, 0, 1, 2, 1, 1, 2]) == 30.0
    # one unanswered section: divide by 45, not 50
    assert odi_index([2, 1, 3, 2, 0, 1, 2, 1, 1, None]) == pytest.approx(13 / 45 * 100)


def test_odi_with_too_few_answers_is_not_scored():
    with pytest.raises(WorkbookError, match="at least 8 answered"):
        odi_index([1, 1, 1, 1, 1, 1, 1, None, None, None])


@pytest.mark.parametrize("sections", [[6] + [0] * 9, [1] * 9, "1111111111"])
def test_odi_section_out_of_range_or_wrong_count_is_refused(sections):
    with pytest.raises(WorkbookError, match="odi"):
        check_odi_sections(sections)


def test_odi_bands_follow_fairbank():
    assert [odi_band(x) for x in (0, 20, 21, 40.5, 60, 80, 100)] == [
        "minimal",
        "minimal",
        "moderate",
        "severe",
        "severe",
        "crippled",
        "bed-bound",
    ]

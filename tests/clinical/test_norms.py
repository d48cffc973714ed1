"""The normal values in use: each inside its band, and no jump between adjacent ages."""

from __future__ import annotations

import itertools

import pytest

from workbook.clinical.measures import MOTIONS
from workbook.clinical.reference import SEXES, mdc_degrees, normal_value

AGES = range(16, 101)
# The positions the references distinguish (any other position falls back like None).
WHO = list(itertools.product((None, *SEXES), (None, "supine", "seated", "prone")))


def test_every_value_in_use_lies_inside_the_band_shown_with_it():
    outside = []
    for motion, (sex, position), age in itertools.product(MOTIONS, WHO, AGES):
        value = normal_value(motion, age=age, sex=sex, position=position)
        if not value.low_degrees <= value.degrees <= value.high_degrees:
            outside.append((motion, sex, position, age, value.degrees, value.low_degrees))
    assert not outside, outside[:5]


def test_every_row_in_use_names_its_source_and_its_band_source():
    for motion, (sex, position), age in itertools.product(MOTIONS, WHO, (30, 50, 72, 90)):
        value = normal_value(motion, age=age, sex=sex, position=position)
        assert value.source and value.range_source and value.label


@pytest.mark.parametrize("motion", MOTIONS)
def test_no_artificial_jump_between_adjacent_ages(motion):
    # A change of reference between two adjacent ages must stay below half the motion's MDC:
    # the supine rotation norms used to jump 12 degrees at 60/61 (issue 11).
    limit = mdc_degrees(motion) / 2
    for sex, position in WHO:
        values = [normal_value(motion, age=a, sex=sex, position=position).degrees for a in AGES]
        jumps = [(a, b - a_) for a, (a_, b) in zip(AGES, itertools.pairwise(values), strict=False)]
        big = [(age, jump) for age, jump in jumps if abs(jump) >= limit]
        assert not big, (motion, sex, position, big)


def test_a_value_outside_its_own_band_is_refused(tmp_path, monkeypatch):
    import shutil

    from workbook.clinical.paths import data_dir
    from workbook.errors import WorkbookError

    folder = tmp_path / "data"
    shutil.copytree(data_dir(), folder)
    path = folder / "normal_rom.csv"
    text = path.read_text()
    path.write_text(
        text.replace(
            "hip_extension,aaos_mean,AAOS mean,,,,,12.0,",
            "hip_extension,aaos_mean,AAOS mean,,,,,30,",
        )
    )
    monkeypatch.setenv("WORKBOOK_DATA", str(folder))
    with pytest.raises(WorkbookError, match="inside its own band"):
        normal_value("hip_extension")
